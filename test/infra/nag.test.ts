/**
 * cdk-nag AwsSolutions: the examples have no unacknowledged findings, and each acknowledgement is
 * narrow. For each rule handoff acknowledges or satisfies, one non-compliant resource (what the rule
 * catches) next to handoff's construct (which passes) in the same stack: a stack-wide
 * acknowledgement would silence both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { AlarmTopics } from '../../lib/infra/alarm-topics.js';
import { ImportedCoreResources } from '../../lib/infra/core-resources.js';
import { DeadLetterQueues } from '../../lib/infra/dead-letter-queues.js';
import { HandoffFunction } from '../../lib/infra/handoff-function.js';
import { OwnershipSync } from '../../lib/infra/ownership-sync.js';
import { renderPlan } from '../../lib/infra/render-plan.js';
import { StateTables } from '../../lib/infra/state-tables.js';
import { StatusApi } from '../../lib/infra/status-api.js';
import type { FunctionPlan } from '../../lib/plan/types.js';
import { examplePlan } from '../helpers/estate.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { EXAMPLE_ENDPOINTS, entryFor, FIXTURE_ENTRY, synth } from './synth.js';

const plan = examplePlan();

/** Findings as "rule @ construct path". */
function findings(scope: App | Stack): string[] {
  return new AwsSolutionsChecks()
    .validateScope(scope)
    .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`))
    .sort();
}

function testStack(): Stack {
  return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Nag');
}

const fnPlan = (kind: FunctionPlan['kind']): FunctionPlan =>
  plan.functions.find((f) => f.kind === kind) ?? expect.unreachable(`no ${kind} function`);

describe('the examples', () => {
  it.each(['dev', 'prod'])('have no unacknowledged finding in %s', (stageName) => {
    // Prepare
    const { app } = synth({ plan: examplePlan({ stage: stageName }) });

    // Act
    const found = findings(app);

    // Assess
    expect(found).toEqual([]);
  });

  it('synthesise like `cdk synth` does: nag registered once, built-in validation on, nothing reported', {
    timeout: 120_000,
  }, () => {
    // Prepare: the project's own cdk.json context, as the CDK CLI passes it.
    const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    renderPlan(app, plan, {
      endpoints: EXAMPLE_ENDPOINTS,
      alarmSubscriptions: {
        page: [{ kind: 'https', endpoint: 'https://events.pagerduty.com/x' }],
        ticket: [{ kind: 'email', endpoint: 'team@example.com' }],
        digest: [{ kind: 'email', endpoint: 'digest@example.com' }],
      },
      entryFor,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const assembly = app.synth();

    // Assess
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; violations?: unknown[] }>;
    };
    expect(report.pluginReports.flatMap((r) => (r.violations ?? []).map(() => r.pluginName))).toEqual([]);
  });
});

describe('acknowledged: a dead-letter queue has no dead-letter queue (AwsSolutions-SQS3)', () => {
  it('flags a plain queue, not the tier queues beside it', () => {
    // Prepare
    const stack = testStack();
    new DeadLetterQueues(stack, 'Tiers', { plan });
    new sqs.Queue(stack, 'Plain', { enforceSSL: true });

    // Act
    const found = findings(stack);

    // Assess
    expect(found).toEqual(['AwsSolutions-SQS3 @ Nag/Plain/Resource']);
  });
});

describe('satisfied: encryption and TLS on queues, topics and tables', () => {
  it('flags plain resources without them, not handoff’s', () => {
    // Prepare
    const stack = testStack();
    new DeadLetterQueues(stack, 'Tiers', { plan });
    new AlarmTopics(stack, 'Topics', { plan });
    new StateTables(stack, 'Tables', { plan });
    const queue = new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'not what this test is about' });
    new sns.Topic(stack, 'PlainTopic');
    new dynamodb.Table(stack, 'PlainTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });

    // Act
    const found = findings(stack);

    // Assess
    expect(found).toEqual(
      [
        'AwsSolutions-SQS2 @ Nag/PlainQueue/Resource',
        'AwsSolutions-SQS4 @ Nag/PlainQueue/Resource',
        'AwsSolutions-SNS3 @ Nag/PlainTopic/Resource',
        'AwsSolutions-DDB3 @ Nag/PlainTable/Resource',
      ].sort(),
    );
  });
});

describe('satisfied: functions get their own least-privilege role (AwsSolutions-IAM4)', () => {
  it('flags a function on the AWSLambdaBasicExecutionRole managed policy, not handoff’s', () => {
    // Prepare
    const stack = testStack();
    const core = new ImportedCoreResources(stack, 'Core', { plan });
    new HandoffFunction(stack, 'Handoff', {
      fn: fnPlan('staleness'),
      plan,
      resources: core,
      entry: FIXTURE_ENTRY,
    });
    new lambda.Function(stack, 'Plain', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });

    // Act
    const found = findings(stack);

    // Assess
    expect(found).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] @ Nag/Plain/ServiceRole/Resource',
    ]);
  });
});

describe('acknowledged: cloudwatch:GetMetricData needs Resource * (AwsSolutions-IAM5)', () => {
  it('flags a plain role with a wildcard, not a function whose plan reads metrics', () => {
    // Prepare
    const stack = testStack();
    const core = new ImportedCoreResources(stack, 'Core', { plan });
    const reader: FunctionPlan = { ...fnPlan('staleness'), access: [{ kind: 'cloudwatch-read' }] };
    new HandoffFunction(stack, 'Reader', { fn: reader, plan, resources: core, entry: FIXTURE_ENTRY });
    const role = new iam.Role(stack, 'PlainRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
    );

    // Act
    const found = findings(stack);

    // Assess
    expect(found).toEqual(['AwsSolutions-IAM5[Resource::*] @ Nag/PlainRole/DefaultPolicy/Resource']);
  });
});

describe('acknowledged: the provider framework invokes function versions (IAM5); own role (IAM4)', () => {
  it('flags a default Provider, not the ownership provider', () => {
    // Prepare
    const stack = testStack();
    const core = new ImportedCoreResources(stack, 'Core', { plan });
    const ownership = new HandoffFunction(stack, 'Ownership', {
      fn: fnPlan('ownership'),
      plan,
      resources: core,
      entry: FIXTURE_ENTRY,
    });
    new OwnershipSync(stack, 'Sync', {
      handler: ownership.function,
      fingerprint: plan.fingerprint,
      stage: plan.stage,
      prefix: plan.prefix,
    });
    new cr.Provider(stack, 'PlainProvider', { onEventHandler: ownership.function });

    // Act
    const found = findings(stack);

    // Assess
    expect(found).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] @ Nag/PlainProvider/framework-onEvent/ServiceRole/Resource',
      expect.stringMatching(
        /^AwsSolutions-IAM5\[Resource::<OwnershipFunction\w+\.Arn>:\*\] @ Nag\/PlainProvider\/framework-onEvent\/ServiceRole\/DefaultPolicy\/Resource$/,
      ),
    ]);
  });
});

describe('satisfied: the status API is authorised and logged (APIG1, APIG4)', () => {
  it('flags an open, unlogged API, not the status API', () => {
    // Prepare
    const stack = testStack();
    const core = new ImportedCoreResources(stack, 'Core', { plan });
    const handler = new HandoffFunction(stack, 'Status', {
      fn: fnPlan('status-api'),
      plan,
      resources: core,
      entry: FIXTURE_ENTRY,
    }).function;
    new StatusApi(stack, 'StatusApi', { apiName: 'handoff-dev-status', handler });
    const open = new apigw.HttpApi(stack, 'OpenApi');
    open.addRoutes({
      path: '/x',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('X', handler),
    });

    // Act
    const found = findings(stack);

    // Assess
    expect(found).toEqual([
      'AwsSolutions-APIG1 @ Nag/OpenApi/DefaultStage/Resource',
      'AwsSolutions-APIG4 @ Nag/OpenApi/GET--x/Resource',
    ]);
  });
});
