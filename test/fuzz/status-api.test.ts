/**
 * Every status API route with hostile requests: arbitrary methods, paths (encoded, raw, long,
 * unicode, traversal, `//`), query strings, headers and bodies, entity types and ids, over the
 * real handler, dynalite and the seeded estate (whose records carry the sample events' personal
 * data, as a careless writer might leave it). Never a 500; every problem is the documented JSON
 * error; no stack, no personal data; reads never write, and a rejected note changes nothing.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError } from '../../lambdas/status-api/errors.js';
import { createStatusApiHandler } from '../../lambdas/status-api/handler.js';
import { encodeCursor, listIncidents } from '../../lambdas/status-api/store.js';
import { exampleEstate } from '../helpers/estate.js';
import { validatorFor } from '../status-api/conformance.js';
import {
  type Api,
  apiEvent,
  at,
  INCIDENTS,
  lambdaContext,
  seedEstate,
  seedSampleEntities,
  startApi,
} from '../status-api/fixtures.js';
import {
  deepJsonText,
  fuzz,
  INJECTIONS,
  leak,
  nastyJson,
  nastyKey,
  nastyString,
  UNICODE_EDGES,
} from './arbitraries.js';

let api: Api;
let handler: ReturnType<typeof createStatusApiHandler>;
/** Personal data values of the sample events the seeded records carry. */
const personal = new Set<string>();
let entities: Array<{ type: string; id: string }> = [];

beforeAll(async () => {
  api = await startApi();
  await seedEstate(api);
  // Every contract's samples as entities, each record carrying the sample's event and a failure
  // reason quoting its email (the status API must only ever return what it knows).
  const seeded = await seedSampleEntities(api);
  entities = seeded.entities;
  // Words that are also configuration (a team's hours say "Europe/London") are not evidence.
  const estate = exampleEstate();
  const configuration = JSON.stringify({ teams: estate.teams, systems: estate.systems });
  for (const v of seeded.personal) if (v.length >= 4 && !configuration.includes(v)) personal.add(v);
  handler = createStatusApiHandler(api.deps);
});

afterAll(async () => {
  await api?.close();
});

// ---------------------------------------------------------------------------------------------
// Calling the handler with any event
// ---------------------------------------------------------------------------------------------

interface Request {
  method: string;
  rawPath: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: string;
  base64?: boolean;
  stage?: string;
  caller?: string | null;
}

interface Response {
  status: number;
  headers: Record<string, string>;
  body: string;
}

let counter = 0;

/** The API Gateway event for a request, with the query as API Gateway builds it (repeats joined by commas). */
function eventFor(request: Request): APIGatewayProxyEventV2 {
  const stage = request.stage ?? '$default';
  // The fixture builds a well-formed event; the path and query are then set raw, as sent.
  const event = apiEvent(request.method, '/', {
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    base64: request.base64 === true,
    stage,
    caller: request.caller,
    requestId: `fuzz-${++counter}`,
  });
  const rawPath = stage === '$default' ? request.rawPath : `/${stage}${request.rawPath}`;
  const joined = new Map<string, string>();
  for (const [name, value] of request.query) {
    const earlier = joined.get(name);
    joined.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  const raw = request.query
    .map(
      ([k, v]) =>
        `${encodeURIComponent(k.replace(/[\ud800-\udfff]/g, '?'))}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '?'))}`,
    )
    .join('&');
  return {
    ...event,
    rawPath,
    rawQueryString: raw,
    requestContext: { ...event.requestContext, http: { ...event.requestContext.http, path: rawPath } },
    ...(joined.size > 0 ? { queryStringParameters: Object.fromEntries(joined) } : {}),
  };
}

async function call(request: Request): Promise<Response> {
  const result = (await handler(
    eventFor(request),
    lambdaContext(counter),
  )) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  return { status: result.statusCode ?? 200, headers, body: result.body ?? '' };
}

const errorShape = validatorFor('#/components/schemas/Error');
const isPage = (r: Response) =>
  r.status === 304 || !/^application\/json/.test(r.headers['content-type'] ?? 'application/json');

/** What every answer must satisfy, whatever was asked. */
function assertAnswer(request: Request, response: Response): void {
  const what = `${request.method} ${JSON.stringify(request.rawPath)} → ${response.status}`;
  expect(
    [2, 3, 4].includes(Math.floor(response.status / 100)) || response.status === 503,
    `${what}: ${response.body.slice(0, 300)}`,
  ).toBe(true);
  expect(leak(response.body), what).toBeUndefined();
  expect(leak(JSON.stringify(response.headers)), what).toBeUndefined();
  // Personal data of the seeded records never comes back (unless the caller sent it themselves).
  const asked = JSON.stringify(request);
  for (const value of personal)
    if (!asked.includes(value)) expect(response.body.includes(value), `${what} shows ${value}`).toBe(false);
  if (isPage(response)) {
    // The support page and its assets: only for GET, and only successful or not-modified.
    expect(request.method.toUpperCase(), what).toBe('GET');
    expect([200, 304], what).toContain(response.status);
    return;
  }
  expect(response.headers['cache-control'], what).toBe('no-store');
  expect(response.headers['x-content-type-options'], what).toBe('nosniff');
  const json = JSON.parse(response.body) as unknown;
  if (response.status >= 400) {
    expect(errorShape(json), `${what}: ${response.body.slice(0, 300)}`).toBe(true);
    expect((json as { error: { requestId?: string } }).error.requestId, what).toBe(`fuzz-${counter}`);
  }
}

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];
const writes = () => WRITES.reduce((n, op) => n + (api.dynamo.calls[op] ?? 0), 0);

