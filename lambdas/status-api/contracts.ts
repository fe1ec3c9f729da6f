/**
 * Contract health for support and on-call: ok, degraded, stale or failing, with the reasons, the
 * tier, the owner, open incidents, dead letters waiting and the last success. Pure: the reads are
 * passed in (see store.ts), so one contract's answer and the list share the same rules.
 */
import { FAILURE_MODES } from '../../lib/plan/failure-modes.js';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { ContractPlan, FailureMode } from '../../lib/plan/types.js';
import type { FailureClass, HealthRecord, IncidentRecord } from '../commons/records.js';
import { type SupportState, supportState } from '../commons/sync-status.js';
import { type Command, contractCommands } from './commands.js';
import { type IncidentSummary, incidentSummary } from './incidents.js';
import type { Bounded, QueueDepth, UnsyncedItem } from './store.js';
import {
  durationText,
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
} from './views.js';

/** A contract's health, worst last: failing (dead letters wait), stale (SLO missed), degraded (target failing), ok. */
export type ContractHealth = 'ok' | 'degraded' | 'stale' | 'failing';

/** Everything read for one contract. */
export interface ContractReads {
  health: HealthRecord | undefined;
  lastSuccessAt: string | undefined;
  unsynced: Bounded<UnsyncedItem>;
  /** Open incidents of this contract. */
  incidents: IncidentRecord[];
}

/** Entities not in sync, by derived state, with the oldest waiting change. */
export interface UnsyncedCounts {
  retrying: number;
  degraded: number;
  stale: number;
  failed: number;
  /** False when more entities are unsynced than were read: the counts are lower bounds. */
  complete: boolean;
  oldestPendingSince: string | null;
  failedByClass: { transient: number; permanent: number; config: number; unclassified: number };
}

/** One contract in the list: health and the figures behind it. */
export interface ContractSummary {
  id: string;
  description: string;
  tier: string;
  health: ContractHealth;
  /** Why the health is what it is, in plain words; empty when ok. */
  healthReasons: string[];
  owner: TeamView;
  source: SystemRef;
  target: SystemRef;
  openIncidents: number;
  /** Entities of this contract whose change was dead-lettered and waits for redrive or a fix. */
  deadLettersWaiting: number;
  /** False when deadLettersWaiting and the unsynced counts are lower bounds. */
  countsComplete: boolean;
  unsynced: UnsyncedCounts;
  lastSuccessAt: string | null;
  degradedSince: string | null;
}

/** An entity not in sync, by id only. */
export interface UnsyncedEntity {
  type: string;
  id: string;
  state: SupportState;
  pendingSince: string | null;
  failureClass: FailureClass | null;
  reason: string | null;
}

/** A tier dead-letter queue's depth. */
export interface DeadLetterQueueView {
  tier: string;
  name: string;
  /** ApproximateNumberOfMessages for the whole tier queue (every contract of the tier); null when unreadable. */
  approximateMessages: number | null;
  approximateMessagesInFlight: number | null;
  note: string | null;
}

/** One contract in full, for support and on-call. */
export interface ContractDetail extends ContractSummary {
  checkedAt: string;
  escalation: TeamView[];
  customerImpact: string;
  fallback: string;
  stalenessSloSeconds: number;
  tierPolicy: { severity: string; retries: string; autoRedrive: boolean; description: string };
  lastFailure: { at: string; reason: string | null } | null;
  /** The oldest unsynced entities (ids only), at most UNSYNCED_SAMPLE. */
  oldestUnsynced: UnsyncedEntity[];
  incidents: IncidentSummary[];
  deadLetterQueue: DeadLetterQueueView;
  runbooks: Array<RunbookLink & { failureMode: FailureMode }>;
  commands: Command[];
}

/** How many unsynced entities a contract answer lists by id. */
export const UNSYNCED_SAMPLE = 25;

const HEALTH_ORDER: Record<ContractHealth, number> = { failing: 0, stale: 1, degraded: 2, ok: 3 };

