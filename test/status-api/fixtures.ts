/**
 * The status API under test: the real handler (middy, Powertools logger) over dynalite with the
 * plan's tables, a small real SQS-protocol server for queue depths (with fault injection), a fixed
 * clock, and API Gateway HTTP API (payload 2.0) events. Every response is checked against the
 * OpenAPI document as it is returned, so every test is also a conformance test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { expect } from 'vitest';
import { sqsQueueAttributeReader } from '../../lambdas/commons/aws.js';
import { createLogger } from '../../lambdas/commons/powertools.js';
import {
  type HealthRecord,
  type IncidentNote,
  type IncidentRecord,
  KINDS,
  keys,
  type SyncRecord,
} from '../../lambdas/commons/records.js';
import type { StatusApiDeps } from '../../lambdas/status-api/api.js';
import { createStatusApiHandler } from '../../lambdas/status-api/handler.js';
import { claimRecord, failureRecord } from '../../lambdas/sync/state.js';
import { extractEntity } from '../../lib/model/entity.js';
import { evaluate } from '../../lib/model/jmespath.js';
import { type RuntimePlan, runtimePlanFor } from '../../lib/plan/runtime.js';
import type { Plan, TierName } from '../../lib/plan/types.js';
import { startDynamo, type TestDynamo } from '../helpers/dynamo.js';
import { exampleEstate, examplePlan } from '../helpers/estate.js';
import { checkConformance } from './conformance.js';

/** The fixed "now" of the tests: Monday 30 November 2026, 14:00 UTC. */
export const NOW = new Date('2026-11-30T14:00:00.000Z');
/** Minutes relative to NOW, as an ISO time. */
export const at = (minutesFromNow: number) => new Date(NOW.getTime() + minutesFromNow * 60_000).toISOString();

/** A fake SQS endpoint speaking the JSON protocol for GetQueueAttributes only. */
export interface FakeSqs {
  endpoint: string;
  depths: Map<string, { visible: number; inFlight: number }>;
  /** When set, every call answers this HTTP status with an SQS error body. */
  failWith: number | undefined;
  calls: number;
  close(): Promise<void>;
}

