/**
 * The support proxy against a real local HTTP server standing in for API Gateway: it recomputes
 * every request's SigV4 signature with @smithy/signature-v4 (not the signer the proxy uses) and
 * answers 403 like API Gateway when it does not match, so "signed" here means verified.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cli.js';
import type { Io } from '../../lib/cli/io.js';
import { parseSupportProxyFlags, supportProxyCommand } from '../../lib/cli/support-proxy.js';
import {
  accessArn,
  apiLocation,
  type CredentialsProvider,
  canonicalQuery,
  forbiddenReason,
  type SigningCredentials,
  type SupportProxy,
  startSupportProxy,
} from '../../lib/cli/support-proxy-server.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const KEY_A = { accessKeyId: 'AKIATESTKEYAAAA1111', secretAccessKey: 'secret-a', sessionToken: 'token-a' };
const KEY_B = { accessKeyId: 'AKIATESTKEYBBBB2222', secretAccessKey: 'secret-b', sessionToken: 'token-b' };

// ---------------------------------------------------------------------------------------------
// A stand-in for API Gateway with IAM authorisation
// ---------------------------------------------------------------------------------------------

/** SHA-256 (and HMAC-SHA-256 when given a secret) in the shape @smithy/signature-v4 expects. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key =
      typeof this.secret === 'string'
        ? this.secret
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret);
    return createHmac('sha256', key);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  signatureValid: boolean;
}

const PAGE = Buffer.from('<!doctype html><title>handoff status</title><script src="assets/app.js"></script>');
const ASSET_SOURCE = 'export const answer = 42;\n'.repeat(40);
const ASSET_BR = brotliCompressSync(Buffer.from(ASSET_SOURCE));
const PAGE_CSP = "default-src 'none'; script-src 'self'";

interface FakeGateway {
  url: string;
  received: Received[];
  /** Keys whose requests are denied, by access: like a missing execute-api:Invoke grant. */
  denied: Map<string, Set<'read' | 'notes'>>;
  /** Keys whose session token API Gateway reports as expired. */
  expiredTokens: Set<string>;
  close(): Promise<void>;
}

async function verify(req: http.IncomingMessage, body: Buffer): Promise<{ valid: boolean; key?: string }> {
  const auth = req.headers.authorization ?? '';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return { valid: false };
  const [, key = '', , region, service, signedHeaders = ''] = m;
  const known = [KEY_A, KEY_B].find((k) => k.accessKeyId === key);
  if (!known || region !== REGION || service !== 'execute-api') return { valid: false, key };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!d) return { valid: false, key };
  const signingDate = new Date(
    Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(d[4]), Number(d[5]), Number(d[6])),
  );
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
  const [path = '/', rawQuery = ''] = (req.url ?? '/').split('?');
  const query: Record<string, string | string[]> = {};
  for (const part of rawQuery.split('&').filter(Boolean)) {
    const [k = '', v = ''] = part.split('=');
    const name = decodeURIComponent(k);
    const value = decodeURIComponent(v);
    const prior = query[name];
    query[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  const signer = new SignatureV4({
    service: 'execute-api',
    region: REGION,
    credentials: known,
    sha256: Sha256,
    applyChecksum: false,
  });
  const expected = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path,
      query,
      headers,
      ...(body.length > 0 ? { body } : {}),
    },
    { signingDate },
  );
  return { valid: expected.headers.authorization === auth, key };
}

