import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError, validatePattern } from '../../lib/patterns/index.js';

describe('validatePattern: patterns EventBridge accepts', () => {
  const valid: [string, unknown][] = [
    ['exact strings, numbers, booleans and null', { a: ['x', 1, 2.5, true, false, null] }],
    ['nested objects', { detail: { state: { name: ['running'] } } }],
    ['dotted keys', { 'detail.state': ['running'] }],
    ['empty string and empty prefix/suffix', { a: [''], b: [{ prefix: '' }], c: [{ suffix: '' }] }],
    [
      'prefix and suffix ignoring case',
      { a: [{ prefix: { 'equals-ignore-case': 'Ab' } }, { suffix: { 'equals-ignore-case': 'x' } }] },
    ],
    ['equals-ignore-case, also empty', { a: [{ 'equals-ignore-case': 'X' }, { 'equals-ignore-case': '' }] }],
    ['exactly', { a: [{ exactly: 'x' }] }],
    ['exists true and false', { a: [{ exists: true }], b: [{ exists: false }] }],
    [
      'numeric bounds',
      { a: [{ numeric: ['>', 0, '<=', 5] }, { numeric: ['>=', -5e9] }, { numeric: ['<', 5e9] }] },
    ],
    ['numeric equality at the limits', { a: [{ numeric: ['=', 5e9] }, { numeric: ['=', -5000000000] }] }],
    ['six decimals', { a: [{ numeric: ['=', 0.000001] }, { numeric: ['>', -0.123456] }] }],
    [
      'anything-but forms',
      {
        a: [
          { 'anything-but': 'x' },
          { 'anything-but': 1 },
          { 'anything-but': ['x', 'y'] },
          { 'anything-but': [1, 2] },
        ],
      },
    ],
    [
      'anything-but object forms',
      {
        a: [
          { 'anything-but': { prefix: 'x' } },
          { 'anything-but': { suffix: ['x', 'y'] } },
          { 'anything-but': { 'equals-ignore-case': ['x', 'Y'] } },
          { 'anything-but': { wildcard: '' } },
          { 'anything-but': { wildcard: ['*/lib/*', 'a*'] } },
        ],
      },
    ],
    ['cidr v4 and v6', { a: [{ cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/32' }, { cidr: '10.0.0.0/31' }] }],
    ['wildcards with escapes', { a: [{ wildcard: 'a*b\\*c\\\\d' }, { wildcard: '' }, { wildcard: '*' }] }],
    ['$or with two branches', { $or: [{ a: ['1'] }, { b: ['2'] }] }],
    ['nested $or', { detail: { $or: [{ a: ['1'] }, { b: ['2'], $or: [{ c: ['3'] }, { d: ['4'] }] }] } }],
    ['"$or" as a plain field (legacy reading)', { $or: { a: ['x'] } }],
    ['a field named like an operator outside $or', { prefix: ['x'], numeric: { exists: ['y'] } }],
    ['a moderately complex wildcard', { a: [{ wildcard: '/Users/*/dir/dir/dir/dir/dir/doc.txt' }] }],
    [
      'three wildcards of complexity 3 on one field',
      { a: [1, 2, 3].map((n) => ({ wildcard: `*:stack/Stack${n}/*` })) },
    ],
  ];

  it.each(valid)('%s', (_name, pattern) => {
    // Prepare
    const input = pattern;

    // Act
    const problems = validatePattern(input);

    // Assess
    expect(problems).toEqual([]);
  });
});

describe('validatePattern: patterns EventBridge rejects', () => {
  const invalid: [string, unknown, string, string][] = [
    ['a pattern that is not an object', ['x'], '', 'Filter is not an object'],
    ['an empty pattern', {}, '', 'Empty objects are not allowed'],
    ['an empty nested object', { detail: {} }, 'detail', 'Empty objects are not allowed'],
    ['a bare string leaf', { a: 'x' }, 'a', '"a" must be an object or an array'],
    ['a bare number leaf', { a: 42 }, 'a', '"a" must be an object or an array'],
    ['an empty array', { a: [] }, 'a', 'Empty arrays are not allowed'],
    [
      'an array inside the value array',
      { a: [['x']] },
      'a[0]',
      'Match value must be String, number, true, false, or null',
    ],
    ['an empty match expression', { a: [{}] }, 'a[0]', 'Match expression name not found'],
    ['an operator in the wrong case', { a: [{ EXISTS: true }] }, 'a[0]', 'Unrecognized match type EXISTS'],
    [
      'two operators in one expression',
      { a: [{ prefix: 'a', suffix: 'b' }] },
      'a[0]',
      'Only one key allowed in match expression',
    ],
    ['a numeric prefix', { a: [{ prefix: 1 }] }, 'a[0].prefix', 'prefix match pattern must be a string'],
    ['a list prefix', { a: [{ prefix: ['x'] }] }, 'a[0].prefix', 'prefix match pattern must be a string'],
    [
      'an unknown prefix option',
      { a: [{ prefix: { wildcard: 'x' } }] },
      'a[0].prefix.wildcard',
      'Unsupported prefix pattern: wildcard',
    ],
    ['a numeric suffix', { a: [{ suffix: 1 }] }, 'a[0].suffix', 'suffix match pattern must be a string'],
    [
      'a list equals-ignore-case',
      { a: [{ 'equals-ignore-case': ['x'] }] },
      'a[0].equals-ignore-case',
      'equals-ignore-case match pattern must be a string',
    ],
    ['a non-string exactly', { a: [{ exactly: 1 }] }, 'a[0].exactly', 'exact match pattern must be a string'],
    [
      'exists with a string',
      { a: [{ exists: 'true' }] },
      'a[0].exists',
      'exists match pattern must be either true or false.',
    ],
    [
      'a non-string wildcard',
      { a: [{ wildcard: 1 }] },
      'a[0].wildcard',
      'wildcard match pattern must be a string',
    ],
    [
      'consecutive stars',
      { a: [{ wildcard: 'a**' }] },
      'a[0].wildcard',
      'Consecutive wildcard characters at pos 2',
    ],
    ['a bad escape', { a: [{ wildcard: 'a\\b' }] }, 'a[0].wildcard', 'Invalid escape character at pos 2'],
    ['a too complex wildcard', { a: [{ wildcard: '*:*:*:*:*:event-bus/*' }] }, 'a', 'Rule is too complex'],
    [
      'too many wildcards on one field',
      { a: [1, 2, 3, 4].map((n) => ({ wildcard: `*:stack/Stack${n}/*` })) },
      'a',
      'Rule is too complex',
    ],
    [
      'numeric that is not an array',
      { a: [{ numeric: 10 }] },
      'a[0].numeric',
      'Value of numeric must be an array.',
    ],
    [
      'an empty numeric array',
      { a: [{ numeric: [] }] },
      'a[0].numeric[0]',
      'Invalid member in numeric match: ]',
    ],
    [
      'an unknown numeric operator',
      { a: [{ numeric: ['!=', 1] }] },
      'a[0].numeric[0]',
      'Unrecognized numeric range operator: !=',
    ],
    ['a string operand', { a: [{ numeric: ['>', '1'] }] }, 'a[0].numeric[1]', 'Value of > must be numeric'],
    [
      'a string operand for =',
      { a: [{ numeric: ['=', '1'] }] },
      'a[0].numeric[1]',
      'Value of equals must be numeric',
    ],
    [
      'a missing upper value',
      { a: [{ numeric: ['>', 0, '<'] }] },
      'a[0].numeric[3]',
      'Value of < must be numeric',
    ],
    [
      'two lower bounds',
      { a: [{ numeric: ['>', 0, '>', 0] }] },
      'a[0].numeric[2]',
      'Bad numeric range operator: >',
    ],
    [
      'upper bound first',
      { a: [{ numeric: ['<', 5, '>', 0] }] },
      'a[0].numeric[2]',
      'Too many elements in numeric expression',
    ],
    [
      'a trailing term',
      { a: [{ numeric: ['>', 0, '<', 5, 6] }] },
      'a[0].numeric[4]',
      'Too many terms in numeric range expression',
    ],
    [
      'an empty range',
      { a: [{ numeric: ['>=', 5, '<', 5] }] },
      'a[0].numeric',
      'Bottom must be less than top',
    ],
    [
      'a lower bound at the limit',
      { a: [{ numeric: ['>', 5e9] }] },
      'a[0].numeric',
      'Bottom must be less than top',
    ],
    [
      'a value beyond the limit',
      { a: [{ numeric: ['=', 5000000001] }] },
      'a[0].numeric[1]',
      'Value must be between -5.0E9 and 5.0E9',
    ],
    [
      'seven decimals',
      { a: [{ numeric: ['<', 0.1234567] }] },
      'a[0].numeric[1]',
      'Only values upto 6 decimals are supported',
    ],
    ['a bad cidr shape', { a: [{ cidr: 'bad-filter' }] }, 'a[0].cidr', "Malformed CIDR, one '/' required"],
    [
      'a bad cidr mask',
      { a: [{ cidr: '10.0.0.0/x' }] },
      'a[0].cidr',
      'Malformed CIDR, mask bits must be an integer',
    ],
    ['a bad cidr address', { a: [{ cidr: 'xx.11.xx/8' }] }, 'a[0].cidr', 'Nonstandard IP address: xx.11.xx'],
    [
      'an out-of-range octet',
      { a: [{ cidr: '10.0.0.256/8' }] },
      'a[0].cidr',
      'Invalid IP address: 10.0.0.256',
    ],
    ['a /32 mask', { a: [{ cidr: '10.0.0.1/32' }] }, 'a[0].cidr', 'IPv4 mask bits must be < 32'],
    ['a /128 mask', { a: [{ cidr: '::1/128' }] }, 'a[0].cidr', 'IPv6 mask bits must be < 128'],
    [
      'a non-string cidr',
      { a: [{ cidr: ['10.0.0.0/8'] }] },
      'a[0].cidr',
      'cidr match pattern must be a string',
    ],
    [
      'anything-but null',
      { a: [{ 'anything-but': null }] },
      'a[0].anything-but',
      'must be an array or single string/number value',
    ],
    [
      'anything-but with null in the list',
      { a: [{ 'anything-but': ['x', null] }] },
      'a[0].anything-but[1]',
      'start|null|boolean is not supported',
    ],
    [
      'anything-but mixing types',
      { a: [{ 'anything-but': ['x', 1] }] },
      'a[0].anything-but',
      'mixed type is not supported',
    ],
    [
      'an empty anything-but list',
      { a: [{ 'anything-but': [] }] },
      'a[0].anything-but',
      'mixed type is not supported',
    ],
    [
      'anything-but of an unsupported operator',
      { a: [{ 'anything-but': { exists: true } }] },
      'a[0].anything-but.exists',
      'Unsupported anything-but pattern: exists',
    ],
    [
      'anything-but with an empty prefix',
      { a: [{ 'anything-but': { prefix: '' } }] },
      'a[0].anything-but.prefix',
      'Null prefix/suffix not allowed',
    ],
    [
      'anything-but with a numeric suffix',
      { a: [{ 'anything-but': { suffix: 1 } }] },
      'a[0].anything-but.suffix',
      'prefix/suffix match pattern must be a string',
    ],
    [
      'anything-but with a nested ignore-case prefix',
      { a: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'x' } } }] },
      'a[0].anything-but.prefix',
      'must be an array or single string/number value',
    ],
    [
      'anything-but ignore-case numbers',
      { a: [{ 'anything-but': { 'equals-ignore-case': [1] } }] },
      'a[0].anything-but.equals-ignore-case[0]',
      'number|start|null|boolean is not supported',
    ],
    [
      'anything-but with a numeric wildcard',
      { a: [{ 'anything-but': { wildcard: 1 } }] },
      'a[0].anything-but.wildcard',
      'wildcard match pattern must be a string',
    ],
    [
      'anything-but with two operators',
      { a: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] },
      'a[0].anything-but',
      'Too many elements in numeric expression',
    ],
    [
      'anything-but of a number beyond the limit',
      { a: [{ 'anything-but': 1e10 }] },
      'a[0].anything-but',
      'Value must be between -5.0E9 and 5.0E9',
    ],
    [
      '$or that is not an array',
      { $or: [{ a: ['1'] }], x: { $or: 'y' } },
      'x.$or',
      'It must be an Array followed with $or.',
    ],
    [
      '$or with one branch',
      { $or: [{ a: ['1'] }] },
      '$or',
      'There must have at least 2 Objects in $or relationship.',
    ],
    [
      '$or with a non-object branch',
      { $or: [{ a: ['1'] }, ['b']] },
      '$or[1]',
      'Only JSON object is allowed in array of $or relationship.',
    ],
    [
      'an operator name as a field inside $or',
      { $or: [{ a: ['1'] }, { b: { numeric: ['1'] } }], c: { $or: 1 } },
      '$or[1].b.numeric',
      'numeric is Ruler reserved fieldName',
    ],
  ];

  it.each(invalid)('%s', (_name, pattern, path, message) => {
    // Prepare
    const input = pattern;

    // Act
    const problems = validatePattern(input);

    // Assess
    expect(problems).toContainEqual({ path, message: expect.stringContaining(message) });
  });
});

