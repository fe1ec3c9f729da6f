/**
 * The delivery transport (lambdas/sync/adapters/transport.ts) against real local node:http(s)
 * servers that count connections and requests, with faults injected per request.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, Server as TlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpTransport,
  type HttpRequest,
  HttpRequestError,
  type HttpTransport,
} from '../../lambdas/sync/adapters/transport.js';

/** What a test server saw: connections opened and closed, and the requests that reached its handler. */
interface Seen {
  url: string;
  server: Server;
  connections: number;
  closed: number;
  requests: Array<{ method: string; path: string; connection: number; body: string }>;
}

type Handle = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

const servers: Server[] = [];

/** Starts a server whose handler sees each request once its body has arrived. */
async function serve(handle: Handle, server: Server = createServer()): Promise<Seen> {
  const ids = new WeakMap<Socket, number>();
  const seen: Seen = { url: '', server, connections: 0, closed: 0, requests: [] };
  const tls = server instanceof TlsServer;
  // A TLS server's requests arrive on the TLS socket, which `secureConnection` reports.
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    ids.set(socket, ++seen.connections);
    socket.on('close', () => seen.closed++);
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        connection: ids.get(req.socket) ?? 0,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handle(req, res, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  seen.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return seen;
}

const ok: Handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');

const put = (url: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  url,
  method: 'PUT',
  headers: { 'content-type': 'application/json', 'idempotency-key': 'c:customer:1:1' },
  body: '{"name":"Ada"}',
  ...extra,
});

const rejection = async (promise: Promise<unknown>): Promise<HttpRequestError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpRequestError))
    throw new Error(`expected an HttpRequestError, got ${String(error)}`);
  return error;
};

/** Resolves when the server has seen `count` connections close, or after `withinMs` (the test then fails). */
const closedCount = async (seen: Seen, count: number, withinMs = 5000) => {
  const until = Date.now() + withinMs;
  while (seen.closed < count && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
};

let transport: HttpTransport;
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

describe('keep-alive', () => {
  it('sends sequential requests over one connection', async () => {
    // Prepare
    transport = createHttpTransport();
    const seen = await serve(ok);

    // Act
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await transport(put(`${seen.url}/users/${i}`)));

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.every((a) => a.attempts === 1)).toBe(true);
    expect(seen.requests).toHaveLength(5);
    expect(seen.connections).toBe(1);
    expect(seen.requests[0]).toMatchObject({ method: 'PUT', path: '/users/0', body: '{"name":"Ada"}' });
  });

  it('sends the request again, once, when the server closed the idle connection just before it', async () => {
    // Prepare: one request leaves a kept-alive connection in the pool.
    transport = createHttpTransport();
    const seen = await serve(ok);
    await transport(put(`${seen.url}/users/1`));

    // Act: the server closes its idle connections and, before the client can notice, the next
    // request goes out on the closed one (the race a server's keep-alive timeout causes).
    seen.server.closeIdleConnections();
    const answer = await transport(put(`${seen.url}/users/2`));
    const after = await transport(put(`${seen.url}/users/3`));

    // Assess: delivered, once each: the first attempt never reached the handler.
    expect(answer).toMatchObject({ status: 200, attempts: 2 });
    expect(after).toMatchObject({ status: 200, attempts: 1 });
    expect(seen.requests.map((r) => r.path)).toEqual(['/users/1', '/users/2', '/users/3']);
    expect(seen.connections).toBe(3);
  });

  it('closes an idle connection after the idle timeout, but waits for a slower answer', async () => {
    // Prepare
    transport = createHttpTransport({ idleTimeoutMs: 50 });
    const seen = await serve((_req, res) => setTimeout(() => ok(_req, res, seen), 200));
    seen.server.keepAliveTimeout = 60_000; // only the client closes the idle connection

    // Act
    const slow = await transport(put(`${seen.url}/users/1`));
    await closedCount(seen, 1, 2000);
    const closedWhileIdle = seen.closed;
    await transport(put(`${seen.url}/users/2`));

    // Assess
    expect(slow.status).toBe(200);
    expect(closedWhileIdle).toBe(1);
    expect(seen.connections).toBe(2);
    expect(seen.requests).toHaveLength(2);
  });
});

