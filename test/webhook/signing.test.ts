import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookSignature } from '../../lib/model/types.js';
import { DELIVERY_ID_PATTERN, deliveryIdHeader } from '../../lib/webhooks/delivery-id.js';
import { checkSecret, sign, verify, WebhookSigningError } from '../../lib/webhooks/signing.js';

const NOW = new Date('2026-11-30T10:00:00Z');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const at = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000);
const BODY = Buffer.from('{"type":"ticket.solved","data":{"ticketId":9001,"subject":"Café ☕"}}', 'utf8');

const HMAC_HEX: WebhookSignature = {
  scheme: 'hmac-sha256',
  header: 'x-hub-signature-256',
  encoding: 'hex',
  prefix: 'sha256=',
};
const HMAC_B64: WebhookSignature = {
  scheme: 'hmac-sha256',
  header: 'x-helpdesk-signature',
  encoding: 'base64',
  prefix: '',
};
const STRIPE: WebhookSignature = { scheme: 'stripe', header: 'stripe-signature', toleranceSeconds: 300 };
const STANDARD: WebhookSignature = { scheme: 'standard-webhooks', toleranceSeconds: 300 };

const SECRETS = {
  'hmac-sha256': ['helpdesk-old-secret', 'helpdesk-new-secret'],
  stripe: ['whsec_oldStripeSecret', 'whsec_newStripeSecret'],
  'standard-webhooks': [
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    'whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24tdGVzdA==',
  ],
} as const;

function signed(signature: WebhookSignature, secret: string, body: Buffer = BODY, when = NOW, id = 'msg_1') {
  return { body, headers: sign(signature, secret, { body, id }, when) };
}

