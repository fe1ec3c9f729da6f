import { describe, expect, it } from 'vitest';
import { createDetailValidator } from '../../lib/model/detail-validator.js';
import { durationInWords, formatDuration, parseDuration } from '../../lib/model/duration.js';
import { EntityExtractionError, extractEntity, normaliseVersion } from '../../lib/model/entity.js';
import { applyMapping, MappingError } from '../../lib/model/mapping.js';
import { REDACTED, redact } from '../../lib/model/redact.js';

describe('durations', () => {
  it.each([
    [90, 90],
    ['90s', 90],
    ['15m', 900],
    ['6h', 21_600],
    ['30d', 2_592_000],
  ])('parses %s as %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each([['15 minutes'], ['1.5h'], [-1], ['m'], [null]])('rejects %s', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it('formats seconds for operators and for support', () => {
    expect(formatDuration(5400)).toBe('1h 30m');
    expect(formatDuration(45)).toBe('45s');
    expect(durationInWords(900)).toBe('15 minutes');
    expect(durationInWords(86_400)).toBe('1 day');
  });
});

describe('entity extraction', () => {
  const spec = { type: 'customer', id: 'detail.customerId', version: 'detail.version' };

  it('reads numeric and timestamp versions into comparable numbers', () => {
    expect(extractEntity(spec, { detail: { customerId: '42', version: 7 } })).toEqual({
      type: 'customer',
      id: '42',
      version: 7,
    });
    expect(
      extractEntity(spec, { detail: { customerId: 42, version: '2026-11-30T09:15:00.250Z' } }).version,
    ).toBe(Date.parse('2026-11-30T09:15:00.250Z'));
  });

  it.each([
    [{ detail: { version: 1 } }, 'entity id'],
    [{ detail: { customerId: '', version: 1 } }, 'entity id'],
    [{ detail: { customerId: '42' } }, 'entity version'],
    [{ detail: { customerId: '42', version: 'yesterday' } }, 'entity version'],
    [{ detail: { customerId: { nested: true }, version: 1 } }, 'entity id'],
  ])('refuses %j with a message naming the %s expression', (event, what) => {
    expect(() => extractEntity(spec, event)).toThrow(EntityExtractionError);
    expect(() => extractEntity(spec, event)).toThrow(what);
  });

  it('never puts the value in the message', () => {
    try {
      extractEntity(spec, { detail: { customerId: '42', version: 'secret@example.com' } });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('secret@example.com');
    }
  });

  it('orders timestamps with offsets correctly', () => {
    expect(normaliseVersion('2026-11-30T10:00:00+01:00')).toBeLessThan(
      normaliseVersion('2026-11-30T09:30:00Z') ?? 0,
    );
  });
});

describe('body mappings', () => {
  it('builds nested bodies and sends missing fields as null', () => {
    const body = applyMapping(
      { id: 'detail.id', last: { status: 'detail.status', gone: 'detail.nope' } },
      { detail: { id: 'x', status: 'paid' } },
    );
    expect(body).toEqual({ id: 'x', last: { status: 'paid', gone: null } });
  });

  it('names the field whose expression cannot be applied', () => {
    expect(() => applyMapping({ n: 'length(detail.count)' }, { detail: { count: 3 } })).toThrow(MappingError);
    expect(() => applyMapping({ n: 'length(detail.count)' }, { detail: { count: 3 } })).toThrow(
      'mapping field n',
    );
  });
});

describe('redaction', () => {
  it('replaces declared paths, including every array element, and leaves the input alone', () => {
    const event = {
      detail: { email: 'a@example.com', contacts: [{ phone: '1' }, { phone: '2' }], keep: 'yes' },
    };
    const redacted = redact(event, ['detail.email', 'detail.contacts[*].phone', 'detail.absent']);
    expect(redacted).toEqual({
      detail: { email: REDACTED, contacts: [{ phone: REDACTED }, { phone: REDACTED }], keep: 'yes' },
    });
    expect(event.detail.email).toBe('a@example.com');
  });
});

describe('detail validation', () => {
  const validator = createDetailValidator({
    type: 'object',
    required: ['customerId', 'email'],
    properties: {
      customerId: { type: 'string' },
      email: { type: 'string', format: 'email' },
      seats: { type: 'integer' },
    },
  });

  it('accepts a valid detail', () => {
    expect(validator.validate({ customerId: '42', email: 'a@example.com', seats: 3 })).toEqual([]);
  });

  it('says what is wrong and where, without echoing values', () => {
    const violations = validator.validate({ email: 'ada-lovelace-at-example', seats: 'many' });
    const text = JSON.stringify(violations);
    expect(violations.map((v) => v.path)).toEqual(
      expect.arrayContaining(['detail', 'detail.email', 'detail.seats']),
    );
    expect(text).toContain('customerId');
    expect(text).not.toContain('ada-lovelace-at-example');
    expect(text).not.toContain('many');
  });
});
