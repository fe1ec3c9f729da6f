/**
 * Per-call deadlines that cost next to nothing. `AbortSignal.timeout` plus `AbortSignal.any` cost
 * ~42 µs per pair on Node 20 (against ~0.6 µs for a controller and a cleared timer), and their
 * timers live until they fire: a delivery made four to six of them, thousands alive at a time under
 * load. A Deadline is an AbortController with one unref'd timer, cleared when the work ends.
 */

/** A signal that aborts when the time is up or a linked signal aborts; clear it when done. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True once the time ran out (not when a linked signal aborted first). */
  readonly expired: boolean;
  /** Stops the timer and forgets the linked signals. Safe to call more than once. */
  clear(): void;
}

/**
 * Starts a deadline of `ms` milliseconds, linked to the given signals (undefined ones are ignored).
 * On expiry the signal aborts with a `TimeoutError` DOMException, as `AbortSignal.timeout`'s does;
 * on a linked abort, with that signal's reason.
 */
export function deadline(ms: number, ...linked: Array<AbortSignal | undefined>): Deadline {
  const controller = new AbortController();
  let expired = false;
  const sources = linked.filter((s): s is AbortSignal => s !== undefined);
  const onLinkedAbort = function (this: AbortSignal) {
    cleanup();
    controller.abort(this.reason);
  };
  const timer = setTimeout(() => {
    expired = true;
    cleanup();
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, ms);
  timer.unref?.();
  function cleanup() {
    clearTimeout(timer);
    for (const source of sources) source.removeEventListener('abort', onLinkedAbort);
  }
  for (const source of sources) {
    if (source.aborted) {
      cleanup();
      controller.abort(source.reason);
      break;
    }
    source.addEventListener('abort', onLinkedAbort, { once: true });
  }
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    clear: cleanup,
  };
}