async function startFakeGateway(): Promise<FakeGateway> {
  const received: Received[] = [];
  const denied = new Map<string, Set<'read' | 'notes'>>();
  const expiredTokens = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const { valid, key } = await verify(req, body);
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        signatureValid: valid,
      });
      const json = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'apigw-requestid': 'req-1', ...headers });
        res.end(JSON.stringify(value));
      };
      if (key && expiredTokens.has(key))
        return json(
          403,
          { message: 'The security token included in the request is expired' },
          { 'x-amzn-errortype': 'ExpiredTokenException' },
        );
      if (!valid)
        return json(403, {
          message:
            'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        });
      const access = req.method === 'POST' ? 'notes' : 'read';
      if (key && denied.get(key)?.has(access)) return json(403, { message: 'Forbidden' });
      const [path = '/'] = (req.url ?? '/').split('?');
      if (req.method === 'GET' && path === '/') {
        const headers = {
          'content-security-policy': PAGE_CSP,
          'x-frame-options': 'DENY',
          'cache-control': 'no-cache',
          etag: '"page-1"',
          vary: 'accept-encoding',
        };
        if (req.headers['if-none-match'] === '"page-1"') {
          res.writeHead(304, headers);
          res.end();
          return;
        }
        res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE);
        return;
      }
      if (req.method === 'GET' && path === '/assets/app.js') {
        res.writeHead(200, {
          'content-type': 'text/javascript; charset=utf-8',
          'content-encoding': 'br',
          'cache-control': 'public, max-age=31536000, immutable',
          etag: '"app-1.br"',
        });
        res.end(ASSET_BR);
        return;
      }
      if (req.method === 'POST' && /^\/v1\/incidents\/[^/]+\/notes$/.test(path))
        return json(201, { note: JSON.parse(body.toString('utf8')) as unknown });
      if (req.method === 'GET' && path.startsWith('/v1/'))
        return json(
          200,
          { path, query: req.url?.split('?')[1] ?? '' },
          { 'set-cookie': 'tracking=1; Path=/' },
        );
      return json(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    denied,
    expiredTokens,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// A browser stand-in: raw bytes, no decompression
// ---------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function call(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function problemOf(answer: Answer): { code: string; message: string; requestId?: string } {
  return (JSON.parse(answer.body.toString('utf8')) as { error: { code: string; message: string } }).error;
}

function staticCredentials(key: typeof KEY_A, extra: Partial<SigningCredentials> = {}): CredentialsProvider {
  return async () => ({ ...key, ...extra });
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('support proxy', () => {
  let gateway: FakeGateway;
  let proxy: SupportProxy;
  let notices: string[];
  const started: SupportProxy[] = [];

  async function startProxy(
    credentials: CredentialsProvider = staticCredentials(KEY_A, { accountId: ACCOUNT }),
    upstream = gateway.url,
  ): Promise<SupportProxy> {
    const p = await startSupportProxy({
      upstream: new URL(upstream),
      region: REGION,
      credentials,
      port: 0,
      notice: (line) => notices.push(line),
      signInHint: 'sign in (aws sso login --profile support)',
    });
    started.push(p);
    return p;
  }

  beforeAll(async () => {
    gateway = await startFakeGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.close()));
    gateway.received.length = 0;
    gateway.denied.clear();
    gateway.expiredTokens.clear();
  });
  const ready = async (credentials?: CredentialsProvider) => {
    notices = [];
    proxy = await startProxy(credentials);
    return proxy;
  };

  describe('forwards the page and the API, signed and byte-exact', () => {
    it('serves the page with its security headers, signed for execute-api', async () => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, '/', {
        headers: { accept: 'text/html', 'accept-encoding': 'br, gzip', host: `127.0.0.1:${proxy.port}` },
      });
      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body.equals(PAGE)).toBe(true);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['content-security-policy']).toBe(PAGE_CSP);
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(answer.headers.etag).toBe('"page-1"');
      const [forwarded] = gateway.received;
      expect(forwarded?.signatureValid).toBe(true);
      expect(forwarded?.headers.authorization).toMatch(
        /Credential=AKIATESTKEYAAAA1111\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
      );
      expect(forwarded?.headers.accept).toBe('text/html');
      expect(forwarded?.headers['accept-encoding']).toBe('br, gzip');
    });

    it('passes a brotli asset through as the same bytes with content-encoding br', async () => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, '/assets/app.js', { headers: { 'accept-encoding': 'br' } });
      // Assess
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding']).toBe('br');
      expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(answer.body.equals(ASSET_BR)).toBe(true);
      expect(brotliDecompressSync(answer.body).toString('utf8')).toBe(ASSET_SOURCE);
      expect(gateway.received[0]?.signatureValid).toBe(true);
    });

    it('passes if-none-match on and the 304 back', async () => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, '/', { headers: { 'if-none-match': '"page-1"' } });
      // Assess
      expect(answer.status).toBe(304);
      expect(answer.body.length).toBe(0);
      expect(answer.headers.etag).toBe('"page-1"');
      expect(gateway.received[0]?.headers['if-none-match']).toBe('"page-1"');
      expect(gateway.received[0]?.signatureValid).toBe(true);
    });

    it('signs API paths with encoded characters and queries as SigV4 canonicalises them', async () => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, '/v1/entities/customer/jane%40example.com?view=full&q=a+b%2Bc&x');
      // Assess
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body.toString('utf8'))).toEqual({
        path: '/v1/entities/customer/jane%40example.com',
        query: 'view=full&q=a%20b%2Bc&x=',
      });
      expect(gateway.received[0]?.signatureValid).toBe(true);
    });

    it('signs a note POST with its body, and forwards body and content type unchanged', async () => {
      // Prepare
      await ready();
      const note = JSON.stringify({ text: 'Called the customer back; waiting for CRM.' });
      // Act
      const answer = await call(proxy.port, '/v1/incidents/inc-42/notes', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: `http://127.0.0.1:${proxy.port}`,
          'sec-fetch-site': 'same-origin',
        },
        body: note,
      });
      // Assess
      expect(answer.status).toBe(201);
      expect(JSON.parse(answer.body.toString('utf8'))).toEqual({ note: JSON.parse(note) });
      const [forwarded] = gateway.received;
      expect(forwarded?.signatureValid).toBe(true);
      expect(forwarded?.body.toString('utf8')).toBe(note);
      expect(forwarded?.headers['content-type']).toBe('application/json');
    });

    it('drops browser-supplied authorization, x-amz-* and cookie headers, and the API cookies', async () => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, '/v1/meta', {
        headers: {
          authorization: 'Bearer from-the-browser',
          'x-amz-security-token': 'not-yours',
          'x-amz-date': '20000101T000000Z',
          'x-amz-target': 'Anything',
          cookie: 'session=other-local-app',
        },
      });
      // Assess
      expect(answer.status).toBe(200);
      expect(answer.headers['set-cookie']).toBeUndefined();
      expect(answer.headers['apigw-requestid']).toBe('req-1');
      const [forwarded] = gateway.received;
      expect(forwarded?.signatureValid).toBe(true);
      expect(forwarded?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
      expect(forwarded?.headers['x-amz-security-token']).toBe(KEY_A.sessionToken);
      expect(forwarded?.headers['x-amz-date']).not.toBe('20000101T000000Z');
      expect(forwarded?.headers['x-amz-target']).toBeUndefined();
      expect(forwarded?.headers.cookie).toBeUndefined();
    });

    it('accepts localhost:<port> as its own host', async () => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, '/v1/meta', { headers: { host: `localhost:${proxy.port}` } });
      // Assess
      expect(answer.status).toBe(200);
      expect(gateway.received).toHaveLength(1);
    });
  });

  describe('refuses what it must not forward, without forwarding it', () => {
    it.each([
      ['GET', '/admin', 404, 'not_proxied'],
      ['GET', '/v2/meta', 404, 'not_proxied'],
      ['DELETE', '/v1/incidents/inc-1', 405, 'method_not_allowed'],
      ['POST', '/v1/contracts', 405, 'method_not_allowed'],
      ['GET', '/assets/../v1/meta', 400, 'invalid_path'],
      ['GET', '/v1//meta', 400, 'invalid_path'],
    ])('%s %s answers %i locally', async (method, path, status, code) => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, path, { method });
      // Assess
      expect(answer.status).toBe(status);
      expect(problemOf(answer).code).toBe(code);
      expect(gateway.received).toHaveLength(0);
    });

    it('refuses a request under a foreign Host (DNS rebinding) with 403', async () => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, '/v1/meta', {
        headers: { host: `attacker.example:${proxy.port}` },
      });
      // Assess
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(problemOf(answer).code).toBe('foreign_host');
      expect(gateway.received).toHaveLength(0);
      expect(notices.join('\n')).toMatch(/refused a request for host "attacker\.example:\d+"/);
    });

    it.each([
      [{ origin: 'http://127.0.0.1:3000' }],
      [{ origin: 'null' }],
      [{ 'sec-fetch-site': 'same-site' }],
    ])('refuses a cross-origin POST (%o) with 403', async (headers) => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, '/v1/incidents/inc-42/notes', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...headers },
        body: '{"text":"forged"}',
      });
      // Assess
      expect(answer.status).toBe(403);
      expect(problemOf(answer).code).toBe('cross_origin');
      expect(gateway.received).toHaveLength(0);
    });

    it('refuses a body above 16 KB with 413', async () => {
      // Prepare
      await ready();
      // Act
      const answer = await call(proxy.port, '/v1/incidents/inc-42/notes', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'x'.repeat(17 * 1024) }),
      });
      // Assess
      expect(answer.status).toBe(413);
      expect(problemOf(answer).code).toBe('payload_too_large');
      expect(gateway.received).toHaveLength(0);
    });
  });

  describe('explains what goes wrong', () => {
    it('answers 502 with a JSON problem when the API cannot be reached', async () => {
      // Prepare
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      notices = [];
      const p = await startProxy(undefined, `http://127.0.0.1:${deadPort}`);
      // Act
      const answer = await call(p.port, '/v1/meta');
      // Assess
      expect(answer.status).toBe(502);
      expect(problemOf(answer)).toMatchObject({ code: 'upstream_unreachable' });
      expect(problemOf(answer).message).toContain('ECONNREFUSED');
      expect(notices).toEqual([
        expect.stringMatching(/^GET \/v1\/meta 502: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/),
      ]);
    });

    it('names the notes permission when API Gateway refuses a note', async () => {
      // Prepare
      await ready();
      gateway.denied.set(KEY_A.accessKeyId, new Set(['notes']));
      // Act
      const answer = await call(proxy.port, '/v1/incidents/inc-42/notes', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"hello"}',
      });
      // Assess
      expect(answer.status).toBe(403);
      const error = problemOf(answer);
      expect(error.code).toBe('missing_notes_permission');
      expect(error.message).toContain(
        `execute-api:Invoke on arn:aws:execute-api:eu-west-1:${ACCOUNT}:<api-id>/$default/POST/v1/incidents/*/notes`,
      );
      expect(error.message).toContain('StatusApiNotesArn');
      expect(error.requestId).toBe('req-1');
      expect(notices.join('\n')).toMatch(/POST \/v1\/incidents\/… 403: Access denied/);
    });

    it('names the read permission when API Gateway refuses a read, and never logs the entity id', async () => {
      // Prepare
      await ready();
      gateway.denied.set(KEY_A.accessKeyId, new Set(['read']));
      // Act
      const answer = await call(proxy.port, '/v1/entities/customer/jane%40example.com');
      // Assess
      expect(answer.status).toBe(403);
      expect(problemOf(answer).code).toBe('missing_read_permission');
      expect(problemOf(answer).message).toContain('/$default/GET/*');
      expect(problemOf(answer).message).toContain('StatusApiReadArn');
      expect(notices.join('\n')).toContain('GET /v1/entities/… 403');
      expect(notices.join('\n')).not.toContain('jane');
    });

    it('shows a browser opening the page itself the same explanation as HTML, escaped', async () => {
      // Prepare
      await ready();
      gateway.denied.set(KEY_A.accessKeyId, new Set(['read']));
      // Act
      const answer = await call(proxy.port, '/', { headers: { accept: 'text/html,application/xhtml+xml' } });
      // Assess
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      const html = answer.body.toString('utf8');
      expect(html).toContain('<h1>The support page cannot be shown</h1>');
      expect(html).toContain(':&lt;api-id&gt;/$default/GET/*');
      expect(html).toContain('Code: missing_read_permission, request id: req-1');
    });

    it('reports a signature API Gateway rejects (a secret that does not match the key)', async () => {
      // Prepare
      await ready(staticCredentials({ ...KEY_A, secretAccessKey: 'wrong-secret' }));
      // Act
      const answer = await call(proxy.port, '/v1/meta');
      // Assess
      expect(gateway.received[0]?.signatureValid).toBe(false);
      expect(answer.status).toBe(403);
      expect(problemOf(answer).code).toBe('signature_rejected');
    });

    it('answers 503 with the sign-in hint when there are no credentials', async () => {
      // Prepare
      await ready(async () => {
        throw new Error('Could not load credentials from any providers');
      });
      // Act
      const answer = await call(proxy.port, '/v1/meta');
      // Assess
      expect(answer.status).toBe(503);
      expect(problemOf(answer).code).toBe('no_credentials');
      expect(problemOf(answer).message).toContain('aws sso login --profile support');
      expect(gateway.received).toHaveLength(0);
    });
  });

  describe('credentials', () => {
    it('asks the provider again once credentials are about to expire, and signs with the new ones', async () => {
      // Prepare: the first session ends in a minute (inside the renewal window), the next in an hour.
      const calls: Array<{ forceRefresh?: boolean } | undefined> = [];
      const sessions = [
        { ...KEY_A, expiration: new Date(Date.now() + 60_000) },
        { ...KEY_B, expiration: new Date(Date.now() + 3_600_000) },
      ];
      await ready(async (options) => {
        calls.push(options);
        return sessions[Math.min(calls.length - 1, 1)] ?? KEY_B;
      });
      // Act
      const first = await call(proxy.port, '/v1/meta');
      const second = await call(proxy.port, '/v1/meta');
      const third = await call(proxy.port, '/v1/meta');
      // Assess
      expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
      expect(calls).toHaveLength(2);
      expect(gateway.received.map((r) => r.signatureValid)).toEqual([true, true, true]);
      expect(gateway.received.map((r) => r.headers['x-amz-security-token'])).toEqual([
        'token-a',
        'token-b',
        'token-b',
      ]);
      expect(notices.join('\n')).toContain('renewed AWS credentials (key …2222');
    });

    it('keeps long-term credentials without asking again', async () => {
      // Prepare
      let calls = 0;
      await ready(async () => {
        calls += 1;
        return KEY_A;
      });
      // Act
      await call(proxy.port, '/v1/meta');
      await call(proxy.port, '/v1/meta');
      // Assess
      expect(calls).toBe(1);
    });

    it('renews and retries once when API Gateway says the token expired early', async () => {
      // Prepare
      const calls: Array<{ forceRefresh?: boolean } | undefined> = [];
      gateway.expiredTokens.add(KEY_A.accessKeyId);
      await ready(async (options) => {
        calls.push(options);
        return calls.length === 1 ? KEY_A : KEY_B;
      });
      // Act
      const answer = await call(proxy.port, '/v1/meta');
      // Assess
      expect(answer.status).toBe(200);
      expect(calls).toEqual([undefined, { forceRefresh: true }]);
      expect(gateway.received.map((r) => r.headers['x-amz-security-token'])).toEqual(['token-a', 'token-b']);
    });

    it('tells the person to sign in when the renewed token is expired too', async () => {
      // Prepare
      gateway.expiredTokens.add(KEY_A.accessKeyId);
      await ready(staticCredentials(KEY_A));
      // Act
      const answer = await call(proxy.port, '/v1/meta');
      // Assess
      expect(answer.status).toBe(403);
      expect(problemOf(answer).code).toBe('credentials_expired');
      expect(problemOf(answer).message).toContain('aws sso login --profile support');
      expect(gateway.received).toHaveLength(2);
    });
  });
});

