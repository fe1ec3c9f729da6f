/**
 * The SQS operations, independent of the wire protocol: each takes the request as the JSON
 * protocol spells it (the query protocol is translated into the same shape) and returns the
 * response in that shape. Input types are checked here, so a malformed request is a clear
 * InvalidParameterValue or MissingParameter naming the field, never a crash.
 */
import { SqsApiError, sqsErrors } from './errors.js';
import { md5OfAttributes } from './md5.js';
import {
  ACCOUNT_ID,
  type MessageAttributeValue,
  type QueueInfo,
  queueUrlOf,
  type SendMessageInput,
} from './model.js';
import type { SqsStore } from './store.js';
import { READABLE_ATTRIBUTES, validateBatchIds, validateReadableAttributeName } from './validate.js';

/** What an operation needs besides its input. */
export interface OperationContext {
  store: SqsStore;
  /** Origin queue URLs start with, e.g. http://127.0.0.1:9324. */
  baseUrl: string;
  /** SenderId of the messages this request sends; the store's default when absent. */
  senderId?: string;
  /** Aborts a long poll (client gone, server closing). */
  signal?: AbortSignal;
}

/** A response in the JSON protocol's shape. */
export type Output = Record<string, unknown>;

type Operation = (ctx: OperationContext, input: Input) => Promise<Output>;

/** Operations SQS has that this server declines with UnsupportedOperation. */
const UNSUPPORTED = new Set([
  'AddPermission',
  'RemovePermission',
  'StartMessageMoveTask',
  'CancelMessageMoveTask',
  'ListMessageMoveTasks',
]);

