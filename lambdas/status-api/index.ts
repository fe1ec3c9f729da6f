/**
 * Lambda entry of the status API: builds the dependencies once per execution environment from the
 * environment and the bundled runtime plan, and exports the handler.
 */
import type { TierName } from '../../lib/plan/types.js';
import { sqsQueueAttributeReader } from '../commons/aws.js';
import { dynamoDoc } from '../commons/dynamo-doc.js';
import { requireEnv } from '../commons/env.js';
import { createLogger } from '../commons/powertools.js';
import { bundledRuntimePlan } from '../commons/runtime-plan.js';
import { createStatusApiHandler } from './handler.js';

const plan = bundledRuntimePlan();
const queueUrls: Partial<Record<TierName, string>> = {};
for (const tier of plan.tiers) {
  queueUrls[tier.name] = requireEnv(`DEAD_LETTER_QUEUE_URL_${tier.name.replace('-', '_').toUpperCase()}`);
}

/** The Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createStatusApiHandler({
  dynamo: dynamoDoc(),
  sqs: sqsQueueAttributeReader(),
  plan,
  tables: { syncState: requireEnv('SYNC_TABLE_NAME'), operations: requireEnv('OPERATIONS_TABLE_NAME') },
  queueUrls,
  now: () => new Date(),
  logger: createLogger(),
});
