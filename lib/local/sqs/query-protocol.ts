/**
 * The AWS query protocol (form-encoded `Action=...`, XML answers), which older clients still
 * speak; Debian 12's packaged AWS CLI (2.9.19) is one of them. Requests are translated into the
 * JSON protocol's shape (`Attribute.1.Name`/`.Value` becomes `Attributes`, `...RequestEntry.N.*`
 * becomes `Entries`) and answers rendered back with the element names of SQS's 2012-11-05 model.
 */
import type { SqsApiError } from './errors.js';
import type { WireResponse } from './json-protocol.js';

const NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';
const INTEGER_FIELDS = new Set([
  'DelaySeconds',
  'MaxNumberOfMessages',
  'VisibilityTimeout',
  'WaitTimeSeconds',
  'MaxResults',
]);
/** Parameters of the envelope or of SigV4 presigning, not of the operation. */
const ENVELOPE =
  /^(Action|Version|Signature|SignatureMethod|SignatureVersion|AWSAccessKeyId|Timestamp|Expires|SecurityToken|X-Amz-.*)$/;
const LISTS: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  TagKey: 'TagKeys',
};
const ENTRY_LISTS = new Set([
  'SendMessageBatchRequestEntry',
  'DeleteMessageBatchRequestEntry',
  'ChangeMessageVisibilityBatchRequestEntry',
]);
/** Operations whose answer has a `<XResult>` element. */
const WITH_RESULT = new Set([
  'CreateQueue',
  'GetQueueUrl',
  'ListQueues',
  'GetQueueAttributes',
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibilityBatch',
  'ListQueueTags',
  'ListDeadLetterSourceQueues',
]);

/** A queue URL's path: /<account>/<name>. Query clients may post to the queue URL itself. */
const QUEUE_PATH = /^\/\d{12}\/[A-Za-z0-9_-]{1,80}$/;

/** Translates form parameters into the JSON protocol's request shape. */
export function queryToRequest(
  action: string,
  params: URLSearchParams,
  requestUrl: URL,
): Record<string, unknown> {
  const flat = new Map<string, string>();
  for (const [key, value] of params) if (!ENVELOPE.test(key)) flat.set(key, value);
  const request = translate(flat, action);
  if (request.QueueUrl === undefined && QUEUE_PATH.test(requestUrl.pathname))
    request.QueueUrl = `${requestUrl.origin}${requestUrl.pathname}`;
  return request;
}

function translate(flat: Map<string, string>, action: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const groups = new Map<string, Map<number, Map<string, string>>>();
  for (const [key, value] of flat) {
    const match = /^([A-Za-z]+)\.(\d+)(?:\.(.+))?$/.exec(key);
    if (!match) {
      out[key] = INTEGER_FIELDS.has(key) && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
      continue;
    }
    const [, prefix = '', index = '', rest = ''] = match;
    const byIndex = groups.get(prefix) ?? new Map<number, Map<string, string>>();
    groups.set(prefix, byIndex);
    const fields = byIndex.get(Number(index)) ?? new Map<string, string>();
    byIndex.set(Number(index), fields);
    fields.set(rest, value);
  }
  for (const [prefix, byIndex] of groups) {
    const members = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, fields]) => fields);
    const list = LISTS[prefix];
    if (list) out[list] = members.map((m) => m.get('') ?? '');
    else if (prefix === 'Attribute') out.Attributes = pairs(members, 'Name', 'Value');
    else if (prefix === 'Tag')
      out[action === 'CreateQueue' ? 'tags' : 'Tags'] = pairs(members, 'Key', 'Value');
    else if (prefix === 'MessageAttribute') out.MessageAttributes = messageAttributes(members);
    else if (prefix === 'MessageSystemAttribute') out.MessageSystemAttributes = messageAttributes(members);
    else if (ENTRY_LISTS.has(prefix)) out.Entries = members.map((m) => translate(m, action));
  }
  return out;
}

