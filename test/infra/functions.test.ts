import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, PlanRenderError } from '../../lib/infra/errors.js';
import { QUEUE_ACTIONS } from '../../lib/infra/function-access.js';
import { withDestinationGrant } from '../../lib/infra/handoff-function.js';
import { renderPlan } from '../../lib/infra/render-plan.js';
import type { FunctionPlan } from '../../lib/plan/types.js';
import { examplePlan } from '../helpers/estate.js';
import { EXAMPLE_ENDPOINTS, flat, resources, synth } from './synth.js';

const stage = synth();
const { plan } = stage;

interface Rendered {
  template: Template;
  fnId: string;
  fn: Record<string, unknown>;
  statements: Array<{ Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> }>;
  roleId: string;
}

/** A planned function as rendered: the function, its role and every statement the role holds. */
function rendered(s: typeof stage, fn: FunctionPlan): Rendered {
  const template = s.template(fn.stack);
  const [fnId, props] =
    resources(template, 'AWS::Lambda::Function').find(([, p]) => p.FunctionName === fn.name) ??
    expect.unreachable(`no function ${fn.name}`);
  const [roleId] = (props.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'];
  const policies = resources(template, 'AWS::IAM::Policy').filter(([, p]) =>
    (p.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId),
  );
  const statements = policies.flatMap(
    ([, p]) => (p.PolicyDocument as { Statement: Rendered['statements'] }).Statement,
  );
  return { template, fnId, fn: props, statements, roleId: roleId ?? '' };
}

const actionsOf = (statements: Rendered['statements']) =>
  new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));

/** What the plan's access list allows, as IAM actions. */
function plannedActions(fn: FunctionPlan, withExternalBus: boolean): Set<string> {
  const actions = new Set(['logs:CreateLogStream', 'logs:PutLogEvents']);
  for (const a of withDestinationGrant(fn)) {
    if (a.kind === 'table') for (const x of a.actions) actions.add(`dynamodb:${x}`);
    if (a.kind === 'queue') for (const x of a.actions) actions.add(QUEUE_ACTIONS[x]);
    if (a.kind === 'secret') actions.add('secretsmanager:GetSecretValue');
    if (a.kind === 'bus' || (a.kind === 'external-bus' && withExternalBus)) actions.add('events:PutEvents');
    if (a.kind === 'cloudwatch-read') actions.add('cloudwatch:GetMetricData');
  }
  return actions;
}

describe('every function is built the same way', () => {
  it.each(plan.functions.map((f) => [f.name, f] as const))(
    '%s: runtime, architecture, size, logs',
    (_name, fn) => {
      // Act
      const { template, fn: props } = rendered(stage, fn);

      // Assess
      expect(props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: fn.memoryMb,
        Timeout: fn.timeoutSeconds,
        Description: fn.description,
      });
      const logGroupId = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logGroup = template.toJSON().Resources[logGroupId];
      expect(logGroup.Properties).toMatchObject({
        LogGroupName: `/aws/lambda/${fn.name}`,
        RetentionInDays: 30,
      });
      expect(logGroup.DeletionPolicy).toBe('Delete');
    },
  );

  it('keeps logs longer, and after removal, in prod', () => {
    // Prepare
    const prod = synth({ plan: examplePlan({ stage: 'prod' }) });
    const fn = prod.plan.functions[0] ?? expect.unreachable();

    // Act
    const { template, fn: props } = rendered(prod, fn);

    // Assess
    const logGroup =
      template.toJSON().Resources[(props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref];
    expect(logGroup.Properties.RetentionInDays).toBe(90);
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });
});

