/**
 * The ownership custom resource's onEvent handler for the CDK `Provider` framework: Create and
 * Update write ownership from the bundled plan; Delete keeps the data (the table is retained and
 * keeps its history). The framework reports a thrown error to CloudFormation as the failure reason.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { syncOwnership } from './sync.js';

export interface OwnershipHandlerDeps {
  ddb: DynamoDoc;
  /** The operations table. */
  tableName: string;
  plan: RuntimePlan;
  logger: Logger;
}

/** What the Provider framework expects back from onEvent. */
export interface OnEventResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string | number>;
}

/** Writing ownership failed; the message is what CloudFormation shows. */
export class OwnershipSyncError extends Error {
  override readonly name = 'OwnershipSyncError';
}

/** Builds the onEvent handler. */
export function createOwnershipHandler(deps: OwnershipHandlerDeps) {
  // One physical id per stage: an update never replaces the resource (which would call Delete).
  const physicalId = `${deps.plan.prefix}-ownership`;
  return middy<CloudFormationCustomResourceEvent, OnEventResponse>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      if (event.RequestType === 'Delete') {
        deps.logger.info('ownership resource deleted; the table keeps its items');
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
      const declared = event.ResourceProperties?.Fingerprint;
      if (typeof declared === 'string' && declared !== deps.plan.fingerprint) {
        deps.logger.warn('the resource fingerprint differs from the bundled plan; writing the bundled plan', {
          declared,
          bundled: deps.plan.fingerprint,
        });
      }
      try {
        const result = await syncOwnership({ ddb: deps.ddb, tableName: deps.tableName }, deps.plan);
        deps.logger.info('ownership written', { ...result });
        return {
          PhysicalResourceId: event.RequestType === 'Update' ? event.PhysicalResourceId : physicalId,
          Data: {
            Fingerprint: result.fingerprint,
            Teams: result.written.teams,
            Systems: result.written.systems,
            Contracts: result.written.contracts,
            Deleted: result.deleted.length,
          },
        };
      } catch (error) {
        throw new OwnershipSyncError(
          `could not write ownership to ${deps.tableName}: ${error instanceof Error ? error.name : 'unknown error'}`,
          { cause: error },
        );
      }
    });
}
