import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpTransport } from '../../lambdas/commons/aws-json.js';
import { readDeadLetter } from '../../lambdas/commons/dead-letters.js';
import { dynamoDoc } from '../../lambdas/commons/dynamo-doc.js';
import { keys } from '../../lambdas/commons/records.js';
import { TransientSyncError } from '../../lambdas/sync/errors.js';
import { buildPlan } from '../../lib/plan/build.js';
import type { Plan } from '../../lib/plan/types.js';
import { startDynamo, type TestDynamo } from '../helpers/dynamo.js';
import { exampleEstate } from '../helpers/estate.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { buildHarness, customerUpdated, type Harness } from './harness.js';

const CONTRACT = 'crm-customer-to-helpdesk';
const TOKEN = 'helpdesk-token-1';

let plan: Plan;
let dynamo: TestDynamo;
let target: HttpTarget;
let h: Harness;
let customer = 0;
/** A fresh customer id per test, so tests share tables without sharing entities. */
let id: string;

beforeAll(async () => {
  // A one-second helpdesk timeout keeps timeouts and lease waits short in these tests.
  const estate = exampleEstate();
  const helpdesk = estate.systems.find((s) => s.id === 'helpdesk')?.endpoints[0];
  if (helpdesk?.kind === 'http') helpdesk.timeoutSeconds = 1;
  plan = buildPlan(estate, { stage: 'dev', runbookBaseUrl: 'https://runbooks.example.com' });
  dynamo = await startDynamo(plan.tables);
  target = await startHttpTarget();
});
afterAll(async () => {
  await target.close();
  await dynamo.close();
});
beforeEach(() => {
  target.received.length = 0;
  target.script(); // clear nothing; fallback resets below
  target.fallback = { status: 200 };
  h = buildHarness({
    plan,
    dynamo,
    contractId: CONTRACT,
    env: { HELPDESK_API_URL: `${target.url}/helpdesk` },
    secrets: { 'handoff/helpdesk/api-token': JSON.stringify({ token: TOKEN }) },
  });
  id = `c${++customer}`;
  dynamo.resetCalls();
});

const requestsFor = (customerId: string) =>
  target.received.filter((r) => r.path === `/helpdesk/api/v2/users/${customerId}`);

describe('the happy path', () => {
  it('delivers the mapped body once, with version, idempotency key and credentials, for one read and one write', async () => {
    // Prepare: an entity synced before, longer ago than a lease (the steady state).
    await h.run(customerUpdated(id, 6));
    h.clock.offsetMs += 60_000;
    target.received.length = 0;
    dynamo.resetCalls();

    // Act
    const outcome = await h.run(customerUpdated(id, 7));

    // Assess
    expect(outcome).toEqual({ outcome: 'synced', version: 7, attempts: 1 });
    const [request] = requestsFor(id);
    expect(request?.method).toBe('PUT');
    expect(request?.body).toEqual({
      externalId: id,
      name: 'Ada Lovelace',
      email: 'ada.lovelace@example.com',
      plan: 'business',
      accountManager: 'Grace Hopper',
      crmVersion: 7,
    });
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'x-handoff-version': '7',
      'x-handoff-contract': CONTRACT,
      'idempotency-key': `${CONTRACT}:customer:${id}:7`,
    });
    expect(dynamo.calls).toEqual({ GetItem: 1, PutItem: 1 });
    expect(await h.record('customer', id)).toMatchObject({
      state: 'in_sync',
      version: 7,
      syncedVersion: 7,
      attempts: 1,
    });
  });

  it('emits Synced and latency metrics with contract and tier dimensions', async () => {
    await h.run(customerUpdated(id, 1));
    const emf = h.emf.map((line) => JSON.parse(line) as Record<string, unknown>);
    const record = emf.find((e) => 'Synced' in e);
    expect(record).toMatchObject({ Synced: 1, Contract: CONTRACT, Tier: 'critical', service: 'handoff' });
    expect(record).toHaveProperty('SyncLatency');
    expect(record).toHaveProperty('TargetLatency');
  });
});

