import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type IncidentRecord, keys } from '../../lambdas/commons/records.js';
import { createIncidentsHandler } from '../../lambdas/incidents/handler.js';
import { nextActionFor } from '../../lambdas/incidents/incident.js';
import { type RuntimePlan, runtimePlanFor } from '../../lib/plan/runtime.js';
import type { Plan } from '../../lib/plan/types.js';
import { startDynamo, type TestDynamo } from '../helpers/dynamo.js';
import { examplePlan } from '../helpers/estate.js';
import { capturedLogger, lambdaContext } from './support/lambda.js';

const STALENESS = 'handoff-dev-crm-customer-to-helpdesk-staleness';
const SENT_TO_DLQ = 'handoff-dev-crm-customer-to-helpdesk-sent-to-dlq';

/** A "CloudWatch Alarm State Change" event as EventBridge delivers it (CloudWatch user guide shape). */
function alarmEvent(alarmName: string, value: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', timestamp: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: timestamp.replace(/\.\d+\+0000$/, 'Z'),
    region: 'eu-west-1',
    resources: [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: {
        value,
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (30/11/26 12:00:00)] was greater than or equal to the threshold (1.0).',
        timestamp,
      },
      previousState: {
        value: value === 'OK' ? 'ALARM' : 'OK',
        reason: '',
        timestamp: '2026-11-30T11:00:00.000+0000',
      },
      configuration: { description: 'What happened: ...', metrics: [] },
    },
  };
}

let plan: Plan;
let runtime: RuntimePlan;
let dynamo: TestDynamo;
let handler: ReturnType<typeof createIncidentsHandler>;
const context = lambdaContext('handoff-dev-platform-incidents');

async function items(): Promise<Array<Record<string, unknown>>> {
  const answer = await dynamo.doc.scan({ TableName: plan.tables.operations.name });
  return answer.Items ?? [];
}

async function incident(id: string): Promise<IncidentRecord | undefined> {
  return (await items()).find((i) => i.pk === keys.incident(id).pk) as IncidentRecord | undefined;
}

beforeAll(async () => {
  plan = examplePlan();
  runtime = runtimePlanFor(plan, { kind: 'incidents' });
  dynamo = await startDynamo(plan.tables);
});
afterAll(async () => dynamo.close());
beforeEach(async () => {
  for (const item of await items()) {
    await dynamo.doc.delete({ TableName: plan.tables.operations.name, Key: { pk: item.pk, sk: item.sk } });
  }
  handler = createIncidentsHandler({
    ddb: dynamo.doc,
    tableName: plan.tables.operations.name,
    plan: runtime,
    logger: capturedLogger().logger,
  });
});

