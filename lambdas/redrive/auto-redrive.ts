/**
 * Auto-redrive: when a degraded contract recovers (the sync handler puts `Contract Recovered` on
 * the bus), the contract's dead letters of a transient class (handler retries exhausted, or
 * EventBridge could not deliver) are put back on the bus, for tiers whose policy says so.
 * Permanent and config failures are never redriven automatically: the same event would fail the
 * same way until someone fixes the data or the configuration.
 */
import {
  type Clock,
  type DeadLetterQueueApi,
  type EventBusApi,
  type RedriveResult,
  redriveDeadLetters,
} from '../../lib/dlq/index.js';
import { RECOVERY_EVENT } from '../../lib/plan/constants.js';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { TierName } from '../../lib/plan/types.js';

/** Events per second put back after a recovery: gentle on a target that has just come back. */
export const AUTO_REDRIVE_RATE_PER_SECOND = 5;
/** Messages one run looks at, at most (its own contract's and other contracts' alike). */
export const AUTO_REDRIVE_SCAN_LIMIT = 10_000;

/** The detail of the `Contract Recovered` event. */
export interface ContractRecovered {
  contractId: string;
  tier?: string;
  degradedSince?: string;
  recoveredAt?: string;
}

export interface AutoRedriveDeps {
  /** The tier queues (lean on Lambda: ./clients.ts). */
  sqs: DeadLetterQueueApi;
  /** handoff's bus. */
  events: EventBusApi;
  plan: Pick<RuntimePlan, 'stage' | 'prefix' | 'busName' | 'tiers' | 'contracts'>;
  /** Each tier's dead-letter queue URL. */
  queueUrls: Partial<Record<TierName, string>>;
  /** @default AUTO_REDRIVE_RATE_PER_SECOND */
  ratePerSecond?: number;
  clock?: Clock;
}

export type AutoRedriveOutcome =
  | { action: 'ignored'; reason: string }
  | { action: 'not-enabled'; contractId: string; tier: TierName }
  | { action: 'redriven'; contractId: string; tier: TierName; result: RedriveResult };

/** A tier with auto-redrive has no queue URL configured: a deployment mistake. */
export class AutoRedriveConfigError extends Error {
  override readonly name = 'AutoRedriveConfigError';
}

/** Reads the recovery event; `problem` names the field that is wrong. */
export function readRecovery(event: unknown): { recovery: ContractRecovered } | { problem: string } {
  if (!isObject(event)) return { problem: 'the event is not an object' };
  if (event.source !== RECOVERY_EVENT.source || event['detail-type'] !== RECOVERY_EVENT.detailType)
    return { problem: `the event is not ${RECOVERY_EVENT.detailType} from ${RECOVERY_EVENT.source}` };
  const detail = event.detail;
  if (!isObject(detail) || typeof detail.contractId !== 'string' || detail.contractId === '')
    return { problem: 'detail.contractId is missing' };
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    recovery: {
      contractId: detail.contractId,
      ...(text(detail.tier) ? { tier: text(detail.tier) } : {}),
      ...(text(detail.degradedSince) ? { degradedSince: text(detail.degradedSince) } : {}),
      ...(text(detail.recoveredAt) ? { recoveredAt: text(detail.recoveredAt) } : {}),
    },
  };
}

/** Redrives a recovered contract's transient dead letters if its tier's policy says so. */
export async function autoRedrive(
  deps: AutoRedriveDeps,
  recovery: ContractRecovered,
  shouldStop?: () => boolean,
): Promise<AutoRedriveOutcome> {
  const contract = deps.plan.contracts.find((c) => c.id === recovery.contractId);
  if (!contract) return { action: 'ignored', reason: 'the contract is not in the plan' };
  const tier = deps.plan.tiers.find((t) => t.name === contract.tier);
  if (!tier?.autoRedrive) return { action: 'not-enabled', contractId: contract.id, tier: contract.tier };
  const queueUrl = deps.queueUrls[tier.name];
  if (!queueUrl)
    throw new AutoRedriveConfigError(`no dead-letter queue URL is configured for tier ${tier.name}`);
  const result = await redriveDeadLetters({
    sqs: deps.sqs,
    events: deps.events,
    queueUrl,
    busName: deps.plan.busName,
    prefix: deps.plan.prefix,
    contracts: deps.plan.contracts,
    filter: { contractId: contract.id, onlyAutoRedrivable: true },
    ratePerSecond: deps.ratePerSecond ?? AUTO_REDRIVE_RATE_PER_SECOND,
    limit: AUTO_REDRIVE_SCAN_LIMIT,
    ...(shouldStop ? { shouldStop } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  return { action: 'redriven', contractId: contract.id, tier: tier.name, result };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
