/**
 * Redrive: put dead letters' original events back on the bus, then delete them.
 *
 * The order is what makes it safe. A message is deleted only after EventBridge accepted its event
 * (the entry has no error code); if the put fails the message stays, and if the process dies
 * between put and delete the message reappears when its visibility timeout ends (the time the walk
 * needs at its rate, plus a minute) and is put again by the next redrive. The handler skips versions it already synced, so a second put of the same
 * event changes nothing: nothing is lost and nothing is applied twice.
 *
 * Re-putting on the bus reaches every rule that matches the event, not only the contract that
 * failed; the other contracts' handlers skip it the same way.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { DeadLetterClass } from '../../lambdas/commons/dead-letters.js';
import type { EventBusApi } from './api.js';
import { type DeadLetterFilter, matchesFilter } from './read.js';
import {
  MAX_VISIBILITY_SECONDS,
  type QueueScanOptions,
  type ReceivedDeadLetter,
  type ScanStats,
  SQS_BATCH,
  scanQueue,
} from './scan.js';

/** Events put per second unless told otherwise: gentle on a target that has just recovered. */
export const DEFAULT_REDRIVE_RATE = 10;
/** The highest rate accepted; above it, use EventBridge archive replay instead. */
export const MAX_REDRIVE_RATE = 500;
/** EventBridge's limits on one PutEvents request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** A clock the pacing waits on; tests pass one that does not sleep. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RedriveOptions extends QueueScanOptions {
  /** EventBridge: an SDK client adapted by ./sdk.ts, or the redrive function's lean one. */
  events: EventBusApi;
  /** The bus the events go back on: the plan's `handoff-<stage>`. */
  busName: string;
  filter?: DeadLetterFilter;
  /** Report what would be redriven; put nothing, delete nothing. */
  dryRun?: boolean;
  /** Events put per second, at most. @default 10 */
  ratePerSecond?: number;
  /** Asked before every receive; true ends the run (e.g. the function is about to time out). */
  shouldStop?: () => boolean;
  /** @default the system clock */
  clock?: Clock;
}

export type RedriveOutcomeKind = 'redriven' | 'would-redrive' | 'skipped' | 'failed';

/** What happened to one matching dead letter; support-safe. */
export interface RedriveOutcome {
  messageId: string;
  contractId?: string;
  entity?: { type: string; id: string };
  failureClass: DeadLetterClass;
  outcome: RedriveOutcomeKind;
  /** Why it was skipped or failed. */
  reason?: string;
}

export interface RedriveResult extends ScanStats {
  queueUrl: string;
  busName: string;
  dryRun: boolean;
  counts: { scanned: number; matched: number; redriven: number; skipped: number; failed: number };
  /** One per matching dead letter, in the order they were handled. */
  outcomes: RedriveOutcome[];
  /** Set when the run stopped because the bus refused a request outright (e.g. access denied). */
  abortedBecause?: string;
}

/** Rejects rates that are not a positive number within MAX_REDRIVE_RATE. */
export function validRate(rate: number): boolean {
  return Number.isFinite(rate) && rate > 0 && rate <= MAX_REDRIVE_RATE;
}