describe('incidents from alarm state changes', () => {
  it('opens one incident on ALARM that names owner, impact, runbook and the exact next commands', async () => {
    // Prepare
    const event = alarmEvent(SENT_TO_DLQ, 'ALARM', '2026-11-30T12:00:00.123+0000');

    // Act
    const outcome = await handler(event, context);

    // Assess
    expect(outcome).toEqual({
      action: 'opened',
      incidentId: '20261130T120000123Z-crm-customer-to-helpdesk-sent-to-dlq',
    });
    const stored = await incident('20261130T120000123Z-crm-customer-to-helpdesk-sent-to-dlq');
    expect(stored).toMatchObject({
      state: 'open',
      kind: 'INCIDENT#open',
      sortKey: '2026-11-30T12:00:00.123Z',
      openedAt: '2026-11-30T12:00:00.123Z',
      alarmName: SENT_TO_DLQ,
      failureMode: 'sent-to-dlq',
      contractId: 'crm-customer-to-helpdesk',
      tier: 'critical',
      severity: 'page',
      owner: 'support-tools',
      escalation: ['support-tools', 'revenue-systems', 'integration-platform'],
      runbookUrl:
        'https://runbooks.example.com/runbooks/delivery-failures.md#eventbridge-sent-events-to-the-dead-letter-queue',
      notes: [],
    });
    expect(stored?.customerImpact).toMatch(/Agents see an outdated name/);
    expect(stored?.nextAction).toContain(
      './bin/handoff dlq list --stage dev --tier critical --contract crm-customer-to-helpdesk',
    );
    expect(stored?.nextAction).toContain(
      './bin/handoff dlq redrive --stage dev --tier critical --contract crm-customer-to-helpdesk',
    );
    expect(stored?.nextAction).toContain(`Runbook: ${stored?.runbookUrl}`);
    expect((await items()).find((i) => i.pk === `ALARM#${SENT_TO_DLQ}`)).toMatchObject({
      incidentId: stored?.id,
    });
  });

  it('deduplicates: the same ALARM delivered twice, and a later ALARM while open, keep one incident', async () => {
    // Prepare
    const first = alarmEvent(STALENESS, 'ALARM', '2026-11-30T12:00:00.000+0000');
    const later = alarmEvent(STALENESS, 'ALARM', '2026-11-30T12:20:00.000+0000');

    // Act
    const a = await handler(first, context);
    const b = await handler(first, context);
    const c = await handler(
      alarmEvent(STALENESS, 'INSUFFICIENT_DATA', '2026-11-30T12:10:00.000+0000'),
      context,
    );
    const d = await handler(later, context);

    // Assess
    expect(a).toEqual({
      action: 'opened',
      incidentId: '20261130T120000000Z-crm-customer-to-helpdesk-staleness',
    });
    expect(b).toEqual(a);
    expect(c).toMatchObject({ action: 'ignored' });
    expect(d).toEqual({
      action: 'already-open',
      incidentId: '20261130T120000000Z-crm-customer-to-helpdesk-staleness',
    });
    const incidents = (await items()).filter((i) => String(i.pk).startsWith('INCIDENT#'));
    expect(incidents).toHaveLength(1);
  });

  it('resolves the open incident on OK and deletes the lock; the next ALARM opens a new one', async () => {
    // Prepare
    await handler(alarmEvent(STALENESS, 'ALARM', '2026-11-30T12:00:00.000+0000'), context);

    // Act
    const resolved = await handler(alarmEvent(STALENESS, 'OK', '2026-11-30T12:45:00.000+0000'), context);
    const again = await handler(alarmEvent(STALENESS, 'OK', '2026-11-30T12:45:00.000+0000'), context);
    const reopened = await handler(alarmEvent(STALENESS, 'ALARM', '2026-11-30T13:30:00.000+0000'), context);

    // Assess
    expect(resolved).toEqual({
      action: 'resolved',
      incidentId: '20261130T120000000Z-crm-customer-to-helpdesk-staleness',
    });
    expect(again).toEqual({ action: 'no-open-incident' });
    expect(await incident('20261130T120000000Z-crm-customer-to-helpdesk-staleness')).toMatchObject({
      state: 'resolved',
      kind: 'INCIDENT#resolved',
      resolvedAt: '2026-11-30T12:45:00.000Z',
    });
    expect(reopened).toEqual({
      action: 'opened',
      incidentId: '20261130T133000000Z-crm-customer-to-helpdesk-staleness',
    });
    const lock = (await items()).find((i) => i.pk === `ALARM#${STALENESS}`);
    expect(lock?.incidentId).toBe('20261130T133000000Z-crm-customer-to-helpdesk-staleness');
  });

  it('does nothing on OK when no incident is open, or when the OK is older than the open incident', async () => {
    // Prepare
    const before = await items();

    // Act
    const none = await handler(alarmEvent(STALENESS, 'OK', '2026-11-30T12:00:00.000+0000'), context);
    await handler(alarmEvent(STALENESS, 'ALARM', '2026-11-30T12:30:00.000+0000'), context);
    const late = await handler(alarmEvent(STALENESS, 'OK', '2026-11-30T12:10:00.000+0000'), context);

    // Assess
    expect(before).toEqual([]);
    expect(none).toEqual({ action: 'no-open-incident' });
    expect(late).toMatchObject({ action: 'ignored' });
    expect(await incident('20261130T123000000Z-crm-customer-to-helpdesk-staleness')).toMatchObject({
      state: 'open',
    });
  });

  it('converges when a crash hit between the lock and the incident: the retry writes the incident', async () => {
    // Prepare: the first attempt's incident put fails, as if the function died there.
    const event = alarmEvent(SENT_TO_DLQ, 'ALARM', '2026-11-30T12:00:00.000+0000');
    let failed = false;
    const removeFault = dynamo.failWhen((operation, input) => {
      if (failed || operation !== 'put' || !JSON.stringify(input).includes('INCIDENT#')) return undefined;
      failed = true;
      return Object.assign(new Error('injected crash'), { name: 'InjectedCrash' });
    });

    // Act
    const crashed = await handler(event, context).catch((error: Error) => error.name);
    const afterCrash = await items();
    removeFault();
    const retried = await handler(event, context);

    // Assess
    expect(crashed).toBe('InjectedCrash');
    expect(afterCrash.map((i) => i.pk)).toEqual([`ALARM#${SENT_TO_DLQ}`]);
    expect(retried).toEqual({
      action: 'opened',
      incidentId: '20261130T120000000Z-crm-customer-to-helpdesk-sent-to-dlq',
    });
    expect(await incident('20261130T120000000Z-crm-customer-to-helpdesk-sent-to-dlq')).toMatchObject({
      state: 'open',
      failureMode: 'sent-to-dlq',
    });
  });

  it('recovers from a resolve that stopped before deleting the lock: the next ALARM opens a new incident', async () => {
    // Prepare
    await handler(alarmEvent(STALENESS, 'ALARM', '2026-11-30T12:00:00.000+0000'), context);
    const removeFault = dynamo.failWhen((operation) =>
      operation === 'delete' ? Object.assign(new Error('crash'), { name: 'InjectedCrash' }) : undefined,
    );
    await handler(alarmEvent(STALENESS, 'OK', '2026-11-30T12:30:00.000+0000'), context).catch(
      () => undefined,
    );
    removeFault();

    // Act
    const outcome = await handler(alarmEvent(STALENESS, 'ALARM', '2026-11-30T13:00:00.000+0000'), context);

    // Assess
    expect(outcome).toEqual({
      action: 'opened',
      incidentId: '20261130T130000000Z-crm-customer-to-helpdesk-staleness',
    });
    expect(await incident('20261130T120000000Z-crm-customer-to-helpdesk-staleness')).toMatchObject({
      state: 'resolved',
    });
  });

  it('ignores alarms that are not in the plan and events that are not alarm state changes', async () => {
    // Act
    const unknown = await handler(
      alarmEvent('handoff-dev-retired-contract-staleness', 'ALARM', '2026-11-30T12:00:00.000+0000'),
      context,
    );
    const malformed = await handler(
      { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: {} },
      context,
    );

    // Assess
    expect(unknown).toEqual({ action: 'ignored', reason: 'the alarm is not in the plan' });
    expect(malformed).toEqual({ action: 'ignored', reason: 'detail.alarmName is missing' });
    expect(await items()).toEqual([]);
  });
});