const OPERATIONS: Record<string, Operation> = {
  CreateQueue: async (ctx, input) => {
    const name = input.requiredString('QueueName');
    const queue = await ctx.store.createQueue(
      name,
      input.stringMap('Attributes') ?? {},
      input.stringMap('tags') ?? {},
    );
    return { QueueUrl: queueUrl(ctx, queue.name) };
  },

  GetQueueUrl: async (ctx, input) => {
    const name = input.requiredString('QueueName');
    const owner = input.string('QueueOwnerAWSAccountId');
    const queue = ctx.store.getQueue(name);
    if (!queue || (owner !== undefined && owner !== ACCOUNT_ID)) throw sqsErrors.queueDoesNotExist();
    return { QueueUrl: queueUrl(ctx, queue.name) };
  },

  ListQueues: async (ctx, input) => {
    const prefix = input.string('QueueNamePrefix') ?? '';
    const maxResults = input.int('MaxResults');
    if (maxResults !== undefined && (maxResults < 1 || maxResults > 1000))
      throw sqsErrors.invalidValue(
        'MaxResults',
        maxResults,
        'MaxResults must be an integer between 1 and 1000.',
      );
    const after = decodeNextToken(input.string('NextToken'));
    const queues = ctx.store.listQueues(prefix).filter((q) => after === undefined || q.name > after);
    const page = queues.slice(0, maxResults ?? 1000);
    const last = page.at(-1);
    return {
      ...(page.length > 0 ? { QueueUrls: page.map((q) => queueUrl(ctx, q.name)) } : {}),
      ...(maxResults !== undefined && queues.length > page.length && last
        ? { NextToken: Buffer.from(JSON.stringify({ after: last.name })).toString('base64url') }
        : {}),
    };
  },

  GetQueueAttributes: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const names = input.stringList('AttributeNames') ?? [];
    for (const name of names) validateReadableAttributeName(name);
    const wanted = names.includes('All') ? READABLE_ATTRIBUTES : names;
    const all = queueAttributes(ctx, queue);
    const attributes = Object.fromEntries(wanted.flatMap((n) => (all[n] === undefined ? [] : [[n, all[n]]])));
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  },

  SetQueueAttributes: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const attributes = input.stringMap('Attributes');
    if (attributes === undefined) throw sqsErrors.missingParameter('Attributes');
    await ctx.store.setQueueAttributes(queue.name, attributes);
    return {};
  },

  DeleteQueue: async (ctx, input) => {
    await ctx.store.deleteQueue(requireQueue(ctx, input).name);
    return {};
  },

  PurgeQueue: async (ctx, input) => {
    await ctx.store.purgeQueue(requireQueue(ctx, input).name);
    return {};
  },

  TagQueue: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const tags = input.stringMap('Tags');
    if (tags === undefined) throw sqsErrors.missingParameter('Tags');
    await ctx.store.tagQueue(queue.name, tags);
    return {};
  },

  UntagQueue: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const keys = input.stringList('TagKeys');
    if (keys === undefined) throw sqsErrors.missingParameter('TagKeys');
    await ctx.store.untagQueue(queue.name, keys);
    return {};
  },

  ListQueueTags: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    return Object.keys(queue.tags).length > 0 ? { Tags: queue.tags } : {};
  },

  // No queue here has a redrive policy, so no queue names another as its dead-letter queue.
  ListDeadLetterSourceQueues: async (ctx, input) => {
    requireQueue(ctx, input);
    return { queueUrls: [] };
  },

  SendMessage: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const sent = await ctx.store.sendMessage(queue.name, readSend(ctx, input));
    return {
      MessageId: sent.messageId,
      MD5OfMessageBody: sent.md5OfMessageBody,
      ...(sent.md5OfMessageAttributes ? { MD5OfMessageAttributes: sent.md5OfMessageAttributes } : {}),
      ...(sent.md5OfMessageSystemAttributes
        ? { MD5OfMessageSystemAttributes: sent.md5OfMessageSystemAttributes }
        : {}),
    };
  },

  SendMessageBatch: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const entries = batchEntries(input);
    const failed: Output[] = [];
    const valid: Array<{ id: string; send: SendMessageInput }> = [];
    for (const { id, entry } of entries) {
      try {
        valid.push({ id, send: readSend(ctx, entry) });
      } catch (error) {
        failed.push(failure(id, error));
      }
    }
    const successful: Output[] = [];
    if (valid.length > 0) {
      const outcomes = await ctx.store.sendMessages(
        queue.name,
        valid.map((v) => v.send),
      );
      outcomes.forEach((outcome, i) => {
        const id = valid[i]?.id ?? '';
        if (!outcome.ok) failed.push(failure(id, outcome.error));
        else
          successful.push({
            Id: id,
            MessageId: outcome.value.messageId,
            MD5OfMessageBody: outcome.value.md5OfMessageBody,
            ...(outcome.value.md5OfMessageAttributes
              ? { MD5OfMessageAttributes: outcome.value.md5OfMessageAttributes }
              : {}),
            ...(outcome.value.md5OfMessageSystemAttributes
              ? { MD5OfMessageSystemAttributes: outcome.value.md5OfMessageSystemAttributes }
              : {}),
          });
      });
    }
    return { Successful: successful, Failed: failed };
  },

  ReceiveMessage: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const systemNames = [
      ...(input.stringList('AttributeNames') ?? []),
      ...(input.stringList('MessageSystemAttributeNames') ?? []),
    ];
    const attributeNames = input.stringList('MessageAttributeNames') ?? [];
    const maxNumberOfMessages = input.int('MaxNumberOfMessages');
    const visibilityTimeout = input.int('VisibilityTimeout');
    const waitTimeSeconds = input.int('WaitTimeSeconds');
    input.string('ReceiveRequestAttemptId'); // FIFO only: checked for type, otherwise ignored as by SQS
    const messages = await ctx.store.receiveMessages(queue.name, {
      ...(maxNumberOfMessages !== undefined ? { maxNumberOfMessages } : {}),
      ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
      ...(waitTimeSeconds !== undefined ? { waitTimeSeconds } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (messages.length === 0) return {};
    return {
      Messages: messages.map((m) => {
        const all: Record<string, string | undefined> = { ...m.attributes };
        const system = pick(all, (name) => systemNames.includes('All') || systemNames.includes(name));
        const attributes = pick(m.messageAttributes, (name) => wantsAttribute(attributeNames, name));
        const md5 = md5OfAttributes(attributes);
        return {
          MessageId: m.messageId,
          ReceiptHandle: m.receiptHandle,
          MD5OfBody: m.md5OfBody,
          Body: m.body,
          ...(Object.keys(system).length > 0 ? { Attributes: system } : {}),
          ...(md5 ? { MD5OfMessageAttributes: md5, MessageAttributes: toWireAttributes(attributes) } : {}),
        };
      }),
    };
  },

  DeleteMessage: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    await ctx.store.deleteMessage(queue.name, input.requiredString('ReceiptHandle'));
    return {};
  },

  DeleteMessageBatch: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const entries = batchEntries(input).map(({ id, entry }) => ({
      id,
      handle: entry.requiredString('ReceiptHandle'),
    }));
    const outcomes = await ctx.store.deleteMessages(
      queue.name,
      entries.map((e) => e.handle),
    );
    return batchResult(
      entries.map((e) => e.id),
      outcomes,
    );
  },

  ChangeMessageVisibility: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const handle = input.requiredString('ReceiptHandle');
    const timeout = input.int('VisibilityTimeout');
    if (timeout === undefined) throw sqsErrors.missingParameter('VisibilityTimeout');
    await ctx.store.changeMessageVisibility(queue.name, handle, timeout);
    return {};
  },

  ChangeMessageVisibilityBatch: async (ctx, input) => {
    const queue = requireQueue(ctx, input);
    const entries = batchEntries(input).map(({ id, entry }) => {
      const visibilityTimeout = entry.int('VisibilityTimeout');
      if (visibilityTimeout === undefined) throw sqsErrors.missingParameter(entry.field('VisibilityTimeout'));
      return { id, receiptHandle: entry.requiredString('ReceiptHandle'), visibilityTimeout };
    });
    const outcomes = await ctx.store.changeMessageVisibilities(queue.name, entries);
    return batchResult(
      entries.map((e) => e.id),
      outcomes,
    );
  },
};

