/**
 * DynamoDB with native JavaScript values, over the lean AWS JSON client (aws-json.ts): the same
 * inputs and outputs as `@aws-sdk/lib-dynamodb`'s commands (its types are imported as types only,
 * so nothing of the SDK is bundled or loaded), marshalled by `@aws-sdk/util-dynamodb` exactly as
 * lib-dynamodb marshals them: the same attributes of the same parameters, each value with
 * `removeUndefinedValues` and top-level containers converted.
 *
 *   const doc = dynamoDoc();                       // on Lambda: region and credentials from the env
 *   const { Item } = await doc.get({ TableName, Key: { pk, sk }, ConsistentRead: true });
 *
 * Failures are the client's errors: AwsServiceError named by AWS's code
 * (`error.name === 'ConditionalCheckFailedException'`), AwsTimeoutError, AwsNetworkError...
 */
import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  BatchWriteCommandInput,
  BatchWriteCommandOutput,
  DeleteCommandInput,
  DeleteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  ScanCommandInput,
  ScanCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, type marshallOptions, unmarshall } from '@aws-sdk/util-dynamodb';
import { AWS_SERVICES, type AwsCallOptions, type AwsClientOptions, AwsJsonClient } from './aws-json.js';

/** The document operations handoff uses, with lib-dynamodb's input and output shapes. */
export interface DynamoDoc {
  get(input: GetCommandInput, options?: AwsCallOptions): Promise<GetCommandOutput>;
  put(input: PutCommandInput, options?: AwsCallOptions): Promise<PutCommandOutput>;
  update(input: UpdateCommandInput, options?: AwsCallOptions): Promise<UpdateCommandOutput>;
  delete(input: DeleteCommandInput, options?: AwsCallOptions): Promise<DeleteCommandOutput>;
  query(input: QueryCommandInput, options?: AwsCallOptions): Promise<QueryCommandOutput>;
  scan(input: ScanCommandInput, options?: AwsCallOptions): Promise<ScanCommandOutput>;
  batchGet(input: BatchGetCommandInput, options?: AwsCallOptions): Promise<BatchGetCommandOutput>;
  batchWrite(input: BatchWriteCommandInput, options?: AwsCallOptions): Promise<BatchWriteCommandOutput>;
}

/** A DynamoDoc on the lean client; `options` as AwsJsonClient's (endpoint, region, credentials...). */
export function dynamoDoc(options: AwsClientOptions = {}): DynamoDoc {
  return new DynamoDocClient(new AwsJsonClient(AWS_SERVICES.dynamodb, options));
}

// Which parts of each input and output hold attribute values: lib-dynamodb's key nodes, verbatim
// (commands/*Command.js). `null` is the value itself, `{}` every member, `{ '*': x }` every member's x.
type KeyNodes = null | { readonly [key: string]: KeyNodes };
const ALL: KeyNodes = {};
const EXPECTED: KeyNodes = { '*': { Value: null, AttributeValueList: ALL } };
const CONDITIONS: KeyNodes = { '*': { AttributeValueList: ALL } };
const ITEMS: KeyNodes = { '*': ALL };
const ITEM_COLLECTION_METRICS: KeyNodes = { ItemCollectionKey: ALL };
const WRITE_REQUESTS: KeyNodes = { '*': { '*': { PutRequest: { Item: ALL }, DeleteRequest: { Key: ALL } } } };

const NODES = {
  GetItem: { input: { Key: ALL }, output: { Item: ALL } },
  PutItem: {
    input: { Item: ALL, Expected: EXPECTED, ExpressionAttributeValues: ALL },
    output: { Attributes: ALL, ItemCollectionMetrics: ITEM_COLLECTION_METRICS },
  },
  UpdateItem: {
    input: {
      Key: ALL,
      AttributeUpdates: { '*': { Value: null } },
      Expected: EXPECTED,
      ExpressionAttributeValues: ALL,
    },
    output: { Attributes: ALL, ItemCollectionMetrics: ITEM_COLLECTION_METRICS },
  },
  DeleteItem: {
    input: { Key: ALL, Expected: EXPECTED, ExpressionAttributeValues: ALL },
    output: { Attributes: ALL, ItemCollectionMetrics: ITEM_COLLECTION_METRICS },
  },
  Query: {
    input: {
      KeyConditions: CONDITIONS,
      QueryFilter: CONDITIONS,
      ExclusiveStartKey: ALL,
      ExpressionAttributeValues: ALL,
    },
    output: { Items: ITEMS, LastEvaluatedKey: ALL },
  },
  Scan: {
    input: { ScanFilter: CONDITIONS, ExclusiveStartKey: ALL, ExpressionAttributeValues: ALL },
    output: { Items: ITEMS, LastEvaluatedKey: ALL },
  },
  BatchGetItem: {
    input: { RequestItems: { '*': { Keys: ITEMS } } },
    output: { Responses: { '*': ITEMS }, UnprocessedKeys: { '*': { Keys: ITEMS } } },
  },
  BatchWriteItem: {
    input: { RequestItems: WRITE_REQUESTS },
    output: {
      UnprocessedItems: WRITE_REQUESTS,
      ItemCollectionMetrics: { '*': { '*': ITEM_COLLECTION_METRICS } },
    },
  },
} as const satisfies Record<string, { input: KeyNodes; output: KeyNodes }>;

