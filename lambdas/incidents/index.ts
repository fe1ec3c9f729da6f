/** Lambda entry of the incidents function: dependencies from the environment and the bundled plan. */
import { dynamoDoc } from '../commons/dynamo-doc.js';
import { requireEnv } from '../commons/env.js';
import { createLogger } from '../commons/powertools.js';
import { bundledRuntimePlan } from '../commons/runtime-plan.js';
import { createIncidentsHandler } from './handler.js';

export const handler = createIncidentsHandler({
  ddb: dynamoDoc(),
  tableName: requireEnv('OPERATIONS_TABLE_NAME'),
  plan: bundledRuntimePlan(),
  logger: createLogger(),
});
