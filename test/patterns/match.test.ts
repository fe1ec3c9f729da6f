import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError, matchesPattern } from '../../lib/patterns/index.js';

type Row = [description: string, pattern: unknown, event: unknown, expected: boolean];

function runTable(rows: Row[]): void {
  it.each(rows)('%s', (_description, pattern, event, expected) => {
    // Prepare
    const compiled = compilePattern(pattern);

    // Act
    const result = compiled.matches(event);

    // Assess
    expect(result).toBe(expected);
  });
}

describe('exact values', () => {
  runTable([
    ['equal strings match', { a: ['x'] }, { a: 'x' }, true],
    ['strings are case sensitive', { a: ['x'] }, { a: 'X' }, false],
    ['strings are not normalized', { a: ['é'] }, { a: 'e\u0301' }, false],
    ['one of several values', { a: ['x', 'y'] }, { a: 'y' }, true],
    ['empty string', { a: [''] }, { a: '' }, true],
    ['empty string is not null', { a: [''] }, { a: null }, false],
    ['numbers compare as numbers', { a: [300] }, { a: 300.0 }, true],
    ['a number is not its string', { a: [300] }, { a: '300' }, false],
    ['a string is not its number', { a: ['300'] }, { a: 300 }, false],
    ['numbers beyond numeric range compare by literal', { a: [12345678901] }, { a: 12345678901 }, true],
    ['booleans', { a: [false] }, { a: false }, true],
    ['boolean is not its string', { a: [true] }, { a: 'true' }, false],
    ['null', { a: [null] }, { a: null }, true],
    ['null is not the string "null"', { a: [null] }, { a: 'null' }, false],
    ['null does not match a missing field', { a: [null] }, {}, false],
    ['missing field', { a: ['x'] }, { b: 'x' }, false],
    ['keys are case sensitive', { A: ['x'] }, { a: 'x' }, false],
    ['an object is not a leaf value', { a: ['x'] }, { a: { b: 'x' } }, false],
    ['a JSON string is not parsed', { a: { b: ['x'] } }, { a: '{"b": "x"}' }, false],
  ]);
});

describe('structure: arrays, nesting, AND/OR', () => {
  runTable([
    ['any element of an event array', { a: ['x'] }, { a: ['y', 'x'] }, true],
    ['no element of an event array', { a: ['x'] }, { a: ['y', 'z'] }, false],
    ['an empty event array has no values', { a: ['x'] }, { a: [] }, false],
    ['nested arrays are crushed', { a: ['x'] }, { a: [['y'], ['x']] }, true],
    ['objects inside arrays', { a: { b: ['x'] } }, { a: [{ b: 'y' }, { b: 'x' }] }, true],
    ['all fields must match (AND)', { a: ['x'], b: ['y'] }, { a: 'x', b: 'z' }, false],
    ['all fields matching', { a: ['x'], b: ['y'] }, { a: 'x', b: 'y' }, true],
    ['nested pattern against dotted event key', { a: { b: ['x'] } }, { 'a.b': 'x' }, true],
    ['dotted pattern key against nested event', { 'a.b': ['x'] }, { a: { b: 'x' } }, true],
    ['dotted and nested keys join with dots only', { 'a.b': { c: ['x'] } }, { a: { b: 'x' } }, false],
    [
      'fields from one array element match together',
      { e: { first: ['Anna'], last: ['Smith'] } },
      {
        e: [
          { first: 'John', last: 'Doe' },
          { first: 'Anna', last: 'Smith' },
        ],
      },
      true,
    ],
    [
      'fields from different elements of one array do not combine',
      { e: { first: ['Anna'], last: ['Doe'] } },
      {
        e: [
          { first: 'John', last: 'Doe' },
          { first: 'Anna', last: 'Smith' },
        ],
      },
      false,
    ],
    [
      'fields in different arrays combine freely',
      { a: { x: ['1'] }, b: { y: ['2'] } },
      { a: [{ x: '0' }, { x: '1' }], b: [{ y: '2' }, { y: '3' }] },
      true,
    ],
  ]);
});

