/**
 * How the status API serves the page, through the real handler (middy, Powertools) and API
 * Gateway payload 2.0 events: the HTML with its strict headers, the hashed assets with immutable
 * caching, 404s for anything else, and GET /v1/meta (checked against the OpenAPI document).
 */
import { brotliDecompressSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_ASSETS, PAGE_HTML } from '../../lambdas/status-api/assets.js';
import { createStatusApiHandler } from '../../lambdas/status-api/handler.js';
import { acceptsBrotli, PAGE_CSP } from '../../lambdas/status-api/page/serve.js';
import { ID_PATTERN } from '../../lambdas/status-api/validate.js';
import { type Api, apiEvent, type CallOptions, lambdaContext, startApi } from '../status-api/fixtures.js';

let api: Api;
let handler: ReturnType<typeof createStatusApiHandler>;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

beforeAll(async () => {
  api = await startApi();
  handler = createStatusApiHandler(api.deps);
});

afterAll(async () => {
  await api.close();
});

/** A raw call: the handler's result with lower-case headers and the decoded body. */
async function get(path: string, options: CallOptions = {}) {
  const result = (await handler(
    apiEvent('GET', path, options),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const raw = result.body ?? '';
  const body = result.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return { status: result.statusCode ?? 0, headers, body };
}

const assetNames = Object.keys(PAGE_ASSETS);
const scriptName = assetNames.find((n) => n.endsWith('.js')) ?? '';
const stylesName = assetNames.find((n) => n.endsWith('.css')) ?? '';

describe('GET /', () => {
  it('serves the page to a browser under a strict Content-Security-Policy', async () => {
    // Act
    const response = await get('/', { headers: { accept: BROWSER_ACCEPT } });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cache-control': 'no-cache',
      etag: `"${PAGE_HTML.hash}"`,
    });
    expect(response.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(response.body).toMatch(/^<!doctype html>/);
  });

  it('links its assets relatively, so it works under a stage path or a proxy prefix', async () => {
    // Act
    const response = await get('/', { headers: { accept: BROWSER_ACCEPT } });

    // Assess
    expect(response.body).toContain(`<script type="module" src="assets/${scriptName}"></script>`);
    expect(response.body).toContain(`<link rel="stylesheet" href="assets/${stylesName}">`);
    expect(response.body).not.toMatch(/(src|href)="\//);
  });

  it('has no inline script or style for the policy to block', async () => {
    // Act
    const { body } = await get('/', { headers: { accept: BROWSER_ACCEPT } });

    // Assess
    expect(body.match(/<script\b[^>]*>/g)).toEqual([`<script type="module" src="assets/${scriptName}">`]);
    expect(body).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i);
    expect(body).not.toMatch(/https?:\/\//);
  });

  it('answers 304 when the browser holds this version', async () => {
    // Act
    const response = await get('/', {
      headers: { accept: BROWSER_ACCEPT, 'if-none-match': `"${PAGE_HTML.hash}"` },
    });
    const stale = await get('/', { headers: { accept: BROWSER_ACCEPT, 'if-none-match': '"0000"' } });

    // Assess
    expect(response.status).toBe(304);
    expect(response.body).toBe('');
    expect(response.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(stale.status).toBe(200);
  });

  it('is served below a named stage too', async () => {
    // Act
    const response = await get('/', { stage: 'prod', headers: { accept: 'text/html' } });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('gives an API client that accepts no HTML the JSON 404 it understands', async () => {
    // Act
    const response = await get('/', { headers: { accept: 'application/json' } });

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toMatchObject({
      error: { code: 'route_not_found', message: expect.stringContaining('/v1/openapi.json') },
    });
  });

  it('refuses other methods and unknown query parameters', async () => {
    // Act
    const post = (await handler(
      apiEvent('POST', '/', { headers: { accept: 'text/html' }, body: '{}' }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    const query = await get('/?debug=1', { headers: { accept: 'text/html' } });

    // Assess
    expect(post.statusCode).toBe(405);
    expect(post.headers?.allow).toBe('GET');
    expect(query.status).toBe(400);
  });
});

describe('GET /assets/{file}', () => {
  it.each([
    [scriptName, 'text/javascript; charset=utf-8'],
    [stylesName, 'text/css; charset=utf-8'],
  ])('serves %s as %s, cached for a year', async (name, type) => {
    // Act
    const response = await get(`/assets/${name}`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': type,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      etag: `"${PAGE_ASSETS[name]?.hash}"`,
    });
    expect(Buffer.byteLength(response.body, 'utf8')).toBe(PAGE_ASSETS[name]?.bytes);
  });

  it.each([
    ['an unknown name', '/assets/app.js', 404, 'asset_not_found'],
    ['a name from an older build', '/assets/app.0000000000000000.js', 404, 'asset_not_found'],
    ['an inherited property name', '/assets/constructor', 404, 'asset_not_found'],
    ['path traversal', '/assets/..%2f..%2fpackage.json', 400, 'invalid_path'],
    ['a nested path', '/assets/a/b.js', 404, 'route_not_found'],
  ])('answers %s with %i %s', async (_name, path, status, code) => {
    // Act
    const response = await get(path);

    // Assess
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code } });
  });
});

describe('compression', () => {
  it('sends the stored brotli body to a browser that accepts br, with its own entity tag', async () => {
    // Act
    const result = (await handler(
      apiEvent('GET', `/assets/${scriptName}`, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    const plain = await get(`/assets/${scriptName}`);
    const revalidated = await get(`/assets/${scriptName}`, {
      headers: { 'accept-encoding': 'br', 'if-none-match': `"${PAGE_ASSETS[scriptName]?.hash}.br"` },
    });

    // Assess
    expect(result.headers).toMatchObject({ 'content-encoding': 'br', vary: 'accept-encoding' });
    expect(result.headers?.etag).toBe(`"${PAGE_ASSETS[scriptName]?.hash}.br"`);
    const unpacked = brotliDecompressSync(Buffer.from(result.body ?? '', 'base64')).toString('utf8');
    expect(unpacked === plain.body, 'same bytes once decompressed').toBe(true);
    expect(Buffer.from(result.body ?? '', 'base64').length).toBeLessThan(plain.body.length / 2);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(revalidated.status).toBe(304);
  });

  it.each([
    ['no Accept-Encoding', undefined, false],
    ['gzip only', 'gzip, deflate', false],
    ['br refused with q=0', 'gzip, br;q=0', false],
    ['br with a weight', 'gzip;q=1.0, br;q=0.5', true],
    ['upper case', 'GZIP, BR', true],
  ])('%s: brotli %s', (_label, header, expected) => {
    expect(acceptsBrotli(header)).toBe(expected);
  });
});

describe('GET /v1/meta', () => {
  it('names the stage, the entity types with their contracts, and the id rule', async () => {
    // Act: api.call checks the answer against the OpenAPI document.
    const response = await api.call('GET', '/v1/meta');

    // Assess
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      stage: 'dev',
      entityTypes: [
        {
          type: 'customer',
          contracts: api.plan.contracts.filter((c) => c.entity.type === 'customer').map((c) => c.id),
        },
        { type: 'ticket', contracts: ['helpdesk-csat-to-analytics', 'helpdesk-ticket-to-crm'] },
      ],
      entityId: {
        pattern: ID_PATTERN.source,
        maxLength: 256,
        description: 'letters, digits and . _ : @ + = ~ -',
      },
    });
  });
});
