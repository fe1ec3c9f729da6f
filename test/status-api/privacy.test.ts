/**
 * No personal data in answers or logs: entities are seeded from every contract's sample events, in
 * every state, including a careless writer's record that carries the event's detail and a failure
 * reason quoting an email address. No value at any contract's `personalData` paths may come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractEntity } from '../../lib/model/entity.js';
import { evaluate } from '../../lib/model/jmespath.js';
import { exampleEstate } from '../helpers/estate.js';
import { type Api, at, INCIDENTS, recordAfter, seedEstate, startApi } from './fixtures.js';

let api: Api;
const personal = new Set<string>();
const entities: Array<{ type: string; id: string }> = [];

function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (value && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [];
}

beforeAll(async () => {
  api = await startApi();
  await seedEstate(api);
  const estate = exampleEstate();
  let n = 0;
  for (const contract of estate.contracts) {
    for (const sample of contract.samples) {
      for (const path of contract.personalData)
        for (const v of leaves(evaluate(path, sample.event))) personal.add(v);
      const entity = extractEntity(contract.entity, sample.event);
      // A distinct id per sample, so every contract's sample is a separate entity.
      const id = /^\d+$/.test(entity.id) ? `${entity.id}0${n++}` : `${entity.id}-sample-${n++}`;
      entities.push({ type: entity.type, id });
      const key = { contractId: contract.id, entityType: entity.type, entityId: id };
      const email = leaves(sample.event).find((v) => v.includes('@'));
      const record =
        n % 2 === 0
          ? recordAfter(key, [
              {
                at: at(-30),
                outcome: 'failed',
                failureClass: 'permanent',
                reason: `HTTP 422 from target: ${email ?? 'no email in this sample'} rejected`,
                deadLettered: true,
              },
            ])
          : recordAfter(key, [{ at: at(-5), outcome: 'delivered' }]);
      // A careless writer's extra attribute: the status API must only ever return what it knows.
      await api.put('syncState', { ...record, detail: sample.event.detail, lastEvent: sample.event });
    }
  }
});

afterAll(async () => {
  await api.close();
});

describe('personal data', () => {
  it('the samples carry personal data to look for (the test is not vacuous)', () => {
    // Assess
    expect([...personal]).toEqual(
      expect.arrayContaining(['Ada Lovelace', 'ada@example.com', 'Charles Babbage', 'finance@example.com']),
    );
    expect(entities.length).toBeGreaterThanOrEqual(7);
  });

  it('never appears in any answer of any route, nor in the logs', async () => {
    // Act
    const paths = [
      ...entities.map((e) => `/v1/entities/${e.type}/${e.id}`),
      '/v1/contracts',
      ...api.plan.contracts.map((c) => `/v1/contracts/${c.id}`),
      '/v1/priorities',
      '/v1/incidents',
      '/v1/incidents?state=resolved',
      ...Object.values(INCIDENTS).map((id) => `/v1/incidents/${id}`),
      '/v1/ownership',
    ];
    const bodies: string[] = [];
    for (const path of paths) {
      const response = await api.call('GET', path);
      expect(response.status, path).toBe(200);
      bodies.push(response.body);
    }

    // Assess: a value that is also part of the contracts' own configuration (the city "London" is in
    // the team hours "Europe/London") cannot be told apart from it, so it is not looked for.
    const configuration = JSON.stringify(api.runtime);
    expect([...personal].filter((value) => configuration.includes(value))).toEqual(['London']);
    const leaked = [...personal]
      .filter((value) => !configuration.includes(value))
      .filter((value) => bodies.some((b) => b.includes(value)) || api.logs.some((l) => l.includes(value)));
    expect(leaked).toEqual([]);
    // The email in the careless failure reason was replaced, the rest of the reason kept.
    expect(bodies.join('\n')).toContain('HTTP 422 from target: [email removed] rejected');
  });
});
