/**
 * Types and limits of the local SQS server, shared by the store and the protocols. Limits are
 * SQS's, from the SQS API reference as shipped in @aws-sdk/client-sqs 3.1175 (1 MiB messages).
 */
import type { SqsApiError } from './errors.js';

/** The account id in queue URLs and ARNs; local queues belong to no real account. */
export const ACCOUNT_ID = '000000000000';
/** The region in queue ARNs. */
export const REGION = 'us-east-1';

/** A queue's ARN, as GetQueueAttributes returns it. */
export function queueArn(name: string): string {
  return `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`;
}

/** A queue's URL on a server at `baseUrl`: http://127.0.0.1:<port>/000000000000/<name>. */
export function queueUrlOf(baseUrl: string, name: string): string {
  return `${baseUrl}/${ACCOUNT_ID}/${name}`;
}

/** SQS's limits. */
export const LIMITS = {
  /** MaximumMessageSize range and default (bytes of body plus message attributes). */
  minMessageBytes: 1024,
  maxMessageBytes: 1_048_576,
  /** Sum of all message sizes in one SendMessageBatch. */
  maxBatchBytes: 1_048_576,
  maxDelaySeconds: 900,
  maxVisibilityTimeoutSeconds: 43_200,
  maxWaitTimeSeconds: 20,
  minRetentionSeconds: 60,
  maxRetentionSeconds: 1_209_600,
  maxBatchEntries: 10,
  maxMessagesPerReceive: 10,
  maxMessageAttributes: 10,
  maxQueueNameLength: 80,
  maxTags: 50,
  /** Only one PurgeQueue per queue in this many seconds. */
  purgeCooldownSeconds: 60,
} as const;

/** A message attribute as the SDKs model it: a type and a string or binary value. */
export interface MessageAttributeValue {
  /** String, Number or Binary, optionally with a custom label: `Number.int`. */
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/** The settable queue attributes this server supports, as numbers. */
export interface QueueAttributes {
  DelaySeconds: number;
  MaximumMessageSize: number;
  MessageRetentionPeriod: number;
  ReceiveMessageWaitTimeSeconds: number;
  VisibilityTimeout: number;
}

/** SQS's defaults for a new queue. */
export const DEFAULT_QUEUE_ATTRIBUTES: Readonly<QueueAttributes> = {
  DelaySeconds: 0,
  MaximumMessageSize: LIMITS.maxMessageBytes,
  MessageRetentionPeriod: 345_600,
  ReceiveMessageWaitTimeSeconds: 0,
  VisibilityTimeout: 30,
};

/** A queue as the store describes it. Timestamps are epoch milliseconds. */
export interface QueueInfo {
  name: string;
  arn: string;
  attributes: QueueAttributes;
  createdTimestamp: number;
  lastModifiedTimestamp: number;
  tags: Record<string, string>;
}

/** One message to send. */
export interface SendMessageInput {
  body: string;
  /** Overrides the queue's DelaySeconds (0-900). */
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeValue>;
  /** Only AWSTraceHeader, as in SQS. */
  messageSystemAttributes?: Record<string, MessageAttributeValue>;
  /** Standard queues accept it (fair queues) and return it as the MessageGroupId attribute. */
  messageGroupId?: string;
  /** Who sent it (the SenderId attribute); the server passes its own. */
  senderId?: string;
}

/** What SendMessage answers. */
export interface SentMessage {
  messageId: string;
  md5OfMessageBody: string;
  md5OfMessageAttributes?: string;
  md5OfMessageSystemAttributes?: string;
}

/** How to receive. */
export interface ReceiveOptions {
  /** 1-10, default 1. */
  maxNumberOfMessages?: number;
  /** Seconds the received messages stay hidden (0-43200); default the queue's VisibilityTimeout. */
  visibilityTimeout?: number;
  /** Long polling (0-20 s); default the queue's ReceiveMessageWaitTimeSeconds. */
  waitTimeSeconds?: number;
  /** Ends a long poll early with no messages (the client went away, the server is closing). */
  signal?: AbortSignal;
}

/** The system attributes of a received message, as strings like SQS returns them. */
export interface MessageSystemAttributes {
  SenderId: string;
  SentTimestamp: string;
  ApproximateReceiveCount: string;
  ApproximateFirstReceiveTimestamp: string;
  MessageGroupId?: string;
  AWSTraceHeader?: string;
}

/** A received message, with all its attributes; the protocols filter what the caller asked for. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  attributes: MessageSystemAttributes;
}

/** A queue's counts, for GetQueueAttributes and for the local layer's AWS/SQS metrics. */
export interface QueueStats {
  /** Messages available for retrieval (ApproximateNumberOfMessagesVisible). */
  visible: number;
  /** Received but neither deleted nor back (ApproximateNumberOfMessagesNotVisible). */
  inFlight: number;
  /** Sent with a delay that has not passed (ApproximateNumberOfMessagesDelayed). */
  delayed: number;
  /**
   * Age in whole seconds of the oldest message that is visible or in flight
   * (ApproximateAgeOfOldestMessage); 0 when there is none. Like CloudWatch, messages received
   * three times or more are skipped unless no other message is left.
   */
  oldestMessageAgeSeconds: number;
}

/** A per-entry outcome of a batch operation. */
export type BatchOutcome<T> = { ok: true; value: T } | { ok: false; error: SqsApiError };
