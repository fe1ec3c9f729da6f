import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HealthRecord, keys, type SyncRecord } from '../../lambdas/commons/records.js';
import { createStalenessHandler } from '../../lambdas/staleness/handler.js';
import { claimRecord, failureRecord } from '../../lambdas/sync/state.js';
import { CHECKER_METRICS } from '../../lib/plan/metrics.js';
import { type RuntimePlan, runtimePlanFor } from '../../lib/plan/runtime.js';
import type { Plan } from '../../lib/plan/types.js';
import { startDynamo, type TestDynamo } from '../helpers/dynamo.js';
import { examplePlan } from '../helpers/estate.js';
import { capturedLogger, capturedMetrics, lambdaContext } from './support/lambda.js';

/** The controlled clock: every test runs at this instant. */
const NOW = new Date('2026-11-30T14:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

let plan: Plan;
let runtime: RuntimePlan;
let dynamo: TestDynamo;
const context = lambdaContext('handoff-dev-platform-staleness');

/** A record as the sync handler writes it after a failed delivery whose change became known `since`. */
function failing(contractId: string, customerId: string, since: Date, deadLettered: boolean): SyncRecord {
  return failureRecord(
    undefined,
    undefined,
    { contractId, entityType: 'customer', entityId: customerId },
    {
      version: 3,
      eventId: `event-${customerId}`,
      requestId: 'request-1',
      now: since,
      failureClass: 'transient',
      reason: 'the target answered 503',
      deadLettered,
    },
  );
}

function inSync(contractId: string, customerId: string): SyncRecord {
  return claimRecord(
    undefined,
    { contractId, entityType: 'customer', entityId: customerId },
    { version: 1, eventId: `event-${customerId}`, requestId: 'r', now: minutesAgo(90), leaseUntil: 0 },
  );
}

async function put(item: SyncRecord | HealthRecord): Promise<void> {
  await dynamo.doc.put({ TableName: plan.tables.syncState.name, Item: item });
}

function run(metrics = capturedMetrics(runtime.metricsNamespace)) {
  const handler = createStalenessHandler({
    ddb: dynamo.doc,
    tableName: plan.tables.syncState.name,
    plan: runtime,
    logger: capturedLogger().logger,
    metrics: metrics.metrics,
    now: () => NOW,
  });
  return { result: handler({}, context), records: metrics.records };
}

beforeAll(async () => {
  plan = examplePlan();
  runtime = runtimePlanFor(plan, { kind: 'staleness' });
  dynamo = await startDynamo(plan.tables);
  // crm-customer-to-helpdesk: SLO 10 minutes.
  await put(failing('crm-customer-to-helpdesk', 'c-fresh', minutesAgo(2), false)); // retrying, fresh
  await put(failing('crm-customer-to-helpdesk', 'c-old', minutesAgo(30), false)); // retrying past the SLO
  await put(failing('crm-customer-to-helpdesk', 'c-failed', minutesAgo(5), true)); // dead-lettered
  await put(failing('crm-customer-to-helpdesk', 'c-failed-old', minutesAgo(120), true)); // failed wins over stale
  await put(inSync('crm-customer-to-helpdesk', 'c-synced'));
  // helpdesk-ticket-to-crm: SLO 1 hour, so 30 minutes is not stale there.
  await put(failing('helpdesk-ticket-to-crm', 't-30m', minutesAgo(30), false));
  // Health: one contract degraded, one recovered.
  await put({
    ...keys.health('billing-subscription-to-helpdesk'),
    sk: 'HEALTH',
    contractId: 'billing-subscription-to-helpdesk',
    failures: 12,
    windowStart: minutesAgo(4).getTime(),
    degradedSince: minutesAgo(4).toISOString(),
  });
  await put({
    ...keys.health('crm-customer-to-helpdesk'),
    sk: 'HEALTH',
    contractId: 'crm-customer-to-helpdesk',
    failures: 0,
    windowStart: minutesAgo(60).getTime(),
    recoveredAt: minutesAgo(50).toISOString(),
  });
});
afterAll(async () => dynamo.close());

describe('staleness checker', () => {
  it('counts stale and failed entities per contract against each SLO, and degraded targets', async () => {
    // Act
    const summary = await run().result;

    // Assess
    const of = (id: string) => summary.contracts.find((c) => c.contractId === id);
    expect(of('crm-customer-to-helpdesk')).toEqual({
      contractId: 'crm-customer-to-helpdesk',
      tier: 'critical',
      stale: 1,
      failed: 2,
      unsynced: 4,
      degraded: false,
      oldestPendingSince: minutesAgo(120).toISOString(),
    });
    expect(of('helpdesk-ticket-to-crm')).toMatchObject({ stale: 0, failed: 0, unsynced: 1 });
    expect(of('billing-subscription-to-helpdesk')).toMatchObject({ stale: 0, failed: 0, degraded: true });
    expect(summary.totals).toEqual({ stale: 1, failed: 2, unsynced: 5, degraded: 1 });
    expect(summary.checkedAt).toBe(NOW.toISOString());
  });

  it('emits one EMF record per contract with the three gauges and Contract and Tier dimensions', async () => {
    // Act
    const { result, records } = run();
    await result;

    // Assess
    expect(records).toHaveLength(runtime.contracts.length);
    const record = records.find((r) => r.Contract === 'crm-customer-to-helpdesk');
    expect(record).toMatchObject({
      service: 'handoff',
      Contract: 'crm-customer-to-helpdesk',
      Tier: 'critical',
      [CHECKER_METRICS.stale]: 1,
      [CHECKER_METRICS.failed]: 2,
      [CHECKER_METRICS.degraded]: 0,
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Handoff/dev',
            Dimensions: [['service', 'Contract', 'Tier']],
            Metrics: expect.arrayContaining([{ Name: 'StaleEntities', Unit: 'Count' }]),
          },
        ],
      },
    });
    expect(records.find((r) => r.Contract === 'billing-subscription-to-helpdesk')).toMatchObject({
      Degraded: 1,
    });
    // Contracts with nothing wrong still report zeros, so the alarms always have data.
    expect(records.find((r) => r.Contract === 'product-usage-to-crm')).toMatchObject({
      StaleEntities: 0,
      FailedEntities: 0,
      Degraded: 0,
    });
  });

  it('costs one Query per contract and one BatchGetItem, however many entities are in sync', async () => {
    // Prepare
    dynamo.resetCalls();
    await run().result;
    const before = { ...dynamo.calls };
    const synced = Array.from({ length: 250 }, (_, n) => inSync('crm-customer-to-helpdesk', `bulk-${n}`));
    for (let i = 0; i < synced.length; i += 25) {
      await dynamo.doc.batchWrite({
        RequestItems: {
          [plan.tables.syncState.name]: synced.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      });
    }

    // Act
    dynamo.resetCalls();
    const summary = await run().result;
    const after = { ...dynamo.calls };

    // Assess
    expect(before).toEqual({ Query: runtime.contracts.length, BatchGetItem: 1 });
    expect(after).toEqual(before);
    expect(summary.requests).toEqual({ query: runtime.contracts.length, batchGetItem: 1 });
    expect(summary.totals.unsynced).toBe(5);
  });

  it('follows the pages of a contract with more than 1 MB of unsynced entities', async () => {
    // Prepare: 300 old retrying entities of about 4 KB each, over DynamoDB's 1 MB page.
    const padding = 'x'.repeat(4000);
    const many = Array.from({ length: 300 }, (_, n) => ({
      ...failing('product-usage-to-crm', `p-${n}`, minutesAgo(3 * 24 * 60), false),
      failureReason: padding,
    }));
    for (let i = 0; i < many.length; i += 25) {
      await dynamo.doc.batchWrite({
        RequestItems: {
          [plan.tables.syncState.name]: many.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      });
    }

    // Act
    dynamo.resetCalls();
    const summary = await run().result;

    // Assess
    expect(summary.contracts.find((c) => c.contractId === 'product-usage-to-crm')).toMatchObject({
      stale: 300,
      unsynced: 300,
    });
    expect(dynamo.calls.Query).toBeGreaterThan(runtime.contracts.length);
  });
});