function pairs(members: Array<Map<string, string>>, key: string, value: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const m of members) map[m.get(key) ?? ''] = m.get(value) ?? '';
  return map;
}

function messageAttributes(members: Array<Map<string, string>>): Record<string, Record<string, unknown>> {
  const map: Record<string, Record<string, unknown>> = {};
  for (const m of members) {
    const value: Record<string, unknown> = {};
    const stringLists: string[] = [];
    const binaryLists: string[] = [];
    for (const [field, v] of m) {
      if (field === 'Value.DataType') value.DataType = v;
      else if (field === 'Value.StringValue') value.StringValue = v;
      else if (field === 'Value.BinaryValue') value.BinaryValue = v;
      else if (field.startsWith('Value.StringListValue.')) stringLists.push(v);
      else if (field.startsWith('Value.BinaryListValue.')) binaryLists.push(v);
    }
    if (stringLists.length > 0) value.StringListValues = stringLists;
    if (binaryLists.length > 0) value.BinaryListValues = binaryLists;
    map[m.get('Name') ?? ''] = value;
  }
  return map;
}

/** A successful query answer. */
export function queryResponse(
  action: string,
  output: Record<string, unknown>,
  requestId: string,
): WireResponse {
  const result = WITH_RESULT.has(action)
    ? `<${action}Result>${render(action, output)}</${action}Result>`
    : '';
  return xml(
    200,
    `<${action}Response xmlns="${NAMESPACE}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

/** An error in SQS's query shape. */
export function queryError(error: SqsApiError, requestId: string): WireResponse {
  return xml(
    error.status,
    `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${error.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(error.queryCode)}</Code><Message>${escapeXml(error.message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

function xml(status: number, body: string): WireResponse {
  return { status, headers: { 'content-type': 'text/xml' }, body: `<?xml version="1.0"?>${body}` };
}

/** Renders an output object; lists and maps are flattened with the model's member names. */
function render(action: string, output: Record<string, unknown>): string {
  let out = '';
  for (const [key, value] of Object.entries(output)) {
    if (value === undefined) continue;
    if (key === 'QueueUrls' || key === 'queueUrls') out += elements('QueueUrl', value);
    else if (key === 'Attributes') out += entries('Attribute', 'Name', 'Value', value);
    else if (key === 'Tags') out += entries('Tag', 'Key', 'Value', value);
    else if (key === 'MessageAttributes') {
      for (const [name, attribute] of Object.entries(asRecord(value)))
        out += `<MessageAttribute><Name>${escapeXml(name)}</Name><Value>${render(action, asRecord(attribute))}</Value></MessageAttribute>`;
    } else if (key === 'Messages') out += objects('Message', action, value);
    else if (key === 'Successful') out += objects(`${action}ResultEntry`, action, value);
    else if (key === 'Failed') out += objects('BatchResultErrorEntry', action, value);
    else out += `<${key}>${escapeXml(String(value))}</${key}>`;
  }
  return out;
}

function elements(name: string, values: unknown): string {
  return (Array.isArray(values) ? values : [])
    .map((v) => `<${name}>${escapeXml(String(v))}</${name}>`)
    .join('');
}

function entries(element: string, key: string, value: string, map: unknown): string {
  return Object.entries(asRecord(map))
    .map(
      ([k, v]) =>
        `<${element}><${key}>${escapeXml(k)}</${key}><${value}>${escapeXml(String(v))}</${value}></${element}>`,
    )
    .join('');
}

function objects(element: string, action: string, values: unknown): string {
  return (Array.isArray(values) ? values : [])
    .map((v) => `<${element}>${render(action, asRecord(v))}</${element}>`)
    .join('');
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * Escapes text for XML. `\r` is written as a character reference because XML parsers turn a
 * literal one into `\n`, which would change message bodies; characters XML cannot carry at all
 * (only ever in echoed garbage input, never in accepted bodies) become U+FFFD.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#xD;');
}
