import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDeployContext } from '../../lib/infra/context.js';
import { ConfigurationError } from '../../lib/infra/errors.js';
import { checkRunbookLinks } from '../../lib/plan/check.js';
import { FAILURE_MODES } from '../../lib/plan/failure-modes.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { flat, resources, synth } from './synth.js';

const subscriptions = {
  page: [{ kind: 'https' as const, endpoint: 'https://events.pagerduty.com/integration/abc/enqueue' }],
  ticket: [{ kind: 'email' as const, endpoint: 'team@example.com' }],
};
const stage = synth({ alarmSubscriptions: subscriptions });
const { plan } = stage;
const core = stage.template(plan.stacks[0]?.name ?? '');

/** Every rendered alarm, by name, with the stack it is in. */
const rendered = new Map(
  stage
    .all()
    .flatMap(({ stack, template }) =>
      resources(template, 'AWS::CloudWatch::Alarm').map(
        ([, p]) => [p.AlarmName as string, { stack, props: p }] as const,
      ),
    ),
);
/** CloudWatch dimensions as a sorted list, so order does not matter. */
const dims = (d: Record<string, string>) =>
  Object.entries(d)
    .map(([Name, Value]) => ({ Name, Value }))
    .sort((a, b) => a.Name.localeCompare(b.Name));
const sorted = (d: unknown) =>
  [...((d as Array<{ Name: string; Value: string }>) ?? [])].sort((a, b) => a.Name.localeCompare(b.Name));
const topicIds = new Map(resources(core, 'AWS::SNS::Topic').map(([id, p]) => [p.TopicName as string, id]));

describe('every planned alarm exists, where the plan puts it', () => {
  it('renders each alarm once and no other', () => {
    expect([...rendered.keys()].sort()).toEqual(plan.alarms.map((a) => a.name).sort());
  });

  it.each(plan.alarms.map((a) => [a.name, a] as const))('%s', (_name, alarm) => {
    // Act
    const { stack, props } = rendered.get(alarm.name) ?? expect.unreachable();

    // Assess
    expect(stack.stackName).toBe(alarm.stack);
    expect(props).toMatchObject({
      AlarmDescription: alarm.description,
      Threshold: alarm.threshold,
      ComparisonOperator: alarm.comparison,
      EvaluationPeriods: alarm.evaluationPeriods,
      DatapointsToAlarm: alarm.datapointsToAlarm,
      TreatMissingData: alarm.treatMissingData,
      ActionsEnabled: true,
    });
    if (alarm.metric.kind === 'metric') {
      const m = alarm.metric.metric;
      expect(props).toMatchObject({
        Namespace: m.namespace,
        MetricName: m.metricName,
        Statistic: m.statistic,
        Period: m.periodSeconds,
      });
      expect(sorted(props.Dimensions)).toEqual(dims(m.dimensions));
    } else {
      const metrics = props.Metrics as Array<Record<string, unknown>>;
      const expression = metrics.find((x) => 'Expression' in x) ?? expect.unreachable();
      expect(expression).toMatchObject({ Expression: alarm.metric.expression, ReturnData: true });
      expect(metrics).toHaveLength(Object.keys(alarm.metric.metrics).length + 1);
      for (const [id, m] of Object.entries(alarm.metric.metrics)) {
        const rendered = metrics.find((x) => x.Id === id) ?? expect.unreachable(`no metric ${id}`);
        const stat = rendered.MetricStat as { Metric: Record<string, unknown>; Period: number; Stat: string };
        expect(rendered.ReturnData).toBe(false);
        expect(stat).toMatchObject({
          Metric: { Namespace: m.namespace, MetricName: m.metricName },
          Period: alarm.metric.periodSeconds,
          Stat: m.statistic,
        });
        expect(sorted(stat.Metric.Dimensions)).toEqual(dims(m.dimensions));
      }
    }
  });
});

