/**
 * Incidents: list (open/resolved, pages), one incident with owner, runbook and redrive command, and
 * resolution notes (the one write), against dynalite with incidents as the incidents function writes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/commons/records.js';
import type { IncidentDetail, IncidentSummary } from '../../lambdas/status-api/incidents.js';
import { MAX_NOTES_PER_INCIDENT } from '../../lambdas/status-api/store.js';
import { type Api, at, INCIDENTS, incidentFor, NOW, seedEstate, startApi } from './fixtures.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
  await seedEstate(api);
});

afterAll(async () => {
  await api.close();
});

const json = { 'content-type': 'application/json' };

describe('GET /v1/incidents', () => {
  it('lists open incidents newest first by default', async () => {
    // Act
    const response = await api.call('GET', '/v1/incidents');

    // Assess
    expect(response.status).toBe(200);
    const list = response.json as { state: string; incidents: IncidentSummary[]; nextCursor: string | null };
    expect(list.state).toBe('open');
    expect(list.incidents.map((i) => i.id)).toEqual([INCIDENTS.degraded, INCIDENTS.deadLetters]);
    expect(list.incidents[0]).toMatchObject({
      title: 'Target system degraded',
      severity: 'page',
      contractId: 'billing-subscription-to-helpdesk',
      owner: { id: 'support-tools', name: 'Support Tooling' },
      durationSeconds: 480,
      resolvedAt: null,
    });
    expect(list.nextCursor).toBeNull();
  });

  it('lists resolved incidents with ?state=resolved', async () => {
    // Act
    const response = await api.call('GET', '/v1/incidents?state=resolved');

    // Assess
    const list = response.json as { incidents: IncidentSummary[] };
    expect(list.incidents.map((i) => [i.id, i.state, i.durationSeconds, i.notesCount])).toEqual([
      [INCIDENTS.resolved, 'resolved', 1500, 1],
    ]);
  });

  it('pages with limit and an opaque cursor', async () => {
    // Act
    const first = await api.call('GET', '/v1/incidents?state=open&limit=1');
    const cursor = (first.json as { nextCursor: string }).nextCursor;
    const second = await api.call('GET', `/v1/incidents?state=open&limit=1&cursor=${cursor}`);

    // Assess
    expect((first.json as { incidents: IncidentSummary[] }).incidents.map((i) => i.id)).toEqual([
      INCIDENTS.degraded,
    ]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((second.json as { incidents: IncidentSummary[] }).incidents.map((i) => i.id)).toEqual([
      INCIDENTS.deadLetters,
    ]);
  });

  it.each([
    ['/v1/incidents?state=closed', 'invalid_query', 'state must be open or resolved'],
    ['/v1/incidents?state=open,resolved', 'invalid_query', 'state must be open or resolved'],
    ['/v1/incidents?limit=0', 'invalid_query', 'limit must be a whole number from 1 to 100'],
    ['/v1/incidents?limit=abc', 'invalid_query', 'limit must be a whole number from 1 to 100'],
    [
      '/v1/incidents?status=open',
      'invalid_query',
      'unknown query parameter "status"; allowed: state, limit, cursor',
    ],
    [
      '/v1/incidents?cursor=not-a-cursor',
      'invalid_cursor',
      'cursor is not valid: pass back nextCursor unchanged',
    ],
    [
      `/v1/incidents?cursor=${Buffer.from(JSON.stringify({ pk: 'SYSTEM#crm', sk: 'OWNERSHIP', kind: 'INCIDENT#open', sortKey: 'x' })).toString('base64url')}`,
      'invalid_cursor',
      'cursor is not valid: pass back nextCursor unchanged',
    ],
    [
      // A cursor of open incidents used for resolved ones.
      `/v1/incidents?state=resolved&cursor=${Buffer.from(JSON.stringify({ pk: 'INCIDENT#x', sk: 'INCIDENT', kind: 'INCIDENT#open', sortKey: 'x' })).toString('base64url')}`,
      'invalid_cursor',
      'cursor is not valid: pass back nextCursor unchanged',
    ],
  ])('rejects %s with 400', async (path, code, message) => {
    // Act
    const response = await api.call('GET', path);

    // Assess
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: { code, message, requestId: expect.any(String) } });
  });
});

describe('GET /v1/incidents/{id}', () => {
  it('gives on-call the owner, escalation, runbook, next action and the exact redrive command in one answer', async () => {
    // Act
    const response = await api.call('GET', `/v1/incidents/${INCIDENTS.deadLetters}`);
    const incident = response.json as unknown as IncidentDetail;

    // Assess
    expect(response.status).toBe(200);
    expect(incident.owner).toMatchObject({
      id: 'integration-platform',
      name: 'Integration Platform',
      oncallChannel: '#integration-platform-oncall',
      pager: 'PagerDuty service "Integration Platform"',
      hours: '24x7',
      onDuty: true,
    });
    expect(incident.escalation.map((t) => t.id)).toEqual(['revenue-systems', 'billing-eng']);
    expect(incident.runbook).toEqual({
      title: 'Dead letters waiting',
      url: 'https://runbooks.example.com/runbooks/dead-letters.md',
    });
    expect(incident.contract).toBeNull();
    expect(incident.commands).toContainEqual({
      purpose: 'Redrive once the cause is fixed (safe to repeat: synced versions are skipped)',
      command: './bin/handoff dlq redrive --stage dev --tier standard',
    });
    expect(incident.customerImpact).toMatch(/^Each dead letter is a change that did not reach its target/);
  });

  it("links a contract's incident to the contract, its fallback and its status path", async () => {
    // Act
    const incident = (await api.call('GET', `/v1/incidents/${INCIDENTS.degraded}`))
      .json as unknown as IncidentDetail;

    // Assess
    expect(incident.contract).toMatchObject({
      id: 'billing-subscription-to-helpdesk',
      target: { id: 'helpdesk', name: 'Helpdesk (Zendesk)' },
      statusPath: '/v1/contracts/billing-subscription-to-helpdesk',
    });
    expect(incident.commands[0]?.command).toBe(
      './bin/handoff dlq list --stage dev --tier critical --contract billing-subscription-to-helpdesk',
    );
  });

  it('answers 404 for an unknown incident and 400 for a malformed id', async () => {
    // Act
    const unknown = await api.call('GET', '/v1/incidents/20990101T000000000Z-nothing');
    const malformed = await api.call('GET', '/v1/incidents/%3Cscript%3E');

    // Assess
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: 'incident_not_found' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: { code: 'invalid_incident_id' } });
    expect(malformed.body).not.toContain('script');
  });
});

describe('POST /v1/incidents/{id}/notes', () => {
  it('adds a note, by default authored by the IAM caller, and shows it on the incident', async () => {
    // Prepare
    await api.put('operations', {
      ...incidentFor(api.plan, 'handoff-dev-crm-customer-to-helpdesk-staleness', {
        id: 'note-target-1',
        openedAt: at(-3),
      }),
    });

    // Act
    const created = await api.call('POST', '/v1/incidents/note-target-1/notes', {
      headers: json,
      body: JSON.stringify({ text: 'Customer 42 told to use the CRM until the helpdesk catches up.' }),
      caller: 'arn:aws:sts::123456789012:assumed-role/HandoffSupport/agent-7',
    });
    const incident = (await api.call('GET', '/v1/incidents/note-target-1')).json as unknown as IncidentDetail;

    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/v1/incidents/note-target-1');
    expect(created.json).toEqual({
      incidentId: 'note-target-1',
      note: {
        at: NOW.toISOString(),
        author: 'arn:aws:sts::123456789012:assumed-role/HandoffSupport/agent-7',
        text: 'Customer 42 told to use the CRM until the helpdesk catches up.',
      },
      notesCount: 1,
    });
    expect(incident.notes).toEqual([(created.json as { note: unknown }).note]);
  });

  it('keeps an explicit author, accepts base64 bodies and a charset, and appends to existing notes', async () => {
    // Act
    const response = await api.call('POST', `/v1/incidents/${INCIDENTS.resolved}/notes`, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        text: 'Root cause: helpdesk rate limit.\nFollow-up ticket raised.',
        author: 'On-call (Sam)',
      }),
      base64: true,
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({ note: { author: 'On-call (Sam)' }, notesCount: 2 });
  });

  it.each([
    ['no content type', {}, '{"text":"x"}', 415, 'unsupported_media_type'],
    ['text/plain', { 'content-type': 'text/plain' }, 'hello', 415, 'unsupported_media_type'],
    ['bad JSON', json, '{"text": "unterminated', 400, 'invalid_json'],
    ['a JSON array', json, '["text"]', 400, 'invalid_body'],
    ['no text', json, '{"author":"me"}', 400, 'invalid_body'],
    ['empty text', json, '{"text":"   "}', 400, 'invalid_body'],
    ['too long text', json, JSON.stringify({ text: 'x'.repeat(2001) }), 400, 'invalid_body'],
    ['a number as text', json, '{"text":42}', 400, 'invalid_body'],
    ['an unknown field', json, '{"text":"x","payload":{"a":1}}', 400, 'invalid_body'],
    ['control characters', json, JSON.stringify({ text: 'bell\u0007' }), 400, 'invalid_body'],
    [
      'an email address',
      json,
      JSON.stringify({ text: 'customer wrote from ada@example.com' }),
      400,
      'personal_data_in_note',
    ],
    ['an empty body', json, undefined, 400, 'invalid_body'],
    ['a too large body', json, JSON.stringify({ text: 'y'.repeat(9000) }), 413, 'payload_too_large'],
  ])('rejects %s', async (_name, headers, body, status, code) => {
    // Act
    const response = await api.call('POST', `/v1/incidents/${INCIDENTS.degraded}/notes`, {
      headers,
      ...(body === undefined ? {} : { body }),
    });

    // Assess
    expect(response.status).toBe(status);
    expect((response.json as { error: { code: string } }).error.code).toBe(code);
    expect(response.body).not.toContain('unterminated');
    expect(response.body).not.toContain('ada@example.com');
  });

  it('answers 404 for a note on an unknown incident and writes nothing', async () => {
    // Act
    const response = await api.call('POST', '/v1/incidents/20990101T000000000Z-nothing/notes', {
      headers: json,
      body: '{"text":"lost?"}',
    });
    const stored = await api.dynamo.doc.get({
      TableName: api.plan.tables.operations.name,
      Key: keys.incident('20990101T000000000Z-nothing'),
    });

    // Assess
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ error: { code: 'incident_not_found' } });
    expect(stored.Item).toBeUndefined();
  });

  it(`refuses the ${MAX_NOTES_PER_INCIDENT + 1}th note with 409 and keeps the others`, async () => {
    // Prepare
    const notes = Array.from({ length: MAX_NOTES_PER_INCIDENT }, (_, i) => ({
      at: at(-100 + i),
      author: 'on-call',
      text: `note ${i}`,
    }));
    await api.put('operations', {
      ...incidentFor(api.plan, 'handoff-dev-crm-customer-to-helpdesk-throttles', {
        id: 'full-of-notes',
        openedAt: at(-200),
        notes,
      }),
    });

    // Act
    const response = await api.call('POST', '/v1/incidents/full-of-notes/notes', {
      headers: json,
      body: '{"text":"one more"}',
    });
    const incident = (await api.call('GET', '/v1/incidents/full-of-notes')).json as unknown as IncidentDetail;

    // Assess
    expect(response.status).toBe(409);
    expect(response.json).toMatchObject({ error: { code: 'too_many_notes' } });
    expect(incident.notes).toHaveLength(MAX_NOTES_PER_INCIDENT);
  });

  it('keeps concurrent notes: both land', async () => {
    // Prepare
    await api.put('operations', {
      ...incidentFor(api.plan, 'handoff-dev-product-usage-to-crm-staleness', {
        id: 'busy-incident',
        openedAt: at(-1),
      }),
    });

    // Act
    const responses = await Promise.all(
      ['first', 'second', 'third'].map((text) =>
        api.call('POST', '/v1/incidents/busy-incident/notes', {
          headers: json,
          body: JSON.stringify({ text }),
        }),
      ),
    );
    const incident = (await api.call('GET', '/v1/incidents/busy-incident')).json as unknown as IncidentDetail;

    // Assess
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(incident.notes.map((n) => n.text).sort()).toEqual(['first', 'second', 'third']);
  });

  it('is the only write, and only POST: GET on the notes path is 405 with Allow: POST', async () => {
    // Act
    const response = await api.call('GET', `/v1/incidents/${INCIDENTS.degraded}/notes`);

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });
});
