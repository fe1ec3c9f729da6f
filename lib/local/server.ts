/**
 * The local layer's one port: the EventBridge-compatible ingress (POST / with X-Amz-Target), the
 * status API under /v1 (through the API Gateway adapter), the runbooks under /runbooks, and a small
 * admin API (/_admin) for the live view, the demo and incident rehearsals.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';
import type { Context } from 'aws-lambda';
import { wantsPage } from '../../lambdas/status-api/page/serve.js';
import { PROJECT_ROOT } from '../cli/project.js';
import type { Plan } from '../plan/types.js';
import {
  apiContext,
  MAX_API_BODY_BYTES,
  requestUrl,
  toApiGatewayEvent,
  writeApiResult,
} from './api-gateway.js';
import type { LocalFunction } from './functions.js';
import { putEvents, testPattern } from './ingress.js';
import type { Invocation } from './journal.js';
import type { LogFiles } from './log-files.js';
import type { MetricStore } from './metrics.js';
import type { RuleTarget } from './router.js';

/** PutEvents entries total at most 256 KB; leave room for JSON and base64 overhead. */
const MAX_EVENTS_BODY_BYTES = 1024 * 1024;

export interface LayerServerOptions {
  plan: Plan;
  busName: string;
  account: string;
  region: string;
  route(busName: string, event: Record<string, unknown>): RuleTarget[];
  accept(invocations: Invocation[]): Promise<void>;
  metrics: MetricStore;
  statusApi?: {
    handler: (event: unknown, context: Context) => Promise<unknown>;
    functionName: string;
    timeoutSeconds: number;
  };
  functions: Map<string, LocalFunction>;
  logs: LogFiles;
  /** Live figures for /_admin/stats (the live view and the demo read them). */
  stats?: () => Promise<unknown>;
  /** Extra routes (the support page, webhooks) tried before the 404. */
  extra?: Array<(req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean>>;
}

/** Attaches the dispatcher to a listening server. */
export function createLayerServer(server: Server, options: LayerServerOptions): void {
  server.on('request', (req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      options.logs.layer('error', 'request failed', {
        path: safePath(req.url),
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent)
        json(res, 500, {
          error: {
            code: 'InternalError',
            message: 'the local layer failed to answer; see .handoff/logs/layer.log',
          },
        });
      else res.destroy();
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, options: LayerServerOptions): Promise<void> {
  // An origin-form target is a path: `//x` or `/\x` must not read as a host anywhere downstream
  // (`new URL(target, base)` does, and throws on `//%`). Leading slashes merge, as nginx's do.
  if (req.url?.startsWith('/')) req.url = req.url.replace(/^[/\\\t\n\r]+/, '/');
  const url = requestUrl(req.url);
  if (!url)
    return json(res, 400, {
      error: { code: 'BadRequest', message: 'the request target is not a valid URL' },
    });
  const target = req.headers['x-amz-target'];
  const limit = typeof target === 'string' ? MAX_EVENTS_BODY_BYTES : MAX_API_BODY_BYTES;
  const body = await readBody(req, limit);
  if (body === 'too-large') {
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(
      JSON.stringify({
        __type: 'ValidationException',
        message: `Request body is larger than ${limit} bytes.`,
      }),
    );
    return;
  }

  if (typeof target === 'string') {
    if (req.method !== 'POST')
      return amzJson(res, 405, { __type: 'UnknownOperationException', message: 'Use POST.' });
    let input: unknown;
    try {
      input = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return amzJson(res, 400, {
        __type: 'SerializationException',
        message: 'The request body is not valid JSON.',
      });
    }
    if (target === 'AWSEvents.PutEvents') {
      const result = await putEvents(input, {
        busName: options.busName,
        account: options.account,
        region: options.region,
        route: options.route,
        accept: options.accept,
        metrics: options.metrics,
      });
      return amzJson(res, result.status, result.body);
    }
    if (target === 'AWSEvents.TestEventPattern') {
      const result = testPattern(input);
      return amzJson(res, result.status, result.body);
    }
    return amzJson(res, 400, {
      __type: 'UnknownOperationException',
      message: `The local layer does not implement ${target.slice(0, 100)}.`,
    });
  }

  // The status API serves its JSON under /v1 and the support page at / and /assets/.
  const forStatusApi =
    url.pathname === '/v1' ||
    url.pathname.startsWith('/v1/') ||
    url.pathname.startsWith('/assets/') ||
    (url.pathname === '/' && req.method === 'GET' && wantsPage({ accept: req.headers.accept ?? '' }));
  if (forStatusApi) {
    if (!options.statusApi)
      return json(res, 404, {
        error: { code: 'NotFound', message: 'the status API is not part of this plan' },
      });
    const event = toApiGatewayEvent(req, body);
    const result = await options.statusApi.handler(
      event,
      apiContext(options.statusApi.functionName, options.statusApi.timeoutSeconds),
    );
    writeApiResult(res, result as Parameters<typeof writeApiResult>[1]);
    return;
  }

  if (url.pathname.startsWith('/runbooks/') && req.method === 'GET') return serveRunbook(res, url.pathname);

  if (url.pathname === '/_admin/stats' && req.method === 'GET') {
    return json(res, 200, options.stats ? await options.stats() : {});
  }
  const fnMatch = /^\/_admin\/functions\/([a-z0-9-]+)$/.exec(url.pathname);
  if (fnMatch && req.method === 'PUT') {
    const fn = options.functions.get(fnMatch[1] ?? '');
    if (!fn) return json(res, 404, { error: { code: 'NotFound', message: 'no such function in this plan' } });
    let input: { available?: unknown };
    try {
      input = JSON.parse(body.toString('utf8')) as { available?: unknown };
    } catch {
      return json(res, 400, {
        error: { code: 'BadRequest', message: 'send JSON: {"available": true|false}' },
      });
    }
    if (typeof input.available !== 'boolean')
      return json(res, 400, {
        error: { code: 'BadRequest', message: 'send JSON: {"available": true|false}' },
      });
    fn.setAvailable(input.available);
    options.logs.layer(
      'warn',
      `function ${fn.plan.name} ${input.available ? 'accepts events again' : 'refuses events (rehearsing a delivery failure)'}`,
    );
    return json(res, 200, { function: fn.plan.name, available: input.available });
  }

  for (const route of options.extra ?? []) if (await route(req, res, body)) return;

  if (url.pathname === '/' && req.method === 'GET') {
    return json(res, 200, {
      name: 'handoff local layer',
      stage: options.plan.stage,
      bus: options.busName,
      events: 'POST / with X-Amz-Target: AWSEvents.PutEvents',
      statusApi: '/v1/contracts',
      openapi: '/v1/openapi.json',
      runbooks: '/runbooks/README.md',
    });
  }
  json(res, 404, {
    error: { code: 'NotFound', message: 'nothing here; try /v1/contracts or /runbooks/README.md' },
  });
}

/** Serves a runbook page from the project's runbooks/ folder, as Markdown text. */
function serveRunbook(res: ServerResponse, pathname: string): void {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice('/runbooks/'.length)) || 'README.md';
  } catch {
    json(res, 400, { error: { code: 'BadRequest', message: 'the path has a malformed percent-escape' } });
    return;
  }
  const root = join(PROJECT_ROOT, 'runbooks');
  const file = normalize(join(root, relative));
  if (
    !file.startsWith(root + sep) ||
    !file.endsWith('.md') ||
    !existsSync(file) ||
    !statSync(file).isFile()
  ) {
    json(res, 404, { error: { code: 'NotFound', message: 'no such runbook page' } });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8', 'cache-control': 'no-store' });
  res.end(readFileSync(file));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function amzJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(JSON.stringify(body));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function safePath(url: string | undefined): string {
  // Paths may carry entity ids: log the route shape only.
  return (
    (url ?? '/').split('?')[0]?.replace(/\/v1\/entities\/[^/]+\/[^/]+/, '/v1/entities/{type}/{id}') ?? '/'
  );
}
