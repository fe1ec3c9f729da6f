/**
 * Which system to fix first: contracts that are not ok, ranked by tier, then entities affected, then
 * how long they have been failing; each with the system and team to act and the reason for its rank
 * (which rule put it above the next one). Pure: built from contract summaries.
 */
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { ContractHealth, ContractSummary } from './contracts.js';
import {
  durationText,
  type SystemRef,
  secondsSince,
  systemRef,
  type TeamView,
  teamView,
  tierOf,
  tierRank,
} from './views.js';

/** One contract to fix, with its rank and the reason for it. */
export interface Priority {
  rank: number;
  contractId: string;
  tier: string;
  severity: string;
  health: Exclude<ContractHealth, 'ok'>;
  healthReasons: string[];
  entitiesAffected: number;
  /** False when entitiesAffected is a lower bound. */
  entitiesAffectedComplete: boolean;
  /** When the trouble started: the oldest waiting change, degradation or open incident. */
  since: string | null;
  durationSeconds: number | null;
  openIncidents: number;
  /** The system to fix and the team that can. */
  fix: { system: SystemRef; team: TeamView; what: string };
  reason: string;
}

/** The answer of GET /v1/priorities. */
export interface Priorities {
  checkedAt: string;
  summary: string;
  priorities: Priority[];
  /** Contracts with nothing wrong. */
  healthy: string[];
}

/** Ranks the contracts that are not ok. `incidentOpenedAt` gives each contract's oldest open incident. */
export function buildPriorities(
  plan: RuntimePlan,
  summaries: ContractSummary[],
  incidentOpenedAt: Map<string, string>,
  now: Date,
): Priorities {
  const failing = summaries.filter(
    (s): s is ContractSummary & { health: Exclude<ContractHealth, 'ok'> } => s.health !== 'ok',
  );
  const drafts = failing.map((s) => {
    const starts = [s.unsynced.oldestPendingSince, s.degradedSince, incidentOpenedAt.get(s.id)].filter(
      (t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)),
    );
    const since = starts.sort()[0] ?? null;
    const entities = s.unsynced.retrying + s.unsynced.degraded + s.unsynced.stale + s.unsynced.failed;
    return {
      summary: s,
      since,
      durationSeconds: since ? (secondsSince(since, now) ?? null) : null,
      entities,
    };
  });
  drafts.sort(
    (a, b) =>
      tierRank(plan, a.summary.tier) - tierRank(plan, b.summary.tier) ||
      b.entities - a.entities ||
      (b.durationSeconds ?? -1) - (a.durationSeconds ?? -1) ||
      a.summary.id.localeCompare(b.summary.id),
  );
  const priorities = drafts.map((d, index): Priority => {
    const s = d.summary;
    const contract = plan.contracts.find((c) => c.id === s.id);
    const entityType = contract?.entity.type ?? 'entity';
    const tier = tierOf(plan, s.tier);
    const affected = `${s.unsynced.complete ? '' : 'at least '}${d.entities} ${entityType}${d.entities === 1 ? '' : 's'} affected`;
    const duration = d.durationSeconds === null ? 'start unknown' : `for ${durationText(d.durationSeconds)}`;
    const facts = `${s.tier} tier (${tier?.severity ?? 'unknown'}), ${affected}, ${s.health} ${duration}`;
    const next = drafts[index + 1];
    const why = next ? `; ahead of ${next.summary.id} because ${decidingRule(plan, d, next)}` : '';
    return {
      rank: index + 1,
      contractId: s.id,
      tier: s.tier,
      severity: tier?.severity ?? 'unknown',
      health: s.health,
      healthReasons: s.healthReasons,
      entitiesAffected: d.entities,
      entitiesAffectedComplete: s.unsynced.complete,
      since: d.since,
      durationSeconds: d.durationSeconds,
      openIncidents: s.openIncidents,
      fix: fixFor(plan, s, now),
      reason: `${index + 1}: ${facts}${why}.`,
    };
  });
  const top = priorities[0];
  return {
    checkedAt: now.toISOString(),
    summary: top
      ? `${priorities.length} contract${priorities.length === 1 ? ' needs' : 's need'} attention; fix ${top.fix.system.name} first (${top.contractId}: ${top.fix.what}).`
      : 'Every contract is ok: nothing to fix.',
    priorities,
    healthy: summaries.filter((s) => s.health === 'ok').map((s) => s.id),
  };
}

type Draft = { summary: ContractSummary; entities: number; durationSeconds: number | null };

function decidingRule(plan: RuntimePlan, a: Draft, b: Draft): string {
  if (tierRank(plan, a.summary.tier) !== tierRank(plan, b.summary.tier))
    return `its tier is higher (${a.summary.tier} over ${b.summary.tier})`;
  if (a.entities !== b.entities) return `more entities are affected (${a.entities} against ${b.entities})`;
  if ((a.durationSeconds ?? -1) !== (b.durationSeconds ?? -1))
    return `it has been failing longer (${a.durationSeconds === null ? 'unknown' : durationText(a.durationSeconds)} against ${b.durationSeconds === null ? 'unknown' : durationText(b.durationSeconds)})`;
  return 'they are tied and its id sorts first';
}

/** Which system to fix and who can: the target for outages, the contract's owner for configuration or rejected data. */
function fixFor(plan: RuntimePlan, s: ContractSummary, now: Date): Priority['fix'] {
  const contract = plan.contracts.find((c) => c.id === s.id);
  const source = contract ? systemRef(plan, contract.source.system) : s.source;
  const target = contract ? systemRef(plan, contract.target.system) : s.target;
  const owner = teamView(plan, s.owner.id, now);
  const byClass = s.unsynced.failedByClass;
  const outage = s.degradedSince !== null || s.unsynced.stale + s.unsynced.degraded + byClass.transient > 0;
  if (byClass.config > 0 && byClass.config >= byClass.permanent && !outage) {
    return {
      system: target,
      team: owner,
      what: `handoff's endpoint or credentials for ${target.name} are rejected; ${owner.name} fixes the contract's configuration, then redrives`,
    };
  }
  if (byClass.permanent > 0 && !outage) {
    return {
      system: source,
      team: owner,
      what: `changes from ${source.name} are rejected as invalid; ${owner.name} fixes the data or the mapping, then redrives`,
    };
  }
  const systemOwnerId = plan.systems.find((sys) => sys.id === target.id)?.owner ?? s.owner.id;
  const systemOwner = teamView(plan, systemOwnerId, now);
  return {
    system: target,
    team: systemOwner,
    what: `${target.name} is failing or slow for handoff; ${systemOwner.name} restores it and handoff catches up${byClass.transient > 0 ? ' (dead letters are redriven on recovery where the tier allows)' : ''}`,
  };
}
