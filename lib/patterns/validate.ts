/**
 * Validation of EventBridge event patterns, following aws/event-ruler's JsonRuleCompiler (the engine
 * EventBridge runs) and the conformance answers real EventBridge gave. The same walk also produces the
 * compiled alternatives the matcher runs, so what validates is exactly what is matched.
 */
import { type JsonNode, toJsonNode } from './json.js';
import { type Dialect, indexPath, keyPath, OPERATORS, parseMatchValue } from './operators.js';
import type { FieldCondition, PatternProblem, SubRule } from './types.js';
import { MAX_WILDCARD_COMPLEXITY, type Wildcard, wildcardComplexity } from './wildcard.js';

/** The outcome of reading a pattern: its problems, and (when there are none) its `$or`-expanded alternatives. */
export interface PatternAnalysis {
  readonly problems: readonly PatternProblem[];
  readonly subRules: readonly SubRule[];
}

// Field names the engine refuses inside `$or` branches, so a branch cannot be mistaken for a match expression.
const RESERVED_IN_OR: ReadonlySet<string> = new Set([
  ...OPERATORS,
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

const TOO_COMPLEX =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

type MutableRule = Map<string, readonly FieldCondition[]>;

/** Checks a pattern against EventBridge's rules; an empty list means EventBridge would accept it. */
export function validatePattern(pattern: unknown): PatternProblem[] {
  return [...analyzePattern(pattern).problems];
}

/** Validates and compiles a pattern given as data (objects, arrays, strings, numbers, booleans, null). */
export function analyzePattern(pattern: unknown): PatternAnalysis {
  let node: JsonNode;
  try {
    node = toJsonNode(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { problems: [{ path: '', message: `Pattern is not JSON data: ${reason}` }], subRules: [] };
  }
  return analyzeNode(node);
}

/** Validates and compiles a pattern already parsed by parseJsonText (keeps duplicate keys and number text). */
export function analyzeNode(node: JsonNode): PatternAnalysis {
  const problems: PatternProblem[] = [];
  if (node.type !== 'object') {
    problems.push({ path: '', message: 'Filter is not an object: an event pattern must be a JSON object' });
    return { problems, subRules: [] };
  }
  const current = compile(node.entries, 'current');
  if (current.problems.length === 0 || !usesOrKey(node)) {
    return current;
  }
  // When the current compiler refuses a rule the engine retries it with the legacy one, which reads "$or" as
  // an ordinary field name; rules written before `$or` existed keep working that way.
  const legacy = compile(node.entries, 'legacy');
  return legacy.problems.length === 0 ? legacy : current;
}

function compile(entries: Entries, dialect: Dialect): PatternAnalysis {
  const problems: PatternProblem[] = [];
  const rules: MutableRule[] = [];
  walkObject(rules, [], entries, '', false, problems, dialect);
  if (problems.length === 0) {
    checkComplexity(rules, problems);
  }
  return { problems, subRules: problems.length === 0 ? rules : [] };
}

function usesOrKey(node: JsonNode): boolean {
  switch (node.type) {
    case 'object':
      return node.entries.some(([key, value]) => key === '$or' || usesOrKey(value));
    case 'array':
      return node.items.some(usesOrKey);
    default:
      return false;
  }
}

type Entries = readonly (readonly [string, JsonNode])[];

/**
 * Mirrors parseObject/parseObjectInsideOrRelationship: nested objects extend the dot-joined field name, arrays
 * set the field's conditions on every current alternative (a later occurrence of the same name overrides an
 * earlier one), and `$or` forks the alternatives built so far.
 */
function walkObject(
  rules: MutableRule[],
  names: readonly string[],
  entries: Entries,
  path: string,
  insideOr: boolean,
  problems: PatternProblem[],
  dialect: Dialect,
): void {
  if (entries.length === 0) {
    problems.push({ path, message: 'Empty objects are not allowed: give at least one field' });
    return;
  }
  for (const [key, value] of entries) {
    const childPath = keyPath(path, key);
    if (key === '$or' && dialect === 'current') {
      walkOr(rules, names, value, childPath, problems);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      problems.push({
        path: childPath,
        message: `${key} is Ruler reserved fieldName which cannot be used inside $or.`,
      });
      continue;
    }
    if (value.type === 'object') {
      walkObject(rules, [...names, key], value.entries, childPath, insideOr, problems, dialect);
    } else if (value.type === 'array') {
      writeField(rules, [...names, key].join('.'), value.items, childPath, problems, dialect);
    } else {
      problems.push({
        path: childPath,
        message: `"${key}" must be an object or an array: wrap match values in an array, e.g. ["value"]`,
      });
    }
  }
}

function walkOr(
  rules: MutableRule[],
  names: readonly string[],
  value: JsonNode,
  path: string,
  problems: PatternProblem[],
): void {
  const current = rules.map((rule) => new Map(rule));
  rules.length = 0;
  if (value.type !== 'array') {
    problems.push({ path, message: 'It must be an Array followed with $or.' });
    return;
  }
  value.items.forEach((item, i) => {
    if (item.type !== 'object') {
      problems.push({
        path: indexPath(path, i),
        message: 'Only JSON object is allowed in array of $or relationship.',
      });
      return;
    }
    const branch = current.map((rule) => new Map(rule));
    if (branch.length === 0) {
      branch.push(new Map());
    }
    walkObject(branch, names, item.entries, indexPath(path, i), true, problems, 'current');
    rules.push(...branch);
  });
  if (value.items.length < 2) {
    problems.push({ path, message: 'There must have at least 2 Objects in $or relationship.' });
  }
}

function writeField(
  rules: MutableRule[],
  name: string,
  items: readonly JsonNode[],
  path: string,
  problems: PatternProblem[],
  dialect: Dialect,
): void {
  if (items.length === 0) {
    problems.push({ path, message: 'Empty arrays are not allowed: list at least one match value' });
    return;
  }
  const conditions: FieldCondition[] = [];
  items.forEach((item, i) => {
    conditions.push(...(parseMatchValue(item, indexPath(path, i), problems, dialect) ?? []));
  });
  if (rules.length === 0) {
    rules.push(new Map());
  }
  for (const rule of rules) {
    rule.set(name, conditions);
  }
}

/** The wildcard automata of one field, grouped per pattern the way the engine counts them. */
function wildcardGroups(conditions: readonly FieldCondition[]): Wildcard[][] {
  const seen = new Set<string>();
  const groups: Wildcard[][] = [];
  for (const c of conditions) {
    let key: string | undefined;
    let group: Wildcard[] | undefined;
    if (c.kind === 'wildcard') {
      key = JSON.stringify(['w', c.source]);
      group = [c.wildcard];
    } else if (c.kind === 'anything-but-wildcard') {
      key = JSON.stringify(['a', [...new Set(c.sources)].sort()]);
      group = [...c.wildcards];
    }
    if (key !== undefined && group !== undefined && !seen.has(key)) {
      seen.add(key);
      groups.push(group);
    }
  }
  return groups;
}

function checkComplexity(rules: readonly MutableRule[], problems: PatternProblem[]): void {
  const reported = new Set<string>();
  for (const rule of rules) {
    for (const [name, conditions] of rule) {
      const groups = wildcardGroups(conditions);
      if (groups.length === 0 || reported.has(name)) {
        continue;
      }
      if (wildcardComplexity(groups, MAX_WILDCARD_COMPLEXITY) > MAX_WILDCARD_COMPLEXITY) {
        reported.add(name);
        problems.push({ path: name, message: TOO_COMPLEX });
      }
    }
  }
}
