import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOwnershipHandler } from '../../lambdas/ownership/handler.js';
import { syncOwnership } from '../../lambdas/ownership/sync.js';
import { type RuntimePlan, runtimePlanFor } from '../../lib/plan/runtime.js';
import type { Plan } from '../../lib/plan/types.js';
import { startDynamo, type TestDynamo } from '../helpers/dynamo.js';
import { examplePlan } from '../helpers/estate.js';
import { capturedLogger, lambdaContext } from './support/lambda.js';

let plan: Plan;
let runtime: RuntimePlan;
let dynamo: TestDynamo;
const context = lambdaContext('handoff-dev-platform-ownership');

async function items(): Promise<Array<Record<string, unknown>>> {
  const answer = await dynamo.doc.scan({ TableName: plan.tables.operations.name });
  return (answer.Items ?? []).sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
}

function cfnEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  physicalId?: string,
): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/handoff-dev-core/1',
    RequestId: 'request-1',
    LogicalResourceId: 'Ownership',
    ResourceType: 'Custom::HandoffOwnership',
    ResourceProperties: { ServiceToken: 'x', Fingerprint: runtime.fingerprint },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update')
    return {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: physicalId ?? '',
      OldResourceProperties: { ServiceToken: 'x', Fingerprint: 'old' },
    };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId ?? '' };
}

beforeAll(async () => {
  plan = examplePlan();
  runtime = runtimePlanFor(plan, { kind: 'ownership' });
  dynamo = await startDynamo(plan.tables);
});
afterAll(async () => dynamo.close());
beforeEach(async () => {
  for (const item of await items())
    await dynamo.doc.delete({ TableName: plan.tables.operations.name, Key: { pk: item.pk, sk: item.sk } });
});

describe('ownership custom resource', () => {
  it('writes every team, system and contract of the plan on Create, with the fingerprint', async () => {
    // Prepare
    const handler = createOwnershipHandler({
      ddb: dynamo.doc,
      tableName: plan.tables.operations.name,
      plan: runtime,
      logger: capturedLogger().logger,
    });

    // Act
    const response = await handler(cfnEvent('Create'), context);

    // Assess
    expect(response).toEqual({
      PhysicalResourceId: 'handoff-dev-ownership',
      Data: { Fingerprint: runtime.fingerprint, Teams: 5, Systems: 5, Contracts: 7, Deleted: 0 },
    });
    const stored = await items();
    expect(stored).toHaveLength(5 + 5 + 7);
    expect(stored.every((i) => i.fingerprint === runtime.fingerprint)).toBe(true);
    expect(stored.find((i) => i.pk === 'CONTRACT#crm-customer-to-helpdesk')).toEqual({
      pk: 'CONTRACT#crm-customer-to-helpdesk',
      sk: 'OWNERSHIP',
      kind: 'CONTRACT',
      sortKey: 'crm-customer-to-helpdesk',
      id: 'crm-customer-to-helpdesk',
      tier: 'critical',
      owner: 'support-tools',
      escalation: ['support-tools', 'revenue-systems', 'integration-platform'],
      sourceSystem: 'crm',
      targetSystem: 'helpdesk',
      fingerprint: runtime.fingerprint,
    });
    expect(stored.find((i) => i.pk === 'TEAM#product-data')).toMatchObject({
      kind: 'TEAM',
      name: 'Product Data',
      oncallChannel: '#product-data',
    });
    expect(stored.find((i) => i.pk === 'TEAM#product-data')).not.toHaveProperty('pager');
  });

  it('removes teams, systems and contracts that left the plan on Update, and leaves incidents alone', async () => {
    // Prepare: yesterday's plan had one more contract, team and system; an incident exists.
    const yesterday: RuntimePlan = {
      ...runtime,
      fingerprint: 'yesterday',
      teams: [
        ...runtime.teams,
        { ...(runtime.teams[0] as RuntimePlan['teams'][number]), id: 'retired-team' },
      ],
      systems: [
        ...runtime.systems,
        { ...(runtime.systems[0] as RuntimePlan['systems'][number]), id: 'legacy-erp' },
      ],
      contracts: [
        ...runtime.contracts,
        { ...(runtime.contracts[0] as RuntimePlan['contracts'][number]), id: 'erp-orders-to-crm' },
      ],
    };
    await syncOwnership({ ddb: dynamo.doc, tableName: plan.tables.operations.name }, yesterday);
    await dynamo.doc.put({
      TableName: plan.tables.operations.name,
      Item: { pk: 'INCIDENT#x', sk: 'INCIDENT', kind: 'INCIDENT#open', sortKey: '2026-11-30T12:00:00Z' },
    });
    const handler = createOwnershipHandler({
      ddb: dynamo.doc,
      tableName: plan.tables.operations.name,
      plan: runtime,
      logger: capturedLogger().logger,
    });

    // Act
    const response = await handler(cfnEvent('Update', 'handoff-dev-ownership'), context);

    // Assess
    expect(response.PhysicalResourceId).toBe('handoff-dev-ownership');
    expect(response.Data?.Deleted).toBe(3);
    const stored = await items();
    expect(stored.map((i) => i.pk)).not.toEqual(
      expect.arrayContaining(['TEAM#retired-team', 'SYSTEM#legacy-erp', 'CONTRACT#erp-orders-to-crm']),
    );
    expect(
      stored.filter((i) => i.pk !== 'INCIDENT#x').every((i) => i.fingerprint === runtime.fingerprint),
    ).toBe(true);
    expect(stored.map((i) => i.pk)).toContain('INCIDENT#x');
    expect(stored).toHaveLength(5 + 5 + 7 + 1);
  });

  it('keeps the data on Delete (the table is retained with its history)', async () => {
    // Prepare
    await syncOwnership({ ddb: dynamo.doc, tableName: plan.tables.operations.name }, runtime);
    const handler = createOwnershipHandler({
      ddb: dynamo.doc,
      tableName: plan.tables.operations.name,
      plan: runtime,
      logger: capturedLogger().logger,
    });

    // Act
    const response = await handler(cfnEvent('Delete', 'handoff-dev-ownership'), context);

    // Assess
    expect(response).toEqual({ PhysicalResourceId: 'handoff-dev-ownership' });
    expect(await items()).toHaveLength(17);
  });

  it('fails the deployment with a clear reason when the table cannot be written', async () => {
    // Prepare
    const handler = createOwnershipHandler({
      ddb: dynamo.doc,
      tableName: 'handoff-dev-no-such-table',
      plan: runtime,
      logger: capturedLogger().logger,
    });

    // Act
    const error = await handler(cfnEvent('Create'), context).catch((e: Error) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('OwnershipSyncError');
    expect((error as Error).message).toBe(
      'could not write ownership to handoff-dev-no-such-table: ResourceNotFoundException',
    );
  });
});
