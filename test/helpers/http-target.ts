/**
 * A real HTTP target for tests, with fault injection: scripted answers per request (status codes,
 * delays, dropped connections), and a record of what it received. It can also keep the last body
 * per path, last write wins, to check what a target ends up holding after races.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  at: number;
}

/** What the target does with one request. */
export type Fault = { status: number; delayMs?: number } | { drop: true } | { hang: true };

export interface HttpTarget {
  url: string;
  received: ReceivedRequest[];
  /** Last body per path (applied when the answer is 2xx), last write wins. */
  holds: Map<string, unknown>;
  /** Answers for the next requests, in order; afterwards `fallback` applies. */
  script(...faults: Fault[]): void;
  /** The answer once the script is used up (default 200). */
  fallback: Fault;
  close(): Promise<void>;
}

export async function startHttpTarget(): Promise<HttpTarget> {
  const queue: Fault[] = [];
  const received: ReceivedRequest[] = [];
  const holds = new Map<string, unknown>();
  const target: Partial<HttpTarget> = { fallback: { status: 200 } };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the raw text
      }
      const path = req.url ?? '/';
      received.push({ method: req.method ?? '', path, headers: req.headers, body, at: Date.now() });
      const fault = queue.shift() ?? (target.fallback as Fault);
      if ('drop' in fault) {
        req.socket.destroy();
        return;
      }
      if ('hang' in fault) return; // never answer: the client must time out
      setTimeout(() => {
        if (fault.status >= 200 && fault.status < 300) holds.set(path, body);
        res.writeHead(fault.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: fault.status < 300 }));
      }, fault.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(target, {
    url,
    received,
    holds,
    script: (...faults: Fault[]) => {
      queue.push(...faults);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as HttpTarget;
}
