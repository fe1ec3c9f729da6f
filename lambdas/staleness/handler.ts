/**
 * The staleness checker's wiring: the schedule (rate set in the plan) invokes it; it runs the
 * check and emits one EMF record per contract with StaleEntities, FailedEntities and Degraded.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { CHECKER_METRICS, CONTRACT_DIMENSIONS } from '../../lib/plan/metrics.js';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { EventPublisher } from '../commons/aws.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { checkStaleness, type StalenessSummary } from './check.js';
import { recoverDegraded } from './recovery.js';

export interface StalenessHandlerDeps {
  ddb: DynamoDoc;
  /** The sync-state table. */
  tableName: string;
  plan: RuntimePlan;
  logger: Logger;
  metrics: Metrics;
  /** @default the system clock */
  now?: () => Date;
  /** Announces recoveries it detects (handoff's bus); without it the fallback only reports. */
  recovery?: { publisher: EventPublisher; busName: string };
}

/** Builds the scheduled handler; the event (an EventBridge scheduled event) carries nothing it needs. */
export function createStalenessHandler(deps: StalenessHandlerDeps) {
  return middy<unknown, StalenessSummary>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async () => {
      const now = deps.now?.() ?? new Date();
      const summary = await checkStaleness({
        ddb: deps.ddb,
        tableName: deps.tableName,
        plan: deps.plan,
        now,
      });
      if (deps.recovery && summary.degradedSince.size > 0) {
        const recovered = await recoverDegraded({
          ddb: deps.ddb,
          tableName: deps.tableName,
          degraded: summary.degradedSince,
          tiers: new Map(deps.plan.contracts.map((c) => [c.id, c.tier])),
          now,
          ...deps.recovery,
        });
        for (const r of recovered) {
          const contract = summary.contracts.find((c) => c.contractId === r.contractId);
          if (contract) contract.degraded = false;
          summary.totals.degraded--;
          deps.logger.info('degraded contract recovered (cleared by the checker)', { ...r });
        }
      }
      emitCheckerMetrics(deps.metrics, summary);
      deps.logger.info('staleness check finished', {
        totals: summary.totals,
        requests: summary.requests,
        attention: summary.contracts
          .filter((c) => c.stale > 0 || c.failed > 0 || c.degraded)
          .map(({ contractId, stale, failed, degraded, oldestPendingSince }) => ({
            contractId,
            stale,
            failed,
            degraded,
            oldestPendingSince,
          })),
      });
      return summary;
    });
}

/**
 * One EMF record per contract (dimensions service, Contract, Tier), so each contract's gauges
 * share a timestamp; every contract is emitted every run, zeros included, so alarms see data.
 */
export function emitCheckerMetrics(metrics: Metrics, summary: StalenessSummary): void {
  for (const contract of summary.contracts) {
    metrics.addDimensions({
      [CONTRACT_DIMENSIONS.contract]: contract.contractId,
      [CONTRACT_DIMENSIONS.tier]: contract.tier,
    });
    metrics.addMetric(CHECKER_METRICS.stale, MetricUnit.Count, contract.stale);
    metrics.addMetric(CHECKER_METRICS.failed, MetricUnit.Count, contract.failed);
    metrics.addMetric(CHECKER_METRICS.degraded, MetricUnit.Count, contract.degraded ? 1 : 0);
    metrics.publishStoredMetrics();
  }
}