describe('the lease', () => {
  it('releases it right after the first sync of a new entity, so a burst of edits need not wait it out', async () => {
    // Act
    await h.run(customerUpdated(id, 1));

    // Assess: one extra write, once per entity.
    expect(dynamo.calls).toEqual({ GetItem: 1, PutItem: 1, UpdateItem: 1 });
    expect(await h.record('customer', id)).toMatchObject({ state: 'in_sync', version: 1, leaseUntil: 0 });
  });

  it('keeps it (no extra write) for a known entity last written longer ago than a lease', async () => {
    // Prepare
    await h.run(customerUpdated(id, 1));
    h.clock.offsetMs += 60_000;
    dynamo.resetCalls();

    // Act
    await h.run(customerUpdated(id, 2));

    // Assess
    expect(dynamo.calls).toEqual({ GetItem: 1, PutItem: 1 });
    const record = await h.record('customer', id);
    expect(record?.leaseUntil).toBeGreaterThan(Date.now() + h.clock.offsetMs);
  });

  it('releases it when the entity was written within the last lease (a burst in progress)', async () => {
    // Prepare
    await h.run(customerUpdated(id, 1));
    dynamo.resetCalls();

    // Act
    await h.run(customerUpdated(id, 2));

    // Assess
    expect(dynamo.calls).toEqual({ GetItem: 1, PutItem: 1, UpdateItem: 1 });
  });
});

describe('duplicates and order', () => {
  it('skips a duplicate (same version, another event) without calling the target or writing', async () => {
    await h.run(customerUpdated(id, 3));
    dynamo.resetCalls();

    const outcome = await h.run(customerUpdated(id, 3));

    expect(outcome).toEqual({ outcome: 'skipped', reason: 'duplicate' });
    expect(requestsFor(id)).toHaveLength(1);
    expect(dynamo.calls).toEqual({ GetItem: 1 });
  });

  it('skips an older version delivered late, so it never overwrites the newer one', async () => {
    await h.run(customerUpdated(id, 9, { plan: 'enterprise' }));
    dynamo.resetCalls();

    const outcome = await h.run(customerUpdated(id, 8, { plan: 'team' }));

    expect(outcome).toEqual({ outcome: 'skipped', reason: 'older' });
    expect(target.holds.get(`/helpdesk/api/v2/users/${id}`)).toMatchObject({
      plan: 'enterprise',
      crmVersion: 9,
    });
    expect(dynamo.calls).toEqual({ GetItem: 1 });
  });

  it('sends the same event again when it still holds the claim (a retry after a crash before the send)', async () => {
    // Prepare: the first run claims, then its connection to the target fails (every request of the
    // run: a single drop on a kept-alive connection is sent again by the transport).
    const event = customerUpdated(id, 4);
    target.fallback = { drop: true };
    await expect(h.run(event)).rejects.toThrow(TransientSyncError);
    target.fallback = { status: 200 };
    const sentBefore = requestsFor(id).length;

    // Act: Lambda retries the same event.
    const outcome = await h.run(event);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'synced', version: 4, attempts: 2 });
    expect(requestsFor(id).length - sentBefore).toBe(1);
  });

  it('ends concurrent deliveries for one entity with the target holding the newest version, sends never overlapping', async () => {
    // Prepare: a target without any version check (last write wins) and slow, jittery answers.
    target.fallback = { status: 200, delayMs: 15 };
    const versions = [5, 2, 9, 1, 7, 3, 10, 6, 4, 8];
    const handlers = versions.map(() =>
      buildHarness({
        plan,
        dynamo,
        contractId: CONTRACT,
        env: { HELPDESK_API_URL: `${target.url}/helpdesk` },
        secrets: { 'handoff/helpdesk/api-token': JSON.stringify({ token: TOKEN }) },
      }),
    );

    // Act: ten containers deliver ten versions at once.
    const outcomes = await Promise.all(versions.map((v, i) => handlers[i]?.run(customerUpdated(id, v))));

    // Assess
    const held = target.holds.get(`/helpdesk/api/v2/users/${id}`) as { crmVersion: number };
    expect(held.crmVersion).toBe(10);
    expect(await h.record('customer', id)).toMatchObject({ state: 'in_sync', version: 10 });
    const sent = requestsFor(id).map((r) => (r.body as { crmVersion: number }).crmVersion);
    expect(sent).toEqual([...sent].sort((a, b) => a - b)); // never an older version after a newer one
    expect(sent.at(-1)).toBe(10);
    expect(outcomes.filter((o) => (o as { outcome: string }).outcome === 'synced').length).toBe(sent.length);
  });
});

