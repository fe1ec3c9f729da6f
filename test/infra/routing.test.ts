import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PlanRenderError } from '../../lib/infra/errors.js';
import { renderPlan } from '../../lib/infra/render-plan.js';
import type { TierName } from '../../lib/plan/types.js';
import { entryFor, flat, resources, synth } from './synth.js';

const stage = synth();
const { plan } = stage;
const tierOf = (name: TierName) =>
  plan.tiers.find((t) => t.name === name) ?? expect.unreachable(`no tier ${name}`);
const queueArn = (name: string) => `arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${name}`;

describe('every contract is routed from the bus to its handler', () => {
  it.each(plan.routes.map((r) => [r.contractId, r] as const))(
    '%s has its rule, pattern and target',
    (_id, route) => {
      // Prepare
      const contract = plan.contracts.find((c) => c.id === route.contractId);
      const template = stage.template(contract?.stack ?? '');

      // Act
      const rules = resources(template, 'AWS::Events::Rule').filter(([, p]) => p.Name === route.ruleName);

      // Assess
      expect(rules).toHaveLength(1);
      const [, rule] = rules[0] ?? expect.unreachable();
      expect(rule.EventBusName).toBe(plan.bus.name);
      expect(rule.EventPattern).toEqual(route.pattern);
      const targets = rule.Targets as Array<Record<string, unknown>>;
      expect(targets).toHaveLength(1);
      expect(flat(targets[0]?.Arn)).toMatch(/^<\w+\.Arn>$/);
      const fnId = flat(targets[0]?.Arn).slice(1, -'.Arn>'.length);
      expect(template.toJSON().Resources[fnId].Properties.FunctionName).toBe(route.functionName);
    },
  );

  it('lets each rule, and only its rule, invoke its function', () => {
    for (const route of plan.routes) {
      const contract = plan.contracts.find((c) => c.id === route.contractId);
      const template = stage.template(contract?.stack ?? '');
      const [ruleId] =
        resources(template, 'AWS::Events::Rule').find(([, p]) => p.Name === route.ruleName) ?? [];
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      });
    }
  });
});

