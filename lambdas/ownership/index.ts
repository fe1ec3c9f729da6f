/** Lambda entry of the ownership custom resource: dependencies from the environment and the bundled plan. */
import { dynamoDoc } from '../commons/dynamo-doc.js';
import { requireEnv } from '../commons/env.js';
import { createLogger } from '../commons/powertools.js';
import { bundledRuntimePlan } from '../commons/runtime-plan.js';
import { createOwnershipHandler } from './handler.js';

export const handler = createOwnershipHandler({
  ddb: dynamoDoc(),
  tableName: requireEnv('OPERATIONS_TABLE_NAME'),
  plan: bundledRuntimePlan(),
  logger: createLogger(),
});
