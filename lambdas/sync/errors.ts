/**
 * The failure taxonomy. Every failure of a sync is one of three classes, each with its own path:
 * - transient: thrown, so the tier's retry budget applies (timeouts, connection errors, 429, 5xx,
 *   DynamoDB throttling);
 * - permanent: dead-lettered at once with a reason, no retries wasted (schema violation, mapping
 *   error, target 4xx other than auth);
 * - config: permanent, but the owning team's configuration is at fault (401/403, missing endpoint
 *   or secret), so the alarm and runbook point there instead of at the data.
 * Messages are support-safe: they name fields, expressions and status codes, never values.
 */
import type { FailureClass } from '../commons/records.js';

export abstract class SyncError extends Error {
  abstract readonly failureClass: FailureClass;
  /** Short machine code, e.g. schema, mapping, http-503, timeout, auth, missing-endpoint. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Worth retrying: the same event may succeed later. */
export class TransientSyncError extends SyncError {
  override readonly name = 'TransientSyncError';
  readonly failureClass = 'transient';
}

/** Will fail the same way every time: dead-letter it now. */
export class PermanentSyncError extends SyncError {
  override readonly name = 'PermanentSyncError';
  readonly failureClass = 'permanent';
}

/** The contract's configuration or credentials are wrong: dead-letter it and tell the owner. */
export class ConfigSyncError extends SyncError {
  override readonly name = 'ConfigSyncError';
  readonly failureClass = 'config';
}

/** Classifies anything thrown during a sync; unknown errors are transient (retrying is the safe default). */
export function classify(error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServerError|ServiceUnavailable/.test(
      name,
    )
  ) {
    return new TransientSyncError('aws-throttled', `an AWS service was busy (${name})`, { cause: error });
  }
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken/.test(name)) {
    return new ConfigSyncError(
      'aws-access-denied',
      `handoff was not allowed to call an AWS service (${name})`,
      { cause: error },
    );
  }
  return new TransientSyncError('unexpected', `unexpected error (${name || 'unknown'})`, { cause: error });
}
