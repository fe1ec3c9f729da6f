/**
 * The durable queue store behind the local SQS server: queues and messages in LevelDB under one
 * folder, with SQS's semantics (visibility timeouts, receipt handles, delays, retention, long
 * polling). The local layer uses it in-process too, for the same queues the server exposes.
 *
 * On disk (LevelDB, JSON values):
 *   q:<queue name>            the queue (StoredQueue)
 *   b:<queue id>:<seq>        a message's immutable part: body, attributes, digests (StoredBody)
 *   s:<queue id>:<seq>        a message's state: visibility deadline, receive count (StoredState)
 * `queue id` is per incarnation, so a queue deleted and created again starts empty. Visibility
 * deadlines are absolute epoch milliseconds, so after a crash in-flight messages come back when
 * their timeout has passed, not at restart. Memory holds every queue and message state (not
 * bodies); it is the source of truth while open, and every change that a caller is told about is
 * on disk first (synchronous LevelDB batches, merged across concurrent callers by GroupCommit).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { SqsApiError, SqsStoreError, sqsErrors } from './errors.js';
import { type BatchOperation, GroupCommit } from './group-commit.js';
import { md5OfAttributes, md5OfBody } from './md5.js';
import {
  ACCOUNT_ID,
  type BatchOutcome,
  DEFAULT_QUEUE_ATTRIBUTES,
  LIMITS,
  type MessageAttributeValue,
  type MessageSystemAttributes,
  type QueueAttributes,
  type QueueInfo,
  type QueueStats,
  queueArn,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendMessageInput,
  type SentMessage,
} from './model.js';
import {
  parseQueueAttributes,
  validateBatchSize,
  validateBody,
  validateMessageAttributes,
  validateQueueName,
  validateRange,
  validateSystemAttributes,
} from './validate.js';

/** Options of `openSqsStore`. */
export interface SqsStoreOptions {
  /** Folder holding the LevelDB database; created if missing. One process may open it at a time. */
  dir: string;
  /**
   * Current time in epoch milliseconds.
   * @default Date.now
   */
  clock?: () => number;
  /**
   * Called with failures of background work (expiring old messages) that no caller waits for.
   * @default ignore them; the next sweep retries
   */
  onBackgroundError?: (error: unknown) => void;
  /**
   * How often messages past the queue's MessageRetentionPeriod are removed, in seconds. They are
   * never returned or counted once expired, whatever this is.
   * @default 60
   */
  sweepIntervalSeconds?: number;
  /**
   * SenderId of messages whose sender gives none.
   * @default the account id, 000000000000
   */
  defaultSenderId?: string;
}

interface StoredQueue {
  kind: 'queue';
  name: string;
  id: string;
  attributes: QueueAttributes;
  created: number;
  modified: number;
  tags: Record<string, string>;
}

interface StoredAttribute {
  type: string;
  string?: string;
  /** Base64. */
  binary?: string;
}

interface StoredBody {
  kind: 'body';
  id: string;
  body: string;
  attributes?: Record<string, StoredAttribute>;
  traceHeader?: string;
  groupId?: string;
  senderId: string;
}

interface StoredState {
  kind: 'state';
  id: string;
  sent: number;
  visibleAt: number;
  receiveCount: number;
  firstReceived?: number;
  /** The latest receive's secret: only its receipt handle deletes the message. */
  token?: string;
  lastReceived?: number;
}

type Stored = StoredQueue | StoredBody | StoredState;

/** A message's state in memory: its stored state plus its key. */
interface Meta extends Omit<StoredState, 'kind'> {
  seq: string;
}

interface Queue {
  record: StoredQueue;
  /** In send order; SQS standard queues order on a best-effort basis too. */
  messages: Map<string, Meta>;
  /** Long polls waiting for a message to become visible. */
  waiters: Set<() => void>;
  /** Counts wake-ups, so a poll notices one that came while it was reading the disk. */
  changes: number;
  lastPurge?: number;
}