describe('prefix and suffix', () => {
  runTable([
    ['prefix', { a: [{ prefix: 'us-' }] }, { a: 'us-east-1' }, true],
    ['prefix is case sensitive', { a: [{ prefix: 'us-' }] }, { a: 'US-east-1' }, false],
    ['empty prefix matches any string', { a: [{ prefix: '' }] }, { a: 'anything' }, true],
    ['prefix never matches numbers', { a: [{ prefix: '1' }] }, { a: 12 }, false],
    ['prefix never matches null', { a: [{ prefix: 'n' }] }, { a: null }, false],
    [
      'prefix ignoring case',
      { a: [{ prefix: { 'equals-ignore-case': 'EventB' } }] },
      { a: 'eVENTbridge' },
      true,
    ],
    [
      'prefix ignoring case, other text',
      { a: [{ prefix: { 'equals-ignore-case': 'EventB' } }] },
      { a: 'Events' },
      false,
    ],
    ['suffix', { a: [{ suffix: '.png' }] }, { a: 'image.png' }, true],
    ['suffix is case sensitive', { a: [{ suffix: '.png' }] }, { a: 'image.PNG' }, false],
    ['empty suffix matches any string', { a: [{ suffix: '' }] }, { a: '' }, true],
    ['suffix ignoring case', { a: [{ suffix: { 'equals-ignore-case': '.png' } }] }, { a: 'image.PnG' }, true],
    [
      'suffix ignoring case, other text',
      { a: [{ suffix: { 'equals-ignore-case': '.png' } }] },
      { a: 'image.jpg' },
      false,
    ],
  ]);
});

describe('equals-ignore-case', () => {
  runTable([
    ['ASCII letters', { a: [{ 'equals-ignore-case': 'alice' }] }, { a: 'ALICE' }, true],
    ['whole value only', { a: [{ 'equals-ignore-case': 'alice' }] }, { a: 'alice!' }, false],
    ['accented letters', { a: [{ 'equals-ignore-case': 'école' }] }, { a: 'ÉCOLE' }, true],
    ['full case mapping: ß matches SS', { a: [{ 'equals-ignore-case': 'straße' }] }, { a: 'STRASSE' }, true],
    [
      'each character lower or upper: ß does not match Ss',
      { a: [{ 'equals-ignore-case': 'ß' }] },
      { a: 'Ss' },
      false,
    ],
    ['Kelvin sign is not ASCII K', { a: [{ 'equals-ignore-case': 'k' }] }, { a: '\u212a' }, false],
    ['empty value', { a: [{ 'equals-ignore-case': '' }] }, { a: '' }, true],
    ['never numbers', { a: [{ 'equals-ignore-case': '1' }] }, { a: 1 }, false],
  ]);
});

describe('wildcard', () => {
  runTable([
    ['star in the middle', { a: [{ wildcard: 'arn:*:bus/*' }] }, { a: 'arn:aws:events:bus/main' }, true],
    [
      'star spans separators',
      { a: [{ wildcard: '/Users/*/doc.txt' }] },
      { a: '/Users/me/a/b/doc.txt' },
      true,
    ],
    [
      'literal tail must match',
      { a: [{ wildcard: '/Users/*/doc.txt' }] },
      { a: '/Users/me/notdoc.txt' },
      false,
    ],
    ['star matches nothing', { a: [{ wildcard: 'a*b' }] }, { a: 'ab' }, true],
    ['no star is an exact match', { a: [{ wildcard: 'ab' }] }, { a: 'abc' }, false],
    ['empty wildcard matches only the empty string', { a: [{ wildcard: '' }] }, { a: 'x' }, false],
    ['escaped star is literal', { a: [{ wildcard: 'a\\*b' }] }, { a: 'a*b' }, true],
    ['escaped star is not a wildcard', { a: [{ wildcard: 'a\\*b' }] }, { a: 'axb' }, false],
    ['escaped backslash', { a: [{ wildcard: 'a\\\\*' }] }, { a: 'a\\xyz' }, true],
    ['never numbers', { a: [{ wildcard: '*' }] }, { a: 5 }, false],
  ]);
});

