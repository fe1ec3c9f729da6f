/**
 * The HTTP front of the local SQS store, on 127.0.0.1 by default. It speaks the AWS JSON 1.0
 * protocol (SDK v3, current AWS CLIs) and the query protocol (older CLIs, such as Debian's), tells
 * them apart by the `X-Amz-Target` header, and answers every failure in the caller's protocol:
 * never a stack trace. Requests are not authenticated: any credentials are accepted, which is why
 * it listens on the loopback interface unless told otherwise.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SqsApiError, SqsStoreError } from './errors.js';
import {
  jsonError,
  jsonResponse,
  operationFromTarget,
  parseJsonBody,
  type WireResponse,
} from './json-protocol.js';
import { queueUrlOf } from './model.js';
import { isOperation, type OperationContext, runOperation } from './operations.js';
import { queryError, queryResponse, queryToRequest } from './query-protocol.js';
import type { SqsStore } from './store.js';

/** Options of `startSqsServer`. */
export interface SqsServerOptions {
  store: SqsStore;
  /**
   * Port to listen on; 0 picks a free one (read it from the result).
   * @default 0
   */
  port?: number;
  /**
   * Interface to listen on. Requests are not authenticated: keep it on the loopback interface.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * SenderId of messages sent through the server.
   * @default the store's defaultSenderId
   */
  senderId?: string;
  /**
   * Largest request body accepted, in bytes; larger requests get 413. A 1 MiB batch grows when
   * JSON-escaped or form-encoded, hence the margin.
   * @default 8 MiB
   */
  maxRequestBytes?: number;
  /**
   * Called with unexpected failures, which clients see as 500 InternalFailure without details.
   * @default ignore them (this server prints nothing on its own)
   */
  onError?: (error: unknown) => void;
}

/** A running server. */
export interface SqsServer {
  /** Base URL, e.g. http://127.0.0.1:41234: the SDK's `endpoint`, the CLI's `--endpoint-url`. */
  url: string;
  port: number;
  /** The URL of queue `name` on this server, as CreateQueue and GetQueueUrl answer it. */
  queueUrl(name: string): string;
  /** Stops accepting, ends long polls, lets running requests finish, closes every connection. */
  close(): Promise<void>;
}

const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024;
/** How long close() waits for running requests before cutting connections. */
const CLOSE_GRACE_MS = 10_000;

/** Starts the server; resolves once it is listening. Does not own the store: close that yourself. */
export async function startSqsServer(options: SqsServerOptions): Promise<SqsServer> {
  const host = options.host ?? '127.0.0.1';
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  let closing = false;
  /** Aborts the long polls of running requests when the server closes. */
  const running = new Set<AbortController>();
  let active = 0;
  let idle: (() => void) | undefined;
  let baseUrl = '';

  const server = createServer((req, res) => {
    active += 1;
    res.on('close', () => {
      active -= 1;
      if (active === 0) idle?.();
    });
    handle(req, res).catch((error: unknown) => {
      // Only a failure to write the answer gets here; the connection is the only thing left to end.
      options.onError?.(error);
      res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const target = req.headers['x-amz-target'];
    const protocol: Protocol = typeof target === 'string' ? 'json' : 'query';
    const read = await readBody(req, maxRequestBytes);
    if (read === 'gone') {
      res.destroy();
      return;
    }
    if (read === 'too-large') {
      const error = new SqsApiError(
        'RequestEntityTooLarge',
        `Request bodies are limited to ${maxRequestBytes} bytes.`,
      );
      res.on('finish', () => req.socket.destroy());
      return send(
        res,
        requestId,
        protocol === 'json' ? jsonError(error) : queryError(error, requestId),
        true,
      );
    }
    const controller = new AbortController();
    // A request that arrives on a kept-alive connection while closing must not start a long poll.
    if (closing) controller.abort();
    running.add(controller);
    res.on('close', () => {
      running.delete(controller);
      if (!res.writableFinished) controller.abort();
    });
    const ctx: OperationContext = {
      store: options.store,
      baseUrl,
      signal: controller.signal,
      ...(options.senderId !== undefined ? { senderId: options.senderId } : {}),
    };
    const answer =
      typeof target === 'string'
        ? await answerJson(ctx, req, target, read.body)
        : await answerQuery(ctx, req, read.body, requestId, baseUrl);
    return send(res, requestId, answer, closing);
  }

  async function answerJson(
    ctx: OperationContext,
    req: IncomingMessage,
    target: string,
    body: string,
  ): Promise<WireResponse> {
    try {
      const operation = operationFromTarget(target);
      if (req.method !== 'POST' || operation === undefined || !isOperation(operation))
        throw new SqsApiError(
          'UnknownOperationException',
          `Unknown operation ${target.slice(0, 100)}: send POST / with X-Amz-Target: AmazonSQS.<Operation>.`,
        );
      let request: unknown;
      try {
        request = parseJsonBody(body);
      } catch (error) {
        throw new SqsApiError('SerializationException', 'The request body is not valid JSON.', {
          cause: error,
        });
      }
      return jsonResponse(await runOperation(ctx, operation, request));
    } catch (error) {
      return jsonError(classify(error));
    }
  }

  async function answerQuery(
    ctx: OperationContext,
    req: IncomingMessage,
    body: string,
    requestId: string,
    origin: string,
  ): Promise<WireResponse> {
    try {
      const url = new URL(req.url ?? '/', origin);
      const params = new URLSearchParams(url.search);
      const contentType = req.headers['content-type'] ?? '';
      if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded'))
        for (const [key, value] of new URLSearchParams(body)) params.append(key, value);
      const action = params.get('Action');
      if (action === null || action === '')
        throw new SqsApiError(
          'MissingAction',
          'The request must contain the parameter Action (query protocol) or an X-Amz-Target header (JSON protocol).',
        );
      if (!isOperation(action))
        throw new SqsApiError(
          'InvalidAction',
          `The action ${action.slice(0, 100)} is not valid for this web service.`,
        );
      return queryResponse(
        action,
        await runOperation(ctx, action, queryToRequest(action, params, url)),
        requestId,
      );
    } catch (error) {
      return queryError(classify(error), requestId);
    }
  }

  function classify(error: unknown): SqsApiError {
    if (error instanceof SqsApiError) {
      if (error.code === 'InternalFailure') options.onError?.(error);
      return error;
    }
    if (error instanceof SqsStoreError)
      return new SqsApiError('ServiceUnavailable', 'The local SQS server is shutting down.', {
        cause: error,
      });
    options.onError?.(error);
    return new SqsApiError('InternalFailure', 'The local SQS server failed to process the request.', {
      cause: error,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: baseUrl,
    port,
    queueUrl: (name) => queueUrlOf(baseUrl, name),
    close() {
      closed ??= (async () => {
        closing = true;
        for (const controller of running) controller.abort();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (active > 0)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, CLOSE_GRACE_MS);
            timer.unref();
            idle = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}

type Protocol = 'json' | 'query';

/** The body as UTF-8 text; 'too-large' once it passes `limit` bytes; 'gone' if the client left. */
function readBody(req: IncomingMessage, limit: number): Promise<{ body: string } | 'too-large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: { body: string } | 'too-large' | 'gone') => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.pause();
        settle('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle({ body: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => settle('gone'));
    req.on('close', () => settle('gone'));
  });
}

function send(res: ServerResponse, requestId: string, answer: WireResponse, closeConnection: boolean): void {
  const body = Buffer.from(answer.body, 'utf8');
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-length': String(body.length),
    'x-amzn-requestid': requestId,
    ...(closeConnection ? { connection: 'close' } : {}),
  });
  res.end(body);
}
