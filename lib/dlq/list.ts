/**
 * Listing and showing dead letters: support-safe summaries (contract, entity, failure class,
 * reason, attempts, age) and, for one message, the original event's envelope. Never the event's
 * `detail`: it is where personal data lives.
 */
import type { DeadLetterSummary } from '../../lambdas/commons/dead-letters.js';
import { type DeadLetterFilter, matchesFilter } from './read.js';
import { type QueueScanOptions, type ScanStats, scanQueue } from './scan.js';

/** How long listing hides the messages it reads, at most: long enough for one walk of 1000. */
export const LIST_VISIBILITY_SECONDS = 30;

export interface ListOptions extends QueueScanOptions {
  filter?: DeadLetterFilter;
}

export interface DeadLetterListing extends ScanStats {
  queueUrl: string;
  /** The matching dead letters, oldest first. */
  deadLetters: DeadLetterSummary[];
}

/** The original event's envelope: enough to find it in logs and archives, no payload. */
export interface EventEnvelope {
  id?: string;
  source?: string;
  detailType?: string;
  time?: string;
  resources?: string[];
}

export interface DeadLetterDetail {
  summary: DeadLetterSummary;
  /** Undefined when the message body is not a readable event. */
  event?: EventEnvelope;
  /** SQS ApproximateReceiveCount, including this look. */
  receiveCount?: number;
}

/** Lists the queue's dead letters that match the filter; every message is visible again afterwards. */
export async function listDeadLetters(options: ListOptions): Promise<DeadLetterListing> {
  const deadLetters: DeadLetterSummary[] = [];
  const stats = await scanQueue({ ...options, visibilitySeconds: LIST_VISIBILITY_SECONDS }, async (batch) => {
    for (const { read } of batch) {
      if (matchesFilter(read.summary, options.filter)) deadLetters.push(read.summary);
    }
    return new Set();
  });
  deadLetters.sort((a, b) => (a.sentAt ?? 0) - (b.sentAt ?? 0));
  return { ...stats, queueUrl: options.queueUrl, deadLetters };
}

/** Finds one dead letter by SQS message id; the walk stops as soon as it is found. */
export async function showDeadLetter(
  options: QueueScanOptions & { messageId: string },
): Promise<ScanStats & { queueUrl: string; deadLetter?: DeadLetterDetail }> {
  let found: DeadLetterDetail | undefined;
  const stats = await scanQueue(
    { ...options, visibilitySeconds: LIST_VISIBILITY_SECONDS, shouldStop: () => found !== undefined },
    async (batch) => {
      for (const { raw, read } of batch) {
        if (raw.messageId !== options.messageId) continue;
        found = {
          summary: read.summary,
          ...(read.event ? { event: envelopeOf(read.event) } : {}),
          ...(raw.receiveCount !== undefined ? { receiveCount: raw.receiveCount } : {}),
        };
      }
      return new Set();
    },
  );
  return { ...stats, queueUrl: options.queueUrl, ...(found ? { deadLetter: found } : {}) };
}

/** The envelope fields of an EventBridge event. */
export function envelopeOf(event: Record<string, unknown>): EventEnvelope {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const resources = Array.isArray(event.resources)
    ? event.resources.filter((r): r is string => typeof r === 'string')
    : undefined;
  const envelope: EventEnvelope = {};
  const id = text(event.id);
  const source = text(event.source);
  const detailType = text(event['detail-type']);
  const time = text(event.time);
  if (id) envelope.id = id;
  if (source) envelope.source = source;
  if (detailType) envelope.detailType = detailType;
  if (time) envelope.time = time;
  if (resources && resources.length > 0) envelope.resources = resources;
  return envelope;
}