describe('support proxy helpers', () => {
  it.each([
    ['The security token included in the request is expired', '', 'expired'],
    ['The security token included in the request is invalid.', '', 'invalid-token'],
    ['Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z', '', 'clock'],
    ['Credential should be scoped to a valid region. ', '', 'region'],
    ['The request signature we calculated does not match the signature you provided.', '', 'signature'],
    ['Forbidden', '', 'permission'],
    [
      'User: arn:aws:sts::1:assumed-role/x/y is not authorized to perform: execute-api:Invoke',
      '',
      'permission',
    ],
  ])('classifies "%s" as %s', (message, type, reason) => {
    expect(forbiddenReason(message, type)).toBe(reason);
  });

  it('names the ARNs of the stack outputs for an execute-api URL', () => {
    // Prepare
    const location = apiLocation(
      new URL('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com'),
      'eu-west-1',
    );
    // Act / Assess
    expect(accessArn(location, 'read', ACCOUNT)).toBe(
      `arn:aws:execute-api:eu-west-1:${ACCOUNT}:a1b2c3d4e5/$default/GET/*`,
    );
    expect(accessArn(location, 'notes')).toBe(
      'arn:aws:execute-api:eu-west-1:<account>:a1b2c3d4e5/$default/POST/v1/incidents/*/notes',
    );
  });

  it('re-encodes queries the way SigV4 canonicalises them', () => {
    expect(canonicalQuery("a=b+c&d=%7E&e=it's&=nameless")).toBe('a=b%20c&d=~&e=it%27s');
  });
});