describe.each([
  ['hmac-sha256 (hex, prefix)', HMAC_HEX],
  ['hmac-sha256 (base64)', HMAC_B64],
  ['stripe', STRIPE],
  ['standard-webhooks', STANDARD],
] as const)('%s', (_name, signature) => {
  const [oldSecret, newSecret] = SECRETS[signature.scheme];

  it('accepts a request signed with the secret', () => {
    // Prepare
    const request = signed(signature, oldSecret);

    // Act
    const result = verify(signature, [oldSecret], request, NOW);

    // Assess
    expect(result).toEqual({ ok: true });
  });

  it('refuses a request signed with another secret', () => {
    const request = signed(signature, 'whsec_c29tZW9uZS1lbHNlcy1zZWNyZXQtMTIzNDU2');

    const result = verify(signature, [oldSecret], request, NOW);

    expect(result).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('refuses a body changed after signing, even by one byte', () => {
    const request = signed(signature, oldSecret);
    const tampered = Buffer.from(request.body);
    tampered[tampered.length - 2] = 0x20;

    const result = verify(signature, [oldSecret], { ...request, body: tampered }, NOW);

    expect(result).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('accepts either secret while two are configured (rotation), and neither once removed', () => {
    const byOld = signed(signature, oldSecret);
    const byNew = signed(signature, newSecret);

    const results = [
      verify(signature, [oldSecret, newSecret], byOld, NOW),
      verify(signature, [oldSecret, newSecret], byNew, NOW),
      verify(signature, [newSecret], byOld, NOW),
    ];

    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
  });

  it('refuses a request without the signature header', () => {
    const request = signed(signature, oldSecret);
    const headers = { ...request.headers };
    delete headers[signature.scheme === 'standard-webhooks' ? 'webhook-signature' : signature.header];

    const result = verify(signature, [oldSecret], { body: request.body, headers }, NOW);

    expect(result).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('never matches when no secret is usable', () => {
    const request = signed(signature, oldSecret);

    const result = verify(signature, [''], request, NOW);

    expect(result.ok).toBe(false);
  });
});

describe.each([
  ['stripe', STRIPE],
  ['standard-webhooks', STANDARD],
] as const)('%s timestamps (replay window)', (_name, signature) => {
  const secret = SECRETS[signature.scheme][0];

  it.each([
    [-300, true],
    [-301, false],
    [300, true],
    [301, false],
  ])('signed %is from now: accepted %s', (offset, accepted) => {
    const request = signed(signature, secret, BODY, at(offset));

    const result = verify(signature, [secret], request, NOW);

    expect(result.ok).toBe(accepted);
    if (!result.ok) expect(result.reason).toBe(offset < 0 ? 'expired' : 'future');
  });

  it('refuses a replayed request whose timestamp was changed to look fresh', () => {
    // Prepare: a captured request from 10 minutes ago, with only the timestamp rewritten.
    const old = signed(signature, secret, BODY, at(-600));
    const headers = { ...old.headers };
    if (signature.scheme === 'stripe')
      headers['stripe-signature'] = (headers['stripe-signature'] ?? '').replace(/t=\d+/, `t=${seconds(NOW)}`);
    else headers['webhook-timestamp'] = String(seconds(NOW));

    const result = verify(signature, [secret], { body: old.body, headers }, NOW);

    expect(result).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('refuses a timestamp that is not Unix seconds', () => {
    const request = signed(signature, secret);
    const headers = { ...request.headers };
    if (signature.scheme === 'stripe')
      headers['stripe-signature'] = (headers['stripe-signature'] ?? '').replace(/t=\d+/, 't=yesterday');
    else headers['webhook-timestamp'] = '2026-11-30T10:00:00Z';

    const result = verify(signature, [secret], { body: request.body, headers }, NOW);

    expect(result).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('hmac-sha256', () => {
  it('computes HMAC-SHA256 of the raw body, in the declared encoding after the prefix', () => {
    const expected = createHmac('sha256', 'helpdesk-old-secret').update(BODY).digest();

    const hex = sign(HMAC_HEX, 'helpdesk-old-secret', { body: BODY }, NOW);
    const b64 = sign(HMAC_B64, 'helpdesk-old-secret', { body: BODY }, NOW);

    expect(hex).toEqual({ 'x-hub-signature-256': `sha256=${expected.toString('hex')}` });
    expect(b64).toEqual({ 'x-helpdesk-signature': expected.toString('base64') });
  });

  it('accepts upper-case hex and an upper-case prefix, refuses a missing prefix', () => {
    const value = sign(HMAC_HEX, 'helpdesk-old-secret', { body: BODY }, NOW)['x-hub-signature-256'] ?? '';
    const verifyWith = (header: string) =>
      verify(
        HMAC_HEX,
        ['helpdesk-old-secret'],
        { body: BODY, headers: { 'x-hub-signature-256': header } },
        NOW,
      );

    expect(verifyWith(`SHA256=${value.slice(7).toUpperCase()}`).ok).toBe(true);
    expect(verifyWith(value.slice(7))).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('refuses signatures of the wrong length or alphabet as malformed, without comparing', () => {
    const results = ['sha256=abc', `sha256=${'z'.repeat(64)}`, `sha256=${'a'.repeat(65)}`].map((header) =>
      verify(
        HMAC_HEX,
        ['helpdesk-old-secret'],
        { body: BODY, headers: { 'x-hub-signature-256': header } },
        NOW,
      ),
    );

    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['malformed', 'malformed', 'malformed']);
  });
});

describe('stripe', () => {
  it('signs "t.body" in hex with the whole secret string as the key, like Stripe', () => {
    const t = seconds(NOW);
    const expected = createHmac('sha256', 'whsec_oldStripeSecret').update(`${t}.`).update(BODY).digest('hex');

    const headers = sign(STRIPE, 'whsec_oldStripeSecret', { body: BODY }, NOW);

    expect(headers).toEqual({ 'stripe-signature': `t=${t},v1=${expected}` });
  });

  it('accepts a header with several v1 signatures and other schemes when one matches', () => {
    const t = seconds(NOW);
    const good = createHmac('sha256', 'whsec_newStripeSecret').update(`${t}.`).update(BODY).digest('hex');
    const header = `t=${t},v1=${'0'.repeat(64)},v0=${'1'.repeat(64)},v1=${good}`;

    const result = verify(
      STRIPE,
      ['whsec_newStripeSecret'],
      { body: BODY, headers: { 'stripe-signature': header } },
      NOW,
    );

    expect(result).toEqual({ ok: true });
  });

  it('refuses a header with two timestamps or no v1 signature', () => {
    const t = seconds(NOW);
    const good = createHmac('sha256', 'whsec_oldStripeSecret').update(`${t}.`).update(BODY).digest('hex');
    const check = (header: string) =>
      verify(STRIPE, ['whsec_oldStripeSecret'], { body: BODY, headers: { 'stripe-signature': header } }, NOW);

    expect(check(`t=${t},t=${t - 1000},v1=${good}`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check(`t=${t},v0=${good}`)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('standard-webhooks', () => {
  it('matches the reference implementation (standard-webhooks test vector)', () => {
    // From standard-webhooks/standard-webhooks libraries/javascript "sign function works".
    const headers = sign(
      STANDARD,
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      { body: '{"test": 2432232314}', id: 'msg_p5jXN8AQM9LWM0D4loKWxJek' },
      new Date(1614265330 * 1000),
    );

    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('accepts several space-separated signatures, skipping other versions, when one matches', () => {
    const request = signed(STANDARD, SECRETS['standard-webhooks'][0]);
    const header = `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ${request.headers['webhook-signature']}`;

    const result = verify(
      STANDARD,
      [SECRETS['standard-webhooks'][0]],
      { body: request.body, headers: { ...request.headers, 'webhook-signature': header } },
      NOW,
    );

    expect(result).toEqual({ ok: true });
  });

  it('signs the delivery id: the same body and time under another id does not verify', () => {
    const request = signed(STANDARD, SECRETS['standard-webhooks'][0], BODY, NOW, 'msg_1');

    const result = verify(
      STANDARD,
      [SECRETS['standard-webhooks'][0]],
      { body: request.body, headers: { ...request.headers, 'webhook-id': 'msg_2' } },
      NOW,
    );

    expect(result).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('refuses to sign without an id, or with a secret that is not whsec_ base64', () => {
    expect(() => sign(STANDARD, SECRETS['standard-webhooks'][0], { body: BODY }, NOW)).toThrow(
      WebhookSigningError,
    );
    expect(() => sign(STANDARD, 'whsec_not base64!', { body: BODY, id: 'm' }, NOW)).toThrow(
      WebhookSigningError,
    );
  });
});

describe('secrets and delivery ids', () => {
  it('checks secrets per scheme', () => {
    expect(checkSecret(STANDARD, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeUndefined();
    expect(checkSecret(STANDARD, 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeUndefined();
    expect(checkSecret(STANDARD, 'whsec_%%%')).toMatch(/whsec_/);
    expect(checkSecret(STRIPE, 'anything at all')).toBeUndefined();
    expect(checkSecret(HMAC_HEX, '')).toMatch(/empty/);
  });

  it('finds the header a delivery id is read from', () => {
    expect(deliveryIdHeader('headers."x-helpdesk-delivery-id"')).toBe('x-helpdesk-delivery-id');
    expect(deliveryIdHeader('headers.X_Request_Id')).toBe('x_request_id');
    expect(deliveryIdHeader('body.id')).toBeUndefined();
    expect(deliveryIdHeader('headers."a" || body.id')).toBeUndefined();
  });

  it('accepts provider delivery ids and refuses spaces, control characters and very long ids', () => {
    expect(
      ['evt_1NG8Du2eZvKYlo2CUI79vXWy', 'msg_p5jXN8AQM9LWM0D4loKWxJek', crypto.randomUUID()].every((id) =>
        DELIVERY_ID_PATTERN.test(id),
      ),
    ).toBe(true);
    expect(['', 'a b', 'a\nb', 'é', 'x'.repeat(201)].some((id) => DELIVERY_ID_PATTERN.test(id))).toBe(false);
  });
});
