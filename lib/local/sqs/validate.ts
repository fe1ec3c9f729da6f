/**
 * Input checks with SQS's rules and error codes. The store runs them, so in-process callers and
 * both wire protocols get the same answers. Messages name the parameter and the rule, never a
 * message body or attribute value.
 */
import { SqsApiError, sqsErrors } from './errors.js';
import {
  DEFAULT_QUEUE_ATTRIBUTES,
  LIMITS,
  type MessageAttributeValue,
  type QueueAttributes,
} from './model.js';

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?$/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
/** The characters SQS accepts in bodies and string attributes (XML 1.0's character set). */
const FORBIDDEN_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ALLOWED_CHARACTERS = '#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';

/** The settable attributes and their ranges. */
const SETTABLE: Record<keyof QueueAttributes, { min: number; max: number }> = {
  DelaySeconds: { min: 0, max: LIMITS.maxDelaySeconds },
  MaximumMessageSize: { min: LIMITS.minMessageBytes, max: LIMITS.maxMessageBytes },
  MessageRetentionPeriod: { min: LIMITS.minRetentionSeconds, max: LIMITS.maxRetentionSeconds },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: LIMITS.maxWaitTimeSeconds },
  VisibilityTimeout: { min: 0, max: LIMITS.maxVisibilityTimeoutSeconds },
};

/** Attributes SQS has that this server refuses rather than silently ignores. */
const UNSUPPORTED_ATTRIBUTES = new Set([
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

/** Attributes GetQueueAttributes computes; they cannot be set. */
export const READ_ONLY_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

/** Every attribute name GetQueueAttributes answers. */
export const READABLE_ATTRIBUTES: readonly string[] = [...READ_ONLY_ATTRIBUTES, ...Object.keys(SETTABLE)];

/** Checks a queue name: 1-80 letters, digits, hyphens and underscores. */
export function validateQueueName(name: string): void {
  if (name.endsWith('.fifo'))
    throw new SqsApiError('InvalidParameterValue', 'FIFO queues are not supported by the local SQS server.');
  if (!QUEUE_NAME.test(name))
    throw new SqsApiError(
      'InvalidParameterValue',
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
}

/** Checks queue attributes to create or set a queue with, and returns them as numbers. */
export function parseQueueAttributes(attributes: Record<string, string>): Partial<QueueAttributes> {
  const parsed: Partial<QueueAttributes> = {};
  for (const [name, raw] of Object.entries(attributes)) {
    if (UNSUPPORTED_ATTRIBUTES.has(name))
      throw new SqsApiError(
        'InvalidAttributeName',
        `The attribute ${name} is not supported by the local SQS server (no FIFO, redrive, policy or KMS).`,
      );
    if (!isSettable(name)) throw new SqsApiError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    const range = SETTABLE[name];
    const value = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= range.min && value <= range.max))
      throw new SqsApiError(
        'InvalidAttributeValue',
        `Invalid value for the parameter ${name}: expected a whole number from ${range.min} to ${range.max}.`,
      );
    parsed[name] = value;
  }
  return parsed;
}

function isSettable(name: string): name is keyof QueueAttributes {
  return Object.hasOwn(DEFAULT_QUEUE_ATTRIBUTES, name);
}

/** Checks that an attribute name is one GetQueueAttributes knows. */
export function validateReadableAttributeName(name: string): void {
  if (name !== 'All' && !READABLE_ATTRIBUTES.includes(name) && !UNSUPPORTED_ATTRIBUTES.has(name))
    throw new SqsApiError('InvalidAttributeName', `Unknown Attribute ${name}.`);
}

/** Checks an integer parameter against its range. */
export function validateRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw sqsErrors.invalidValue(name, value, `Must be >= ${min} and <= ${max}, if provided.`);
}

/** Checks a message body's presence and characters; the size is checked with the attributes. */
export function validateBody(body: string): void {
  if (body.length === 0) throw sqsErrors.missingParameter('MessageBody');
  checkCharacters(body, 'the message body');
}

function checkCharacters(text: string, where: string): void {
  const bad = FORBIDDEN_CHARACTER.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0) ?? 0;
    throw new SqsApiError(
      'InvalidMessageContents',
      `Invalid binary character '#x${code.toString(16).toUpperCase()}' was found in ${where}, the set of allowed characters is ${ALLOWED_CHARACTERS}`,
    );
  }
}

