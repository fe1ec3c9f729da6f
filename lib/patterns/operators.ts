/**
 * Reads one entry of a pattern's value array (a literal, or a `{ "operator": ... }` match expression) into a
 * FieldCondition, with the checks and the wording of aws/event-ruler's JsonRuleCompiler, the engine behind
 * EventBridge. Where the engine stops at its first complaint, this reports every independent problem.
 */
import { parseCidr, singleIpRange } from './cidr.js';
import { caseChoices } from './ignore-case.js';
import type { JsonNode } from './json.js';
import { type Comparable, SCALED_LIMIT, toComparable } from './numbers.js';
import type { FieldCondition, PatternProblem, ValueMatcher } from './types.js';
import { parseWildcard, type Wildcard } from './wildcard.js';

/** Operator names EventBridge understands inside `{ ... }` match expressions (case sensitive). */
export const OPERATORS = [
  'anything-but',
  'cidr',
  'equals-ignore-case',
  'exactly',
  'exists',
  'numeric',
  'prefix',
  'suffix',
  'wildcard',
] as const;

type Problems = PatternProblem[];

/**
 * Which of the engine's two rule compilers to follow: the current one (JsonRuleCompiler) or the legacy one
 * (RuleCompiler) the engine falls back to when the current one refuses a rule, which knows no `$or` and only
 * the older anything-but forms.
 */
export type Dialect = 'current' | 'legacy';
type Entries = readonly (readonly [string, JsonNode])[];

function problem(problems: Problems, path: string, message: string): undefined {
  problems.push({ path, message });
  return undefined;
}

/** Appends an object key to a problem path. */
export function keyPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Appends an array index to a problem path. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Compiles one element of a value array, recording problems; undefined when it is invalid. */
export function parseMatchValue(
  node: JsonNode,
  path: string,
  problems: Problems,
  dialect: Dialect = 'current',
): FieldCondition[] | undefined {
  switch (node.type) {
    case 'object': {
      const condition = parseMatchExpression(node.entries, path, problems, dialect);
      return condition === undefined ? undefined : [condition];
    }
    case 'string': {
      // A string that is an IP literal matches that address in any spelling (it becomes a one-address range).
      const range = singleIpRange(node.value);
      return [range === undefined ? { kind: 'exact', text: quote(node.value) } : { kind: 'ip-range', range }];
    }
    case 'number': {
      // Numbers match numerically when comparable, and always by their literal text.
      const comparable = toComparable(node.literal);
      const exact: ValueMatcher = { kind: 'exact', text: node.literal };
      return comparable.ok ? [{ kind: 'numeric-equals', scaled: comparable.scaled }, exact] : [exact];
    }
    case 'boolean':
      return [{ kind: 'exact', text: String(node.value) }];
    case 'null':
      return [{ kind: 'exact', text: 'null' }];
    case 'array':
      return problem(problems, path, 'Match value must be String, number, true, false, or null');
  }
}

function quote(text: string): string {
  return `"${text}"`;
}

function parseMatchExpression(
  entries: Entries,
  path: string,
  problems: Problems,
  dialect: Dialect,
): FieldCondition | undefined {
  const first = entries[0];
  if (first === undefined) {
    return problem(
      problems,
      path,
      `Match expression name not found: expected an object with one operator (${OPERATORS.join(', ')})`,
    );
  }
  const [operator, value] = first;
  const condition = parseOperator(operator, value, keyPath(path, operator), path, problems, dialect);
  // The engine wants the closing brace right after the operand; numeric and anything-but word it oddly.
  if (entries.length > 1) {
    const tooMany =
      operator === 'numeric' || operator === 'anything-but'
        ? 'Too many elements in numeric expression'
        : 'Only one key allowed in match expression';
    return problem(problems, path, `${tooMany}: a match expression is an object with exactly one operator`);
  }
  return condition;
}

