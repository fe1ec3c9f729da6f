import { describe, expect, it } from 'vitest';
import { ipToHex, parseCidr } from '../../lib/patterns/cidr.js';
import { caseChoices, endsWithIgnoringCase, equalsIgnoringCase } from '../../lib/patterns/ignore-case.js';
import { JsonSyntaxError, parseJsonText, toJsonNode } from '../../lib/patterns/json.js';
import { toComparable } from '../../lib/patterns/numbers.js';
import {
  matchesWildcard,
  parseWildcard,
  type Wildcard,
  wildcardComplexity,
} from '../../lib/patterns/wildcard.js';

describe('parseJsonText', () => {
  it('keeps member order, repeated keys and number literals', () => {
    // Prepare
    const text = '{"b": 1.50, "a": [true, null], "b": 2e3}';

    // Act
    const node = parseJsonText(text);

    // Assess
    expect(node).toEqual({
      type: 'object',
      entries: [
        ['b', { type: 'number', literal: '1.50' }],
        ['a', { type: 'array', items: [{ type: 'boolean', value: true }, { type: 'null' }] }],
        ['b', { type: 'number', literal: '2e3' }],
      ],
    });
  });

  it.each([
    ['a trailing comma', '[1,]'],
    ['a leading zero', '01'],
    ['single quotes', "{'a': 1}"],
    ['NaN', 'NaN'],
    ['a comment', '{} // x'],
    ['two values', '{} {}'],
    ['a raw control character', '"a\u0001"'],
    ['nothing', '   '],
  ])('rejects %s', (_name, text) => {
    // Prepare
    const input = text;

    // Act
    const parse = () => parseJsonText(input);

    // Assess
    expect(parse).toThrow(JsonSyntaxError);
  });

  it('converts data like JSON.stringify does', () => {
    // Prepare
    const data = { a: undefined, b: [undefined, Number.NaN, -0], c: 10n ** 20n };

    // Act
    const node = toJsonNode(data);

    // Assess
    expect(node).toEqual({
      type: 'object',
      entries: [
        [
          'b',
          { type: 'array', items: [{ type: 'null' }, { type: 'null' }, { type: 'number', literal: '0' }] },
        ],
        ['c', { type: 'number', literal: '100000000000000000000' }],
      ],
    });
  });
});

describe('toComparable', () => {
  it.each([
    ['300', 300_000_000n],
    ['3.0e2', 300_000_000n],
    ['-0.000001', -1n],
    ['0.1234560', 123_456n],
    ['5e9', 5_000_000_000_000_000n],
    ['-5000000000', -5_000_000_000_000_000n],
    ['-0', 0n],
    ['1234567e-6', 1_234_567n],
  ])('reads %s exactly', (literal, scaled) => {
    // Prepare
    const input = literal;

    // Act
    const result = toComparable(input);

    // Assess
    expect(result).toEqual({ ok: true, scaled });
  });

  it.each([
    ['0.1234567', 'Only values upto 6 decimals are supported'],
    ['5000000000.000001', 'Value must be between -5.0E9 and 5.0E9, inclusive'],
    ['1e999999999', 'Value must be between -5.0E9 and 5.0E9, inclusive'],
    ['1e-999999999', 'Only values upto 6 decimals are supported'],
  ])('refuses %s', (literal, reason) => {
    // Prepare
    const input = literal;

    // Act
    const result = toComparable(input);

    // Assess
    expect(result).toEqual({ ok: false, reason });
  });
});

