/**
 * The webhook receiver's Lambda handler: middy wiring only. Middleware first (Powertools logger
 * context, metrics flushed per request, early-timeout answers), handler last; the logic is
 * receiveWebhook in receive.ts. It serves Lambda function URL and API Gateway HTTP API events
 * (payload 2.0); the local layer imports this file with its own dependencies.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { WEBHOOK_METRICS } from '../../lib/plan/metrics.js';
import { receiveWebhook, respond, type WebhookDeps } from './receive.js';

/** Answers this long before Lambda's own timeout, so the provider gets a 503 instead of a bare error. */
export const TIMEOUT_EARLY_MS = 1000;

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

/** Builds the receiver of one system's webhook. */
export function createWebhookHandler(deps: WebhookDeps) {
  deps.metrics.setDefaultDimensions({ System: deps.webhook.systemId });
  return middy<Event, Result, Error, Context>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(publishMetrics(deps.metrics))
    .use(unavailableOnTimeout(deps))
    .handler(async (event, _context, { signal }) => {
      deps.logger.appendKeys({ system: deps.webhook.systemId });
      // middy aborts the signal when it answers early; a late outcome must not leak into the next request's metrics.
      return (await receiveWebhook(deps, event, () => signal.aborted)).response;
    });
}

/**
 * Publishes the request's metric after every request. Unlike Powertools' logMetrics it stays quiet
 * when a request records none (405, a delivery in progress): those are not outcomes to count.
 */
function publishMetrics(metrics: Metrics): MiddlewareObj<Event, Result, Error, Context> {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    else metrics.clearDimensions();
  };
  return { after: publish, onError: publish };
}

/**
 * The handler ran out of time (a dependency hung): answer 503 so the provider retries. The claim
 * it may hold is retaken once stale, or completed if the put still finishes.
 */
function unavailableOnTimeout(deps: WebhookDeps): MiddlewareObj<Event, Result, Error, Context> {
  return {
    onError: async (request) => {
      const timedOut = request.error?.name === 'TimeoutError';
      deps.logger.error(timedOut ? 'timed out before answering' : 'unexpected error in the webhook handler', {
        part: timedOut ? 'timeout' : 'unexpected',
        error: { name: request.error?.name ?? 'Error', message: request.error?.message ?? '' },
      });
      deps.metrics.addMetric(WEBHOOK_METRICS.putFailed, MetricUnit.Count, 1);
      request.response = respond(deps.webhook, {
        outcome: 'unavailable',
        status: timedOut ? 503 : 500,
        part: timedOut ? 'timeout' : 'unexpected',
        message: timedOut ? 'timed out' : 'unexpected error',
      });
    },
  };
}
