import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/commons/records.js';
import { recoverDegraded } from '../../lambdas/staleness/recovery.js';
import type { Plan } from '../../lib/plan/types.js';
import { startDynamo, type TestDynamo } from '../helpers/dynamo.js';
import { examplePlan } from '../helpers/estate.js';

const NOW = new Date('2026-11-30T12:00:00Z');
const DEGRADED_SINCE = '2026-11-30T11:50:00.000Z';
let plan: Plan;
let dynamo: TestDynamo;

beforeAll(async () => {
  plan = examplePlan();
  dynamo = await startDynamo(plan.tables);
});
afterAll(() => dynamo.close());

async function seed(contractId: string, success: { syncedAt: string; leaseUntil: number } | undefined) {
  const table = plan.tables.syncState.name;
  await dynamo.doc.put({
    TableName: table,
    Item: {
      ...keys.health(contractId),
      contractId,
      failures: 7,
      windowStart: 0,
      degradedSince: DEGRADED_SINCE,
    },
  });
  if (success) {
    await dynamo.doc.put({
      TableName: table,
      Item: {
        pk: keys.entity('customer', `${contractId}-1`),
        sk: keys.contract(contractId),
        contractId,
        state: 'in_sync',
        version: 2,
        syncedAt: success.syncedAt,
        leaseUntil: success.leaseUntil,
        rev: 1,
      },
    });
  }
}

async function run(contractId: string) {
  const published: unknown[] = [];
  const recovered = await recoverDegraded({
    ddb: dynamo.doc,
    tableName: plan.tables.syncState.name,
    degraded: new Map([[contractId, DEGRADED_SINCE]]),
    tiers: new Map([[contractId, 'critical']]),
    now: NOW,
    publisher: { putEvents: async (entries) => void published.push(...entries) },
    busName: plan.bus.name,
  });
  const health = (
    await dynamo.doc.get({ TableName: plan.tables.syncState.name, Key: keys.health(contractId) })
  ).Item;
  return { recovered, published, health };
}

describe('the degraded-flag fallback in the staleness checker', () => {
  it('clears the flag and announces the recovery after a confirmed success', async () => {
    await seed('c-confirmed', { syncedAt: '2026-11-30T11:58:00.000Z', leaseUntil: NOW.getTime() - 60_000 });
    const { recovered, published, health } = await run('c-confirmed');
    expect(recovered).toEqual([
      { contractId: 'c-confirmed', degradedSince: DEGRADED_SINCE, recoveredAt: NOW.toISOString() },
    ]);
    expect(health?.degradedSince).toBeUndefined();
    expect(published).toEqual([
      expect.objectContaining({
        source: 'handoff.platform',
        detailType: 'Contract Recovered',
        detail: expect.objectContaining({ contractId: 'c-confirmed', tier: 'critical' }),
      }),
    ]);
  });

  it('leaves the flag while the only recent claim may still fail (its lease is not over)', async () => {
    await seed('c-in-flight', { syncedAt: '2026-11-30T11:59:59.000Z', leaseUntil: NOW.getTime() + 5_000 });
    const { recovered, health } = await run('c-in-flight');
    expect(recovered).toEqual([]);
    expect(health?.degradedSince).toBe(DEGRADED_SINCE);
  });

  it('leaves the flag when the last success is older than the degradation', async () => {
    await seed('c-old', { syncedAt: '2026-11-30T11:40:00.000Z', leaseUntil: 0 });
    expect((await run('c-old')).recovered).toEqual([]);
  });
});
