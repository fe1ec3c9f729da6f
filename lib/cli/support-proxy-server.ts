/**
 * The support proxy's server: an HTTP endpoint on 127.0.0.1 that forwards the support page's routes
 * to the deployed status API, signed with SigV4 (service execute-api) with the caller's own AWS
 * credentials, because browsers cannot sign. Like aws-sigv4-proxy, but limited to the status API's
 * routes, and guarded against other pages in the same browser: a request under another host name
 * (DNS rebinding) or a POST from another origin is refused before anything is signed.
 *
 * Responses pass through byte for byte (brotli bodies, entity tags and 304s, the page's security
 * headers); a 403 from API Gateway is replaced by a problem naming what is missing, in the status
 * API's own error shape (JSON; HTML when a browser opens the page itself), so the page shows it.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { AwsV4Signer } from 'aws4fetch';

/** The port the proxy listens on unless told otherwise (the local layer uses 4750). */
export const DEFAULT_SUPPORT_PROXY_PORT = 4760;
/** Largest request body forwarded; a note is at most 2,000 characters (the API accepts 8 KB). */
export const MAX_REQUEST_BODY_BYTES = 16 * 1024;
/** How long to wait for the API: API Gateway gives up on an integration after 30 seconds. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 31_000;
/** Credentials are renewed this long before they expire (the AWS SDK's own margin). */
export const CREDENTIALS_REFRESH_WINDOW_MS = 5 * 60_000;
/** What the proxy forwards; anything else is answered locally with 404 or 405. */
export const PROXIED_ROUTES = 'GET /, GET /assets/*, GET /v1/* and POST /v1/incidents/{id}/notes';

/** AWS credentials as the SDK's providers return them. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When temporary credentials stop working; absent for long-term keys. */
  readonly expiration?: Date;
  /** The account the credentials belong to, when the provider knows it (SSO does). */
  readonly accountId?: string;
}

/** A credentials provider (the SDK's `defaultProvider()` fits); `forceRefresh` asks for new ones. */
export type CredentialsProvider = (options?: { forceRefresh?: boolean }) => Promise<SigningCredentials>;

/** A problem of the support proxy that people can act on; never carries secrets. */
export class SupportProxyError extends Error {
  override readonly name: string = 'SupportProxyError';
}

/** No usable AWS credentials: the person has to sign in. */
export class NoCredentialsError extends SupportProxyError {
  override readonly name = 'NoCredentialsError';
}