describe('next action', () => {
  const alarm = (name: string) => {
    const found = runtime.alarms.find((a) => a.name === name);
    if (!found) throw new Error(`no alarm ${name}`);
    return found;
  };

  it('lists and redrives the tier queue for a tier dead-letter alarm', () => {
    // Act
    const text = nextActionFor(alarm('handoff-dev-standard-dead-letters'), runtime);

    // Assess
    expect(text.split('\n')).toEqual([
      'List the dead letters by contract and failure class, fix the cause, then redrive.',
      'See what is waiting: ./bin/handoff dlq list --stage dev --tier standard',
      'Once the cause is fixed, redrive: ./bin/handoff dlq redrive --stage dev --tier standard (add --dry-run to preview).',
      'Runbook: https://runbooks.example.com/runbooks/dead-letters.md',
    ]);
  });

  it('points staleness at the status API, the log and what happens on recovery', () => {
    // Act
    const text = nextActionFor(alarm(STALENESS), runtime);

    // Assess
    expect(text).toContain(
      'GET /v1/contracts/crm-customer-to-helpdesk on the status API (stack output StatusApiUrl of handoff-dev-core)',
    );
    expect(text).toContain('aws logs tail /aws/lambda/handoff-dev-crm-customer-to-helpdesk --since 1h');
    expect(text).toContain('redriven automatically');
    expect(text.split('\n').at(-1)).toBe('Runbook: https://runbooks.example.com/runbooks/staleness.md');
  });

  it('uses --local for the local layer, and the manual redrive for tiers without auto-redrive', () => {
    // Prepare
    const local = runtimePlanFor(examplePlan({ stage: 'local' }), { kind: 'incidents' });
    const degraded = local.alarms.find(
      (a) => a.name === 'handoff-local-product-usage-to-crm-target-degraded',
    );

    // Act
    const text = degraded ? nextActionFor(degraded, local) : '';

    // Assess
    expect(text).toContain(
      './bin/handoff dlq redrive --local --tier best-effort --contract product-usage-to-crm',
    );
    expect(text).not.toContain('--stage');
  });
});