describe('handoff support-proxy (command)', () => {
  function capture(): Io & { out: (t: string) => void; text: () => { out: string; err: string } } {
    let out = '';
    let err = '';
    return {
      out: (t) => {
        out += `${t}\n`;
      },
      err: (t) => {
        err += `${t}\n`;
      },
      text: () => ({ out, err }),
    };
  }

  it.each([
    [[], /say which status API: --url https:\/\/<api-id>/],
    [['--url', 'not a url'], /--url "not a url" is not a URL/],
    [['--url', 'http://abc.execute-api.eu-west-1.amazonaws.com'], /must use https/],
    [['--url', 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/meta'], /without \/v1/],
    [['--url', 'https://status.example.com'], /cannot tell the region from status\.example\.com/],
    [['--url', 'https://abc.execute-api.eu-west-1.amazonaws.com', '--region', 'us-east-1'], /does not match/],
    [['--url', 'https://abc.execute-api.eu-west-1.amazonaws.com', '--port', '99999'], /--port "99999"/],
  ])('exits 2 with a usage error for %j', async (args, message) => {
    // Prepare
    const io = capture();
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    // Act
    const code = await main(['support-proxy', ...args], io).finally(() => Object.assign(process.env, saved));
    // Assess
    expect(code).toBe(2);
    expect(io.text().err).toMatch(message);
    expect(io.text().err).toContain('Usage: handoff support-proxy --url');
    expect(io.text().err).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('takes the region from --region, else the URL, else AWS_REGION', () => {
    // Prepare
    const custom = { url: 'https://status.example.com' };
    // Act / Assess
    expect(parseSupportProxyFlags({ ...custom, region: 'us-east-2' }, {}).region).toBe('us-east-2');
    expect(
      parseSupportProxyFlags({ url: 'https://abc.execute-api.ap-southeast-2.amazonaws.com' }, {}),
    ).toMatchObject({
      region: 'ap-southeast-2',
      regionSource: 'the URL',
      port: 4760,
    });
    expect(parseSupportProxyFlags(custom, { AWS_REGION: 'eu-central-1' })).toMatchObject({
      region: 'eu-central-1',
      regionSource: 'AWS_REGION',
    });
  });

  it('prints the page address and the identity (last 4 of the key only), serves, and stops on SIGINT', async () => {
    // Prepare
    const gateway = await startFakeGateway();
    const io = capture();
    const signals = new EventEmitter();
    let answer: Answer | undefined;
    // Act
    const code = await supportProxyCommand({ url: gateway.url, port: '0', region: REGION }, io, {
      credentials: staticCredentials(KEY_A, {
        accountId: ACCOUNT,
        expiration: new Date('2030-01-01T14:32:00Z'),
      }),
      signals,
      env: {},
      onReady: (proxy) => {
        call(proxy.port, '/v1/meta').then((a) => {
          answer = a;
          signals.emit('SIGINT');
        });
      },
    }).finally(() => gateway.close());
    // Assess
    const { out } = io.text();
    expect(code).toBe(0);
    expect(answer?.status).toBe(200);
    expect(out).toMatch(/^ {2}support page {2}http:\/\/127\.0\.0\.1:\d+\/$/m);
    expect(out).toContain(
      `signing as    access key …1111 (the default credential chain), account ${ACCOUNT}, temporary until 14:32 UTC`,
    );
    expect(out).toContain('stopped.');
    expect(out).not.toContain(KEY_A.accessKeyId);
    expect(out).not.toContain(KEY_A.secretAccessKey);
    expect(out).not.toContain(KEY_A.sessionToken);
  });

  it('exits 1 with the sign-in hint, naming the profile, when there are no credentials', async () => {
    // Prepare
    const io = capture();
    // Act
    const code = await supportProxyCommand(
      { url: 'https://abc.execute-api.eu-west-1.amazonaws.com', port: '0', profile: 'support' },
      io,
      {
        credentials: async () => {
          throw new Error(
            'The SSO session associated with this profile has expired or is otherwise invalid.',
          );
        },
        signals: new EventEmitter(),
        env: {},
      },
    );
    // Assess
    expect(code).toBe(1);
    expect(io.text().err).toMatch(/no usable AWS credentials \(The SSO session .* has expired/);
    expect(io.text().err).toContain('aws sso login --profile support');
    expect(io.text().err).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('exits 1 when the port is taken', async () => {
    // Prepare
    const busy = http.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    const io = capture();
    // Act
    const code = await supportProxyCommand(
      { url: 'https://abc.execute-api.eu-west-1.amazonaws.com', port: String(port) },
      io,
      { credentials: staticCredentials(KEY_A), signals: new EventEmitter(), env: {} },
    ).finally(() => new Promise((resolve) => busy.close(resolve)));
    // Assess
    expect(code).toBe(1);
    expect(io.text().err).toContain(`cannot listen on 127.0.0.1:${port} (in use`);
  });
});