/** Counts a contract's unsynced entities by the state support sees. */
export function countUnsynced(
  contract: Pick<ContractPlan, 'stalenessSloSeconds'>,
  unsynced: Bounded<UnsyncedItem>,
  health: HealthRecord | undefined,
  now: Date,
): UnsyncedCounts {
  const counts: UnsyncedCounts = {
    retrying: 0,
    degraded: 0,
    stale: 0,
    failed: 0,
    complete: unsynced.complete,
    oldestPendingSince: null,
    failedByClass: { transient: 0, permanent: 0, config: 0, unclassified: 0 },
  };
  for (const item of unsynced.items) {
    const state = supportState(item, health, contract.stalenessSloSeconds, now);
    if (state === 'failed') {
      counts.failed++;
      counts.failedByClass[item.failureClass ?? 'unclassified']++;
    } else if (state === 'stale' || state === 'degraded' || state === 'retrying') counts[state]++;
    if (item.pendingSince && (!counts.oldestPendingSince || item.pendingSince < counts.oldestPendingSince))
      counts.oldestPendingSince = item.pendingSince;
  }
  return counts;
}

/** A contract's health from its data and its open incidents, with the reasons. */
export function contractHealth(
  plan: RuntimePlan,
  contract: ContractPlan,
  counts: UnsyncedCounts,
  health: HealthRecord | undefined,
  incidents: IncidentRecord[],
  now: Date,
): { health: ContractHealth; reasons: string[] } {
  const target = systemRef(plan, contract.target.system);
  const atLeast = counts.complete ? '' : 'at least ';
  const found: Array<{ health: ContractHealth; reason: string }> = [];
  if (counts.failed > 0) {
    found.push({
      health: 'failing',
      reason: `${atLeast}${counts.failed} ${contract.entity.type}${counts.failed === 1 ? '' : 's'} failed and wait${counts.failed === 1 ? 's' : ''} in the dead-letter queue`,
    });
  }
  if (counts.stale > 0) {
    found.push({
      health: 'stale',
      reason: `${atLeast}${counts.stale} ${contract.entity.type}${counts.stale === 1 ? ' has' : 's have'} waited longer than the SLO (${durationText(contract.stalenessSloSeconds)})`,
    });
  }
  if (health?.degradedSince) {
    const since = secondsSince(health.degradedSince, now);
    found.push({
      health: 'degraded',
      reason: `${target.name} is failing repeatedly${since === undefined ? '' : ` (for ${durationText(since)})`}`,
    });
  }
  for (const incident of incidents) {
    const mode = FAILURE_MODES[incident.failureMode as FailureMode];
    const implied = mode?.supportState;
    const fromIncident: ContractHealth | undefined =
      implied === 'failed'
        ? 'failing'
        : implied === 'stale'
          ? 'stale'
          : implied === 'degraded' || implied === 'retrying'
            ? 'degraded'
            : undefined;
    if (fromIncident)
      found.push({ health: fromIncident, reason: `open incident: ${mode?.title ?? incident.failureMode}` });
  }
  found.sort((a, b) => HEALTH_ORDER[a.health] - HEALTH_ORDER[b.health]);
  return { health: found[0]?.health ?? 'ok', reasons: found.map((f) => f.reason) };
}

/** One contract's summary (the list entry). */
export function buildContractSummary(
  plan: RuntimePlan,
  contract: ContractPlan,
  reads: ContractReads,
  now: Date,
): ContractSummary {
  const counts = countUnsynced(contract, reads.unsynced, reads.health, now);
  const { health, reasons } = contractHealth(plan, contract, counts, reads.health, reads.incidents, now);
  return {
    id: contract.id,
    description: contract.description,
    tier: contract.tier,
    health,
    healthReasons: reasons,
    owner: teamView(plan, contract.owner, now),
    source: systemRef(plan, contract.source.system),
    target: systemRef(plan, contract.target.system),
    openIncidents: reads.incidents.length,
    deadLettersWaiting: counts.failed,
    countsComplete: counts.complete,
    unsynced: counts,
    lastSuccessAt: reads.lastSuccessAt ?? null,
    degradedSince: reads.health?.degradedSince ?? null,
  };
}