function parseOperator(
  operator: string,
  value: JsonNode,
  path: string,
  expressionPath: string,
  problems: Problems,
  dialect: Dialect,
): FieldCondition | undefined {
  switch (operator) {
    case 'exactly':
      if (value.type !== 'string') {
        return problem(problems, path, 'exact match pattern must be a string');
      }
      return { kind: 'exact', text: quote(value.value) };
    case 'prefix':
      return parsePrefixOrSuffix('prefix', value, path, problems);
    case 'suffix':
      return parsePrefixOrSuffix('suffix', value, path, problems);
    case 'equals-ignore-case':
      if (value.type !== 'string') {
        return problem(problems, path, 'equals-ignore-case match pattern must be a string');
      }
      return { kind: 'equals-ignore-case', choices: caseChoices(quote(value.value)) };
    case 'wildcard': {
      if (value.type !== 'string') {
        return problem(problems, path, 'wildcard match pattern must be a string');
      }
      const parsed = parseWildcard(value.value);
      if (!parsed.ok) {
        return problem(problems, path, parsed.reason);
      }
      return { kind: 'wildcard', wildcard: parsed.wildcard, source: value.value };
    }
    case 'exists':
      if (value.type !== 'boolean') {
        return problem(problems, path, 'exists match pattern must be either true or false.');
      }
      return value.value ? { kind: 'exists' } : { kind: 'absent' };
    case 'cidr': {
      if (value.type !== 'string') {
        return problem(problems, path, 'cidr match pattern must be a string');
      }
      const parsed = parseCidr(value.value);
      if (!parsed.ok) {
        return problem(problems, path, parsed.reason);
      }
      return { kind: 'ip-range', range: parsed.range };
    }
    case 'numeric':
      return parseNumeric(value, path, problems);
    case 'anything-but':
      return parseAnythingBut(value, path, problems, dialect);
    default:
      return problem(
        problems,
        expressionPath,
        `Unrecognized match type ${operator}: operators are case sensitive, expected one of ${OPERATORS.join(', ')}`,
      );
  }
}

function parsePrefixOrSuffix(
  kind: 'prefix' | 'suffix',
  value: JsonNode,
  path: string,
  problems: Problems,
): ValueMatcher | undefined {
  if (value.type === 'string') {
    return kind === 'prefix' ? { kind, text: `"${value.value}` } : { kind, text: `${value.value}"` };
  }
  if (value.type !== 'object') {
    return problem(problems, path, `${kind} match pattern must be a string`);
  }
  const Kind = kind === 'prefix' ? 'Prefix' : 'Suffix';
  const [first, ...rest] = value.entries;
  if (first === undefined) {
    return problem(
      problems,
      path,
      `${Kind} expression name not found: expected {"equals-ignore-case": "..."}`,
    );
  }
  const [inner, innerValue] = first;
  if (inner !== 'equals-ignore-case') {
    return problem(problems, keyPath(path, inner), `Unsupported ${kind} pattern: ${inner}`);
  }
  if (innerValue.type !== 'string') {
    return problem(problems, keyPath(path, inner), 'equals-ignore-case match pattern must be a string');
  }
  if (rest.length > 0) {
    return problem(problems, path, 'Only one key allowed in match expression');
  }
  return kind === 'prefix'
    ? { kind: 'prefix-ignore-case', choices: caseChoices(`"${innerValue.value}`) }
    : { kind: 'suffix-ignore-case', choices: caseChoices(`${innerValue.value}"`) };
}

/** The text Jackson reports for the token at this position (a missing element is the closing bracket). */
function tokenText(node: JsonNode | undefined): string {
  if (node === undefined) {
    return ']';
  }
  switch (node.type) {
    case 'object':
      return '{';
    case 'array':
      return '[';
    case 'string':
      return node.value;
    case 'number':
      return node.literal;
    case 'boolean':
      return String(node.value);
    case 'null':
      return 'null';
  }
}

function comparable(node: JsonNode): Comparable {
  return node.type === 'number' ? toComparable(node.literal) : { ok: false, reason: 'not a number' };
}

function parseNumeric(value: JsonNode, path: string, problems: Problems): ValueMatcher | undefined {
  if (value.type !== 'array') {
    return problem(problems, path, 'Value of numeric must be an array.');
  }
  const items = value.items;
  const at = (i: number) => indexPath(path, i);
  const first = items[0];
  if (first?.type !== 'string') {
    return problem(problems, at(0), `Invalid member in numeric match: ${tokenText(first)}`);
  }
  const operator = first.value;
  if (!['=', '<', '<=', '>', '>='].includes(operator)) {
    return problem(
      problems,
      at(0),
      `Unrecognized numeric range operator: ${operator}: expected =, <, <=, > or >=`,
    );
  }
  const operand = items[1];
  if (operand?.type !== 'number') {
    return problem(problems, at(1), `Value of ${operator === '=' ? 'equals' : operator} must be numeric`);
  }
  const operandValue = comparable(operand);

  if (operator === '=' || operator === '<' || operator === '<=') {
    if (items.length > 2) {
      return problem(
        problems,
        at(2),
        operator === '='
          ? 'Too many elements in numeric expression'
          : 'Too many elements in numeric expression: an upper bound (< or <=) must come after the lower bound',
      );
    }
    if (!operandValue.ok) {
      return problem(problems, at(1), operandValue.reason);
    }
    if (operator === '=') {
      return { kind: 'numeric-equals', scaled: operandValue.scaled };
    }
    return range(-SCALED_LIMIT, false, operandValue.scaled, operator === '<', path, problems);
  }

  const lowerOpen = operator === '>';
  if (items.length === 2) {
    if (!operandValue.ok) {
      return problem(problems, at(1), operandValue.reason);
    }
    return range(operandValue.scaled, lowerOpen, SCALED_LIMIT, false, path, problems);
  }
  const upperOperator = items[2];
  if (upperOperator?.type !== 'string') {
    return problem(problems, at(2), `Bad value in numeric range: ${tokenText(upperOperator)}`);
  }
  if (upperOperator.value !== '<' && upperOperator.value !== '<=') {
    return problem(
      problems,
      at(2),
      `Bad numeric range operator: ${upperOperator.value}: a range is a lower bound (> or >=) then an upper bound (< or <=)`,
    );
  }
  const upper = items[3];
  if (upper?.type !== 'number') {
    return problem(problems, at(3), `Value of ${upperOperator.value} must be numeric`);
  }
  if (items.length > 4) {
    return problem(problems, at(4), 'Too many terms in numeric range expression');
  }
  if (!operandValue.ok) {
    return problem(problems, at(1), operandValue.reason);
  }
  const upperValue = comparable(upper);
  if (!upperValue.ok) {
    return problem(problems, at(3), upperValue.reason);
  }
  return range(
    operandValue.scaled,
    lowerOpen,
    upperValue.scaled,
    upperOperator.value === '<',
    path,
    problems,
  );
}

