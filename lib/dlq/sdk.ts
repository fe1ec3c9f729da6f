/**
 * The dead-letter ports (./api.ts) on AWS SDK clients, for `handoff dlq` and tests: the CLI keeps
 * the SDK's credential chain (profiles, SSO) and its retries. Not exported from ./index.ts, so the
 * redrive function's bundle never imports the SDK through it.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetterQueueApi, EventBusApi } from './api.js';

/** A DeadLetterQueueApi on an SDK SQS client. */
export function sdkDeadLetterQueue(sqs: SQSClient): DeadLetterQueueApi {
  return {
    getQueueAttributes: (input) => sqs.send(new GetQueueAttributesCommand(input)),
    receiveMessage: (input) => sqs.send(new ReceiveMessageCommand(input)),
    changeMessageVisibilityBatch: (input) => sqs.send(new ChangeMessageVisibilityBatchCommand(input)),
    deleteMessage: (input) => sqs.send(new DeleteMessageCommand(input)),
  };
}

/** An EventBusApi on an SDK EventBridge client. */
export function sdkEventBus(events: EventBridgeClient): EventBusApi {
  return { putEvents: (input) => events.send(new PutEventsCommand(input)) };
}
