/**
 * A lean client for AWS APIs that speak the AWS JSON protocol (DynamoDB, SQS, EventBridge, Secrets
 * Manager): one signed `POST /` per call, `X-Amz-Target: <prefix>.<Operation>`, a JSON body. It
 * replaces the AWS SDK in the Lambda functions, whose clients cost ~150 ms of cold start to load;
 * this one costs a few. SigV4 signing is sigv4.ts's (synchronous, over node:crypto: WebCrypto's
 * per-call overhead made aws4fetch's signer a fifth of the local layer's CPU); HTTP is node:https
 * (node:http for local endpoints) with a keep-alive agent, loaded on the first call.
 * Not fetch: measured on Node 20, the first fetch loads undici (~70 ms, paid by the first event of
 * every cold start) and each request costs ~0.35 ms more CPU than node:http.
 *
 * What it does that the SDK did for us:
 * - credentials from the Lambda environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *   AWS_SESSION_TOKEN), region from AWS_REGION, endpoint `https://<prefix>.<region>.amazonaws.com`
 *   unless AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL or an explicit option says otherwise;
 * - retries with capped, fully jittered exponential backoff for throttling (429 and the throttling
 *   codes AWS answers with 400), 500/502/503/504, timeouts and connection failures; never for
 *   other client errors. A retry quota (the SDK's token bucket) stops retry storms during an outage;
 * - clock-skew correction: a request refused for its signing time is signed again with the
 *   server's clock;
 * - errors whose `name` is AWS's error code (ConditionalCheckFailedException...), with `$fault`,
 *   `$metadata` (status, request id, attempts) and `$retryable`, like the SDK's.
 * And one thing it did not: a per-attempt timeout (default 3 s), so a hung connection cannot eat
 * the function's whole timeout. Credentials are never logged, nor put in errors.
 */
import { deadline } from './deadline.js';
import { SigV4Signer } from './sigv4.js';

/** An AWS API this client can call: how it is signed, addressed and targeted. */
export interface AwsJsonService {
  /** Endpoint host prefix and SigV4 signing name, e.g. `dynamodb`, `events`. */
  readonly endpointPrefix: string;
  /** SigV4 service name (usually the endpoint prefix). */
  readonly signingName: string;
  /** The `<SERVICE>` of AWS_ENDPOINT_URL_<SERVICE> (the service id, upper case, `_` for spaces). */
  readonly endpointEnv: string;
  /** AWS JSON protocol version: the content type is `application/x-amz-json-<version>`. */
  readonly jsonVersion: '1.0' | '1.1';
  /** `X-Amz-Target` is `<targetPrefix>.<Operation>`. */
  readonly targetPrefix: string;
  /** Attempts per call unless the client says otherwise (the SDK's defaults). */
  readonly maxAttempts: number;
}

/** The services handoff's functions call. */
export const AWS_SERVICES = {
  dynamodb: {
    endpointPrefix: 'dynamodb',
    signingName: 'dynamodb',
    endpointEnv: 'DYNAMODB',
    jsonVersion: '1.0',
    targetPrefix: 'DynamoDB_20120810',
    maxAttempts: 4,
  },
  sqs: {
    endpointPrefix: 'sqs',
    signingName: 'sqs',
    endpointEnv: 'SQS',
    jsonVersion: '1.0',
    targetPrefix: 'AmazonSQS',
    maxAttempts: 3,
  },
  eventBridge: {
    endpointPrefix: 'events',
    signingName: 'events',
    endpointEnv: 'EVENTBRIDGE',
    jsonVersion: '1.1',
    targetPrefix: 'AWSEvents',
    maxAttempts: 3,
  },
  secretsManager: {
    endpointPrefix: 'secretsmanager',
    signingName: 'secretsmanager',
    endpointEnv: 'SECRETS_MANAGER',
    jsonVersion: '1.1',
    targetPrefix: 'secretsmanager',
    maxAttempts: 3,
  },
} as const satisfies Record<string, AwsJsonService>;