describe('environment comes from the plan', () => {
  it('resolves literals, tables, queues, the bus and endpoints', () => {
    // Prepare
    const sync =
      plan.functions.find((f) => f.contractId === 'crm-customer-to-helpdesk') ?? expect.unreachable();

    // Act
    const env = (rendered(stage, sync).fn.Environment as { Variables: Record<string, unknown> }).Variables;

    // Assess
    expect(env).toMatchObject({
      HANDOFF_STAGE: 'dev',
      HANDOFF_CONTRACT_ID: 'crm-customer-to-helpdesk',
      POWERTOOLS_METRICS_NAMESPACE: 'Handoff/dev',
      SYNC_TABLE_NAME: 'handoff-dev-sync-state',
      HANDOFF_BUS_NAME: 'handoff-dev',
      HELPDESK_API_URL: 'https://helpdesk.example.com',
    });
    expect(flat(env.DEAD_LETTER_QUEUE_URL)).toBe(
      'https://sqs.<AWS::Region>.<AWS::URLSuffix>/<AWS::AccountId>/handoff-dev-dlq-critical',
    );
    expect(Object.keys(env).sort()).toEqual(Object.keys(sync.environment).sort());
  });

  it('refers to the core resources it creates in the core stack', () => {
    const statusApi = plan.functions.find((f) => f.kind === 'status-api') ?? expect.unreachable();
    const env = (rendered(stage, statusApi).fn.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env.SYNC_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^TablesSyncState/) });
    expect(env.DEAD_LETTER_QUEUE_URL_BEST_EFFORT).toEqual({
      Ref: expect.stringMatching(/^DeadLetterQueuesbesteffort/),
    });
  });

  it('leaves out a missing endpoint, still synthesises, and warns on that function', () => {
    // Prepare
    const { CRM_API_URL: _dropped, ...rest } = EXAMPLE_ENDPOINTS;

    // Act
    const without = synth({ endpoints: rest });

    // Assess
    const sync =
      plan.functions.find((f) => f.contractId === 'billing-invoice-to-crm') ?? expect.unreachable();
    const env = (rendered(without, sync).fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).not.toHaveProperty('CRM_API_URL');
    const warnings = without.warnings(sync.stack);
    expect(warnings.filter((w) => w.includes('CRM_API_URL') && w.includes('config failures'))).toHaveLength(
      plan.functions.filter((f) => f.stack === sync.stack && 'CRM_API_URL' in f.environment).length,
    );
  });

  it('refuses unusable endpoint values, naming each', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const endpoints = {
      ...EXAMPLE_ENDPOINTS,
      CRM_API_URL: 'http://crm.example.com',
      ANALYTICS_BUS_ARN: 'analytics',
    };

    // Act
    const act = () => renderPlan(app, plan, { endpoints });

    // Assess
    expect(act).toThrow(ConfigurationError);
    try {
      act();
    } catch (error) {
      const problems = (error as ConfigurationError).problems;
      expect(problems.some((p) => p.includes('endpoints.CRM_API_URL') && p.includes('https://'))).toBe(true);
      expect(problems.some((p) => p.includes('endpoints.ANALYTICS_BUS_ARN') && p.includes('bus ARN'))).toBe(
        true,
      );
    }
  });

  it('names every missing Lambda entry at once', () => {
    const empty = mkdtempSync(join(tmpdir(), 'handoff-no-lambdas-'));
    expect(() => renderPlan(new App(), plan, { projectRoot: empty })).toThrow(
      new PlanRenderError(
        `Lambda entries not found under ${empty}: ${[...new Set(plan.functions.map((f) => f.entry))].sort().join(', ')}`,
      ),
    );
  });
});

