import { describe, expect, it } from 'vitest';
import { compilePattern, testEventPattern } from '../../lib/patterns/index.js';

describe('testEventPattern: answers', () => {
  it('answers MATCH', () => {
    // Prepare
    const pattern = '{"source": ["aws.ec2"], "detail": {"state": ["running"]}}';
    const event = '{"source": "aws.ec2", "detail": {"state": "running"}}';

    // Act
    const answer = testEventPattern(pattern, event);

    // Assess
    expect(answer).toEqual({ result: 'MATCH' });
  });

  it('answers NO_MATCH', () => {
    // Prepare
    const pattern = '{"source": ["aws.ec2"]}';
    const event = '{"source": "aws.s3"}';

    // Act
    const answer = testEventPattern(pattern, event);

    // Assess
    expect(answer).toEqual({ result: 'NO_MATCH' });
  });

  it('answers INVALID with every problem and its path', () => {
    // Prepare
    const pattern = '{"source": "aws.ec2", "detail": {"size": [{"numeric": [">", "1"]}]}}';

    // Act
    const answer = testEventPattern(pattern, '{}');

    // Assess
    expect(answer).toEqual({
      result: 'INVALID',
      reason:
        'source: "source" must be an object or an array: wrap match values in an array, e.g. ["value"]; ' +
        'detail.size[0].numeric[1]: Value of > must be numeric',
    });
  });

  it('answers INVALID for pattern text that is not JSON', () => {
    // Prepare
    const pattern = '{"source": ["aws.ec2"],}';

    // Act
    const answer = testEventPattern(pattern, '{}');

    // Assess
    expect(answer).toMatchObject({ result: 'INVALID', reason: expect.stringContaining('not valid JSON') });
  });

  it('answers UNREADABLE for event text that is not JSON', () => {
    // Prepare
    const event = "{'source': 'aws.ec2'}";

    // Act
    const answer = testEventPattern('{"source": ["aws.ec2"]}', event);

    // Assess
    expect(answer).toMatchObject({ result: 'UNREADABLE', what: 'event' });
  });

  it('answers UNREADABLE for an event that is not an object', () => {
    // Prepare
    const event = '["aws.ec2"]';

    // Act
    const answer = testEventPattern('{"source": ["aws.ec2"]}', event);

    // Assess
    expect(answer).toEqual({ result: 'UNREADABLE', what: 'event', reason: 'Event must be a JSON object' });
  });

  it('judges the pattern before reading the event', () => {
    // Prepare
    const pattern = '{"source": []}';

    // Act
    const answer = testEventPattern(pattern, 'not json');

    // Assess
    expect(answer.result).toBe('INVALID');
  });
});

describe('testEventPattern: what JSON text carries', () => {
  it('uses the last of repeated keys', () => {
    // Prepare
    const pattern =
      '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}';

    // Act
    const answer = testEventPattern(pattern, '{"detail": {"location": "eu-central-1"}}');

    // Assess
    expect(answer.result).toBe('MATCH');
  });

  it('still rejects an invalid earlier occurrence of a repeated key', () => {
    // Prepare
    const pattern = '{"a": [{"prefix": 1}], "a": ["x"]}';

    // Act
    const answer = testEventPattern(pattern, '{"a": "x"}');

    // Assess
    expect(answer).toEqual({
      result: 'INVALID',
      reason: 'a[0].prefix: prefix match pattern must be a string',
    });
  });

  it('applies repeated keys in document order around $or', () => {
    // Prepare: the last "a" overrides the one inside the $or branch, so {"a": "2"} no longer matches.
    const pattern = '{"a": ["1"], "$or": [{"a": ["2"]}, {"b": ["3"]}], "a": ["4"]}';

    // Act
    const answers = [
      testEventPattern(pattern, '{"a": "2"}'),
      testEventPattern(pattern, '{"a": "4", "b": "3"}'),
    ];

    // Assess
    expect(answers.map((a) => a.result)).toEqual(['NO_MATCH', 'MATCH']);
  });

  it('keeps integers beyond 2^53 distinct', () => {
    // Prepare
    const pattern = '{"id": [12345678901234567890]}';

    // Act
    const same = testEventPattern(pattern, '{"id": 12345678901234567890}');
    const other = testEventPattern(pattern, '{"id": 12345678901234567891}');

    // Assess
    expect([same.result, other.result]).toEqual(['MATCH', 'NO_MATCH']);
  });

  it('compares numbers beyond the numeric range by their literal text', () => {
    // Prepare
    const pattern = '{"ts": [1e12]}';

    // Act
    const answers = [
      testEventPattern(pattern, '{"ts": 1e12}'),
      testEventPattern(pattern, '{"ts": 1000000000000}'),
    ];

    // Assess
    expect(answers.map((a) => a.result)).toEqual(['MATCH', 'NO_MATCH']);
  });

  it('compares numbers in the numeric range by value', () => {
    // Prepare
    const pattern = '{"n": [300], "m": [{"numeric": ["=", 0.1234560]}]}';

    // Act
    const answer = testEventPattern(pattern, '{"n": 3.0e2, "m": 0.12345600}');

    // Assess
    expect(answer.result).toBe('MATCH');
  });

  it('refuses a numeric operand with more than six significant decimals', () => {
    // Prepare
    const pattern = '{"m": [{"numeric": ["<", 0.12345678]}]}';

    // Act
    const answer = testEventPattern(pattern, '{"m": 0}');

    // Assess
    expect(answer).toEqual({
      result: 'INVALID',
      reason: 'm[0].numeric[1]: Only values upto 6 decimals are supported',
    });
  });

  it('reads escapes in strings', () => {
    // Prepare
    const pattern = '{"name": ["caf\\u00e9 \\"x\\""]}';

    // Act
    const answer = testEventPattern(pattern, '{"name": "café \\"x\\""}');

    // Assess
    expect(answer.result).toBe('MATCH');
  });

  it('uses the last of repeated keys in the event', () => {
    // Prepare
    const event = '{"a": "x", "a": "y"}';

    // Act
    const answers = [testEventPattern('{"a": ["x"]}', event), testEventPattern('{"a": ["y"]}', event)];

    // Assess
    expect(answers.map((a) => a.result)).toEqual(['NO_MATCH', 'MATCH']);
  });

  it('agrees with the object API when the text holds nothing JSON.parse loses', () => {
    // Prepare
    const pattern = { detail: { $or: [{ size: [{ numeric: ['>', 10] }] }, { kind: [{ prefix: 'big' }] }] } };
    const events = [
      { detail: { size: 11 } },
      { detail: { kind: 'bigger' } },
      { detail: { size: 1, kind: 'small' } },
    ];

    // Act
    const fromText = events.map((e) => testEventPattern(JSON.stringify(pattern), JSON.stringify(e)).result);
    const fromObjects = events.map((e) => (compilePattern(pattern).matches(e) ? 'MATCH' : 'NO_MATCH'));

    // Assess
    expect(fromText).toEqual(['MATCH', 'MATCH', 'NO_MATCH']);
    expect(fromObjects).toEqual(fromText);
  });
});