/** Static credentials (the Lambda environment's, or the local layer's). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** How a client reaches AWS; everything is optional on Lambda. */
export interface AwsClientOptions {
  /**
   * Base URL of the service (the local layer's dynalite, SQS server or ingress; tests).
   * @default AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else https://<prefix>.<region>.amazonaws.com
   */
  endpoint?: string;
  /** @default AWS_REGION, else AWS_DEFAULT_REGION */
  region?: string;
  /** @default AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN */
  credentials?: AwsCredentials;
  /** Attempts per call, the first included. @default the service's (4 for DynamoDB, else 3) */
  maxAttempts?: number;
  /** Per-attempt timeout in ms: a hung connection is aborted and retried. @default 3000 */
  timeoutMs?: number;
  /** Where the defaults above are read. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Sends a signed request (tests count requests through it). @default httpTransport */
  transport?: AwsTransport;
  /** Waits between attempts (tests pass a fast one). @default setTimeout, ended early by the call's signal */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Per-call options. */
export interface AwsCallOptions {
  /** Aborts the call (and its retries); the error is AwsAbortError. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout for this call. */
  timeoutMs?: number;
}

/** What every call returns besides the operation's output, like the SDK's `$metadata`. */
export interface AwsResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  /** Attempts made, the first included. */
  attempts: number;
  /** Time spent waiting between attempts, in ms. */
  totalRetryDelay: number;
}

/** A signed request, ready to send. */
export interface AwsHttpRequest {
  url: URL;
  method: 'POST';
  /** Lower-case names, signed except content-length and user-agent. */
  headers: Record<string, string>;
  body: string;
  /** Ends the attempt: its timeout, or the caller's signal. */
  signal: AbortSignal;
}

/** An answer: status, a header reader (case-insensitive) and the body as text. */
export interface AwsHttpResponse {
  status: number;
  header(name: string): string | undefined;
  body: string;
}

/** Sends one request; rejects when the connection fails or the signal aborts. */
export type AwsTransport = (request: AwsHttpRequest) => Promise<AwsHttpResponse>;

/** Per-attempt timeout unless the client or call says otherwise. */
export const DEFAULT_TIMEOUT_MS = 3000;
/** Backoff bases: transient failures start small, throttling backs off harder (the SDK's values). */
const BASE_DELAY_MS = 50;
const THROTTLING_BASE_DELAY_MS = 500;
/** No single wait is longer than this: a function's timeout is short. */
const MAX_DELAY_MS = 5000;
/** The SDK's retry quota: a retry costs tokens, a success refunds them; an empty bucket stops retries. */
const RETRY_QUOTA = { capacity: 500, cost: 14, throttlingCost: 5, successRefund: 1 } as const;
/** Clock skew beyond this is corrected (the SDK's threshold). */
const CLOCK_SKEW_MS = 240_000;

