import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqsStore, type SqsStore } from '../../../lib/local/sqs/index.js';
import { PROJECT_ROOT } from '../../helpers/paths.js';
import { sqsClient, tempDir } from './helpers.js';

const CHILD = join(PROJECT_ROOT, 'test', 'local', 'sqs', 'fixtures', 'sqs-child.ts');
const cleanup: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Starts the server in a child process and resolves with its URL once it listens. */
function startChild(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`the child exited (${code}) before listening: ${err}`)));
  });
}

function killed(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    child.on('exit', (_code, signal) => resolve(signal));
    child.kill('SIGKILL');
  });
}

/** Every message visible in the queue, received with a short visibility timeout. */
async function drain(store: SqsStore): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (;;) {
    const batch = await store.receiveMessages('durable', { maxNumberOfMessages: 10, visibilityTimeout: 600 });
    if (batch.length === 0) return found;
    for (const m of batch) found.set(m.messageId, m.attributes.ApproximateReceiveCount);
  }
}

async function sendOne(client: SQSClient, url: string, body: string): Promise<string> {
  const out = await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
  return out.MessageId ?? '';
}

describe('durability', () => {
  it('loses no acknowledged message and keeps in-flight deadlines when the server is killed with SIGKILL', {
    timeout: 30_000,
  }, async () => {
    // Prepare: a server in a child process with 50 acknowledged messages, 5 deleted, 5 in flight.
    const dir = tempDir('handoff-sqs-kill-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const { child, url } = await startChild(dir);
    const client = sqsClient(url);
    cleanup.push(() => client.destroy());
    const queueUrl = `${url}/000000000000/durable`;
    const acknowledged = new Set<string>();
    for (let i = 0; i < 20; i += 1) acknowledged.add(await sendOne(client, queueUrl, `single ${i}`));
    for (let b = 0; b < 3; b += 1) {
      const out = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: `batch ${b}.${i}` })),
        }),
      );
      for (const s of out.Successful ?? []) acknowledged.add(s.MessageId ?? '');
    }
    const received = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const messages = received.Messages ?? [];
    const deleted = messages.slice(0, 5);
    const inFlight = messages.slice(5);
    for (const m of deleted)
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));

    // Act: kill it while 100 sends race; keep the ids of those acknowledged before the kill.
    const racing = Array.from({ length: 100 }, (_, i) => sendOne(client, queueUrl, `racing ${i}`));
    let settled = 0;
    const raced = racing.map((p) =>
      p.then(
        (id) => {
          settled += 1;
          return id;
        },
        () => undefined,
      ),
    );
    while (settled < 30) await new Promise((resolve) => setImmediate(resolve));
    const signal = await killed(child);
    const racedIds = (await Promise.all(raced)).filter((id): id is string => id !== undefined);
    const store = await openSqsStore({ dir });
    const stats = store.stats('durable');
    const visible = await drain(store);
    await store.close();
    const later = await openSqsStore({ dir, clock: () => Date.now() + 31_000 });
    const back = await drain(later);
    await later.close();

    // Assess
    expect(signal).toBe('SIGKILL');
    expect(racedIds.length).toBeGreaterThanOrEqual(30);
    for (const id of racedIds) acknowledged.add(id);
    for (const m of deleted) acknowledged.delete(m.MessageId ?? '');
    const survivors = new Set([...visible.keys(), ...inFlight.map((m) => m.MessageId ?? '')]);
    for (const id of acknowledged)
      expect(survivors.has(id), `acknowledged message ${id} was lost`).toBe(true);
    for (const m of deleted) expect(survivors.has(m.MessageId ?? '')).toBe(false);
    expect(stats.inFlight).toBe(inFlight.length);
    for (const m of inFlight) {
      expect(visible.has(m.MessageId ?? '')).toBe(false);
      expect(back.get(m.MessageId ?? '')).toBe('2');
    }
  });
});
