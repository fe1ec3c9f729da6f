/**
 * Bad input and broken dependencies: every one gets a clear JSON problem (4xx for the caller's
 * mistakes, 503/500 for ours), never a stack trace, a raw payload or the input echoed back.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDoc } from '../../lambdas/commons/dynamo-doc.js';
import { createLogger } from '../../lambdas/commons/powertools.js';
import { createStatusApiHandler } from '../../lambdas/status-api/handler.js';
import { checkConformance } from './conformance.js';
import { type Api, apiEvent, lambdaContext, seedEstate, startApi } from './fixtures.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
  await seedEstate(api);
});

afterAll(async () => {
  await api.close();
});

function expectProblem(
  response: { status: number; body: string; json: Record<string, unknown> },
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(response.json).toEqual({
    error: { code, message: expect.any(String), requestId: expect.any(String) },
  });
  expect(response.body).not.toMatch(/at .+\.(ts|js):\d+|Error:|stack/);
}

describe('paths', () => {
  it.each([
    ['an unknown path', '/v1/customers/42', 404, 'route_not_found'],
    ['the root', '/', 404, 'route_not_found'],
    ['an unversioned path', '/contracts', 404, 'route_not_found'],
    ['an unknown version', '/v2/contracts', 404, 'route_not_found'],
    ['an entity type no contract carries', '/v1/entities/invoice/1', 404, 'unknown_entity_type'],
    ['a malformed entity type', '/v1/entities/Customer!/1', 400, 'invalid_entity_type'],
    [
      'an id with characters outside the safe set',
      '/v1/entities/customer/42%20OR%201=1',
      400,
      'invalid_entity_id',
    ],
    ['markup in an id', '/v1/entities/customer/%3Cimg%20src%3Dx%3E', 400, 'invalid_entity_id'],
    ['an oversized id', `/v1/entities/customer/${'a'.repeat(257)}`, 400, 'invalid_entity_id'],
    ['an oversized path', `/v1/entities/customer/${'a'.repeat(1100)}`, 400, 'invalid_path'],
    ['a control character', '/v1/entities/customer/4%0A2', 400, 'invalid_path'],
    ['a NUL byte', '/v1/entities/customer/42%00', 400, 'invalid_path'],
    ['path traversal', '/v1/entities/customer/..', 400, 'invalid_path'],
    ['encoded path traversal', '/v1/entities/customer/%2e%2e', 400, 'invalid_path'],
    ['an encoded slash', '/v1/entities/customer/..%2f..%2fetc', 400, 'invalid_path'],
    ['a malformed escape', '/v1/entities/customer/%E0%A4%A', 400, 'invalid_path'],
    ['an id that does not fit the contract schema', '/v1/entities/ticket/abc', 400, 'invalid_entity_id'],
    ['an unknown query parameter', '/v1/contracts?verbose=1', 400, 'invalid_query'],
  ])('%s gets %i %s', async (_name, path, status, code) => {
    // Act
    const response = await api.call('GET', path);

    // Assess
    expectProblem(response, status, code);
  });

  it('names the known entity types when the type is unknown', async () => {
    // Act
    const response = await api.call('GET', '/v1/entities/invoice/1');

    // Assess
    expect(response.json).toMatchObject({
      error: { message: 'no contract carries entities of type "invoice"; known types: customer, ticket' },
    });
  });

  it('says what a ticket id looks like when it does not fit', async () => {
    // Act
    const response = await api.call('GET', '/v1/entities/ticket/abc');

    // Assess
    expect(response.json).toMatchObject({
      error: { message: 'ticket ids look like a whole number; check the id' },
    });
  });

  it('never echoes unsafe input back', async () => {
    // Act
    const markup = await api.call('GET', '/v1/entities/%3Cscript%3Ealert(1)%3C%2Fscript%3E/1');
    const query = await api.call('GET', '/v1/contracts?%3Cb%3E=1');

    // Assess
    expect(markup.body).not.toMatch(/script|alert/);
    expect(query.json).toMatchObject({ error: { message: 'unknown query parameter (value not shown)' } });
  });

  it('tolerates one trailing slash and strips a named stage from the path', async () => {
    // Act
    const slash = await api.call('GET', '/v1/contracts/');
    const staged = await api.call('GET', '/v1/contracts/crm-customer-to-helpdesk', { stage: 'prod' });

    // Assess
    expect(slash.status).toBe(200);
    expect(staged.status).toBe(200);
  });
});

describe('methods', () => {
  it.each([
    ['POST', '/v1/contracts', 'GET'],
    ['DELETE', '/v1/incidents/abc', 'GET'],
    ['PUT', '/v1/entities/customer/42', 'GET'],
    ['GET', '/v1/incidents/abc/notes', 'POST'],
    ['PATCH', '/v1/incidents/abc/notes', 'POST'],
  ])('%s %s gets 405 with Allow: %s', async (method, path, allow) => {
    // Act
    const response = await api.call(method, path);

    // Assess
    expectProblem(response, 405, 'method_not_allowed');
    expect(response.headers.allow).toBe(allow);
  });
});

describe('every answer', () => {
  it('is JSON, never cached, and carries the security headers', async () => {
    // Act
    const ok = await api.call('GET', '/v1/contracts');
    const problem = await api.call('GET', '/nowhere');

    // Assess
    for (const response of [ok, problem]) {
      expect(response.headers).toMatchObject({
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'strict-transport-security': 'max-age=63072000; includeSubDomains',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
    }
  });
});

describe('broken dependencies', () => {
  it('answers 503 with Retry-After when DynamoDB cannot be reached, and logs the cause without the request', async () => {
    // Prepare: a client pointed at a port nothing listens on.
    const logs: string[] = [];
    const handler = createStatusApiHandler({
      ...api.deps,
      dynamo: dynamoDoc({
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      }),
      logger: createLogger({ output: (line) => logs.push(line) }),
    });

    // Act
    const result = (await handler(
      apiEvent('GET', '/v1/entities/customer/42', { requestId: 'req-broken' }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    const json = JSON.parse(result.body ?? '{}');

    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toBe('5');
    expect(json).toEqual({
      error: {
        code: 'dependency_unavailable',
        message: 'the sync state table is unavailable right now; try again in a few seconds',
        requestId: 'req-broken',
      },
    });
    expect(
      checkConformance('GET', '/v1/entities/customer/42', {
        status: result.statusCode ?? 0,
        headers: result.headers as Record<string, string>,
        json,
      }),
    ).toEqual([]);
    const error = logs.map((l) => JSON.parse(l)).find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ message: 'dependency failed', code: 'dependency_unavailable' });
    expect(JSON.stringify(logs)).not.toContain('/v1/entities/customer/42');
  });

  it('answers 503 before Lambda times out when DynamoDB hangs', async () => {
    // Prepare: a server that accepts connections and never answers; Lambda has 1.2 s left.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as AddressInfo).port;
    const handler = createStatusApiHandler({
      ...api.deps,
      dynamo: dynamoDoc({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      }),
    });
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 1200 };

    try {
      // Act
      const result = (await handler(
        apiEvent('GET', '/v1/entities/customer/42', { requestId: 'req-slow' }),
        context,
      )) as APIGatewayProxyStructuredResultV2;

      // Assess
      expect(result.statusCode).toBe(503);
      expect(JSON.parse(result.body ?? '{}')).toMatchObject({ error: { code: 'dependency_unavailable' } });
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('answers 500 without details when something unexpected breaks', async () => {
    // Prepare: a clock that throws, standing in for any bug.
    const handler = createStatusApiHandler({
      ...api.deps,
      now: () => {
        throw new TypeError('secret internals: cannot read properties of undefined');
      },
    });

    // Act
    const result = (await handler(
      apiEvent('GET', '/v1/priorities', { requestId: 'req-bug' }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Assess
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body ?? '{}')).toEqual({
      error: {
        code: 'internal_error',
        message: 'the status API failed to answer; try again, and quote the requestId if it persists',
        requestId: 'req-bug',
      },
    });
    expect(result.body).not.toContain('secret internals');
  });

  it('answers 400 to a method that is not a word', async () => {
    // Act
    const response = await api.call('G\nET', '/v1/contracts');

    // Assess
    expectProblem(response, 400, 'invalid_request');
  });

  it('answers 400, not 500, to an event without a method or path', async () => {
    // Prepare
    const handler = createStatusApiHandler(api.deps);

    // Act
    const result = (await handler(
      { version: '2.0', headers: {}, isBase64Encoded: false } as never,
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Assess
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '{}')).toEqual({
      error: { code: 'invalid_request', message: 'the request has no method or path' },
    });
  });
});
