/**
 * The HTTP adapter over the real transport, against a real local node:http target: what it sends,
 * and how every kind of answer and failure maps onto the failure taxonomy.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpAdapter } from '../../lambdas/sync/adapters/http.js';
import {
  createHttpTransport,
  type HttpTransport,
  httpTransport,
} from '../../lambdas/sync/adapters/transport.js';
import { ConfigSyncError, PermanentSyncError, TransientSyncError } from '../../lambdas/sync/errors.js';
import { ValueResolver } from '../../lambdas/sync/values.js';
import type { ContractPlan } from '../../lib/plan/types.js';
import { examplePlan } from '../helpers/estate.js';

type HttpContract = ContractPlan & { target: Extract<ContractPlan['target'], { adapter: 'http' }> };
type Answer = (req: IncomingMessage, res: ServerResponse) => void;

const SECRET = 'handoff/helpdesk/api-token';

let server: Server;
let url: string;
/** How the target answers the next request. */
let answer: Answer;
let received: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
let contract: HttpContract;
/** The secret store's current token, and the clock both the adapter and the resolver read. */
let token: string;
let clock: number;

beforeAll(async () => {
  const planned = examplePlan().contracts.find((c) => c.id === 'crm-customer-to-helpdesk');
  if (planned?.target.adapter !== 'http') throw new Error('crm-customer-to-helpdesk is not an HTTP contract');
  // A short endpoint timeout keeps the timeout cases fast.
  contract = { ...planned, target: { ...planned.target, timeoutSeconds: 0.3 } } as HttpContract;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = [];
  answer = status(200);
  token = 'token-1';
  clock = Date.parse('2026-11-30T10:00:00Z');
});

const status =
  (code: number, headers: Record<string, string> = {}): Answer =>
  (_req, res) =>
    res.writeHead(code, { 'content-type': 'application/json', ...headers }).end('{"echo":"ada@example.com"}');

function adapter(options: { transport?: HttpTransport; baseUrl?: string } = {}): HttpAdapter {
  const values = new ValueResolver({
    env: { HELPDESK_API_URL: options.baseUrl ?? `${url}/helpdesk` },
    secrets: { read: async (name) => (name === SECRET ? JSON.stringify({ token }) : '') },
    now: () => clock,
  });
  return new HttpAdapter(contract, {
    values,
    transport: options.transport ?? httpTransport,
    now: () => clock,
    userAgent: 'handoff-test',
  });
}

const delivery = (id: string, version: number, signal: AbortSignal = AbortSignal.timeout(10_000)) => ({
  contract,
  event: { id: `evt-${id}-${version}` },
  entity: { type: 'customer', id, version },
  body: { externalId: id, crmVersion: version },
  signal,
});

async function failure(promise: Promise<unknown>): Promise<Error & { code: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected the delivery to fail');
  return error as Error & { code: string };
}

describe('what it sends', () => {
  it('sends the body once with the version, idempotency key and credentials', async () => {
    // Act
    const result = await adapter().deliver(delivery('a/1', 7));

    // Assess
    expect(result).toEqual({ outcome: 'delivered', status: 200 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', path: '/helpdesk/api/v2/users/a%2F1' });
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ externalId: 'a/1', crmVersion: 7 });
    expect(received[0]?.headers).toMatchObject({
      authorization: 'Bearer token-1',
      'content-type': 'application/json',
      'content-length': String(received[0]?.body.length),
      'user-agent': 'handoff-test',
      'x-handoff-contract': 'crm-customer-to-helpdesk',
      'x-handoff-version': '7',
      'x-handoff-event-id': 'evt-a/1-7',
      'idempotency-key': 'crm-customer-to-helpdesk:customer:a/1:7',
    });
  });
});

describe('answers', () => {
  it.each([
    [201, { outcome: 'delivered', status: 201 }],
    [204, { outcome: 'delivered', status: 204 }],
    [412, { outcome: 'superseded', status: 412 }],
  ])('maps HTTP %i to %j', async (code, expected) => {
    // Prepare
    answer = status(code);

    // Act
    const result = await adapter().deliver(delivery('b1', 1));

    // Assess
    expect(result).toEqual(expected);
  });

  it.each([
    [503, TransientSyncError],
    [429, TransientSyncError],
    [422, PermanentSyncError],
    [404, PermanentSyncError],
  ])('maps HTTP %i to its failure class', async (code, kind) => {
    // Prepare
    answer = status(code);

    // Act
    const error = await failure(adapter().deliver(delivery('b2', 1)));

    // Assess
    expect(error).toBeInstanceOf(kind);
    expect(error.code).toBe(`http-${code}`);
    expect(error.message).not.toContain('ada@example.com');
  });

  it('does not follow a redirect: a config failure, and the new location is never called', async () => {
    // Prepare
    answer = status(301, { location: `${url}/elsewhere` });

    // Act
    const error = await failure(adapter().deliver(delivery('b3', 1)));

    // Assess
    expect(error).toBeInstanceOf(ConfigSyncError);
    expect(error.code).toBe('http-301');
    expect(received.map((r) => r.path)).toEqual(['/helpdesk/api/v2/users/b3']);
  });
});