describe('validatePattern: reporting', () => {
  it('reports every problem with its path, not just the first', () => {
    // Prepare
    const pattern = {
      source: 'aws.ec2',
      detail: {
        location: [{ prefix: 1 }, 'ok', { numeric: ['>', 'x'] }],
        state: [],
        size: [{ 'anything-but': { wildcard: ['ok*', 'bad**'] } }],
      },
    };

    // Act
    const problems = validatePattern(pattern);

    // Assess
    expect(problems.map((p) => p.path)).toEqual([
      'source',
      'detail.location[0].prefix',
      'detail.location[2].numeric[1]',
      'detail.state',
      'detail.size[0].anything-but.wildcard[1]',
    ]);
  });

  it('returns a problem instead of throwing for data that is not JSON', () => {
    // Prepare
    const cyclic: Record<string, unknown> = { a: ['x'] };
    cyclic.self = cyclic;

    // Act
    const problems = validatePattern(cyclic);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('cycle');
  });

  it('throws InvalidPatternError carrying all problems from compilePattern', () => {
    // Prepare
    const pattern = { a: 'x', b: [] };

    // Act
    let caught: unknown;
    try {
      compilePattern(pattern);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(InvalidPatternError);
    expect(caught).toMatchObject({ name: 'InvalidPatternError' });
    expect((caught as InvalidPatternError).problems.map((p) => p.path)).toEqual(['a', 'b']);
    expect((caught as InvalidPatternError).message).toContain('b: Empty arrays are not allowed');
  });
});
