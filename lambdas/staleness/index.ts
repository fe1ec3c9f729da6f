/** Lambda entry of the staleness checker: dependencies from the environment and the bundled plan. */
import { eventBridgePublisher } from '../commons/aws.js';
import { dynamoDoc } from '../commons/dynamo-doc.js';
import { requireEnv } from '../commons/env.js';
import { createLogger, createMetrics } from '../commons/powertools.js';
import { bundledRuntimePlan } from '../commons/runtime-plan.js';
import { createStalenessHandler } from './handler.js';

const plan = bundledRuntimePlan();

export const handler = createStalenessHandler({
  ddb: dynamoDoc(),
  tableName: requireEnv('SYNC_TABLE_NAME'),
  plan,
  logger: createLogger(),
  metrics: createMetrics(plan.metricsNamespace),
  recovery: { publisher: eventBridgePublisher(), busName: requireEnv('HANDOFF_BUS_NAME') },
});
