/** The local layer's PutEvents logic (lib/local/ingress.ts) on a node:http server, for client tests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { putEvents } from '../../lib/local/ingress.js';
import { MetricStore } from '../../lib/local/metrics.js';

export interface TestIngress {
  endpoint: string;
  /** The events it accepted, in order. */
  events: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Starts the ingress on a free port for one bus; it keeps every event it accepts. */
export async function startTestIngress(busName: string, region: string): Promise<TestIngress> {
  const events: Array<Record<string, unknown>> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      putEvents(JSON.parse(Buffer.concat(chunks).toString('utf8')), {
        busName,
        account: '123456789012',
        region,
        route: (_bus, event) => {
          events.push(event);
          return [];
        },
        accept: async () => undefined,
        metrics: new MetricStore(60_000),
      }).then((answer) => {
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
