import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_WIDGET_LIMIT,
  dashboardRows,
  HandoffDashboard,
} from '../../lib/infra/handoff-dashboard.js';
import { buildPlan } from '../../lib/plan/build.js';
import { exampleEstate } from '../helpers/estate.js';
import { flat, resources, synth } from './synth.js';

const stage = synth();
const { plan } = stage;
const core = stage.template(plan.stacks[0]?.name ?? '');
const functionId = (name: string) =>
  (resources(core, 'AWS::Lambda::Function').find(([, p]) => p.FunctionName === name) ??
    expect.unreachable(`no function ${name}`))[0];

describe('status API', () => {
  it('has exactly its routes, every one IAM-authorised', () => {
    // Act
    const routes = resources(core, 'AWS::ApiGatewayV2::Route');

    // Assess
    expect(routes.map(([, p]) => p.RouteKey).sort()).toEqual(
      ['GET /', 'GET /assets/{proxy+}', 'GET /v1/{proxy+}', 'POST /v1/incidents/{id}/notes'].sort(),
    );
    for (const [, route] of routes) expect(route.AuthorizationType).toBe('AWS_IAM');
  });

  it('sends every route to the status-api function', () => {
    const integrations = resources(core, 'AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(1);
    expect(integrations[0]?.[1]).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [functionId('handoff-dev-platform-status-api'), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
  });

  it('logs access without personal data and throttles by default', () => {
    // Act
    const [, stageProps] = resources(core, 'AWS::ApiGatewayV2::Stage')[0] ?? expect.unreachable();
    const format = JSON.parse((stageProps.AccessLogSettings as { Format: string }).Format) as Record<
      string,
      string
    >;

    // Assess
    expect(stageProps).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
    });
    expect(format).toMatchObject({ caller: '$context.identity.userArn', routeKey: '$context.routeKey' });
    expect(Object.values(format)).not.toContain('$context.identity.sourceIp');
    core.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/apigateway/handoff-dev-status',
      RetentionInDays: 365,
    });
  });

  it('outputs the two execute-api ARNs operators grant: reads, and incident notes', () => {
    const outputs = core.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(flat(outputs.StatusApiReadArn?.Value)).toMatch(
      /:execute-api:.*:<StatusApi\w+>\/\$default\/GET\/\*$/,
    );
    expect(flat(outputs.StatusApiNotesArn?.Value)).toMatch(
      /:execute-api:.*:<StatusApi\w+>\/\$default\/POST\/v1\/incidents\/\*\/notes$/,
    );
  });
});

describe('platform rules', () => {
  it('runs the staleness checker on the planned schedule', () => {
    // Prepare
    const schedule = plan.schedules[0] ?? expect.unreachable();

    // Act
    const [, rule] =
      resources(core, 'AWS::Events::Rule').find(([, p]) => p.Name === schedule.ruleName) ??
      expect.unreachable();

    // Assess
    expect(rule.ScheduleExpression).toBe(`rate(${schedule.rateSeconds / 60} minutes)`);
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [functionId(schedule.functionName), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: schedule.rateSeconds },
      }),
    ]);
  });

  it('feeds alarm state changes from the default bus to the incidents function', () => {
    const route = plan.internalRoutes.find((r) => r.id === 'alarm-state-changes') ?? expect.unreachable();
    const [, rule] =
      resources(core, 'AWS::Events::Rule').find(([, p]) => p.Name === route.ruleName) ?? expect.unreachable();
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern).toEqual(route.pattern);
    expect(rule.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [functionId(route.functionName), 'Arn'] } }),
    ]);
  });

  it("feeds recoveries on handoff's bus to the redrive function", () => {
    const route = plan.internalRoutes.find((r) => r.id === 'contract-recovered') ?? expect.unreachable();
    core.hasResourceProperties('AWS::Events::Rule', {
      Name: route.ruleName,
      EventBusName: { Ref: Match.stringLikeRegexp('^Bus') },
      EventPattern: route.pattern,
    });
  });
});

