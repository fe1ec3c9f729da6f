/**
 * Shared types of the event-pattern library. Field conditions are the compiled form of one entry of a
 * pattern's value array; each one tests a single event value in the text form the engine uses (strings
 * wrapped in double quotes, other JSON values as their literal text).
 */

import type { IpRange } from './cidr.js';
import type { CaseChoices } from './ignore-case.js';
import type { Wildcard } from './wildcard.js';

/** One reason a pattern is invalid: where (e.g. "detail.location[0].prefix") and what is expected there. */
export interface PatternProblem {
  readonly path: string;
  readonly message: string;
}

/** A value inside an event pattern (JSON data). */
export type EventPatternValue =
  | string
  | number
  | boolean
  | null
  | readonly EventPatternValue[]
  | { readonly [key: string]: EventPatternValue };

/** An EventBridge event pattern: a JSON object whose leaves are arrays of match values. */
export type EventPattern = { readonly [key: string]: EventPatternValue };

/** A compiled test of one event value. */
export type ValueMatcher =
  | { readonly kind: 'exact'; readonly text: string }
  | { readonly kind: 'numeric-equals'; readonly scaled: bigint }
  | {
      readonly kind: 'numeric-range';
      readonly bottom: bigint;
      readonly openBottom: boolean;
      readonly top: bigint;
      readonly openTop: boolean;
    }
  | { readonly kind: 'ip-range'; readonly range: IpRange }
  | { readonly kind: 'prefix'; readonly text: string }
  | { readonly kind: 'suffix'; readonly text: string }
  | { readonly kind: 'equals-ignore-case'; readonly choices: CaseChoices }
  | { readonly kind: 'prefix-ignore-case'; readonly choices: CaseChoices }
  | { readonly kind: 'suffix-ignore-case'; readonly choices: CaseChoices }
  | { readonly kind: 'wildcard'; readonly wildcard: Wildcard; readonly source: string }
  | { readonly kind: 'exists' }
  | {
      readonly kind: 'anything-but';
      readonly numeric: boolean;
      readonly texts: ReadonlySet<string>;
      readonly numbers: ReadonlySet<bigint>;
    }
  | { readonly kind: 'anything-but-prefix'; readonly texts: readonly string[] }
  | { readonly kind: 'anything-but-suffix'; readonly texts: readonly string[] }
  | { readonly kind: 'anything-but-ignore-case'; readonly choices: readonly CaseChoices[] }
  | {
      readonly kind: 'anything-but-wildcard';
      readonly wildcards: readonly Wildcard[];
      readonly sources: readonly string[];
    };

/** A compiled entry of a value array: a value test, or `{"exists": false}`. */
export type FieldCondition = ValueMatcher | { readonly kind: 'absent' };

/**
 * One alternative of a pattern after `$or` expansion: flattened field name (dot-joined) to the conditions
 * any one of which must hold. All fields must hold for the alternative to match.
 */
export type SubRule = ReadonlyMap<string, readonly FieldCondition[]>;
