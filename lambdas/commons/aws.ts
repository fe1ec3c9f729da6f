/**
 * Small ports over AWS for what handlers do rarely (dead-letter a message, publish an event, read a
 * secret), on the lean AWS JSON client (aws-json.ts): nothing of the AWS SDK is loaded, so these cost
 * no cold start and no first-use import. The local layer passes the same implementations with
 * endpoints pointed at its embedded servers.
 */
import { createHash } from 'node:crypto';
import {
  AWS_SERVICES,
  type AwsClientOptions,
  AwsJsonClient,
  AwsResponseError,
  AwsServiceError,
} from './aws-json.js';

/** Where failed events go: a tier's dead-letter queue. */
export interface DeadLetterSink {
  send(message: { body: string; attributes: Record<string, string> }): Promise<void>;
}

/** Puts events on an EventBridge bus; throws when any entry fails. */
export interface EventPublisher {
  putEvents(
    entries: Array<{
      busName: string;
      source: string;
      detailType: string;
      detail: unknown;
      resources?: string[];
      time?: Date;
    }>,
  ): Promise<void>;
}

/** Reads a secret's text. */
export interface SecretReader {
  read(name: string): Promise<string>;
}

/** Endpoint, region, credentials and retry overrides (local layer, tests); empty on AWS. */
export type ClientOptions = AwsClientOptions;

/** A dead-letter sink on SQS (SendMessage); checks SQS's MD5 digests as the SDK does. */
export function sqsDeadLetterSink(queueUrl: string, options: ClientOptions = {}): DeadLetterSink {
  const sqs = new AwsJsonClient(AWS_SERVICES.sqs, options);
  return {
    async send(message) {
      const attributes = Object.fromEntries(
        Object.entries(message.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      );
      const { output, $metadata } = await sqs.call('SendMessage', {
        QueueUrl: queueUrl,
        MessageBody: message.body,
        MessageAttributes: attributes,
      });
      const bodyOk = output.MD5OfMessageBody === md5(message.body);
      const attributesOk =
        Object.keys(attributes).length === 0 ||
        output.MD5OfMessageAttributes === md5OfStringAttributes(message.attributes);
      if (!bodyOk || !attributesOk)
        throw new AwsResponseError(
          `SQS SendMessage answered a digest that does not match the ${bodyOk ? 'attributes' : 'body'} sent`,
          { service: 'sqs', operation: 'SendMessage', $metadata },
          undefined,
        );
    },
  };
}

/** An event publisher on EventBridge (PutEvents). */
export function eventBridgePublisher(options: ClientOptions = {}): EventPublisher {
  const events = new AwsJsonClient(AWS_SERVICES.eventBridge, options);
  return {
    async putEvents(entries) {
      const { output } = await events.call('PutEvents', {
        Entries: entries.map((e) => ({
          EventBusName: e.busName,
          Source: e.source,
          DetailType: e.detailType,
          Detail: JSON.stringify(e.detail),
          Resources: e.resources ?? [],
          // The JSON protocol's timestamps are epoch seconds.
          ...(e.time ? { Time: e.time.getTime() / 1000 } : {}),
        })),
      });
      const out = output as PutEventsOutput;
      if (out.FailedEntryCount) {
        const codes = (out.Entries ?? []).map((x) => x.ErrorCode).filter(Boolean);
        throw new Error(
          `PutEvents failed for ${out.FailedEntryCount} entr${out.FailedEntryCount === 1 ? 'y' : 'ies'} (${codes.join(', ')})`,
        );
      }
    },
  };
}

/** A secret reader on Secrets Manager (GetSecretValue). */
export function secretsManagerReader(options: ClientOptions = {}): SecretReader {
  const secrets = new AwsJsonClient(AWS_SERVICES.secretsManager, options);
  return {
    async read(name) {
      const { output, $metadata } = await secrets.call('GetSecretValue', { SecretId: name });
      if (typeof output.SecretString !== 'string')
        throw new AwsServiceError(
          'InvalidRequestException',
          `secret ${name} has no text value`,
          { service: 'secretsmanager', operation: 'GetSecretValue', $metadata },
          undefined,
        );
      return output.SecretString;
    },
  };
}

/** Puts one event on a bus and reports EventBridge's per-entry error code (the EventBridge adapter). */
export interface EntryPutter {
  putEntry(
    entry: { busArn: string; source: string; detailType: string; detail: string },
    signal: AbortSignal,
  ): Promise<{ errorCode?: string }>;
}

/** Lambda's longest run: the per-attempt timeout of the entry putter is, in effect, none. */
const ENTRY_TIMEOUT_MS = 15 * 60_000;

/** An EntryPutter on EventBridge. Request errors are thrown as they are (named by AWS's code). */
export function eventBridgeEntryPutter(options: ClientOptions = {}): EntryPutter {
  // PutEvents is not idempotent: an attempt that times out may have been taken, and sending it again
  // puts the entry twice on the target bus. So no per-attempt timeout here: the caller's signal (the
  // contract's target timeout) bounds the whole call, as for HTTP targets. Throttling, other errors
  // AWS answered and connection failures are still retried, as the SDK does; a 500 or a connection
  // lost mid-answer may also have been taken, so delivery to a bus stays at least once and its
  // consumers deduplicate by entity and version (docs/RELIABILITY.md).
  const events = new AwsJsonClient(AWS_SERVICES.eventBridge, { timeoutMs: ENTRY_TIMEOUT_MS, ...options });
  return {
    async putEntry(entry, signal) {
      const { output } = await events.call(
        'PutEvents',
        {
          Entries: [
            {
              EventBusName: entry.busArn,
              Source: entry.source,
              DetailType: entry.detailType,
              Detail: entry.detail,
              Resources: [],
            },
          ],
        },
        { signal },
      );
      const out = output as PutEventsOutput;
      const code = out.Entries?.[0]?.ErrorCode ?? (out.FailedEntryCount ? 'Unknown' : undefined);
      return code ? { errorCode: code } : {};
    },
  };
}

/** Reads a queue's attributes (the status API's dead-letter depths). */
export interface QueueAttributeReader {
  attributes(queueUrl: string, names: string[], signal?: AbortSignal): Promise<Record<string, string>>;
}

/** A QueueAttributeReader on SQS (GetQueueAttributes). */
export function sqsQueueAttributeReader(options: ClientOptions = {}): QueueAttributeReader {
  const sqs = new AwsJsonClient(AWS_SERVICES.sqs, options);
  return {
    async attributes(queueUrl, names, signal) {
      const { output } = await sqs.call(
        'GetQueueAttributes',
        { QueueUrl: queueUrl, AttributeNames: names },
        signal ? { signal } : {},
      );
      const attributes = output.Attributes;
      if (attributes === null || typeof attributes !== 'object') return {};
      return Object.fromEntries(
        Object.entries(attributes).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      );
    },
  };
}

/** PutEvents' answer (the fields read here). */
export interface PutEventsOutput {
  FailedEntryCount?: number;
  Entries?: Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }>;
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * SQS's MD5OfMessageAttributes for String attributes: sorted by name, each as length-prefixed
 * name, length-prefixed data type, transport byte 1 and length-prefixed value (4-byte big-endian).
 */
function md5OfStringAttributes(attributes: Record<string, string>): string {
  const hash = createHash('md5');
  const field = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    field(name);
    field('String');
    hash.update(Uint8Array.of(1));
    field(attributes[name] ?? '');
  }
  return hash.digest('hex');
}
