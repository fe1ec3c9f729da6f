/**
 * The sync handler: middy wiring only. Middleware first (logger context reset per event, metrics
 * flushed per event), the handler last; the logic is syncEvent in sync.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type SyncDeps, type SyncOutcome, syncEvent } from './sync.js';

/** Creates the handler for one contract. */
export function createSyncHandler(deps: SyncDeps) {
  return middy<unknown, SyncOutcome, Error, Context>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics))
    .handler(async (event, context) => {
      deps.logger.appendKeys({ contract: deps.contract.id, tier: deps.contract.tier });
      return syncEvent(deps, event, {
        requestId: context.awsRequestId,
        functionArn: context.invokedFunctionArn,
        remainingMs: () => context.getRemainingTimeInMillis(),
      });
    });
}
