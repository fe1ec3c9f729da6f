import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../lib/patterns/index.js';
import { ALARM_DESCRIPTION_MAX, describeAlarm } from '../../lib/plan/alarms.js';
import { buildPlan, stalenessRate } from '../../lib/plan/build.js';
import { checkStackSizes, MAX_CONTRACTS_PER_STACK } from '../../lib/plan/check.js';
import { CONTRACT_FAILURE_MODES } from '../../lib/plan/failure-modes.js';
import type { Plan } from '../../lib/plan/types.js';
import { exampleEstate, examplePlan } from '../helpers/estate.js';

const plan = examplePlan();
const contract = (id: string) =>
  plan.contracts.find((c) => c.id === id) ?? expect.unreachable(`no contract ${id}`);
const fn = (name: string) =>
  plan.functions.find((f) => f.name === name) ?? expect.unreachable(`no function ${name}`);

describe('the plan is data', () => {
  it('is deterministic and survives JSON', () => {
    const again = buildPlan(exampleEstate(), {
      stage: 'dev',
      runbookBaseUrl: 'https://runbooks.example.com/runbooks',
    });
    expect(again).toEqual(plan);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('changes its fingerprint when a contract changes', () => {
    const estate = exampleEstate();
    const first = estate.contracts[0];
    if (!first) throw new Error('no contracts');
    first.customerImpact = `${first.customerImpact} (edited)`;
    expect(buildPlan(estate, { stage: 'dev', runbookBaseUrl: 'x' }).fingerprint).not.toBe(plan.fingerprint);
  });

  it('names everything after the stage', () => {
    const prod = examplePlan({ stage: 'prod' });
    expect(prod.bus.name).toBe('handoff-prod');
    expect(prod.functions.every((f) => f.name.startsWith('handoff-prod-') && f.name.length <= 64)).toBe(true);
    expect(prod.tables.syncState).toMatchObject({
      name: 'handoff-prod-sync-state',
      deletionProtection: true,
    });
    expect(plan.tables.syncState.deletionProtection).toBe(false);
  });
});

describe('routes and retries', () => {
  it('routes every contract with its own pattern, which matches its samples', () => {
    expect(plan.routes.map((r) => r.contractId).sort()).toEqual(plan.contracts.map((c) => c.id).sort());
    const estate = exampleEstate();
    for (const route of plan.routes) {
      const matcher = compilePattern(route.pattern);
      const samples = estate.contracts.find((c) => c.id === route.contractId)?.samples ?? [];
      for (const sample of samples)
        expect(
          matcher.matches({ id: '1', account: '1', region: 'r', time: 't', resources: [], ...sample.event }),
        ).toBe(true);
    }
  });

  it('keeps a contract filter and adds source and detail-type', () => {
    expect(plan.routes.find((r) => r.contractId === 'crm-customer-to-helpdesk')?.pattern).toEqual({
      detail: { status: [{ 'anything-but': 'deleted' }] },
      source: ['handoff.crm'],
      'detail-type': ['Customer Updated'],
    });
  });

  it('gives critical contracts a longer retry budget at both layers than best-effort ones', () => {
    const critical = plan.routes.find((r) => r.tier === 'critical');
    const bestEffort = plan.routes.find((r) => r.tier === 'best-effort');
    expect(critical?.retry).toEqual({ attempts: 185, maxEventAgeSeconds: 86_400 });
    expect(bestEffort?.retry).toEqual({ attempts: 3, maxEventAgeSeconds: 900 });
    expect(fn(critical?.functionName ?? '').async?.retry).toEqual({
      attempts: 2,
      maxEventAgeSeconds: 21_600,
    });
    expect(fn(bestEffort?.functionName ?? '').async?.retry).toEqual({ attempts: 0, maxEventAgeSeconds: 300 });
  });

  it('sends both layers of a contract to the one dead-letter queue of its tier', () => {
    for (const route of plan.routes) {
      const queue = `handoff-dev-dlq-${route.tier}`;
      expect(route.deadLetterQueue).toBe(queue);
      expect(fn(route.functionName).async?.onFailureQueue).toBe(queue);
    }
    expect(plan.queues.map((q) => [q.name, q.retentionDays])).toEqual([
      ['handoff-dev-dlq-critical', 14],
      ['handoff-dev-dlq-standard', 14],
      ['handoff-dev-dlq-best-effort', 14],
    ]);
  });

  it('archives the tiers whose policy asks for replay, and only those', () => {
    expect(plan.bus.archives.map((a) => [a.tier, a.retentionDays])).toEqual([
      ['critical', 30],
      ['standard', 7],
    ]);
    for (const archive of plan.bus.archives) expect(() => compilePattern(archive.pattern)).not.toThrow();
  });
});

describe('functions get only what they need', () => {
  it('lets a sync handler read and update its table, send to its tier queue and read its own secrets', () => {
    const sync = fn('handoff-dev-crm-customer-to-helpdesk');
    expect(sync.access).toEqual([
      { kind: 'table', table: 'syncState', actions: ['GetItem', 'UpdateItem'] },
      { kind: 'queue', queue: 'handoff-dev-dlq-critical', actions: ['send'] },
      { kind: 'bus', busName: 'handoff-dev' },
      { kind: 'secret', secretName: 'handoff/helpdesk/api-token' },
    ]);
    expect(sync.environment).toMatchObject({
      HANDOFF_CONTRACT_ID: { value: 'crm-customer-to-helpdesk' },
      SYNC_TABLE_NAME: { tableName: 'syncState' },
      DEAD_LETTER_QUEUE_URL: { queueUrl: 'handoff-dev-dlq-critical' },
      HELPDESK_API_URL: { deployParameter: 'HELPDESK_API_URL' },
    });
    expect(sync.timeoutSeconds).toBeGreaterThan(contract('crm-customer-to-helpdesk').target.timeoutSeconds);
  });

  it('lets the eventbridge adapter put on the target bus only', () => {
    const sync = fn('handoff-dev-helpdesk-csat-to-analytics');
    expect(sync.access).toContainEqual({ kind: 'external-bus', busArn: { env: 'ANALYTICS_BUS_ARN' } });
    expect(sync.access.filter((a) => a.kind === 'secret')).toEqual([]);
  });

  it('lets the status API write only incident items', () => {
    const api = fn('handoff-dev-platform-status-api');
    const writes = api.access.filter(
      (a) => a.kind === 'table' && a.actions.some((x) => !['GetItem', 'Query', 'BatchGetItem'].includes(x)),
    );
    expect(writes).toEqual([
      { kind: 'table', table: 'operations', actions: ['UpdateItem'], leadingKeys: ['INCIDENT#*'] },
    ]);
  });
});

describe('alarms', () => {
  it('watches every contract for every contract-level failure mode', () => {
    for (const c of plan.contracts) {
      const modes = plan.alarms
        .filter((a) => a.scope.kind === 'contract' && a.scope.contractId === c.id)
        .map((a) => a.failureMode);
      expect(modes.sort()).toEqual([...CONTRACT_FAILURE_MODES].sort());
    }
  });

  it('watches each used tier dead-letter queue for count and age, at the tier thresholds', () => {
    const critical = plan.alarms.filter((a) => a.scope.kind === 'tier' && a.scope.tier === 'critical');
    expect(critical.map((a) => [a.failureMode, a.threshold, a.severity])).toEqual([
      ['dead-letters', 1, 'page'],
      ['dead-letter-age', 900, 'page'],
    ]);
    const bestEffort = plan.alarms.find(
      (a) => a.scope.kind === 'tier' && a.scope.tier === 'best-effort' && a.failureMode === 'dead-letters',
    );
    expect([bestEffort?.threshold, bestEffort?.severity]).toEqual([25, 'digest']);
  });

  it('treats missing data as not breaching for metrics emitted only when non-zero', () => {
    const sentToDlq = plan.alarms.find((a) => a.failureMode === 'sent-to-dlq');
    expect(sentToDlq?.treatMissingData).toBe('notBreaching');
    expect(sentToDlq?.metric).toMatchObject({
      kind: 'metric',
      metric: {
        namespace: 'AWS/Events',
        metricName: 'InvocationsSentToDlq',
        dimensions: { EventBusName: 'handoff-dev', RuleName: expect.any(String) },
      },
    });
  });

  it('detects silent failure with metric math over the staleness SLO', () => {
    const silent = plan.alarms.find((a) => a.name === 'handoff-dev-crm-customer-to-helpdesk-silent-failure');
    expect(silent?.metric).toMatchObject({ kind: 'math', periodSeconds: 600 });
    if (silent?.metric.kind !== 'math') throw new Error('expected math');
    expect(silent.metric.expression).toContain('matched');
    expect(Object.values(silent.metric.metrics).map((m) => m.metricName)).toEqual([
      'MatchedEvents',
      'Synced',
      'Skipped',
    ]);
  });

  it('describes each alarm in order: what happened, impact, owner and escalation, runbook', () => {
    for (const alarm of plan.alarms) {
      const d = alarm.description;
      expect(d.length).toBeLessThanOrEqual(ALARM_DESCRIPTION_MAX);
      const order = [
        'What happened:',
        'Customer impact:',
        'Owner:',
        'Runbook: https://runbooks.example.com/runbooks/',
      ].map((s) => d.indexOf(s));
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(d.endsWith(alarm.runbook.url)).toBe(true);
    }
    const toHelpdesk = plan.alarms.find(
      (a) => a.name === 'handoff-dev-crm-customer-to-helpdesk-handler-errors',
    );
    expect(toHelpdesk?.description).toContain('Owner: Support Tooling (#support-tools-oncall');
    expect(toHelpdesk?.description).toContain('Escalate to: Revenue Systems, then Integration Platform.');
  });

  it('never cuts the runbook link when the impact is long', () => {
    const text = describeAlarm(
      {
        summary: 's'.repeat(600),
        customerImpact: 'i'.repeat(2000),
        owner: 'x',
        escalation: [],
        severity: 'page',
      },
      'https://runbooks.example.com/runbooks/handler-errors.md',
      [],
    );
    expect(text.length).toBeLessThanOrEqual(ALARM_DESCRIPTION_MAX);
    expect(text.endsWith('Runbook: https://runbooks.example.com/runbooks/handler-errors.md')).toBe(true);
  });

  it('has unique alarm names', () => {
    expect(new Set(plan.alarms.map((a) => a.name)).size).toBe(plan.alarms.length);
  });
});

describe('stacks and schedules', () => {
  it('groups contracts by owner team unless a contract names its stack', () => {
    expect(plan.stacks.map((s) => [s.name, s.contracts.length])).toEqual([
      ['handoff-dev-core', 0],
      ['handoff-dev-contracts-billing-eng', 1],
      ['handoff-dev-contracts-product-data', 1],
      ['handoff-dev-contracts-revenue-systems', 3],
      ['handoff-dev-contracts-support-tools', 2],
    ]);
  });

  it(`refuses a stack group of more than ${MAX_CONTRACTS_PER_STACK} contracts`, () => {
    const big: Plan = {
      ...plan,
      stacks: [
        ...plan.stacks,
        {
          id: 'big',
          name: 'handoff-dev-contracts-big',
          kind: 'contracts',
          contracts: Array.from({ length: 27 }, (_, i) => `c-${i}`),
        },
      ],
    };
    const problems = checkStackSizes(big);
    expect(problems).toHaveLength(2);
    expect(problems[0]?.message).toContain('holds 27 contracts');
  });

  it('checks staleness at a fifth of the tightest SLO, between 1 and 15 minutes', () => {
    expect(stalenessRate([{ stalenessSloSeconds: 600 }, { stalenessSloSeconds: 3600 }])).toBe(120);
    expect(stalenessRate([{ stalenessSloSeconds: 60 }])).toBe(60);
    expect(stalenessRate([{ stalenessSloSeconds: 86_400 }])).toBe(720);
    expect(plan.schedules).toEqual([
      {
        id: 'staleness',
        ruleName: 'handoff-dev-platform-staleness',
        functionName: 'handoff-dev-platform-staleness',
        rateSeconds: 120,
      },
    ]);
  });

  it('routes alarm state changes of this stage to the incidents function', () => {
    const route = plan.internalRoutes.find((r) => r.id === 'alarm-state-changes');
    expect(route).toMatchObject({ busName: 'default', functionName: 'handoff-dev-platform-incidents' });
    const matcher = compilePattern(route?.pattern);
    const event = (alarmName: string) => ({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { alarmName },
    });
    expect(matcher.matches(event('handoff-dev-critical-dead-letters'))).toBe(true);
    expect(matcher.matches(event('handoff-prod-critical-dead-letters'))).toBe(false);
  });
});

describe('handoff watches itself', () => {
  it('raises an alarm when the staleness checker stops running, counting missing data as breaching', () => {
    const heartbeat = plan.alarms.find((a) => a.name === 'handoff-dev-platform-staleness-heartbeat');
    expect(heartbeat).toMatchObject({
      comparison: 'LessThanThreshold',
      threshold: 1,
      treatMissingData: 'breaching',
      severity: 'ticket',
    });
    expect(heartbeat?.metric).toMatchObject({
      kind: 'metric',
      metric: {
        metricName: 'Invocations',
        dimensions: { FunctionName: 'handoff-dev-platform-staleness' },
        periodSeconds: 360,
      },
    });
  });

  it('expires webhook delivery ids with a TTL on the operations table', () => {
    expect(plan.tables.operations.ttlAttribute).toBe('expiresAt');
    expect(plan.tables.syncState.ttlAttribute).toBeUndefined();
  });
});
