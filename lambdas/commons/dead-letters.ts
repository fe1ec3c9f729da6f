/**
 * Dead letters: what lands in a tier's dead-letter queue, from three writers, read one way.
 *
 * 1. EventBridge, when it cannot deliver an event to the handler (rule target DLQ): the body is the
 *    event; attributes RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE.
 * 2. Lambda, when a handler run failed and its retries are exhausted (on-failure destination): the
 *    body is a destination record whose `requestPayload` is the event.
 * 3. The sync handler, for permanent and config failures it sends straight to the queue without
 *    wasting retries: a record shaped like Lambda's (so tools read one format), condition
 *    `PermanentFailure` or `ConfigFailure`, with handoff message attributes.
 *
 * `readDeadLetter` turns any of them into a support-safe summary plus the original event, which
 * is what `handoff dlq` lists and what redrive puts back on the bus.
 */

/** Message attributes the sync handler sets on the dead letters it writes. */
export const DEAD_LETTER_ATTRIBUTES = {
  contract: 'handoff-contract',
  failureClass: 'handoff-failure-class',
  entityType: 'handoff-entity-type',
  entityId: 'handoff-entity-id',
} as const;

export type DeadLetterSource = 'eventbridge' | 'lambda' | 'handler';
export type DeadLetterClass = 'transient' | 'permanent' | 'config' | 'delivery';

/** Lambda's asynchronous-invocation destination record (and the handler's look-alike). */
export interface DestinationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted' | 'EventAgeExceeded' | 'PermanentFailure' | 'ConfigFailure';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  responsePayload: { errorType: string; errorMessage: string; failureClass?: 'permanent' | 'config' } | null;
}

/** A dead letter as SQS hands it over. */
export interface RawDeadLetter {
  messageId: string;
  receiptHandle?: string;
  body: string;
  /** String message attributes. */
  attributes: Record<string, string>;
  /** Epoch ms when the message was sent (SQS SentTimestamp). */
  sentAt?: number;
  /** SQS ApproximateReceiveCount. */
  receiveCount?: number;
}

/** A support-safe view of a dead letter: who, what, why, how old. No payload. */
export interface DeadLetterSummary {
  messageId: string;
  source: DeadLetterSource;
  contractId?: string;
  entity?: { type: string; id: string };
  failureClass: DeadLetterClass;
  /** Support-safe reason: an error type and message the handler wrote, or EventBridge's error code. */
  reason: string;
  /** Handler attempts (from Lambda), or 1. */
  attempts: number;
  sentAt?: number;
  /** Id of the original event. */
  eventId?: string;
  /** Whether redrive may put it back automatically (transient and delivery failures only). */
  autoRedrivable: boolean;
}

export interface ReadDeadLetter {
  summary: DeadLetterSummary;
  /** The original EventBridge event, to redrive; undefined when the body cannot be read. */
  event?: Record<string, unknown>;
}

/** Works out which contract a function or rule name belongs to: `handoff-<stage>-<contract>`. */
export function contractFromResourceName(name: string, prefix: string): string | undefined {
  const start = `${prefix}-`;
  if (!name.startsWith(start)) return undefined;
  const rest = name.slice(start.length);
  return rest.startsWith('platform-') || rest === '' ? undefined : rest;
}

/** Reads any kind of dead letter. `prefix` is the plan's `handoff-<stage>`. Never throws. */
export function readDeadLetter(raw: RawDeadLetter, prefix: string): ReadDeadLetter {
  const base = { messageId: raw.messageId, sentAt: raw.sentAt };
  let body: unknown;
  try {
    body = JSON.parse(raw.body);
  } catch {
    return {
      summary: {
        ...base,
        source: 'eventbridge',
        failureClass: 'delivery',
        reason: 'unreadable message body',
        attempts: 1,
        autoRedrivable: false,
      },
    };
  }
  const attrs = raw.attributes;
  if (isDestinationRecord(body)) {
    const event = isObject(body.requestPayload) ? body.requestPayload : undefined;
    // arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>]
    const fnName = /:function:([^:]+)/.exec(body.requestContext.functionArn)?.[1] ?? '';
    const contractId = attrs[DEAD_LETTER_ATTRIBUTES.contract] ?? contractFromResourceName(fnName, prefix);
    const handlerWritten =
      body.requestContext.condition === 'PermanentFailure' ||
      body.requestContext.condition === 'ConfigFailure';
    const failureClass: DeadLetterClass = handlerWritten
      ? body.requestContext.condition === 'ConfigFailure'
        ? 'config'
        : 'permanent'
      : 'transient';
    const reason = body.responsePayload
      ? `${body.responsePayload.errorType}: ${body.responsePayload.errorMessage}`
      : body.requestContext.condition === 'EventAgeExceeded'
        ? 'the event was older than the maximum event age'
        : 'the handler failed';
    return {
      summary: {
        ...base,
        source: handlerWritten ? 'handler' : 'lambda',
        contractId,
        entity: entityFromAttributes(attrs),
        failureClass,
        reason: reason.slice(0, 500),
        attempts: body.requestContext.approximateInvokeCount,
        eventId: typeof event?.id === 'string' ? event.id : undefined,
        autoRedrivable: failureClass === 'transient',
      },
      event,
    };
  }
  if (isObject(body) && typeof body['detail-type'] === 'string') {
    const ruleName = (attrs.RULE_ARN ?? '').split('/').at(-1) ?? '';
    return {
      summary: {
        ...base,
        source: 'eventbridge',
        contractId: contractFromResourceName(ruleName, prefix),
        failureClass: 'delivery',
        reason:
          [attrs.ERROR_CODE, attrs.ERROR_MESSAGE].filter(Boolean).join(': ').slice(0, 500) ||
          'EventBridge could not deliver the event',
        attempts: 1,
        eventId: typeof body.id === 'string' ? body.id : undefined,
        autoRedrivable: true,
      },
      event: body,
    };
  }
  return {
    summary: {
      ...base,
      source: 'eventbridge',
      failureClass: 'delivery',
      reason: 'unrecognised message',
      attempts: 1,
      autoRedrivable: false,
    },
  };
}

/** Builds the dead letter the sync handler writes for a permanent or config failure. */
export function handlerDeadLetter(input: {
  event: unknown;
  requestId: string;
  functionArn: string;
  failureClass: 'permanent' | 'config';
  errorType: string;
  errorMessage: string;
  attempts: number;
  now: Date;
}): DestinationRecord {
  return {
    version: '1.0',
    timestamp: input.now.toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.failureClass === 'config' ? 'ConfigFailure' : 'PermanentFailure',
      approximateInvokeCount: input.attempts,
    },
    requestPayload: input.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Handled' },
    responsePayload: {
      errorType: input.errorType,
      errorMessage: input.errorMessage,
      failureClass: input.failureClass,
    },
  };
}

function entityFromAttributes(attrs: Record<string, string>): { type: string; id: string } | undefined {
  const type = attrs[DEAD_LETTER_ATTRIBUTES.entityType];
  const id = attrs[DEAD_LETTER_ATTRIBUTES.entityId];
  return type && id ? { type, id } : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isDestinationRecord(value: unknown): value is DestinationRecord {
  return (
    isObject(value) &&
    value.version === '1.0' &&
    isObject(value.requestContext) &&
    typeof value.requestContext.functionArn === 'string' &&
    typeof value.requestContext.condition === 'string' &&
    'requestPayload' in value
  );
}
