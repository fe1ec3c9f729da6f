/**
 * The lean DynamoDB document client against dynalite: every operation is accepted, conditional
 * failures are ConditionalCheckFailedException, queries page, and values round-trip exactly as
 * @aws-sdk/lib-dynamodb round-trips them (compared on the same random items with fast-check,
 * writing with one client and reading with the other).
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_SERVICES, AwsJsonClient, AwsServiceError } from '../../lambdas/commons/aws-json.js';
import { type DynamoDoc, dynamoDoc } from '../../lambdas/commons/dynamo-doc.js';
import { countingTransport } from '../helpers/dynamo.js';

const TABLE = 'doc-test';
let server: ReturnType<typeof dynalite>;
let doc: DynamoDoc;
let sdk: DynamoDBDocumentClient;
const calls: Record<string, number> = {};

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const options = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  await new AwsJsonClient(AWS_SERVICES.dynamodb, options).call('CreateTable', {
    TableName: TABLE,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  });
  doc = dynamoDoc({ ...options, transport: countingTransport(calls) });
  sdk = DynamoDBDocumentClient.from(new DynamoDBClient(options), {
    marshallOptions: { removeUndefinedValues: true },
  });
});

afterAll(async () => {
  sdk.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('operations', () => {
  it('puts, gets, updates, deletes, queries, scans and batches', async () => {
    // Prepare
    const key = { pk: 'ops', sk: 'a' };

    // Act
    await doc.put({ TableName: TABLE, Item: { ...key, n: 1, tags: new Set(['x']) } });
    const got = await doc.get({ TableName: TABLE, Key: key, ConsistentRead: true });
    const updated = await doc.update({
      TableName: TABLE,
      Key: key,
      UpdateExpression: 'ADD n :one SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':one': 1, ':s': 'open' },
      ReturnValues: 'ALL_NEW',
    });
    await doc.batchWrite({
      RequestItems: { [TABLE]: [{ PutRequest: { Item: { pk: 'ops', sk: 'b', n: 3 } } }] },
    });
    const batch = await doc.batchGet({
      RequestItems: { [TABLE]: { Keys: [key, { pk: 'ops', sk: 'b' }], ProjectionExpression: 'sk, n' } },
    });
    const queried = await doc.query({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ops' },
    });
    const scanned = await doc.scan({
      TableName: TABLE,
      FilterExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ops' },
    });
    const deleted = await doc.delete({ TableName: TABLE, Key: key, ReturnValues: 'ALL_OLD' });
    const gone = await doc.get({ TableName: TABLE, Key: key, ConsistentRead: true });

    // Assess
    expect(got.Item).toEqual({ ...key, n: 1, tags: new Set(['x']) });
    expect(got.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
    expect(updated.Attributes).toEqual({ ...key, n: 2, tags: new Set(['x']), status: 'open' });
    expect(batch.Responses?.[TABLE]?.map((i) => i.n).sort()).toEqual([2, 3]);
    expect(batch.UnprocessedKeys).toEqual({});
    expect(queried.Items?.map((i) => i.sk)).toEqual(['a', 'b']);
    expect(queried.Count).toBe(2);
    expect(scanned.Items).toHaveLength(2);
    expect(deleted.Attributes).toMatchObject({ ...key, n: 2 });
    expect(gone.Item).toBeUndefined();
  });

  it('fails conditional writes with ConditionalCheckFailedException, at once', async () => {
    // Prepare
    const key = { pk: 'cond', sk: '1' };
    await doc.put({ TableName: TABLE, Item: { ...key, rev: 1 } });
    for (const k of Object.keys(calls)) delete calls[k];

    // Act
    const errors = await Promise.all(
      [
        doc.put({ TableName: TABLE, Item: key, ConditionExpression: 'attribute_not_exists(pk)' }),
        doc.update({
          TableName: TABLE,
          Key: key,
          UpdateExpression: 'SET rev = :next',
          ConditionExpression: 'rev = :rev',
          ExpressionAttributeValues: { ':rev': 7, ':next': 8 },
        }),
        doc.delete({
          TableName: TABLE,
          Key: key,
          ConditionExpression: 'rev = :rev',
          ExpressionAttributeValues: { ':rev': 7 },
        }),
      ].map((p) =>
        p.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );

    // Assess
    for (const error of errors) {
      expect(error).toBeInstanceOf(AwsServiceError);
      expect(error).toMatchObject({
        name: 'ConditionalCheckFailedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
    }
    expect(calls).toEqual({ PutItem: 1, UpdateItem: 1, DeleteItem: 1 });
  });

  it('pages a query and a scan with LastEvaluatedKey, reading every item once, in order', async () => {
    // Prepare
    const sks = Array.from({ length: 25 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
    for (const sk of sks)
      await doc.put({ TableName: TABLE, Item: { pk: 'paged', sk, body: 'x'.repeat(100) } });

    // Act
    const pages: string[][] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.query({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'paged' },
        Limit: 10,
        ExclusiveStartKey: start,
      });
      pages.push((page.Items ?? []).map((i) => String(i.sk)));
      start = page.LastEvaluatedKey;
    } while (start);
    const scannedKeys: string[] = [];
    let scanStart: Record<string, unknown> | undefined;
    do {
      const page = await doc.scan({ TableName: TABLE, Limit: 7, ExclusiveStartKey: scanStart });
      for (const item of page.Items ?? []) if (item.pk === 'paged') scannedKeys.push(String(item.sk));
      scanStart = page.LastEvaluatedKey;
    } while (scanStart);

    // Assess
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(sks);
    expect(scannedKeys.sort()).toEqual(sks);
  });

  it('round-trips a 350 KB item of mixed unicode', async () => {
    // Prepare
    const text = '✓ ünïcödé 𝄞 😀 '.repeat(350_000 / 20);
    const item = {
      pk: 'big',
      sk: '1',
      text,
      list: [text.slice(0, 1000), 42, { nested: text.slice(0, 500) }],
    };

    // Act
    await doc.put({ TableName: TABLE, Item: item });
    const lean = await doc.get({ TableName: TABLE, Key: { pk: 'big', sk: '1' } });
    const viaSdk = await sdk.send(new GetCommand({ TableName: TABLE, Key: { pk: 'big', sk: '1' } }));

    // Assess
    expect(lean.Item).toEqual(item);
    expect(viaSdk.Item).toEqual(item);
  });

  it('reports an item over 400 KB as AWS does, as ValidationException', async () => {
    // Act
    const error = await doc
      .put({ TableName: TABLE, Item: { pk: 'huge', sk: '1', text: 'x'.repeat(410 * 1024) } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', $metadata: { attempts: 1 } });
  });
});

// ---------------------------------------------------------------------------------------------
// The same values through lib-dynamodb and the lean client
// ---------------------------------------------------------------------------------------------

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 3, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e100, max: 1e100 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(fc.string({ unit: 'binary', maxLength: 10 }), { maxLength: 4 })
      .map((a) => new Set(a)),
  },
  { weight: 1, arbitrary: fc.uniqueArray(fc.integer(), { maxLength: 4 }).map((a) => new Set(a)) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.uint8Array({ minLength: 1, maxLength: 8 }), { maxLength: 3 })
      .map((a) => new Set(a)),
  },
);

const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), tie('value'), {
        maxKeys: 4,
      }),
    },
  ),
})).value;

const attributes = fc.dictionary(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((k) => k !== 'pk' && k !== 'sk'),
  value,
  { maxKeys: 6 },
);

/** What a call did: its value, or its error's name and message (both clients must agree). */
async function outcome<T>(call: () => Promise<T>): Promise<{ ok: T } | { error: string }> {
  try {
    return { ok: await call() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

let counter = 0;

describe('values, compared with @aws-sdk/lib-dynamodb', () => {
  it('writes and reads every value exactly as lib-dynamodb does, or fails the same way', async () => {
    let written = 0;
    await fc.assert(
      fc.asyncProperty(attributes, async (attrs) => {
        // Prepare
        const n = ++counter;
        const leanKey = { pk: 'prop', sk: `lean-${n}` };
        const sdkKey = { pk: 'prop', sk: `sdk-${n}` };

        // Act: write with each client, read each item with both.
        const leanPut = await outcome(() => doc.put({ TableName: TABLE, Item: { ...attrs, ...leanKey } }));
        const sdkPut = await outcome(() =>
          sdk.send(new PutCommand({ TableName: TABLE, Item: { ...attrs, ...sdkKey } })),
        );
        const reads = await Promise.all(
          [leanKey, sdkKey].flatMap((Key) => [
            outcome(async () => (await doc.get({ TableName: TABLE, Key, ConsistentRead: true })).Item),
            outcome(
              async () =>
                (await sdk.send(new GetCommand({ TableName: TABLE, Key, ConsistentRead: true }))).Item,
            ),
          ]),
        );

        // Assess
        expect('error' in leanPut ? leanPut.error : 'ok').toBe('error' in sdkPut ? sdkPut.error : 'ok');
        const [leanByLean, leanBySdk, sdkByLean, sdkBySdk] = reads.map((r) => {
          if ('error' in r) return r;
          if (!r.ok) return r.ok;
          const { sk: _sk, ...rest } = r.ok;
          return rest;
        });
        expect(leanByLean).toEqual(sdkBySdk);
        expect(leanBySdk).toEqual(sdkBySdk);
        expect(sdkByLean).toEqual(sdkBySdk);
        if ('ok' in leanPut) written++;
      }),
      { numRuns: 120 },
    );
    // Most random items are valid (the rest fail in both clients alike): the comparison has substance.
    expect(written).toBeGreaterThan(60);
  });

  it('sends expression values and returns updated attributes exactly as lib-dynamodb does', async () => {
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        // Prepare
        const n = ++counter;
        const input = (sk: string) => ({
          TableName: TABLE,
          Key: { pk: 'update', sk },
          UpdateExpression: 'SET #v = :v',
          ExpressionAttributeNames: { '#v': 'v' },
          ExpressionAttributeValues: { ':v': v },
          ReturnValues: 'ALL_NEW' as const,
        });

        // Act
        const lean = await outcome(async () => (await doc.update(input(`lean-${n}`))).Attributes?.v);
        const viaSdk = await outcome(
          async () => (await sdk.send(new UpdateCommand(input(`sdk-${n}`)))).Attributes?.v,
        );

        // Assess
        expect(lean).toEqual(viaSdk);
      }),
      { numRuns: 80 },
    );
  });
});
