/**
 * Builds a receiver's dependencies from the runtime plan and clients. The Lambda entry (index.ts)
 * passes AWS clients; the local layer passes clients pointed at its embedded DynamoDB and its own
 * PutEvents ingress, and its secrets file as the SecretReader.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { SecretReader } from '../commons/aws.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import type { WebhookBus } from './bus.js';
import { DeliveryStore } from './deliveries.js';
import type { WebhookDeps } from './receive.js';
import { WebhookSecrets } from './secrets.js';

export interface WebhookDepsInput {
  plan: Pick<RuntimePlan, 'webhooks'>;
  systemId: string;
  /** The operations table (delivery records). */
  tableName: string;
  /** The bus to put on; overrides the plan's (the deployed name comes from the environment). */
  busName?: string;
  /** The operations table's client (delivery records). */
  ddb: Pick<DynamoDoc, 'get' | 'put' | 'update'>;
  bus: WebhookBus;
  secrets?: SecretReader;
  /** Where `{ env: NAME }` secret references are read (process.env on Lambda). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
}

/** The plan lacks the system's webhook: the function was bundled with another system's plan. */
export class WebhookNotInPlanError extends Error {
  override readonly name = 'WebhookNotInPlanError';
}

/** Resolves the system's webhook and wires the collaborators; throws WebhookNotInPlanError at cold start. */
export function buildWebhookDeps(input: WebhookDepsInput): WebhookDeps {
  const planned = input.plan.webhooks.find((w) => w.systemId === input.systemId);
  if (!planned)
    throw new WebhookNotInPlanError(`system ${input.systemId} has no webhook in this function's plan`);
  const webhook = input.busName ? { ...planned, busName: input.busName } : planned;
  const now = input.now ?? (() => new Date());
  return {
    webhook,
    store: new DeliveryStore({
      ddb: input.ddb,
      tableName: input.tableName,
      systemId: webhook.systemId,
      dedupeDays: webhook.dedupeDays,
      now,
    }),
    bus: input.bus,
    secrets: new WebhookSecrets({
      refs: webhook.secrets,
      signature: webhook.signature,
      env: input.env,
      ...(input.secrets ? { reader: input.secrets } : {}),
      now: () => now().getTime(),
    }),
    logger: input.logger,
    metrics: input.metrics,
    now,
  };
}
