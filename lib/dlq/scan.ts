/**
 * One walk over a dead-letter queue, shared by list, show and redrive.
 *
 * SQS has no "peek": the only way to read a message is to receive it, which hides it from other
 * readers for a visibility timeout. So the walk receives in batches of 10 with a short timeout,
 * keeps what it received hidden until the walk ends (so the next receive returns new messages, not
 * the same ones again), and then makes every message it did not delete visible again at once
 * (ChangeMessageVisibilityBatch, timeout 0) — also when the walk fails half-way.
 *
 * The walk is bounded: by the queue's ApproximateNumberOfMessages when it starts (messages that
 * arrive meanwhile wait for the next run), by a limit, and it stops when a receive returns nothing
 * (long polling asks every SQS server) or only messages it has already seen (the visibility
 * timeout ran out and the queue went round).
 */
import type { RawDeadLetter, ReadDeadLetter } from '../../lambdas/commons/dead-letters.js';
import type { DeadLetterQueueApi } from './api.js';
import { type ContractEntitySpec, RECEIVE_ATTRIBUTES, readWithEntity, toRawDeadLetter } from './read.js';

/** SQS's limit on messages per receive and per batch call. */
export const SQS_BATCH = 10;
/** SQS's maximum visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** Messages looked at by one command unless told otherwise. */
export const DEFAULT_SCAN_LIMIT = 1000;

/** Where to walk and how far. */
export interface QueueScanOptions {
  /** SQS: an SDK client adapted by ./sdk.ts, or the redrive function's lean one. */
  sqs: DeadLetterQueueApi;
  queueUrl: string;
  /** The plan's `handoff-<stage>`, to tell contracts from function and rule names. */
  prefix: string;
  /** Contracts' entity expressions, to name the entity of dead letters that do not carry it. */
  contracts?: readonly ContractEntitySpec[];
  /** At most this many messages are looked at. @default 1000 */
  limit?: number;
  /** Long-poll wait of each receive, in seconds (0-20). @default 1 */
  waitSeconds?: number;
}

/** A received dead letter: the raw message (with its current receipt handle) and what it says. */
export interface ReceivedDeadLetter {
  raw: RawDeadLetter & { receiptHandle: string };
  read: ReadDeadLetter;
}

/**
 * Why a walk ended: drained (a receive found nothing), went-round (only messages already seen
 * came back), counted (as many as the queue had at the start), limit, or stopped.
 */
export type ScanEnd = 'drained' | 'went-round' | 'counted' | 'limit' | 'stopped';

export interface ScanStats {
  /** ApproximateNumberOfMessages (visible) when the walk started. */
  approximateCount: number;
  /** Distinct messages received. */
  scanned: number;
  end: ScanEnd;
  /** Whether every message visible at the start was looked at. */
  complete: boolean;
  /** Messages whose visibility could not be reset; they reappear when their timeout ends. */
  releaseFailures: number;
}

/**
 * Walks the queue. `visit` gets each batch of new messages and returns the ids it deleted; all
 * others are released when the walk ends. `shouldStop` is asked before every receive.
 */
export async function scanQueue(
  options: QueueScanOptions & {
    /** How long received messages stay hidden; a function gets the queue's approximate count. */
    visibilitySeconds: number | ((approximateCount: number) => number);
    shouldStop?: () => boolean;
  },
  visit: (batch: ReceivedDeadLetter[]) => Promise<ReadonlySet<string>>,
): Promise<ScanStats> {
  const { sqs, queueUrl } = options;
  const limit = Math.max(1, options.limit ?? DEFAULT_SCAN_LIMIT);
  const approximateCount = await approximateMessages(sqs, queueUrl);
  // Receive at least once: the count is approximate and may lag behind new messages.
  const bound = Math.min(limit, Math.max(approximateCount, 1));
  const requested =
    typeof options.visibilitySeconds === 'function'
      ? options.visibilitySeconds(bound)
      : options.visibilitySeconds;
  const visibilityTimeout = Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(requested)));
  const seen = new Set<string>();
  const held = new Map<string, string>();
  let end: ScanEnd | undefined;
  let releaseFailures = 0;
  try {
    while (seen.size < bound) {
      if (options.shouldStop?.()) {
        end = 'stopped';
        break;
      }
      const received = await sqs.receiveMessage({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: SQS_BATCH,
        VisibilityTimeout: visibilityTimeout,
        WaitTimeSeconds: options.waitSeconds ?? 1,
        MessageSystemAttributeNames: [...RECEIVE_ATTRIBUTES.MessageSystemAttributeNames],
        MessageAttributeNames: [...RECEIVE_ATTRIBUTES.MessageAttributeNames],
      });
      const messages = received.Messages ?? [];
      if (messages.length === 0) {
        end = 'drained';
        break;
      }
      const fresh: ReceivedDeadLetter[] = [];
      for (const message of messages) {
        const raw = toRawDeadLetter(message);
        if (!raw) continue;
        held.set(raw.messageId, raw.receiptHandle);
        // Past the limit, a message is only held to be released: it is not looked at.
        if (seen.has(raw.messageId) || seen.size >= limit) continue;
        seen.add(raw.messageId);
        fresh.push({ raw, read: readWithEntity(raw, options.prefix, options.contracts) });
      }
      if (fresh.length === 0) {
        end = 'went-round';
        break;
      }
      const deleted = await visit(fresh);
      for (const id of deleted) held.delete(id);
    }
  } finally {
    releaseFailures = await release(sqs, queueUrl, held);
  }
  end ??= seen.size >= limit && limit < approximateCount ? 'limit' : 'counted';
  return {
    approximateCount,
    scanned: seen.size,
    end,
    // Going round proves completeness only if as many messages were seen as the queue had.
    complete:
      end === 'drained' || end === 'counted' || (end === 'went-round' && seen.size >= approximateCount),
    releaseFailures,
  };
}

/** The queue's ApproximateNumberOfMessages (visible messages). */
export async function approximateMessages(sqs: DeadLetterQueueApi, queueUrl: string): Promise<number> {
  const answer = await sqs.getQueueAttributes({
    QueueUrl: queueUrl,
    AttributeNames: ['ApproximateNumberOfMessages'],
  });
  const count = Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0);
  return Number.isFinite(count) && count > 0 ? count : 0;
}

/** Makes held messages visible again; returns how many could not be released. Never throws. */
async function release(
  sqs: DeadLetterQueueApi,
  queueUrl: string,
  held: Map<string, string>,
): Promise<number> {
  const handles = [...held.values()];
  let failures = 0;
  for (let i = 0; i < handles.length; i += SQS_BATCH) {
    const chunk = handles.slice(i, i + SQS_BATCH);
    try {
      const answer = await sqs.changeMessageVisibilityBatch({
        QueueUrl: queueUrl,
        Entries: chunk.map((handle, n) => ({ Id: String(n), ReceiptHandle: handle, VisibilityTimeout: 0 })),
      });
      failures += answer.Failed?.length ?? 0;
    } catch {
      // Not fatal: the messages reappear on their own when the short visibility timeout ends.
      failures += chunk.length;
    }
  }
  return failures;
}
