/**
 * The answer to "is this customer in sync, and what do I do?": for each contract that carries the
 * entity's type, its state, freshness against the SLO, last failure, owner and escalation, customer
 * impact, next action and runbook; then one overall verdict. Pure: records and clock are passed in.
 */
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { ContractPlan } from '../../lib/plan/types.js';
import type { FailureClass, HealthRecord, SyncRecord } from '../commons/records.js';
import { type SupportState, supportState } from '../commons/sync-status.js';
import { nextAction, type RetryOutlook, retryOutlook, runbookModeFor, stateText } from './next-action.js';
import {
  escalationPath,
  type RunbookLink,
  runbookLink,
  type SystemRef,
  secondsSince,
  supportSafe,
  systemRef,
  type TeamView,
  teamView,
  tierOf,
  tierRank,
} from './views.js';

/** How old the entity's data is on the target, against the contract's staleness SLO. */
export interface Freshness {
  sloSeconds: number;
  lastSyncedAt: string | null;
  /** Seconds since the last delivered change; old is fine when nothing changed since. */
  lastSyncedAgeSeconds: number | null;
  /** When the change not yet delivered became known. */
  pendingSince: string | null;
  /** Seconds that change has waited. */
  waitingSeconds: number | null;
  /** False once a change (retrying or failed) has waited longer than the SLO. */
  withinSlo: boolean;
}

/** The last failed delivery of the change not yet in sync. */
export interface LastFailure {
  at: string | null;
  class: FailureClass | null;
  /** What went wrong, in support-safe words. */
  summary: string;
  /** The handler's classified reason (support-safe: no payload, no personal data). */
  reason: string | null;
  attempts: number;
}

/** One contract's answer for the entity. */
export interface EntityContractStatus {
  contractId: string;
  description: string;
  tier: string;
  source: SystemRef;
  target: SystemRef;
  state: SupportState;
  stateText: string;
  freshness: Freshness;
  retry: RetryOutlook | null;
  lastFailure: LastFailure | null;
  owner: TeamView;
  escalation: TeamView[];
  customerImpact: string;
  fallback: string;
  nextAction: string;
  runbook: RunbookLink | null;
}

/** The overall answer for the entity across its contracts. */
export interface Verdict {
  state: SupportState;
  inSync: boolean;
  summary: string;
  nextAction: string;
  /** The contract the next action is about; null when nothing needs doing. */
  contractId: string | null;
  counts: Record<SupportState, number>;
}

/** The answer of GET /v1/entities/{type}/{id}. */
export interface EntityStatus {
  entity: { type: string; id: string };
  checkedAt: string;
  verdict: Verdict;
  /** Most urgent first. */
  contracts: EntityContractStatus[];
}

/** Inputs of one entity answer: the entity's records and the health of its contracts. */
export interface EntityStatusInput {
  plan: RuntimePlan;
  type: string;
  id: string;
  records: SyncRecord[];
  health: Map<string, HealthRecord | undefined>;
  now: Date;
}

/** Contracts that carry entities of this type. */
export function contractsFor(plan: RuntimePlan, type: string): ContractPlan[] {
  return plan.contracts.filter((c) => c.entity.type === type);
}

// Worst first: what support should look at first.
const URGENCY: Record<SupportState, number> = {
  failed: 0,
  stale: 0,
  degraded: 1,
  retrying: 2,
  unknown: 3,
  in_sync: 4,
};
const VERDICT_ORDER: SupportState[] = ['failed', 'stale', 'degraded', 'retrying', 'in_sync', 'unknown'];

/** Builds the entity answer. */
export function buildEntityStatus(input: EntityStatusInput): EntityStatus {
  const { plan, type, id, now } = input;
  const contracts = contractsFor(plan, type).map((contract) =>
    contractStatus(
      plan,
      contract,
      input.records.find((r) => r.contractId === contract.id),
      input.health.get(contract.id),
      { type, id },
      now,
    ),
  );
  contracts.sort(
    (a, b) =>
      URGENCY[a.state] - URGENCY[b.state] ||
      tierRank(plan, a.tier) - tierRank(plan, b.tier) ||
      a.contractId.localeCompare(b.contractId),
  );
  return {
    entity: { type, id },
    checkedAt: now.toISOString(),
    verdict: verdict(type, id, contracts),
    contracts,
  };
}