describe('every alarm reaches people', () => {
  it.each(plan.alarms.map((a) => [a.name, a] as const))(
    '%s notifies its severity topic on alarm and on OK',
    (_n, alarm) => {
      // Prepare
      const topic = plan.topics.find((t) => t.severity === alarm.severity) ?? expect.unreachable();
      const { stack, props } = rendered.get(alarm.name) ?? expect.unreachable();
      const expected =
        stack === stage.stage.core
          ? [`<${topicIds.get(topic.name)}>`]
          : [`arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:${topic.name}`];

      // Assess
      expect((props.AlarmActions as unknown[]).map(flat)).toEqual(expected);
      expect((props.OKActions as unknown[]).map(flat)).toEqual(expected);
    },
  );

  it('subscribes email addresses and https endpoints from the context', () => {
    core.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://events.pagerduty.com/integration/abc/enqueue',
      TopicArn: { Ref: topicIds.get('handoff-dev-page') },
    });
    core.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'team@example.com',
      TopicArn: { Ref: topicIds.get('handoff-dev-ticket') },
    });
    core.resourceCountIs('AWS::SNS::Subscription', 2);
  });

  it('warns about a severity nobody receives', () => {
    const warnings = stage.warnings(plan.stacks[0]?.name ?? '');
    expect(warnings.filter((w) => w.includes('nobody receives'))).toEqual([
      expect.stringContaining('nobody receives digest alarms'),
    ]);
  });

  it('fails synth with one message listing every bad subscription', () => {
    // Act
    const act = () =>
      readDeployContext(
        (key) =>
          ({
            stage: 'dev',
            runbookBaseUrl: 'https://runbooks.example.com',
            alarmSubscriptions:
              '{"page":["http://insecure.example.com/hook","nobody"],"sms":["+441234"],"ticket":"team@example.com"}',
          })[key],
      );

    // Assess
    expect(act).toThrow(ConfigurationError);
    try {
      act();
    } catch (error) {
      expect((error as ConfigurationError).problems).toEqual([
        expect.stringMatching(/^alarmSubscriptions\.page\[0\] .*plain http is not allowed/),
        expect.stringMatching(
          /^alarmSubscriptions\.page\[1\] .*neither an email address nor an https:\/\/ URL/,
        ),
        expect.stringMatching(
          /^alarmSubscriptions\.sms: not a severity; expected one of page, ticket, digest/,
        ),
        expect.stringMatching(/^alarmSubscriptions\.ticket: expected a list/),
      ]);
    }
  });
});

describe('every alarm tells the paged engineer what to do', () => {
  it.each(plan.alarms.map((a) => [a.name, a] as const))(
    '%s: what happened, impact, owner, then the runbook',
    (_n, alarm) => {
      // Act
      const description = String(rendered.get(alarm.name)?.props.AlarmDescription);
      const lines = description.split('\n');

      // Assess
      expect(lines.map((l) => l.split(':')[0])).toEqual([
        'What happened',
        'Customer impact',
        'Owner',
        'Runbook',
      ]);
      expect(description.length).toBeLessThanOrEqual(1024);
      const page = FAILURE_MODES[alarm.failureMode].runbook;
      expect(lines[3]).toBe(`Runbook: ${plan.runbookBaseUrl}/${page}`);
      expect(alarm.runbook.path).toBe(`runbooks/${page}`);
    },
  );

  it('links only runbook pages and headings that exist in runbooks/', () => {
    // Prepare
    const pages = new Set(plan.alarms.map((a) => a.runbook.path.split('#')[0] ?? ''));

    // Act
    const problems = checkRunbookLinks(plan, PROJECT_ROOT);

    // Assess
    expect(problems).toEqual([]);
    // The check above is skipped by design while runbooks/ has no pages; once it has any, every
    // linked page must exist.
    if ([...pages].some((p) => existsSync(join(PROJECT_ROOT, p)))) {
      for (const page of pages) expect(existsSync(join(PROJECT_ROOT, page))).toBe(true);
    }
  });
});
