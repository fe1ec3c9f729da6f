/**
 * handoff's own metric names and dimensions. The handlers emit them (EMF through Powertools), the
 * plan's alarms read them, and the local layer computes the same ones, so all three agree.
 */
import { METRICS_SERVICE } from './names.js';

/** Metrics the sync handler emits, one per outcome, with Contract and Tier dimensions. */
export const SYNC_METRICS = {
  synced: 'Synced',
  skipped: 'Skipped',
  transient: 'TransientFailure',
  permanent: 'PermanentFailure',
  config: 'ConfigFailure',
  /** Milliseconds from the event's time to the target confirming it. */
  latency: 'SyncLatency',
  /** Milliseconds the target took to answer. */
  targetLatency: 'TargetLatency',
} as const;

/** Metrics the staleness checker emits per contract on every run (gauges). */
export const CHECKER_METRICS = {
  stale: 'StaleEntities',
  failed: 'FailedEntities',
  degraded: 'Degraded',
} as const;

/** The dimension names on handoff's per-contract metrics. */
export const CONTRACT_DIMENSIONS = { contract: 'Contract', tier: 'Tier' } as const;

/** The exact dimension set of a per-contract metric, as Powertools writes it. */
export function contractDimensions(contractId: string, tier: string): Record<string, string> {
  return {
    service: METRICS_SERVICE,
    [CONTRACT_DIMENSIONS.contract]: contractId,
    [CONTRACT_DIMENSIONS.tier]: tier,
  };
}

/** Metrics the webhook receivers emit, with the System dimension (and Reason for rejections). */
export const WEBHOOK_METRICS = {
  accepted: 'WebhookAccepted',
  duplicate: 'WebhookDuplicate',
  rejected: 'WebhookRejected',
  putFailed: 'WebhookPutFailed',
} as const;

/** Why a webhook request was rejected (the Reason dimension). */
export const WEBHOOK_REJECTIONS = [
  'signature',
  'malformed',
  'too-large',
  'content-type',
  'unknown-type',
] as const;
export type WebhookRejection = (typeof WEBHOOK_REJECTIONS)[number];

/** The exact dimension set of a webhook metric. */
export function systemDimensions(systemId: string, reason?: WebhookRejection): Record<string, string> {
  return { service: METRICS_SERVICE, System: systemId, ...(reason ? { Reason: reason } : {}) };
}