/** Error codes AWS uses for throttling, most of them with HTTP 400 (the SDK's list). */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
/** Transient by code (the SDK's list, plus DynamoDB's one error modelled as retryable). */
const TRANSIENT_CODES = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'ReplicatedWriteConflictException',
]);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
/** Codes AWS answers when the signing time is off. */
const CLOCK_SKEW_CODES = new Set([
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Where a failed request went. */
export interface AwsRequestContext {
  service: string;
  operation: string;
  $metadata: AwsResponseMetadata;
}

/** Base of every failed call: which service and operation, and what happened on the wire. */
export abstract class AwsRequestError extends Error {
  /** `client` when the request was at fault, `server` otherwise (the SDK's `$fault`). */
  abstract readonly $fault: 'client' | 'server';
  /** The service's endpoint prefix, e.g. dynamodb. */
  readonly service: string;
  readonly operation: string;
  readonly $metadata: AwsResponseMetadata;
  /** Whether the call may succeed if made again; `throttling` when AWS asked to slow down. */
  readonly $retryable: { throttling: boolean } | undefined;

  constructor(
    message: string,
    context: AwsRequestContext,
    retryable: { throttling: boolean } | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.service = context.service;
    this.operation = context.operation;
    this.$metadata = context.$metadata;
    this.$retryable = retryable;
  }

  /** AWS's id of the last attempt, for support cases. */
  get requestId(): string | undefined {
    return this.$metadata.requestId;
  }
}

/**
 * AWS answered with an error. `name` is AWS's error code (ConditionalCheckFailedException,
 * ThrottlingException...), so `error.name === '...'` checks written for the SDK keep working.
 */
export class AwsServiceError extends AwsRequestError {
  readonly $fault: 'client' | 'server';
  /** AWS's error code; also the `name`. */
  readonly code: string;

  constructor(
    code: string,
    message: string,
    context: AwsRequestContext,
    retryable: { throttling: boolean } | undefined,
  ) {
    super(message, context, retryable);
    this.name = code;
    this.code = code;
    this.$fault = (context.$metadata.httpStatusCode ?? 500) >= 500 ? 'server' : 'client';
  }
}

/**
 * An attempt took longer than its timeout. Named `TimeoutError` like the SDK's and
 * AbortSignal.timeout's, so existing log queries and classifications keep matching.
 */
export class AwsTimeoutError extends AwsRequestError {
  override readonly name = 'TimeoutError';
  readonly $fault = 'server';
}

/** The connection failed before an answer arrived (refused, reset, DNS...). */
export class AwsNetworkError extends AwsRequestError {
  override readonly name = 'AwsNetworkError';
  readonly $fault = 'server';
}

/** The caller's signal aborted the call. Named `AbortError` like the SDK's. */
export class AwsAbortError extends AwsRequestError {
  override readonly name = 'AbortError';
  readonly $fault = 'client';
}

/** A successful status with a body that is not the JSON object AWS sends (a proxy's page...). */
export class AwsResponseError extends AwsRequestError {
  override readonly name = 'AwsResponseError';
  readonly $fault = 'server';
}

/** No region or credentials: the function's environment is incomplete. Never retried. */
export class AwsConfigError extends Error {
  override readonly name = 'AwsConfigError';
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/** Resolves the endpoint the standard way: option, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, default. */
export function resolveEndpoint(
  service: AwsJsonService,
  region: string,
  options: { endpoint?: string; env?: Readonly<Record<string, string | undefined>> } = {},
): string {
  const env = options.env ?? process.env;
  const configured =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true'
      ? undefined
      : env[`AWS_ENDPOINT_URL_${service.endpointEnv}`] || env.AWS_ENDPOINT_URL || undefined;
  const endpoint =
    options.endpoint ??
    configured ??
    `https://${service.endpointPrefix}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new AwsConfigError(`the ${service.endpointPrefix} endpoint "${endpoint}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new AwsConfigError(`the ${service.endpointPrefix} endpoint "${endpoint}" is not http(s)`);
  // The URL may carry a path (the standard allows it); requests go to that path.
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/** A client for one AWS JSON-protocol service. Safe to share; build one per service at cold start. */
export class AwsJsonClient {
  private readonly options: AwsClientOptions;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private resolved: { credentials: AwsCredentials; region: string; url: string } | undefined;
  /** Signs every attempt; caches the derived signing key (one per day, region and service). */
  private readonly signer = new SigV4Signer();
  /** Server time minus local time, learnt from a refused request's Date header. */
  private clockOffsetMs = 0;
  private retryTokens: number = RETRY_QUOTA.capacity;

  constructor(
    readonly service: AwsJsonService,
    options: AwsClientOptions = {},
  ) {
    this.options = options;
    this.env = options.env ?? process.env;
  }

  /**
   * Calls `operation` with `input` (the API's JSON input) and resolves with its JSON output.
   * Throws AwsServiceError (named by AWS's code), AwsTimeoutError, AwsNetworkError,
   * AwsAbortError, AwsResponseError, or AwsConfigError when the environment lacks region or credentials.
   */
  async call(
    operation: string,
    input: unknown,
    options: AwsCallOptions = {},
  ): Promise<{ output: Record<string, unknown>; $metadata: AwsResponseMetadata }> {
    const target = this.resolve();
    const body = JSON.stringify(input);
    // Both signed, as the SDK signs them: a changed content type or operation breaks the signature.
    const headers = {
      'content-type': `application/x-amz-json-${this.service.jsonVersion}`,
      'x-amz-target': `${this.service.targetPrefix}.${operation}`,
    };
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? this.service.maxAttempts);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const $metadata: AwsResponseMetadata = { attempts: 0, totalRetryDelay: 0 };
    const context = { service: this.service.endpointPrefix, operation, $metadata };
    let retryCost = 0;
    for (;;) {
      $metadata.attempts++;
      const attempt = await this.attempt(target, headers, body, timeoutMs, options.signal);
      if (attempt.kind === 'ok') {
        $metadata.httpStatusCode = attempt.status;
        if (attempt.requestId) $metadata.requestId = attempt.requestId;
        this.retryTokens = Math.min(
          RETRY_QUOTA.capacity,
          this.retryTokens + (retryCost || RETRY_QUOTA.successRefund),
        );
        let output: unknown;
        try {
          output = attempt.text === '' ? {} : JSON.parse(attempt.text);
        } catch {
          output = undefined;
        }
        if (output === null || typeof output !== 'object' || Array.isArray(output))
          throw new AwsResponseError(
            `${this.service.endpointPrefix} ${operation} answered HTTP ${attempt.status} with a body that is not a JSON object`,
            context,
            undefined,
          );
        return { output: output as Record<string, unknown>, $metadata };
      }
      const error = this.toError(attempt, context);
      const retry = error.$retryable;
      const cost = retry?.throttling ? RETRY_QUOTA.throttlingCost : RETRY_QUOTA.cost;
      if (!retry || $metadata.attempts >= maxAttempts || this.retryTokens < cost || options.signal?.aborted)
        throw error;
      this.retryTokens -= cost;
      retryCost = cost;
      const base = retry.throttling ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS;
      const delay = Math.floor(Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** ($metadata.attempts - 1)));
      $metadata.totalRetryDelay += delay;
      await (this.options.sleep ?? abortableSleep)(delay, options.signal);
      if (options.signal?.aborted)
        throw new AwsAbortError(
          `${this.service.endpointPrefix} ${operation} was aborted`,
          context,
          undefined,
          {
            cause: error,
          },
        );
    }
  }

  /** Reads credentials, region and endpoint on first use, so a missing variable fails the call, not the import. */
  private resolve(): { credentials: AwsCredentials; region: string; url: string } {
    if (this.resolved) return this.resolved;
    const region = this.options.region ?? (this.env.AWS_REGION || this.env.AWS_DEFAULT_REGION);
    if (!region) throw new AwsConfigError('no AWS region: set AWS_REGION (Lambda sets it)');
    const credentials = this.options.credentials ?? credentialsFromEnv(this.env);
    const url = resolveEndpoint(this.service, region, {
      ...(this.options.endpoint !== undefined ? { endpoint: this.options.endpoint } : {}),
      env: this.env,
    });
    this.resolved = { credentials, region, url };
    return this.resolved;
  }

  private async attempt(
    target: { credentials: AwsCredentials; region: string; url: string },
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<Attempt> {
    if (callerSignal?.aborted) return { kind: 'aborted' };
    // Signed again for every attempt: a fresh X-Amz-Date, corrected by the learnt clock skew.
    // Outside the try: a signing failure is a bug to surface, not a network error to retry.
    const sentAt = Date.now();
    const url = new URL(target.url);
    const signed = this.signer.sign(
      { method: 'POST', url, headers, body },
      {
        credentials: target.credentials,
        region: target.region,
        service: this.service.signingName,
        signingDate: sentAt + this.clockOffsetMs,
      },
    );
    const signedHeaders: Record<string, string> = { 'user-agent': USER_AGENT, ...signed };
    const limit = deadline(timeoutMs, callerSignal);
    try {
      const response = await (this.options.transport ?? httpTransport)({
        url,
        method: 'POST',
        headers: signedHeaders,
        body,
        signal: limit.signal,
      });
      const requestId = response.header('x-amzn-requestid') ?? response.header('x-amz-request-id');
      if (response.status >= 200 && response.status < 300)
        return { kind: 'ok', status: response.status, text: response.body, requestId };
      return {
        kind: 'error',
        status: response.status,
        text: response.body,
        requestId,
        errorType: response.header('x-amzn-errortype'),
        serverDate: response.header('date'),
        sentAt,
      };
    } catch (error) {
      if (callerSignal?.aborted) return { kind: 'aborted', cause: error };
      if (limit.expired) return { kind: 'timeout', timeoutMs, cause: error };
      return { kind: 'network', cause: error };
    } finally {
      limit.clear();
    }
  }

  private toError(attempt: Exclude<Attempt, { kind: 'ok' }>, context: AwsRequestContext): AwsRequestError {
    const what = `${context.service} ${context.operation}`;
    if (attempt.kind !== 'error') {
      // No answer this attempt: an earlier attempt's status and request id would mislead.
      delete context.$metadata.httpStatusCode;
      delete context.$metadata.requestId;
    }
    switch (attempt.kind) {
      case 'aborted':
        return new AwsAbortError(`${what} was aborted`, context, undefined, { cause: attempt.cause });
      case 'timeout':
        return new AwsTimeoutError(
          `${what} got no answer within ${attempt.timeoutMs} ms`,
          context,
          { throttling: false },
          { cause: attempt.cause },
        );
      case 'network':
        return new AwsNetworkError(
          `${what} failed to connect (${networkCode(attempt.cause)})`,
          context,
          { throttling: false },
          { cause: attempt.cause },
        );
      case 'error': {
        context.$metadata.httpStatusCode = attempt.status;
        if (attempt.requestId) context.$metadata.requestId = attempt.requestId;
        const parsed = parseErrorBody(attempt.text);
        const code = errorCode(attempt.errorType, parsed) ?? 'UnknownError';
        const message =
          parsed?.message ??
          (parsed ? `${what} failed with HTTP ${attempt.status}` : unreadable(what, attempt.status));
        const throttling = attempt.status === 429 || THROTTLING_CODES.has(code);
        const transient =
          throttling ||
          TRANSIENT_STATUSES.has(attempt.status) ||
          TRANSIENT_CODES.has(code) ||
          (CLOCK_SKEW_CODES.has(code) && this.correctClock(attempt.serverDate, attempt.sentAt));
        return new AwsServiceError(code, message, context, transient ? { throttling } : undefined);
      }
    }
  }

  /** Learns the server's clock from a refused request; true when the skew was worth a new signature. */
  private correctClock(serverDate: string | undefined, sentAt: number): boolean {
    const serverTime = serverDate ? Date.parse(serverDate) : Number.NaN;
    if (Number.isNaN(serverTime) || Date.now() - sentAt > 900_000) return false;
    // Skew of the time we signed with (local time plus the learnt offset), as the SDK measures it:
    // measured against local time alone, an offset learnt once could never be unlearnt after the
    // local clock is fixed, and every later request would be refused.
    const offset = serverTime - Date.now();
    if (Math.abs(offset - this.clockOffsetMs) < CLOCK_SKEW_MS) return false;
    this.clockOffsetMs = Math.abs(offset) < CLOCK_SKEW_MS ? 0 : offset;
    return true;
  }
}

type Attempt =
  | { kind: 'ok'; status: number; text: string; requestId: string | undefined }
  | {
      kind: 'error';
      status: number;
      text: string;
      requestId: string | undefined;
      errorType: string | undefined;
      serverDate: string | undefined;
      sentAt: number;
    }
  | { kind: 'timeout'; timeoutMs: number; cause: unknown }
  | { kind: 'network'; cause: unknown }
  | { kind: 'aborted'; cause?: unknown };

/** Reads credentials from the Lambda environment; throws AwsConfigError naming what is missing. */
export function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new AwsConfigError(
      'no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the execution role)',
    );
  const sessionToken = env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** AWS's error code: the x-amzn-ErrorType header, else `code` or `__type`, without namespace or suffix. */
function errorCode(header: string | undefined, body: ErrorBody | undefined): string | undefined {
  const raw = header ?? body?.code ?? body?.type;
  if (!raw) return undefined;
  // `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException`, `Code:http://...`, `A,B`.
  let code = raw.split(',')[0] ?? raw;
  code = code.split(':')[0] ?? code;
  if (code.includes('#')) code = code.split('#')[1] ?? code;
  code = code.trim();
  return /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/.test(code) ? code : undefined;
}

interface ErrorBody {
  code?: string;
  type?: string;
  message?: string;
}

/** The fields of a JSON error body; undefined when the body is not a JSON object. */
function parseErrorBody(text: string): ErrorBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const text_ = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const out: ErrorBody = {};
  const code = text_(record.code) ?? text_(record.Code);
  const type = text_(record.__type);
  const message = text_(record.message) ?? text_(record.Message) ?? text_(record.errorMessage);
  if (code) out.code = code;
  if (type) out.type = type;
  if (message) out.message = message.slice(0, 1000);
  return out;
}

function unreadable(what: string, status: number): string {
  return `${what} failed with HTTP ${status} and a body that is not AWS's JSON error`;
}

/** The system error code of a connection failure (ECONNREFUSED, ECONNRESET...), or its name. */
function networkCode(error: unknown): string {
  const failure = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof failure?.code === 'string') return failure.code;
  if (typeof failure?.cause?.code === 'string') return failure.cause.code;
  return typeof failure?.name === 'string' ? failure.name : 'unknown';
}

/** Waits `ms`, or less when `signal` aborts. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------------------------

const USER_AGENT = 'handoff-aws-json/1';

type Sender = {
  request: typeof import('node:http').request;
  agent: import('node:http').Agent;
};
const senders: { 'http:'?: Promise<Sender>; 'https:'?: Promise<Sender> } = {};

/**
 * node:https (or node:http, for local endpoints) with a keep-alive agent, loaded on the first
 * request rather than at import: TLS alone is milliseconds of cold start. Keep-alive: one TLS
 * handshake per connection, reused across the container's invocations.
 */
function sender(protocol: string): Promise<Sender> {
  if (protocol === 'https:') {
    senders['https:'] ??= import('node:https').then((https) => ({
      request: https.request,
      agent: new https.Agent({ keepAlive: true, maxSockets: 50 }),
    }));
    return senders['https:'];
  }
  senders['http:'] ??= import('node:http').then((http) => ({
    request: http.request,
    agent: new http.Agent({ keepAlive: true, maxSockets: 50 }),
  }));
  return senders['http:'];
}

/** Sends a request with node:https (certificates verified) or node:http, over kept-alive connections. */
export const httpTransport: AwsTransport = async (request) => {
  const { request: send, agent } = await sender(request.url.protocol);
  return new Promise<AwsHttpResponse>((resolve, reject) => {
    const outgoing = send(
      request.url,
      {
        method: request.method,
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        signal: request.signal,
        agent,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        // A connection that closes mid-body ends the response without `end`.
        response.on('close', () => {
          if (!response.complete)
            reject(new AwsTransportError('the connection closed before the answer was complete'));
        });
        response.on('end', () => {
          const headers = response.headers;
          resolve({
            status: response.statusCode ?? 0,
            header: (name) => {
              const value = headers[name.toLowerCase()];
              return Array.isArray(value) ? value.join(', ') : value;
            },
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
};

/** The connection failed mid-answer (the transport's own error; the client reports AwsNetworkError). */
class AwsTransportError extends Error {
  override readonly name = 'AwsTransportError';
}
