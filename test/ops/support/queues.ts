/**
 * Real dead-letter queues for the tests: the local layer's SQS-compatible server (lib/local/sqs) on
 * a random port, one queue per tier of the plan, and an SQSClient with fault injection (an SDK
 * middleware that makes the next call of a given operation fail before it is sent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { openSqsStore, startSqsServer } from '../../../lib/local/sqs/index.js';
import type { Plan, TierName } from '../../../lib/plan/types.js';

export interface TestQueues {
  endpoint: string;
  sqs: SQSClient;
  /** Queue URL per tier. */
  urls: Record<TierName, string>;
  /** Sends a dead letter the way its writer does (body and string attributes). */
  send(tier: TierName, body: unknown, attributes?: Record<string, string>): Promise<string>;
  /** Visible and in-flight messages of a tier's queue, straight from the store. */
  stats(tier: TierName): { visible: number; inFlight: number };
  /** Makes the next `times` calls of an operation (e.g. 'DeleteMessage') fail with `error`. */
  failNext(operation: string, error: Error, times?: number): void;
  /** Calls per operation name. */
  calls: Record<string, number>;
  close(): Promise<void>;
}

export async function startQueues(plan: Plan): Promise<TestQueues> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-ops-sqs-'));
  const store = await openSqsStore({ dir });
  for (const queue of plan.queues) await store.createQueue(queue.name, {});
  const server = await startSqsServer({ store, port: 0 });
  const sqs = new SQSClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const faults = new Map<string, Array<Error>>();
  const calls: Record<string, number> = {};
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? '').replace(/Command$/, '');
      calls[name] = (calls[name] ?? 0) + 1;
      const pending = faults.get(name);
      const fault = pending?.shift();
      if (fault) throw fault;
      return next(args);
    },
    { step: 'initialize', name: 'faultInjection' },
  );
  const urls = Object.fromEntries(
    plan.queues.map((q) => [q.tier, `${server.url}/000000000000/${q.name}`]),
  ) as Record<TierName, string>;
  const nameOf = (tier: TierName) => plan.queues.find((q) => q.tier === tier)?.name ?? '';
  return {
    endpoint: server.url,
    sqs,
    urls,
    async send(tier, body, attributes = {}) {
      const answer = await sqs.send(
        new SendMessageCommand({
          QueueUrl: urls[tier],
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
          ...(Object.keys(attributes).length > 0
            ? {
                MessageAttributes: Object.fromEntries(
                  Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
                ),
              }
            : {}),
        }),
      );
      return answer.MessageId ?? '';
    },
    stats(tier) {
      const s = store.stats(nameOf(tier));
      return { visible: s.visible, inFlight: s.inFlight };
    },
    failNext(operation, error, times = 1) {
      faults.set(operation, [
        ...(faults.get(operation) ?? []),
        ...Array.from({ length: times }, () => error),
      ]);
    },
    calls,
    async close() {
      sqs.destroy();
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
