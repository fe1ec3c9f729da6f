/**
 * Builds a sync handler's dependencies from the runtime plan and clients. The Lambda entry
 * (index.ts) passes AWS clients; the local layer passes clients pointed at its embedded parts.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createDetailValidator } from '../../lib/model/detail-validator.js';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { DeadLetterSink, EntryPutter, EventPublisher, SecretReader } from '../commons/aws.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { createAdapter } from './adapters/registry.js';
import { type HttpTransport, httpTransport } from './adapters/transport.js';
import { HealthTracker } from './health.js';
import { SyncStateStore } from './state.js';
import type { SyncDeps } from './sync.js';
import { ValueResolver } from './values.js';

export const USER_AGENT = 'handoff/0.1 (+https://github.com/example-org/handoff)';

export interface SyncDepsInput {
  plan: RuntimePlan;
  contractId: string;
  syncTableName: string;
  busName: string;
  /** The sync-state table's client (reads, conditional puts and updates). */
  dynamo: Pick<DynamoDoc, 'get' | 'put' | 'update'>;
  deadLetters: DeadLetterSink;
  publisher: EventPublisher;
  entries: EntryPutter;
  secrets?: SecretReader;
  /** Where `{ env: NAME }` references are read (process.env on Lambda). */
  env: Record<string, string | undefined>;
  logger: Logger;
  metrics: Metrics;
  /** How the http adapter sends requests (tests inject faults). @default httpTransport (node:http(s), keep-alive) */
  transport?: HttpTransport;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  leaseMarginMs?: number;
}

/** Resolves the contract and tier and wires the collaborators; throws when the plan lacks the contract. */
export function buildSyncDeps(input: SyncDepsInput): SyncDeps {
  const contract = input.plan.contracts.find((c) => c.id === input.contractId);
  if (!contract) throw new Error(`contract ${input.contractId} is not in this function's plan`);
  const tier = input.plan.tiers.find((t) => t.name === contract.tier);
  if (!tier) throw new Error(`tier ${contract.tier} is not in this function's plan`);
  const now = input.now ?? (() => new Date());
  const values = new ValueResolver({
    env: input.env,
    ...(input.secrets ? { secrets: input.secrets } : {}),
    now: () => now().getTime(),
  });
  input.metrics.setDefaultDimensions({ Contract: contract.id, Tier: contract.tier });
  return {
    contract,
    tier,
    busName: input.busName,
    store: new SyncStateStore(input.dynamo, input.syncTableName),
    health: new HealthTracker(input.dynamo, input.syncTableName, {
      contractId: contract.id,
      failures: tier.degraded.failures,
      windowSeconds: tier.degraded.windowSeconds,
    }),
    adapter: createAdapter(contract, {
      values,
      transport: input.transport ?? httpTransport,
      now: () => now().getTime(),
      userAgent: USER_AGENT,
      entries: input.entries,
    }),
    validator: createDetailValidator(contract.schema),
    deadLetters: input.deadLetters,
    publisher: input.publisher,
    logger: input.logger,
    metrics: input.metrics,
    now,
    sleep: input.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    ...(input.leaseMarginMs !== undefined ? { leaseMarginMs: input.leaseMarginMs } : {}),
  };
}
