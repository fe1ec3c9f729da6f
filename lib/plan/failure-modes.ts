/**
 * The catalogue of failure modes: every way a handoff can fail that handoff watches, the runbook
 * page an operator opens for it, and the state support sees while it lasts. Alarms, runbooks,
 * incidents and the failure-handling report all read this one table.
 */
import type { FailureMode } from './types.js';

export interface FailureModeInfo {
  title: string;
  /** Runbook page (and anchor) under `runbooks/`. */
  runbook: string;
  /** Contract-level modes are watched per contract; tier-level per tier; platform per handoff function. */
  level: 'contract' | 'tier' | 'platform' | 'system';
  /** What support sees in the status API while this failure lasts (undefined: no entity-level state). */
  supportState?: 'retrying' | 'degraded' | 'stale' | 'failed';
  /** What the next action for on-call starts with. */
  firstAction: string;
}

export const FAILURE_MODES: Record<FailureMode, FailureModeInfo> = {
  'dead-letters': {
    title: 'Dead letters waiting',
    runbook: 'dead-letters.md',
    level: 'tier',
    supportState: 'failed',
    firstAction: 'List the dead letters by contract and failure class, fix the cause, then redrive',
  },
  'dead-letter-age': {
    title: 'Oldest dead letter is getting old',
    runbook: 'dead-letters.md#the-oldest-dead-letter-is-old',
    level: 'tier',
    supportState: 'failed',
    firstAction: 'Redrive or resolve the oldest dead letters before the queue retention (14 days) drops them',
  },
  'handler-errors': {
    title: 'Handler errors',
    runbook: 'handler-errors.md',
    level: 'contract',
    supportState: 'retrying',
    firstAction: 'Read the handler log for the failure class, then follow the matching runbook section',
  },
  throttles: {
    title: 'Handler throttled',
    runbook: 'throttling.md',
    level: 'contract',
    supportState: 'retrying',
    firstAction: 'Check the account and function concurrency; throttled events are retried automatically',
  },
  'delivery-failures': {
    title: 'Events could not be delivered',
    runbook: 'delivery-failures.md',
    level: 'contract',
    // The handler never saw these events, so no entity state changes: support sees the last one.
    firstAction:
      'Check the rule target and the function exist and may be invoked; look in the tier dead-letter queue',
  },
  'sent-to-dlq': {
    title: 'Events sent to the dead-letter queue by EventBridge',
    runbook: 'delivery-failures.md#eventbridge-sent-events-to-the-dead-letter-queue',
    level: 'contract',
    firstAction: 'Find why EventBridge could not invoke the handler, fix it, then redrive the dead letters',
  },
  'silent-failure': {
    title: 'Events matched but nothing synced',
    runbook: 'silent-failure.md',
    level: 'contract',
    supportState: 'stale',
    firstAction: 'Compare matched events with handler invocations and outcomes to find where events stop',
  },
  staleness: {
    title: 'Entities out of sync for longer than the SLO',
    runbook: 'staleness.md',
    level: 'contract',
    supportState: 'stale',
    firstAction:
      'List the stale entities and their last failure; the failure class says which runbook applies',
  },
  'target-degraded': {
    title: 'Target system degraded',
    runbook: 'target-degraded.md',
    level: 'contract',
    supportState: 'degraded',
    firstAction: 'Check the target system status with its owner; events are retried and redriven on recovery',
  },
  'schema-rejections': {
    title: 'Events rejected as invalid',
    runbook: 'schema-rejections.md',
    level: 'contract',
    supportState: 'failed',
    firstAction:
      'Read the rejection reasons in the dead letters; the source system or the mapping must change',
  },
  'config-errors': {
    title: 'Configuration or credentials rejected',
    runbook: 'config-errors.md',
    level: 'contract',
    supportState: 'failed',
    firstAction: "Check the contract's endpoint settings and secret; the owning team must fix configuration",
  },
  'webhook-signatures': {
    title: 'Webhook requests with bad signatures',
    runbook: 'webhook-signatures.md',
    level: 'system',
    firstAction: "Compare the provider's signing secret with handoff's; a rotated secret is the usual cause",
  },
  'webhook-put-failures': {
    title: 'Webhook events could not be put on the bus',
    runbook: 'webhook-put-failures.md',
    level: 'system',
    firstAction: 'Check EventBridge and the receiver role; the provider retries what handoff did not accept',
  },
  'platform-errors': {
    title: "handoff's own function failing",
    runbook: 'platform-errors.md',
    level: 'platform',
    firstAction:
      'Read the function log; status answers, incidents or staleness checks may be missing meanwhile',
  },
};

/** Failure modes watched for every contract. */
export const CONTRACT_FAILURE_MODES = (Object.keys(FAILURE_MODES) as FailureMode[]).filter(
  (mode) => FAILURE_MODES[mode].level === 'contract',
);

/** Failure modes watched for every tier. */
export const TIER_FAILURE_MODES = (Object.keys(FAILURE_MODES) as FailureMode[]).filter(
  (mode) => FAILURE_MODES[mode].level === 'tier',
);

/** Failure modes watched for every system with an inbound webhook. */
export const SYSTEM_FAILURE_MODES = (Object.keys(FAILURE_MODES) as FailureMode[]).filter(
  (mode) => FAILURE_MODES[mode].level === 'system',
);
