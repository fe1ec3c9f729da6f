/**
 * The local layer's one port, over raw HTTP: PutEvents with malformed, huge and mistyped bodies,
 * wrong targets and methods; and any method, path, header and body at all (status API, runbooks,
 * admin, the page). Never a 5xx, never a stack trace or file path, 4xx answers are JSON, and
 * rejected events are never routed. Requests are written byte for byte on a socket, so paths and
 * headers no HTTP client would send reach the server too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalLayer, startLocalLayer } from '../../lib/local/layer.js';
import { EXAMPLE_CONTRACTS } from '../helpers/paths.js';
import {
  fuzz,
  INJECTIONS,
  leak,
  nastyJson,
  nastyKey,
  nastyObject,
  nastyString,
  UNICODE_EDGES,
} from './arbitraries.js';

let layer: LocalLayer;
let port: number;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'handoff-fuzz-layer-'));
  layer = await startLocalLayer({
    contractsDir: EXAMPLE_CONTRACTS,
    dataDir,
    port: 0,
    timeScale: 600,
    targets: true,
  });
  port = Number(new URL(layer.endpoints.events).port);
});

afterAll(async () => {
  await layer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// A raw HTTP/1.1 client: one request per connection, written exactly as given
// ---------------------------------------------------------------------------------------------

interface RawRequest {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

interface RawResponse {
  /** 0 when the server closed the connection without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

function send(request: RawRequest): Promise<RawResponse> {
  const head = [
    `${request.method} ${request.target} HTTP/1.1`,
    'host: 127.0.0.1',
    'connection: close',
    `content-length: ${request.body.length}`,
    ...request.headers.map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'utf8'), request.body]));
    });
    socket.setTimeout(10_000, () =>
      socket.destroy(new Error(`no answer to ${request.method} ${request.target}`)),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the answer was read is the server closing early; the answer still counts.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      reject(error);
    });
    socket.on('close', () => resolve(parse(Buffer.concat(chunks))));
  });
}

function parse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: raw.toString('utf8') };
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  return { status, headers, body: body.toString('utf8') };
}

/** Joins the chunks of a chunked body (sizes count bytes). */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = body;
  for (;;) {
    const line = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.subarray(0, line).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(rest.subarray(line + 2, line + 2 + size));
    rest = rest.subarray(line + 2 + size + 2);
  }
}

/** What every answer must satisfy, whatever was asked. */
function assertSafe(request: RawRequest, response: RawResponse): void {
  const what = `${request.method} ${JSON.stringify(request.target)} → ${response.status}`;
  expect(response.status, `${what}: the server answered`).toBeGreaterThanOrEqual(100);
  expect(response.status, `${what}: never a 5xx`).toBeLessThan(500);
  // Runbook pages are Markdown files served as written: they may name paths, never hold a stack.
  const document = response.status < 300 && /^text\/markdown/.test(response.headers['content-type'] ?? '');
  expect(
    leak(response.body, { paths: !document }),
    `${what}: ${response.body.slice(0, 300)}`,
  ).toBeUndefined();
  if (response.status >= 400 && response.body.length > 0) {
    expect(response.headers['content-type'], what).toMatch(/^application\/(?:json|x-amz-json-1\.1)/);
    const json = JSON.parse(response.body) as Record<string, unknown>;
    const shaped =
      (typeof json.__type === 'string' && typeof json.message === 'string') ||
      (typeof (json.error as Record<string, unknown> | undefined)?.code === 'string' &&
        typeof (json.error as Record<string, unknown> | undefined)?.message === 'string');
    expect(shaped, `${what}: ${response.body.slice(0, 300)}`).toBe(true);
  }
}

/** MatchedEvents over every contract rule: only PutEvents can move it. */
function contractMatches(): number {
  return layer.plan.routes.reduce(
    (n, r) =>
      n +
      layer.metrics.total('AWS/Events', 'MatchedEvents', { EventBusName: r.busName, RuleName: r.ruleName }),
    0,
  );
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 16 }).map((s) => s.replace(/[\s]/g, ''));

/** A path segment as a client might send it: encoded, raw, or broken. */
const segment = fc.oneof(
  { weight: 3, arbitrary: nastyString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))) },
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
      '..%2f..',
      '%C0%AE',
      '%ff',
      '~',
      '*',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'contracts',
      'entities',
      'customer',
      '42',
      'incidents',
      'notes',
      'README.md',
      'x.md',
    ),
  },
);