/** The state key prefix of a queue's messages; ';' sorts right after ':'. */
const range = (prefix: 'b' | 's', queueId: string) => ({
  gte: `${prefix}:${queueId}:`,
  lt: `${prefix}:${queueId};`,
});
const bodyKey = (queueId: string, seq: string) => `b:${queueId}:${seq}`;
const stateKey = (queueId: string, seq: string) => `s:${queueId}:${seq}`;
const queueKey = (name: string) => `q:${name}`;

const HANDLE = /^([0-9a-f]{12})\.([0-9a-f]{14})\.([0-9a-f]{16})$/;
const MESSAGE_GROUP_ID = /^[\x21-\x7E]{1,128}$/;
/** SQS caps a message's total invisibility at 12 hours from its latest receive. */
const MAX_INVISIBLE_MS = LIMITS.maxVisibilityTimeoutSeconds * 1000;
/** Like CloudWatch's ApproximateAgeOfOldestMessage, skip messages received this often. */
const POISON_RECEIVE_COUNT = 3;

/** Opens (or creates) the store in `options.dir`. */
export async function openSqsStore(options: SqsStoreOptions): Promise<SqsStore> {
  // Owner-only: dead letters carry whole events, personal data included.
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const db = new ClassicLevel<string, Stored>(options.dir, { keyEncoding: 'utf8', valueEncoding: 'json' });
  try {
    await db.open();
  } catch (error) {
    throw new SqsStoreError(
      `cannot open the SQS data folder ${options.dir}: it is missing, unreadable, or in use by another process`,
      { cause: error },
    );
  }
  const store = new SqsStore(db, options);
  try {
    await store.load();
  } catch (error) {
    await db.close();
    throw new SqsStoreError(`cannot read the SQS data folder ${options.dir}`, { cause: error });
  }
  return store;
}

/** The queues and messages of one data folder. Create it with `openSqsStore`. */
export class SqsStore {
  private readonly queues = new Map<string, Queue>();
  private readonly writer: GroupCommit<Stored>;
  private readonly now: () => number;
  private readonly defaultSenderId: string;
  private readonly sweepTimer: NodeJS.Timeout;
  private lastSeq = 0;
  private closed = false;

  /** @internal use openSqsStore */
  constructor(
    private readonly db: ClassicLevel<string, Stored>,
    private readonly options: SqsStoreOptions,
  ) {
    this.writer = new GroupCommit(db);
    this.now = options.clock ?? Date.now;
    this.defaultSenderId = options.defaultSenderId ?? ACCOUNT_ID;
    this.sweepTimer = setInterval(() => this.sweepAll(), (options.sweepIntervalSeconds ?? 60) * 1000);
    this.sweepTimer.unref();
  }

  /** @internal reads the folder into memory and removes what a crash mid-DeleteQueue left. */
  async load(): Promise<void> {
    const byId = new Map<string, Queue>();
    for await (const [, value] of this.db.iterator({ gte: 'q:', lt: 'q;' })) {
      if (value.kind !== 'queue') continue;
      const queue: Queue = { record: value, messages: new Map(), waiters: new Set(), changes: 0 };
      this.queues.set(value.name, queue);
      byId.set(value.id, queue);
    }
    const orphans = new Set<string>();
    for await (const [key, value] of this.db.iterator({ gte: 's:', lt: 's;' })) {
      const [, queueId = '', seq = ''] = key.split(':');
      const queue = byId.get(queueId);
      if (!queue) {
        orphans.add(queueId);
        continue;
      }
      if (value.kind !== 'state') continue;
      const { kind: _kind, ...state } = value;
      queue.messages.set(seq, { ...state, seq });
      this.lastSeq = Math.max(this.lastSeq, Number.parseInt(seq, 16));
    }
    for (const queueId of orphans) {
      await this.db.clear(range('s', queueId));
      await this.db.clear(range('b', queueId));
    }
    this.sweepAll();
  }

