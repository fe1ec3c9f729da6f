import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { examplePlan } from '../helpers/estate.js';
import { resources, synth } from './synth.js';

const dev = synth();
const prod = synth({ plan: examplePlan({ stage: 'prod' }) });
const coreOf = (s: typeof dev) => s.template(s.plan.stacks[0]?.name ?? '');

describe('state tables', () => {
  it.each(['syncState', 'operations'] as const)('%s has the keys and indexes the plan declares', (id) => {
    // Prepare
    const table = dev.plan.tables[id];

    // Act
    const [, props] =
      resources(coreOf(dev), 'AWS::DynamoDB::Table').find(([, p]) => p.TableName === table.name) ??
      expect.unreachable(`no table ${table.name}`);

    // Assess
    expect(props.KeySchema).toEqual([
      { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(props.GlobalSecondaryIndexes).toEqual(
      table.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    expect(props).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: false,
    });
  });

  it('protects prod tables from deletion, by the API and by the stack', () => {
    const tables = coreOf(prod).findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(2);
    for (const table of Object.values(tables)) {
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });

  it('lets a dev stage be torn down', () => {
    for (const table of Object.values(coreOf(dev).findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Delete');
    }
  });
});

describe('dead-letter queues', () => {
  it('has one encrypted queue per tier, keeping messages 14 days', () => {
    for (const queue of dev.plan.queues) {
      coreOf(dev).hasResourceProperties('AWS::SQS::Queue', {
        QueueName: queue.name,
        MessageRetentionPeriod: 14 * 86_400,
        VisibilityTimeout: queue.visibilityTimeoutSeconds,
        SqsManagedSseEnabled: true,
      });
    }
    coreOf(dev).resourceCountIs('AWS::SQS::Queue', dev.plan.tiers.length);
  });

  it('refuses every request that does not use TLS', () => {
    const policies = resources(coreOf(dev), 'AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(dev.plan.queues.length);
    for (const [, policy] of policies) {
      expect((policy.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('keeps prod dead letters when the stack is deleted', () => {
    for (const queue of Object.values(coreOf(prod).findResources('AWS::SQS::Queue'))) {
      expect(queue.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('alarm topics', () => {
  it('encrypts every topic with a rotating customer-managed key CloudWatch may use', () => {
    // Act
    const keys = resources(coreOf(dev), 'AWS::KMS::Key');

    // Assess
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0] ?? expect.unreachable();
    expect(key.EnableKeyRotation).toBe(true);
    expect((key.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: expect.objectContaining({
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        }),
      }),
    );
    for (const topic of dev.plan.topics) {
      coreOf(dev).hasResourceProperties('AWS::SNS::Topic', {
        TopicName: topic.name,
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    }
  });

  it('refuses publishing without TLS and lets only this stage’s alarms publish', () => {
    const policies = resources(coreOf(dev), 'AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(dev.plan.topics.length);
    for (const [, policy] of policies) {
      const statements = (policy.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      const allow = statements.find((s) => s.Effect === 'Allow') ?? expect.unreachable();
      expect(allow).toMatchObject({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
      });
      expect(JSON.stringify(allow.Condition)).toContain(':alarm:handoff-dev-*');
    }
  });
});

describe('the bus', () => {
  it('is the stage’s own custom bus', () => {
    coreOf(dev).hasResourceProperties('AWS::Events::EventBus', { Name: 'handoff-dev' });
    coreOf(prod).hasResourceProperties('AWS::Events::EventBus', { Name: 'handoff-prod' });
  });

  it('archives the tiers whose policy keeps events for replay, and no other', () => {
    // Prepare
    const archived = dev.plan.tiers.filter((t) => t.archiveRetentionDays > 0 && t.contracts.length > 0);

    // Act
    const archives = resources(coreOf(dev), 'AWS::Events::Archive');

    // Assess
    expect(archives.map(([, p]) => p.ArchiveName).sort()).toEqual(
      archived.map((t) => `handoff-dev-${t.name}`).sort(),
    );
    for (const archive of dev.plan.bus.archives) {
      coreOf(dev).hasResourceProperties('AWS::Events::Archive', {
        ArchiveName: archive.name,
        RetentionDays: archive.retentionDays,
        EventPattern: archive.pattern,
        SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Bus'), 'Arn'] },
      });
    }
    expect(archives.map(([, p]) => p.ArchiveName)).not.toContain('handoff-dev-best-effort');
  });
});

describe('prod stacks', () => {
  it('turn on termination protection; dev stacks do not', () => {
    for (const stack of [prod.stage.core, ...prod.stage.contracts])
      expect(stack.terminationProtection).toBe(true);
    for (const stack of [dev.stage.core, ...dev.stage.contracts])
      expect(stack.terminationProtection).toBe(false);
  });
});

describe('expiry', () => {
  it('expires webhook delivery ids on the operations table only', () => {
    const tables = resources(coreOf(dev), 'AWS::DynamoDB::Table');
    const ops = tables.find(([, p]) => p.TableName === dev.plan.tables.operations.name)?.[1];
    const sync = tables.find(([, p]) => p.TableName === dev.plan.tables.syncState.name)?.[1];
    expect(ops?.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(sync?.TimeToLiveSpecification).toBeUndefined();
  });
});
