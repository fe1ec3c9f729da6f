import { describe, expect, it } from 'vitest';
import { deadline } from '../../lambdas/commons/deadline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('deadline', () => {
  it('aborts with a TimeoutError when the time is up, and says it expired', async () => {
    // Prepare
    const limit = deadline(20);

    // Act
    await sleep(60);

    // Assess
    expect(limit.signal.aborted).toBe(true);
    expect(limit.expired).toBe(true);
    expect((limit.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('aborts with a linked signal’s reason when that aborts first, and did not expire', () => {
    // Prepare
    const caller = new AbortController();
    const limit = deadline(10_000, undefined, caller.signal);

    // Act
    caller.abort(new Error('caller gave up'));

    // Assess
    expect(limit.signal.aborted).toBe(true);
    expect(limit.expired).toBe(false);
    expect((limit.signal.reason as Error).message).toBe('caller gave up');
    limit.clear();
  });

  it('starts aborted when a linked signal already is', () => {
    // Act
    const limit = deadline(10_000, AbortSignal.abort('gone'));

    // Assess
    expect(limit.signal.aborted).toBe(true);
    expect(limit.signal.reason).toBe('gone');
  });

  it('never aborts once cleared, by time or by a linked signal', async () => {
    // Prepare
    const caller = new AbortController();
    const limit = deadline(20, caller.signal);

    // Act
    limit.clear();
    limit.clear();
    caller.abort();
    await sleep(60);

    // Assess
    expect(limit.signal.aborted).toBe(false);
    expect(limit.expired).toBe(false);
  });
});
