/** A fresh deploy with no records yet: every route answers sensibly, none fails. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ContractSummary } from '../../lambdas/status-api/contracts.js';
import type { EntityStatus } from '../../lambdas/status-api/entities.js';
import type { Priorities } from '../../lambdas/status-api/priorities.js';
import { type Api, startApi } from './fixtures.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

it('says every contract is ok with no last success yet, and there is nothing to fix', async () => {
  // Act
  const contracts = (await api.call('GET', '/v1/contracts')).json as { contracts: ContractSummary[] };
  const priorities = (await api.call('GET', '/v1/priorities')).json as unknown as Priorities;

  // Assess
  expect(contracts.contracts.map((c) => [c.health, c.lastSuccessAt, c.deadLettersWaiting])).toEqual(
    Array(7).fill(['ok', null, 0]),
  );
  expect(priorities).toMatchObject({ summary: 'Every contract is ok: nothing to fix.', priorities: [] });
  expect(priorities.healthy).toHaveLength(7);
});

it('knows no customer yet and says why that can be normal', async () => {
  // Act
  const answer = (await api.call('GET', '/v1/entities/customer/42')).json as unknown as EntityStatus;

  // Assess
  expect(answer.verdict).toMatchObject({ state: 'unknown', inSync: false, contractId: null });
  expect(answer.verdict.summary).toBe(
    'handoff has no record of customer 42 in any of the 5 contracts that carry customers.',
  );
});

it('has no incidents', async () => {
  // Act
  const open = await api.call('GET', '/v1/incidents');
  const resolved = await api.call('GET', '/v1/incidents?state=resolved');

  // Assess
  expect(open.json).toEqual({ state: 'open', incidents: [], nextCursor: null });
  expect(resolved.json).toEqual({ state: 'resolved', incidents: [], nextCursor: null });
});
