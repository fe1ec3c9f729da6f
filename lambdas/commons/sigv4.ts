/**
 * AWS Signature Version 4 (header-signed requests), synchronous over node:crypto, for the functions'
 * AWS JSON client (aws-json.ts) and so for every function.
 *
 * Why not WebCrypto (aws4fetch's AwsV4Signer, used before): each of its digests and HMACs is an
 * async `crypto.subtle` call with a key import, WebIDL conversions and a promise; a CPU profile of
 * the local layer under load had ~20% of the main thread there. Measured on Node 20 (a 274-byte
 * DynamoDB request with a session token): ~235 µs of CPU per signature with aws4fetch, ~15 µs here
 * (the SDK's own signer: ~45 µs). A request needs one SHA-256 of the body, one of the canonical
 * request and one HMAC with the signing key, whose derivation (four HMACs) runs once per secret,
 * day, region and service: keys are cached, a few at a time.
 *
 * Canonicalization is the SDK's (@smithy/signature-v4) for every service but S3: the URL's path is
 * normalized (empty and dot segments removed) and percent-encoded again, query parameters are
 * encoded and sorted, header names lower-cased and trimmed, values' runs of spaces collapsed. The
 * payload hash is only in the canonical request (no x-amz-content-sha256 header: S3's, not needed).
 * Not covered: presigned URLs (query signing), S3's single encoding, SigV4a, chunked payloads.
 */
import { createHash, createHmac } from 'node:crypto';

/** The credentials a request is signed with. */
export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Sent, and signed, as x-amz-security-token when present. */
  readonly sessionToken?: string | undefined;
}

/** The request to sign. */
export interface SigV4Request {
  /** HTTP method; upper-cased in the canonical request. */
  readonly method: string;
  /** The full URL: its host is signed as `host`, its path and query are canonicalized. */
  readonly url: URL | string;
  /**
   * Headers to sign (any case; names are trimmed and lower-cased). `host` comes from the URL,
   * x-amz-date, x-amz-security-token and authorization are set by the signer: any given are ignored.
   * Send unsigned headers (user-agent, content-length) without passing them here.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The payload, hashed as sent (a string as UTF-8). */
  readonly body: string | Uint8Array;
}

/** Who signs, for what scope and when. */
export interface SigV4SignOptions {
  readonly credentials: SigV4Credentials;
  /** Region of the credential scope, e.g. eu-west-1. */
  readonly region: string;
  /** Signing name of the service, e.g. dynamodb. */
  readonly service: string;
  /** The signing time (ms since the epoch, or a Date): pass the clock-skew-corrected time. */
  readonly signingDate: number | Date;
}

/** Options of a signer. */
export interface SigV4SignerOptions {
  /** Derived signing keys kept (the oldest is dropped first). @default 8 */
  readonly maxCachedKeys?: number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Headers the signer sets itself: a caller's copy must not be signed or sent twice. */
const GENERATED = new Set(['host', 'x-amz-date', 'x-amz-security-token', 'authorization']);
const DEFAULT_MAX_CACHED_KEYS = 8;
/** An HTTP field name (RFC 9110 token), lower case. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Signs requests with SigV4. Holds a small cache of derived signing keys and of the last URL's
 * canonical path and query; build one per client and reuse it.
 */
export class SigV4Signer {
  private readonly maxCachedKeys: number;
  /** Signing keys by secret, day, region and service, oldest first. */
  private readonly keys = new Map<string, Buffer>();
  /** The last URL signed (a client signs one URL over and over) and its canonical parts. */
  private lastUrl: { href: string; host: string; path: string; query: string } | undefined;

  constructor(options: SigV4SignerOptions = {}) {
    const max = options.maxCachedKeys ?? DEFAULT_MAX_CACHED_KEYS;
    this.maxCachedKeys = Number.isFinite(max) ? Math.max(1, Math.floor(max)) : DEFAULT_MAX_CACHED_KEYS;
  }