describe('a state write whose answer was lost (the client sends it again)', () => {
  /**
   * A TestDynamo whose client loses the answer to the first PutItem matching `lost`: the put
   * reaches dynalite, then the connection "resets", and the client's retry meets its own write.
   */
  const losingAnswer = (lost: (item: Record<string, unknown>) => boolean): TestDynamo => {
    let done = false;
    const doc = dynamoDoc({
      ...dynamo.clientOptions,
      transport: async (request) => {
        const isPut = request.headers['x-amz-target']?.endsWith('.PutItem') ?? false;
        const item = isPut
          ? (JSON.parse(String(request.body)) as { Item: Record<string, { S?: string }> }).Item
          : {};
        const flat = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v]));
        const answer = await httpTransport(request);
        if (isPut && !done && lost(flat)) {
          done = true;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return answer;
      },
    });
    return { ...dynamo, doc };
  };

  it('still dead-letters a permanent failure when the failure record landed on the first try', async () => {
    // Prepare
    await h.run(customerUpdated(id, 1));
    h = buildHarness({
      plan,
      dynamo: losingAnswer((item) => item.state === 'failed'),
      contractId: CONTRACT,
      env: { HELPDESK_API_URL: `${target.url}/helpdesk` },
      secrets: { 'handoff/helpdesk/api-token': JSON.stringify({ token: TOKEN }) },
    });
    target.script({ status: 422 });

    // Act
    const outcome = await h.run(customerUpdated(id, 2));

    // Assess
    expect(outcome).toEqual({ outcome: 'dead-lettered', failureClass: 'permanent', code: 'http-422' });
    expect(h.deadLetters).toHaveLength(1);
    expect(await h.record('customer', id)).toMatchObject({ state: 'failed', failedVersion: 2 });
  });

  it('sends once when the claim landed on the first try', async () => {
    // Prepare
    h = buildHarness({
      plan,
      dynamo: losingAnswer((item) => item.state === 'in_sync'),
      contractId: CONTRACT,
      env: { HELPDESK_API_URL: `${target.url}/helpdesk` },
      secrets: { 'handoff/helpdesk/api-token': JSON.stringify({ token: TOKEN }) },
    });

    // Act
    const outcome = await h.run(customerUpdated(id, 1));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'synced', version: 1 });
    expect(requestsFor(id)).toHaveLength(1);
  });
});

describe('transient failures', () => {
  it.each([
    [{ status: 503 }, 'http-503'],
    [{ status: 429 }, 'http-429'],
    [{ status: 500 }, 'http-500'],
    [{ drop: true as const }, 'connection-'],
  ])('throws so the tier retries apply, and records retrying (%j)', async (fault, code) => {
    // Every request: the transport sends once more on a new connection when a kept-alive one is
    // dropped before any answer, so a target that drops only one request would be delivered to.
    target.fallback = fault;

    const error = await h.run(customerUpdated(id, 2)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientSyncError);
    expect((error as TransientSyncError).code).toContain(code);
    const record = await h.record('customer', id);
    expect(record).toMatchObject({
      state: 'retrying',
      version: 2,
      attempts: 1,
      failureClass: 'transient',
      unsyncedContract: CONTRACT,
      leaseUntil: 0,
    });
    expect(record?.pendingSince).toBeDefined();
    expect(record?.syncedVersion).toBeUndefined();
    expect(h.deadLetters).toHaveLength(0);
  });

  it('times out a target that does not answer, within the endpoint timeout', async () => {
    target.script({ hang: true });
    const error = await h.run(customerUpdated(id, 1)).catch((e: unknown) => e);
    expect((error as TransientSyncError).code).toBe('timeout');
  });

  it('succeeds on the retry and clears the failure', async () => {
    const event = customerUpdated(id, 6);
    target.script({ status: 502 });
    await expect(h.run(event)).rejects.toThrow(TransientSyncError);

    const outcome = await h.run(event);

    expect(outcome).toMatchObject({ outcome: 'synced', attempts: 2 });
    const record = await h.record('customer', id);
    expect(record).toMatchObject({ state: 'in_sync', version: 6 });
    expect(record?.unsyncedContract).toBeUndefined();
    expect(record?.failureClass).toBeUndefined();
  });

  it('marks the entity failed on the last attempt of the tier (Lambda then dead-letters it)', async () => {
    const event = customerUpdated(id, 1);
    target.fallback = { status: 503 };
    // critical tier: 1 run + 2 retries.
    for (let i = 0; i < 3; i++) await expect(h.run(event)).rejects.toThrow(TransientSyncError);
    expect(await h.record('customer', id)).toMatchObject({
      state: 'failed',
      deadLettered: true,
      attempts: 3,
      failureClass: 'transient',
    });
  });

  it('keeps a newer pending version safe from an older event while it is retried', async () => {
    target.script({ status: 503 });
    await expect(h.run(customerUpdated(id, 5))).rejects.toThrow(TransientSyncError);
    const outcome = await h.run(customerUpdated(id, 4));
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'older' });
  });
});

