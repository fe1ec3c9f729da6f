/**
 * The receiver's logic: one webhook request in (API Gateway payload 2.0, which Lambda function URLs
 * use too), one answer out, in this order:
 *
 *   method (405) → content type (415) → size (413, before any decoding) → signature (401)
 *   → JSON (400) → type, id, time, detail (400; 422 for a type handoff does not take)
 *   → delivery claim (200 duplicate) → PutEvents (503 on failure) → 202 accepted
 *
 * A 2xx is answered only once the event is on the bus, so the provider retries whatever handoff did
 * not take; the sender's mistakes are 4xx and never 500; handoff's own failures are 503 with
 * Retry-After. No answer and no log line contains the body or the request headers.
 *
 * Calls are not aborted when the handler times out: a put that still completes is then recorded,
 * and the provider's retry is answered as a duplicate instead of being put a second time.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { WEBHOOK_METRICS, type WebhookRejection } from '../../lib/plan/metrics.js';
import type { WebhookPlan } from '../../lib/plan/types.js';
import { type SignatureFailure, verify } from '../../lib/webhooks/signing.js';
import { type BusEntry, entryBytes, MAX_ENTRY_BYTES, type WebhookBus } from './bus.js';
import type { DeliveryStore } from './deliveries.js';
import { deriveEvent } from './derive.js';
import { type ReceiverPart, WebhookReceiverError } from './errors.js';
import type { WebhookSecrets } from './secrets.js';

/** Seconds a provider is asked to wait after a 503. */
export const RETRY_AFTER_SECONDS = 30;

/** Headers on every answer: JSON, never cached, not sniffed. */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export interface WebhookDeps {
  webhook: WebhookPlan;
  store: DeliveryStore;
  bus: WebhookBus;
  secrets: WebhookSecrets;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
}

/** What happened to one request; `status` is the HTTP status answered. */
export type WebhookOutcome =
  | { outcome: 'accepted'; status: 202; deliveryId: string; detailType: string; eventId: string }
  | { outcome: 'duplicate'; status: 200; deliveryId: string; eventId?: string }
  | {
      outcome: 'rejected';
      status: 400 | 401 | 413 | 415 | 422;
      reason: WebhookRejection;
      /** Support-safe explanation, also the answer's message. */
      message: string;
      signatureFailure?: SignatureFailure;
    }
  | { outcome: 'not-allowed'; status: 405 }
  | { outcome: 'in-progress'; status: 503; deliveryId: string }
  | { outcome: 'unavailable'; status: 500 | 503; part: ReceiverPart; message: string };

export interface WebhookAnswer {
  outcome: WebhookOutcome;
  response: APIGatewayProxyStructuredResultV2;
}

const REJECTION_STATUS: Record<WebhookRejection, 400 | 401 | 413 | 415 | 422> = {
  signature: 401,
  malformed: 400,
  'too-large': 413,
  'content-type': 415,
  // The request is well formed and signed, but carries a type handoff does not route: 422 tells the
  // provider's delivery log (and the owning team reading it) exactly that, where 400 would say
  // "broken request". Providers retry both, so either way nothing is taken silently.
  'unknown-type': 422,
};

/**
 * Handles one request; never throws for anything the sender did. Records the outcome's metric and
 * log, unless `abandoned` says the handler already answered 503 (timed out) and counted that.
 */
export async function receiveWebhook(
  deps: WebhookDeps,
  event: APIGatewayProxyEventV2,
  abandoned: () => boolean = () => false,
): Promise<WebhookAnswer> {
  const started = Date.now();
  const outcome = await decide(deps, event).catch((error: unknown) => failed(deps, error));
  if (abandoned())
    deps.logger.warn('finished after the request timed out', {
      outcome: outcome.outcome,
      status: outcome.status,
    });
  else record(deps, outcome, Date.now() - started, userAgent(event));
  return { outcome, response: respond(deps.webhook, outcome) };
}