/** Whether `name` is an operation this server answers (possibly with UnsupportedOperation). */
export function isOperation(name: string): boolean {
  return Object.hasOwn(OPERATIONS, name) || UNSUPPORTED.has(name);
}

/** Runs an operation on a request in the JSON protocol's shape. */
export async function runOperation(ctx: OperationContext, name: string, request: unknown): Promise<Output> {
  if (UNSUPPORTED.has(name))
    throw new SqsApiError('UnsupportedOperation', `${name} is not supported by the local SQS server.`);
  const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (!operation)
    throw new SqsApiError('InvalidAction', `The action ${name} is not valid for this web service.`);
  if (!isRecord(request))
    throw new SqsApiError('SerializationException', 'The request body must be a JSON object.');
  return operation(ctx, new Input(request));
}

/** The queue name in a queue URL: http://host:port/000000000000/<name>. */
export function queueNameFromUrl(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    throw new SqsApiError(
      'InvalidAddress',
      `The address ${url.slice(0, 200)} is not valid for this endpoint.`,
    );
  }
  // Queue names never need percent-encoding, so an encoded path names no queue.
  const [, account, name, ...rest] = path.split('/');
  if (account !== ACCOUNT_ID || !name || rest.length > 0) throw sqsErrors.queueDoesNotExist();
  return name;
}

function queueUrl(ctx: OperationContext, name: string): string {
  return queueUrlOf(ctx.baseUrl, name);
}

function requireQueue(ctx: OperationContext, input: Input): QueueInfo {
  const queue = ctx.store.getQueue(queueNameFromUrl(input.requiredString('QueueUrl')));
  if (!queue) throw sqsErrors.queueDoesNotExist();
  return queue;
}

function queueAttributes(ctx: OperationContext, queue: QueueInfo): Record<string, string> {
  const stats = ctx.store.stats(queue.name);
  return {
    ApproximateNumberOfMessages: String(stats.visible),
    ApproximateNumberOfMessagesNotVisible: String(stats.inFlight),
    ApproximateNumberOfMessagesDelayed: String(stats.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdTimestamp / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.lastModifiedTimestamp / 1000)),
    QueueArn: queue.arn,
    DelaySeconds: String(queue.attributes.DelaySeconds),
    MaximumMessageSize: String(queue.attributes.MaximumMessageSize),
    MessageRetentionPeriod: String(queue.attributes.MessageRetentionPeriod),
    ReceiveMessageWaitTimeSeconds: String(queue.attributes.ReceiveMessageWaitTimeSeconds),
    VisibilityTimeout: String(queue.attributes.VisibilityTimeout),
  };
}

function readSend(ctx: OperationContext, input: Input): SendMessageInput {
  const body = input.string('MessageBody');
  if (body === undefined) throw sqsErrors.missingParameter(input.field('MessageBody'));
  if (input.string('MessageDeduplicationId') !== undefined)
    throw sqsErrors.invalidParameter(
      input.field('MessageDeduplicationId'),
      'The request include parameter that is not valid for this queue type',
    );
  const delaySeconds = input.int('DelaySeconds');
  const messageAttributes = input.attributes('MessageAttributes');
  const messageSystemAttributes = input.attributes('MessageSystemAttributes');
  const messageGroupId = input.string('MessageGroupId');
  return {
    body,
    ...(ctx.senderId !== undefined ? { senderId: ctx.senderId } : {}),
    ...(delaySeconds !== undefined ? { delaySeconds } : {}),
    ...(messageAttributes ? { messageAttributes } : {}),
    ...(messageSystemAttributes ? { messageSystemAttributes } : {}),
    ...(messageGroupId !== undefined ? { messageGroupId } : {}),
  };
}

function batchEntries(input: Input): Array<{ id: string; entry: Input }> {
  const entries = input.list('Entries');
  if (entries === undefined) throw sqsErrors.missingParameter('Entries');
  const ids = entries.map((entry) => entry.requiredString('Id'));
  validateBatchIds(ids);
  return entries.map((entry, i) => ({ id: ids[i] ?? '', entry }));
}