describe('failures', () => {
  it('aborts a slow answer with the signal, destroying the connection', async () => {
    // Prepare
    transport = createHttpTransport();
    const seen = await serve((req, res) => setTimeout(() => ok(req, res, seen), 5000));

    // Act
    const error = await rejection(
      transport(put(`${seen.url}/users/1`, { signal: AbortSignal.timeout(100) })),
    );
    await closedCount(seen, 1);

    // Assess
    expect(error.code).toBe('ABORT_ERR');
    expect(seen.requests).toHaveLength(1);
    expect(seen.closed).toBe(1);
  });

  it('does not send a request whose signal has already aborted', async () => {
    // Prepare
    transport = createHttpTransport();
    const seen = await serve(ok);

    // Act
    const error = await rejection(transport(put(`${seen.url}/users/1`, { signal: AbortSignal.abort() })));

    // Assess
    expect(error.code).toBe('ABORT_ERR');
    expect(seen.requests).toHaveLength(0);
  });

  it('reports a refused connection with its code, without a retry', async () => {
    // Prepare: a port nothing listens on any more.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    transport = createHttpTransport();

    // Act
    const error = await rejection(transport(put(`http://127.0.0.1:${port}/users/1`)));

    // Assess
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.reusedConnection).toBe(false);
    expect(error.message).not.toContain('/users/1');
  });

  it('fails a connection reset mid-answer, without sending the request again', async () => {
    // Prepare: a kept-alive connection, then an answer cut after its status line.
    transport = createHttpTransport();
    const seen = await serve((req, res) => {
      if (seen.requests.length === 1) return ok(req, res, seen);
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"partial":');
      setTimeout(() => req.socket.resetAndDestroy(), 20);
    });
    await transport(put(`${seen.url}/users/1`));

    // Act
    const error = await rejection(transport(put(`${seen.url}/users/2`)));

    // Assess: on a reused connection, yet not retried, because the answer had begun.
    expect(error.code).toBe('ECONNRESET');
    expect(error.reusedConnection).toBe(true);
    expect(error.answerStarted).toBe(true);
    expect(seen.requests.map((r) => r.path)).toEqual(['/users/1', '/users/2']);
  });

  it('does not send again a request reset on a new connection', async () => {
    // Prepare
    transport = createHttpTransport();
    const seen = await serve((req) => req.socket.resetAndDestroy());

    // Act
    const error = await rejection(transport(put(`${seen.url}/users/1`)));

    // Assess
    expect(error.code).toBe('ECONNRESET');
    expect(error.reusedConnection).toBe(false);
    expect(seen.requests).toHaveLength(1);
  });

  it('sends again at most once when a server resets every request on a reused connection', async () => {
    // Prepare: one good answer, then the server resets everything (a target that is down).
    transport = createHttpTransport();
    const seen = await serve((req, res) => {
      if (seen.requests.length === 1) return ok(req, res, seen);
      req.socket.resetAndDestroy();
    });
    await transport(put(`${seen.url}/users/1`));

    // Act
    const error = await rejection(transport(put(`${seen.url}/users/2`)));

    // Assess: the retry went out on a new connection and its failure is the one reported.
    expect(error.code).toBe('ECONNRESET');
    expect(error.reusedConnection).toBe(false);
    expect(seen.requests.map((r) => r.path)).toEqual(['/users/1', '/users/2', '/users/2']);
    expect(new Set(seen.requests.map((r) => r.connection)).size).toBe(2);
  });

  it('refuses a header value with a line break before anything is sent', async () => {
    // Prepare
    transport = createHttpTransport();
    const seen = await serve(ok);

    // Act
    const error = await rejection(
      transport(put(`${seen.url}/users/1`, { headers: { authorization: 'Bearer a\r\nx-injected: 1' } })),
    );

    // Assess
    expect(error.code).toBe('ERR_INVALID_CHAR');
    expect(seen.connections).toBe(0);
  });
});

describe('answers', () => {
  it('returns a redirect as is, without following it', async () => {
    // Prepare
    transport = createHttpTransport();
    const seen = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(302, { location: '/new' }).end();
      else ok(req, res, seen);
    });

    // Act
    const answer = await transport(put(`${seen.url}/old`));

    // Assess
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/new');
    expect(seen.requests.map((r) => r.path)).toEqual(['/old']);
  });

  it('drains a large body, so the connection is reused', async () => {
    // Prepare: 16 MiB, written in chunks.
    transport = createHttpTransport();
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const seen = await serve((req, res) => {
      if (req.url === '/small') return ok(req, res, seen);
      res.writeHead(200, { 'content-length': String(chunk.length * 256) });
      for (let i = 0; i < 256; i++) res.write(chunk);
      res.end();
    });

    // Act
    const large = await transport(put(`${seen.url}/large`));
    const next = await transport(put(`${seen.url}/small`));

    // Assess
    expect(large.status).toBe(200);
    expect(next.status).toBe(200);
    expect(seen.connections).toBe(1);
  });
});

describe('TLS', () => {
  let dir: string;
  let key: string;
  let cert: string;
  beforeAll(() => {
    // A throw-away self-signed certificate for 127.0.0.1 (none is kept in the repository).
    dir = mkdtempSync(join(tmpdir(), 'handoff-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a certificate it cannot verify, even when NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    // Prepare
    const seen = await serve(ok, createTlsServer({ key, cert }));
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    transport = createHttpTransport();

    // Act
    const error = await rejection(transport(put(`${seen.url}/users/1`))).finally(() => {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    });

    // Assess
    expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(seen.requests).toHaveLength(0);
  });

  it('delivers over one kept-alive TLS connection when the certificate is trusted', async () => {
    // Prepare
    const seen = await serve(ok, createTlsServer({ key, cert }));
    transport = createHttpTransport({ ca: [cert] });

    // Act
    const first = await transport(put(`${seen.url}/users/1`));
    const second = await transport(put(`${seen.url}/users/2`));
    seen.server.closeIdleConnections();
    const afterClose = await transport(put(`${seen.url}/users/3`));

    // Assess
    expect([first.status, second.status, afterClose.status]).toEqual([200, 200, 200]);
    expect(afterClose.attempts).toBe(2);
    expect(seen.requests.map((r) => r.connection)).toEqual([1, 1, 2]);
  });
});
