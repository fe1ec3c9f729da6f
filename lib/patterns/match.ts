/**
 * Matching events against EventBridge event patterns, with the semantics of aws/event-ruler's machine
 * (rulesForJSONEvent): a pattern matches if one of its `$or` alternatives matches; an alternative matches if
 * every field does, fields being visited in sorted name order while keeping array consistency; a field
 * matches if any of its values satisfies any of its conditions, or it has `{"exists": false}` and no value of
 * it is consistent with the array elements used so far.
 */
import { inIpRange, ipToHex } from './cidr.js';
import {
  type FlatEvent,
  flattenEvent,
  type Leaf,
  type Membership,
  membershipKey,
  mergeMembership,
} from './event.js';
import { endsWithIgnoringCase, equalsIgnoringCase, startsWithIgnoringCase } from './ignore-case.js';
import { type JsonNode, toJsonNode } from './json.js';
import { toComparable } from './numbers.js';
import type { EventPattern, PatternProblem, SubRule, ValueMatcher } from './types.js';
import { analyzeNode, analyzePattern, type PatternAnalysis } from './validate.js';
import { matchesWildcard } from './wildcard.js';

/** Thrown when compiling a pattern EventBridge would reject; `problems` lists every reason. */
export class InvalidPatternError extends Error {
  override readonly name = 'InvalidPatternError';
  readonly problems: PatternProblem[];

  constructor(problems: readonly PatternProblem[]) {
    super(`Invalid event pattern: ${formatProblems(problems)}`);
    this.problems = [...problems];
  }
}

