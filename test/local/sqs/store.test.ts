import { rmSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqsStore, SqsApiError, type SqsStore, SqsStoreError } from '../../../lib/local/sqs/index.js';
import { rejection, tempDir } from './helpers.js';

const START = Date.parse('2026-03-01T12:00:00Z');
const dirs: string[] = [];
const stores: SqsStore[] = [];

/** A store on `dir` (a new folder by default) whose clock is `clock.now`. */
async function open(dir = newDir(), clock = { now: START }) {
  const store = await openSqsStore({ dir, clock: () => clock.now });
  stores.push(store);
  return { store, dir, clock };
}

function newDir(): string {
  const dir = tempDir('handoff-sqs-store-');
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SqsStore persistence', () => {
  it('keeps queues, attributes, tags, messages and receipt handles across a restart', async () => {
    // Prepare
    const { store, dir, clock } = await open();
    await store.createQueue(
      'q',
      { VisibilityTimeout: '45', MessageRetentionPeriod: '1209600' },
      { team: 'platform' },
    );
    await store.sendMessage('q', { body: 'received' });
    await store.sendMessage('q', {
      body: 'kept',
      messageAttributes: { b: { DataType: 'Binary', BinaryValue: Uint8Array.of(9, 8) } },
    });
    const [received] = await store.receiveMessages('q');
    await store.close();

    // Act
    const reopened = await open(dir, clock);
    const queue = reopened.store.getQueue('q');
    const stats = reopened.store.stats('q');
    await reopened.store.deleteMessage('q', received?.receiptHandle ?? '');
    const [kept] = await reopened.store.receiveMessages('q', { maxNumberOfMessages: 10 });

    // Assess
    expect(queue?.attributes).toMatchObject({ VisibilityTimeout: 45, MessageRetentionPeriod: 1_209_600 });
    expect(queue?.tags).toEqual({ team: 'platform' });
    expect(stats).toMatchObject({ visible: 1, inFlight: 1 });
    expect(reopened.store.stats('q')).toMatchObject({ visible: 0, inFlight: 1 });
    expect(kept?.body).toBe('kept');
    expect(kept?.messageAttributes).toEqual({ b: { DataType: 'Binary', BinaryValue: Uint8Array.of(9, 8) } });
  });

  it('keeps an in-flight message hidden after a restart until its visibility deadline, then returns it', async () => {
    // Prepare
    const { store, dir, clock } = await open();
    await store.createQueue('q');
    await store.sendMessage('q', { body: 'x' });
    await store.receiveMessages('q', { visibilityTimeout: 30 });
    await store.close();

    // Act
    clock.now = START + 29_000;
    const early = await open(dir, clock);
    const hidden = await early.store.receiveMessages('q');
    await early.store.close();
    clock.now = START + 31_000;
    const late = await open(dir, clock);
    const back = await late.store.receiveMessages('q');

    // Assess
    expect(hidden).toEqual([]);
    expect(back[0]?.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('drops messages older than MessageRetentionPeriod, from memory and from disk', async () => {
    // Prepare
    const { store, dir, clock } = await open();
    await store.createQueue('q', { MessageRetentionPeriod: '60' });
    await store.sendMessage('q', { body: 'old' });
    clock.now = START + 30_000;
    await store.sendMessage('q', { body: 'young' });

    // Act
    clock.now = START + 60_000;
    const stats = store.stats('q');
    const received = await store.receiveMessages('q', { maxNumberOfMessages: 10, visibilityTimeout: 0 });
    await store.close();
    clock.now = START + 59_000; // had the old message survived on disk, it would be visible now
    const reopened = await open(dir, clock);

    // Assess
    expect(stats.visible).toBe(1);
    expect(received.map((m) => m.body)).toEqual(['young']);
    expect(reopened.store.stats('q')).toMatchObject({ visible: 0, inFlight: 1 });
  });

  it('applies a shortened retention period to messages already in the queue', async () => {
    // Prepare
    const { store, clock } = await open();
    await store.createQueue('q', { MessageRetentionPeriod: '1209600' });
    await store.sendMessage('q', { body: 'x' });
    clock.now = START + 120_000;

    // Act
    await store.setQueueAttributes('q', { MessageRetentionPeriod: '60' });

    // Assess
    expect(store.stats('q').visible).toBe(0);
  });

  it('removes what a crash in the middle of DeleteQueue leaves behind', async () => {
    // Prepare: messages of a queue whose record is gone, as after a crash between the two steps.
    const dir = newDir();
    const db = new ClassicLevel<string, unknown>(dir, { valueEncoding: 'json' });
    await db.batch([
      { type: 'put', key: 's:abcdefabcdef:00000000000001', value: { kind: 'state' } },
      { type: 'put', key: 'b:abcdefabcdef:00000000000001', value: { kind: 'body' } },
    ]);
    await db.close();

    // Act
    const { store } = await open(dir);
    await store.close();
    const after = new ClassicLevel<string, unknown>(dir, { valueEncoding: 'json' });
    const keys = await after.keys().all();
    await after.close();

    // Assess
    expect(keys).toEqual([]);
  });

  it('refuses a second process on the same folder, and use after close, with SqsStoreError', async () => {
    // Prepare
    const { store, dir } = await open();
    await store.createQueue('q');

    // Act
    const second = await rejection(openSqsStore({ dir }));
    await store.close();
    const afterClose = await rejection(store.sendMessage('q', { body: 'x' }));

    // Assess
    expect(second).toBeInstanceOf(SqsStoreError);
    expect(second.message).toContain(dir);
    expect(second.cause).toBeDefined();
    expect(afterClose).toBeInstanceOf(SqsStoreError);
  });
});

describe('SqsStore stats', () => {
  it('counts visible, in-flight and delayed messages and ages the oldest visible or in-flight one', async () => {
    // Prepare
    const { store, clock } = await open();
    await store.createQueue('q');
    await store.sendMessage('q', { body: 'oldest' });
    clock.now = START + 10_000;
    await store.sendMessage('q', { body: 'delayed', delaySeconds: 900 });
    await store.sendMessage('q', { body: 'visible' });
    await store.receiveMessages('q', { visibilityTimeout: 300 }); // takes 'oldest' into flight

    // Act
    clock.now = START + 70_500;
    const stats = store.stats('q');

    // Assess
    expect(stats).toEqual({ visible: 1, inFlight: 1, delayed: 1, oldestMessageAgeSeconds: 70 });
  });

  it('skips messages received three times or more when aging, unless nothing else is left', async () => {
    // Prepare
    const { store, clock } = await open();
    await store.createQueue('q', { VisibilityTimeout: '0' });
    await store.sendMessage('q', { body: 'poison' });
    for (let i = 0; i < 3; i += 1) await store.receiveMessages('q');
    clock.now = START + 100_000;
    const alone = store.stats('q').oldestMessageAgeSeconds;
    await store.sendMessage('q', { body: 'fresh' });

    // Act
    clock.now = START + 130_000;
    const withFresh = store.stats('q').oldestMessageAgeSeconds;

    // Assess
    expect(alone).toBe(100);
    expect(withFresh).toBe(30);
  });

  it('reports an empty queue as age 0 and an unknown one as QueueDoesNotExist', async () => {
    // Prepare
    const { store } = await open();
    await store.createQueue('empty');

    // Act
    const empty = store.stats('empty');
    let unknown: unknown;
    try {
      store.stats('unknown');
    } catch (error) {
      unknown = error;
    }

    // Assess
    expect(empty).toEqual({ visible: 0, inFlight: 0, delayed: 0, oldestMessageAgeSeconds: 0 });
    expect(unknown).toBeInstanceOf(SqsApiError);
    expect((unknown as SqsApiError).code).toBe('QueueDoesNotExist');
  });
});

describe('SqsStore in-process API', () => {
  it('applies the same limits as the wire protocols', async () => {
    // Prepare
    const { store } = await open();
    await store.createQueue('q');

    // Act
    const tooMany = await rejection(
      store.sendMessages(
        'q',
        Array.from({ length: 11 }, () => ({ body: 'x' })),
      ),
    );
    const none = await rejection(store.sendMessages('q', []));
    const max = await rejection(store.receiveMessages('q', { maxNumberOfMessages: 0 }));
    const visibility = await rejection(store.receiveMessages('q', { visibilityTimeout: -1 }));

    // Assess
    expect([tooMany.code, none.code, max.code, visibility.code]).toEqual([
      'TooManyEntriesInBatchRequest',
      'EmptyBatchRequest',
      'InvalidParameterValue',
      'InvalidParameterValue',
    ]);
  });

  it('ends a long poll with no messages when its signal aborts or the store closes', async () => {
    // Prepare
    const { store } = await open(newDir(), { now: Date.now() });
    await store.createQueue('q');
    const controller = new AbortController();
    const aborted = store.receiveMessages('q', { waitTimeSeconds: 20, signal: controller.signal });
    const closing = store.receiveMessages('q', { waitTimeSeconds: 20 });

    // Act
    controller.abort();
    const fromAbort = await aborted;
    await store.close();
    const fromClose = await closing;

    // Assess
    expect(fromAbort).toEqual([]);
    expect(fromClose).toEqual([]);
  });

  it('passes a sender id through to SenderId', async () => {
    // Prepare
    const { store } = await open();
    await store.createQueue('q');

    // Act
    await store.sendMessage('q', { body: 'x', senderId: 'AROAEXAMPLE:handoff-local-crm-to-helpdesk' });
    const [message] = await store.receiveMessages('q');

    // Assess
    expect(message?.attributes.SenderId).toBe('AROAEXAMPLE:handoff-local-crm-to-helpdesk');
  });
});
