/**
 * What an incident says, built from the alarm's entry in the plan: who owns it, what it does to
 * customers, and what on-call does next (the runbook and the exact commands), so one incident is
 * enough to act on.
 */
import { FAILURE_MODES } from '../../lib/plan/failure-modes.js';
import type { RuntimeAlarm, RuntimePlan } from '../../lib/plan/runtime.js';
import type { FailureMode } from '../../lib/plan/types.js';
import { type IncidentRecord, KINDS, keys } from '../commons/records.js';

/** What building an incident needs of the plan. */
export type IncidentPlan = Pick<RuntimePlan, 'stage' | 'prefix' | 'tiers' | 'contracts'>;

/** Failure modes whose events wait in the tier's dead-letter queue: the next action lists and redrives them. */
const DEAD_LETTER_MODES: ReadonlySet<FailureMode> = new Set<FailureMode>([
  'dead-letters',
  'dead-letter-age',
  'sent-to-dlq',
  'schema-rejections',
  'config-errors',
  'delivery-failures',
]);

/**
 * The incident id: the time the alarm went off and the alarm's subject, e.g.
 * `20240105T101500000Z-crm-customer-to-helpdesk-staleness`. Deterministic, so a retried or
 * duplicated event names the same incident; sortable; safe in a URL path.
 */
export function incidentIdFor(alarmName: string, openedAt: string, prefix: string): string {
  const subject = alarmName.startsWith(`${prefix}-`) ? alarmName.slice(prefix.length + 1) : alarmName;
  const stamp = openedAt.replace(/[-:.]/g, '');
  return `${stamp}-${subject}`.replace(/[^A-Za-z0-9-]/g, '-');
}

/** The incident for an alarm that went off at `openedAt`. Notes start empty: support adds them. */
export function buildIncident(
  alarm: RuntimeAlarm,
  plan: IncidentPlan,
  at: { id: string; openedAt: string },
): IncidentRecord {
  return {
    ...keys.incident(at.id),
    sk: 'INCIDENT',
    kind: KINDS.openIncident,
    sortKey: at.openedAt,
    id: at.id,
    alarmName: alarm.name,
    failureMode: alarm.failureMode,
    ...(alarm.scope.kind === 'contract' ? { contractId: alarm.scope.contractId } : {}),
    tier: alarm.tier,
    severity: alarm.severity,
    owner: alarm.owner,
    escalation: [...alarm.escalation],
    summary: alarm.summary,
    customerImpact: alarm.customerImpact,
    nextAction: nextActionFor(alarm, plan),
    runbookUrl: alarm.runbook.url,
    state: 'open',
    openedAt: at.openedAt,
    notes: [],
  };
}

/**
 * On-call's next action, one step a line: the failure mode's first action, the commands to run
 * (for this stage, tier and contract), and the runbook.
 */
export function nextActionFor(alarm: RuntimeAlarm, plan: IncidentPlan): string {
  const mode = FAILURE_MODES[alarm.failureMode];
  const local = plan.stage === 'local';
  const target = local ? '--local' : `--stage ${plan.stage}`;
  const contractId = alarm.scope.kind === 'contract' ? alarm.scope.contractId : undefined;
  const contract = contractId ? plan.contracts.find((c) => c.id === contractId) : undefined;
  const tier = alarm.tier === 'platform' ? undefined : plan.tiers.find((t) => t.name === alarm.tier);
  const dlqArgs = `${target}${tier ? ` --tier ${tier.name}` : ''}${contractId ? ` --contract ${contractId}` : ''}`;
  const logs = (functionName: string) =>
    local
      ? `Read ${functionName}'s log in the local layer's output.`
      : `Read the log: aws logs tail /aws/lambda/${functionName} --since 1h`;
  const statusApi = local
    ? 'the local status API (statusApi in .handoff/endpoints.json)'
    : `the status API (stack output StatusApiUrl of ${plan.prefix}-core)`;

  const steps: string[] = [`${mode.firstAction}.`];
  if (alarm.scope.kind === 'platform') {
    steps.push(logs(alarm.scope.functionName));
  } else if (DEAD_LETTER_MODES.has(alarm.failureMode)) {
    steps.push(`See what is waiting: ./bin/handoff dlq list ${dlqArgs}`);
    steps.push(
      `Once the cause is fixed, redrive: ./bin/handoff dlq redrive ${dlqArgs} (add --dry-run to preview).`,
    );
  } else if (contractId) {
    steps.push(`Check the contract's status: GET /v1/contracts/${contractId} on ${statusApi}.`);
    if (contract && alarm.failureMode !== 'target-degraded') steps.push(logs(contract.functionName));
    if (alarm.failureMode === 'target-degraded' || alarm.failureMode === 'staleness') {
      steps.push(
        tier?.autoRedrive
          ? 'When the target recovers, its transient dead letters are redriven automatically; check with ' +
              `./bin/handoff dlq list ${dlqArgs}`
          : `When the target recovers, redrive its dead letters: ./bin/handoff dlq redrive ${dlqArgs}`,
      );
    }
  }
  steps.push(`Runbook: ${alarm.runbook.url}`);
  return steps.join('\n');
}
