import { describe, expect, it } from 'vitest';
import { type BatchOperation, type BatchTarget, GroupCommit } from '../../../lib/local/sqs/group-commit.js';

/** A batch target that records batches and completes each when the test says so. */
class ControlledTarget implements BatchTarget<string> {
  readonly batches: Array<{ keys: string[]; sync: boolean }> = [];
  private pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  batch(operations: Array<BatchOperation<string>>, options: { sync: boolean }): Promise<void> {
    this.batches.push({ keys: operations.map((o) => o.key), sync: options.sync });
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  complete(error?: Error): void {
    const next = this.pending.shift();
    if (!next) throw new Error('no batch is pending');
    if (error) next.reject(error);
    else next.resolve();
  }
}

const put = (key: string): BatchOperation<string> => ({ type: 'put', key, value: key });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes synchronously and merges writes that arrive during a batch into the next one, in order', async () => {
    // Prepare
    const target = new ControlledTarget();
    const writer = new GroupCommit(target);

    // Act
    const first = writer.write([put('a')]);
    const second = writer.write([put('b'), put('c')]);
    const third = writer.write([put('d')]);
    await tick();
    target.complete();
    await first;
    await tick();
    target.complete();
    await Promise.all([second, third]);

    // Assess
    expect(target.batches).toEqual([
      { keys: ['a'], sync: true },
      { keys: ['b', 'c', 'd'], sync: true },
    ]);
  });

  it('rejects only the writes of a failed batch; later writes still go through', async () => {
    // Prepare
    const target = new ControlledTarget();
    const writer = new GroupCommit(target);
    const failed = writer.write([put('a')]).then(
      () => 'written',
      (error: Error) => error.message,
    );
    await tick();

    // Act
    const later = writer.write([put('b')]);
    target.complete(new Error('disk full'));
    await tick();
    target.complete();

    // Assess
    expect(await failed).toBe('disk full');
    await expect(later).resolves.toBeUndefined();
    await writer.drain();
    expect(target.batches.map((b) => b.keys)).toEqual([['a'], ['b']]);
  });

  it('resolves an empty write without touching the disk', async () => {
    // Prepare
    const target = new ControlledTarget();
    const writer = new GroupCommit(target);

    // Act
    await writer.write([]);

    // Assess
    expect(target.batches).toEqual([]);
  });
});