function failure(id: string, error: unknown): Output {
  if (!(error instanceof SqsApiError)) throw error;
  return { Id: id, SenderFault: error.senderFault, Code: error.code, Message: error.message };
}

function batchResult(
  ids: string[],
  outcomes: Array<{ ok: true } | { ok: false; error: SqsApiError }>,
): Output {
  const successful: Output[] = [];
  const failed: Output[] = [];
  outcomes.forEach((outcome, i) => {
    const id = ids[i] ?? '';
    if (outcome.ok) successful.push({ Id: id });
    else failed.push(failure(id, outcome.error));
  });
  return { Successful: successful, Failed: failed };
}

/** `All` and `.*` mean every attribute; `prefix.*` those starting with `prefix.`. */
function wantsAttribute(patterns: string[], name: string): boolean {
  return patterns.some(
    (p) => p === 'All' || p === '.*' || p === name || (p.endsWith('.*') && name.startsWith(p.slice(0, -1))),
  );
}

function pick<V>(record: Record<string, V | undefined>, keep: (name: string) => boolean): Record<string, V> {
  const picked: Record<string, V> = {};
  for (const [name, value] of Object.entries(record))
    if (value !== undefined && keep(name)) picked[name] = value;
  return picked;
}

function toWireAttributes(attributes: Record<string, MessageAttributeValue>): Output {
  const wire: Output = {};
  for (const [name, value] of Object.entries(attributes))
    wire[name] =
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : { DataType: value.DataType, StringValue: value.StringValue };
  return wire;
}

function decodeNextToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isRecord(parsed) && typeof parsed.after === 'string') return parsed.after;
  } catch {
    // falls through to the error below
  }
  throw sqsErrors.invalidParameter('NextToken', 'Invalid NextToken value.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Typed reads of one request object; errors name the field with its path (Entries.2.Id). */
class Input {
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly path = '',
  ) {}

  field(name: string): string {
    return `${this.path}${name}`;
  }

  private value(name: string): unknown {
    const value = Object.hasOwn(this.raw, name) ? this.raw[name] : undefined;
    return value === null ? undefined : value;
  }

  string(name: string): string | undefined {
    const value = this.value(name);
    if (value === undefined || typeof value === 'string') return value;
    throw sqsErrors.invalidParameter(this.field(name), 'expected a string.');
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw sqsErrors.missingParameter(this.field(name));
    return value;
  }

  int(name: string): number | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    throw sqsErrors.invalidParameter(this.field(name), 'expected an integer.');
  }

  stringList(name: string): string[] | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
    throw sqsErrors.invalidParameter(this.field(name), 'expected a list of strings.');
  }

  stringMap(name: string): Record<string, string> | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (isRecord(value) && Object.values(value).every((v) => typeof v === 'string'))
      return value as Record<string, string>;
    throw sqsErrors.invalidParameter(this.field(name), 'expected a map of strings to strings.');
  }

  list(name: string): Input[] | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every(isRecord))
      return value.map((entry, i) => new Input(entry, `${this.field(name)}.${i + 1}.`));
    throw sqsErrors.invalidParameter(this.field(name), 'expected a list of objects.');
  }

  /** A map of message attributes; BinaryValue arrives base64-encoded in both protocols. */
  attributes(name: string): Record<string, MessageAttributeValue> | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (!isRecord(value)) throw sqsErrors.invalidParameter(this.field(name), 'expected a map of attributes.');
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [key, raw] of Object.entries(value)) {
      if (!isRecord(raw))
        throw sqsErrors.invalidParameter(this.field(name), `attribute '${key}' is not an object.`);
      const attribute = new Input(raw, `${this.field(name)}.${key}.`);
      const lists = [
        ...(attribute.stringList('StringListValues') ?? []),
        ...(attribute.stringList('BinaryListValues') ?? []),
      ];
      if (lists.length > 0)
        throw new SqsApiError(
          'InvalidParameterValue',
          'Message attribute list values in SendMessage operation are not supported.',
        );
      const binary = attribute.string('BinaryValue');
      if (binary !== undefined && !BASE64.test(binary))
        throw sqsErrors.invalidParameter(attribute.field('BinaryValue'), 'expected base64-encoded bytes.');
      const stringValue = attribute.string('StringValue');
      attributes[key] = {
        DataType: attribute.string('DataType') ?? '',
        ...(stringValue !== undefined ? { StringValue: stringValue } : {}),
        ...(binary !== undefined ? { BinaryValue: new Uint8Array(Buffer.from(binary, 'base64')) } : {}),
      };
    }
    return attributes;
  }
}
