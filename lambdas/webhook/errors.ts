/**
 * Failures on handoff's side of a webhook: the receiver could not read its secrets, record the
 * delivery, or put the event on the bus. Each one is answered 503 (the provider retries), counted
 * as WebhookPutFailed and alarmed to the platform team. What the sender got wrong is never an
 * error here: it is a rejection with a 4xx answer (see receive.ts).
 */

/** The part of the receiver that failed; logged as `part` so the runbook can group by it. */
export type ReceiverPart = 'secret' | 'dedupe' | 'bus' | 'timeout' | 'unexpected';

/** Base of the receiver's own failures; `cause` is the SDK error, when there is one. */
export abstract class WebhookReceiverError extends Error {
  abstract readonly part: ReceiverPart;
}

/** No accepted secret could be read or used (missing, access denied, not `whsec_` base64...). */
export class WebhookSecretError extends WebhookReceiverError {
  override readonly name = 'WebhookSecretError';
  readonly part = 'secret';
}

/** The operations table did not answer the delivery claim or its release. */
export class DeliveryStoreError extends WebhookReceiverError {
  override readonly name = 'DeliveryStoreError';
  readonly part = 'dedupe';
}

/** EventBridge refused or did not answer PutEvents. */
export class EventPutError extends WebhookReceiverError {
  override readonly name = 'EventPutError';
  readonly part = 'bus';
  /** EventBridge's per-entry error code, when it gave one (e.g. ThrottlingException). */
  readonly code: string | undefined;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
  }
}