/** One contract's full answer. */
export function buildContractDetail(
  plan: RuntimePlan,
  contract: ContractPlan,
  reads: ContractReads,
  queue: QueueDepth,
  now: Date,
): ContractDetail {
  const summary = buildContractSummary(plan, contract, reads, now);
  const tier = tierOf(plan, contract.tier);
  const path = escalationPath(contract.owner, contract.escalation).map((t) => teamView(plan, t, now));
  const modes = Object.keys(contract.runbooks) as FailureMode[];
  const oldest = reads.unsynced.items
    .slice()
    .sort(
      (a, b) =>
        (a.pendingSince ?? '').localeCompare(b.pendingSince ?? '') || a.entityId.localeCompare(b.entityId),
    )
    .slice(0, UNSYNCED_SAMPLE)
    .map(
      (item): UnsyncedEntity => ({
        type: item.entityType,
        id: item.entityId,
        state: supportState(item, reads.health, contract.stalenessSloSeconds, now),
        pendingSince: item.pendingSince ?? null,
        failureClass: item.failureClass ?? null,
        reason: item.failureReason ? supportSafe(item.failureReason) : null,
      }),
    );
  return {
    ...summary,
    checkedAt: now.toISOString(),
    escalation: path.slice(1),
    customerImpact: contract.customerImpact,
    fallback: contract.fallback,
    stalenessSloSeconds: contract.stalenessSloSeconds,
    tierPolicy: {
      severity: tier?.severity ?? 'unknown',
      retries: tier ? retriesText(tier.retries) : 'unknown',
      autoRedrive: tier?.autoRedrive ?? false,
      description: tier?.description ?? '',
    },
    lastFailure: reads.health?.lastFailureAt
      ? {
          at: reads.health.lastFailureAt,
          reason: reads.health.lastFailureReason ? supportSafe(reads.health.lastFailureReason) : null,
        }
      : null,
    oldestUnsynced: oldest,
    incidents: reads.incidents.map((i) => incidentSummary(plan, i, now)),
    deadLetterQueue: queueView(plan, contract.tier, queue),
    runbooks: modes.map((mode) => ({ failureMode: mode, ...runbookLink(plan, mode) })),
    commands: contractCommands(plan, contract),
  };
}

/** A tier queue's depth as the answer shows it. */
export function queueView(plan: RuntimePlan, tierName: string, queue: QueueDepth): DeadLetterQueueView {
  const tier = tierOf(plan, tierName);
  return {
    tier: tierName,
    name: tier?.deadLetterQueue ?? '',
    approximateMessages: queue.available ? queue.visible : null,
    approximateMessagesInFlight: queue.available ? queue.inFlight : null,
    note: queue.available ? null : queue.reason,
  };
}

/** Both retry layers in words: "handler retried up to 2 times within 6 hours; delivery retried for 1 day". */
export function retriesText(retries: {
  eventBridge: { attempts: number; maxEventAgeSeconds: number };
  lambda: { attempts: number; maxEventAgeSeconds: number };
}): string {
  const handler =
    retries.lambda.attempts === 0
      ? 'a failing handler run is not retried'
      : `a failing handler run is retried up to ${retries.lambda.attempts} time${retries.lambda.attempts === 1 ? '' : 's'} within ${durationText(retries.lambda.maxEventAgeSeconds)}`;
  return `${handler}; delivery to the handler is retried up to ${retries.eventBridge.attempts} times within ${durationText(retries.eventBridge.maxEventAgeSeconds)}`;
}

/** Orders contract answers: worst health first, then tier, then id. */
export function byHealth(plan: RuntimePlan): (a: ContractSummary, b: ContractSummary) => number {
  const rank = (tier: string) => plan.tiers.findIndex((t) => t.name === tier);
  return (a, b) =>
    HEALTH_ORDER[a.health] - HEALTH_ORDER[b.health] ||
    rank(a.tier) - rank(b.tier) ||
    a.id.localeCompare(b.id);
}
