/**
 * An EventBridge-compatible ingress: the PutEvents API (AWS JSON 1.1, `X-Amz-Target:
 * AWSEvents.PutEvents`) with its validation and per-entry results, so @aws-sdk/client-eventbridge
 * and `aws events put-events --endpoint-url` work unchanged; and TestEventPattern, answered by the
 * same matcher. An entry is acknowledged only once its invocations are in the journal.
 */
import { randomUUID } from 'node:crypto';
import { testEventPattern } from '../patterns/index.js';
import { type Invocation, newInvocation } from './journal.js';
import type { MetricStore } from './metrics.js';
import type { RuleTarget } from './router.js';

/** EventBridge's limit on a PutEvents request's entries, and on their total size. */
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_ENTRY_BYTES = 256 * 1024;
/**
 * PutEvents processes JSON up to 1000 levels deep (the current API reference; older pages said
 * 1100). The event wraps the detail in one more level, and the matcher refuses anything deeper.
 */
const MAX_DETAIL_DEPTH = 999;

export interface IngressOptions {
  /** handoff's bus name; entries may name it, its ARN, or `default`. */
  busName: string;
  account: string;
  region: string;
  route(busName: string, event: Record<string, unknown>): RuleTarget[];
  /** Persists invocations durably; resolves when on disk. */
  accept(invocations: Invocation[]): Promise<void>;
  metrics: MetricStore;
  now?: () => number;
}

export interface WireResponse {
  status: number;
  body: Record<string, unknown>;
}

type ResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** Handles a PutEvents request body (already parsed JSON or the raw text). */
export async function putEvents(input: unknown, options: IngressOptions): Promise<WireResponse> {
  const request = input as { Entries?: unknown } | null;
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    return validation('The request body must be a JSON object with Entries.');
  }
  const entries = request.Entries;
  if (!Array.isArray(entries))
    return validation(
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  if (entries.length === 0)
    return validation(
      "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  if (entries.length > MAX_ENTRIES) {
    return validation(
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
    );
  }
  const size = entries.reduce<number>((total, entry) => total + entrySize(entry), 0);
  if (size > MAX_REQUEST_ENTRY_BYTES)
    return validation('Total size of the entries in the request is over the limit.');

  const now = options.now?.() ?? Date.now();
  const results: ResultEntry[] = [];
  const invocations: Invocation[] = [];
  const matched: Array<{ busName: string; ruleName: string }> = [];
  for (const raw of entries) {
    const checked = checkEntry(raw, options);
    if ('ErrorCode' in checked) {
      results.push(checked);
      continue;
    }
    const eventId = randomUUID();
    const time = checked.time ?? new Date(now);
    const event: Record<string, unknown> = {
      version: '0',
      id: eventId,
      'detail-type': checked.detailType,
      source: checked.source,
      account: options.account,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: options.region,
      resources: checked.resources,
      detail: checked.detail,
    };
    for (const target of options.route(checked.busName, event)) {
      matched.push(target);
      invocations.push(newInvocation(target, event, now));
    }
    results.push({ EventId: eventId });
  }
  try {
    if (invocations.length > 0) await options.accept(invocations);
  } catch {
    // Nothing was acknowledged: every entry fails with a retryable code, so the client retries.
    return {
      status: 200,
      body: {
        FailedEntryCount: entries.length,
        Entries: entries.map(() => ({
          ErrorCode: 'InternalFailure',
          ErrorMessage: 'The event could not be recorded; retry.',
        })),
      },
    };
  }
  for (const m of matched)
    options.metrics.record(
      'AWS/Events',
      'MatchedEvents',
      { EventBusName: m.busName, RuleName: m.ruleName },
      1,
    );
  return {
    status: 200,
    body: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results },
  };
}

