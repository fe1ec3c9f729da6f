import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS, helpdeskHeaders, putUser, startTestTargets, type TestTargets } from './helpers.js';

let t: TestTargets;
let fenced: TestTargets;
let customer = 0;
/** A fresh customer id per test, so tests share the targets without sharing resources. */
const nextId = () => `c${++customer}`;

beforeAll(async () => {
  t = await startTestTargets();
  fenced = await startTestTargets({ fencing: true });
});
afterAll(async () => {
  expect(t.errors).toEqual([]);
  expect(fenced.errors).toEqual([]);
  await t.close();
  await fenced.close();
});
afterEach(() => {
  for (const x of [t, fenced])
    for (const system of ['helpdesk', 'crm', 'billing'] as const) x.targets.clearFault(system);
});

describe('authentication', () => {
  it('answers 401 with a Bearer challenge when the helpdesk token is missing or wrong, and stores nothing', async () => {
    // Prepare
    const id = nextId();
    const url = `${t.targets.systems.helpdesk}/api/v2/users/${id}`;
    const body = JSON.stringify({ name: 'x' });

    // Act
    const missing = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const wrong = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-token' },
      body,
    });
    const otherSystemsToken = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CREDENTIALS.crmToken}` },
      body,
    });

    // Assess
    expect([missing.status, wrong.status, otherSystemsToken.status]).toEqual([401, 401, 401]);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="helpdesk"');
    expect(wrong.headers.get('www-authenticate')).toContain('invalid_token');
    expect(await wrong.json()).toMatchObject({ error: 'unauthorized' });
    expect(t.targets.state('helpdesk').resources[`/api/v2/users/${id}`]).toBeUndefined();
  });

  it('accepts the CRM bearer token and the billing X-Api-Key, and refuses billing with a bearer token', async () => {
    // Prepare
    const id = nextId();
    const body = JSON.stringify({ lastInvoice: { id: 'in_1', status: 'paid' } });

    // Act
    const crm = await fetch(`${t.targets.systems.crm}/services/data/accounts/${id}/billing`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CREDENTIALS.crmToken}` },
      body,
    });
    const billing = await fetch(`${t.targets.systems.billing}/v1/customers/${id}/billing-contact`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-api-key': CREDENTIALS.billingApiKey },
      body,
    });
    const billingWithBearer = await fetch(`${t.targets.systems.billing}/v1/customers/${id}/billing-contact`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CREDENTIALS.billingApiKey}` },
      body,
    });

    // Assess
    expect([crm.status, billing.status, billingWithBearer.status]).toEqual([201, 201, 401]);
    expect(await billingWithBearer.json()).toMatchObject({ message: expect.stringContaining('x-api-key') });
  });
});

describe('paths', () => {
  it('accepts every resource path the example contracts use', async () => {
    // Prepare
    const id = nextId();
    const calls: Array<[string, string, Record<string, string>]> = [
      [
        'PUT',
        `${t.targets.systems.helpdesk}/api/v2/users/${id}`,
        { authorization: `Bearer ${CREDENTIALS.helpdeskToken}` },
      ],
      [
        'PUT',
        `${t.targets.systems.helpdesk}/api/v2/organizations/${id}/subscription`,
        { authorization: `Bearer ${CREDENTIALS.helpdeskToken}` },
      ],
      [
        'PATCH',
        `${t.targets.systems.crm}/services/data/accounts/${id}/billing`,
        { authorization: `Bearer ${CREDENTIALS.crmToken}` },
      ],
      [
        'PATCH',
        `${t.targets.systems.crm}/services/data/accounts/${id}/usage`,
        { authorization: `Bearer ${CREDENTIALS.crmToken}` },
      ],
      [
        'PUT',
        `${t.targets.systems.crm}/services/data/activities/${id}`,
        { authorization: `Bearer ${CREDENTIALS.crmToken}` },
      ],
      [
        'PUT',
        `${t.targets.systems.billing}/v1/customers/${id}/billing-contact`,
        { 'x-api-key': CREDENTIALS.billingApiKey },
      ],
    ];

    // Act
    const statuses = await Promise.all(
      calls.map(([method, url, auth]) =>
        fetch(url, {
          method,
          headers: { ...auth, 'content-type': 'application/json' },
          body: '{"a":1}',
        }).then((r) => r.status),
      ),
    );

    // Assess
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
  });

  it('answers 404 naming the known endpoints for a path no example contract uses, and for unknown systems', async () => {
    // Act
    const typo = await fetch(`${t.targets.systems.helpdesk}/api/v2/userz/42`, {
      method: 'PUT',
      headers: helpdeskHeaders(1),
      body: '{}',
    });
    const extraSegment = await fetch(`${t.targets.systems.helpdesk}/api/v2/users/42/extra`, {
      method: 'PUT',
      headers: helpdeskHeaders(1),
      body: '{}',
    });
    const emptyId = await fetch(`${t.targets.systems.helpdesk}/api/v2/users/`, {
      method: 'PUT',
      headers: helpdeskHeaders(1),
      body: '{}',
    });
    const noSystem = await fetch(`${t.targets.url}/zendesk/api/v2/users/42`, { method: 'PUT', body: '{}' });

    // Assess
    expect([typo.status, extraSegment.status, emptyId.status, noSystem.status]).toEqual([404, 404, 404, 404]);
    expect(await typo.json()).toMatchObject({ message: expect.stringContaining('/api/v2/users/{id}') });
    expect(await noSystem.json()).toMatchObject({ message: expect.stringContaining('/helpdesk') });
    expect(
      t.targets.requests('helpdesk').some((r) => r.path === '/api/v2/userz/42' && r.status === 404),
    ).toBe(true);
  });

  it('answers 405 with Allow for methods other than writes and GET', async () => {
    // Act
    const response = await fetch(`${t.targets.systems.helpdesk}/api/v2/users/${nextId()}`, {
      method: 'DELETE',
      headers: helpdeskHeaders(1),
    });

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, PUT, PATCH, POST');
  });

  it('reads back what a resource holds with GET', async () => {
    // Prepare
    const id = nextId();
    await putUser(t.targets, id, 3, { name: 'Ada', crmVersion: 3 });

    // Act
    const held = await fetch(`${t.targets.systems.helpdesk}/api/v2/users/${id}`, {
      headers: helpdeskHeaders(0),
    });
    const none = await fetch(`${t.targets.systems.helpdesk}/api/v2/users/${nextId()}`, {
      headers: helpdeskHeaders(0),
    });

    // Assess
    expect(held.status).toBe(200);
    expect(await held.json()).toEqual({
      id,
      path: `/api/v2/users/${id}`,
      version: 3,
      body: { name: 'Ada', crmVersion: 3 },
    });
    expect(none.status).toBe(404);
  });
});

describe('bodies', () => {
  it('answers 400 for a non-JSON content type, invalid JSON and a non-object body, and stores none of them', async () => {
    // Prepare
    const id = nextId();
    const url = `${t.targets.systems.helpdesk}/api/v2/users/${id}`;
    const auth = { authorization: `Bearer ${CREDENTIALS.helpdeskToken}` };

    // Act
    const text = await fetch(url, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: '{"a":1}',
    });
    const invalid = await fetch(url, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"a":',
    });
    const array = await fetch(url, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '[1]',
    });

    // Assess
    expect([text.status, invalid.status, array.status]).toEqual([400, 400, 400]);
    expect(await text.json()).toMatchObject({ error: 'not-json' });
    expect(await invalid.json()).toMatchObject({ error: 'invalid-json' });
    expect(await array.json()).toMatchObject({ error: 'invalid-body' });
    expect(t.targets.state('helpdesk').resources[`/api/v2/users/${id}`]).toBeUndefined();
  });

  it('accepts JSON with a charset and answers 413 for bodies over the limit', async () => {
    // Prepare
    const small = await startTestTargets({ maxBodyBytes: 64 });
    try {
      const url = `${small.targets.systems.helpdesk}/api/v2/users/1`;
      const headers = { ...helpdeskHeaders(1), 'content-type': 'application/json; charset=utf-8' };

      // Act
      const fits = await fetch(url, { method: 'PUT', headers, body: '{"a":1}' });
      const tooLarge = await fetch(url, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ a: 'x'.repeat(100) }),
      });

      // Assess
      expect(fits.status).toBe(201);
      expect(tooLarge.status).toBe(413);
      expect(small.targets.state('helpdesk').resources['/api/v2/users/1']?.body).toEqual({ a: 1 });
    } finally {
      await small.close();
    }
  });

  it('answers 400 naming the header for an unreadable X-Handoff-Version, and accepts ISO-8601 timestamps', async () => {
    // Prepare
    const url = `${t.targets.systems.helpdesk}/api/v2/organizations/${nextId()}/subscription`;

    // Act
    const bad = await fetch(url, { method: 'PUT', headers: helpdeskHeaders('yesterday'), body: '{}' });
    const iso = await fetch(url, {
      method: 'PUT',
      headers: helpdeskHeaders('2026-11-30T09:15:00Z'),
      body: '{}',
    });

    // Assess
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ message: expect.stringContaining('x-handoff-version') });
    expect(iso.status).toBe(201);
    expect(await iso.json()).toMatchObject({ version: Date.parse('2026-11-30T09:15:00Z') });
  });
});

describe('last write wins, and fencing', () => {
  it('without fencing, keeps the last write by arrival even when its version is older', async () => {
    // Prepare
    const id = nextId();
    const created = await putUser(t.targets, id, 7, { crmVersion: 7 });

    // Act
    const older = await putUser(t.targets, id, 5, { crmVersion: 5 });

    // Assess
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id, result: 'created', version: 7 });
    expect(older.status).toBe(200);
    expect(await older.json()).toMatchObject({ result: 'updated', version: 5 });
    expect(t.targets.state('helpdesk').resources[`/api/v2/users/${id}`]).toMatchObject({
      version: 5,
      body: { crmVersion: 5 },
      method: 'PUT',
      eventId: 'evt-5',
      contract: 'crm-customer-to-helpdesk',
    });
  });

  it('with fencing, answers 412 to an older version and keeps the newer one; equal and newer versions are accepted', async () => {
    // Prepare
    const id = nextId();
    await putUser(fenced.targets, id, 7, { crmVersion: 7 });

    // Act
    const older = await putUser(fenced.targets, id, 6, { crmVersion: 6 });
    const same = await putUser(fenced.targets, id, 7, { crmVersion: 7, retried: true });
    const newer = await putUser(fenced.targets, id, 8, { crmVersion: 8 });

    // Assess
    expect(older.status).toBe(412);
    expect(await older.json()).toMatchObject({ error: 'stale-version' });
    expect(same.status).toBe(200);
    expect(newer.status).toBe(200);
    expect(fenced.targets.state('helpdesk').resources[`/api/v2/users/${id}`]).toMatchObject({
      version: 8,
      body: { crmVersion: 8 },
    });
  });

  it('with fencing, answers 428 to a write without a version', async () => {
    // Prepare
    const { 'x-handoff-version': _, ...headers } = helpdeskHeaders(1);

    // Act
    const response = await fetch(`${fenced.targets.systems.helpdesk}/api/v2/users/${nextId()}`, {
      method: 'PUT',
      headers,
      body: '{}',
    });

    // Assess
    expect(response.status).toBe(428);
  });
});

describe('the request log', () => {
  it('records method, path, version, event id, contract, status and time per request, and counts by status', async () => {
    // Prepare
    const id = nextId();
    const before = t.targets.state('helpdesk').requests;

    // Act
    await putUser(t.targets, id, 1);
    await fetch(`${t.targets.systems.helpdesk}/api/v2/users/${id}`, { method: 'PUT', body: '{}' });

    // Assess
    const log = t.targets.requests('helpdesk', 2);
    expect(log).toEqual([
      {
        method: 'PUT',
        path: `/api/v2/users/${id}`,
        status: 201,
        at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        version: 1,
        eventId: 'evt-1',
        contract: 'crm-customer-to-helpdesk',
      },
      { method: 'PUT', path: `/api/v2/users/${id}`, status: 401, at: expect.any(String) },
    ]);
    const after = t.targets.state('helpdesk').requests;
    expect(after.total).toBe(before.total + 2);
    expect(after.byStatus['201']).toBe((before.byStatus['201'] ?? 0) + 1);
    expect(after.byStatus['401']).toBe((before.byStatus['401'] ?? 0) + 1);
  });

  it('keeps no bodies or credentials in the request log, and no credentials in the journal', async () => {
    // Prepare
    const secret = 'a-very-personal-value@example.com';

    // Act
    await putUser(t.targets, nextId(), 1, { email: secret });

    // Assess
    expect(JSON.stringify(t.targets.requests('helpdesk'))).not.toContain(secret);
    const journal = readFileSync(join(t.dir, 'targets.jsonl'), 'utf8');
    expect(journal).toContain(secret); // the resource itself is state, kept on disk
    expect(journal).not.toContain(CREDENTIALS.helpdeskToken);
  });
});

describe('the index and the admin API', () => {
  it('lists the systems, their URLs and endpoints at /', async () => {
    // Act
    const index = await (await fetch(`${t.targets.url}/`)).json();

    // Assess
    expect(index).toMatchObject({
      systems: {
        helpdesk: {
          url: t.targets.systems.helpdesk,
          endpoints: ['/api/v2/users/{id}', '/api/v2/organizations/{id}/subscription'],
        },
        analytics: { url: t.targets.systems.analyticsBus, arn: t.targets.analyticsBusArn },
      },
    });
  });

  it('reports state over HTTP the same as programmatically, and forgets a system on DELETE', async () => {
    // Prepare
    const own = await startTestTargets();
    try {
      await putUser(own.targets, '42', 2, { crmVersion: 2 });

      // Act
      const state = await (await fetch(`${own.targets.url}/_admin/state/helpdesk`)).json();
      const wiped = await fetch(`${own.targets.url}/_admin/state/helpdesk`, { method: 'DELETE' });

      // Assess
      expect(state).toEqual({
        system: 'helpdesk',
        resources: {
          '/api/v2/users/42': {
            version: 2,
            body: { crmVersion: 2 },
            receivedAt: expect.any(String),
            method: 'PUT',
            eventId: 'evt-2',
            contract: 'crm-customer-to-helpdesk',
          },
        },
        requests: { total: 1, byStatus: { '201': 1 } },
      });
      expect(wiped.status).toBe(200);
      expect(own.targets.state('helpdesk')).toEqual({ resources: {}, requests: { total: 0, byStatus: {} } });
    } finally {
      await own.close();
    }
  });

  it('requires the admin token when one is set, and never for the systems themselves', async () => {
    // Prepare
    const own = await startTestTargets({ adminToken: 'admin-secret' });
    try {
      // Act
      const anonymous = await fetch(`${own.targets.url}/_admin/faults`);
      const authorised = await fetch(`${own.targets.url}/_admin/faults`, {
        headers: { authorization: 'Bearer admin-secret' },
      });
      const system = await putUser(own.targets, '1', 1);

      // Assess
      expect(anonymous.status).toBe(401);
      expect(authorised.status).toBe(200);
      expect(system.status).toBe(201);
    } finally {
      await own.close();
    }
  });
});