function range(
  bottom: bigint,
  openBottom: boolean,
  top: bigint,
  openTop: boolean,
  path: string,
  problems: Problems,
): ValueMatcher | undefined {
  // Every range is closed by the ±5.0e9 limits, so "> 5e9" or "< -5e9" is an empty range, which is refused.
  if (bottom >= top) {
    return problem(
      problems,
      path,
      'Bottom must be less than top: numeric matching covers -5.0E9 to 5.0E9 only',
    );
  }
  return { kind: 'numeric-range', bottom, openBottom, top, openTop };
}

const NOT_ARRAY_OR_SCALAR = 'Value of anything-but must be an array or single string/number value.';

function parseAnythingBut(
  value: JsonNode,
  path: string,
  problems: Problems,
  dialect: Dialect,
): ValueMatcher | undefined {
  if (value.type === 'object') {
    return dialect === 'legacy'
      ? parseLegacyAnythingButSet(value.entries, path, problems)
      : parseAnythingButSet(value.entries, path, problems);
  }
  if (value.type === 'string') {
    return { kind: 'anything-but', numeric: false, texts: new Set([quote(value.value)]), numbers: new Set() };
  }
  if (value.type === 'number') {
    const c = toComparable(value.literal);
    if (!c.ok) {
      return problem(problems, path, c.reason);
    }
    return { kind: 'anything-but', numeric: true, texts: new Set(), numbers: new Set([c.scaled]) };
  }
  if (value.type !== 'array') {
    return problem(problems, path, NOT_ARRAY_OR_SCALAR);
  }
  const texts = new Set<string>();
  const numbers = new Set<bigint>();
  let hasString = false;
  let hasNumber = false;
  const before = problems.length;
  value.items.forEach((item, i) => {
    if (item.type === 'string') {
      hasString = true;
      texts.add(quote(item.value));
    } else if (item.type === 'number') {
      hasNumber = true;
      const c = toComparable(item.literal);
      if (c.ok) {
        numbers.add(c.scaled);
      } else {
        problem(problems, indexPath(path, i), c.reason);
      }
    } else {
      problem(
        problems,
        indexPath(path, i),
        'Inside anything but list, start|null|boolean is not supported: expected only strings or only numbers',
      );
    }
  });
  if (hasNumber === hasString) {
    return problem(
      problems,
      path,
      'Inside anything but list, either all values are number or string, mixed type is not supported: list at least one value, all strings or all numbers',
    );
  }
  return problems.length > before ? undefined : { kind: 'anything-but', numeric: hasNumber, texts, numbers };
}

const SET_OPERATORS = ['equals-ignore-case', 'prefix', 'suffix', 'wildcard'] as const;
type SetOperator = (typeof SET_OPERATORS)[number];

function isSetOperator(name: string): name is SetOperator {
  return (SET_OPERATORS as readonly string[]).includes(name);
}

