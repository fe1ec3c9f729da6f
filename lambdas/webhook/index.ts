/**
 * Lambda entry of a system's webhook receiver: clients and configuration are built once per
 * container, from the environment and the runtime plan bundled at synth (which holds only this
 * system's webhook).
 */
import { secretsManagerReader } from '../commons/aws.js';
import { dynamoDoc } from '../commons/dynamo-doc.js';
import { requireEnv } from '../commons/env.js';
import { createLogger, createMetrics } from '../commons/powertools.js';
import { bundledRuntimePlan } from '../commons/runtime-plan.js';
import { eventBridgeWebhookBus } from './bus.js';
import { buildWebhookDeps } from './deps.js';
import { createWebhookHandler } from './handler.js';

/** The Lambda handler (function URL or HTTP API, payload 2.0). */
export const handler = createWebhookHandler(
  buildWebhookDeps({
    plan: bundledRuntimePlan(),
    systemId: requireEnv('HANDOFF_SYSTEM_ID'),
    tableName: requireEnv('OPERATIONS_TABLE_NAME'),
    busName: requireEnv('HANDOFF_BUS_NAME'),
    ddb: dynamoDoc(),
    bus: eventBridgeWebhookBus(),
    secrets: secretsManagerReader(),
    env: process.env,
    logger: createLogger(),
    metrics: createMetrics(requireEnv('POWERTOOLS_METRICS_NAMESPACE')),
  }),
);