describe('ownership is written on every deploy that changes the contracts', () => {
  it('passes the fingerprint to a custom resource served by the ownership function', () => {
    // Act
    const [, resource] = resources(core, 'Custom::HandoffOwnership')[0] ?? expect.unreachable();
    const [, provider] =
      resources(core, 'AWS::Lambda::Function').find(([, p]) =>
        String(p.Description).includes('resource provider framework'),
      ) ?? expect.unreachable();

    // Assess
    expect(resource).toMatchObject({ fingerprint: plan.fingerprint, stage: 'dev' });
    expect(flat((provider.Environment as { Variables: Record<string, unknown> }).Variables)).toContain(
      functionId('handoff-dev-platform-ownership'),
    );
  });

  it('changes the resource when a contract changes', () => {
    // Prepare
    const estate = exampleEstate();
    const first = estate.contracts[0] ?? expect.unreachable();
    first.customerImpact = `${first.customerImpact} (edited)`;
    const changed = synth({ plan: buildPlan(estate, { stage: 'dev', runbookBaseUrl: plan.runbookBaseUrl }) });

    // Act
    const [, resource] =
      resources(changed.template(plan.stacks[0]?.name ?? ''), 'Custom::HandoffOwnership')[0] ??
      expect.unreachable();

    // Assess
    expect(resource.fingerprint).not.toBe(plan.fingerprint);
    expect(resource.fingerprint).toBe(changed.plan.fingerprint);
  });
});

describe('dashboard', () => {
  it('lays out a header, then each tier with its dead letters, then a row per contract', () => {
    // Act
    const [, dashboard] = resources(core, 'AWS::CloudWatch::Dashboard')[0] ?? expect.unreachable();
    const body = flat(dashboard.DashboardBody);

    // Assess
    expect(dashboard.DashboardName).toBe('handoff-dev');
    const rowsOf = (tier: string) =>
      (plan.tiers.find((t) => t.name === tier)?.contracts ?? []).map((c) => `${c}: outcomes`);
    const order = [
      '# handoff dev',
      '## critical tier',
      ...rowsOf('critical'),
      '## standard tier',
      ...rowsOf('standard'),
      '## best-effort tier',
      ...rowsOf('best-effort'),
    ].map((text) => body.indexOf(text));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const queue of plan.queues) expect(body).toContain(queue.name);
  });

  it('continues on another dashboard past the widget limit', () => {
    // Prepare
    const stack = new Stack(new App(), 'Dashboards');
    const rows = dashboardRows(plan).flat().length;

    // Act
    const dashboards = new HandoffDashboard(stack, 'Dashboard', { plan, maxWidgetsPerDashboard: 10 });

    // Assess
    expect(rows).toBe(1 + 2 * 3 + 3 * plan.contracts.length);
    expect(dashboards.dashboards.length).toBeGreaterThan(1);
    const names = resources(Template.fromStack(stack), 'AWS::CloudWatch::Dashboard').map(
      ([, p]) => p.DashboardName,
    );
    expect(names).toEqual(['handoff-dev', ...names.slice(1).map((_n, i) => `handoff-dev-${i + 2}`)]);
    expect(DASHBOARD_WIDGET_LIMIT).toBe(500);
  });
});

describe('inbound webhooks', () => {
  it("give each system's receiver, and nothing else, a public URL", () => {
    // Act
    const urls = resources(core, 'AWS::Lambda::Url');

    // Assess
    expect(urls.map(([, p]) => flat(p.TargetFunctionArn)).sort()).toEqual(
      plan.webhooks.map((w) => `<${functionId(w.functionName)}.Arn>`).sort(),
    );
    expect(urls.length).toBeGreaterThan(0);
    for (const [, url] of urls) expect(url.AuthType).toBe('NONE');
    for (const { stack, template } of stage.all()) {
      if (stack !== stage.stage.core) template.resourceCountIs('AWS::Lambda::Url', 0);
    }
  });
});

describe('outputs', () => {
  it('names the bus, the API, the queues, the tables and the topics', () => {
    expect(Object.keys(core.toJSON().Outputs).sort()).toEqual(
      [
        'BusArn',
        'BusName',
        'DashboardName',
        'DeadLetterQueueBestEffortUrl',
        'DeadLetterQueueCriticalUrl',
        'DeadLetterQueueStandardUrl',
        'DigestTopicArn',
        'OperationsTableName',
        'PageTopicArn',
        'StatusApiNotesArn',
        'StatusApiReadArn',
        'StatusApiUrl',
        'SyncStateTableName',
        'TicketTopicArn',
        ...plan.webhooks.map((w) => `Webhook${w.systemId.charAt(0).toUpperCase()}${w.systemId.slice(1)}Url`),
      ].sort(),
    );
  });
});