describe('permanent and config failures', () => {
  it('dead-letters a target 4xx at once with a classified reason, and restores the previous version', async () => {
    await h.run(customerUpdated(id, 1));
    target.script({ status: 422 });

    const outcome = await h.run(customerUpdated(id, 2));

    expect(outcome).toEqual({ outcome: 'dead-lettered', failureClass: 'permanent', code: 'http-422' });
    expect(await h.record('customer', id)).toMatchObject({
      state: 'failed',
      version: 1,
      syncedVersion: 1,
      failedVersion: 2,
      failureClass: 'permanent',
      deadLettered: true,
    });
    const [letter] = h.deadLetters;
    const read = readDeadLetter(
      { messageId: 'm1', body: letter?.body ?? '', attributes: letter?.attributes ?? {} },
      plan.prefix,
    );
    expect(read.summary).toMatchObject({
      source: 'handler',
      contractId: CONTRACT,
      failureClass: 'permanent',
      entity: { type: 'customer', id },
      autoRedrivable: false,
    });
    expect(read.summary.reason).toContain('HTTP 422');
    expect(read.event).toMatchObject({ detail: { customerId: id, version: 2 } });
  });

  it('delivers an older valid change after a newer one was rejected', async () => {
    target.script({ status: 400 });
    await h.run(customerUpdated(id, 5));
    const outcome = await h.run(customerUpdated(id, 4));
    expect(outcome).toMatchObject({ outcome: 'synced', version: 4 });
  });

  it.each([
    [401, 'http-401'],
    [403, 'http-403'],
  ])('classes HTTP %i as config', async (status, code) => {
    target.script({ status });
    const outcome = await h.run(customerUpdated(id, 1));
    expect(outcome).toEqual({ outcome: 'dead-lettered', failureClass: 'config', code });
    expect(h.emf.some((line) => line.includes('"ConfigFailure"'))).toBe(true);
  });

  it('classes a missing endpoint as config without calling the target or claiming', async () => {
    const noEndpoint = buildHarness({ plan, dynamo, contractId: CONTRACT, env: {}, secrets: {} });
    const outcome = await noEndpoint.run(customerUpdated(id, 1));
    expect(outcome).toEqual({ outcome: 'dead-lettered', failureClass: 'config', code: 'missing-endpoint' });
    expect(requestsFor(id)).toHaveLength(0);
    expect(await h.record('customer', id)).toMatchObject({
      state: 'failed',
      failureClass: 'config',
      failureReason: expect.stringContaining('HELPDESK_API_URL'),
    });
  });

  it('classes a missing secret as config', async () => {
    const noSecret = buildHarness({
      plan,
      dynamo,
      contractId: CONTRACT,
      env: { HELPDESK_API_URL: target.url },
      secrets: {},
    });
    expect(await noSecret.run(customerUpdated(id, 1))).toMatchObject({
      failureClass: 'config',
      code: 'missing-secret',
    });
  });

  it('rejects an event that breaks the schema before anything is sent, naming the field, not the value', async () => {
    const outcome = await h.run(customerUpdated(id, 3, { email: 'not-an-address', plan: 'platinum' }));
    expect(outcome).toEqual({ outcome: 'dead-lettered', failureClass: 'permanent', code: 'schema' });
    expect(requestsFor(id)).toHaveLength(0);
    expect(dynamo.calls).toEqual({ GetItem: 1, PutItem: 1 });
    const record = await h.record('customer', id);
    expect(record).toMatchObject({ state: 'failed', failedVersion: 3 });
    expect(record?.failureReason).toContain('detail.email');
    expect(record?.failureReason).not.toContain('not-an-address');
  });

  it('dead-letters an event without an entity id, with no state record', async () => {
    const event = customerUpdated(id, 1);
    delete (event.detail as Record<string, unknown>).customerId;
    expect(await h.run(event)).toMatchObject({ outcome: 'dead-lettered', code: 'entity' });
    expect(h.deadLetters).toHaveLength(1);
    expect(dynamo.calls).toEqual({});
  });

  it('dead-letters something that is not an EventBridge event', async () => {
    expect(await h.run({ hello: 'world' })).toMatchObject({ outcome: 'dead-lettered', code: 'envelope' });
  });

  it('fails the run (to be retried) when the dead-letter queue cannot take the event: nothing is lost', async () => {
    const broken = buildHarness({
      plan,
      dynamo,
      contractId: CONTRACT,
      env: { HELPDESK_API_URL: target.url },
      secrets: { 'handoff/helpdesk/api-token': '{"token":"x"}' },
      failDeadLetters: true,
    });
    target.script({ status: 400 });
    await expect(broken.run(customerUpdated(id, 1))).rejects.toMatchObject({
      code: 'dead-letter-unavailable',
    });
  });

  it('treats 412 Precondition Failed as "the target already holds a newer version"', async () => {
    target.script({ status: 412 });
    expect(await h.run(customerUpdated(id, 2))).toEqual({ outcome: 'skipped', reason: 'superseded' });
  });
});

