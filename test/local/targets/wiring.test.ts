/**
 * The stand-ins against handoff itself: every example contract's sample, delivered by the real
 * sync handler (dynalite for its state) with the environment and secrets `wiringForPlan` gives,
 * lands in the stand-in; and the HTTP adapter classifies the stand-ins' fence and faults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeEntryPutter } from '../../../lambdas/commons/aws.js';
import { HttpAdapter } from '../../../lambdas/sync/adapters/http.js';
import { httpTransport } from '../../../lambdas/sync/adapters/transport.js';
import { TransientSyncError } from '../../../lambdas/sync/errors.js';
import { ValueResolver } from '../../../lambdas/sync/values.js';
import { wiringForPlan } from '../../../lib/local/targets/index.js';
import { extractEntity } from '../../../lib/model/entity.js';
import type { ContractPlan, Plan } from '../../../lib/plan/types.js';
import { startDynamo, type TestDynamo } from '../../helpers/dynamo.js';
import { exampleEstate, examplePlan } from '../../helpers/estate.js';
import { buildHarness } from '../../sync/harness.js';
import { CREDENTIALS, rejection, startTestTargets, type TestTargets } from './helpers.js';

let plan: Plan;
let dynamo: TestDynamo;
let t: TestTargets;

beforeAll(async () => {
  plan = examplePlan();
  dynamo = await startDynamo(plan.tables);
  t = await startTestTargets({ fencing: true });
});
afterAll(async () => {
  expect(t.errors).toEqual([]);
  await t.close();
  await dynamo.close();
});

describe('wiringForPlan', () => {
  it('points every example contract at a stand-in, with the credentials it accepts', () => {
    // Act
    const wiring = wiringForPlan(plan, t.targets, CREDENTIALS);

    // Assess
    expect(wiring.unresolved).toEqual([]);
    expect(wiring.env).toEqual({
      HELPDESK_API_URL: t.targets.systems.helpdesk,
      CRM_API_URL: t.targets.systems.crm,
      BILLING_API_URL: t.targets.systems.billing,
      ANALYTICS_BUS_ARN: t.targets.analyticsBusArn,
    });
    expect(wiring.secrets).toEqual({
      'handoff/helpdesk/api-token': JSON.stringify({ token: CREDENTIALS.helpdeskToken }),
      'handoff/crm/api-token': CREDENTIALS.crmToken,
      'handoff/billing/api-key': CREDENTIALS.billingApiKey,
    });
  });

  it('names contracts it cannot point at a stand-in, with the reason', () => {
    // Prepare
    const changed = structuredClone(plan);
    const [first, second, third] = changed.contracts.filter((c) => c.target.adapter === 'http');
    if (first?.target.adapter !== 'http' || second?.target.adapter !== 'http' || !third)
      throw new Error('examples changed');
    first.target.url = 'https://helpdesk.example.com';
    second.target.auth = { type: 'none' };
    third.target = { ...third.target, system: 'erp' } as ContractPlan['target'];

    // Act
    const wiring = wiringForPlan(changed, t.targets, CREDENTIALS);

    // Assess
    expect(wiring.unresolved).toEqual([
      {
        contract: first.id,
        reason: 'its endpoint URL is a literal value, so it cannot point at the stand-in',
      },
      { contract: second.id, reason: expect.stringContaining("the contract's endpoint uses none") },
      { contract: third.id, reason: 'no stand-in for system erp' },
    ]);
  });
});

describe('the example contracts, delivered by the real sync handler', () => {
  const estate = exampleEstate();
  const cases = estate.contracts.flatMap((contract) =>
    contract.samples.map((sample) => [contract.id, sample.name, sample.event] as const),
  );

  it.each(cases)('%s (%s) lands in its stand-in', async (contractId, _, sample) => {
    // Prepare
    const contract = plan.contracts.find((c) => c.id === contractId);
    if (!contract) throw new Error(`no contract ${contractId}`);
    const wiring = wiringForPlan(plan, t.targets, CREDENTIALS);
    const harness = buildHarness({
      plan,
      dynamo,
      contractId,
      env: wiring.env,
      secrets: wiring.secrets,
      entries: eventBridgeEntryPutter({
        endpoint: t.targets.systems.analyticsBus,
        region: 'us-east-1',
        credentials: CREDENTIALS.analyticsBus,
      }),
    });
    const event = {
      version: '0',
      id: `sample-${contractId}`,
      account: '123456789012',
      region: 'us-east-1',
      time: '2026-11-30T10:00:00Z',
      resources: [],
      ...sample,
    };

    // Act
    const outcome = await harness.run(event);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'synced' });
    const target = contract.target;
    if (target.adapter === 'eventbridge') {
      const events = t.targets.state('analytics').events;
      expect(events.at(-1)).toMatchObject({ source: target.source, 'detail-type': target.detailType });
    } else {
      const path = target.path.replace('{id}', extractEntity(contract.entity, event).id);
      const held = t.targets.state(target.system as 'helpdesk' | 'crm' | 'billing').resources[path];
      expect(held?.contract).toBe(contractId);
      expect(held?.eventId).toBe(`sample-${contractId}`);
      expect(held?.method).toBe(target.method);
    }
  });
});

describe("the HTTP adapter's view of the stand-ins", () => {
  const adapterFor = (contractId: string) => {
    const contract = plan.contracts.find((c) => c.id === contractId);
    if (contract?.target.adapter !== 'http') throw new Error(`${contractId} is not an HTTP contract`);
    const wiring = wiringForPlan(plan, t.targets, CREDENTIALS);
    const adapter = new HttpAdapter(contract as ContractPlan & { target: typeof contract.target }, {
      values: new ValueResolver({
        env: wiring.env,
        secrets: { read: async (name) => wiring.secrets[name] ?? '' },
        now: Date.now,
      }),
      transport: httpTransport,
      now: Date.now,
      userAgent: 'handoff-test',
    });
    return { contract, adapter };
  };
  const delivery = (contract: ContractPlan, id: string, version: number) => ({
    contract,
    event: { id: `evt-${version}` },
    entity: { type: 'customer', id, version },
    body: { crmVersion: version },
    signal: AbortSignal.timeout(5000),
  });

  it('sees an older version refused by the fence as superseded', async () => {
    // Prepare
    const { contract, adapter } = adapterFor('crm-customer-to-helpdesk');
    await adapter.deliver(delivery(contract, 'fence-1', 7));

    // Act
    const older = await adapter.deliver(delivery(contract, 'fence-1', 6));

    // Assess
    expect(older).toEqual({ outcome: 'superseded', status: 412 });
    expect(t.targets.state('helpdesk').resources['/api/v2/users/fence-1']?.version).toBe(7);
  });

  it('sees "down" as a transient connection error and "error" as a transient HTTP error', async () => {
    // Prepare
    const { contract, adapter } = adapterFor('billing-invoice-to-crm');

    // Act
    t.targets.setFault('crm', { mode: 'down' });
    const down = await rejection(adapter.deliver(delivery(contract, 'fault-1', 1)));
    t.targets.setFault('crm', { mode: 'error', status: 503 });
    const error = await rejection(adapter.deliver(delivery(contract, 'fault-1', 1)));
    t.targets.clearFault('crm');
    const recovered = await adapter.deliver(delivery(contract, 'fault-1', 1));

    // Assess
    expect(down).toBeInstanceOf(TransientSyncError);
    expect(down.code).toBe('connection-econnreset');
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.code).toBe('http-503');
    expect(recovered).toEqual({ outcome: 'delivered', status: 201 });
  });
});
