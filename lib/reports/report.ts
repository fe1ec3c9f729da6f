/**
 * The measured signals: how many dependencies the estate has, how many of its failure modes are
 * handled (alarm, runbook, escalation, fallback), and how visible failures are to support.
 */
import { FAILURE_MODES } from '../plan/failure-modes.js';
import type { FailureMode, Plan } from '../plan/types.js';

/** An incident as the report needs it (the status API's incidents carry more). */
export interface IncidentSummary {
  state: 'open' | 'resolved';
  owner?: string;
  customerImpact?: string;
  nextAction?: string;
  notes: unknown[];
}

export interface Report {
  dependencyMap: {
    systems: number;
    contracts: number;
    owners: number;
    /** Event routes + target API/bus paths + inbound webhook paths. */
    eventApiPaths: number;
    paths: { eventRoutes: number; targetApis: number; webhooks: number };
    retryPolicies: number;
    alarms: number;
    supportVisibleFailureStates: number;
  };
  failureHandling: {
    /** Failure modes across all contracts (contract-level and the tier-level ones of its tier), and of each webhook. */
    failureModes: number;
    withAlarm: number;
    withRunbook: number;
    withEscalation: number;
    withFallback: number;
    fullyHandled: number;
    coverage: number;
    /** Failure modes missing at least one of the four: nobody would hear of them, or know what to do. */
    silent: Array<{ contract: string; failureMode: FailureMode; missing: string[] }>;
  };
  supportVisibility: {
    incidents: number;
    open: number;
    resolved: number;
    withOwner: number;
    withCustomerImpact: number;
    withNextAction: number;
    withResolutionNotes: number;
  };
}

export interface ReportInputs {
  /** Whether a runbook page (path relative to the project, with optional #anchor) exists. */
  runbookExists: (path: string) => boolean;
  /** Incidents, where a status store is available; empty before any exist. */
  incidents?: IncidentSummary[];
  /** Inbound webhook paths, once systems declare them. */
  webhookPaths?: number;
}

