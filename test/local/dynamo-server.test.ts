import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedDynamoError, startEmbeddedDynamo } from '../../lib/local/dynamo-server.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-dynamo-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const clientFor = (url: string) =>
  new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

const table = (name: string) =>
  new CreateTableCommand({
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  });

describe('the embedded DynamoDB on its own thread', () => {
  it('serves DynamoDB, and keeps what it stored across a close and a restart on the same folder', async () => {
    // Prepare
    const path = join(tempDir(), 'dynamodb');
    const first = await startEmbeddedDynamo({ path });
    const client = clientFor(first.url);
    await client.send(table('things'));
    await first.whenActive(['things']);

    // Act
    await client.send(
      new PutItemCommand({
        TableName: 'things',
        Item: { pk: { S: 'a' }, n: { N: '1' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    client.destroy();
    await first.close();
    const second = await startEmbeddedDynamo({ path });
    const again = clientFor(second.url);
    const { Item } = await again.send(
      new GetItemCommand({ TableName: 'things', Key: { pk: { S: 'a' } }, ConsistentRead: true }),
    );
    again.destroy();
    await second.close();

    // Assess: the close released LevelDB's lock (else the restart fails) and the item was on disk.
    expect(Item).toEqual({ pk: { S: 'a' }, n: { N: '1' } });
  });

  it('refuses a folder another instance holds, saying so, and leaves that instance serving', async () => {
    // Prepare
    const path = join(tempDir(), 'dynamodb');
    const holder = await startEmbeddedDynamo({ path });

    // Act
    const refused = await startEmbeddedDynamo({ path }).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(EmbeddedDynamoError);
    expect((refused as Error).message).toMatch(/lock/i);
    expect((refused as Error).message).toContain(path);
    const client = clientFor(holder.url);
    await client.send(table('still-here'));
    await holder.whenActive(['still-here']);
    client.destroy();
    await holder.close();
  });

  it('waits for tables to become ACTIVE, and names a table that never does', async () => {
    // Prepare
    const dynamo = await startEmbeddedDynamo();
    const client = clientFor(dynamo.url);

    // Act
    await client.send(table('created'));
    await dynamo.whenActive(['created']);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'created' }));
    const missing = await dynamo.whenActive(['never-created'], 100).catch((error: unknown) => error);
    client.destroy();
    await dynamo.close();

    // Assess
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(missing).toBeInstanceOf(EmbeddedDynamoError);
    expect((missing as Error).message).toBe(
      'table never-created of the embedded DynamoDB is missing, not ACTIVE, after 100 ms',
    );
  });

  it("reports its thread's event-loop time, which grows with the requests it serves", async () => {
    // Prepare
    const dynamo = await startEmbeddedDynamo();
    const client = clientFor(dynamo.url);
    await client.send(table('busy'));
    await dynamo.whenActive(['busy']);
    const before = dynamo.eventLoopUtilization();

    // Act
    for (let i = 0; i < 50; i++)
      await client.send(new PutItemCommand({ TableName: 'busy', Item: { pk: { S: `k${i}` } } }));
    const after = dynamo.eventLoopUtilization();
    client.destroy();
    await dynamo.close();

    // Assess
    expect(after.active).toBeGreaterThan(before.active);
    expect(after.idle + after.active).toBeGreaterThan(before.idle + before.active);
  });

  it('stops listening once closed, and a second close is harmless', async () => {
    // Prepare
    const dynamo = await startEmbeddedDynamo();
    const client = clientFor(dynamo.url);
    await client.send(table('gone'));

    // Act
    await dynamo.close();
    await dynamo.close();
    const after = await client.send(new DescribeTableCommand({ TableName: 'gone' })).catch((e: unknown) => e);
    client.destroy();

    // Assess
    expect((after as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('reports a thread that dies after start-up once, with its cause, and closes cleanly after', async () => {
    // Prepare: a worker that throws on its first request, where nothing catches it.
    const errors: EmbeddedDynamoError[] = [];
    const dynamo = await startEmbeddedDynamo({
      workerFile: new URL('../fixtures/crashing-dynamo-worker.cjs', import.meta.url),
      onError: (error) => errors.push(error),
    });

    // Act
    await fetch(dynamo.url, { method: 'POST', body: '{}' }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await dynamo.close();

    // Assess
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('dynalite bug');
  });

  it('says nothing more after a start that failed', async () => {
    // Prepare: a folder another instance holds makes the start fail.
    const path = tempDir();
    const holder = await startEmbeddedDynamo({ path });
    const errors: EmbeddedDynamoError[] = [];

    // Act
    const refused = await startEmbeddedDynamo({ path, onError: (error) => errors.push(error) }).catch(
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await holder.close();

    // Assess
    expect(refused).toBeInstanceOf(EmbeddedDynamoError);
    expect(errors).toEqual([]);
  });
});