describe('after a successful send', () => {
  it('stays a success when the bookkeeping fails, so the change is never sent again under another event', async () => {
    // Prepare: recording the recovery throws (e.g. DynamoDB throttling right after the send).
    h.deps.health.recordSuccess = async () => {
      throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    };

    // Act
    const outcome = await h.run(customerUpdated(id, 3));

    // Assess
    expect(outcome).toEqual({ outcome: 'synced', version: 3, attempts: 1 });
    expect(await h.record('customer', id)).toMatchObject({ state: 'in_sync', version: 3 });
    expect(h.logs.some((l) => l.includes('could not record the recovery'))).toBe(true);
  });
});

describe('target degraded', () => {
  it('marks the contract degraded after the tier threshold, and clears it on the first success with a recovery event', async () => {
    // Prepare: the critical tier degrades after 5 transient failures in 5 minutes; start a fresh window.
    await dynamo.doc.delete({ TableName: plan.tables.syncState.name, Key: keys.health(CONTRACT) });
    target.fallback = { status: 503 };
    for (let i = 0; i < 5; i++)
      await expect(h.run(customerUpdated(`${id}-${i}`, 1))).rejects.toThrow(TransientSyncError);
    expect(await h.health()).toMatchObject({ degradedSince: expect.any(String), failures: 5 });

    // Act
    target.fallback = { status: 200 };
    await h.run(customerUpdated(id, 1));

    // Assess
    const after = await h.health();
    expect(after?.degradedSince).toBeUndefined();
    expect(after?.recoveredAt).toBeDefined();
    expect(h.published).toEqual([
      expect.objectContaining({
        source: 'handoff.platform',
        detailType: 'Contract Recovered',
        detail: expect.objectContaining({ contractId: CONTRACT, tier: 'critical' }),
      }),
    ]);
    // Back to normal: the next success (a known entity, no burst) writes nothing to the health record.
    h.clock.offsetMs += 60_000;
    dynamo.resetCalls();
    await h.run(customerUpdated(id, 2));
    expect(dynamo.calls).toEqual({ GetItem: 1, PutItem: 1 });
  });
});

describe('personal data', () => {
  it('never appears in logs or metrics, whatever the outcome', async () => {
    const secretName = 'Ada Private-Lovelace';
    const secretEmail = 'ada.private@example.com';
    const event = (v: number, extra: Record<string, unknown> = {}) =>
      customerUpdated(id, v, { name: secretName, email: secretEmail, ...extra });
    await h.run(event(1));
    await h.run(event(1));
    target.script({ status: 503 });
    await h.run(event(2)).catch(() => undefined);
    target.script({ status: 400 });
    await h.run(event(3));
    await h.run(event(4, { plan: 'invalid' }));

    const everything = [...h.logs, ...h.emf].join('\n');
    expect(h.logs.length).toBeGreaterThan(4);
    expect(everything).not.toContain(secretName);
    expect(everything).not.toContain(secretEmail);
    expect(everything).not.toContain(TOKEN);
    const line = JSON.parse(h.logs.find((l) => l.includes('"synced"')) ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({
      contract: CONTRACT,
      entityType: 'customer',
      entity: `customer/${id}`,
      eventId: expect.any(String),
      outcome: 'synced',
    });
  });
});
