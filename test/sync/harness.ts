/**
 * Builds a real sync handler for one example contract against dynalite and a real HTTP target.
 * Dead letters, published events and secrets go through handoff's own ports, captured here.
 */
import type { Context } from 'aws-lambda';
import type { EntryPutter } from '../../lambdas/commons/aws.js';
import { createLogger, createMetrics } from '../../lambdas/commons/powertools.js';
import { keys, type SyncRecord } from '../../lambdas/commons/records.js';
import { buildSyncDeps } from '../../lambdas/sync/deps.js';
import { createSyncHandler } from '../../lambdas/sync/handler.js';
import type { SyncDeps } from '../../lambdas/sync/sync.js';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import { runtimePlanFor } from '../../lib/plan/runtime.js';
import type { Plan } from '../../lib/plan/types.js';
import type { TestDynamo } from '../helpers/dynamo.js';

export interface Harness {
  deps: SyncDeps;
  run(event: unknown, options?: { requestId?: string; remainingMs?: number }): Promise<unknown>;
  record(entityType: string, entityId: string): Promise<SyncRecord | undefined>;
  health(): Promise<Record<string, unknown> | undefined>;
  deadLetters: Array<{ body: string; attributes: Record<string, string> }>;
  published: Array<{ busName: string; source: string; detailType: string; detail: unknown }>;
  logs: string[];
  emf: string[];
  clock: { offsetMs: number };
}

export interface HarnessOptions {
  plan: Plan;
  dynamo: TestDynamo;
  contractId: string;
  env?: Record<string, string | undefined>;
  secrets?: Record<string, string>;
  entries?: EntryPutter;
  failDeadLetters?: boolean;
}

let requestCounter = 0;

export function buildHarness(options: HarnessOptions): Harness {
  const runtime: RuntimePlan = runtimePlanFor(options.plan, { kind: 'sync', contractId: options.contractId });
  const deadLetters: Harness['deadLetters'] = [];
  const published: Harness['published'] = [];
  const logs: string[] = [];
  const emf: string[] = [];
  const clock = { offsetMs: 0 };
  const deps = buildSyncDeps({
    plan: runtime,
    contractId: options.contractId,
    syncTableName: options.plan.tables.syncState.name,
    busName: options.plan.bus.name,
    dynamo: options.dynamo.doc,
    deadLetters: {
      send: async (message) => {
        if (options.failDeadLetters)
          throw Object.assign(new Error('queue unavailable'), { name: 'QueueUnavailable' });
        deadLetters.push(message);
      },
    },
    publisher: { putEvents: async (entries) => void published.push(...entries) },
    entries: options.entries ?? { putEntry: async () => ({}) },
    secrets: {
      read: async (name) => {
        const value = options.secrets?.[name];
        if (value === undefined)
          throw Object.assign(new Error(`no secret ${name}`), { name: 'ResourceNotFoundException' });
        return value;
      },
    },
    env: options.env ?? {},
    logger: createLogger({ output: (line) => logs.push(line) }),
    metrics: createMetrics(options.plan.metricsNamespace, { output: (line) => emf.push(line) }),
    now: () => new Date(Date.now() + clock.offsetMs),
    leaseMarginMs: 200,
  });
  const handler = createSyncHandler(deps);
  return {
    deps,
    deadLetters,
    published,
    logs,
    emf,
    clock,
    run: (event, runOptions = {}) => {
      const remaining = runOptions.remainingMs ?? 30_000;
      const context = {
        awsRequestId: runOptions.requestId ?? `req-${++requestCounter}`,
        invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:handoff-dev-${options.contractId}`,
        functionName: `handoff-dev-${options.contractId}`,
        getRemainingTimeInMillis: () => remaining,
      } as unknown as Context;
      return handler(event, context);
    },
    record: async (entityType, entityId) => {
      const out = await options.dynamo.doc.get({
        TableName: options.plan.tables.syncState.name,
        Key: { pk: keys.entity(entityType, entityId), sk: keys.contract(options.contractId) },
      });
      return out.Item as SyncRecord | undefined;
    },
    health: async () => {
      const out = await options.dynamo.doc.get({
        TableName: options.plan.tables.syncState.name,
        Key: keys.health(options.contractId),
      });
      return out.Item;
    },
  };
}

let eventCounter = 0;

/** A Customer Updated event for crm-customer-to-helpdesk. */
export function customerUpdated(
  customerId: string,
  version: number,
  overrides: Record<string, unknown> = {},
) {
  return {
    version: '0',
    id: `evt-${++eventCounter}-${customerId}-${version}`,
    source: 'handoff.crm',
    'detail-type': 'Customer Updated',
    account: '123456789012',
    region: 'us-east-1',
    time: new Date().toISOString(),
    resources: [],
    detail: {
      customerId,
      version,
      name: 'Ada Lovelace',
      email: 'ada.lovelace@example.com',
      plan: 'business',
      status: 'active',
      accountManager: 'Grace Hopper',
      ...overrides,
    },
  };
}
