/**
 * A local `node:http` server standing in for an AWS JSON endpoint, with fault injection: each
 * request takes the next scripted answer (a status, headers and body, possibly late; a connection
 * that hangs; a connection reset), or the default answer once the script is used up. Every request is recorded
 * as received (method, path, headers, body), so tests can check what the client sent.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One scripted answer. */
export type FakeAnswer =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | { hang: true }
  | { reset: true };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeAws {
  endpoint: string;
  requests: RecordedRequest[];
  /** Answers for the next requests, in order. */
  script(...answers: FakeAnswer[]): void;
  /** The answer once the script is used up. */
  fallback: FakeAnswer;
  close(): Promise<void>;
}

/** An AWS JSON error answer: `__type` and `message`, with the request id header. */
export function awsError(status: number, type: string, message = 'injected', headers = {}): FakeAnswer {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `req-${type}`, ...headers },
    body: JSON.stringify({ __type: `com.amazonaws.test#${type}`, message }),
  };
}

/** A successful AWS JSON answer. */
export function awsOk(body: Record<string, unknown> = {}): FakeAnswer {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-ok' },
    body: JSON.stringify(body),
  };
}

export async function startFakeAws(): Promise<FakeAws> {
  const sockets = new Set<Socket>();
  const queue: FakeAnswer[] = [];
  const fake: FakeAws = {
    endpoint: '',
    requests: [],
    script: (...answers) => void queue.push(...answers),
    fallback: awsOk(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      fake.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = queue.shift() ?? fake.fallback;
      if ('hang' in answer) return;
      if ('reset' in answer) {
        req.socket.destroy();
        return;
      }
      const send = () => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
