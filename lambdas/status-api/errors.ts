/**
 * The status API's errors: each carries the HTTP status and a stable machine-readable code, and a
 * message that is safe to show a caller (it never repeats raw input beyond a sanitised identifier).
 * Anything that is not a StatusApiError becomes a generic 500 without details.
 */

/** A problem the caller can see: status, code and a support-safe message. */
export class StatusApiError extends Error {
  override readonly name: string = 'StatusApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers ?? {};
  }
  /** Extra response headers (Allow, Retry-After). */
  readonly headers: Record<string, string>;
}

/** 400: a path parameter, query parameter or body is malformed. */
export class BadRequestError extends StatusApiError {
  override readonly name = 'BadRequestError';
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(400, code, message, options);
  }
}

/** 404: no such route, entity type, contract or incident. */
export class NotFoundError extends StatusApiError {
  override readonly name = 'NotFoundError';
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

/** 405: the path exists but not for this method; `Allow` lists the methods it has. */
export class MethodNotAllowedError extends StatusApiError {
  override readonly name = 'MethodNotAllowedError';
  constructor(method: string, allow: readonly string[]) {
    super(405, 'method_not_allowed', `${safeToken(method)} is not allowed here; use ${allow.join(' or ')}`, {
      headers: { allow: allow.join(', ') },
    });
  }
}

/** 409: the request is well formed but conflicts with the resource's state. */
export class ConflictError extends StatusApiError {
  override readonly name = 'ConflictError';
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

/** 413: the request body is larger than the API accepts. */
export class PayloadTooLargeError extends StatusApiError {
  override readonly name = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `the request body must be at most ${limitBytes} bytes`);
  }
}

/** 415: the request body is not JSON. */
export class UnsupportedMediaTypeError extends StatusApiError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor() {
    super(415, 'unsupported_media_type', 'send the request body as JSON with content-type: application/json');
  }
}

/** 503: DynamoDB or SQS failed or timed out; the caller may retry. */
export class DependencyUnavailableError extends StatusApiError {
  override readonly name = 'DependencyUnavailableError';
  constructor(what: string, cause: unknown) {
    super(503, 'dependency_unavailable', `${what} is unavailable right now; try again in a few seconds`, {
      cause,
      headers: { 'retry-after': '5' },
    });
  }
}

const SAFE_TOKEN = /^[A-Za-z0-9._:@+=~-]{1,64}$/;

/**
 * Echoes a caller-supplied value only when it is short and made of harmless characters; anything
 * else is described, not repeated (no control characters, markup or personal data in errors).
 */
export function safeToken(value: string): string {
  return SAFE_TOKEN.test(value) ? `"${value}"` : '(value not shown)';
}