describe('each function may touch only what it needs', () => {
  it.each(plan.functions.map((f) => [f.name, f] as const))(
    '%s holds exactly its planned actions',
    (_name, fn) => {
      // Act
      const { statements, template, roleId } = rendered(stage, fn);

      // Assess
      expect(actionsOf(statements)).toEqual(plannedActions(fn, true));
      expect(statements.filter((s) => s.Resource === '*' || flat(s.Resource).endsWith(':*:*'))).toEqual([]);
      const role = template.toJSON().Resources[roleId];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    },
  );

  it('writes logs only to its own log group', () => {
    for (const fn of plan.functions) {
      const { statements, fn: props } = rendered(stage, fn);
      const logs = statements.filter((s) => actionsOf([s]).has('logs:PutLogEvents'));
      const logGroupId = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(logs.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]);
    }
  });

  it('reads indexes only where it queries, and only the named ones', () => {
    for (const fn of plan.functions) {
      // Prepare
      const { statements, template } = rendered(stage, fn);
      const tableResources = template.toJSON().Resources as Record<
        string,
        { Properties: { TableName?: string } }
      >;
      /** "<table name>/index/<index>" whether the table is created here (GetAtt) or imported (ARN). */
      const named = (resource: string) =>
        resource
          .replace(/^<(\w+)\.Arn>/, (_m, id: string) => tableResources[id]?.Properties.TableName ?? id)
          .replace(/^.*:table\//, '');

      // Act
      const indexStatements = statements.filter((x) => flat(x.Resource).includes('/index/'));
      const indexes = indexStatements.flatMap((x) =>
        (Array.isArray(x.Resource) ? x.Resource : [x.Resource]).map((r) => named(flat(r))),
      );

      // Assess
      const expected = fn.access.flatMap((a) =>
        a.kind === 'table' && a.actions.includes('Query')
          ? plan.tables[a.table].indexes.map((i) => `${plan.tables[a.table].name}/index/${i.name}`)
          : [],
      );
      expect([...new Set(indexes)].sort()).toEqual([...new Set(expected)].sort());
      for (const x of indexStatements) expect(x.Action).toBe('dynamodb:Query');
    }
  });

  it('limits the status API to incident items when it writes', () => {
    // Prepare
    const fn = plan.functions.find((f) => f.kind === 'status-api') ?? expect.unreachable();

    // Act
    const writes = rendered(stage, fn).statements.filter((s) => actionsOf([s]).has('dynamodb:UpdateItem'));

    // Assess
    expect(writes).toHaveLength(1);
    expect(writes[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['INCIDENT#*'] },
    });
    expect(flat(writes[0]?.Resource)).not.toContain('/index/');
  });

  it('limits ownership writes to ownership items', () => {
    const fn = plan.functions.find((f) => f.kind === 'ownership') ?? expect.unreachable();
    const writes = rendered(stage, fn).statements.filter((s) => actionsOf([s]).has('dynamodb:PutItem'));
    expect(writes.map((s) => s.Condition)).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SYSTEM#*', 'TEAM#*', 'CONTRACT#*'] } },
    ]);
  });

  it("reads only its contract's secret", () => {
    const fn =
      plan.functions.find((f) => f.contractId === 'crm-customer-to-helpdesk') ?? expect.unreachable();
    const secrets = rendered(stage, fn).statements.filter((s) =>
      actionsOf([s]).has('secretsmanager:GetSecretValue'),
    );
    expect(secrets.map((s) => flat(s.Resource))).toEqual([
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:handoff/helpdesk/api-token-??????',
    ]);
  });

  it('puts events on a target bus only when its ARN is known, and warns otherwise', () => {
    // Prepare
    const fn =
      plan.functions.find((f) => f.contractId === 'helpdesk-csat-to-analytics') ?? expect.unreachable();
    const { ANALYTICS_BUS_ARN: _dropped, ...rest } = EXAMPLE_ENDPOINTS;
    const puts = (s: typeof stage) =>
      rendered(s, fn)
        .statements.filter((x) => actionsOf([x]).has('events:PutEvents'))
        .flatMap((x) => (Array.isArray(x.Resource) ? x.Resource : [x.Resource]).map(flat))
        .sort();

    // Act
    const known = puts(stage);
    const without = synth({ endpoints: rest });
    const unknown = puts(without);

    // Assess
    const ownBus = 'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/handoff-dev';
    expect(known).toEqual([EXAMPLE_ENDPOINTS.ANALYTICS_BUS_ARN, ownBus].sort());
    expect(unknown).toEqual([ownBus]);
    expect(
      without.warnings(fn.stack).some((w) => w.includes('no events:PutEvents permission was granted')),
    ).toBe(true);
  });
});

describe('reserved concurrency', () => {
  it('runs one redrive at a time, and leaves the other functions uncapped', () => {
    const redrive =
      plan.functions.find((f) => f.kind === 'redrive') ?? expect.unreachable('no redrive function');
    expect(rendered(stage, redrive).fn.ReservedConcurrentExecutions).toBe(1);
    const sync = plan.functions.find((f) => f.kind === 'sync') ?? expect.unreachable('no sync function');
    expect(rendered(stage, sync).fn.ReservedConcurrentExecutions).toBeUndefined();
  });
});