describe('IP addresses', () => {
  it.each([
    ['10.0.0.1', '0A000001'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:DB8::', '20010DB8000000000000000000000000'],
    ['::ffff:a00:1', '0A000001'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
  ])('reads %s', (text, hex) => {
    // Prepare
    const input = text;

    // Act
    const result = ipToHex(input);

    // Assess
    expect(result).toBe(hex);
  });

  it.each([
    ['10.0.0'],
    ['10.0.0.256'],
    ['010.0.0.1'],
    ['1:2:3:4:5:6:7:8:9'],
    ['1::2::3'],
    [':1::'],
    ['host'],
    ['::ffff:1.2.3.4'],
  ])('refuses %s', (text) => {
    // Prepare
    const input = text;

    // Act
    const result = ipToHex(input);

    // Assess
    expect(result).toBeUndefined();
  });

  it('keeps the written address as the start of a CIDR range', () => {
    // Prepare
    const cidr = '10.0.0.5/24';

    // Act
    const result = parseCidr(cidr);

    // Assess
    expect(result).toEqual({ ok: true, range: { bottom: '0A000005', top: '0A0000FF' } });
  });

  it('accepts a trailing slash the way Java splits strings', () => {
    // Prepare
    const cidr = '10.0.0.0/8/';

    // Act
    const result = parseCidr(cidr);

    // Assess
    expect(result).toEqual({ ok: true, range: { bottom: '0A000000', top: '0AFFFFFF' } });
  });
});

describe('case-insensitive spelling', () => {
  it('offers the lower and upper case of each character', () => {
    // Prepare
    const text = 'aß1';

    // Act
    const choices = caseChoices(text);

    // Assess
    expect(choices).toEqual([['a', 'A'], ['ß', 'SS'], ['1']]);
  });

  it('matches spellings of different lengths at the end of a value', () => {
    // Prepare
    const choices = caseChoices('ße"');

    // Act
    const results = [endsWithIgnoringCase(choices, '"GROSSE"'), endsWithIgnoringCase(choices, '"GROSE"')];

    // Assess
    expect(results).toEqual([true, false]);
  });

  it('does not fold the event value', () => {
    // Prepare
    const choices = caseChoices('ǅ');

    // Act
    const results = [
      equalsIgnoringCase(choices, 'ǆ'),
      equalsIgnoringCase(choices, 'Ǆ'),
      equalsIgnoringCase(choices, 'ǅ'),
    ];

    // Assess
    expect(results).toEqual([true, true, false]);
  });
});

describe('wildcards', () => {
  function wildcard(value: string): Wildcard {
    const parsed = parseWildcard(value);
    if (!parsed.ok) {
      throw new Error(parsed.reason);
    }
    return parsed.wildcard;
  }

  it('matches the quoted value as a whole', () => {
    // Prepare
    const w = wildcard('a*c*e');

    // Act
    const results = ['"abcde"', '"ace"', '"acex"', '"xace"'].map((text) => matchesWildcard(w, text));

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });

  it('reports byte positions in the quoted value', () => {
    // Prepare
    const value = 'é**';

    // Act
    const parsed = parseWildcard(value);

    // Assess
    expect(parsed).toMatchObject({ ok: false, reason: expect.stringContaining('at pos 3') });
  });

  // Expected values are those of aws/event-ruler's MachineComplexityEvaluatorTest (unquoted patterns).
  it.each([
    [['*'], 1],
    [['*aa'], 3],
    [['a*bb'], 3],
    [['*ab*ad'], 4],
    [['a*b*bb'], 5],
    [['*ab*b*b*'], 7],
    [['*a*a*a*a*a*a*a*a*'], 17],
    [['*abc', '*abcde'], 4],
    [['a*aaa', 'aa*aa'], 7],
    [['ab*cd', 'ab*wx', 'ab*yz'], 6],
    [['F*eatureFeature', 'Fe*atureFeature', 'Fea*tureFeature'], 10],
  ])('measures complexity of %j as %i', (patterns, expected) => {
    // Prepare
    const groups = patterns.map((p) => [{ segments: p.split('*') }]);

    // Act
    const complexity = wildcardComplexity(groups, 1000);

    // Assess
    expect(complexity).toBe(expected);
  });

  it('measures a quoted rule value like the engine does', () => {
    // Prepare: event-ruler's nested-machine test expects 11 for this rule value.
    const groups = [[wildcard('a*a*a*a*a*a*')]];

    // Act
    const complexity = wildcardComplexity(groups, 1000);

    // Assess
    expect(complexity).toBe(11);
  });
});
