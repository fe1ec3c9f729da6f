/**
 * Who owns what: systems, teams (how to reach them, their hours) and each contract's escalation
 * path. Read from the operations table, where the ownership function writes the contracts on every
 * deploy; before the first write, answered from the plan bundled into this function, and said so.
 */
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type {
  OwnershipContractRecord,
  OwnershipSystemRecord,
  OwnershipTeamRecord,
} from '../commons/records.js';
import { escalationPath, fromTeam, type SystemRef, type TeamView } from './views.js';

/** A team by id and name. */
export interface TeamRef {
  id: string;
  name: string;
}

/** The answer of GET /v1/ownership. */
export interface Ownership {
  /** Where the answer comes from: the operations table, or this function's bundled plan. */
  source: 'table' | 'plan';
  /** Fingerprint of the contracts the answer was written from. */
  fingerprint: string | null;
  /** Whether that matches the contracts this function was deployed with. */
  current: boolean;
  notice: string | null;
  teams: Array<TeamView & { systems: string[]; contracts: string[] }>;
  systems: Array<{
    id: string;
    name: string;
    description: string;
    owner: TeamRef;
    sourceOf: string[];
    targetOf: string[];
  }>;
  contracts: Array<{
    id: string;
    tier: string;
    owner: TeamRef;
    /** Owner first, then whom to escalate to, in order. */
    escalationPath: TeamRef[];
    source: SystemRef;
    target: SystemRef;
  }>;
}

/** The ownership items of the operations table, by kind. */
export interface OwnershipItems {
  systems: OwnershipSystemRecord[];
  teams: OwnershipTeamRecord[];
  contracts: OwnershipContractRecord[];
}

/** Builds the ownership answer from the table's items, or from the plan when there are none. */
export function buildOwnership(plan: RuntimePlan, items: OwnershipItems, now: Date): Ownership {
  const fromTable = items.systems.length + items.teams.length + items.contracts.length > 0;
  const teams = fromTable ? items.teams : plan.teams;
  const systems = fromTable ? items.systems : plan.systems.map((s) => ({ ...s }));
  const contracts = fromTable
    ? items.contracts.map((c) => ({
        id: c.id,
        tier: c.tier,
        owner: c.owner,
        escalation: c.escalation ?? [],
        source: c.sourceSystem,
        target: c.targetSystem,
      }))
    : plan.contracts.map((c) => ({
        id: c.id,
        tier: c.tier,
        owner: c.owner,
        escalation: c.escalation,
        source: c.source.system,
        target: c.target.system,
      }));
  const teamName = (id: string): TeamRef => ({ id, name: teams.find((t) => t.id === id)?.name ?? id });
  const systemName = (id: string): SystemRef => ({ id, name: systems.find((s) => s.id === id)?.name ?? id });

  const fingerprints = new Set(
    [...items.systems, ...items.teams, ...items.contracts].map((i) => i.fingerprint).filter(Boolean),
  );
  const fingerprint = fromTable ? ([...fingerprints][0] ?? null) : plan.fingerprint;
  const current = fromTable ? fingerprints.size === 1 && fingerprint === plan.fingerprint : true;
  const notice = !fromTable
    ? 'Ownership has not been written to the operations table yet (it is written on deploy); this answer comes from the contracts this function was deployed with.'
    : current
      ? null
      : 'Ownership in the table was written from different contracts than this function was deployed with: a deploy may be in progress.';

  return {
    source: fromTable ? 'table' : 'plan',
    fingerprint,
    current,
    notice,
    teams: teams
      .map((t) => ({
        ...fromTeam(
          {
            id: t.id,
            name: t.name,
            oncallChannel: t.oncallChannel,
            ...(t.pager ? { pager: t.pager } : {}),
            email: t.email,
            hours: t.hours,
          },
          now,
        ),
        systems: systems.filter((s) => s.owner === t.id).map((s) => s.id),
        contracts: contracts.filter((c) => c.owner === t.id).map((c) => c.id),
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    systems: systems
      .map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        owner: teamName(s.owner),
        sourceOf: [...(s.sourceOf ?? [])],
        targetOf: [...(s.targetOf ?? [])],
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    contracts: contracts
      .map((c) => ({
        id: c.id,
        tier: c.tier,
        owner: teamName(c.owner),
        escalationPath: escalationPath(c.owner, c.escalation).map(teamName),
        source: systemName(c.source),
        target: systemName(c.target),
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}