  // -------------------------------------------------------------------------------------------
  // Queues
  // -------------------------------------------------------------------------------------------

  /**
   * Creates a queue, or returns the existing one when every attribute given matches its value
   * (QueueNameExists otherwise), as SQS's CreateQueue does.
   */
  async createQueue(
    name: string,
    attributes: Record<string, string> = {},
    tags: Record<string, string> = {},
  ): Promise<QueueInfo> {
    this.assertOpen();
    validateQueueName(name);
    const parsed = parseQueueAttributes(attributes);
    validateTags(tags);
    const existing = this.queues.get(name);
    if (existing) {
      for (const [attribute, value] of Object.entries(parsed)) {
        if (existing.record.attributes[attribute as keyof QueueAttributes] !== value)
          throw new SqsApiError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${attribute}`,
          );
      }
      return describe(existing.record);
    }
    const now = this.now();
    const record: StoredQueue = {
      kind: 'queue',
      name,
      id: randomBytes(6).toString('hex'),
      attributes: { ...DEFAULT_QUEUE_ATTRIBUTES, ...parsed },
      created: now,
      modified: now,
      tags: { ...tags },
    };
    // In memory first, so a concurrent CreateQueue of the same name finds it instead of racing.
    const queue: Queue = { record, messages: new Map(), waiters: new Set(), changes: 0 };
    this.queues.set(name, queue);
    try {
      await this.writer.write([{ type: 'put', key: queueKey(name), value: record }]);
    } catch (error) {
      if (this.queues.get(name) === queue) this.queues.delete(name);
      throw storageFailure(error);
    }
    return describe(record);
  }

  /** The queue named `name`, or undefined. */
  getQueue(name: string): QueueInfo | undefined {
    const queue = this.queues.get(name);
    return queue ? describe(queue.record) : undefined;
  }

  /** Every queue whose name starts with `prefix`, by name. */
  listQueues(prefix = ''): QueueInfo[] {
    return [...this.queues.values()]
      .filter((q) => q.record.name.startsWith(prefix))
      .map((q) => describe(q.record))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Changes queue attributes; existing messages keep their delay and visibility. */
  async setQueueAttributes(name: string, attributes: Record<string, string>): Promise<QueueInfo> {
    this.assertOpen();
    const queue = this.requireQueue(name);
    const parsed = parseQueueAttributes(attributes);
    await this.updateQueue(queue, {
      ...queue.record,
      attributes: { ...queue.record.attributes, ...parsed },
      modified: this.now(),
    });
    return describe(queue.record);
  }

  /** Adds or replaces tags. */
  async tagQueue(name: string, tags: Record<string, string>): Promise<void> {
    this.assertOpen();
    const queue = this.requireQueue(name);
    const merged = { ...queue.record.tags, ...tags };
    validateTags(merged);
    await this.updateQueue(queue, { ...queue.record, tags: merged });
  }

  /** Removes tags; unknown keys are ignored. */
  async untagQueue(name: string, keys: string[]): Promise<void> {
    this.assertOpen();
    const queue = this.requireQueue(name);
    const tags = { ...queue.record.tags };
    for (const key of keys) delete tags[key];
    await this.updateQueue(queue, { ...queue.record, tags });
  }

  /** Deletes a queue and its messages; long polls on it end with no messages. */
  async deleteQueue(name: string): Promise<void> {
    this.assertOpen();
    const queue = this.requireQueue(name);
    this.queues.delete(name);
    wake(queue);
    await this.put([{ type: 'del', key: queueKey(name) }]);
    // The queue record is gone, so a crash before these finish leaves orphans load() removes.
    await this.db.clear(range('s', queue.record.id));
    await this.db.clear(range('b', queue.record.id));
  }

  /** Deletes every message of a queue; SQS allows one purge per queue every 60 seconds. */
  async purgeQueue(name: string): Promise<void> {
    this.assertOpen();
    const queue = this.requireQueue(name);
    const now = this.now();
    if (queue.lastPurge !== undefined && now - queue.lastPurge < LIMITS.purgeCooldownSeconds * 1000)
      throw new SqsApiError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${name} is allowed every ${LIMITS.purgeCooldownSeconds} seconds.`,
      );
    queue.lastPurge = now;
    const operations = [...queue.messages.values()].flatMap((m) => this.removeOperations(queue, m));
    queue.messages.clear();
    await this.put(operations);
  }

  /** Visible, in-flight and delayed counts and the oldest message's age, as SQS metrics see them. */
  stats(name: string): QueueStats {
    this.assertOpen();
    const queue = this.requireQueue(name);
    const now = this.now();
    this.sweep(queue, now);
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    let oldest: number | undefined;
    let oldestPoison: number | undefined;
    for (const m of queue.messages.values()) {
      if (m.visibleAt <= now) visible += 1;
      else if (m.receiveCount > 0) inFlight += 1;
      else {
        delayed += 1;
        continue;
      }
      if (m.receiveCount < POISON_RECEIVE_COUNT) oldest = Math.min(oldest ?? m.sent, m.sent);
      else oldestPoison = Math.min(oldestPoison ?? m.sent, m.sent);
    }
    const sent = oldest ?? oldestPoison;
    return {
      visible,
      inFlight,
      delayed,
      oldestMessageAgeSeconds: sent === undefined ? 0 : Math.max(0, Math.floor((now - sent) / 1000)),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Messages
  // -------------------------------------------------------------------------------------------

  /** Sends one message; resolves once it is on disk. */
  async sendMessage(name: string, input: SendMessageInput): Promise<SentMessage> {
    const [outcome] = await this.sendMessages(name, [input]);
    if (!outcome) throw new SqsApiError('InternalFailure', 'the message was not sent');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * Sends up to 10 messages with one disk write; each entry succeeds or fails on its own, as in
   * SendMessageBatch. Throws BatchRequestTooLong when they add up to more than 1 MiB.
   */
  async sendMessages(name: string, inputs: SendMessageInput[]): Promise<Array<BatchOutcome<SentMessage>>> {
    this.assertOpen();
    validateBatchSize(inputs.length);
    const queue = this.requireQueue(name);
    const now = this.now();
    const prepared: Array<BatchOutcome<{ meta: Meta; body: StoredBody; sent: SentMessage }>> = [];
    let total = 0;
    for (const input of inputs) {
      try {
        const size = validateSend(input, queue.record.attributes.MaximumMessageSize);
        total += size;
        prepared.push({ ok: true, value: this.prepare(queue, input, now) });
      } catch (error) {
        if (!(error instanceof SqsApiError)) throw error;
        prepared.push({ ok: false, error });
      }
    }
    if (total > LIMITS.maxBatchBytes)
      throw new SqsApiError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${LIMITS.maxBatchBytes} bytes. You have sent ${total} bytes.`,
      );
    const accepted = prepared.flatMap((p) => (p.ok ? [p.value] : []));
    await this.put(
      accepted.flatMap(
        ({ meta, body }): Array<BatchOperation<Stored>> => [
          { type: 'put', key: bodyKey(queue.record.id, meta.seq), value: body },
          { type: 'put', key: stateKey(queue.record.id, meta.seq), value: toStoredState(meta) },
        ],
      ),
    );
    // Only now visible to receivers: nothing is handed out before it is on disk.
    for (const { meta } of accepted) queue.messages.set(meta.seq, meta);
    if (accepted.some(({ meta }) => meta.visibleAt <= now)) wake(queue);
    return prepared.map((p) => (p.ok ? { ok: true, value: p.value.sent } : p));
  }

  private prepare(queue: Queue, input: SendMessageInput, now: number) {
    const seq = (++this.lastSeq).toString(16).padStart(14, '0');
    const id = randomUUID();
    const delay = input.delaySeconds ?? queue.record.attributes.DelaySeconds;
    const attributes = input.messageAttributes ?? {};
    const system = input.messageSystemAttributes ?? {};
    const meta: Meta = { seq, id, sent: now, visibleAt: now + delay * 1000, receiveCount: 0 };
    const body: StoredBody = {
      kind: 'body',
      id,
      body: input.body,
      ...(Object.keys(attributes).length > 0 ? { attributes: toStoredAttributes(attributes) } : {}),
      ...(system.AWSTraceHeader?.StringValue ? { traceHeader: system.AWSTraceHeader.StringValue } : {}),
      ...(input.messageGroupId !== undefined ? { groupId: input.messageGroupId } : {}),
      senderId: input.senderId ?? this.defaultSenderId,
    };
    const md5OfMessageAttributes = md5OfAttributes(attributes);
    const md5OfMessageSystemAttributes = md5OfAttributes(system);
    const sent: SentMessage = {
      messageId: id,
      md5OfMessageBody: md5OfBody(input.body),
      ...(md5OfMessageAttributes ? { md5OfMessageAttributes } : {}),
      ...(md5OfMessageSystemAttributes ? { md5OfMessageSystemAttributes } : {}),
    };
    return { meta, body, sent };
  }

  /**
   * Receives up to `maxNumberOfMessages` visible messages and hides them for the visibility
   * timeout; with `waitTimeSeconds` it waits until one is visible, returning as soon as it is.
   */
  async receiveMessages(name: string, options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    this.assertOpen();
    const queue = this.requireQueue(name);
    const max = options.maxNumberOfMessages ?? 1;
    validateRange('MaxNumberOfMessages', max, 1, LIMITS.maxMessagesPerReceive);
    const visibility = options.visibilityTimeout ?? queue.record.attributes.VisibilityTimeout;
    validateRange('VisibilityTimeout', visibility, 0, LIMITS.maxVisibilityTimeoutSeconds);
    const wait = options.waitTimeSeconds ?? queue.record.attributes.ReceiveMessageWaitTimeSeconds;
    validateRange('WaitTimeSeconds', wait, 0, LIMITS.maxWaitTimeSeconds);
    const deadline = this.now() + wait * 1000;
    const gone = () => options.signal?.aborted === true || this.closed || this.queues.get(name) !== queue;
    for (;;) {
      if (gone()) return [];
      const changes = queue.changes;
      const received = await this.claim(queue, max, visibility);
      if (received.length > 0 || this.now() >= deadline) return received;
      // Checked again after the await: a wake-up while claiming must not be missed.
      if (gone()) return [];
      if (queue.changes === changes) await this.nextChange(queue, deadline, options.signal);
    }
  }

  /**
   * Takes visible messages synchronously (so no two receivers get one), then persists and reads
   * them. If the write fails the caller gets an error and the messages come back after their
   * visibility timeout, as an unanswered SQS receive would.
   */
  private async claim(queue: Queue, max: number, visibilitySeconds: number): Promise<ReceivedMessage[]> {
    const now = this.now();
    const retentionMs = queue.record.attributes.MessageRetentionPeriod * 1000;
    const claimed: Meta[] = [];
    const expired: Array<BatchOperation<Stored>> = [];
    for (const m of queue.messages.values()) {
      if (claimed.length >= max) break;
      if (m.sent + retentionMs <= now) {
        queue.messages.delete(m.seq);
        expired.push(...this.removeOperations(queue, m));
        continue;
      }
      if (m.visibleAt > now) continue;
      m.receiveCount += 1;
      m.firstReceived ??= now;
      m.lastReceived = now;
      m.token = randomBytes(8).toString('hex');
      m.visibleAt = now + visibilitySeconds * 1000;
      claimed.push(m);
    }
    const tokens = claimed.map((m) => m.token);
    await this.put([
      ...expired,
      ...claimed.map(
        (m): BatchOperation<Stored> => ({
          type: 'put',
          key: stateKey(queue.record.id, m.seq),
          value: toStoredState(m),
        }),
      ),
    ]);
    if (claimed.length === 0) return [];
    const bodies = await this.db.getMany(claimed.map((m) => bodyKey(queue.record.id, m.seq)));
    const received: ReceivedMessage[] = [];
    claimed.forEach((m, i) => {
      const stored = bodies[i];
      // A purge or DeleteQueue may have removed it meanwhile: then it is not handed out.
      if (stored?.kind !== 'body') return;
      const token = tokens[i] ?? '';
      received.push(toReceived(queue.record.id, m, stored, token));
    });
    return received;
  }

  /** Resolves when the queue changes, a hidden message's deadline passes, `until`, or abort. */
  private nextChange(queue: Queue, until: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const now = this.now();
      let wakeAt = until;
      for (const m of queue.messages.values())
        if (m.visibleAt > now && m.visibleAt < wakeAt) wakeAt = m.visibleAt;
      const done = () => {
        clearTimeout(timer);
        queue.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      // +1 ms: timers and the wall clock round differently; waking early only loops once more.
      const timer = setTimeout(done, Math.max(0, wakeAt - now) + 1);
      queue.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Deletes a message by the receipt handle of its latest receive. */
  async deleteMessage(name: string, receiptHandle: string): Promise<void> {
    const [outcome] = await this.deleteMessages(name, [receiptHandle]);
    if (outcome && !outcome.ok) throw outcome.error;
  }

  /**
   * Deletes messages by receipt handle, each on its own. As in SQS, a handle that is not one of
   * this queue's fails with ReceiptHandleIsInvalid; a handle of an earlier receive, or of a message
   * already deleted, succeeds without deleting anything (the message stays with its newer receiver).
   */
  async deleteMessages(name: string, receiptHandles: string[]): Promise<Array<BatchOutcome<void>>> {
    this.assertOpen();
    validateBatchSize(receiptHandles.length);
    const queue = this.requireQueue(name);
    const outcomes: Array<BatchOutcome<void>> = [];
    const operations: Array<BatchOperation<Stored>> = [];
    for (const handle of receiptHandles) {
      const parsed = parseHandle(handle, queue.record.id);
      if (!parsed) {
        outcomes.push({ ok: false, error: sqsErrors.receiptHandleIsInvalid(handle) });
        continue;
      }
      const m = queue.messages.get(parsed.seq);
      if (m && m.token === parsed.token) {
        queue.messages.delete(m.seq);
        operations.push(...this.removeOperations(queue, m));
      }
      outcomes.push({ ok: true, value: undefined });
    }
    await this.put(operations);
    return outcomes;
  }

  /** Changes the visibility timeout of a received message, counted from now. */
  async changeMessageVisibility(
    name: string,
    receiptHandle: string,
    visibilityTimeout: number,
  ): Promise<void> {
    const [outcome] = await this.changeMessageVisibilities(name, [{ receiptHandle, visibilityTimeout }]);
    if (outcome && !outcome.ok) throw outcome.error;
  }

  /**
   * Changes visibility timeouts, each on its own. The handle must be the latest receive's and the
   * message still in flight (MessageNotInflight otherwise); the total may not pass 12 hours from
   * that receive. 0 makes the message visible at once.
   */
  async changeMessageVisibilities(
    name: string,
    entries: Array<{ receiptHandle: string; visibilityTimeout: number }>,
  ): Promise<Array<BatchOutcome<void>>> {
    this.assertOpen();
    validateBatchSize(entries.length);
    const queue = this.requireQueue(name);
    const now = this.now();
    const outcomes: Array<BatchOutcome<void>> = [];
    const operations: Array<BatchOperation<Stored>> = [];
    let sooner = false;
    for (const { receiptHandle, visibilityTimeout } of entries) {
      try {
        validateRange('VisibilityTimeout', visibilityTimeout, 0, LIMITS.maxVisibilityTimeoutSeconds);
        const parsed = parseHandle(receiptHandle, queue.record.id);
        if (!parsed) throw sqsErrors.receiptHandleIsInvalid(receiptHandle);
        const m = queue.messages.get(parsed.seq);
        if (!m || m.token !== parsed.token)
          throw sqsErrors.invalidValue(
            'ReceiptHandle',
            receiptHandle,
            'Message does not exist or is not available for visibility timeout change.',
          );
        if (m.visibleAt <= now)
          throw new SqsApiError('MessageNotInflight', 'The message referred to is not in flight.');
        const visibleAt = now + visibilityTimeout * 1000;
        if (visibleAt - (m.lastReceived ?? now) > MAX_INVISIBLE_MS)
          throw sqsErrors.invalidValue(
            'VisibilityTimeout',
            visibilityTimeout,
            `Total VisibilityTimeout for the message is beyond the limit [${LIMITS.maxVisibilityTimeoutSeconds} seconds]`,
          );
        sooner ||= visibleAt < m.visibleAt;
        m.visibleAt = visibleAt;
        operations.push({ type: 'put', key: stateKey(queue.record.id, m.seq), value: toStoredState(m) });
        outcomes.push({ ok: true, value: undefined });
      } catch (error) {
        if (!(error instanceof SqsApiError)) throw error;
        outcomes.push({ ok: false, error });
      }
    }
    await this.put(operations);
    if (sooner) wake(queue);
    return outcomes;
  }

  /** Waits for pending writes, then closes the database. Long polls end with no messages. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    for (const queue of this.queues.values()) wake(queue);
    await this.writer.drain();
    await this.db.close();
  }

  // -------------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new SqsStoreError('the SQS store is closed');
  }

  private requireQueue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw sqsErrors.queueDoesNotExist();
    return queue;
  }

  /** Replaces a queue's record in memory and on disk; memory goes back if the write fails. */
  private async updateQueue(queue: Queue, record: StoredQueue): Promise<void> {
    const previous = queue.record;
    queue.record = record;
    try {
      await this.put([{ type: 'put', key: queueKey(record.name), value: record }]);
    } catch (error) {
      if (queue.record === record) queue.record = previous;
      throw error;
    }
  }

  private async put(operations: Array<BatchOperation<Stored>>): Promise<void> {
    try {
      await this.writer.write(operations);
    } catch (error) {
      throw storageFailure(error);
    }
  }

  private removeOperations(queue: Queue, m: Meta): Array<BatchOperation<Stored>> {
    return [
      { type: 'del', key: bodyKey(queue.record.id, m.seq) },
      { type: 'del', key: stateKey(queue.record.id, m.seq) },
    ];
  }

  /** Drops messages older than the queue's retention period. */
  private sweep(queue: Queue, now: number): void {
    const retentionMs = queue.record.attributes.MessageRetentionPeriod * 1000;
    const operations: Array<BatchOperation<Stored>> = [];
    for (const m of queue.messages.values()) {
      if (m.sent + retentionMs > now) continue;
      queue.messages.delete(m.seq);
      operations.push(...this.removeOperations(queue, m));
    }
    if (operations.length > 0)
      this.writer.write(operations).catch((error: unknown) => this.options.onBackgroundError?.(error));
  }

  private sweepAll(): void {
    if (this.closed) return;
    const now = this.now();
    for (const queue of this.queues.values()) this.sweep(queue, now);
  }
}

function describe(record: StoredQueue): QueueInfo {
  return {
    name: record.name,
    arn: queueArn(record.name),
    attributes: { ...record.attributes },
    createdTimestamp: record.created,
    lastModifiedTimestamp: record.modified,
    tags: { ...record.tags },
  };
}

function wake(queue: Queue): void {
  queue.changes += 1;
  for (const waiter of [...queue.waiters]) waiter();
}

function storageFailure(error: unknown): SqsApiError {
  return new SqsApiError('InternalFailure', 'the local SQS store could not write to disk', { cause: error });
}

function toStoredState(m: Meta): StoredState {
  const { seq: _seq, ...state } = m;
  return { kind: 'state', ...state };
}

function toStoredAttributes(
  attributes: Record<string, MessageAttributeValue>,
): Record<string, StoredAttribute> {
  const stored: Record<string, StoredAttribute> = {};
  for (const [name, value] of Object.entries(attributes)) {
    stored[name] =
      value.BinaryValue !== undefined
        ? { type: value.DataType, binary: Buffer.from(value.BinaryValue).toString('base64') }
        : { type: value.DataType, string: value.StringValue ?? '' };
  }
  return stored;
}

function fromStoredAttributes(
  stored: Record<string, StoredAttribute> = {},
): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(stored)) {
    attributes[name] =
      value.binary !== undefined
        ? { DataType: value.type, BinaryValue: new Uint8Array(Buffer.from(value.binary, 'base64')) }
        : { DataType: value.type, StringValue: value.string ?? '' };
  }
  return attributes;
}

function toReceived(queueId: string, m: Meta, stored: StoredBody, token: string): ReceivedMessage {
  const attributes: MessageSystemAttributes = {
    SenderId: stored.senderId,
    SentTimestamp: String(m.sent),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceived ?? m.sent),
    ...(stored.groupId !== undefined ? { MessageGroupId: stored.groupId } : {}),
    ...(stored.traceHeader !== undefined ? { AWSTraceHeader: stored.traceHeader } : {}),
  };
  return {
    messageId: m.id,
    receiptHandle: Buffer.from(`${queueId}.${m.seq}.${token}`).toString('base64url'),
    body: stored.body,
    md5OfBody: md5OfBody(stored.body),
    messageAttributes: fromStoredAttributes(stored.attributes),
    attributes,
  };
}

/** The message a receipt handle names, if it is well-formed and of this queue's incarnation. */
function parseHandle(handle: string, queueId: string): { seq: string; token: string } | undefined {
  if (handle.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(handle)) return undefined;
  const match = HANDLE.exec(Buffer.from(handle, 'base64url').toString('latin1'));
  if (!match || match[1] !== queueId || match[2] === undefined || match[3] === undefined) return undefined;
  return { seq: match[2], token: match[3] };
}

/** Checks one message to send and returns its size in bytes. */
function validateSend(input: SendMessageInput, maximumMessageSize: number): number {
  validateBody(input.body);
  if (input.delaySeconds !== undefined)
    validateRange('DelaySeconds', input.delaySeconds, 0, LIMITS.maxDelaySeconds);
  const size = Buffer.byteLength(input.body) + validateMessageAttributes(input.messageAttributes ?? {});
  validateSystemAttributes(input.messageSystemAttributes ?? {});
  if (input.messageGroupId !== undefined && !MESSAGE_GROUP_ID.test(input.messageGroupId))
    throw sqsErrors.invalidParameter(
      'MessageGroupId',
      'MessageGroupId can contain up to 128 alphanumeric and punctuation characters.',
    );
  if (size > maximumMessageSize)
    throw new SqsApiError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${maximumMessageSize} bytes.`,
    );
  return size;
}

function validateTags(tags: Record<string, string>): void {
  const keys = Object.keys(tags);
  if (keys.length > LIMITS.maxTags)
    throw new SqsApiError('InvalidParameterValue', `Too many tags: a queue has at most ${LIMITS.maxTags}.`);
  for (const key of keys) {
    if (key.length === 0 || key.length > 128 || (tags[key] ?? '').length > 256)
      throw new SqsApiError(
        'InvalidParameterValue',
        'Tag keys are 1 to 128 characters and tag values at most 256 characters.',
      );
  }
}
