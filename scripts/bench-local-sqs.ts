/**
 * Measures the local SQS server with the AWS SDK: send + receive + delete cycles per second, one
 * client at a time and with concurrent clients (whose synchronous writes share fsyncs), and the
 * same cycle on the store's in-process API for comparison. Prints figures; asserts nothing.
 *
 *   npx tsx scripts/bench-local-sqs.ts [cycles] [concurrency]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { openSqsStore, startSqsServer } from '../lib/local/sqs/index.js';

const cycles = Number(process.argv[2] ?? 1000);
const concurrency = Number(process.argv[3] ?? 16);

const dir = mkdtempSync(join(tmpdir(), 'handoff-sqs-bench-'));
const store = await openSqsStore({ dir });
const server = await startSqsServer({ store });
const client = new SQSClient({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});
const body = JSON.stringify({ id: 'evt-1', 'detail-type': 'Customer Updated', detail: { plan: 'business' } });

/** One send, one receive and one delete; returns false if the receive came back empty. */
async function cycle(queueUrl: string): Promise<boolean> {
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const received = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
  const message = received.Messages?.[0];
  if (!message) return false;
  await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  return true;
}

async function run(label: string, workers: number, total: number): Promise<void> {
  const { QueueUrl: queueUrl = '' } = await client.send(
    new CreateQueueCommand({ QueueName: `bench-${workers}` }),
  );
  for (let i = 0; i < 50; i += 1) await cycle(queueUrl); // warm up connections and the JIT
  let next = 0;
  let empty = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        next += 1;
        if (!(await cycle(queueUrl))) empty += 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = total / seconds;
  console.log(
    `${label.padEnd(28)} ${total} cycles in ${seconds.toFixed(2)} s: ${rate.toFixed(0)} cycles/s ` +
      `(${(rate * 3).toFixed(0)} requests/s, ${((seconds / total) * 1000).toFixed(2)} ms per cycle` +
      `${empty > 0 ? `, ${empty} empty receives` : ''})`,
  );
}

/** The same cycle without HTTP and the SDK: what the local layer pays calling the store directly. */
async function runInProcess(total: number): Promise<void> {
  await store.createQueue('bench-in-process');
  const started = process.hrtime.bigint();
  for (let i = 0; i < total; i += 1) {
    await store.sendMessage('bench-in-process', { body });
    const [message] = await store.receiveMessages('bench-in-process');
    if (message) await store.deleteMessage('bench-in-process', message.receiptHandle);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `${'store API, in-process'.padEnd(28)} ${total} cycles in ${seconds.toFixed(2)} s: ${(total / seconds).toFixed(0)} cycles/s`,
  );
}

try {
  console.log(
    `node ${process.version}, data in ${dir}; one cycle = SendMessage + ReceiveMessage + DeleteMessage`,
  );
  await run('SDK, 1 client', 1, cycles);
  await run(`SDK, ${concurrency} concurrent clients`, concurrency, cycles * 4);
  await runInProcess(cycles);
} finally {
  client.destroy();
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
