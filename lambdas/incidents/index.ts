/** Lambda entry of the incidents function: dependencies from the environment and the bundled plan. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requireEnv } from '../commons/env.js';
import { createLogger } from '../commons/powertools.js';
import { bundledRuntimePlan } from '../commons/runtime-plan.js';
import { createIncidentsHandler } from './handler.js';

export const handler = createIncidentsHandler({
  ddb: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  }),
  tableName: requireEnv('OPERATIONS_TABLE_NAME'),
  plan: bundledRuntimePlan(),
  logger: createLogger(),
});