async function scanTables(): Promise<string> {
  const tables = [api.plan.tables.syncState.name, api.plan.tables.operations.name];
  const scans = await Promise.all(
    tables.map(async (TableName) => {
      const items = (await api.dynamo.doc.scan({ TableName })).Items ?? [];
      return items.map((i) => JSON.stringify(i, Object.keys(i).sort())).sort();
    }),
  );
  return JSON.stringify(scans);
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 12 });

const segment = fc.oneof(
  { weight: 3, arbitrary: nastyString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))) },
  { weight: 2, arbitrary: nastyString },
  { weight: 2, arbitrary: printable },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '.',
      '..',
      '%',
      '%zz',
      '%E0%A4%A',
      '%00',
      '%2e%2e',
      '%2F',
      '%5C',
      '%C0%AE',
      '%ff',
      '~',
      '%0A',
      '%7F',
    ),
  },
);

/** An entity type: a known one, a near miss, or junk. */
const entityType = fc.oneof(
  fc.constantFrom('customer', 'ticket', 'Customer', 'customers', 'invoice', 'a'.repeat(33), 'x'),
  segment,
);
/** An entity id: a seeded one, a near miss, or junk (too long, wrong format, unicode). */
const entityId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('42', '7', '100', '9001', '55') },
  { weight: 2, arbitrary: fc.nat().map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('-1', '1e3', '0x2a', '42 ', ' 42', '４２', 'a'.repeat(257), '1'.repeat(17)),
  },
  { weight: 3, arbitrary: segment },
);

const contractId = fc.oneof(
  fc.constantFrom(
    'crm-customer-to-helpdesk',
    'billing-invoice-to-crm',
    'no-such-contract',
    'CRM',
    'ab',
    'a'.repeat(47),
  ),
  segment,
);
const incidentId = fc.oneof(
  fc.constantFrom(...Object.values(INCIDENTS), 'no-such-incident', 'INCIDENT#x', 'a'.repeat(257)),
  segment,
);

/** Cursors: junk, and well-formed ones the API did not issue (valid base64url JSON of the right keys). */
const cursor = fc.oneof(
  // Found by FUZZ_SEED=11: an empty key attribute, which DynamoDB refuses (it was a 503).
  fc.constant(encodeCursor({ kind: 'INCIDENT#open', pk: 'INCIDENT#', sk: 'INCIDENT', sortKey: '' })),
  printable,
  fc.base64String({ maxLength: 64 }),
  nastyJson.map((v) => Buffer.from(JSON.stringify(v) ?? '', 'utf8').toString('base64url')),
  fc
    .record({
      kind: fc.constantFrom('INCIDENT#open', 'INCIDENT#resolved', 'SYSTEM'),
      pk: fc.oneof(
        fc.constant(`INCIDENT#${INCIDENTS.degraded}`),
        printable.map((s) => `INCIDENT#${s}`),
      ),
      sk: fc.oneof(fc.constant('INCIDENT'), printable),
      sortKey: fc.oneof(fc.constant(at(-8)), printable),
    })
    .map((key) => encodeCursor(key)),
);

