/**
 * Dead letters as their three writers write them, around realistic events of the example
 * contracts: EventBridge's rule-target DLQ, Lambda's on-failure destination, and the sync
 * handler's own records for permanent and config failures.
 */
import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_ATTRIBUTES, handlerDeadLetter } from '../../../lambdas/commons/dead-letters.js';

/** A "Customer Updated" event of crm-customer-to-helpdesk (critical tier). */
export function customerUpdated(customerId: string, version: number, time = '2026-11-30T12:00:00Z') {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Customer Updated',
    source: 'handoff.crm',
    account: '123456789012',
    time,
    region: 'eu-west-1',
    resources: [],
    detail: {
      customerId,
      version,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      plan: 'business',
      status: 'active',
      accountManager: 'Grace Hopper',
    },
  };
}

/** What Lambda's on-failure destination writes when the handler's retries are exhausted. */
export function retriesExhausted(event: unknown, functionName: string, attempts = 3) {
  return {
    version: '1.0',
    timestamp: '2026-11-30T12:05:00.000Z',
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: attempts,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'TransientSyncError', errorMessage: 'the target answered 503' },
  };
}

/** The attributes EventBridge sets on an event it could not deliver to the rule's target. */
export function eventBridgeAttributes(busName: string, ruleName: string): Record<string, string> {
  return {
    RULE_ARN: `arn:aws:events:eu-west-1:123456789012:rule/${busName}/${ruleName}`,
    TARGET_ARN: `arn:aws:lambda:eu-west-1:123456789012:function:${ruleName}`,
    ERROR_CODE: 'SDK_CLIENT_ERROR',
    ERROR_MESSAGE: 'Unable to invoke Lambda function: rate exceeded',
  };
}

/** The sync handler's own dead letter for a permanent failure, with its attributes. */
export function permanentFailure(
  event: { detail: { customerId: string } },
  contractId: string,
  functionName: string,
) {
  return {
    body: handlerDeadLetter({
      event,
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
      failureClass: 'permanent',
      errorType: 'PermanentSyncError',
      errorMessage: 'the target rejected the change: 422 Unprocessable Entity',
      attempts: 1,
      now: new Date('2026-11-30T12:01:00Z'),
    }),
    attributes: {
      [DEAD_LETTER_ATTRIBUTES.contract]: contractId,
      [DEAD_LETTER_ATTRIBUTES.failureClass]: 'permanent',
      [DEAD_LETTER_ATTRIBUTES.entityType]: 'customer',
      [DEAD_LETTER_ATTRIBUTES.entityId]: event.detail.customerId,
    },
  };
}