/** The status API did not answer (network, DNS, TLS or timeout). */
export class UpstreamUnavailableError extends SupportProxyError {
  override readonly name = 'UpstreamUnavailableError';
  constructor(
    message: string,
    /** The Node error code (ECONNREFUSED, ENOTFOUND, ...) or `timeout`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of startSupportProxy. */
export interface SupportProxyOptions {
  /** Base URL of the deployed status API (the core stack's `StatusApiUrl` output), without query. */
  readonly upstream: URL;
  /** The region to sign for. */
  readonly region: string;
  /** Where AWS credentials come from; the CLI passes the SDK's default chain. */
  readonly credentials: CredentialsProvider;
  /**
   * Local port on 127.0.0.1; 0 picks a free one.
   * @default 4760
   */
  readonly port?: number;
  /**
   * Receives one line per problem worth telling the person at the terminal (an access denial, an
   * unreachable API, a sign-in needed, renewed credentials); repeats within a minute are dropped.
   * @default nothing is reported
   */
  readonly notice?: (line: string) => void;
  /**
   * What to tell people to do when credentials are missing or expired.
   * @default the generic sign-in hint of credentialsHint()
   */
  readonly signInHint?: string;
  /**
   * How long to wait for the API to answer, milliseconds.
   * @default 31000 (API Gateway's own 30-second limit, plus a second)
   */
  readonly upstreamTimeoutMs?: number;
}

/** A running support proxy. */
export interface SupportProxy {
  /** The page's address, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The credentials it signs with now, fetched if needed (the start-up check); throws NoCredentialsError. */
  currentCredentials(): Promise<SigningCredentials>;
  /** Stops accepting requests, lets requests in flight finish (at most a few seconds), then resolves. */
  close(): Promise<void>;
}

/** The sign-in advice for missing or expired credentials (the wording of `handoff dlq`'s). */
export function credentialsHint(profile?: string): string {
  if (profile)
    return `sign in (aws sso login --profile ${profile}), or check that profile ${profile} exists in ~/.aws/config`;
  return 'sign in (aws sso login --profile P, then run with --profile P or AWS_PROFILE=P), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
}

/** The last four characters of an access key id: enough to tell keys apart, never a secret. */
export function keyHint(accessKeyId: string): string {
  return `…${accessKeyId.slice(-4)}`;
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/**
 * Keeps the current credentials and asks the provider again when they are within the refresh
 * window of expiring (SSO and role sessions last hours), when forced (API Gateway said the token
 * expired), or after a failure. One request to the provider at a time.
 */
export class CredentialCache {
  #current: SigningCredentials | undefined;
  #pending: Promise<SigningCredentials> | undefined;

  constructor(
    private readonly provider: CredentialsProvider,
    private readonly signInHint: string,
    private readonly onRenewed: (credentials: SigningCredentials) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Usable credentials; throws NoCredentialsError when none can be had. */
  get(forceRefresh = false): Promise<SigningCredentials> {
    const current = this.#current;
    if (!forceRefresh && current && !this.expiresWithin(current, CREDENTIALS_REFRESH_WINDOW_MS)) {
      return Promise.resolve(current);
    }
    this.#pending ??= this.fetch(forceRefresh).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  private async fetch(forceRefresh: boolean): Promise<SigningCredentials> {
    const previous = this.#current;
    let fresh: SigningCredentials;
    try {
      fresh = await this.provider(forceRefresh ? { forceRefresh: true } : undefined);
      if (!fresh?.accessKeyId || !fresh.secretAccessKey)
        throw new Error('the credentials provider returned no access key');
    } catch (error) {
      // A failed early renewal is no reason to stop while the current session still works.
      if (previous && !forceRefresh && !this.expiresWithin(previous, 30_000)) return previous;
      this.#current = undefined;
      throw new NoCredentialsError(`no usable AWS credentials (${firstLine(error)}): ${this.signInHint}`, {
        cause: error,
      });
    }
    this.#current = fresh;
    if (previous && previous.accessKeyId !== fresh.accessKeyId) this.onRenewed(fresh);
    return fresh;
  }

  private expiresWithin(credentials: SigningCredentials, ms: number): boolean {
    return credentials.expiration !== undefined && credentials.expiration.getTime() - this.now() < ms;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split('\n')[0] ?? '').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line || 'unknown error';
}

// ---------------------------------------------------------------------------------------------
// Routes and guards
// ---------------------------------------------------------------------------------------------

/** Which access a request needs on the status API: the two execute-api grants of docs/DEPLOY.md. */
export type Access = 'read' | 'notes';

/** The methods the proxy forwards for a (still percent-encoded) path; empty when none. */
export function forwardedMethods(path: string): readonly string[] {
  if (path === '/') return ['GET'];
  if (/^\/assets\/./.test(path)) return ['GET'];
  if (/^\/v1\/incidents\/[^/]+\/notes$/.test(path)) return ['GET', 'POST'];
  if (/^\/v1\/./.test(path)) return ['GET'];
  return [];
}

/** Why a path cannot be forwarded as it is, or undefined when it can. */
export function pathProblem(path: string): string | undefined {
  if (path.includes('//')) return 'the path has an empty segment (//)';
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return 'the path has a malformed percent-encoding';
    }
    if (decoded === '.' || decoded === '..') return 'the path has a . or .. segment';
  }
  return undefined;
}

/** RFC 3986 encoding, as SigV4 canonicalises query parameters. */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The query re-encoded the way SigV4 canonicalises it (%20, never +), so the query sent is the
 * query signed whatever encoding the browser chose. Parameters without a name are dropped.
 */
export function canonicalQuery(rawQuery: string): string {
  return [...new URLSearchParams(rawQuery)]
    .filter(([name]) => name !== '')
    .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
    .join('&');
}

// Hop-by-hop headers (RFC 9110 7.6.1) never pass a proxy; cookies and Alt-Svc would apply to
// every port of 127.0.0.1, so the API's (it sets none) do not pass either.
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'alt-svc',
]);