export async function startFakeSqs(): Promise<FakeSqs> {
  const state: Omit<FakeSqs, 'endpoint' | 'close'> = { depths: new Map(), failWith: undefined, calls: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      state.calls++;
      const target = req.headers['x-amz-target'];
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (state.failWith !== undefined) {
        res.statusCode = state.failWith;
        res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'injected failure' }));
        return;
      }
      if (target !== 'AmazonSQS.GetQueueAttributes') {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: String(target) }));
        return;
      }
      const input = JSON.parse(body) as { QueueUrl: string };
      const name = input.QueueUrl.split('/').at(-1) ?? '';
      const depth = state.depths.get(name);
      if (!depth) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'no queue' }));
        return;
      }
      res.end(
        JSON.stringify({
          Attributes: {
            ApproximateNumberOfMessages: String(depth.visible),
            ApproximateNumberOfMessagesNotVisible: String(depth.inFlight),
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    endpoint,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** One API environment: plan, dynalite, fake SQS, handler, captured log lines. */
export interface Api {
  plan: Plan;
  runtime: RuntimePlan;
  dynamo: TestDynamo;
  sqs: FakeSqs;
  deps: StatusApiDeps;
  logs: string[];
  clock: { now: Date };
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  put(table: 'syncState' | 'operations', item: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface CallOptions {
  body?: string;
  headers?: Record<string, string>;
  /** IAM caller ARN; null for none. */
  caller?: string | null;
  base64?: boolean;
  stage?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: Record<string, unknown>;
}

const DEFAULT_CALLER = 'arn:aws:sts::123456789012:assumed-role/HandoffSupport/support-session-1';

/** Starts an environment; every response is checked against the OpenAPI document. */
export async function startApi(): Promise<Api> {
  const plan = examplePlan();
  const runtime = runtimePlanFor(plan, { kind: 'status-api' });
  const dynamo = await startDynamo(plan.tables);
  const sqs = await startFakeSqs();
  for (const queue of plan.queues) sqs.depths.set(queue.name, { visible: 0, inFlight: 0 });
  const logs: string[] = [];
  const clock = { now: NOW };
  const queueUrls: Partial<Record<TierName, string>> = {};
  for (const tier of plan.tiers)
    queueUrls[tier.name] = `${sqs.endpoint}/123456789012/${tier.deadLetterQueue}`;
  const deps: StatusApiDeps = {
    dynamo: dynamo.doc,
    sqs: sqsQueueAttributeReader({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    }),
    plan: runtime,
    tables: { syncState: plan.tables.syncState.name, operations: plan.tables.operations.name },
    queueUrls,
    now: () => clock.now,
    logger: createLogger({ output: (line) => logs.push(line) }),
  };
  const handler = createStatusApiHandler(deps);
  let counter = 0;
  return {
    plan,
    runtime,
    dynamo,
    sqs,
    deps,
    logs,
    clock,
    async call(method, path, options = {}) {
      counter++;
      const event = apiEvent(method, path, { ...options, requestId: `req-${counter}` });
      const result = (await handler(event, lambdaContext(counter))) as APIGatewayProxyStructuredResultV2;
      const headers = Object.fromEntries(
        Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
      );
      const body = result.body ?? '';
      const json = JSON.parse(body) as Record<string, unknown>;
      const response = { status: result.statusCode ?? 0, headers, body, json };
      const problems = checkConformance(method, path, response);
      expect(problems, `${method} ${path} → ${response.status} does not match the OpenAPI document`).toEqual(
        [],
      );
      return response;
    },
    async put(table, item) {
      await dynamo.doc.put({ TableName: plan.tables[table].name, Item: item });
    },
    async close() {
      await Promise.all([dynamo.close(), sqs.close()]);
    },
  };
}

/** An API Gateway HTTP API (payload 2.0) event, as API Gateway sends it for an IAM-authorised route. */
export function apiEvent(
  method: string,
  pathWithQuery: string,
  options: CallOptions & { requestId?: string } = {},
): APIGatewayProxyEventV2 {
  const [rawPath = '', rawQuery = ''] = pathWithQuery.split('?');
  const query: Record<string, string> = {};
  for (const pair of rawQuery ? rawQuery.split('&') : []) {
    const [name = '', value = ''] = pair.split('=');
    const key = decodeURIComponent(name);
    // API Gateway joins repeated parameters with commas.
    query[key] = key in query ? `${query[key]},${decodeURIComponent(value)}` : decodeURIComponent(value);
  }
  const stage = options.stage ?? '$default';
  const caller = options.caller === undefined ? DEFAULT_CALLER : options.caller;
  const event = {
    version: '2.0',
    routeKey: method === 'POST' ? 'POST /v1/incidents/{id}/notes' : 'GET /v1/{proxy+}',
    rawPath: stage === '$default' ? rawPath : `/${stage}${rawPath}`,
    rawQueryString: rawQuery,
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', ...(options.headers ?? {}) },
    ...(rawQuery ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method,
        path: stage === '$default' ? rawPath : `/${stage}${rawPath}`,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.10',
        userAgent: 'vitest',
      },
      requestId: options.requestId ?? 'req-0',
      routeKey: 'GET /v1/{proxy+}',
      stage,
      time: '30/Nov/2026:14:00:00 +0000',
      timeEpoch: NOW.getTime(),
      ...(caller
        ? {
            authorizer: {
              iam: {
                accessKey: 'ASIAEXAMPLE',
                accountId: '123456789012',
                callerId: 'AROAEXAMPLE:support-session-1',
                cognitoIdentity: null,
                principalOrgId: 'o-example',
                userArn: caller,
                userId: 'AROAEXAMPLE:support-session-1',
              },
            },
          }
        : {}),
    },
    isBase64Encoded: options.base64 === true,
    ...(options.body !== undefined
      ? { body: options.base64 ? Buffer.from(options.body, 'utf8').toString('base64') : options.body }
      : {}),
  };
  return event as APIGatewayProxyEventV2;
}

/** A Lambda context with 10 s left (the plan's timeout for the status API). */
export function lambdaContext(n = 1): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'handoff-dev-platform-status-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:handoff-dev-platform-status-api',
    memoryLimitInMB: '256',
    awsRequestId: `lambda-req-${n}`,
    logGroupName: '/aws/lambda/handoff-dev-platform-status-api',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Records, built with the sync handler's own record builders (lambdas/sync/state.ts)
// ---------------------------------------------------------------------------------------------

export type Step =
  | { at: string; outcome: 'delivered' }
  | {
      at: string;
      outcome: 'failed';
      failureClass: 'transient' | 'permanent' | 'config';
      reason: string;
      deadLettered: boolean;
    };

/**
 * The record the sync handler leaves after delivering one event with these outcomes, in order
 * (each failure is one attempt; Lambda retries the same event).
 */
export function recordAfter(
  key: { contractId: string; entityType: string; entityId: string },
  steps: Step[],
  options: { version?: number; previous?: SyncRecord; eventId?: string } = {},
): SyncRecord {
  const version = options.version ?? 1;
  const eventId = options.eventId ?? `event-${key.contractId}-${key.entityId}-${version}`;
  let record = options.previous;
  for (const step of steps) {
    const now = new Date(step.at);
    const claimed = claimRecord(record, key, {
      version,
      eventId,
      requestId: `lambda-${eventId}`,
      now,
      leaseUntil: now.getTime() + 30_000,
    });
    if (step.outcome === 'delivered') {
      record = { ...claimed, leaseUntil: 0 };
      continue;
    }
    record = failureRecord(record, claimed, key, {
      version,
      eventId,
      requestId: `lambda-${eventId}`,
      now,
      failureClass: step.failureClass,
      reason: step.reason,
      deadLettered: step.deadLettered,
    });
  }
  if (!record) throw new Error('recordAfter needs at least one step');
  return record;
}

/** A contract's health record while degraded. */
export function degradedHealth(contractId: string, since: string, reason: string): HealthRecord {
  return {
    ...keys.health(contractId),
    sk: 'HEALTH',
    contractId,
    failures: 7,
    windowStart: Date.parse(since),
    degradedSince: since,
    lastFailureAt: since,
    lastFailureReason: reason,
  };
}

/** An incident as the incidents function writes it, from the plan's alarm. */
export function incidentFor(
  plan: Plan,
  alarmName: string,
  options: { id: string; openedAt: string; resolvedAt?: string; notes?: IncidentNote[] },
): IncidentRecord {
  const alarm = plan.alarms.find((a) => a.name === alarmName);
  if (!alarm) throw new Error(`no alarm ${alarmName}`);
  return {
    ...keys.incident(options.id),
    sk: 'INCIDENT',
    kind: options.resolvedAt ? KINDS.resolvedIncident : KINDS.openIncident,
    sortKey: options.openedAt,
    id: options.id,
    alarmName,
    failureMode: alarm.failureMode,
    ...(alarm.scope.kind === 'contract' ? { contractId: alarm.scope.contractId } : {}),
    tier: alarm.tier,
    severity: alarm.severity,
    owner: alarm.owner,
    escalation: [...alarm.escalation],
    summary: alarm.summary,
    customerImpact: alarm.customerImpact,
    nextAction: `Check the target system status with its owner.\nRunbook: ${alarm.runbook.url}`,
    runbookUrl: alarm.runbook.url,
    state: options.resolvedAt ? 'resolved' : 'open',
    openedAt: options.openedAt,
    ...(options.resolvedAt ? { resolvedAt: options.resolvedAt } : {}),
    notes: options.notes ?? [],
  };
}

const transient = (at: string, reason = 'HTTP 503 from helpdesk-api'): Step => ({
  at,
  outcome: 'failed',
  failureClass: 'transient',
  reason,
  deadLettered: false,
});

/** Incident ids of the seeded estate. */
export const INCIDENTS = {
  degraded: '20261130T135200000Z-billing-subscription-to-helpdesk-target-degraded',
  deadLetters: '20261130T120500000Z-standard-dead-letters',
  resolved: '20261129T091500000Z-crm-customer-to-helpdesk-handler-errors',
} as const;

/**
 * The estate support asks about. Customer 42, per contract:
 * - product-usage-to-crm (best-effort): in sync since 06:00;
 * - billing-invoice-to-crm (standard): retrying, first failure at 13:59:30;
 * - crm-billing-contact-to-billing (standard): failed, rejected by billing (permanent);
 * - crm-customer-to-helpdesk (critical, SLO 10m): retrying since 13:30, so stale at 14:00;
 * - billing-subscription-to-helpdesk (critical): retrying while the contract is degraded.
 * Plus other customers and tickets so counts, last successes and rankings have something to rank.
 */
export async function seedEstate(api: Api): Promise<void> {
  const records: SyncRecord[] = [
    recordAfter({ contractId: 'product-usage-to-crm', entityType: 'customer', entityId: '42' }, [
      { at: '2026-11-30T06:00:00.000Z', outcome: 'delivered' },
    ]),
    recordAfter({ contractId: 'billing-invoice-to-crm', entityType: 'customer', entityId: '42' }, [
      transient('2026-11-30T13:59:30.000Z', 'HTTP 503 from crm-api'),
    ]),
    recordAfter({ contractId: 'crm-billing-contact-to-billing', entityType: 'customer', entityId: '42' }, [
      {
        at: '2026-11-30T12:00:00.000Z',
        outcome: 'failed',
        failureClass: 'permanent',
        reason: 'HTTP 422 from billing-api: address.country is not a valid country code',
        deadLettered: true,
      },
    ]),
    recordAfter({ contractId: 'crm-customer-to-helpdesk', entityType: 'customer', entityId: '42' }, [
      transient(at(-30)),
      transient(at(-29)),
      transient(at(-27)),
    ]),
    recordAfter({ contractId: 'billing-subscription-to-helpdesk', entityType: 'customer', entityId: '42' }, [
      transient(at(-5)),
    ]),
    // Other customers on the degraded contract, so it affects more entities.
    ...['100', '101', '102'].map((id) =>
      recordAfter({ contractId: 'billing-subscription-to-helpdesk', entityType: 'customer', entityId: id }, [
        transient(at(-6)),
      ]),
    ),
    // Successes, for last-success times.
    recordAfter({ contractId: 'billing-subscription-to-helpdesk', entityType: 'customer', entityId: '7' }, [
      { at: at(-20), outcome: 'delivered' },
    ]),
    recordAfter({ contractId: 'crm-customer-to-helpdesk', entityType: 'customer', entityId: '7' }, [
      { at: at(-45), outcome: 'delivered' },
    ]),
    recordAfter({ contractId: 'helpdesk-ticket-to-crm', entityType: 'ticket', entityId: '9001' }, [
      { at: at(-90), outcome: 'delivered' },
    ]),
    // A config failure and a transient dead letter elsewhere.
    recordAfter({ contractId: 'billing-invoice-to-crm', entityType: 'customer', entityId: '55' }, [
      {
        at: at(-120),
        outcome: 'failed',
        failureClass: 'config',
        reason: 'HTTP 401 from crm-api: credentials rejected',
        deadLettered: true,
      },
    ]),
    recordAfter({ contractId: 'helpdesk-csat-to-analytics', entityType: 'ticket', entityId: '9002' }, [
      {
        at: at(-200),
        outcome: 'failed',
        failureClass: 'transient',
        reason: 'ThrottlingException from analytics-bus',
        deadLettered: true,
      },
    ]),
  ];
  for (const record of records) await api.put('syncState', { ...record });
  await api.put('syncState', {
    ...degradedHealth('billing-subscription-to-helpdesk', at(-8), 'HTTP 503 from helpdesk-api'),
  });
  await api.put('operations', {
    ...incidentFor(api.plan, 'handoff-dev-billing-subscription-to-helpdesk-target-degraded', {
      id: INCIDENTS.degraded,
      openedAt: at(-8),
    }),
  });
  await api.put('operations', {
    ...incidentFor(api.plan, 'handoff-dev-standard-dead-letters', {
      id: INCIDENTS.deadLetters,
      openedAt: '2026-11-30T12:05:00.000Z',
    }),
  });
  await api.put('operations', {
    ...incidentFor(api.plan, 'handoff-dev-crm-customer-to-helpdesk-handler-errors', {
      id: INCIDENTS.resolved,
      openedAt: '2026-11-29T09:15:00.000Z',
      resolvedAt: '2026-11-29T09:40:00.000Z',
      notes: [
        {
          at: '2026-11-29T09:41:00.000Z',
          author: 'arn:aws:sts::123456789012:assumed-role/HandoffOnCall/oncall-1',
          text: 'Helpdesk rate limit raised; retries drained.',
        },
      ],
    }),
  });
  const standard = api.plan.tiers.find((t) => t.name === 'standard');
  if (standard) api.sqs.depths.set(standard.deadLetterQueue, { visible: 2, inFlight: 0 });
}

/** Every string and number inside a value, as text. */
export function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (value && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [];
}

/**
 * Seeds one entity per sample event of every example contract, each record carrying the sample's
 * event (a careless writer's extra attributes) and, for every second one, a failure reason quoting
 * the sample's email: what the privacy checks search every answer for. Returns the entities and
 * the values found at the contracts' `personalData` paths.
 */
export async function seedSampleEntities(
  api: Api,
): Promise<{ entities: Array<{ type: string; id: string }>; personal: Set<string> }> {
  const entities: Array<{ type: string; id: string }> = [];
  const personal = new Set<string>();
  let n = 0;
  for (const contract of exampleEstate().contracts) {
    for (const sample of contract.samples) {
      for (const path of contract.personalData)
        for (const v of leaves(evaluate(path, sample.event))) personal.add(v);
      const entity = extractEntity(contract.entity, sample.event);
      // A distinct id per sample, so every contract's sample is a separate entity.
      const id = /^\d+$/.test(entity.id) ? `${entity.id}0${n++}` : `${entity.id}-sample-${n++}`;
      entities.push({ type: entity.type, id });
      const key = { contractId: contract.id, entityType: entity.type, entityId: id };
      const email = leaves(sample.event).find((v) => v.includes('@'));
      const record =
        n % 2 === 0
          ? recordAfter(key, [
              {
                at: at(-30),
                outcome: 'failed',
                failureClass: 'permanent',
                reason: `HTTP 422 from target: ${email ?? 'no email in this sample'} rejected`,
                deadLettered: true,
              },
            ])
          : recordAfter(key, [{ at: at(-5), outcome: 'delivered' }]);
      await api.put('syncState', { ...record, detail: sample.event.detail, lastEvent: sample.event });
    }
  }
  return { entities, personal };
}
