/**
 * Fault injection: what a stand-in does with a request before it looks at it. Operators set a
 * fault per system over HTTP (`PUT /_admin/faults/<system>`) or in code, to rehearse an incident:
 * a dead server, a slow one, one answering errors, or one failing a fraction of requests. Flaky
 * sequences come from a seeded generator so a test or a rehearsal can be replayed exactly.
 */
import { FaultSpecError } from './errors.js';

/** The fault modes. */
export const FAULT_MODES = ['ok', 'down', 'slow', 'error', 'flaky'] as const;
/** A fault mode: ok (normal), down (connection reset), slow (delay), error (status), flaky (some fail). */
export type FaultMode = (typeof FAULT_MODES)[number];

/** A validated fault, with every default filled in. */
export type FaultSpec =
  | { mode: 'ok' }
  /** The connection is reset without an HTTP answer, as if the server were dead. */
  | { mode: 'down' }
  /** Every request is answered after `delayMs`. */
  | { mode: 'slow'; delayMs: number }
  /** Every request is answered with `status`. */
  | { mode: 'error'; status: number }
  /** A `failureRate` fraction of requests are answered with `status`; `seed` fixes the sequence. */
  | { mode: 'flaky'; failureRate: number; status: number; seed: number };

/** What a fault makes of one request. */
export type FaultAction =
  | { kind: 'pass' }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number };

/** Default status of "error" and "flaky". */
export const DEFAULT_FAULT_STATUS = 503;
/** Default delay of "slow": longer than any example endpoint's timeout (at most 8s). */
export const DEFAULT_DELAY_MS = 10_000;
/** Default failure rate of "flaky". */
export const DEFAULT_FAILURE_RATE = 0.5;
/** Longest delay accepted: ten minutes. */
export const MAX_DELAY_MS = 600_000;
const MAX_SEED = 0xffff_ffff;

const FIELDS: Record<FaultMode, readonly string[]> = {
  ok: [],
  down: [],
  slow: ['delayMs'],
  error: ['status'],
  flaky: ['failureRate', 'status', 'seed'],
};

/**
 * Validates a fault as received (parsed JSON or a caller's object) and fills in defaults. Throws
 * FaultSpecError naming every problem at once. `randomSeed` picks the seed of an unseeded flaky
 * fault (it is reported back, so the sequence can be replayed).
 */
export function parseFaultSpec(input: unknown, randomSeed: () => number = defaultSeed): FaultSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new FaultSpecError(
      `a fault must be a JSON object such as {"mode":"error","status":503}; got ${describe(input)}`,
    );
  const fields = input as Record<string, unknown>;
  const mode = fields.mode;
  if (typeof mode !== 'string' || !(FAULT_MODES as readonly string[]).includes(mode))
    throw new FaultSpecError(`mode must be one of ${FAULT_MODES.join(', ')}; got ${describe(mode)}`);
  const faultMode = mode as FaultMode;
  const problems: string[] = [];
  const allowed = FIELDS[faultMode];
  for (const key of Object.keys(fields)) {
    if (key !== 'mode' && !allowed.includes(key))
      problems.push(
        allowed.length === 0
          ? `${key} does not apply to mode "${faultMode}", which takes no other fields`
          : `${key} does not apply to mode "${faultMode}"; it takes ${allowed.join(', ')}`,
      );
  }
  const status = (): number => {
    const value = fields.status;
    if (value === undefined) return DEFAULT_FAULT_STATUS;
    if (!Number.isInteger(value) || (value as number) < 400 || (value as number) > 599) {
      problems.push(
        `status must be an HTTP error status, an integer from 400 to 599; got ${describe(value)}`,
      );
      return DEFAULT_FAULT_STATUS;
    }
    return value as number;
  };
  let spec: FaultSpec;
  switch (faultMode) {
    case 'ok':
    case 'down':
      spec = { mode: faultMode };
      break;
    case 'slow': {
      const value = fields.delayMs;
      let delayMs = DEFAULT_DELAY_MS;
      if (value !== undefined) {
        if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_DELAY_MS)
          problems.push(`delayMs must be an integer from 0 to ${MAX_DELAY_MS}; got ${describe(value)}`);
        else delayMs = value as number;
      }
      spec = { mode: 'slow', delayMs };
      break;
    }
    case 'error':
      spec = { mode: 'error', status: status() };
      break;
    case 'flaky': {
      const rate = fields.failureRate;
      let failureRate = DEFAULT_FAILURE_RATE;
      if (rate !== undefined) {
        if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1)
          problems.push(`failureRate must be a number from 0 to 1; got ${describe(rate)}`);
        else failureRate = rate;
      }
      const seedValue = fields.seed;
      let seed: number;
      if (seedValue === undefined) seed = randomSeed();
      else if (
        !Number.isInteger(seedValue) ||
        (seedValue as number) < 0 ||
        (seedValue as number) > MAX_SEED
      ) {
        problems.push(`seed must be an integer from 0 to ${MAX_SEED}; got ${describe(seedValue)}`);
        seed = 0;
      } else seed = seedValue as number;
      spec = { mode: 'flaky', failureRate, status: status(), seed };
      break;
    }
  }
  if (problems.length > 0) throw new FaultSpecError(problems.join('; '));
  return spec;
}

/** A fault in force: its spec and, for flaky, its position in the seeded sequence. */
export class ActiveFault {
  private readonly next: (() => number) | undefined;

  constructor(
    readonly spec: FaultSpec,
    /** When it was set (ISO-8601). */
    readonly since: string,
  ) {
    this.next = spec.mode === 'flaky' ? seededRandom(spec.seed) : undefined;
  }

  /** What to do with the next request; flaky faults draw one number per request. */
  decide(): FaultAction {
    const spec = this.spec;
    switch (spec.mode) {
      case 'ok':
        return { kind: 'pass' };
      case 'down':
        return { kind: 'reset' };
      case 'slow':
        return { kind: 'delay', ms: spec.delayMs };
      case 'error':
        return { kind: 'status', status: spec.status };
      case 'flaky': {
        const draw = this.next?.() ?? 0;
        return draw < spec.failureRate ? { kind: 'status', status: spec.status } : { kind: 'pass' };
      }
    }
  }
}

/**
 * A deterministic generator of numbers in [0, 1) (mulberry32): small, fast, and the same sequence
 * for the same seed on every platform, which is all a fault schedule needs.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function defaultSeed(): number {
  return Math.floor(Math.random() * MAX_SEED);
}

/** A short, safe rendering of a received value for an error message. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}
