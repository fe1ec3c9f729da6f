/**
 * The local layer's journal: every accepted event is written here, as one pending invocation per
 * matching rule target, before PutEvents acknowledges it. An invocation leaves the journal only
 * when it has succeeded or its failure has been written to a dead-letter queue, so after a crash
 * (even `kill -9`) every acknowledged event is synced, still being retried, or dead-lettered.
 *
 * Acceptance is fsync'ed (group commit: concurrent PutEvents share one fsync). Later updates
 * (attempt counts, next due time, completion) are written without fsync: a process kill keeps
 * them (the OS has them), and losing one to a power cut only repeats an attempt, which the
 * handlers' idempotency absorbs.
 */
import { randomUUID } from 'node:crypto';
import { ClassicLevel } from 'classic-level';
import { type BatchOperation, GroupCommit } from './sqs/group-commit.js';

/** One delivery of one event to one function, as EventBridge and Lambda would track it. */
export interface Invocation {
  id: string;
  /** The function to invoke. */
  functionName: string;
  /** The rule that matched (absent for schedules). */
  ruleName?: string;
  /** The bus the rule is on. */
  busName: string;
  event: Record<string, unknown>;
  /** When the event was accepted (epoch ms): event ages are measured from here. */
  receivedAt: number;
  /** Handler runs so far (Lambda's attempts). */
  attempts: number;
  /** Failed deliveries to the function so far (EventBridge's attempts). */
  deliveryAttempts: number;
  /** When to try next (epoch ms). */
  dueAt: number;
  lastError?: { type: string; message: string };
}

/** A first invocation of a function for an event, due now: what a rule match or a schedule starts. */
export function newInvocation(
  target: { functionName: string; ruleName?: string; busName: string },
  event: Record<string, unknown>,
  now: number,
): Invocation {
  return {
    id: randomUUID(),
    functionName: target.functionName,
    ...(target.ruleName !== undefined ? { ruleName: target.ruleName } : {}),
    busName: target.busName,
    event,
    receivedAt: now,
    attempts: 0,
    deliveryAttempts: 0,
    dueAt: now,
  };
}

const INVOCATION = 'inv!';
const STATE = 'state!';

export class Journal {
  private readonly commits: GroupCommit<string>;

  private constructor(private readonly db: ClassicLevel<string, string>) {
    this.commits = new GroupCommit<string>({
      batch: (ops, options) => db.batch(ops as Array<BatchOperation<string>>, options),
    });
  }

  /** Opens (or creates) the journal in a folder. */
  static async open(dir: string): Promise<Journal> {
    const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8' });
    await db.open();
    return new Journal(db);
  }

  /** Durably records new invocations; resolves only once they are on disk. */
  async accept(invocations: Invocation[]): Promise<void> {
    await this.commits.write(
      invocations.map((inv) => ({ type: 'put', key: INVOCATION + inv.id, value: JSON.stringify(inv) })),
    );
  }

  /**
   * Records an invocation's new attempt count and due time. Through the same ordered group commit
   * as everything else: separate LevelDB calls run on libuv's thread pool and may land in any
   * order, so an update issued just before a completion could land after it and bring a finished
   * invocation back on the next start.
   */
  async update(invocation: Invocation): Promise<void> {
    await this.commits.write([
      { type: 'put', key: INVOCATION + invocation.id, value: JSON.stringify(invocation) },
    ]);
  }

  /** Removes an invocation that succeeded or was dead-lettered (ordered after its updates). */
  async complete(id: string): Promise<void> {
    await this.commits.write([{ type: 'del', key: INVOCATION + id }]);
  }

  /** Every pending invocation (on start-up, to resume). */
  async pending(): Promise<Invocation[]> {
    const out: Invocation[] = [];
    for await (const value of this.db.values({ gt: INVOCATION, lt: `${INVOCATION}\xff` }))
      out.push(JSON.parse(value) as Invocation);
    return out;
  }

  /** Reads a small piece of durable state (alarm states, counters). */
  async getState<T>(key: string): Promise<T | undefined> {
    const value = await this.db.get(STATE + key);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  /** Writes a small piece of durable state. */
  async putState(key: string, value: unknown): Promise<void> {
    await this.db.put(STATE + key, JSON.stringify(value));
  }

  async close(): Promise<void> {
    await this.commits.drain();
    await this.db.close();
  }
}
