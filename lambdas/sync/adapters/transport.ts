/**
 * The HTTP client of target deliveries: node:http / node:https over kept-alive connections. Not
 * fetch: on Node 20, fetch is undici plus web streams. Measured against a local node:http server
 * (16 concurrent, 10,000 requests), fetch cost ~540-630 µs of CPU per request and this ~190 µs;
 * and the first fetch of a container loads undici (~70 ms before its first request, ~25 ms here).
 *
 * What it does:
 * - keeps connections alive in module-level agents, so a container reuses its connection (and TLS
 *   session) from one invocation to the next; an idle connection is closed after 4 s (undici's
 *   default), or sooner when the server's `Keep-Alive: timeout=N` says it closes them sooner;
 * - sends a request again, once and on a new connection, when a reused connection turns out to
 *   have been closed by the server before any byte of the answer arrived (see `isStaleConnection`);
 *   never otherwise: retries are Lambda's, by tier;
 * - follows no redirects: a 3xx is returned as is;
 * - reads the answer's body to the end and drops it (so the connection can be reused), never
 *   keeping it: a target's answer may echo personal data. An answer cut off mid-body is a failure
 *   (ECONNRESET), not a success: what the target did is unknown, and the retry is idempotent;
 * - always verifies TLS certificates, whatever NODE_TLS_REJECT_UNAUTHORIZED says;
 * - aborts with the request's signal, destroying the connection;
 * - rejects with HttpRequestError carrying the system error code (ECONNREFUSED, ECONNRESET,
 *   ENOTFOUND, a TLS code such as CERT_HAS_EXPIRED, or ABORT_ERR), so callers can classify it.
 */
import type { Agent, ClientRequest, IncomingHttpHeaders, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';

/** One request to a target. */
export interface HttpRequest {
  /** An absolute http: or https: URL. */
  url: string;
  method: string;
  /** Header names in lower case; `content-length` is set by the transport. */
  headers: Record<string, string>;
  body?: string;
  /** Aborts the request (a timeout, the handler's deadline); the connection is destroyed. */
  signal?: AbortSignal;
}

/** A complete answer; its body was read to the end and dropped. */
export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: IncomingHttpHeaders;
  /** 2 when the request was sent again after finding its kept-alive connection closed, else 1. */
  attempts: 1 | 2;
}

/** Sends one request and resolves with the complete answer, whatever its status. */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/** The request failed before a complete answer arrived: refused, reset, DNS, TLS, aborted... */
export class HttpRequestError extends Error {
  override readonly name = 'HttpRequestError';
  /** The system error code (ECONNREFUSED, ECONNRESET, ENOTFOUND, CERT_HAS_EXPIRED...), or ABORT_ERR. */
  readonly code: string;
  /** Whether the request went out on a kept-alive connection that had served earlier requests. */
  readonly reusedConnection: boolean;
  /** Whether any byte of the answer had arrived when it failed. */
  readonly answerStarted: boolean;

  constructor(
    message: string,
    details: { code: string; reusedConnection: boolean; answerStarted: boolean },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = details.code;
    this.reusedConnection = details.reusedConnection;
    this.answerStarted = details.answerStarted;
  }
}

/** How a transport connects; the defaults suit both Lambda and the local layer. */
export interface HttpTransportOptions {
  /**
   * Connections per origin at most; more requests wait for one. On Lambda a sync function sends one
   * delivery at a time, so one is used; the local layer runs every function's environments in one
   * process (8 per contract), against one origin for all its example targets.
   * @default 128
   */
  maxSockets?: number;
  /**
   * An idle kept-alive connection is closed after this many ms; sooner when the server's
   * `Keep-Alive: timeout=N` header says it closes idle connections sooner (Node subtracts 1 s).
   * @default 4000 (undici's, so fetch's)
   */
  idleTimeoutMs?: number;
  /** Certificates (PEM) trusted besides Node's bundled roots, e.g. a private CA. On Lambda, NODE_EXTRA_CA_CERTS also works. */
  ca?: string[];
}

/** Default `maxSockets`. */
export const DEFAULT_MAX_SOCKETS = 128;
/** Default `idleTimeoutMs`. */
export const DEFAULT_IDLE_TIMEOUT_MS = 4000;

interface Sender {
  request: (url: URL, options: RequestOptions) => ClientRequest;
  /** Kept-alive connections, shared by all requests to an origin. */
  pooled: Agent;
  /** One new connection per request, closed after it: for the single retry after a stale connection. */
  fresh: Agent;
}

/**
 * Creates a transport with its own agents. Sync functions use the module-level `httpTransport`;
 * a separate one is for tests, or for a private CA.
 */