describe('both retry layers follow the tier and land in its one dead-letter queue', () => {
  it.each(plan.routes.map((r) => [r.contractId, r] as const))(
    '%s: EventBridge delivery retries and dead-letter queue',
    (_id, route) => {
      // Prepare
      const tier = tierOf(route.tier);
      const contract = plan.contracts.find((c) => c.id === route.contractId);
      const template = stage.template(contract?.stack ?? '');

      // Act
      const [, rule] =
        resources(template, 'AWS::Events::Rule').find(([, p]) => p.Name === route.ruleName) ?? [];
      const target = ((rule?.Targets ?? []) as Array<Record<string, unknown>>)[0] ?? {};

      // Assess
      expect(target.RetryPolicy).toEqual({
        MaximumRetryAttempts: tier.retries.eventBridge.attempts,
        MaximumEventAgeInSeconds: tier.retries.eventBridge.maxEventAgeSeconds,
      });
      expect(flat((target.DeadLetterConfig as { Arn: unknown }).Arn)).toBe(queueArn(tier.deadLetterQueue));
    },
  );

  it.each(plan.routes.map((r) => [r.contractId, r] as const))(
    '%s: failing runs retried by Lambda, then its on-failure destination',
    (_id, route) => {
      // Prepare
      const tier = tierOf(route.tier);
      const contract = plan.contracts.find((c) => c.id === route.contractId);
      const template = stage.template(contract?.stack ?? '');
      const [fnId] =
        resources(template, 'AWS::Lambda::Function').find(([, p]) => p.FunctionName === route.functionName) ??
        [];

      // Act
      const configs = resources(template, 'AWS::Lambda::EventInvokeConfig').filter(
        ([, p]) => (p.FunctionName as { Ref: string }).Ref === fnId,
      );

      // Assess
      expect(configs).toHaveLength(1);
      const [, config] = configs[0] ?? expect.unreachable();
      expect(config.MaximumRetryAttempts).toBe(tier.retries.lambda.attempts);
      expect(config.MaximumEventAgeInSeconds).toBe(tier.retries.lambda.maxEventAgeSeconds);
      expect(
        flat((config.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination),
      ).toBe(queueArn(tier.deadLetterQueue));
    },
  );

  it('renders critical and best-effort as differently as their tiers say', () => {
    // Prepare
    const critical = plan.routes.find((r) => r.tier === 'critical') ?? expect.unreachable();
    const bestEffort = plan.routes.find((r) => r.tier === 'best-effort') ?? expect.unreachable();
    const rendered = (route: typeof critical) => {
      const contract = plan.contracts.find((c) => c.id === route.contractId);
      const template = stage.template(contract?.stack ?? '');
      const [, rule] =
        resources(template, 'AWS::Events::Rule').find(([, p]) => p.Name === route.ruleName) ?? [];
      const [fnId] =
        resources(template, 'AWS::Lambda::Function').find(([, p]) => p.FunctionName === route.functionName) ??
        [];
      const [, config] =
        resources(template, 'AWS::Lambda::EventInvokeConfig').find(
          ([, p]) => (p.FunctionName as { Ref: string }).Ref === fnId,
        ) ?? [];
      const target = ((rule?.Targets ?? []) as Array<Record<string, unknown>>)[0] ?? {};
      return {
        delivery: target.RetryPolicy,
        queue: flat((target.DeadLetterConfig as { Arn: unknown }).Arn),
        runRetries: config?.MaximumRetryAttempts,
        runAge: config?.MaximumEventAgeInSeconds,
      };
    };

    // Act
    const a = rendered(critical);
    const b = rendered(bestEffort);

    // Assess
    expect(a).toEqual({
      delivery: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
      queue: queueArn('handoff-dev-dlq-critical'),
      runRetries: 2,
      runAge: 21_600,
    });
    expect(b).toEqual({
      delivery: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 900 },
      queue: queueArn('handoff-dev-dlq-best-effort'),
      runRetries: 0,
      runAge: 300,
    });
  });

  it("lets EventBridge put undeliverable events in each tier's queue only for this stage's rules", () => {
    // Prepare
    const core = stage.template(plan.stacks[0]?.name ?? '');

    // Act
    const policies = resources(core, 'AWS::SQS::QueuePolicy');

    // Assess
    expect(policies).toHaveLength(plan.queues.length);
    for (const [, policy] of policies) {
      const statements = (policy.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
      const allow = statements.find((s) => s.Effect === 'Allow') ?? expect.unreachable();
      expect(allow.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(allow.Action).toBe('sqs:SendMessage');
      const source = flat((allow.Condition as { ArnLike: Record<string, unknown> }).ArnLike['aws:SourceArn']);
      expect(source).toBe(
        `arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/handoff-dev/handoff-dev-*`,
      );
      expect(allow.Condition).toMatchObject({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      });
    }
    // Every contract rule's ARN falls under that pattern.
    for (const route of plan.routes)
      expect(`rule/${route.busName}/${route.ruleName}`).toMatch(/^rule\/handoff-dev\/handoff-dev-/);
  });
});

describe('stacks share resources by name, not by exports', () => {
  it('uses no CloudFormation exports or imports', () => {
    for (const { template } of stage.all()) {
      const json = JSON.stringify(template.toJSON());
      expect(json).not.toContain('Fn::ImportValue');
      const outputs = Object.values<Record<string, unknown>>(template.toJSON().Outputs ?? {});
      expect(outputs.filter((o) => 'Export' in o)).toEqual([]);
    }
  });

  it('deploys every contracts stack after the core', () => {
    for (const stack of stage.stage.contracts) expect(stack.dependencies).toContain(stage.stage.core);
  });

  it('puts each contract in the stack its group names, with the core holding none', () => {
    for (const group of plan.stacks.filter((s) => s.kind === 'contracts')) {
      const names = resources(stage.template(group.name), 'AWS::Lambda::Function').map(
        ([, p]) => p.FunctionName,
      );
      expect(names.sort()).toEqual(group.contracts.map((id) => `handoff-dev-${id}`).sort());
    }
    stage
      .template(plan.stacks[0]?.name ?? '')
      .resourcePropertiesCountIs(
        'AWS::Events::Rule',
        { Name: Match.stringLikeRegexp('^handoff-dev-(?!platform-)') },
        0,
      );
  });
});

describe('a plan outside what AWS accepts fails synth with its name', () => {
  it('refuses retry settings EventBridge or Lambda would reject', () => {
    // Prepare
    const route = plan.routes[0] ?? expect.unreachable();
    const broken = {
      ...plan,
      routes: plan.routes.map((r) =>
        r === route ? { ...r, retry: { attempts: 200, maxEventAgeSeconds: 30 } } : r,
      ),
      functions: plan.functions.map((f) =>
        f.name === route.functionName && f.async
          ? { ...f, async: { ...f.async, retry: { attempts: 3, maxEventAgeSeconds: 60 } } }
          : f,
      ),
    };

    // Act
    const act = () =>
      renderPlan(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), broken, { entryFor });

    // Assess
    expect(act).toThrow(PlanRenderError);
    expect(act).toThrow(
      [
        'the plan has 3 settings AWS would reject:',
        `  - route ${route.ruleName}: retry attempts 200 is outside EventBridge's 0-185`,
        `  - route ${route.ruleName}: max event age 30s is outside EventBridge's 60s-24h`,
        `  - function ${route.functionName}: async retry attempts 3 is outside Lambda's 0-2`,
      ].join('\n'),
    );
  });
});