function contractStatus(
  plan: RuntimePlan,
  contract: ContractPlan,
  record: SyncRecord | undefined,
  health: HealthRecord | undefined,
  entity: { type: string; id: string },
  now: Date,
): EntityContractStatus {
  const state = supportState(record, health, contract.stalenessSloSeconds, now);
  const tier = tierOf(plan, contract.tier);
  const source = systemRef(plan, contract.source.system);
  const target = systemRef(plan, contract.target.system);
  const path = escalationPath(contract.owner, contract.escalation).map((t) => teamView(plan, t, now));
  const [owner = teamView(plan, contract.owner, now), ...escalation] = path;
  const pending = record && record.state !== 'in_sync' ? record.pendingSince : undefined;
  const waiting = secondsSince(pending, now);
  const retry =
    record && tier && (state === 'retrying' || state === 'degraded') ? retryOutlook(record, tier) : undefined;
  const reason = record?.failureReason ? supportSafe(record.failureReason) : undefined;
  const lastFailure =
    record &&
    state !== 'in_sync' &&
    (record.failureClass || record.failureReason || record.state === 'failed')
      ? {
          at: record.failedAt ?? null,
          class: record.failureClass ?? null,
          summary: failureSummary(record.failureClass, target),
          reason: reason ?? null,
          attempts: record.attempts,
        }
      : null;
  const mode = runbookModeFor(state, record?.failureClass);
  return {
    contractId: contract.id,
    description: contract.description,
    tier: contract.tier,
    source,
    target,
    state,
    stateText: stateText(state, entity.type, target, contract.stalenessSloSeconds),
    freshness: {
      sloSeconds: contract.stalenessSloSeconds,
      lastSyncedAt: record?.syncedAt ?? null,
      lastSyncedAgeSeconds: secondsSince(record?.syncedAt, now) ?? null,
      pendingSince: pending ?? null,
      waitingSeconds: waiting ?? null,
      withinSlo: waiting === undefined || waiting <= contract.stalenessSloSeconds,
    },
    retry: retry ?? null,
    lastFailure,
    owner,
    escalation,
    customerImpact: contract.customerImpact,
    fallback: contract.fallback,
    nextAction: nextAction({
      state,
      entity,
      contract,
      tier,
      record,
      health,
      source,
      target,
      path,
      retry,
      reason,
      now,
    }),
    runbook: mode ? runbookLink(plan, mode) : null,
  };
}

/** What a failure class means, for someone who has never seen handoff. */
export function failureSummary(cls: FailureClass | undefined, target: SystemRef): string {
  switch (cls) {
    case 'transient':
      return `${target.name} did not answer in time or returned a temporary error.`;
    case 'permanent':
      return `The change was rejected as invalid by ${target.name} or by handoff's checks.`;
    case 'config':
      return `${target.name} rejected handoff's credentials, or handoff's connection to it is not configured.`;
    default:
      return `The change could not be delivered to ${target.name}.`;
  }
}

function verdict(type: string, id: string, contracts: EntityContractStatus[]): Verdict {
  const counts: Record<SupportState, number> = {
    in_sync: 0,
    retrying: 0,
    degraded: 0,
    stale: 0,
    failed: 0,
    unknown: 0,
  };
  for (const c of contracts) counts[c.state]++;
  const who = `${type[0]?.toUpperCase() ?? ''}${type.slice(1)} ${id}`;
  const total = contracts.length;
  const seen = total - counts.unknown;
  const state = VERDICT_ORDER.find((s) => counts[s] > 0 && (s !== 'unknown' || seen === 0)) ?? 'unknown';
  const first = contracts[0];
  if (seen === 0) {
    return {
      state: 'unknown',
      inSync: false,
      summary: `handoff has no record of ${type} ${id} in any of the ${total} contracts that carry ${type}s.`,
      nextAction: `Check the ${type} id: handoff has never seen a change for it. If the id is right, no change has been made to this ${type} since handoff started carrying it, so there is nothing to sync.`,
      contractId: null,
      counts,
    };
  }
  if (state === 'in_sync') {
    const unknownNote =
      counts.unknown > 0
        ? ` ${counts.unknown} other contract${counts.unknown === 1 ? ' has' : 's have'} never seen a change for it.`
        : '';
    return {
      state,
      inSync: true,
      summary: `${who} is in sync in all ${seen} contract${seen === 1 ? '' : 's'} that carried a change for it.${unknownNote}`,
      nextAction: `Nothing to do: every change handoff has seen for ${type} ${id} has been delivered.`,
      contractId: null,
      counts,
    };
  }
  const parts = (['failed', 'stale', 'degraded', 'retrying'] as const)
    .filter((s) => counts[s] > 0)
    .map(
      (s) =>
        `${counts[s]} ${s.replace('_', ' ')} (${contracts
          .filter((c) => c.state === s)
          .map((c) => c.contractId)
          .join(', ')})`,
    );
  const inSyncNote = counts.in_sync > 0 ? `; ${counts.in_sync} in sync` : '';
  return {
    state,
    inSync: false,
    summary: `${who} is not fully in sync: ${parts.join(', ')}${inSyncNote}.`,
    nextAction: first ? `Start with ${first.contractId} (${first.target.name}): ${first.nextAction}` : '',
    contractId: first?.contractId ?? null,
    counts,
  };
}
