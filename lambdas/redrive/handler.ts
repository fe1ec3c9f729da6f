/**
 * The redrive function's wiring: the plan's `contract-recovered` rule invokes it with the sync
 * handler's `Contract Recovered` event. It stops taking new batches 30 seconds before its timeout;
 * what is left waits for the next recovery or `handoff dlq redrive`.
 *
 * Run it with reserved concurrency 1: a walk hides the other contracts' dead letters of the tier
 * while it runs, so two concurrent walks over one queue would miss each other's messages.
 * Serialised, a second recovery waits in Lambda's asynchronous queue and then sees everything.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type AutoRedriveDeps, type AutoRedriveOutcome, autoRedrive, readRecovery } from './auto-redrive.js';

/** Time kept in reserve for the batch in hand and the release of held messages. */
export const STOP_MARGIN_MS = 30_000;

export interface RedriveHandlerDeps extends AutoRedriveDeps {
  logger: Logger;
}

/** Some dead letters could not be redriven; they are still in the queue and a retry is safe. */
export class RedriveIncompleteError extends Error {
  override readonly name = 'RedriveIncompleteError';
}

/** Builds the handler; it returns what it did, for tests and the local layer. */
export function createRedriveHandler(deps: RedriveHandlerDeps) {
  return middy<unknown, AutoRedriveOutcome>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event, context) => {
      const read = readRecovery(event);
      if ('problem' in read) {
        deps.logger.warn('recovery event ignored', { problem: read.problem });
        return { action: 'ignored', reason: read.problem };
      }
      deps.logger.appendKeys({ contractId: read.recovery.contractId });
      const shouldStop =
        typeof context?.getRemainingTimeInMillis === 'function'
          ? () => context.getRemainingTimeInMillis() < STOP_MARGIN_MS
          : undefined;
      const outcome = await autoRedrive(deps, read.recovery, shouldStop);
      if (outcome.action !== 'redriven') {
        deps.logger.info(`auto-redrive ${outcome.action}`, { ...outcome });
        return outcome;
      }
      const { result } = outcome;
      const failed = result.outcomes.filter((o) => o.outcome === 'failed');
      deps.logger.info('auto-redrive finished', {
        tier: outcome.tier,
        counts: result.counts,
        walk: { end: result.end, complete: result.complete, approximateCount: result.approximateCount },
        degradedSince: read.recovery.degradedSince,
      });
      if (!result.complete) {
        deps.logger.warn('auto-redrive stopped before the end of the queue', {
          end: result.end,
          command: `./bin/handoff dlq redrive ${deps.plan.stage === 'local' ? '--local' : `--stage ${deps.plan.stage}`} --tier ${outcome.tier} --contract ${outcome.contractId}`,
        });
      }
      if (failed.length > 0 || result.abortedBecause) {
        deps.logger.error('some dead letters were not redriven', {
          abortedBecause: result.abortedBecause,
          failed: failed.map(({ messageId, reason }) => ({ messageId, reason })),
        });
        // Failing the invocation makes Lambda retry (safe: deletes follow successful puts only)
        // and the platform-errors alarm notice a failure that persists.
        throw new RedriveIncompleteError(
          `${failed.length} of ${result.counts.matched} dead letters of ${outcome.contractId} were not redriven`,
        );
      }
      return outcome;
    });
}