describe('anything-but', () => {
  runTable([
    ['another string', { a: [{ 'anything-but': 'x' }] }, { a: 'y' }, true],
    ['the excluded string', { a: [{ 'anything-but': 'x' }] }, { a: 'x' }, false],
    ['a missing field never matches', { a: [{ 'anything-but': 'x' }] }, {}, false],
    ['null is anything but a string', { a: [{ 'anything-but': 'x' }] }, { a: null }, true],
    ['a number is anything but a string', { a: [{ 'anything-but': '1' }] }, { a: 1 }, true],
    ['excluded number in another spelling', { a: [{ 'anything-but': [100, 200] }] }, { a: 100.0 }, false],
    ['a string is anything but a number', { a: [{ 'anything-but': [100] }] }, { a: '100' }, true],
    ['excluded zero', { a: [{ 'anything-but': 0 }] }, { a: 0 }, false],
    [
      'one non-excluded element of an array is enough',
      { a: [{ 'anything-but': 'x' }] },
      { a: ['x', 'y'] },
      true,
    ],
    ['an empty array has no values', { a: [{ 'anything-but': 'x' }] }, { a: [] }, false],
    ['prefix', { a: [{ 'anything-but': { prefix: 'init' } }] }, { a: 'post-init' }, true],
    ['excluded prefix', { a: [{ 'anything-but': { prefix: 'init' } }] }, { a: 'initial' }, false],
    ['prefix list', { a: [{ 'anything-but': { prefix: ['a', 'b'] } }] }, { a: 'bc' }, false],
    ['suffix', { a: [{ 'anything-but': { suffix: '.txt' } }] }, { a: 'f.txt.bak' }, true],
    ['excluded suffix', { a: [{ 'anything-but': { suffix: ['.txt', '.md'] } }] }, { a: 'f.md' }, false],
    ['ignoring case', { a: [{ 'anything-but': { 'equals-ignore-case': 'init' } }] }, { a: 'INIT' }, false],
    [
      'ignoring case, other value',
      { a: [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }] },
      { a: 'C' },
      true,
    ],
    ['wildcard', { a: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { a: 'src/lib/x' }, false],
    ['wildcard, other value', { a: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { a: 'src/bin/x' }, true],
    ['empty wildcard excludes only ""', { a: [{ 'anything-but': { wildcard: '' } }] }, { a: 'x' }, true],
  ]);
});

describe('numeric', () => {
  runTable([
    ['greater than', { a: [{ numeric: ['>', 100] }] }, { a: 101 }, true],
    ['greater than is open', { a: [{ numeric: ['>', 100] }] }, { a: 100 }, false],
    ['at least is closed', { a: [{ numeric: ['>=', 100] }] }, { a: 100 }, true],
    ['less than', { a: [{ numeric: ['<', 0] }] }, { a: -0.5 }, true],
    ['at most', { a: [{ numeric: ['<=', 5] }] }, { a: 5.000001 }, false],
    ['range', { a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 5 }, true],
    ['outside range', { a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 0 }, false],
    ['equals in another spelling', { a: [{ numeric: ['=', 301.8] }] }, { a: 3.018e2 }, true],
    ['int against float bound', { a: [{ numeric: ['>', 100] }] }, { a: 101.0 }, true],
    ['exact decimal arithmetic', { a: [{ numeric: ['=', 0.3] }] }, { a: 0.1 + 0.2 }, false],
    ['strings are not numbers', { a: [{ numeric: ['>', 100] }] }, { a: '300' }, false],
    ['null is not a number', { a: [{ numeric: ['>', 100] }] }, { a: null }, false],
    ['beyond 5e9 is not comparable', { a: [{ numeric: ['>', 0] }] }, { a: 6e9 }, false],
    ['exactly 5e9 is comparable', { a: [{ numeric: ['>', 0] }] }, { a: 5e9 }, true],
    ['more than six decimals is not comparable', { a: [{ numeric: ['>', 0] }] }, { a: 0.1234567 }, false],
    ['any element of an array', { a: [{ numeric: ['>', 10] }] }, { a: [1, 20] }, true],
  ]);
});

describe('exists', () => {
  runTable([
    ['present leaf', { a: [{ exists: true }] }, { a: 'x' }, true],
    ['null is present', { a: [{ exists: true }] }, { a: null }, true],
    ['absent leaf', { a: [{ exists: true }] }, { b: 1 }, false],
    ['an object is not a leaf', { a: [{ exists: true }] }, { a: { b: 1 } }, false],
    ['an empty array has no values', { a: [{ exists: true }] }, { a: [] }, false],
    [
      'leaf inside an array of objects',
      { a: { id: [{ exists: true }] } },
      { a: [{ x: 1 }, { id: 2 }] },
      true,
    ],
    ['does not exist', { a: [{ exists: false }] }, { b: 1 }, true],
    ['does not exist, but it does', { a: [{ exists: false }] }, { a: 'x' }, false],
    ['does not exist: objects are not leaves', { a: [{ exists: false }] }, { a: { b: 1 } }, true],
    ['does not exist: empty array', { a: [{ exists: false }] }, { a: [] }, true],
    ['absent, or something else (OR)', { a: [{ 'anything-but': 'x' }, { exists: false }] }, {}, true],
    [
      'absence is judged within the array element already used',
      { e: { first: ['Anna'], last: [{ exists: false }] } },
      { e: [{ first: 'John', last: 'Doe' }, { first: 'Anna' }] },
      true,
    ],
    [
      'absence sees the element already used',
      { e: { first: ['Anna'], last: [{ exists: false }] } },
      { e: [{ first: 'Anna', last: 'Smith' }, { first: 'John' }] },
      false,
    ],
  ]);
});

describe('IP addresses', () => {
  runTable([
    ['IPv4 in CIDR', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.255' }, true],
    ['IPv4 outside CIDR', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.0' }, false],
    ['not an address', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.256' }, false],
    ['numbers are not addresses', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 10 }, false],
    [
      'IPv6 in CIDR',
      { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] },
      { ip: '2001:0db8:1234:1a00:0:0:0:1' },
      true,
    ],
    [
      'IPv6 outside CIDR',
      { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] },
      { ip: '2001:db8:1234:1a01::' },
      false,
    ],
    ['IPv4-mapped IPv6 is IPv4', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '::ffff:a00:1' }, true],
    ['families do not mix', { ip: [{ cidr: '::/0' }] }, { ip: '10.0.0.1' }, false],
    [
      'the range starts at the address as written',
      { ip: [{ cidr: '10.0.0.5/24' }] },
      { ip: '10.0.0.4' },
      false,
    ],
    [
      'an exact IP string matches other spellings',
      { ip: ['2001:db8::1'] },
      { ip: '2001:DB8:0:0:0:0:0:1' },
      true,
    ],
    ['an exact IP string matches itself', { ip: ['10.0.0.1'] }, { ip: '10.0.0.1' }, true],
    // The engine reads a field's values as numbers when it has a numeric condition, and only otherwise as IPs.
    [
      'an IP string beside a number in one field matches nothing',
      { ip: ['10.0.0.1', 5] },
      { ip: '10.0.0.1' },
      false,
    ],
  ]);
});