/** Redrives the queue's dead letters that match the filter; see the module comment for the guarantees. */
export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveResult> {
  const rate = options.ratePerSecond ?? DEFAULT_REDRIVE_RATE;
  if (!validRate(rate)) throw new RangeError(`ratePerSecond must be above 0 and at most ${MAX_REDRIVE_RATE}`);
  const clock = options.clock ?? systemClock;
  const dryRun = options.dryRun === true;
  const outcomes: RedriveOutcome[] = [];
  const pacer = createPacer(rate, clock);
  let abortedBecause: string | undefined;
  // Messages stay hidden for the whole walk at the chosen rate (all of them could match), so
  // held ones do not come back half-way and end it early; they are released when it ends.
  const visibilitySeconds = (count: number) =>
    Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(Math.max(count, SQS_BATCH) / rate) + 60);

  const stats = await scanQueue(
    {
      ...options,
      visibilitySeconds,
      shouldStop: () => abortedBecause !== undefined || options.shouldStop?.() === true,
    },
    async (batch) => {
      const deleted = new Set<string>();
      const ready: Array<{
        message: ReceivedDeadLetter;
        entry: PutEventsRequestEntry;
        outcome: RedriveOutcome;
      }> = [];
      for (const message of batch) {
        const { summary, event } = message.read;
        if (!matchesFilter(summary, options.filter)) continue;
        const outcome: RedriveOutcome = {
          messageId: summary.messageId,
          ...(summary.contractId ? { contractId: summary.contractId } : {}),
          ...(summary.entity ? { entity: summary.entity } : {}),
          failureClass: summary.failureClass,
          outcome: 'skipped',
        };
        outcomes.push(outcome);
        const entry = event ? putEntryFor(event, options.busName) : 'the message holds no readable event';
        if (typeof entry === 'string') {
          outcome.reason = entry;
          continue;
        }
        if (dryRun || abortedBecause) {
          outcome.outcome = dryRun ? 'would-redrive' : 'skipped';
          if (abortedBecause) outcome.reason = 'not attempted: the run was aborted';
          continue;
        }
        ready.push({ message, entry, outcome });
      }
      for (const chunk of chunks(ready, pacer.chunkSize)) {
        if (abortedBecause) {
          for (const item of chunk) {
            item.outcome.reason = 'not attempted: the run was aborted';
          }
          continue;
        }
        await pacer.wait(chunk.length);
        let results: Array<{ ErrorCode?: string; ErrorMessage?: string }>;
        try {
          const answer = await options.events.putEvents({ Entries: chunk.map((item) => item.entry) });
          results = answer.Entries ?? [];
        } catch (error) {
          // The whole request failed: whether any event got through is unknown, so nothing is
          // deleted (a repeat is safe, a loss is not), and the run stops rather than hammer the bus.
          abortedBecause = `the bus refused the put: ${errorName(error)}`;
          for (const item of chunk) {
            item.outcome.outcome = 'failed';
            item.outcome.reason = abortedBecause;
          }
          continue;
        }
        // Deletes are independent once their puts succeeded: issue them together.
        await Promise.all(
          chunk.map(async (item, n) => {
            const result = results[n];
            if (!result || result.ErrorCode) {
              item.outcome.outcome = 'failed';
              item.outcome.reason = result?.ErrorCode
                ? `the bus rejected the event: ${result.ErrorCode}${result.ErrorMessage ? ` (${result.ErrorMessage})` : ''}`
                : 'the bus returned no result for the event';
              return;
            }
            try {
              await options.sqs.deleteMessage({
                QueueUrl: options.queueUrl,
                ReceiptHandle: item.message.raw.receiptHandle,
              });
              item.outcome.outcome = 'redriven';
              deleted.add(item.message.raw.messageId);
            } catch (error) {
              item.outcome.outcome = 'failed';
              item.outcome.reason =
                `put on the bus, but not deleted (${errorName(error)}): it stays in the queue and the next ` +
                'redrive puts it again; the handler skips the duplicate';
            }
          }),
        );
      }
      return deleted;
    },
  );

  const count = (kind: RedriveOutcomeKind) => outcomes.filter((o) => o.outcome === kind).length;
  return {
    ...stats,
    queueUrl: options.queueUrl,
    busName: options.busName,
    dryRun,
    counts: {
      scanned: stats.scanned,
      matched: outcomes.length,
      redriven: count('redriven'),
      skipped: count('skipped') + count('would-redrive'),
      failed: count('failed'),
    },
    outcomes,
    ...(abortedBecause ? { abortedBecause } : {}),
  };
}

/** The PutEvents entry that re-puts an original event, or why it cannot be. */
export function putEntryFor(event: Record<string, unknown>, busName: string): PutEventsRequestEntry | string {
  const source = event.source;
  const detailType = event['detail-type'];
  if (typeof source !== 'string' || typeof detailType !== 'string')
    return 'the original event has no source or detail-type';
  const entry: PutEventsRequestEntry = {
    EventBusName: busName,
    Source: source,
    DetailType: detailType,
    Detail: JSON.stringify(event.detail ?? {}),
  };
  if (Array.isArray(event.resources)) {
    const resources = event.resources.filter((r): r is string => typeof r === 'string');
    if (resources.length > 0) entry.Resources = resources;
  }
  const time = typeof event.time === 'string' ? new Date(event.time) : undefined;
  if (time && !Number.isNaN(time.getTime())) entry.Time = time;
  return entry;
}

/** An entry's size as EventBridge counts it against the 256 KiB request limit. */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (text: string | undefined) => (text ? Buffer.byteLength(text, 'utf8') : 0);
  return (
    (entry.Time ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, r) => sum + bytes(r), 0)
  );
}

/** Splits ready entries into PutEvents requests within the entry-count and size limits. */
function chunks<T extends { entry: PutEventsRequestEntry }>(items: T[], maxEntries: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const itemSize = entrySize(item.entry);
    if (current.length > 0 && (current.length >= maxEntries || size + itemSize > PUT_EVENTS_MAX_BYTES)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += itemSize;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Paces puts to `rate` events per second; small rates put one event at a time, not bursts of ten. */
function createPacer(rate: number, clock: Clock) {
  let nextAt = clock.now();
  return {
    chunkSize: Math.min(PUT_EVENTS_MAX_ENTRIES, Math.max(1, Math.floor(rate))),
    async wait(events: number): Promise<void> {
      const now = clock.now();
      if (nextAt > now) await clock.sleep(nextAt - now);
      nextAt = Math.max(now, nextAt) + (events * 1000) / rate;
    },
  };
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name === 'Error' ? error.message.slice(0, 200) : error.name;
  return 'unknown error';
}
