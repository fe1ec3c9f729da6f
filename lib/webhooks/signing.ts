/**
 * Webhook signatures: signing and verifying the three schemes a contract may declare, with nothing
 * but node:crypto, so the receiver (lambdas/webhook), the CLI (`handoff webhook sign`) and the tests
 * agree byte for byte.
 *
 * - `hmac-sha256`: HMAC-SHA256 of the raw body with the secret's UTF-8 bytes, hex or base64, in one
 *   header, after an optional prefix such as `sha256=` (GitHub, Shopify, Zendesk style).
 * - `stripe`: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC of "t.body">[,v1=...]`; the whole
 *   secret string (`whsec_...`) is the key.
 * - `standard-webhooks`: `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64>
 *   [v1,<base64> ...]` over `id.timestamp.body`; the key is the base64 after `whsec_`
 *   (https://www.standardwebhooks.com).
 *
 * Verification compares in constant time: every accepted secret against every signature in the
 * header, accumulating the result without stopping at the first match or mismatch. Replay
 * protection is the timestamp tolerance (both directions) here plus delivery-id deduplication in
 * the receiver.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookSignature } from '../model/types.js';

/** A request as the receiver sees it: the raw body bytes and lower-case header names. */
export interface WebhookRequest {
  body: Uint8Array;
  headers: Readonly<Record<string, string | undefined>>;
}

/** Why a signature was not accepted (for logs and the 401 message; the metric reason is `signature`). */
export type SignatureFailure = 'missing' | 'malformed' | 'mismatch' | 'expired' | 'future';

export type VerifyResult = { ok: true } | { ok: false; reason: SignatureFailure; message: string };

/** What to sign: the body, and the delivery id (required by Standard Webhooks, which signs it). */
export interface SignInput {
  body: Uint8Array | string;
  id?: string;
}

/** A secret or a signing input cannot be used: a configuration or usage mistake. */
export class WebhookSigningError extends Error {
  override readonly name = 'WebhookSigningError';
}

/** Standard Webhooks' headers (lower-case). */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** Headers longer than this, or with more signatures, are refused unread (cheap to reject, costly to parse). */
const MAX_SIGNATURE_HEADER = 4096;
const MAX_SIGNATURES = 16;
const SHA256_BYTES = 32;
const STANDARD_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=?$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/**
 * Why a secret cannot be used with a scheme, or undefined when it can. Standard Webhooks secrets
 * are `whsec_` plus base64 (the prefix is optional, as in the reference libraries); the other
 * schemes use the secret's text as it is.
 */
export function checkSecret(signature: WebhookSignature, secret: string): string | undefined {
  if (secret.length === 0) return 'the secret is empty';
  if (signature.scheme !== 'standard-webhooks') return undefined;
  const encoded = secret.startsWith(STANDARD_PREFIX) ? secret.slice(STANDARD_PREFIX.length) : secret;
  if (!BASE64.test(encoded) || encoded.length % 4 === 1)
    return 'a Standard Webhooks secret is "whsec_" followed by base64';
  return undefined;
}

/**
 * The headers that sign `input` with `secret` at `now` (lower-case names). Throws
 * WebhookSigningError when the secret cannot be used or Standard Webhooks has no id.
 */
export function sign(
  signature: WebhookSignature,
  secret: string,
  input: SignInput,
  now: Date,
): Record<string, string> {
  const problem = checkSecret(signature, secret);
  if (problem) throw new WebhookSigningError(problem);
  const body = toBytes(input.body);
  const seconds = Math.floor(now.getTime() / 1000);
  switch (signature.scheme) {
    case 'hmac-sha256': {
      const digest = hmac(keyOf(signature, secret), [body]);
      return { [signature.header]: `${signature.prefix}${digest.toString(signature.encoding)}` };
    }
    case 'stripe': {
      const digest = hmac(keyOf(signature, secret), [Buffer.from(`${seconds}.`), body]);
      return { [signature.header]: `t=${seconds},v1=${digest.toString('hex')}` };
    }
    case 'standard-webhooks': {
      if (input.id === undefined || input.id === '')
        throw new WebhookSigningError('Standard Webhooks signs the delivery id: give one');
      if (input.id.includes('.'))
        // The id is followed by "." in the signed content; a dot in it would make two ids sign alike.
        throw new WebhookSigningError('a Standard Webhooks delivery id may not contain "."');
      const digest = hmac(keyOf(signature, secret), [Buffer.from(`${input.id}.${seconds}.`), body]);
      return {
        [STANDARD_WEBHOOK_HEADERS.id]: input.id,
        [STANDARD_WEBHOOK_HEADERS.timestamp]: String(seconds),
        [STANDARD_WEBHOOK_HEADERS.signature]: `v1,${digest.toString('base64')}`,
      };
    }
  }
}

