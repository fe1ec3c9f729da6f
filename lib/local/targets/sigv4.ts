/**
 * Verifies AWS Signature Version 4 on requests to the analytics bus, so the stand-in is an
 * authenticated API like EventBridge: a client with the wrong secret gets the error EventBridge
 * gives (InvalidSignatureException), not a quiet success. Header-signed requests only (what the
 * AWS SDKs send); presigned query strings are not supported. Clock skew is not checked: the local
 * layer's clients share the machine's clock.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { sameText } from './compare.js';

/** Credentials the bus accepts. */
export interface BusCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Why a request was refused, as EventBridge's error type and message. */
export interface SignatureFailure {
  type:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'UnrecognizedClientException'
    | 'InvalidSignatureException';
  message: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/**
 * Checks a request's signature; undefined when it is valid. Without `credentials`, any well-formed
 * SigV4 Authorization header for the `events` service is accepted (any key, any signature).
 */
export function verifySignature(
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
  credentials: BusCredentials | undefined,
): SignatureFailure | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string' || authorization === '')
    return {
      type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token: sign requests with AWS Signature Version 4',
    };
  const match = AUTHORIZATION.exec(authorization.trim());
  if (!match)
    return {
      type: 'IncompleteSignatureException',
      message: `Authorization header is not an ${ALGORITHM} signature with Credential, SignedHeaders and Signature`,
    };
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaderList = '', signature = ''] =
    match;
  if (service !== 'events')
    return {
      type: 'IncompleteSignatureException',
      message: `Credential should be scoped to the service "events", not "${service.slice(0, 40)}"`,
    };
  const amzDate = request.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !amzDate.startsWith(date))
    return {
      type: 'IncompleteSignatureException',
      message: 'X-Amz-Date is missing or does not match the date of the credential scope',
    };
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host'))
    return { type: 'IncompleteSignatureException', message: 'SignedHeaders must include host' };
  if (credentials === undefined) return undefined;
  if (!sameText(accessKeyId, credentials.accessKeyId))
    return {
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };

  const payloadHash = sha256Hex(request.body);
  const declared = request.headers['x-amz-content-sha256'];
  if (typeof declared === 'string' && declared !== payloadHash && declared !== 'UNSIGNED-PAYLOAD')
    return { type: 'InvalidSignatureException', message: 'The body does not match X-Amz-Content-Sha256.' };
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${headerValue(request.headers[name])}\n`)
    .join('');
  const url = new URL(request.url, 'http://localhost');
  const canonicalRequest = [
    request.method,
    canonicalPath(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaderList,
    typeof declared === 'string' ? declared : payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(Buffer.from(canonicalRequest, 'utf8'))].join(
    '\n',
  );
  let key = hmac(`AWS4${credentials.secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  if (!sameText(expected, signature))
    return {
      type: 'InvalidSignatureException',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    };
  return undefined;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function headerValue(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

/** RFC 3986 encoding, as SigV4 wants it. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Services other than S3 sign the path as sent, encoded once more. */
function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) => encode(segment))
    .join('/');
}

function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}