export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
  const timeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // Loaded on the first request rather than at import: TLS alone is milliseconds of cold start, and
  // kept as values once loaded, so later requests do not wait on an import.
  let http: Sender | Promise<Sender> | undefined;
  let https: Sender | Promise<Sender> | undefined;
  const load = (protocol: 'http:' | 'https:'): Sender | Promise<Sender> => {
    if (protocol === 'http:') {
      http ??= import('node:http').then((m) => {
        const sender: Sender = {
          request: m.request,
          pooled: new m.Agent({ keepAlive: true, maxSockets, timeout, scheduling: 'lifo' }),
          fresh: new m.Agent({ keepAlive: false }),
        };
        http = sender;
        return sender;
      });
      return http;
    }
    https ??= Promise.all([import('node:https'), import('node:tls')]).then(([m, tls]) => {
      // rejectUnauthorized is forced: a NODE_TLS_REJECT_UNAUTHORIZED=0 left in a function's
      // environment must not turn verification off for deliveries carrying credentials.
      const tlsOptions = {
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2' as const,
        ...(options.ca ? { ca: [...tls.rootCertificates, ...options.ca] } : {}),
      };
      const sender: Sender = {
        request: m.request,
        pooled: new m.Agent({ ...tlsOptions, keepAlive: true, maxSockets, timeout, scheduling: 'lifo' }),
        fresh: new m.Agent({ ...tlsOptions, keepAlive: false }),
      };
      https = sender;
      return sender;
    });
    return https;
  };

  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (error) {
      throw new HttpRequestError('the URL is not valid', NOT_SENT('ERR_INVALID_URL'), { cause: error });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new HttpRequestError(`${url.protocol} is not http(s)`, NOT_SENT('ERR_INVALID_PROTOCOL'));
    const sender = await load(url.protocol);
    const body = request.body ?? '';
    const headers = { ...request.headers, 'content-length': String(Buffer.byteLength(body)) };
    try {
      return await send(sender.request, sender.pooled, url, request.method, headers, body, request.signal, 1);
    } catch (error) {
      if (!isStaleConnection(error, request.signal)) throw error;
      // The server closed this kept-alive connection while it sat idle, and the request was written
      // before the close reached us: nothing of the answer arrived, and usually the request reached
      // no application (a server closes idle connections). Not always: a server that half-closes an
      // idle connection may still read and run the request, and one that died with the request in
      // hand looks the same. This race is
      // the price of keep-alive (worst on Lambda, where a frozen container learns of closes late),
      // so the request is sent once more, at once, on a new connection: what Node's documentation
      // of `request.reusedSocket` recommends, and what Go's net/http does for requests carrying an
      // Idempotency-Key. Sending again is safe because every delivery carries its Idempotency-Key
      // and version, which a target uses to absorb the second copy.
      return send(sender.request, sender.fresh, url, request.method, headers, body, request.signal, 2);
    }
  };
}

/** The transport sync functions use: one set of agents per container, reused across invocations. */
export const httpTransport: HttpTransport = createHttpTransport();

/** Whether a failure is a kept-alive connection the server had closed: reused, reset, nothing answered. */
function isStaleConnection(error: unknown, signal: AbortSignal | undefined): boolean {
  return (
    error instanceof HttpRequestError &&
    error.reusedConnection &&
    !error.answerStarted &&
    // ECONNRESET: the close (a FIN: Node's "socket hang up", or an RST) arrived instead of an
    // answer; EPIPE: the connection was already gone when the request was written.
    (error.code === 'ECONNRESET' || error.code === 'EPIPE') &&
    !signal?.aborted
  );
}

const NOT_SENT = (code: string) => ({ code, reusedConnection: false, answerStarted: false });

/** One attempt: writes the request, reads the answer to its end, dropping the body. */
function send(
  request: Sender['request'],
  agent: Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal | undefined,
  attempts: 1 | 2,
): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    let socket: Socket | undefined;
    let reused = false;
    let readBefore = 0;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      // bytesRead counts this connection's earlier answers too: compare with its count at the start.
      const answerStarted = socket !== undefined && socket.bytesRead > readBefore;
      const code = signal?.aborted ? 'ABORT_ERR' : errorCode(error);
      reject(
        new HttpRequestError(
          `${method} to ${url.host} failed (${code})`,
          { code, reusedConnection: reused, answerStarted },
          { cause: error },
        ),
      );
    };
    let outgoing: ClientRequest;
    try {
      // Header values are validated here (a credential with a line break throws ERR_INVALID_CHAR).
      outgoing = request(url, { method, headers, agent, ...(signal ? { signal } : {}) });
    } catch (error) {
      fail(error);
      return;
    }
    outgoing.on('socket', (assigned: Socket) => {
      socket = assigned;
      reused = outgoing.reusedSocket;
      readBefore = assigned.bytesRead;
    });
    outgoing.on('response', (response) => {
      response.on('error', fail);
      // A connection that closes mid-body ends the answer without 'end' (or with an error).
      response.on('close', () => {
        if (!response.complete)
          fail(Object.assign(new Error('the connection closed mid-answer'), { code: 'ECONNRESET' }));
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, attempts });
      });
      // Drained, not read: the body is never kept.
      response.resume();
    });
    outgoing.on('error', fail);
    outgoing.end(body);
  });
}

/** The system error code of a failure (ECONNREFUSED, ECONNRESET, a TLS code...), else its name. */
function errorCode(error: unknown): string {
  const failure = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof failure?.code === 'string') return failure.code;
  if (typeof failure?.cause?.code === 'string') return failure.cause.code;
  return typeof failure?.name === 'string' ? failure.name : 'UNKNOWN';
}
