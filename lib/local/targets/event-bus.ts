/**
 * The analytics bus: EventBridge's PutEvents over the AWS JSON 1.1 protocol, so
 * `@aws-sdk/client-eventbridge` (and `aws events put-events --endpoint-url`) work against it
 * unchanged. It validates requests the way EventBridge does (1-10 entries, 256 KB in total,
 * Source, DetailType and a JSON-object Detail per entry) and answers per-entry results.
 *
 * One deliberate difference: EventBridge silently accepts events for a bus that does not exist.
 * The stand-in answers ResourceNotFoundException for any bus but its own, so a wrong
 * ANALYTICS_BUS_ARN shows up as a configuration failure instead of events vanishing.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { BusEvent } from './store.js';

/** The content type of JSON 1.1 requests and answers. */
export const JSON_11 = 'application/x-amz-json-1.1';
/** The one operation the bus answers. */
export const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
/** PutEvents' limits (EventBridge API reference). */
export const PUT_EVENTS_LIMITS = { maxEntries: 10, maxTotalEntryBytes: 256 * 1024 } as const;

/** Where the bus lives, for its ARN and the events' envelope. */
export interface BusIdentity {
  name: string;
  region: string;
  account: string;
  arn: string;
}

/** An answer in the JSON 1.1 protocol. */
export interface BusAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Accepted events (status 200 only). */
  events: BusEvent[];
  entries?: number;
  failedEntries?: number;
}

/** The identity of a bus from its parts. */
export function busIdentity(parts: { name: string; region: string; account: string }): BusIdentity {
  return { ...parts, arn: `arn:aws:events:${parts.region}:${parts.account}:event-bus/${parts.name}` };
}

/** An AWS JSON 1.1 error answer. */
export function busError(status: number, type: string, message: string): BusAnswer {
  return { status, body: { __type: type, message }, events: [] };
}

/** The error EventBridge would give with an HTTP status, for the "error" and "flaky" faults. */
export function busFaultError(status: number): BusAnswer {
  const type =
    status === 429
      ? 'ThrottlingException'
      : status === 401 || status === 403
        ? 'AccessDeniedException'
        : status === 404
          ? 'ResourceNotFoundException'
          : status === 503
            ? 'ServiceUnavailableException'
            : status >= 500
              ? 'InternalException'
              : 'ValidationException';
  return busError(
    status,
    type,
    `The analytics bus answered ${status} (fault injected by the example targets).`,
  );
}

/** Answers one PutEvents request (already authenticated). Never throws for bad input. */
export function putEvents(
  bus: BusIdentity,
  request: { method: string; headers: IncomingHttpHeaders; body: Buffer },
  now: () => Date,
): BusAnswer {
  const target = request.headers['x-amz-target'];
  if (request.method !== 'POST' || target !== PUT_EVENTS_TARGET)
    return busError(
      400,
      'UnknownOperationException',
      `The local analytics bus answers only PutEvents: POST with X-Amz-Target: ${PUT_EVENTS_TARGET}.`,
    );
  let input: unknown;
  try {
    input = JSON.parse(request.body.toString('utf8'));
  } catch {
    return busError(400, 'SerializationException', 'The request body is not valid JSON.');
  }
  const entries = (input as { Entries?: unknown } | null)?.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > PUT_EVENTS_LIMITS.maxEntries)
    return busError(
      400,
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must be a list of 1 to ${PUT_EVENTS_LIMITS.maxEntries} entries`,
    );
  if (entries.reduce<number>((sum, e) => sum + entrySize(e), 0) > PUT_EVENTS_LIMITS.maxTotalEntryBytes)
    return busError(
      400,
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );

  const received = now();
  const events: BusEvent[] = [];
  const results = entries.map((entry: unknown): Record<string, string> => {
    const checked = checkEntry(bus, entry, received);
    if ('errorCode' in checked) return { ErrorCode: checked.errorCode, ErrorMessage: checked.errorMessage };
    events.push(checked.event);
    return { EventId: checked.event.id };
  });
  const failed = entries.length - events.length;
  return {
    status: 200,
    body: { FailedEntryCount: failed, Entries: results },
    events,
    entries: entries.length,
    failedEntries: failed,
  };
}

function checkEntry(
  bus: BusIdentity,
  entry: unknown,
  received: Date,
): { event: BusEvent } | { errorCode: string; errorMessage: string } {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return invalid('Entry', 'Entry must be an object.');
  const e = entry as Record<string, unknown>;
  const busName = e.EventBusName;
  if (busName !== bus.name && busName !== bus.arn)
    return {
      errorCode: 'ResourceNotFoundException',
      errorMessage:
        busName === undefined || busName === ''
          ? `EventBusName is required: this stand-in is the bus ${bus.arn}, not the default bus.`
          : `Event bus ${String(busName).slice(0, 300)} does not exist; this stand-in is the bus ${bus.arn}.`,
    };
  if (typeof e.Source !== 'string' || e.Source === '')
    return invalid('Source', 'Source is a required argument.');
  if (typeof e.DetailType !== 'string' || e.DetailType === '')
    return invalid('DetailType', 'DetailType is a required argument.');
  if (typeof e.Detail !== 'string' || e.Detail === '')
    return invalid('Detail', 'Detail is a required argument.');
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail);
  } catch {
    return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
    return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed: it must be a JSON object.' };
  const resources = e.Resources ?? [];
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string'))
    return invalid('Resources', 'Resources must be a list of strings.');
  let time = received;
  if (e.Time !== undefined) {
    // The JSON 1.1 protocol carries timestamps as epoch seconds.
    const seconds = typeof e.Time === 'number' ? e.Time : Number.NaN;
    if (!Number.isFinite(seconds)) return invalid('Time', 'Time must be a timestamp.');
    time = new Date(seconds * 1000);
  }
  return {
    event: {
      version: '0',
      id: randomUUID(),
      'detail-type': e.DetailType,
      source: e.Source,
      account: bus.account,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: bus.region,
      resources: resources as string[],
      detail,
    },
  };
}

function invalid(parameter: string, reason: string): { errorCode: string; errorMessage: string } {
  return {
    errorCode: 'InvalidArgument',
    errorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}`,
  };
}

/** An entry's size as EventBridge counts it (Time 14 bytes; Source, DetailType, Detail, Resources in UTF-8). */
function entrySize(entry: unknown): number {
  if (typeof entry !== 'object' || entry === null) return 0;
  const e = entry as Record<string, unknown>;
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  let size = e.Time !== undefined ? 14 : 0;
  size += bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail);
  if (Array.isArray(e.Resources)) for (const r of e.Resources) size += bytes(r);
  return size;
}