const routePath = fc.oneof(
  fc.tuple(entityType, entityId).map(([t, id]) => `/v1/entities/${t}/${id}`),
  fc.constant('/v1/contracts'),
  contractId.map((id) => `/v1/contracts/${id}`),
  fc.constant('/v1/priorities'),
  fc.constant('/v1/incidents'),
  incidentId.map((id) => `/v1/incidents/${id}`),
  incidentId.map((id) => `/v1/incidents/${id}/notes`),
  fc.constantFrom(
    '/v1/ownership',
    '/v1/openapi.json',
    '/v1/meta',
    '/',
    '/assets/app.js',
    '/assets/../index.html',
  ),
);

const path = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(routePath, fc.constantFrom('', '/', '//')).map(([p, s]) => `${p}${s}`) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '/v1', '/v1/entities', '/v1/incidents', '//v1', '/assets'),
        fc.array(segment, { maxLength: 5 }),
      )
      .map(([p, segs]) => `${p}${segs.map((s) => `/${s}`).join('')}`),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1000, max: 5000 }).map((n) => `/v1/entities/customer/${'9'.repeat(n)}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'v1/contracts',
      '/v1/../v1/contracts',
      '/v1/./contracts',
      '/v1//contracts',
      '\\v1\\contracts',
    ),
  },
);

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constant('GET') },
  { weight: 3, arbitrary: fc.constant('POST') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'PUT',
      'DELETE',
      'PATCH',
      'HEAD',
      'OPTIONS',
      'get',
      'post',
      'TRACE',
      'CONNECT',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(nastyString, fc.constant('G'.repeat(17)), fc.constant('')) },
);

const query = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('state', 'limit', 'cursor'), nastyKey),
    fc.oneof(
      fc.constantFrom(
        'open',
        'resolved',
        'closed',
        '1',
        '100',
        '101',
        '0',
        '-1',
        '1.5',
        '',
        'a'.repeat(3000),
      ),
      cursor,
      nastyString,
    ),
  ),
  { maxLength: 3 },
);

const headers = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'accept',
          'content-type',
          'if-none-match',
          'x-forwarded-for',
          'cookie',
          'Content-Type',
        ),
        nastyKey,
      ),
      fc.oneof(
        fc.constantFrom(
          'text/html',
          'application/json',
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          'text/plain',
          '*/*',
          '"3a4692a43378b2c1"',
          '*',
        ),
        nastyString,
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => Object.fromEntries(pairs) as Record<string, string>);

/** Bodies for the notes route: valid notes, near misses, and everything else. */
const body = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          text: fc.oneof(
            nastyString,
            printable,
            fc.constantFrom(
              'Helpdesk is back; retries draining.',
              'mail ada@example.com',
              ' ',
              'a'.repeat(2001),
            ),
          ),
          author: fc.oneof(nastyString, printable),
        },
        { requiredKeys: ['text'] },
      )
      .map((note) => JSON.stringify(note)),
  },
  { weight: 2, arbitrary: nastyJson.map((v) => JSON.stringify(v) ?? '') },
  { weight: 1, arbitrary: nastyString },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 8000, max: 40_000 }).map((n) => JSON.stringify({ text: 'x'.repeat(n) })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 3000 }).map((n) => deepJsonText(n)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...UNICODE_EDGES, ...INJECTIONS)
      .map((s) => JSON.stringify({ text: `note ${s}` })),
  },
);

const request: fc.Arbitrary<Request> = fc.record({
  method,
  rawPath: path,
  query,
  headers,
  body,
  base64: fc.boolean(),
  stage: fc.constantFrom('$default', '$default', 'prod', 'v1'),
  caller: fc.constantFrom(
    undefined,
    null,
    'arn:aws:sts::123456789012:assumed-role/HandoffSupport/agent@support.example.org',
  ),
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('the status API with hostile requests', () => {
  it('has personal data in the seeded records to look for (the checks are not vacuous)', () => {
    // Assess
    expect([...personal]).toEqual(expect.arrayContaining(['Ada Lovelace', 'ada@example.com']));
    expect(entities.length).toBeGreaterThanOrEqual(7);
  });

  it('answers every request with 2xx, 3xx, 4xx or 503 and the documented error; no stack, no personal data, reads never write', async () => {
    // Prepare
    const statuses = new Map<number, number>();
    await fuzz(
      fc.asyncProperty(request, async (req) => {
        const readOnly = req.method.toUpperCase() !== 'POST' || !req.rawPath.includes('notes');
        const writesBefore = writes();
        // Act
        const response = await call(req);
        // Assess
        assertAnswer(req, response);
        // Only the notes route writes (a rejected note may try its conditional update, and fail).
        if (readOnly) expect(writes(), `${req.method} ${req.rawPath} wrote`).toBe(writesBefore);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }),
      300,
    );
    // Not vacuous: successes and every kind of client error came back.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 400, 404, 405]));
    // The logs never hold personal data either (they hold route templates and codes only).
    for (const value of personal) expect(api.logs.filter((line) => line.includes(value))).toEqual([]);
  });

  it('pages incidents for any state, limit and cursor, including well-formed cursors it never issued', async () => {
    // Prepare
    const pairs = fc.array(
      fc.tuple(
        fc.constantFrom('state', 'limit', 'cursor'),
        fc.oneof(fc.constantFrom('open', 'resolved', '1', '2', '100', '101', '0', '-1', '07', ''), cursor),
      ),
      { minLength: 1, maxLength: 4 },
    );
    const statuses = new Map<number, number>();
    await fuzz(
      fc.asyncProperty(pairs, async (q) => {
        const req: Request = { method: 'GET', rawPath: '/v1/incidents', query: q, headers: {} };
        // Act
        const response = await call(req);
        // Assess: a cursor is the caller's input: a bad one is their 400, never our 503.
        assertAnswer(req, response);
        expect([200, 400], response.body).toContain(response.status);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }),
      150,
    );
    expect([...statuses.keys()].sort()).toEqual([200, 400]);
  });

  it("answers a start key DynamoDB refuses as the caller's bad cursor (400), not an outage (503)", async () => {
    // Prepare: a key past decodeCursor's checks that DynamoDB still refuses (an empty key value).
    const ctx = { dynamo: api.deps.dynamo, sqs: api.deps.sqs, tables: api.deps.tables };
    const key = { kind: 'INCIDENT#open', pk: `INCIDENT#${INCIDENTS.degraded}`, sk: 'INCIDENT', sortKey: '' };
    // Act
    const listing = listIncidents(ctx, 'open', 5, key);
    // Assess
    await expect(listing).rejects.toBeInstanceOf(BadRequestError);
    await expect(listing).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
  });

  it('changes nothing for a rejected note, and exactly one note for an accepted one', async () => {
    // Prepare
    const incident = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(INCIDENTS.degraded, INCIDENTS.resolved) },
      { weight: 1, arbitrary: fc.constantFrom('no-such-incident', '20261130T000000000Z-gone') },
      { weight: 1, arbitrary: incidentId },
    );
    const note = fc.record({
      incident,
      headers: fc.oneof(
        { weight: 3, arbitrary: fc.constant({ 'content-type': 'application/json' }) },
        { weight: 1, arbitrary: headers },
      ),
      body,
      base64: fc.boolean(),
    });
    const outcomes = new Map<number, number>();
    // Each run's "after" is the next run's "before" (a scan per run, not two).
    let snapshot: string | undefined = await scanTables();
    await fuzz(
      fc.asyncProperty(note, async ({ incident: id, headers: h, body: b, base64 }) => {
        const req: Request = {
          method: 'POST',
          rawPath: `/v1/incidents/${id}/notes`,
          query: [],
          headers: h,
          ...(b !== undefined ? { body: b } : {}),
          base64,
        };
        // A failed run (fast-check then shrinks) may have left the snapshot stale: take a fresh one.
        const before = snapshot ?? (await scanTables());
        snapshot = undefined;
        // Act
        const response = await call(req);
        // Assess
        assertAnswer(req, response);
        outcomes.set(response.status, (outcomes.get(response.status) ?? 0) + 1);
        const after = await scanTables();
        snapshot = after;
        if (response.status !== 201) {
          expect(after, `a ${response.status} changed the tables`).toBe(before);
          return;
        }
        const answer = JSON.parse(response.body) as {
          incidentId: string;
          notesCount: number;
          note: { text: string };
        };
        expect(answer.incidentId).toBe(id);
        const stored = (
          await api.dynamo.doc.scan({ TableName: api.plan.tables.operations.name })
        ).Items?.find((i) => i.id === id) as { notes?: Array<{ text: string }> } | undefined;
        expect(stored?.notes?.length).toBe(answer.notesCount);
        expect(stored?.notes?.at(-1)?.text).toBe(answer.note.text);
      }),
      80,
    );
    // Not vacuous: notes were accepted and rejected for several reasons.
    expect([...outcomes.keys()]).toEqual(expect.arrayContaining([201, 400, 404, 415]));
  });
});