async function decide(deps: WebhookDeps, event: APIGatewayProxyEventV2): Promise<WebhookOutcome> {
  const { webhook } = deps;
  const method = event.requestContext?.http?.method ?? '';
  if (method.toUpperCase() !== 'POST') return { outcome: 'not-allowed', status: 405 };

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {}))
    if (typeof value === 'string') headers[name.toLowerCase()] = value;

  const contentProblem = checkContentType(headers, webhook.contentTypes);
  if (contentProblem) return reject('content-type', contentProblem);

  // Size from the encoded text, before decoding or parsing anything.
  const text = event.body ?? '';
  const size = event.isBase64Encoded ? Buffer.byteLength(text, 'base64') : Buffer.byteLength(text, 'utf8');
  if (size > webhook.maxBodyBytes)
    return reject('too-large', `the body is ${size} bytes; at most ${webhook.maxBodyBytes} are accepted`);
  // Signatures are over the raw bytes the provider sent.
  const body = Buffer.from(text, event.isBase64Encoded ? 'base64' : 'utf8');

  const loaded = await deps.secrets.current();
  if (loaded.fresh) reportSecretProblems(deps.logger, loaded.problems);
  const request = { body, headers };
  let verified = verify(webhook.signature, loaded.values, request, deps.now());
  if (!verified.ok && verified.reason === 'mismatch') {
    // A value changed in place (rotation without a second secret): read it again, rarely.
    const again = await deps.secrets.refreshAfterMismatch();
    if (again) {
      reportSecretProblems(deps.logger, again.problems);
      verified = verify(webhook.signature, again.values, request, deps.now());
    }
  }
  if (!verified.ok) return reject('signature', verified.message, verified.reason);

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return reject('malformed', 'the body is not valid JSON in UTF-8');
  }

  const derived = deriveEvent(webhook.event, { body: parsed, headers }, deps.now());
  if (!derived.ok) {
    if (derived.providerType) deps.logger.appendKeys({ providerType: derived.providerType });
    return reject(derived.reason, derived.message);
  }
  const { deliveryId, detailType, time, detail } = derived.event;
  deps.logger.appendKeys({ deliveryId, detailType, providerType: derived.providerType });
  const entry: BusEntry = {
    busName: webhook.busName,
    source: webhook.event.source,
    detailType,
    detail,
    time,
  };
  const bytes = entryBytes(entry);
  if (bytes > MAX_ENTRY_BYTES)
    return reject(
      'too-large',
      `the event detail makes a ${bytes}-byte event; EventBridge takes at most ${MAX_ENTRY_BYTES}`,
    );

  const claim = await deps.store.claim(deliveryId, detailType);
  if (claim.kind === 'put')
    return {
      outcome: 'duplicate',
      status: 200,
      deliveryId,
      ...(claim.eventId ? { eventId: claim.eventId } : {}),
    };
  if (claim.kind === 'in-progress') return { outcome: 'in-progress', status: 503, deliveryId };

  let eventId: string;
  try {
    ({ eventId } = await deps.bus.put(entry));
  } catch (error) {
    // Release the claim so the provider's retry is taken; if that fails too, it is retaken once stale.
    await deps.store.release(deliveryId, claim.token).catch((releaseError: unknown) =>
      deps.logger.warn('the failed delivery could not be released; it is retaken after a minute', {
        error: errorSummary(releaseError),
      }),
    );
    throw error;
  }
  // The event is on the bus: answer 202 even if the record cannot be completed (a replay after the
  // stale-claim window would then be put again, which the sync handlers' version checks absorb).
  const completed = await deps.store.markPut(deliveryId, claim.token, eventId).catch((error: unknown) => {
    deps.logger.warn('the delivery was put but its record was not completed', {
      eventId,
      error: errorSummary(error),
    });
    return true;
  });
  if (!completed)
    deps.logger.warn('another invocation retook this delivery while it was being put; it may be put twice', {
      eventId,
    });
  return { outcome: 'accepted', status: 202, deliveryId, detailType, eventId };
}