const prefix = fc.constantFrom(
  '',
  '/',
  '/v1',
  '/v1/contracts',
  '/v1/entities/customer',
  '/v1/incidents',
  '/v1/meta',
  '/v1/openapi.json',
  '/runbooks',
  '/runbooks/failure-modes',
  '/_admin',
  '/_admin/functions',
  '/assets',
  '//',
  '//v1',
);

const query = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.oneof(printable, fc.constantFrom('state', 'limit', 'cursor', '__proto__', 'constructor')),
        fc.oneof(printable, segment),
      ),
      {
        maxLength: 3,
      },
    )
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : '?')),
);

const target = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '/',
      '/v1/contracts',
      '/v1/contracts/crm-customer-to-helpdesk',
      '/v1/entities/customer/42',
      '/v1/incidents?state=resolved&limit=5',
      '/v1/meta',
      '/v1/openapi.json',
      '/v1/priorities',
      '/runbooks/README.md',
      '/_admin/stats',
    ),
  },
  {
    weight: 8,
    arbitrary: fc
      .tuple(prefix, fc.array(segment, { maxLength: 4 }), fc.boolean(), query)
      .map(([p, segs, slash, q]) => `${p}${segs.map((s) => `/${s}`).join('')}${slash ? '/' : ''}${q}`),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1000, max: 9000 }).map((n) => `/v1/entities/customer/${'a'.repeat(n)}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '*',
      'http://127.0.0.1/v1/contracts',
      'http://example.com/',
      '/%',
      '//%',
      '//[',
      '/../../etc/passwd',
      '/runbooks/%E0%A4%A',
      '/runbooks/..%2f..%2fpackage.json',
      '/runbooks/%2e%2e/%2e%2e/package.json',
    ),
  },
);

const method = fc.oneof(
  { weight: 4, arbitrary: fc.constant('GET') },
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') },
  { weight: 1, arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'get', 'FOO', 'M-SEARCH') },
);

const headerValue = fc.oneof(
  printable,
  fc.constantFrom(
    'text/html',
    'application/json',
    '*/*',
    'text/*',
    'application/x-amz-json-1.1',
    'text/plain; charset=utf-7',
    '',
  ),
  fc.constantFrom(...INJECTIONS.filter((s) => !/[\r\n]/.test(s))),
);
const headers = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom(
        'accept',
        'content-type',
        'x-amz-target',
        'if-none-match',
        'cookie',
        'x-forwarded-for',
        'authorization',
        'origin',
      ),
      fc
        .string({
          unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-'.split('')),
          minLength: 1,
          maxLength: 12,
        })
        .map((s) => `x-${s}`),
    ),
    headerValue,
  ),
  { maxLength: 4 },
);

const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 2, arbitrary: nastyJson.map((v) => Buffer.from(JSON.stringify(v) ?? '', 'utf8')) },
  { weight: 2, arbitrary: nastyString.map((s) => Buffer.from(s, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...UNICODE_EDGES).map((s) => Buffer.from(`{"text":"${s}"}`, 'utf8')),
  },
);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('PutEvents over HTTP with hostile bodies', () => {
  const putEvents = (payload: Buffer, extra: Array<[string, string]> = []): RawRequest => ({
    method: 'POST',
    target: '/',
    headers: [['x-amz-target', 'AWSEvents.PutEvents'], ...extra],
    body: payload,
  });

  it('answers malformed, mistyped and hostile bodies with 200 per-entry results or a 4xx; routes nothing it rejects', async () => {
    // Prepare
    const entries = fc.array(
      fc.oneof(
        nastyObject,
        fc.record(
          {
            Source: nastyString,
            DetailType: nastyString,
            Detail: fc.oneof(
              nastyString,
              nastyObject.map((o) => JSON.stringify(o)),
            ),
            EventBusName: fc.oneof(nastyString, nastyJson),
          },
          { requiredKeys: [] },
        ),
      ),
      { maxLength: 11 },
    );
    const payload = fc.oneof(
      { weight: 3, arbitrary: entries.map((Entries) => Buffer.from(JSON.stringify({ Entries }), 'utf8')) },
      { weight: 2, arbitrary: nastyJson.map((v) => Buffer.from(JSON.stringify(v) ?? '', 'utf8')) },
      { weight: 2, arbitrary: nastyString.map((s) => Buffer.from(s, 'utf8')) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 128 }).map((a) => Buffer.from(a)) },
      { weight: 1, arbitrary: entries.map((Entries) => Buffer.from(JSON.stringify({ Entries }), 'utf16le')) },
    );
    const contentType = fc.constantFrom(
      'application/x-amz-json-1.1',
      'application/json',
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      '',
    );
    await fuzz(
      fc.asyncProperty(payload, contentType, async (bytes, type) => {
        const request = putEvents(bytes, type ? [['content-type', type]] : []);
        const before = contractMatches();
        // Act
        const response = await send(request);
        // Assess
        assertSafe(request, response);
        const json = JSON.parse(response.body) as {
          __type?: string;
          Entries?: Array<Record<string, unknown>>;
        };
        let parsed: unknown;
        try {
          parsed = JSON.parse(bytes.toString('utf8'));
        } catch {
          parsed = undefined;
        }
        if (bytes.length > 0 && parsed === undefined) {
          expect(response.status).toBe(400);
          expect(json.__type).toBe('SerializationException');
        }
        const routed = response.status === 200 && (json.Entries ?? []).some((e) => 'EventId' in e);
        if (!routed) expect(contractMatches()).toBe(before);
      }),
      200,
    );
  });

  it('answers a wrong X-Amz-Target with 400, a wrong method with 405, and an oversized body with 413', async () => {
    // Prepare
    const wrongTarget = fc.oneof(
      // Header values are visible ASCII: anything else ends the header or the request.
      nastyString.map((s) => [...s].filter((c) => c >= ' ' && c <= '~').join('')),
      fc.constantFrom(
        'AWSEvents.PutRule',
        'AWSEvents.putevents',
        'AWSEvents.PutEvents ',
        'DynamoDB_20120810.Scan',
        'AmazonSQS.SendMessage',
      ),
    );
    const body = fc.constantFrom('{"Entries":[]}', '{}', '');
    await fuzz(
      fc.asyncProperty(wrongTarget, body, async (amzTarget, text) => {
        const request: RawRequest = {
          method: 'POST',
          target: '/',
          headers: [['x-amz-target', amzTarget]],
          body: Buffer.from(text),
        };
        // Act
        const response = await send(request);
        // Assess: a known operation with a bad body is a 400 too.
        assertSafe(request, response);
        expect(response.status).toBe(400);
      }),
      60,
    );
    await fuzz(
      fc.asyncProperty(fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), async (verb) => {
        const request = { ...putEvents(Buffer.from('{"Entries":[]}')), method: verb };
        // Act
        const response = await send(request);
        // Assess
        assertSafe(request, response);
        expect(response.status).toBe(405);
      }),
      10,
    );
    // Oversized: just past the limit, and far past it, in JSON or not.
    for (const size of [1024 * 1024 + 1, 3 * 1024 * 1024]) {
      const request = putEvents(Buffer.alloc(size, '['));
      // Act
      const response = await send(request);
      // Assess
      assertSafe(request, response);
      expect(response.status).toBe(413);
    }
  });
});

describe('any request to the layer', () => {
  it('never answers 5xx, never leaks a stack or a file path, and every 4xx is JSON with a code and a message', async () => {
    // Prepare
    const request = fc.record({ method, target, headers, body });
    const before = contractMatches();
    const statuses = new Map<number, number>();
    await fuzz(
      fc.asyncProperty(request, async (req) => {
        // Act
        const response = await send(req);
        // Assess
        assertSafe(req, response);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }),
      400,
    );
    // Not vacuous: answers from the status API, the runbooks and the 404s all came back.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 400, 404, 405]));
    // Nothing but PutEvents routes events, and none of these was one that could be accepted.
    expect(contractMatches()).toBe(before);
  });

  it('answers object keys that reach prototypes in query strings and JSON bodies like any other unknown key', async () => {
    // Prepare
    const key = fc.oneof(
      nastyKey,
      fc.constantFrom('__proto__', 'constructor', 'toString', '__proto__[polluted]'),
    );
    await fuzz(
      fc.asyncProperty(key, nastyJson, async (name, value) => {
        const encoded = encodeURIComponent(name.replace(/[\ud800-\udfff]/g, '?'));
        const requests: RawRequest[] = [
          { method: 'GET', target: `/v1/contracts?${encoded}=1`, headers: [], body: Buffer.alloc(0) },
          {
            method: 'GET',
            target: `/v1/incidents?${encoded}=1&${encoded}=2`,
            headers: [],
            body: Buffer.alloc(0),
          },
          {
            method: 'POST',
            target: '/v1/incidents/no-such-incident/notes',
            headers: [['content-type', 'application/json']],
            body: Buffer.from(JSON.stringify(Object.fromEntries([[name, value]])), 'utf8'),
          },
        ];
        for (const req of requests) {
          // Act
          const response = await send(req);
          // Assess
          assertSafe(req, response);
          expect(response.status).toBeGreaterThanOrEqual(400);
        }
        // Assess: no prototype was polluted in this process (the layer runs in it).
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      60,
    );
  });
});