/**
 * Verifies a request against every accepted secret (two while rotating). Secrets that cannot be
 * used (see checkSecret) never match; the receiver reports them when it loads them. Never throws.
 */
export function verify(
  signature: WebhookSignature,
  secrets: readonly string[],
  request: WebhookRequest,
  now: Date,
): VerifyResult {
  const keys = secrets.filter((s) => checkSecret(signature, s) === undefined).map((s) => keyOf(signature, s));
  switch (signature.scheme) {
    case 'hmac-sha256':
      return verifyHmac(signature, keys, request);
    case 'stripe':
      return verifyStripe(signature, keys, request, now);
    case 'standard-webhooks':
      return verifyStandard(signature, keys, request, now);
  }
}

function verifyHmac(
  signature: Extract<WebhookSignature, { scheme: 'hmac-sha256' }>,
  keys: Buffer[],
  request: WebhookRequest,
): VerifyResult {
  const header = request.headers[signature.header];
  if (header === undefined || header === '') return missing(signature.header);
  if (header.length > MAX_SIGNATURE_HEADER) return malformed(`${signature.header} is too long`);
  const value = header.trim();
  // Prefixes are compared case-insensitively ("sha256=" and "SHA256=" are both seen in the wild).
  if (value.slice(0, signature.prefix.length).toLowerCase() !== signature.prefix.toLowerCase())
    return malformed(`${signature.header} does not start with "${signature.prefix}"`);
  const provided = decodeDigest(value.slice(signature.prefix.length), signature.encoding);
  if (!provided) return malformed(`${signature.header} is not a ${signature.encoding} HMAC-SHA256`);
  const expected = keys.map((key) => hmac(key, [request.body]));
  return anyEqual(expected, [provided])
    ? { ok: true }
    : mismatch(`${signature.header} matches no accepted secret`);
}

function verifyStripe(
  signature: Extract<WebhookSignature, { scheme: 'stripe' }>,
  keys: Buffer[],
  request: WebhookRequest,
  now: Date,
): VerifyResult {
  const header = request.headers[signature.header];
  if (header === undefined || header === '') return missing(signature.header);
  if (header.length > MAX_SIGNATURE_HEADER) return malformed(`${signature.header} is too long`);
  let timestamp: string | undefined;
  const provided: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    // Stripe sends one t; a second one would make the signed content ambiguous.
    if (name === 't') {
      if (timestamp !== undefined) return malformed(`${signature.header} has more than one timestamp`);
      timestamp = value;
    } else if (name === 'v1') {
      // Other schemes (v0, test-mode signatures) are ignored, as Stripe's libraries do.
      if (provided.length >= MAX_SIGNATURES) return malformed(`${signature.header} has too many signatures`);
      const digest = decodeDigest(value, 'hex');
      if (digest) provided.push(digest);
    }
  }
  if (timestamp === undefined || !UNIX_SECONDS.test(timestamp))
    return malformed(`${signature.header} has no timestamp (t=<unix seconds>)`);
  if (provided.length === 0) return malformed(`${signature.header} has no v1 signature`);
  const expected = keys.map((key) => hmac(key, [Buffer.from(`${timestamp}.`), request.body]));
  if (!anyEqual(expected, provided)) return mismatch(`${signature.header} matches no accepted secret`);
  return checkTolerance(Number(timestamp), signature.toleranceSeconds, now);
}

