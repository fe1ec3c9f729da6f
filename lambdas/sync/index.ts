/**
 * Lambda entry of a contract's sync function: clients and configuration are built once per
 * container, from the environment and the runtime plan bundled at synth. The clients are the lean
 * AWS JSON ones (commons/aws-json.ts): no AWS SDK is loaded, which keeps cold starts short.
 */
import {
  eventBridgeEntryPutter,
  eventBridgePublisher,
  secretsManagerReader,
  sqsDeadLetterSink,
} from '../commons/aws.js';
import { dynamoDoc } from '../commons/dynamo-doc.js';
import { requireEnv } from '../commons/env.js';
import { createLogger, createMetrics } from '../commons/powertools.js';
import { bundledRuntimePlan } from '../commons/runtime-plan.js';
import { buildSyncDeps } from './deps.js';
import { createSyncHandler } from './handler.js';

export const handler = createSyncHandler(
  buildSyncDeps({
    plan: bundledRuntimePlan(),
    contractId: requireEnv('HANDOFF_CONTRACT_ID'),
    syncTableName: requireEnv('SYNC_TABLE_NAME'),
    busName: requireEnv('HANDOFF_BUS_NAME'),
    dynamo: dynamoDoc(),
    deadLetters: sqsDeadLetterSink(requireEnv('DEAD_LETTER_QUEUE_URL')),
    publisher: eventBridgePublisher(),
    entries: eventBridgeEntryPutter(),
    secrets: secretsManagerReader(),
    env: process.env,
    logger: createLogger(),
    metrics: createMetrics(requireEnv('POWERTOOLS_METRICS_NAMESPACE')),
  }),
);