describe('$or', () => {
  runTable([
    ['first branch', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { a: '1' }, true],
    ['second branch', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' }, true],
    ['no branch', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { c: '3' }, false],
    [
      'AND with the fields around it',
      { s: ['x'], $or: [{ a: ['1'] }, { b: ['2'] }] },
      { a: '1', s: 'y' },
      false,
    ],
    ['nested under a key', { d: { $or: [{ a: ['1'] }, { b: ['2'] }] } }, { d: { b: '2' } }, true],
    [
      'nested $or',
      { $or: [{ a: ['1'] }, { b: ['2'], $or: [{ c: ['3'] }, { d: ['4'] }] }] },
      { b: '2', d: '4' },
      true,
    ],
    [
      'a branch overrides an earlier field',
      { a: ['1'], $or: [{ a: ['2'] }, { b: ['3'] }] },
      { a: '2' },
      true,
    ],
    [
      'a later field overrides every branch',
      { $or: [{ a: ['2'] }, { b: ['3'] }], a: ['1'] },
      { a: '2' },
      false,
    ],
    ['"$or" that is not a valid $or is an ordinary field', { $or: { a: ['x'] } }, { $or: { a: 'x' } }, true],
  ]);
});

describe('compilePattern and matchesPattern', () => {
  it('never matches an event that is not an object', () => {
    // Prepare
    const compiled = compilePattern({ a: [{ exists: false }] });

    // Act
    const results = [compiled.matches([]), compiled.matches('x'), compiled.matches(null)];

    // Assess
    expect(results).toEqual([false, false, false]);
  });

  it('matches with a one-off call', () => {
    // Prepare
    const pattern = { source: ['aws.ec2'], detail: { state: ['running'] } };

    // Act
    const result = matchesPattern(pattern, { source: 'aws.ec2', detail: { state: 'running' } });

    // Assess
    expect(result).toBe(true);
  });

  it('refuses an invalid pattern instead of guessing', () => {
    // Prepare
    const pattern = { source: 'aws.ec2' };

    // Act
    const call = () => matchesPattern(pattern, { source: 'aws.ec2' });

    // Assess
    expect(call).toThrow(InvalidPatternError);
  });

  it('treats data like its JSON text (undefined members dropped, toJSON honoured)', () => {
    // Prepare
    const compiled = compilePattern({ a: [{ exists: false }], t: [{ prefix: '2024-' }] });

    // Act
    const result = compiled.matches({ a: undefined, t: new Date('2024-05-01T00:00:00Z') });

    // Assess
    expect(result).toBe(true);
  });
});