function verifyStandard(
  signature: Extract<WebhookSignature, { scheme: 'standard-webhooks' }>,
  keys: Buffer[],
  request: WebhookRequest,
  now: Date,
): VerifyResult {
  const { id: idHeader, timestamp: tsHeader, signature: sigHeader } = STANDARD_WEBHOOK_HEADERS;
  const id = request.headers[idHeader];
  const timestamp = request.headers[tsHeader];
  const header = request.headers[sigHeader];
  if (!id) return missing(idHeader);
  if (!timestamp) return missing(tsHeader);
  if (!header) return missing(sigHeader);
  if (header.length > MAX_SIGNATURE_HEADER || id.length > MAX_SIGNATURE_HEADER)
    return malformed(`${sigHeader} or ${idHeader} is too long`);
  if (!UNIX_SECONDS.test(timestamp)) return malformed(`${tsHeader} is not a Unix time in seconds`);
  const provided: Buffer[] = [];
  for (const entry of header.split(' ')) {
    const comma = entry.indexOf(',');
    // Only v1 (symmetric) signatures; v1a (asymmetric) and future versions are skipped, per the spec.
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    if (provided.length >= MAX_SIGNATURES) return malformed(`${sigHeader} has too many signatures`);
    const digest = decodeDigest(entry.slice(comma + 1), 'base64');
    if (digest) provided.push(digest);
  }
  if (provided.length === 0) return malformed(`${sigHeader} has no v1 signature`);
  const expected = keys.map((key) => hmac(key, [Buffer.from(`${id}.${timestamp}.`), request.body]));
  if (!anyEqual(expected, provided)) return mismatch(`${sigHeader} matches no accepted secret`);
  return checkTolerance(Number(timestamp), signature.toleranceSeconds, now);
}

/** The signed timestamp must be within the tolerance of now, in both directions. */
function checkTolerance(seconds: number, toleranceSeconds: number, now: Date): VerifyResult {
  const age = Math.floor(now.getTime() / 1000) - seconds;
  if (age > toleranceSeconds)
    return {
      ok: false,
      reason: 'expired',
      message: `the signed timestamp is ${age}s old; at most ${toleranceSeconds}s is accepted`,
    };
  if (-age > toleranceSeconds)
    return {
      ok: false,
      reason: 'future',
      message: `the signed timestamp is ${-age}s in the future; at most ${toleranceSeconds}s is accepted (check the sender's clock)`,
    };
  return { ok: true };
}

/**
 * Whether any expected digest equals any provided one, in time that depends only on how many there
 * are: every pair is compared, and the answer is accumulated, never returned early.
 */
function anyEqual(expected: readonly Buffer[], provided: readonly Buffer[]): boolean {
  let matched = 0;
  for (const e of expected)
    for (const p of provided) {
      // Decoded digests are always 32 bytes; compare e with itself otherwise, to spend the same time.
      const same = p.length === e.length;
      matched |= Number(timingSafeEqual(e, same ? p : e) && same);
    }
  return matched === 1;
}

function decodeDigest(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  const pattern = encoding === 'hex' ? HEX_DIGEST : BASE64_DIGEST;
  if (!pattern.test(text)) return undefined;
  const bytes = Buffer.from(text, encoding);
  return bytes.length === SHA256_BYTES ? bytes : undefined;
}

function keyOf(signature: WebhookSignature, secret: string): Buffer {
  if (signature.scheme !== 'standard-webhooks') return Buffer.from(secret, 'utf8');
  const encoded = secret.startsWith(STANDARD_PREFIX) ? secret.slice(STANDARD_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

function hmac(key: Buffer, parts: readonly Uint8Array[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

function missing(header: string): VerifyResult {
  return { ok: false, reason: 'missing', message: `the ${header} header is missing` };
}

function malformed(message: string): VerifyResult {
  return { ok: false, reason: 'malformed', message };
}

function mismatch(message: string): VerifyResult {
  return { ok: false, reason: 'mismatch', message };
}
