/**
 * Group commit: every write is synchronous (fsync before it resolves), and writes that arrive
 * while one is on its way to disk are merged into the next LevelDB batch. Concurrent clients then
 * share one fsync instead of queueing for one each, and writes reach the disk in the order they
 * were submitted, which keeps the disk in step with the store's in-memory view.
 */

/** One LevelDB batch operation. */
export type BatchOperation<V> = { type: 'put'; key: string; value: V } | { type: 'del'; key: string };

/** The part of a LevelDB database group commit needs. */
export interface BatchTarget<V> {
  batch(operations: Array<BatchOperation<V>>, options: { sync: boolean }): Promise<void>;
}

interface Pending<V> {
  operations: Array<BatchOperation<V>>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Merges concurrent writes into synchronous LevelDB batches, in submission order. */
export class GroupCommit<V> {
  private queue: Array<Pending<V>> = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly target: BatchTarget<V>) {}

  /** Resolves once the operations are on disk; rejects if their batch failed. */
  write(operations: Array<BatchOperation<V>>): Promise<void> {
    if (operations.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ operations, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Resolves when every write submitted so far has settled. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        try {
          await this.target.batch(
            group.flatMap((p) => p.operations),
            { sync: true },
          );
          for (const p of group) p.resolve();
        } catch (error) {
          for (const p of group) p.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
