/**
 * The dead-letter ports (lib/dlq/api.ts) on the lean AWS JSON client, for the redrive function:
 * the SQS and EventBridge JSON protocols take and give the SDK's shapes, except that timestamps
 * travel as epoch seconds and binary values as base64, converted here. Received bodies are checked
 * against SQS's MD5 digest, as the SDK does.
 */
import { createHash } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { DeadLetterQueueApi, EventBusApi } from '../../lib/dlq/api.js';
import type { ClientOptions } from '../commons/aws.js';
import { AWS_SERVICES, AwsJsonClient, AwsResponseError } from '../commons/aws-json.js';

/** Added to a long poll's wait for the answer to arrive. */
const LONG_POLL_MARGIN_MS = 5000;

/** A DeadLetterQueueApi on SQS. */
export function sqsDeadLetterQueue(options: ClientOptions = {}): DeadLetterQueueApi {
  const sqs = new AwsJsonClient(AWS_SERVICES.sqs, options);
  return {
    async getQueueAttributes(input) {
      return (await sqs.call('GetQueueAttributes', input)).output;
    },
    async receiveMessage(input) {
      // A long poll holds the request open up to WaitTimeSeconds: the attempt may take that long.
      const { output, $metadata } = await sqs.call('ReceiveMessage', input, {
        timeoutMs: (input.WaitTimeSeconds ?? 0) * 1000 + LONG_POLL_MARGIN_MS,
      });
      const messages = Array.isArray(output.Messages) ? (output.Messages as WireMessage[]) : [];
      for (const message of messages) {
        if (
          typeof message.Body === 'string' &&
          typeof message.MD5OfBody === 'string' &&
          createHash('md5').update(message.Body, 'utf8').digest('hex') !== message.MD5OfBody
        )
          throw new AwsResponseError(
            `SQS ReceiveMessage answered message ${message.MessageId} with a body that does not match its digest`,
            { service: 'sqs', operation: 'ReceiveMessage', $metadata },
            undefined,
          );
      }
      return { Messages: messages.map(decodeMessage) };
    },
    async changeMessageVisibilityBatch(input) {
      return (await sqs.call('ChangeMessageVisibilityBatch', input)).output;
    },
    async deleteMessage(input) {
      return (await sqs.call('DeleteMessage', input)).output;
    },
  };
}

/** An EventBusApi on EventBridge. */
export function eventBridgeBus(options: ClientOptions = {}): EventBusApi {
  const events = new AwsJsonClient(AWS_SERVICES.eventBridge, options);
  return {
    async putEvents(input) {
      const entries = (input.Entries ?? []).map(({ Time, ...entry }) =>
        Time instanceof Date ? { ...entry, Time: Time.getTime() / 1000 } : entry,
      );
      return (await events.call('PutEvents', { ...input, Entries: entries })).output;
    },
  };
}

interface WireMessage {
  MessageId?: string;
  Body?: string;
  MD5OfBody?: string;
  MessageAttributes?: Record<string, { BinaryValue?: unknown; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** Binary message attributes arrive as base64; the SDK's shape holds bytes. */
function decodeMessage(message: WireMessage): Message {
  if (!message.MessageAttributes) return message as unknown as Message;
  const attributes = Object.fromEntries(
    Object.entries(message.MessageAttributes).map(([name, value]) => [
      name,
      typeof value.BinaryValue === 'string'
        ? { ...value, BinaryValue: new Uint8Array(Buffer.from(value.BinaryValue, 'base64')) }
        : value,
    ]),
  );
  return { ...message, MessageAttributes: attributes } as unknown as Message;
}