function parseAnythingButSet(entries: Entries, path: string, problems: Problems): ValueMatcher | undefined {
  const [first, ...rest] = entries;
  if (first === undefined) {
    return problem(
      problems,
      path,
      `Anything-But expression name not found: expected one of ${SET_OPERATORS.join(', ')}`,
    );
  }
  const [operator, operand] = first;
  const operandPath = keyPath(path, operator);
  if (!isSetOperator(operator)) {
    return problem(
      problems,
      operandPath,
      `Unsupported anything-but pattern: ${operator}: expected one of ${SET_OPERATORS.join(', ')}`,
    );
  }
  let values: { text: string; path: string }[];
  if (operand.type === 'string') {
    values = [{ text: operand.value, path: operandPath }];
  } else if (operand.type === 'array') {
    values = [];
    operand.items.forEach((item, i) => {
      if (item.type === 'string') {
        values.push({ text: item.value, path: indexPath(operandPath, i) });
      } else {
        problem(problems, indexPath(operandPath, i), setTypeMessage(operator));
      }
    });
    if (values.length !== operand.items.length) {
      return undefined;
    }
  } else if (operand.type === 'number') {
    return problem(problems, operandPath, setTypeMessage(operator));
  } else {
    return problem(problems, operandPath, NOT_ARRAY_OR_SCALAR);
  }
  const before = problems.length;
  const matcher = buildAnythingButSet(operator, values, problems);
  if (rest.length > 0) {
    return problem(
      problems,
      path,
      `Too many elements in numeric expression: anything-but takes a single ${SET_OPERATORS.join(', ')} operand`,
    );
  }
  return problems.length > before ? undefined : matcher;
}

function setTypeMessage(operator: SetOperator): string {
  switch (operator) {
    case 'equals-ignore-case':
      return 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.';
    case 'wildcard':
      return 'wildcard match pattern must be a string';
    default:
      return 'prefix/suffix match pattern must be a string';
  }
}

function buildAnythingButSet(
  operator: SetOperator,
  values: readonly { text: string; path: string }[],
  problems: Problems,
): ValueMatcher | undefined {
  switch (operator) {
    case 'equals-ignore-case':
      return { kind: 'anything-but-ignore-case', choices: values.map((v) => caseChoices(quote(v.text))) };
    case 'prefix':
    case 'suffix': {
      const empty = values.filter((v) => v.text === '');
      for (const v of empty) {
        problem(problems, v.path, 'Null prefix/suffix not allowed: give a non-empty string');
      }
      if (empty.length > 0) {
        return undefined;
      }
      return operator === 'prefix'
        ? { kind: 'anything-but-prefix', texts: values.map((v) => `"${v.text}`) }
        : { kind: 'anything-but-suffix', texts: values.map((v) => `${v.text}"`) };
    }
    case 'wildcard': {
      const wildcards: Wildcard[] = [];
      for (const v of values) {
        const parsed = parseWildcard(v.text);
        if (parsed.ok) {
          wildcards.push(parsed.wildcard);
        } else {
          problem(problems, v.path, parsed.reason);
        }
      }
      if (wildcards.length !== values.length) {
        return undefined;
      }
      return { kind: 'anything-but-wildcard', wildcards, sources: values.map((v) => v.text) };
    }
  }
}

// RuleCompiler's anything-but objects: a single non-empty prefix or suffix, or equals-ignore-case strings.
function parseLegacyAnythingButSet(
  entries: Entries,
  path: string,
  problems: Problems,
): ValueMatcher | undefined {
  const [first, ...rest] = entries;
  if (first === undefined) {
    return problem(problems, path, 'Anything-But expression name not found');
  }
  const [operator, operand] = first;
  const operandPath = keyPath(path, operator);
  if (rest.length > 0) {
    return problem(problems, path, 'Only one key allowed in match expression');
  }
  if (operator === 'prefix' || operator === 'suffix') {
    if (operand.type !== 'string') {
      return problem(problems, operandPath, 'prefix/suffix match pattern must be a string');
    }
    if (operand.value === '') {
      return problem(problems, operandPath, 'Null prefix/suffix not allowed');
    }
    return operator === 'prefix'
      ? { kind: 'anything-but-prefix', texts: [`"${operand.value}`] }
      : { kind: 'anything-but-suffix', texts: [`${operand.value}"`] };
  }
  if (operator !== 'equals-ignore-case') {
    return problem(problems, operandPath, `Unsupported anything-but pattern: ${operator}`);
  }
  const items = operand.type === 'array' ? operand.items : [operand];
  if (operand.type !== 'array' && operand.type !== 'string' && operand.type !== 'number') {
    return problem(problems, operandPath, NOT_ARRAY_OR_SCALAR);
  }
  const texts: string[] = [];
  for (const item of items) {
    if (item.type !== 'string') {
      return problem(
        problems,
        operandPath,
        'Inside anything-but/ignore-case list, number|start|null|boolean is not supported.',
      );
    }
    texts.push(item.value);
  }
  return { kind: 'anything-but-ignore-case', choices: texts.map((t) => caseChoices(quote(t))) };
}
