/**
 * The OpenAPI document: served at /v1/openapi.json, lists exactly the routes the handler serves
 * (reads as GET, the one write as a separate POST route), and its schemas really reject responses
 * that drift from them (so the conformance checks in every other test can fail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from '../../lambdas/status-api/openapi.js';
import { ROUTES } from '../../lambdas/status-api/router.js';
import { checkConformance, validatorFor } from './conformance.js';
import { type Api, startApi } from './fixtures.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

describe('the document', () => {
  it('is served at GET /v1/openapi.json', async () => {
    // Act
    const response = await api.call('GET', '/v1/openapi.json');

    // Assess
    expect(response.status).toBe(200);
    expect(response.json).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    expect(response.json.openapi).toBe('3.1.0');
  });

  it('documents exactly the routes the router serves, with the same methods', () => {
    // Prepare
    const documented = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );

    // Act
    const served = ROUTES.map((r) => `${r.method} ${r.path}`);

    // Assess
    expect(documented.sort()).toEqual(served.sort());
  });

  it('keeps reads and the one write on separate routes so IAM can grant them separately', () => {
    // Act
    const writes = ROUTES.filter((r) => r.method !== 'GET');

    // Assess: API Gateway routes GET /v1/{proxy+} (read) and POST /v1/incidents/{id}/notes (write).
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/incidents/{id}/notes']);
    expect(ROUTES.filter((r) => r.method === 'GET').every((r) => r.path.startsWith('/v1/'))).toBe(true);
  });

  it('resolves every $ref it contains', () => {
    // Prepare
    const refs = new Set<string>();
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.add(value);
          else walk(value);
        }
      }
    };
    walk(OPENAPI_DOCUMENT);

    // Act
    const unresolved = [...refs].filter((ref) => {
      let target: unknown = OPENAPI_DOCUMENT;
      for (const part of ref.replace(/^#\//, '').split('/'))
        target = (target as Record<string, unknown>)?.[part];
      return target === undefined;
    });

    // Assess
    expect(refs.size).toBeGreaterThan(10);
    expect(unresolved).toEqual([]);
  });

  it('gives every operation a 200/201 schema and the problem responses', () => {
    // Act
    const operations = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, responses: Object.keys(op.responses) })),
    );

    // Assess
    for (const op of operations) {
      expect(
        op.responses.some((s) => s === '200' || s === '201'),
        `${op.method} ${op.path}`,
      ).toBe(true);
      expect(op.responses, `${op.method} ${op.path}`).toEqual(expect.arrayContaining(['400', '500', '503']));
    }
  });
});

describe('the conformance check', () => {
  it('rejects a response with a field the document does not declare', () => {
    // Act
    const problems = checkConformance('GET', '/v1/incidents', {
      status: 200,
      headers: okHeaders(),
      json: { state: 'open', incidents: [], nextCursor: null, payload: { email: 'x@example.com' } },
    });

    // Assess
    expect(problems.join('\n')).toMatch(/must NOT have additional properties/);
  });

  it('rejects a wrong state, a missing field and a malformed time', () => {
    // Act
    const validate = validatorFor('#/components/schemas/RetryOutlook');
    const valid = validate({
      attempts: 1,
      maxAttempts: 3,
      nextTryAround: null,
      retriesEndAround: 'soon',
    });

    // Assess
    expect(valid).toBe(false);
    expect(validate.errors?.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        "must have required property 'latestRetryBy'",
        'must match format "date-time"',
      ]),
    );
    expect(validatorFor('#/components/schemas/SupportState')('synced')).toBe(false);
  });

  it('rejects an undocumented status and a missing security header', () => {
    // Act
    const undocumented = checkConformance('GET', '/v1/ownership', {
      status: 418,
      headers: okHeaders(),
      json: { error: { code: 'teapot', message: 'no' } },
    });
    const headers = okHeaders();
    delete headers['cache-control'];
    const uncached = checkConformance('GET', '/v1/openapi.json', {
      status: 200,
      headers,
      json: OPENAPI_DOCUMENT,
    });

    // Assess
    expect(undocumented).toEqual(['GET /v1/ownership does not document status 418']);
    expect(uncached).toEqual(['header cache-control is undefined']);
  });
});

function okHeaders(): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'strict-transport-security': 'max-age=63072000; includeSubDomains',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  };
}
