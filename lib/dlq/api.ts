/**
 * The AWS calls the dead-letter tools make, as two small ports with the SDK's input and output
 * shapes. `handoff dlq` adapts its SDK clients (./sdk.ts); the redrive function passes lean ones
 * (lambdas/redrive/clients.ts), so the function loads no AWS SDK. Types only: nothing here runs.
 */
import type { PutEventsCommandInput, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type {
  BatchResultErrorEntry,
  ChangeMessageVisibilityBatchCommandInput,
  DeleteMessageCommandInput,
  GetQueueAttributesCommandInput,
  Message,
  ReceiveMessageCommandInput,
} from '@aws-sdk/client-sqs';

/** The SQS operations a walk over a dead-letter queue and a redrive use. */
export interface DeadLetterQueueApi {
  getQueueAttributes(
    input: GetQueueAttributesCommandInput,
  ): Promise<{ Attributes?: Partial<Record<string, string>> }>;
  receiveMessage(input: ReceiveMessageCommandInput): Promise<{ Messages?: Message[] }>;
  changeMessageVisibilityBatch(
    input: ChangeMessageVisibilityBatchCommandInput,
  ): Promise<{ Failed?: BatchResultErrorEntry[] }>;
  deleteMessage(input: DeleteMessageCommandInput): Promise<unknown>;
}

/** The EventBridge operation a redrive uses. */
export interface EventBusApi {
  putEvents(
    input: PutEventsCommandInput,
  ): Promise<{ FailedEntryCount?: number; Entries?: PutEventsResultEntry[] }>;
}
