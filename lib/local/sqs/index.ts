/**
 * An SQS-compatible server for the local layer: durable queues on disk (LevelDB) behind the AWS
 * JSON 1.0 and query protocols, so `@aws-sdk/client-sqs` and `aws sqs --endpoint-url` work
 * against it unchanged. Standard queues only: no FIFO, redrive policies, permissions or KMS.
 *
 *   const store = await openSqsStore({ dir: '.handoff/local/sqs' });
 *   await store.createQueue('handoff-local-dlq-critical', { MessageRetentionPeriod: '1209600' });
 *   const server = await startSqsServer({ store, port: 0 });
 *   // new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials: { ... } })
 *   await server.close();
 *   await store.close();
 */
export { SqsApiError, SqsError, type SqsErrorCode, SqsStoreError } from './errors.js';
export { md5OfAttributes, md5OfBody } from './md5.js';
export {
  ACCOUNT_ID,
  type BatchOutcome,
  DEFAULT_QUEUE_ATTRIBUTES,
  LIMITS,
  type MessageAttributeValue,
  type MessageSystemAttributes,
  type QueueAttributes,
  type QueueInfo,
  type QueueStats,
  queueArn,
  queueUrlOf,
  REGION,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendMessageInput,
  type SentMessage,
} from './model.js';
export { queueNameFromUrl } from './operations.js';
export { type SqsServer, type SqsServerOptions, startSqsServer } from './server.js';
export { openSqsStore, SqsStore, type SqsStoreOptions } from './store.js';