/** Handles a TestEventPattern request: `{ EventPattern, Event }` as JSON strings. */
export function testPattern(input: unknown): WireResponse {
  const request = input as { EventPattern?: unknown; Event?: unknown } | null;
  if (!request || typeof request.EventPattern !== 'string' || typeof request.Event !== 'string') {
    return validation('EventPattern and Event are required strings.');
  }
  const answer = testEventPattern(request.EventPattern, request.Event);
  if (answer.result === 'MATCH' || answer.result === 'NO_MATCH')
    return { status: 200, body: { Result: answer.result === 'MATCH' } };
  if (answer.result === 'INVALID')
    return {
      status: 400,
      body: {
        __type: 'InvalidEventPatternException',
        message: `Event pattern is not valid. Reason: ${answer.reason}`,
      },
    };
  if (answer.result === 'UNREADABLE') return validation(`Event is not valid JSON: ${answer.reason}`);
  return validation('Event is not valid JSON.');
}

interface CheckedEntry {
  busName: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
  time?: Date;
}

function checkEntry(
  raw: unknown,
  options: IngressOptions,
): CheckedEntry | { ErrorCode: string; ErrorMessage: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return invalid('Each entry must be an object.');
  const entry = raw as Record<string, unknown>;
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return invalid(`Parameter ${field} is not valid. Reason: ${field} is a required argument.`);
    }
  }
  const source = entry.Source as string;
  const detailType = entry.DetailType as string;
  if (source.length > 256)
    return invalid('Parameter Source is not valid. Reason: Source is longer than 256 characters.');
  if (detailType.length > 128)
    return invalid('Parameter DetailType is not valid. Reason: DetailType is longer than 128 characters.');
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail as string);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (
    detail === null ||
    typeof detail !== 'object' ||
    Array.isArray(detail) ||
    depth(detail) > MAX_DETAIL_DEPTH
  ) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  const busName = resolveBus(entry.EventBusName, options);
  if (busName === undefined)
    // Only a string is echoed: String() of an object such as {"toString": null} throws.
    return invalid(
      typeof entry.EventBusName === 'string'
        ? `Event bus ${entry.EventBusName.slice(0, 256)} does not exist.`
        : 'Parameter EventBusName is not valid. Reason: EventBusName must be a string.',
    );
  let resources: string[] = [];
  if (entry.Resources !== undefined) {
    if (!Array.isArray(entry.Resources) || !entry.Resources.every((r) => typeof r === 'string')) {
      return invalid('Parameter Resources is not valid. Reason: Resources must be a list of strings.');
    }
    resources = entry.Resources as string[];
  }
  let time: Date | undefined;
  if (entry.Time !== undefined) {
    const seconds =
      typeof entry.Time === 'number'
        ? entry.Time
        : typeof entry.Time === 'string'
          ? Date.parse(entry.Time) / 1000
          : Number.NaN;
    // A finite number can still be beyond what a Date holds (±8.64e15 ms): not a time either.
    time = new Date(seconds * 1000);
    if (Number.isNaN(time.getTime())) return invalid('Parameter Time is not valid.');
  }
  return {
    busName,
    source,
    detailType,
    detail: detail as Record<string, unknown>,
    resources,
    ...(time ? { time } : {}),
  };
}

/** handoff's bus by name or ARN, or the default bus; undefined for any other bus. */
function resolveBus(value: unknown, options: IngressOptions): string | undefined {
  if (value === undefined || value === '' || value === 'default') return 'default';
  if (typeof value !== 'string') return undefined;
  const name = value.startsWith('arn:') ? value.split('/').at(-1) : value;
  if (name === options.busName || name === 'default') return name;
  return undefined;
}

/** EventBridge's entry size: UTF-8 bytes of Source, DetailType, Detail and Resources, plus 14 for Time. */
export function entrySize(raw: unknown): number {
  if (raw === null || typeof raw !== 'object') return 0;
  const entry = raw as Record<string, unknown>;
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  let size = entry.Time !== undefined ? 14 : 0;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += bytes(r);
  return size;
}

function depth(value: unknown): number {
  let max = 0;
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (d > max) max = d;
    if (d > MAX_DETAIL_DEPTH) return d;
    if (v && typeof v === 'object')
      for (const child of Object.values(v))
        if (child && typeof child === 'object') stack.push({ v: child, d: d + 1 });
  }
  return max;
}

function invalid(message: string): { ErrorCode: string; ErrorMessage: string } {
  return { ErrorCode: 'InvalidArgument', ErrorMessage: message };
}

function validation(message: string): WireResponse {
  return { status: 400, body: { __type: 'ValidationException', message } };
}