// Request headers are an allowlist: the browser's cookies for 127.0.0.1 (other local apps'),
// authorization and x-amz-* headers, and everything hop-by-hop stay here.
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'accept-encoding',
  'accept-language',
  'if-none-match',
  'if-modified-since',
] as const;

/** The response headers passed to the browser: all but hop-by-hop ones and cookies. */
export function passThroughHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// API Gateway's 403s
// ---------------------------------------------------------------------------------------------

/** Why API Gateway refused a signed request. */
export type ForbiddenReason = 'permission' | 'expired' | 'invalid-token' | 'clock' | 'region' | 'signature';

/** Classifies API Gateway's 403 message (`{"message": ...}`) and `x-amzn-errortype` header. */
export function forbiddenReason(message: string, errorType = ''): ForbiddenReason {
  if (/security token.*expired|ExpiredToken/i.test(`${message} ${errorType}`)) return 'expired';
  if (/security token.*invalid|UnrecognizedClient|InvalidClientTokenId/i.test(`${message} ${errorType}`))
    return 'invalid-token';
  if (/signature expired|signature not yet current/i.test(message)) return 'clock';
  if (/scoped to (a valid|the correct) region|credential should be scoped/i.test(message)) return 'region';
  if (
    /signature we calculated does not match|InvalidSignature|IncompleteSignature/i.test(
      `${message} ${errorType}`,
    )
  )
    return 'signature';
  return 'permission';
}

/** Where the status API lives, for naming its execute-api ARNs. */
export interface ApiLocation {
  readonly region: string;
  /** The API id when the URL is API Gateway's own host; undefined for a custom domain. */
  readonly apiId: string | undefined;
  readonly partition: string;
}

