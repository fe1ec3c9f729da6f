/**
 * Incidents as support and on-call read them: what happened, who owns it (names, channels, hours),
 * the runbook, the next action the incidents function wrote, the exact commands for this scope
 * (dead letters, logs) and the notes. Pure: records and plan in, views out.
 */
import { FAILURE_MODES } from '../../lib/plan/failure-modes.js';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { FailureMode } from '../../lib/plan/types.js';
import type { IncidentNote, IncidentRecord } from '../commons/records.js';
import { type Command, contractCommands, deadLetterCommands, platformCommands } from './commands.js';
import {
  escalationPath,
  type RunbookLink,
  type SystemRef,
  secondsSince,
  systemRef,
  type TeamView,
  teamView,
} from './views.js';

/** An incident in a list. */
export interface IncidentSummary {
  id: string;
  state: 'open' | 'resolved';
  title: string;
  failureMode: string;
  severity: string;
  tier: string;
  contractId: string | null;
  summary: string;
  owner: TeamView;
  openedAt: string;
  resolvedAt: string | null;
  /** How long it was (or has been) open. */
  durationSeconds: number | null;
  notesCount: number;
  runbook: RunbookLink;
}

/** One incident in full: what on-call needs to act on it. */
export interface IncidentDetail extends IncidentSummary {
  alarmName: string;
  customerImpact: string;
  nextAction: string;
  escalation: TeamView[];
  contract: {
    id: string;
    description: string;
    fallback: string;
    source: SystemRef;
    target: SystemRef;
    /** The status API path with this contract's health and dead letters. */
    statusPath: string;
  } | null;
  commands: Command[];
  notes: IncidentNote[];
}

/** The list entry of an incident. */
export function incidentSummary(plan: RuntimePlan, incident: IncidentRecord, now: Date): IncidentSummary {
  const mode = FAILURE_MODES[incident.failureMode as FailureMode];
  const end = incident.resolvedAt ? new Date(incident.resolvedAt) : now;
  return {
    id: incident.id,
    state: incident.state,
    title: mode?.title ?? incident.failureMode,
    failureMode: incident.failureMode,
    severity: incident.severity,
    tier: incident.tier,
    contractId: incident.contractId ?? null,
    summary: incident.summary,
    owner: teamView(plan, incident.owner, now),
    openedAt: incident.openedAt,
    resolvedAt: incident.resolvedAt ?? null,
    durationSeconds: Number.isNaN(end.getTime()) ? null : (secondsSince(incident.openedAt, end) ?? null),
    notesCount: notesOf(incident).length,
    runbook: { title: mode?.title ?? incident.failureMode, url: incident.runbookUrl },
  };
}

/** The full answer for one incident: owner, runbook and commands in one place. */
export function incidentDetail(plan: RuntimePlan, incident: IncidentRecord, now: Date): IncidentDetail {
  const contract = incident.contractId ? plan.contracts.find((c) => c.id === incident.contractId) : undefined;
  const path = escalationPath(incident.owner, incident.escalation ?? []).map((t) => teamView(plan, t, now));
  return {
    ...incidentSummary(plan, incident, now),
    alarmName: incident.alarmName,
    customerImpact: incident.customerImpact,
    nextAction: incident.nextAction,
    escalation: path.slice(1),
    contract: contract
      ? {
          id: contract.id,
          description: contract.description,
          fallback: contract.fallback,
          source: systemRef(plan, contract.source.system),
          target: systemRef(plan, contract.target.system),
          statusPath: `/v1/contracts/${contract.id}`,
        }
      : null,
    commands: commandsFor(plan, incident),
    notes: notesOf(incident),
  };
}

function commandsFor(plan: RuntimePlan, incident: IncidentRecord): Command[] {
  const contract = incident.contractId ? plan.contracts.find((c) => c.id === incident.contractId) : undefined;
  if (contract) return contractCommands(plan, contract);
  if (plan.tiers.some((t) => t.name === incident.tier)) return deadLetterCommands(plan, incident.tier);
  const alarm = plan.alarms.find((a) => a.name === incident.alarmName);
  return alarm?.scope.kind === 'platform' ? platformCommands(plan, alarm.scope.functionName) : [];
}

/** The notes that have the recorded shape (anything else is skipped, never shown half-read). */
export function notesOf(incident: IncidentRecord): IncidentNote[] {
  const notes: unknown = incident.notes;
  if (!Array.isArray(notes)) return [];
  return notes.filter(
    (n): n is IncidentNote =>
      n !== null &&
      typeof n === 'object' &&
      typeof n.at === 'string' &&
      typeof n.author === 'string' &&
      typeof n.text === 'string',
  );
}