/** Checks message attributes; returns their size in bytes (names, types and values count). */
export function validateMessageAttributes(attributes: Record<string, MessageAttributeValue>): number {
  const names = Object.keys(attributes);
  if (names.length > LIMITS.maxMessageAttributes)
    throw new SqsApiError(
      'InvalidParameterValue',
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${LIMITS.maxMessageAttributes}].`,
    );
  let size = 0;
  for (const name of names) {
    const value = attributes[name];
    if (!value) continue;
    validateAttributeName(name);
    size += Buffer.byteLength(name) + validateAttributeValue(name, value, 'message (user) attribute');
  }
  return size;
}

function validateAttributeName(name: string): void {
  const lower = name.toLowerCase();
  if (
    !ATTRIBUTE_NAME.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..') ||
    lower.startsWith('aws.') ||
    lower.startsWith('amazon.')
  )
    throw new SqsApiError(
      'InvalidParameterValue',
      `Message (user) attribute name '${name.slice(0, 256)}' is invalid: use up to 256 letters, digits, '_', '-' and '.', not starting or ending with '.', without '..', and not starting with 'AWS.' or 'Amazon.'.`,
    );
}

/** Checks one attribute's type and value; returns the bytes of type plus value. */
function validateAttributeValue(name: string, value: MessageAttributeValue, kind: string): number {
  const type = value.DataType;
  if (typeof type !== 'string' || type === '')
    throw new SqsApiError(
      'InvalidParameterValue',
      `The ${kind} '${name}' must contain a non-empty DataType.`,
    );
  if (type.length > 256 || !DATA_TYPE.test(type))
    throw new SqsApiError(
      'InvalidParameterValue',
      `The type of ${kind} '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
    );
  const typeBytes = Buffer.byteLength(type);
  if (type.startsWith('Binary')) {
    if (value.StringValue !== undefined)
      throw new SqsApiError(
        'InvalidParameterValue',
        `The ${kind} '${name}' of type Binary takes a BinaryValue.`,
      );
    if (!value.BinaryValue || value.BinaryValue.length === 0)
      throw new SqsApiError('InvalidParameterValue', `The ${kind} '${name}' must contain a non-empty value.`);
    return typeBytes + value.BinaryValue.length;
  }
  if (value.BinaryValue !== undefined)
    throw new SqsApiError(
      'InvalidParameterValue',
      `The ${kind} '${name}' of type ${type} takes a StringValue, not a BinaryValue.`,
    );
  if (value.StringValue === undefined || value.StringValue === '')
    throw new SqsApiError('InvalidParameterValue', `The ${kind} '${name}' must contain a non-empty value.`);
  if (type.startsWith('Number') && !NUMBER.test(value.StringValue))
    throw new SqsApiError('InvalidParameterValue', `Can't cast the value of ${kind} '${name}' to a number.`);
  checkCharacters(value.StringValue, `the ${kind} '${name}'`);
  return typeBytes + Buffer.byteLength(value.StringValue);
}

/** Checks message system attributes: SQS accepts only AWSTraceHeader, a String. */
export function validateSystemAttributes(attributes: Record<string, MessageAttributeValue>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (name !== 'AWSTraceHeader')
      throw new SqsApiError(
        'InvalidParameterValue',
        `Message system attribute name '${name.slice(0, 256)}' is invalid: only AWSTraceHeader is supported.`,
      );
    validateAttributeValue(name, value, 'message system attribute');
    if (value.DataType !== 'String')
      throw new SqsApiError(
        'InvalidParameterValue',
        'The message system attribute AWSTraceHeader must be a String.',
      );
  }
}

/** Checks that a batch has 1-10 entries. */
export function validateBatchSize(count: number): void {
  if (count === 0)
    throw new SqsApiError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  if (count > LIMITS.maxBatchEntries)
    throw new SqsApiError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${LIMITS.maxBatchEntries}. You have sent ${count}.`,
    );
}

/** Checks the entries of a batch: 1-10 of them, with distinct, well-formed ids. */
export function validateBatchIds(ids: readonly string[]): void {
  validateBatchSize(ids.length);
  const seen = new Set<string>();
  for (const id of ids) {
    if (!BATCH_ENTRY_ID.test(id))
      throw new SqsApiError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    if (seen.has(id)) throw new SqsApiError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
}