  /**
   * Signs `request`; returns the headers to send besides host (which the URL gives): the given ones
   * with lower-case names, x-amz-date, x-amz-security-token when there is a session token, and
   * authorization. Throws TypeError for an invalid date, an invalid header name or one given twice in different cases.
   */
  sign(request: SigV4Request, options: SigV4SignOptions): Record<string, string> {
    const amzDate = formatAmzDate(options.signingDate);
    const day = amzDate.slice(0, 8);
    const { credentials, region, service } = options;
    const url = this.canonicalUrl(request.url);

    // Pairs rather than an object: a header named like an Object.prototype member stays a header.
    const sent: Array<[string, string]> = [];
    const seen = new Set<string>();
    for (const name of Object.keys(request.headers)) {
      const value = request.headers[name];
      if (value === undefined) continue;
      const lower = name.trim().toLowerCase();
      if (GENERATED.has(lower)) continue;
      if (!HEADER_NAME.test(lower)) throw new TypeError(`"${name}" is not a valid header name`);
      if (seen.has(lower)) throw new TypeError(`the header "${lower}" is given twice`);
      seen.add(lower);
      sent.push([lower, value]);
    }
    sent.push(['x-amz-date', amzDate]);
    if (credentials.sessionToken) sent.push(['x-amz-security-token', credentials.sessionToken]);

    const signed: Array<[string, string]> = [...sent, ['host', url.host]];
    signed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let canonicalHeaders = '';
    let signedHeaders = '';
    for (const [name, value] of signed) {
      canonicalHeaders += `${name}:${canonicalValue(value)}\n`;
      signedHeaders += signedHeaders === '' ? name : `;${name}`;
    }

    const payloadHash = createHash('sha256').update(request.body).digest('hex');
    const canonicalRequest = `${request.method.toUpperCase()}\n${url.path}\n${url.query}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
    const scope = `${day}/${region}/${service}/aws4_request`;
    const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey(credentials.secretAccessKey, day, region, service))
      .update(stringToSign)
      .digest('hex');

    sent.push([
      'authorization',
      `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    ]);
    return Object.fromEntries(sent);
  }

  /** The derived key for a day's scope, computed once (four HMACs) and cached. */
  private signingKey(secret: string, day: string, region: string, service: string): Buffer {
    // The day is part of the key: a request signed after midnight (UTC) never reuses yesterday's.
    const cacheKey = `${day}\n${region}\n${service}\n${secret}`;
    const cached = this.keys.get(cacheKey);
    if (cached) return cached;
    const kDate = hmac(`AWS4${secret}`, day);
    const kRegion = hmac(kDate, region);
    const kService = hmac(kRegion, service);
    const key = hmac(kService, 'aws4_request');
    if (this.keys.size >= this.maxCachedKeys) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    this.keys.set(cacheKey, key);
    return key;
  }

  /** Host, canonical path and canonical query of a URL; the last one is remembered. */
  private canonicalUrl(input: URL | string): { host: string; path: string; query: string } {
    const href = typeof input === 'string' ? input : input.href;
    if (this.lastUrl?.href === href) return this.lastUrl;
    const url = typeof input === 'string' ? new URL(input) : input;
    this.lastUrl = { href, host: url.host, path: canonicalPath(url.pathname), query: canonicalQuery(url) };
    return this.lastUrl;
  }
}

/** SigV4's timestamp, 20261130T235959Z, from ms since the epoch or a Date. */
export function formatAmzDate(date: number | Date): string {
  const time = typeof date === 'number' ? date : date.getTime();
  if (!Number.isFinite(time)) throw new TypeError(`the signing date "${String(date)}" is not a valid time`);
  const iso = new Date(time).toISOString();
  if (iso.length !== 24) throw new TypeError(`the signing date "${iso}" is outside years 0000-9999`);
  // 2026-11-30T23:59:59.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * The canonical URI of a path as URL gives it (already percent-encoded once): empty and `.` segments
 * dropped, `..` resolved, then every segment percent-encoded again (RFC 3986), as AWS expects from
 * every service but S3.
 */
export function canonicalPath(pathname: string): string {
  if (pathname === '/' || pathname === '') return '/';
  const segments: string[] = [];
  for (const segment of pathname.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(escapeUri(segment));
  }
  const leading = pathname.startsWith('/') ? '/' : '';
  const trailing = segments.length > 0 && pathname.endsWith('/') ? '/' : '';
  return `${leading}${segments.join('/')}${trailing}`;
}

/** The canonical query string: names and values RFC 3986-encoded, sorted by name, then value. */
export function canonicalQuery(url: URL): string {
  if (url.search === '' || url.search === '?') return '';
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of url.searchParams) {
    // A presigned URL's own signature is never part of what is signed.
    if (name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([escapeUri(name), escapeUri(value)]);
  }
  pairs.sort(([n1, v1], [n2, v2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded (UTF-8, upper-case hex). */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A header value as signed: line breaks become spaces, runs of spaces and tabs one space, ends trimmed. */
function canonicalValue(value: string): string {
  if (!/[\t\r\n]| {2}|^ | $/.test(value)) return value;
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