type Operation = keyof typeof NODES;

/** lib-dynamodb's marshalling with handoff's one option (undefined attributes are left out). */
const MARSHALL: marshallOptions = { removeUndefinedValues: true, convertTopLevelContainer: true };

class DynamoDocClient implements DynamoDoc {
  constructor(private readonly client: AwsJsonClient) {}

  get(input: GetCommandInput, options?: AwsCallOptions) {
    return this.send<GetCommandOutput>('GetItem', input, options);
  }
  put(input: PutCommandInput, options?: AwsCallOptions) {
    return this.send<PutCommandOutput>('PutItem', input, options);
  }
  update(input: UpdateCommandInput, options?: AwsCallOptions) {
    return this.send<UpdateCommandOutput>('UpdateItem', input, options);
  }
  delete(input: DeleteCommandInput, options?: AwsCallOptions) {
    return this.send<DeleteCommandOutput>('DeleteItem', input, options);
  }
  query(input: QueryCommandInput, options?: AwsCallOptions) {
    return this.send<QueryCommandOutput>('Query', input, options);
  }
  scan(input: ScanCommandInput, options?: AwsCallOptions) {
    return this.send<ScanCommandOutput>('Scan', input, options);
  }
  batchGet(input: BatchGetCommandInput, options?: AwsCallOptions) {
    return this.send<BatchGetCommandOutput>('BatchGetItem', input, options);
  }
  batchWrite(input: BatchWriteCommandInput, options?: AwsCallOptions) {
    return this.send<BatchWriteCommandOutput>('BatchWriteItem', input, options);
  }

  private async send<Output>(operation: Operation, input: object, options?: AwsCallOptions): Promise<Output> {
    const nodes = NODES[operation];
    const wire = encodeBinary(processKeys(input, (value) => marshall(value, MARSHALL), nodes.input));
    const { output, $metadata } = await this.client.call(operation, wire, options);
    const native = processKeys(
      output,
      (value) => unmarshall(decodeBinary(value) as never, { convertWithoutMapWrapper: true }),
      nodes.output,
    );
    return { ...native, $metadata } as Output;
  }
}

/** Applies `fn` to the parts of `obj` that `nodes` name (lib-dynamodb's processKeysInObj). */
function processKeys(obj: object, fn: (value: unknown) => unknown, nodes: KeyNodes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) if (typeof value !== 'function') out[key] = value;
  for (const [key, child] of Object.entries(nodes ?? {})) {
    const value = (obj as Record<string, unknown>)[key];
    if (typeof value === 'function') continue;
    const processed = process(value, fn, child);
    if (processed !== undefined) out[key] = processed;
  }
  return out;
}

function process(value: unknown, fn: (value: unknown) => unknown, nodes: KeyNodes): unknown {
  if (value === undefined) return undefined;
  if (nodes === null) return fn(value);
  const keys = Object.keys(nodes);
  if (keys.length === 0) return mapMembers(value, (member) => process(member, fn, null), true);
  if (keys.length === 1 && keys[0] === '*') {
    const next = nodes['*'] ?? null;
    return mapMembers(value, (member) => process(member, fn, next), false);
  }
  return value !== null && typeof value === 'object' ? processKeys(value, fn, nodes) : value;
}

/** Maps the members of an array or object, leaving out functions (and, if asked, undefined results). */
function mapMembers(value: unknown, fn: (member: unknown) => unknown, dropUndefined: boolean): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.filter((m) => typeof m !== 'function').map(fn);
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (typeof member === 'function') continue;
    const mapped = fn(member);
    if (!dropUndefined || mapped !== undefined) out[key] = mapped;
  }
  return out;
}

/**
 * Binary attribute values (B, BS) travel as base64 in the JSON protocol; util-dynamodb leaves them
 * as the caller's bytes. Marshalled input holds no other bytes, so every view becomes base64.
 */
function encodeBinary(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString('base64');
  if (typeof Blob !== 'undefined' && value instanceof Blob)
    throw new TypeError('DynamoDB binary values must be a Uint8Array, Buffer or ArrayBuffer, not a Blob');
  if (Array.isArray(value)) return value.map(encodeBinary);
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) out[key] = encodeBinary(member);
  return out;
}

/** Turns an attribute value's base64 B and BS back into bytes (Uint8Array, as the SDK returns). */
function decodeBinary(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const av = value as Record<string, unknown>;
  if (typeof av.B === 'string') return { B: fromBase64(av.B) };
  if (Array.isArray(av.BS)) return { BS: av.BS.map((b) => (typeof b === 'string' ? fromBase64(b) : b)) };
  if (Array.isArray(av.L)) return { L: av.L.map(decodeBinary) };
  if (av.M !== null && typeof av.M === 'object') {
    const map: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(av.M)) map[key] = decodeBinary(member);
    return { M: map };
  }
  return value;
}

function fromBase64(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