describe('credentials', () => {
  it('reads a credential older than a minute again after a 401, and sends once more with it', async () => {
    // Prepare: the credential was read at prepare; the secret is rotated a while later.
    const sender = adapter();
    await sender.prepare();
    token = 'token-2';
    clock += 61_000;
    answer = (req, res) => status(req.headers.authorization === 'Bearer token-2' ? 200 : 401)(req, res);

    // Act
    const result = await sender.deliver(delivery('c1', 1));

    // Assess
    expect(result).toEqual({ outcome: 'delivered', status: 200 });
    expect(received.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('bounds the refresh and its second send by the one delivery timeout (the lease covers one)', async () => {
    // Prepare: the 401 comes after 200 ms of the 300 ms timeout; the second send would take 250 ms.
    const sender = adapter();
    await sender.prepare();
    token = 'token-2';
    clock += 61_000;
    answer = (req, res) =>
      req.headers.authorization === 'Bearer token-2'
        ? setTimeout(() => status(200)(req, res), 250)
        : setTimeout(() => status(401)(req, res), 200);

    // Act
    const error = await failure(sender.deliver(delivery('c1b', 1)));

    // Assess: the second send was cut at the delivery's timeout, not given a timeout of its own.
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error).toMatchObject({ code: 'timeout' });
    expect(received.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('does not read a fresh credential again: a 403 is a config failure at once', async () => {
    // Prepare
    const sender = adapter();
    await sender.prepare();
    answer = status(403);

    // Act
    const error = await failure(sender.deliver(delivery('c2', 1)));

    // Assess
    expect(error).toBeInstanceOf(ConfigSyncError);
    expect(error.code).toBe('http-403');
    expect(received).toHaveLength(1);
  });
});

describe('failures on the wire', () => {
  it('times out a slow target within the endpoint timeout, as transient', async () => {
    // Prepare
    answer = (req, res) => setTimeout(() => status(200)(req, res), 3000);

    // Act
    const error = await failure(adapter().deliver(delivery('d1', 1)));

    // Assess
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.code).toBe('timeout');
  });

  it('reports the handler running out of time as out-of-time, not a target timeout', async () => {
    // Prepare: the handler's deadline comes before the endpoint timeout.
    answer = (req, res) => setTimeout(() => status(200)(req, res), 3000);

    // Act
    const error = await failure(adapter().deliver(delivery('d2', 1, AbortSignal.timeout(50))));

    // Assess
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.code).toBe('out-of-time');
  });

  it('classes a refused connection as connection-econnrefused', async () => {
    // Prepare: a port nothing listens on any more.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', () => resolve()));
    const port = (gone.address() as AddressInfo).port;
    await new Promise((resolve) => gone.close(resolve));

    // Act
    const error = await failure(adapter({ baseUrl: `http://127.0.0.1:${port}` }).deliver(delivery('d3', 1)));

    // Assess
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.code).toBe('connection-econnrefused');
  });

  it('classes a reset mid-answer as transient, sending the change once', async () => {
    // Prepare: a 200 whose body never completes.
    answer = (req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"ok":');
      setTimeout(() => req.socket.resetAndDestroy(), 20);
    };

    // Act
    const error = await failure(adapter().deliver(delivery('d4', 1)));

    // Assess
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.code).toBe('connection-econnreset');
    expect(received).toHaveLength(1);
  });

  it('still delivers, once, after the target closed the idle kept-alive connection', async () => {
    // Prepare: a transport of its own, so its pool holds exactly one connection to the target.
    const sender = adapter({ transport: createHttpTransport() });
    await sender.deliver(delivery('d5', 1));

    // Act
    server.closeIdleConnections();
    const result = await sender.deliver(delivery('d5', 2));

    // Assess
    expect(result).toEqual({ outcome: 'delivered', status: 200 });
    expect(received.map((r) => r.headers['x-handoff-version'])).toEqual(['1', '2']);
  });

  it.each([
    [{ code: 'ENOTFOUND' }, 'connection-enotfound'],
    [{ cause: { code: 'EAI_AGAIN' } }, 'connection-eai_again'],
    [{}, 'connection-network'],
  ])('classes an injected transport failure %j as %s', async (fault, code) => {
    // Prepare
    const failing: HttpTransport = async () => {
      throw Object.assign(new Error('injected'), fault);
    };

    // Act
    const error = await failure(adapter({ transport: failing }).deliver(delivery('d6', 1)));

    // Assess
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.code).toBe(code);
  });
});