/** Computes the report for a plan. */
export function buildReport(plan: Plan, inputs: ReportInputs): Report {
  const teamIds = new Set(plan.teams.map((t) => t.id));
  const targetApis = new Set(
    plan.contracts.map((c) =>
      c.target.adapter === 'http'
        ? `${c.target.system}:${c.target.method} ${c.target.path}`
        : `${c.target.system}:bus ${c.target.detailType}`,
    ),
  );
  const webhooks = inputs.webhookPaths ?? plan.webhooks.length;
  const modes = Object.keys(FAILURE_MODES) as FailureMode[];
  const states = new Set(modes.map((m) => FAILURE_MODES[m].supportState).filter(Boolean));

  const silent: Report['failureHandling']['silent'] = [];
  let failureModes = 0;
  let withAlarm = 0;
  let withRunbook = 0;
  let withEscalation = 0;
  let withFallback = 0;
  let fullyHandled = 0;
  for (const contract of plan.contracts) {
    const escalationOk = contract.escalation.length > 0 && contract.escalation.every((t) => teamIds.has(t));
    for (const mode of modes.filter(
      (m) => FAILURE_MODES[m].level === 'contract' || FAILURE_MODES[m].level === 'tier',
    )) {
      failureModes++;
      const level = FAILURE_MODES[mode].level;
      const alarm = plan.alarms.find((a) =>
        level === 'contract'
          ? a.failureMode === mode && a.scope.kind === 'contract' && a.scope.contractId === contract.id
          : a.failureMode === mode && a.scope.kind === 'tier' && a.scope.tier === contract.tier,
      );
      const checks = {
        alarm: alarm !== undefined && alarm.threshold > 0,
        runbook: alarm !== undefined && inputs.runbookExists(alarm.runbook.path),
        escalation: escalationOk,
        fallback: contract.fallback.trim().length > 0,
      };
      withAlarm += Number(checks.alarm);
      withRunbook += Number(checks.runbook);
      withEscalation += Number(checks.escalation);
      withFallback += Number(checks.fallback);
      const missing = Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([what]) => what);
      if (missing.length === 0) fullyHandled++;
      else silent.push({ contract: contract.id, failureMode: mode, missing });
    }
  }

  // Each inbound webhook's own failure modes, owned by the system that calls handoff.
  for (const webhook of plan.webhooks) {
    for (const mode of modes.filter((m) => FAILURE_MODES[m].level === 'system')) {
      failureModes++;
      const alarm = plan.alarms.find(
        (a) => a.failureMode === mode && a.scope.kind === 'system' && a.scope.systemId === webhook.systemId,
      );
      const checks = {
        alarm: alarm !== undefined && alarm.threshold > 0,
        runbook: alarm !== undefined && inputs.runbookExists(alarm.runbook.path),
        escalation:
          (alarm?.escalation ?? []).length > 0 && (alarm?.escalation ?? []).every((t) => teamIds.has(t)),
        // The provider retries what handoff refuses: that is the fallback.
        fallback: true,
      };
      withAlarm += Number(checks.alarm);
      withRunbook += Number(checks.runbook);
      withEscalation += Number(checks.escalation);
      withFallback += Number(checks.fallback);
      const missing = Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([what]) => what);
      if (missing.length === 0) fullyHandled++;
      else silent.push({ contract: `webhook:${webhook.systemId}`, failureMode: mode, missing });
    }
  }

  const incidents = inputs.incidents ?? [];
  const has = (text: string | undefined) => typeof text === 'string' && text.trim().length > 0;
  return {
    dependencyMap: {
      systems: plan.systems.length,
      contracts: plan.contracts.length,
      owners: new Set([...plan.systems.map((s) => s.owner), ...plan.contracts.map((c) => c.owner)]).size,
      eventApiPaths: plan.routes.length + targetApis.size + webhooks,
      paths: { eventRoutes: plan.routes.length, targetApis: targetApis.size, webhooks },
      // Each contract has two: the rule target's (EventBridge) and the function's (Lambda async).
      retryPolicies: plan.routes.length + plan.functions.filter((f) => f.async).length,
      alarms: plan.alarms.length,
      supportVisibleFailureStates: plan.contracts.length * states.size,
    },
    failureHandling: {
      failureModes,
      withAlarm,
      withRunbook,
      withEscalation,
      withFallback,
      fullyHandled,
      coverage: failureModes === 0 ? 1 : Math.round((fullyHandled / failureModes) * 1000) / 1000,
      silent,
    },
    supportVisibility: {
      incidents: incidents.length,
      open: incidents.filter((i) => i.state === 'open').length,
      resolved: incidents.filter((i) => i.state === 'resolved').length,
      withOwner: incidents.filter((i) => has(i.owner)).length,
      withCustomerImpact: incidents.filter((i) => has(i.customerImpact)).length,
      withNextAction: incidents.filter((i) => has(i.nextAction)).length,
      withResolutionNotes: incidents.filter((i) => i.notes.length > 0).length,
    },
  };
}

/** Renders the report for a terminal. */
export function reportToText(report: Report): string {
  const d = report.dependencyMap;
  const f = report.failureHandling;
  const s = report.supportVisibility;
  const pct = (n: number, of: number) => (of === 0 ? '—' : `${Math.round((n / of) * 100)}%`);
  const lines = [
    'Dependency map',
    `  systems ${d.systems} · contracts ${d.contracts} · owners ${d.owners}`,
    `  event/API paths ${d.eventApiPaths} (event routes ${d.paths.eventRoutes}, target APIs ${d.paths.targetApis}, webhooks ${d.paths.webhooks})`,
    `  retry policies ${d.retryPolicies} · alarms ${d.alarms} · support-visible failure states ${d.supportVisibleFailureStates}`,
    '',
    'Failure handling',
    `  failure modes ${f.failureModes}: alarm ${f.withAlarm} (${pct(f.withAlarm, f.failureModes)}), runbook ${f.withRunbook} (${pct(f.withRunbook, f.failureModes)}), escalation ${f.withEscalation} (${pct(f.withEscalation, f.failureModes)}), fallback ${f.withFallback} (${pct(f.withFallback, f.failureModes)})`,
    `  fully handled ${f.fullyHandled} of ${f.failureModes} (${pct(f.fullyHandled, f.failureModes)})`,
    ...(f.silent.length === 0
      ? ['  silent failure modes: none']
      : [
          '  silent failure modes:',
          ...f.silent.map((x) => `    ${x.contract} ${x.failureMode}: missing ${x.missing.join(', ')}`),
        ]),
    '',
    'Support visibility',
    s.incidents === 0
      ? '  incidents 0 (none recorded yet)'
      : `  incidents ${s.incidents} (open ${s.open}, resolved ${s.resolved}): owner ${s.withOwner}, customer impact ${s.withCustomerImpact}, next action ${s.withNextAction}, resolution notes ${s.withResolutionNotes}`,
  ];
  return lines.join('\n');
}
