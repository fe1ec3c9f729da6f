/**
 * The `wildcard` operator: `*` matches any run of characters (including none), `\*` is a literal star and
 * `\\` a literal backslash; any other backslash and two stars in a row are rejected, as by event-ruler's
 * WildcardParser. EventBridge also rejects rules whose wildcards make matching too non-deterministic; the
 * complexity measure here is event-ruler's MachineComplexityEvaluator (the most wildcard-pattern prefixes a
 * single value can match at once).
 */

/** A parsed wildcard: literal text runs separated by stars (segments.length - 1 stars). */
export interface Wildcard {
  readonly segments: readonly string[];
}

/** Result of parsing a wildcard operand. */
export type WildcardParse =
  | { readonly ok: true; readonly wildcard: Wildcard }
  | { readonly ok: false; readonly reason: string };

const encoder = new TextEncoder();

/**
 * Parses the text the engine matches against, i.e. the value wrapped in quotes; error positions are UTF-8
 * byte offsets into that quoted text, as the engine reports them.
 */
export function parseWildcard(value: string): WildcardParse {
  const text = `"${value}"`;
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '*') {
      if (text[i + 1] === '*') {
        return {
          ok: false,
          reason: `Consecutive wildcard characters at pos ${bytePos(text, i)}: use a single * (positions count the opening quote)`,
        };
      }
      segments.push(current);
      current = '';
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next === '*' || next === '\\') {
        current += next;
        i++;
      } else {
        return {
          ok: false,
          reason: `Invalid escape character at pos ${bytePos(text, i)}: only \\* and \\\\ are escapes`,
        };
      }
    } else {
      current += c;
    }
  }
  segments.push(current);
  return { ok: true, wildcard: { segments } };
}

function bytePos(text: string, index: number): number {
  return encoder.encode(text.slice(0, index)).length;
}

/** Whether `text` (the quoted form of an event value) matches the wildcard as a whole. */
export function matchesWildcard(wildcard: Wildcard, text: string): boolean {
  const { segments } = wildcard;
  const first = segments[0] ?? '';
  if (segments.length === 1) {
    return text === first;
  }
  const last = segments[segments.length - 1] ?? '';
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) {
    return false;
  }
  // Leftmost placement of each middle segment is optimal for star-only globs.
  let pos = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i] ?? '';
    const found = text.indexOf(segment, pos);
    if (found === -1 || found + segment.length > end) {
      return false;
    }
    pos = found + segment.length;
  }
  return true;
}

/**
 * The largest complexity EventBridge accepts for the wildcard patterns of one field. It is not documented;
 * observed answers bound it: complexity 7 (a star followed by "/dir" five times) and 9 (three
 * "*:stack/NAME/*" values) are accepted, 11 ("*:*:*:*:*:event-bus/*") and 12 (four "*:stack/NAME/*") are
 * rejected, so the limit is 9 or 10; the lower one is kept so nothing passes here that AWS could refuse.
 */
export const MAX_WILDCARD_COMPLEXITY = 9;
// Exploring more distinct matcher states than this means the patterns are pathological anyway.
const MAX_STATES = 20_000;

type Token = number | 'star';

function tokens(wildcard: Wildcard): Token[] {
  const result: Token[] = [];
  wildcard.segments.forEach((segment, i) => {
    if (i > 0) {
      result.push('star');
    }
    for (const byte of encoder.encode(segment)) {
      result.push(byte);
    }
  });
  return result;
}

/**
 * The most wildcard-pattern prefixes (on one field) that one input can match at the same time, evaluated on
 * UTF-8 bytes like the engine's byte machine. Each group is one pattern of the engine: a `wildcard` operand,
 * or all values of one `anything-but` wildcard list (whose shared prefixes count once). Counting stops once
 * `cap` is exceeded.
 */
export function wildcardComplexity(
  groups: readonly (readonly Wildcard[])[],
  cap = MAX_WILDCARD_COMPLEXITY,
): number {
  const patterns: Token[][] = [];
  const owner: number[] = []; // pattern index -> group index
  const prefixIds: number[][] = []; // pattern index -> position -> id of that prefix within its group
  groups.forEach((group, g) => {
    const ids = new Map<string, number>();
    for (const wildcard of group) {
      const pattern = tokens(wildcard);
      patterns.push(pattern);
      owner.push(g);
      prefixIds.push(
        pattern.map((_, p) => {
          const key = pattern.slice(0, p + 1).join(',');
          const id = ids.get(key) ?? ids.size;
          ids.set(key, id);
          return id;
        }),
      );
    }
  });
  if (patterns.length === 0) {
    return 0;
  }
  const alphabet = new Set<number>();
  for (const pattern of patterns) {
    for (const token of pattern) {
      if (token !== 'star') {
        alphabet.add(token);
      }
    }
  }
  for (let b = 0; b < 256; b++) {
    if (!alphabet.has(b)) {
      alphabet.add(b); // one byte standing for every byte no literal uses
      break;
    }
  }

  const count = (state: readonly (readonly number[])[]): number => {
    const active = new Set<string>();
    state.forEach((positions, j) => {
      for (const p of positions) {
        if (p > 0) {
          active.add(`${owner[j]}:${prefixIds[j]?.[p - 1]}`);
        }
      }
    });
    return active.size;
  };

  const start = patterns.map((p) => closure(p, [0]));
  const seen = new Set<string>([stateKey(start)]);
  const queue: number[][][] = [start];
  let max = 0;
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head] ?? [];
    for (const byte of alphabet) {
      const next = patterns.map((p, j) => step(p, state[j] ?? [], byte));
      max = Math.max(max, count(next));
      if (max > cap) {
        return max;
      }
      const key = stateKey(next);
      if (!seen.has(key)) {
        if (seen.size >= MAX_STATES) {
          return Number.POSITIVE_INFINITY;
        }
        seen.add(key);
        queue.push(next);
      }
    }
  }
  return max;
}

// Positions i such that the input read so far matches the first i tokens.
function step(pattern: readonly Token[], active: readonly number[], byte: number): number[] {
  const next: number[] = [];
  for (const i of active) {
    const token = pattern[i];
    if (token === byte) {
      next.push(i + 1);
    }
    if (i > 0 && pattern[i - 1] === 'star') {
      next.push(i); // the star just before position i absorbs the byte
    }
  }
  return closure(pattern, next);
}

function closure(pattern: readonly Token[], positions: readonly number[]): number[] {
  const result = new Set<number>(positions);
  const work = [...positions];
  while (work.length > 0) {
    const i = work.pop() ?? 0;
    if (pattern[i] === 'star' && !result.has(i + 1)) {
      result.add(i + 1); // a star may match nothing
      work.push(i + 1);
    }
  }
  return [...result].sort((a, b) => a - b);
}

function stateKey(state: readonly (readonly number[])[]): string {
  return state.map((s) => s.join(',')).join('|');
}