/** Why the content type is refused, or undefined when it is accepted. */
export function checkContentType(
  headers: Record<string, string>,
  accepted: readonly string[],
): string | undefined {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity')
    return `content-encoding ${encoding.slice(0, 40)} is not accepted; send the body uncompressed`;
  const header = headers['content-type'];
  const expected = `expected ${accepted.join(' or ')}`;
  if (!header) return `the request has no content-type; ${expected}`;
  const [type = '', ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  if (!accepted.some((a) => a.toLowerCase() === type))
    return `content-type ${type.slice(0, 80) || '(empty)'} is not accepted; ${expected}`;
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    return `charset ${charset.slice(0, 40)} is not accepted; send UTF-8`;
  return undefined;
}

function reject(
  reason: WebhookRejection,
  message: string,
  signatureFailure?: SignatureFailure,
): WebhookOutcome {
  return {
    outcome: 'rejected',
    status: REJECTION_STATUS[reason],
    reason,
    message,
    ...(signatureFailure ? { signatureFailure } : {}),
  };
}

function failed(deps: WebhookDeps, error: unknown): WebhookOutcome {
  if (error instanceof WebhookReceiverError) {
    deps.logger.error('handoff could not take the webhook; the provider will retry', {
      part: error.part,
      error: errorSummary(error),
      cause: error.cause === undefined ? undefined : errorSummary(error.cause),
    });
    return { outcome: 'unavailable', status: 503, part: error.part, message: error.message };
  }
  deps.logger.error('unexpected error in the webhook receiver', {
    part: 'unexpected',
    error: errorSummary(error),
  });
  return { outcome: 'unavailable', status: 500, part: 'unexpected', message: 'unexpected error' };
}

/** The outcome's metric (System dimension; Reason for rejections) and one log line. */
function record(
  deps: WebhookDeps,
  outcome: WebhookOutcome,
  durationMs: number,
  agent: string | undefined,
): void {
  const { metrics, logger } = deps;
  switch (outcome.outcome) {
    case 'accepted':
      metrics.addMetric(WEBHOOK_METRICS.accepted, MetricUnit.Count, 1);
      logger.info('webhook accepted', {
        outcome: outcome.outcome,
        status: outcome.status,
        eventId: outcome.eventId,
        durationMs,
      });
      return;
    case 'duplicate':
      metrics.addMetric(WEBHOOK_METRICS.duplicate, MetricUnit.Count, 1);
      logger.info('webhook duplicate: already on the bus, not put again', {
        outcome: outcome.outcome,
        status: outcome.status,
        eventId: outcome.eventId,
        durationMs,
      });
      return;
    case 'rejected': {
      metrics.addDimension('Reason', outcome.reason);
      metrics.addMetric(WEBHOOK_METRICS.rejected, MetricUnit.Count, 1);
      const fields = {
        outcome: outcome.outcome,
        status: outcome.status,
        reason: outcome.reason,
        problem: outcome.message,
        durationMs,
      };
      // Signature failures are what the alarm watches: say which kind, and who sent it (provider or probe).
      if (outcome.reason === 'signature')
        logger.warn('webhook rejected', {
          ...fields,
          signatureFailure: outcome.signatureFailure,
          userAgent: agent,
        });
      else logger.info('webhook rejected', fields);
      return;
    }
    case 'not-allowed':
      logger.info('webhook rejected: method not allowed', {
        outcome: outcome.outcome,
        status: outcome.status,
      });
      return;
    case 'in-progress':
      logger.info('webhook delivery is being handled by another request; asked the provider to retry', {
        outcome: outcome.outcome,
        status: outcome.status,
        durationMs,
      });
      return;
    case 'unavailable':
      // Counted with put failures: either way the provider must retry, and the platform team is told.
      metrics.addMetric(WEBHOOK_METRICS.putFailed, MetricUnit.Count, 1);
      logger.info('webhook not taken', {
        outcome: outcome.outcome,
        status: outcome.status,
        part: outcome.part,
        durationMs,
      });
      return;
  }
}

/** The answer for an outcome; never echoes the body or the request's headers. */
export function respond(webhook: WebhookPlan, outcome: WebhookOutcome): APIGatewayProxyStructuredResultV2 {
  switch (outcome.outcome) {
    case 'accepted':
      return json(202, { status: 'accepted', eventId: outcome.eventId });
    case 'duplicate':
      return json(200, { status: 'duplicate', ...(outcome.eventId ? { eventId: outcome.eventId } : {}) });
    case 'rejected':
      return json(outcome.status, { error: { code: outcome.reason, message: outcome.message } });
    case 'not-allowed':
      return json(
        405,
        { error: { code: 'method', message: `send webhooks with POST to ${webhook.path}` } },
        { allow: 'POST' },
      );
    case 'in-progress':
      return json(
        503,
        { error: { code: 'in-progress', message: 'this delivery is being handled; retry later' } },
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
    case 'unavailable':
      return json(
        outcome.status,
        {
          error: {
            code: 'unavailable',
            message: 'handoff could not take this delivery now; retry later (nothing was accepted)',
          },
        },
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
  }
}

function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { ...RESPONSE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

function reportSecretProblems(logger: Logger, problems: readonly string[]): void {
  for (const problem of problems)
    logger.error('a webhook signing secret is left out', { part: 'secret', problem });
}

function userAgent(event: APIGatewayProxyEventV2): string | undefined {
  const agent = event.requestContext?.http?.userAgent;
  return typeof agent === 'string' && agent !== '' ? agent.slice(0, 100) : undefined;
}

/** An error's name and message, for logs (SDK messages name resources, never payloads). */
function errorSummary(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message.slice(0, 300) };
  return { name: 'Error', message: String(error).slice(0, 300) };
}
