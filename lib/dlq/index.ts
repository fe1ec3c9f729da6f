/**
 * Dead-letter tooling shared by `handoff dlq` and the auto-redrive function: the same SQS and
 * EventBridge calls against a deployed stage or the local layer, through two small ports (./api.ts)
 * that the CLI fills with SDK clients (./sdk.ts, imported directly) and the function with lean ones.
 */
export type { DeadLetterQueueApi, EventBusApi } from './api.js';
export {
  type DeadLetterDetail,
  type DeadLetterListing,
  type EventEnvelope,
  envelopeOf,
  LIST_VISIBILITY_SECONDS,
  type ListOptions,
  listDeadLetters,
  showDeadLetter,
} from './list.js';
export {
  type ContractEntitySpec,
  type DeadLetterFilter,
  matchesFilter,
  readWithEntity,
  toRawDeadLetter,
} from './read.js';
export {
  type Clock,
  DEFAULT_REDRIVE_RATE,
  entrySize,
  MAX_REDRIVE_RATE,
  putEntryFor,
  type RedriveOptions,
  type RedriveOutcome,
  type RedriveOutcomeKind,
  type RedriveResult,
  redriveDeadLetters,
  systemClock,
  validRate,
} from './redrive.js';
export {
  approximateMessages,
  DEFAULT_SCAN_LIMIT,
  type QueueScanOptions,
  type ReceivedDeadLetter,
  type ScanEnd,
  type ScanStats,
  scanQueue,
} from './scan.js';
