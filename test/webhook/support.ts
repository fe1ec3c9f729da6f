/**
 * Shared parts for the webhook tests: a real EventBridge-compatible PutEvents server (the local
 * layer's own ingress logic on a node:http server) with fault injection, receivers wired to it and
 * to dynalite, and function-URL events as Lambda delivers them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { SecretReader } from '../../lambdas/commons/aws.js';
import { createLogger, createMetrics } from '../../lambdas/commons/powertools.js';
import { eventBridgeWebhookBus, type WebhookBus } from '../../lambdas/webhook/bus.js';
import { buildWebhookDeps } from '../../lambdas/webhook/deps.js';
import { createWebhookHandler } from '../../lambdas/webhook/handler.js';
import { putEvents } from '../../lib/local/ingress.js';
import { MetricStore } from '../../lib/local/metrics.js';
import { systemDimensions, WEBHOOK_METRICS, type WebhookRejection } from '../../lib/plan/metrics.js';
import type { Plan, WebhookPlan } from '../../lib/plan/types.js';
import type { TestDynamo } from '../helpers/dynamo.js';
import { lambdaContext } from '../ops/support/lambda.js';

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** How the fake bus fails the next requests. */
export type BusFault = { mode: 'failed-entry'; code: string } | { mode: 'http-500' };

export interface TestBus {
  endpoint: string;
  /** Events put successfully, as EventBridge would deliver them. */
  events: Array<Record<string, unknown>>;
  /** PutEvents requests received (including failed ones). */
  requests: number;
  /** Fails the next `times` requests. */
  fail(fault: BusFault, times: number): void;
  close(): Promise<void>;
}

/** A PutEvents endpoint validating entries exactly as the local layer's ingress does. */
export async function startBus(busName: string): Promise<TestBus> {
  const events: Array<Record<string, unknown>> = [];
  let fault: { fault: BusFault; times: number } | undefined;
  const bus: TestBus = {
    endpoint: '',
    events,
    requests: 0,
    fail: (f, times) => {
      fault = { fault: f, times };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bus.requests++;
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (fault && fault.times > 0) {
        fault.times--;
        if (fault.fault.mode === 'http-500')
          return reply(500, { __type: 'InternalException', message: 'injected' });
        return reply(200, {
          FailedEntryCount: 1,
          Entries: [{ ErrorCode: fault.fault.code, ErrorMessage: 'injected failure' }],
        });
      }
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      putEvents(input, {
        busName,
        account: '123456789012',
        region: 'eu-west-1',
        route: (_bus, event) => {
          events.push(event);
          return [];
        },
        accept: async () => undefined,
        metrics: new MetricStore(60_000),
      }).then(
        (answer) => reply(answer.status, answer.body),
        () => reply(500, { __type: 'InternalException' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  bus.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return bus;
}

/** A secrets store in memory (Secrets Manager's behaviour: unknown names throw ResourceNotFound). */
export function memorySecrets(values: Record<string, string>): SecretReader & { reads: number } {
  const reader = {
    reads: 0,
    async read(name: string) {
      reader.reads++;
      const value = values[name];
      if (value === undefined)
        throw Object.assign(new Error(`secret ${name} not found`), { name: 'ResourceNotFoundException' });
      return value;
    },
  };
  return reader;
}

export interface Receiver {
  invoke(event: APIGatewayProxyEventV2, remainingMs?: number): Promise<Answer>;
  /** EMF output, parsed as CloudWatch does. */
  metrics: MetricStore;
  namespace: string;
  /** Log lines as JSON text (searched for leaks). */
  logs: string[];
  count(name: keyof typeof WEBHOOK_METRICS, reason?: WebhookRejection): number;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  raw: string;
}

/** A receiver for `webhook` on dynalite and the test bus; `clock` drives signature tolerance and TTLs. */
export function receiver(options: {
  plan: Plan;
  webhook: WebhookPlan;
  dynamo: Pick<TestDynamo, 'doc'>;
  bus: TestBus | WebhookBus;
  secrets: SecretReader;
  clock: () => Date;
  env?: Record<string, string>;
}): Receiver {
  const logs: string[] = [];
  const store = new MetricStore(3_600_000);
  const metrics = createMetrics(options.plan.metricsNamespace, { output: (line) => store.ingestEmf(line) });
  const bus =
    'put' in options.bus
      ? options.bus
      : eventBridgeWebhookBus({
          endpoint: options.bus.endpoint,
          region: 'eu-west-1',
          credentials,
          maxAttempts: 1,
        });
  const handler = createWebhookHandler(
    buildWebhookDeps({
      plan: { webhooks: [options.webhook] },
      systemId: options.webhook.systemId,
      tableName: options.plan.tables.operations.name,
      ddb: options.dynamo.doc,
      bus,
      secrets: options.secrets,
      env: options.env ?? {},
      logger: createLogger({ output: (line) => logs.push(line) }),
      metrics,
      now: options.clock,
    }),
  );
  return {
    metrics: store,
    namespace: options.plan.metricsNamespace,
    logs,
    count: (name, reason) =>
      store.total(
        options.plan.metricsNamespace,
        WEBHOOK_METRICS[name],
        systemDimensions(options.webhook.systemId, reason),
      ),
    async invoke(event, remainingMs = 10_000) {
      const result = (await handler(
        event,
        lambdaContext(options.webhook.functionName, remainingMs),
      )) as APIGatewayProxyStructuredResultV2;
      const raw = result.body ?? '';
      return {
        status: result.statusCode ?? 0,
        headers: (result.headers ?? {}) as Record<string, string>,
        body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
        raw,
      };
    },
  };
}

/** A function-URL event (payload 2.0) for a POST with the given raw body and headers. */
export function webhookEvent(input: {
  body: Buffer | string;
  headers: Record<string, string>;
  method?: string;
  base64?: boolean;
  path?: string;
}): APIGatewayProxyEventV2 {
  const bytes = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: input.path ?? '/',
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abcdefghij',
      http: {
        method: input.method ?? 'POST',
        path: input.path ?? '/',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'Provider-Webhooks/1.0',
      },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '30/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_796_032_800_000,
    },
    body: input.base64 ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: input.base64 === true,
  };
}
