/**
 * No personal data in answers or logs: entities are seeded from every contract's sample events, in
 * every state, including a careless writer's record that carries the event's detail and a failure
 * reason quoting an email address. No value at any contract's `personalData` paths may come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, INCIDENTS, seedEstate, seedSampleEntities, startApi } from './fixtures.js';

let api: Api;
let personal: Set<string>;
let entities: Array<{ type: string; id: string }>;

beforeAll(async () => {
  api = await startApi();
  await seedEstate(api);
  ({ personal, entities } = await seedSampleEntities(api));
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