/** Where an execute-api URL points (`<api-id>.execute-api.<region>.amazonaws.com`). */
export function apiLocation(upstream: URL, region: string): ApiLocation {
  const match = /^([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.exec(upstream.hostname);
  return { region, apiId: match?.[1], partition: match?.[2] ? 'aws-cn' : 'aws' };
}

/** The execute-api ARN that grants an access (the stack outputs StatusApiReadArn / StatusApiNotesArn). */
export function accessArn(location: ApiLocation, access: Access, accountId?: string): string {
  const resource = access === 'read' ? '$default/GET/*' : '$default/POST/v1/incidents/*/notes';
  return `arn:${location.partition}:execute-api:${location.region}:${accountId ?? '<account>'}:${location.apiId ?? '<api-id>'}/${resource}`;
}

/** What to tell the person about a 403, and the code of the JSON problem. */
export function explainForbidden(
  reason: ForbiddenReason,
  access: Access,
  context: { location: ApiLocation; accountId?: string; signInHint: string },
): { code: string; message: string } {
  switch (reason) {
    case 'permission': {
      const arn = accessArn(context.location, access, context.accountId);
      return access === 'read'
        ? {
            code: 'missing_read_permission',
            message: `Access denied: your AWS identity may not read the status API. Ask for execute-api:Invoke on ${arn} (the core stack's StatusApiReadArn output; see "Status API access for support" in docs/DEPLOY.md).`,
          }
        : {
            code: 'missing_notes_permission',
            message: `Access denied: adding incident notes needs its own permission. Ask for execute-api:Invoke on ${arn} (the core stack's StatusApiNotesArn output; see "Status API access for support" in docs/DEPLOY.md).`,
          };
    }
    case 'expired':
      return {
        code: 'credentials_expired',
        message: `Your AWS session has expired and could not be renewed: ${context.signInHint}; then reload the page.`,
      };
    case 'invalid-token':
      return {
        code: 'credentials_invalid',
        message: `AWS does not accept your credentials (the security token is invalid): ${context.signInHint}; then reload the page.`,
      };
    case 'clock':
      return {
        code: 'clock_skew',
        message:
          "AWS refused the request as too old or too new: this computer's clock is off by more than 5 minutes. Set it to the right time (automatic time), then reload the page.",
      };
    case 'region':
      return {
        code: 'wrong_region',
        message: `AWS refused the signature for region ${context.location.region}: the status API is in another region. Restart the proxy with --region set to the API's region.`,
      };
    case 'signature':
      return {
        code: 'signature_rejected',
        message:
          'AWS rejected the request signature. Check that --url is the StatusApiUrl output and that no other proxy changes requests on the way; if both are fine, report it to the team that runs handoff.',
      };
  }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

const PROBLEM_HEADERS: Readonly<http.OutgoingHttpHeaders> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

/**
 * A problem answer. JSON in the status API's shape (`{ error: { code, message } }`), which the page
 * shows as it is; a browser opening the page itself (GET / for text/html) gets the same message as
 * a plain HTML page instead of raw JSON.
 */
function problem(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: http.OutgoingHttpHeaders & { requestId?: string } = {},
): void {
  const { requestId, ...headers } = extra;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const page = res.req.url?.split('?')[0] === '/' && /text\/html/.test(res.req.headers.accept ?? '');
  const body = page
    ? [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<title>handoff support proxy</title></head><body>',
        '<h1>The support page cannot be shown</h1>',
        `<p>${escapeHtml(message)}</p>`,
        `<p>Code: ${escapeHtml(code)}${requestId ? `, request id: ${escapeHtml(requestId)}` : ''}</p>`,
        '</body></html>',
      ].join('\n')
    : JSON.stringify({ error: { code, message, ...(requestId ? { requestId } : {}) } });
  res.writeHead(status, {
    ...PROBLEM_HEADERS,
    'content-type': page ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    ...headers,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** The route shape for terminal lines: ids in paths may be personal data (an email as entity id). */
export function pathForLog(path: string): string {
  if (path === '/') return '/';
  const [, first, second] = path.split('/');
  if (first === 'v1' && second) return `/v1/${second}${path.split('/').length > 3 ? '/…' : ''}`;
  return `/${first ?? ''}/…`;
}

/** Printable ASCII only, clipped: what a foreign page sent must not drive the terminal. */
function printable(text: string, max = 80): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Drops a line repeated within a minute (the page polls every 30 seconds). */
function deduplicated(notice: (line: string) => void): (line: string) => void {
  let last: string | undefined;
  let at = 0;
  return (line) => {
    const now = Date.now();
    if (line === last && now - at < 60_000) return;
    last = line;
    at = now;
    notice(line);
  };
}

type BodyResult = { kind: 'body'; body: Buffer } | { kind: 'too-large' } | { kind: 'gone' };

function readBody(req: http.IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish({ kind: 'body', body: Buffer.concat(chunks) }));
    req.on('error', () => finish({ kind: 'gone' }));
    req.on('close', () => finish({ kind: 'gone' }));
  });
}

function readCapped(stream: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function networkCode(error: unknown): string {
  if (error instanceof UpstreamUnavailableError) return error.code;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

interface Outgoing {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
  access: Access;
  logLine: string;
}

/** Starts the proxy on 127.0.0.1 (never another interface) and resolves once it listens. */
export async function startSupportProxy(options: SupportProxyOptions): Promise<SupportProxy> {
  const notice = deduplicated(options.notice ?? (() => {}));
  const signInHint = options.signInHint ?? credentialsHint();
  const timeoutMs = options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const upstream = options.upstream;
  const prefix = upstream.pathname.replace(/\/+$/, '');
  const location = apiLocation(upstream, options.region);
  const secure = upstream.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 16 })
    : new http.Agent({ keepAlive: true, maxSockets: 16 });
  const signingKeys = new Map<string, ArrayBuffer>();
  const credentials = new CredentialCache(options.credentials, signInHint, (fresh) =>
    notice(
      `renewed AWS credentials (key ${keyHint(fresh.accessKeyId)}${fresh.expiration ? `, valid until ${clock(fresh.expiration)}` : ''})`,
    ),
  );
  let allowedHosts = new Set<string>();
  let port = 0;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug, not a user error: answer plainly, keep serving.
      notice(`internal error: ${firstLine(error)} (please report it)`);
      problem(res, 500, 'proxy_error', 'The support proxy failed unexpectedly; see its terminal.');
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const origin = `http://127.0.0.1:${port}`;
    const host = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(host)) {
      notice(
        `refused a request for host "${printable(host)}": only ${origin}/ is served (DNS rebinding guard)`,
      );
      problem(
        res,
        403,
        'foreign_host',
        `This proxy answers only at ${origin}/ (or localhost:${port}); other host names are refused so that no other web page can use your AWS credentials.`,
      );
      return;
    }
    const target = req.url ?? '';
    if (!target.startsWith('/')) {
      problem(res, 400, 'invalid_path', 'The request target must be a path starting with /.');
      return;
    }
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const method = req.method ?? 'GET';
    const methods = forwardedMethods(path);
    if (methods.length === 0) {
      problem(res, 404, 'not_proxied', `The support proxy forwards only ${PROXIED_ROUTES}.`);
      return;
    }
    if (!methods.includes(method)) {
      problem(res, 405, 'method_not_allowed', `Use ${methods.join(' or ')} here.`, {
        allow: methods.join(', '),
      });
      return;
    }
    if (method === 'POST') {
      const requestOrigin = req.headers.origin;
      const fetchSite = req.headers['sec-fetch-site'];
      const foreignOrigin = requestOrigin !== undefined && requestOrigin !== `http://${host}`;
      const foreignSite = fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none';
      if (foreignOrigin || foreignSite) {
        notice(
          `refused a POST from another page (origin "${printable(requestOrigin ?? String(fetchSite))}"): writes are accepted only from ${origin}`,
        );
        problem(
          res,
          403,
          'cross_origin',
          `The support proxy accepts writes only from its own page (${origin}); this request came from another origin.`,
        );
        return;
      }
    }
    const problemOfPath = pathProblem(path);
    const query = canonicalQuery(rawQuery);
    const url = new URL(`${prefix}${path}${query ? `?${query}` : ''}`, upstream.origin);
    // The path signed, checked and sent must be one and the same: refuse what URL parsing would change.
    if (problemOfPath || url.pathname !== `${prefix}${path}`) {
      problem(
        res,
        400,
        'invalid_path',
        `${problemOfPath ?? 'the path has characters that must be percent-encoded'}; it is not forwarded.`,
      );
      return;
    }

    let body: Buffer | undefined;
    if (method === 'POST') {
      const read = await readBody(req, MAX_REQUEST_BODY_BYTES);
      if (read.kind === 'gone') return;
      if (read.kind === 'too-large') {
        problem(
          res,
          413,
          'payload_too_large',
          `The request body must be at most ${MAX_REQUEST_BODY_BYTES} bytes (a note is at most 2,000 characters).`,
          { connection: 'close' },
        );
        return;
      }
      body = read.body;
    }

    const headers: Record<string, string> = { 'user-agent': 'handoff-support-proxy' };
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (body !== undefined) {
      const contentType = req.headers['content-type'];
      if (contentType) headers['content-type'] = contentType;
      headers['content-length'] = String(body.length);
    }
    await forward(req, res, {
      method,
      url,
      headers,
      body,
      access: method === 'POST' ? 'notes' : 'read',
      logLine: `${method} ${pathForLog(path)}`,
    });
  }

  async function forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    out: Outgoing,
    retried = false,
  ): Promise<void> {
    let creds: SigningCredentials;
    try {
      creds = await credentials.get(retried);
    } catch (error) {
      const message = error instanceof NoCredentialsError ? error.message : firstLine(error);
      notice(`${out.logLine} 503: ${message}`);
      problem(
        res,
        503,
        'no_credentials',
        `The support proxy has no usable AWS credentials: ${signInHint}; then reload the page.`,
      );
      return;
    }
    const signed = await new AwsV4Signer({
      method: out.method,
      url: out.url.toString(),
      headers: {},
      ...(out.body !== undefined ? { body: new Uint8Array(out.body) } : {}),
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
      service: 'execute-api',
      region: options.region,
      cache: signingKeys,
    }).sign();
    const headers: Record<string, string> = { ...out.headers };
    for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token']) {
      const value = signed.headers.get(name);
      if (value) headers[name] = value;
    }

    let upstreamRes: http.IncomingMessage;
    try {
      upstreamRes = await send(res, out, headers);
    } catch (error) {
      if (res.destroyed || res.writableEnded) return; // the browser went away first
      const code = networkCode(error);
      const timedOut = code === 'timeout';
      notice(
        `${out.logLine} ${timedOut ? 504 : 502}: ${timedOut ? `${upstream.host} did not answer within ${Math.round(timeoutMs / 1000)} s` : `cannot reach ${upstream.host} (${code}): check your network or VPN`}`,
      );
      problem(
        res,
        timedOut ? 504 : 502,
        timedOut ? 'upstream_timeout' : 'upstream_unreachable',
        timedOut
          ? `The status API (${upstream.host}) did not answer within ${Math.round(timeoutMs / 1000)} seconds. Try again in a minute.`
          : `The support proxy cannot reach the status API at ${upstream.host} (${code}). Check your network or VPN connection, then reload.`,
      );
      return;
    }

    const status = upstreamRes.statusCode ?? 502;
    if (status === 403) {
      await forbidden(req, res, out, upstreamRes, creds, retried);
      return;
    }
    res.writeHead(status, passThroughHeaders(upstreamRes.headers));
    await pipeline(upstreamRes, res).catch(() => {
      // The browser went away, or the API broke off mid-body: nothing more can be said to either.
    });
  }

  function send(
    res: http.ServerResponse,
    out: Outgoing,
    headers: Record<string, string>,
  ): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(
        out.url,
        { method: out.method, headers, agent },
        resolve,
      );
      request.setTimeout(timeoutMs, () =>
        request.destroy(new UpstreamUnavailableError(`no answer within ${timeoutMs} ms`, 'timeout')),
      );
      request.on('error', reject);
      // The browser gave up (navigated away, closed the tab): stop waiting for the API too.
      const abandon = () => {
        if (!res.writableEnded) request.destroy(new UpstreamUnavailableError('browser went away', 'aborted'));
      };
      res.once('close', abandon);
      request.end(out.body);
    });
  }

  async function forbidden(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    out: Outgoing,
    upstreamRes: http.IncomingMessage,
    creds: SigningCredentials,
    retried: boolean,
  ): Promise<void> {
    const raw = await readCapped(upstreamRes, 64 * 1024).catch(() => Buffer.alloc(0));
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const own = (parsed as { error?: { code?: unknown } } | undefined)?.error;
    if (own && typeof own.code === 'string') {
      // The status API's own problem, not API Gateway's: pass it through unchanged.
      res.writeHead(403, { ...passThroughHeaders(upstreamRes.headers), 'content-length': raw.length });
      res.end(raw);
      return;
    }
    const message = (parsed as { message?: unknown } | undefined)?.message;
    const errorType = upstreamRes.headers['x-amzn-errortype'];
    const reason = forbiddenReason(
      typeof message === 'string' ? message : raw.toString('utf8').slice(0, 500),
      typeof errorType === 'string' ? errorType : '',
    );
    if (reason === 'expired' && !retried) {
      // The session ended before its stated expiry (signed out, revoked): renew once and retry.
      await forward(req, res, out, true);
      return;
    }
    const explained = explainForbidden(reason, out.access, {
      location,
      ...(creds.accountId ? { accountId: creds.accountId } : {}),
      signInHint,
    });
    notice(`${out.logLine} 403: ${explained.message}`);
    const requestId = upstreamRes.headers['apigw-requestid'] ?? upstreamRes.headers['x-amzn-requestid'];
    problem(res, 403, explained.code, explained.message, {
      ...(typeof requestId === 'string' ? { requestId } : {}),
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: options.port ?? DEFAULT_SUPPORT_PROXY_PORT }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    currentCredentials: () => credentials.get(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          agent.destroy();
          resolve();
        });
        // Browsers keep idle connections open; requests in flight get a few seconds to finish.
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 3_000);
        force.unref();
      }),
  };
}

/** `14:32 UTC`: when temporary credentials expire, for the terminal. */
export function clock(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`;
}
