/**
 * The HTTP edge of the status API: reading an API Gateway HTTP API (payload 2.0) event into a
 * checked request, and writing JSON responses with the headers every answer carries. Nothing here
 * knows about contracts.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { BadRequestError, PayloadTooLargeError, type StatusApiError } from './errors.js';

/** Longest path accepted, before decoding. */
export const MAX_PATH_LENGTH = 1024;
/** Largest request body accepted, in bytes (a note is at most 2,000 characters). */
export const MAX_BODY_BYTES = 8 * 1024;
/** Longest query string accepted. */
export const MAX_QUERY_LENGTH = 2048;

/** Headers on every response: JSON, never cached (answers change by the minute), hardened. */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** A request after the edge checks: decoded path segments, query, body, caller. */
export interface ApiRequest {
  method: string;
  /** Path below the stage, e.g. /v1/contracts (for logs: never includes the query). */
  path: string;
  segments: string[];
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string | undefined;
  /** The IAM caller's ARN when API Gateway authorised the request with IAM. */
  callerArn: string | undefined;
  requestId: string | undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Reads and checks the event; throws BadRequestError or PayloadTooLargeError. */
export function readRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const context = (event.requestContext ?? {}) as Partial<APIGatewayProxyEventV2['requestContext']> & {
    authorizer?: { iam?: { userArn?: unknown } };
  };
  const method = context.http?.method;
  const rawPath = event.rawPath ?? context.http?.path;
  if (typeof method !== 'string' || typeof rawPath !== 'string')
    throw new BadRequestError('invalid_request', 'the request has no method or path');
  if (!/^[A-Za-z]{1,16}$/.test(method))
    throw new BadRequestError('invalid_request', 'the method is not valid');
  if (rawPath.length > MAX_PATH_LENGTH)
    throw new BadRequestError('invalid_path', `the path must be at most ${MAX_PATH_LENGTH} characters`);

  const path = withoutStage(rawPath, context.stage);
  const segments = path.split('/').slice(1);
  // One trailing slash is tolerated: /v1/contracts/ is /v1/contracts.
  if (segments.length > 1 && segments.at(-1) === '') segments.pop();
  const decoded = segments.map(decodeSegment);

  const query = readQuery(event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  const body = readBody(event);
  const callerArn = context.authorizer?.iam?.userArn;
  return {
    method: method.toUpperCase(),
    path: `/${decoded.join('/')}`,
    segments: decoded,
    query,
    headers,
    body,
    callerArn: typeof callerArn === 'string' && callerArn.length > 0 ? callerArn : undefined,
    requestId: typeof context.requestId === 'string' ? context.requestId : undefined,
  };
}

/** HTTP API puts a named stage in front of the path (`/prod/v1/...`); `$default` has none. */
function withoutStage(rawPath: string, stage: unknown): string {
  if (typeof stage !== 'string' || stage === '' || stage === '$default') return rawPath;
  const prefix = `/${stage}`;
  if (rawPath === prefix) return '/';
  return rawPath.startsWith(`${prefix}/`) ? rawPath.slice(prefix.length) : rawPath;
}

function decodeSegment(segment: string): string {
  let value: string;
  try {
    value = decodeURIComponent(segment);
  } catch (cause) {
    throw new BadRequestError('invalid_path', 'the path has a malformed percent-escape', { cause });
  }
  if (CONTROL.test(value)) throw new BadRequestError('invalid_path', 'the path contains control characters');
  if (value === '.' || value === '..' || value.includes('/') || value.includes('\\'))
    throw new BadRequestError('invalid_path', 'path traversal is not allowed');
  return value;
}

function readQuery(event: APIGatewayProxyEventV2): Record<string, string> {
  if ((event.rawQueryString ?? '').length > MAX_QUERY_LENGTH)
    throw new BadRequestError(
      'invalid_query',
      `the query string must be at most ${MAX_QUERY_LENGTH} characters`,
    );
  const query: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (typeof value !== 'string') continue;
    if (CONTROL.test(name) || CONTROL.test(value))
      throw new BadRequestError('invalid_query', 'the query string contains control characters');
    query.push([name, value]);
  }
  // fromEntries defines own properties: `?__proto__=1` stays a (rejected) parameter, not a prototype.
  return Object.fromEntries(query);
}

function readBody(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  // Reject on the encoded size first, so a huge body is never decoded.
  if (event.body.length > MAX_BODY_BYTES * 2) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  return body;
}

/** A JSON response with the standard headers. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { ...RESPONSE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The problem response for a StatusApiError. */
export function errorResponse(
  error: StatusApiError,
  requestId: string | undefined,
): APIGatewayProxyStructuredResultV2 {
  return jsonResponse(
    error.status,
    { error: { code: error.code, message: error.message, ...(requestId ? { requestId } : {}) } },
    error.headers,
  );
}