/** Renders problems as one line, "path: message" joined with "; " (the path is omitted at the root). */
export function formatProblems(problems: readonly PatternProblem[]): string {
  return problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`)).join('; ');
}

/** A validated pattern ready for fast repeated matching. */
export interface CompiledPattern {
  /** Whether the event (JSON data) matches; a non-object never does; TypeError for data with cycles. */
  matches(event: unknown): boolean;
}

// How values of one field are read, which depends on the field's conditions (see viewOf).
interface CompiledField {
  readonly matchers: readonly ValueMatcher[];
  readonly allowsAbsence: boolean;
  readonly numericView: boolean;
  readonly ipView: boolean;
}

interface CompiledRule {
  readonly names: readonly string[];
  readonly fields: ReadonlyMap<string, CompiledField>;
}

/** Validates once (throwing InvalidPatternError) and returns a reusable matcher. */
export function compilePattern(pattern: unknown): CompiledPattern {
  return fromAnalysis(analyzePattern(pattern));
}

/** A compiled pattern that can also match an event already parsed with parseJsonText. */
export interface ParsedCompiledPattern extends CompiledPattern {
  /** Whether a parsed event (number literals and key order as written) matches. */
  matchesNode(event: JsonNode): boolean;
}

/** As compilePattern, for a pattern parsed with parseJsonText (keeps duplicate-key order and number text). */
export function compileParsedPattern(node: JsonNode): ParsedCompiledPattern {
  return fromAnalysis(analyzeNode(node));
}

/** One-off match of a (valid) pattern; throws InvalidPatternError if it is not valid after all. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return compilePattern(pattern).matches(event);
}

function fromAnalysis(analysis: PatternAnalysis): ParsedCompiledPattern {
  if (analysis.problems.length > 0) {
    throw new InvalidPatternError(analysis.problems);
  }
  const rules = analysis.subRules.map(compileRule);
  const wantedNames = new Set<string>();
  for (const rule of rules) {
    for (const name of rule.names) {
      const parts = name.split('.');
      for (let i = 1; i <= parts.length; i++) {
        wantedNames.add(parts.slice(0, i).join('.'));
      }
    }
  }
  const wanted = (name: string) => wantedNames.has(name);
  const matchesNode = (node: JsonNode): boolean => {
    if (node.type !== 'object') {
      return false;
    }
    const flat = flattenEvent(node, wanted);
    return rules.some((rule) => matchesRule(rule, flat));
  };
  return {
    matches: (event: unknown) => matchesNode(toJsonNode(event)),
    matchesNode,
  };
}

function compileRule(subRule: SubRule): CompiledRule {
  const fields = new Map<string, CompiledField>();
  for (const [name, conditions] of subRule) {
    const matchers: ValueMatcher[] = [];
    let allowsAbsence = false;
    for (const c of conditions) {
      if (c.kind === 'absent') {
        allowsAbsence = true;
      } else {
        matchers.push(c);
      }
    }
    const numericView = matchers.some(
      (m) =>
        m.kind === 'numeric-equals' || m.kind === 'numeric-range' || (m.kind === 'anything-but' && m.numeric),
    );
    const ipView = matchers.some((m) => m.kind === 'ip-range');
    fields.set(name, { matchers, allowsAbsence, numericView, ipView });
  }
  // The engine walks a rule's fields in lexical (UTF-16) order, which matters for exists:false under arrays.
  const names = [...fields.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { names, fields };
}

function matchesRule(rule: CompiledRule, event: FlatEvent): boolean {
  let frontier: Membership[] = [[]];
  for (const name of rule.names) {
    const field = rule.fields.get(name);
    if (field === undefined) {
      return false;
    }
    const occurrences = event.get(name) ?? [];
    const matched = occurrences.map((o) => {
      const view = viewOf(o.leaf, field);
      return field.matchers.some((m) => test(m, view));
    });
    // Each partial match is the set of array elements it has committed to; keep the distinct ones.
    const next = new Map<string, Membership>();
    for (const soFar of frontier) {
      let consistentValueSeen = false;
      occurrences.forEach((occurrence, i) => {
        const merged = mergeMembership(soFar, occurrence.membership);
        if (merged === undefined) {
          return;
        }
        consistentValueSeen = true;
        if (matched[i] === true) {
          next.set(membershipKey(merged), merged);
        }
      });
      if (field.allowsAbsence && !consistentValueSeen) {
        next.set(membershipKey(soFar), soFar);
      }
    }
    frontier = [...next.values()];
    if (frontier.length === 0) {
      return false;
    }
  }
  return true;
}

/**
 * The form in which the engine's byte machine sees a value of a field: numbers become comparable when the
 * field has a numeric condition, otherwise (only then) IP-literal strings become addresses when the field has
 * an IP condition; everything else is its JSON text (strings in quotes).
 */
type View =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'number'; readonly scaled: bigint }
  | { readonly kind: 'ip'; readonly hex: string };

function viewOf(leaf: Leaf, field: CompiledField): View {
  if (field.numericView) {
    if (leaf.type === 'number') {
      const c = toComparable(leaf.literal);
      if (c.ok) {
        return { kind: 'number', scaled: c.scaled };
      }
    }
  } else if (field.ipView && leaf.type === 'string') {
    const hex = ipToHex(leaf.value);
    if (hex !== undefined) {
      return { kind: 'ip', hex };
    }
  }
  return { kind: 'text', text: leafText(leaf) };
}

function leafText(leaf: Leaf): string {
  switch (leaf.type) {
    case 'string':
      return `"${leaf.value}"`;
    case 'number':
      return leaf.literal;
    case 'boolean':
      return String(leaf.value);
    case 'null':
      return 'null';
  }
}

function test(m: ValueMatcher, v: View): boolean {
  switch (m.kind) {
    case 'exists':
      return true;
    case 'exact':
      return v.kind === 'text' && v.text === m.text;
    case 'numeric-equals':
      return v.kind === 'number' && v.scaled === m.scaled;
    case 'numeric-range':
      return (
        v.kind === 'number' &&
        (m.openBottom ? v.scaled > m.bottom : v.scaled >= m.bottom) &&
        (m.openTop ? v.scaled < m.top : v.scaled <= m.top)
      );
    case 'ip-range':
      return v.kind === 'ip' && inIpRange(v.hex, m.range);
    case 'prefix':
      return v.kind === 'text' && v.text.startsWith(m.text);
    case 'suffix':
      return v.kind === 'text' && v.text.endsWith(m.text);
    case 'equals-ignore-case':
      return v.kind === 'text' && equalsIgnoringCase(m.choices, v.text);
    case 'prefix-ignore-case':
      return v.kind === 'text' && startsWithIgnoringCase(m.choices, v.text);
    case 'suffix-ignore-case':
      return v.kind === 'text' && endsWithIgnoringCase(m.choices, v.text);
    case 'wildcard':
      return v.kind === 'text' && matchesWildcard(m.wildcard, v.text);
    // anything-but matches every present value it cannot prove excluded (null, other types, other spellings).
    case 'anything-but':
      return m.numeric
        ? !(v.kind === 'number' && m.numbers.has(v.scaled))
        : !(v.kind === 'text' && m.texts.has(v.text));
    case 'anything-but-prefix':
      return !(v.kind === 'text' && m.texts.some((t) => v.text.startsWith(t)));
    case 'anything-but-suffix':
      return !(v.kind === 'text' && m.texts.some((t) => v.text.endsWith(t)));
    case 'anything-but-ignore-case':
      return !(v.kind === 'text' && m.choices.some((c) => equalsIgnoringCase(c, v.text)));
    case 'anything-but-wildcard':
      return !(v.kind === 'text' && m.wildcards.some((w) => matchesWildcard(w, v.text)));
  }
}
