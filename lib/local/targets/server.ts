/**
 * `startExampleTargets`: the example contracts' target systems on one HTTP server on 127.0.0.1,
 * so anyone can run, demo and rehearse incidents without SaaS accounts:
 *
 *   /helpdesk       Zendesk-like API (Authorization: Bearer <helpdeskToken>)
 *   /crm            Salesforce-like API (Authorization: Bearer <crmToken>)
 *   /billing        Stripe-like API (X-Api-Key: <billingApiKey>)
 *   /analytics-bus  EventBridge PutEvents (AWS JSON 1.1, SigV4)
 *   /_admin         faults and inspection (see admin.ts)
 *
 * State is durable in `dataDir` (see store.ts). The module prints nothing and never logs bodies.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AdminOperations, answerAdmin, type FaultStatus } from './admin.js';
import {
  BUS_PREFIX,
  BUS_SYSTEM_ID,
  HTTP_SYSTEM_IDS,
  HTTP_SYSTEMS,
  type HttpSystemId,
  type HttpSystemSpec,
  isSystemId,
  SYSTEM_IDS,
  type SystemId,
} from './catalog.js';
import { sameText } from './compare.js';
import { TargetsConfigError, TargetsError, TargetsStoreError } from './errors.js';
import { type BusAnswer, busError, busFaultError, busIdentity, JSON_11, putEvents } from './event-bus.js';
import { ActiveFault, type FaultAction, type FaultMode, type FaultSpec, parseFaultSpec } from './faults.js';
import { decideHttp, HANDOFF_HEADERS, headerText, parseVersion } from './http-system.js';
import { type BusCredentials, verifySignature } from './sigv4.js';
import {
  type BusState,
  type HttpSystemState,
  type RecoveryReport,
  type RequestRecord,
  TargetsStore,
} from './store.js';

/** Options of `startExampleTargets`. */
export interface ExampleTargetsOptions {
  /**
   * Interface to listen on: the loopback interface only, the stand-ins are for one machine.
   * @default '127.0.0.1'
   */
  host?: '127.0.0.1';
  /**
   * Port to listen on; 0 picks a free one (read it from `url`).
   * @default 0
   */
  port?: number;
  /** Folder of the durable state (created if missing, mode 0700): it holds bodies, so personal data. */
  dataDir: string;
  /** The credentials each stand-in accepts. */
  credentials: {
    /** Helpdesk: `Authorization: Bearer <helpdeskToken>`. */
    helpdeskToken: string;
    /** CRM: `Authorization: Bearer <crmToken>`. */
    crmToken: string;
    /** Billing: `X-Api-Key: <billingApiKey>`. */
    billingApiKey: string;
    /**
     * Analytics bus: the AWS credentials whose SigV4 signatures it verifies.
     * @default any well-formed SigV4 signature is accepted (the signature itself is not checked)
     */
    analyticsBus?: BusCredentials;
  };
  /**
   * Refuse writes older than what a resource holds with 412 (like a version-aware target), and
   * writes without `X-Handoff-Version` with 428.
   * @default false: last write wins by arrival
   */
  fencing?: boolean;
  /**
   * Name, region and account of the analytics bus (its ARN is `analyticsBusArn`).
   * @default { name: 'customer-analytics', region: 'us-east-1', account: '000000000000' }
   */
  analyticsBus?: { name?: string; region?: string; account?: string };
  /**
   * Bearer token the admin API requires.
   * @default none: the admin API is open to this machine (it listens on 127.0.0.1 only)
   */
  adminToken?: string;
  /**
   * Largest request body accepted, in bytes; larger ones get 413.
   * @default 1 MiB
   */
  maxBodyBytes?: number;
  /**
   * Requests kept per system in the recent request log (counts cover all requests).
   * @default 1000
   */
  requestLogSize?: number;
  /**
   * Journal size after which it is compacted while running.
   * @default 64 MiB
   */
  compactAfterBytes?: number;
  /**
   * Called with unexpected failures (clients see a 500 without details).
   * @default ignore them: this module prints nothing
   */
  onError?: (error: unknown) => void;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

/** A fault as a caller writes it; validated by `setFault`. */
export interface FaultInput {
  mode: FaultMode;
  /** error, flaky: status answered (400-599). @default 503 */
  status?: number;
  /** slow: delay before answering, in ms. @default 10000 */
  delayMs?: number;
  /** flaky: fraction of requests that fail (0-1). @default 0.5 */
  failureRate?: number;
  /** flaky: seed of the failure sequence. @default random (reported back) */
  seed?: number;
}

/** The running stand-ins. */
export interface ExampleTargets {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  port: number;
  /** Base URL of each system: the endpoint URLs to configure (HELPDESK_API_URL=systems.helpdesk, ...). */
  systems: { helpdesk: string; crm: string; billing: string; analyticsBus: string };
  /** The analytics bus's ARN (ANALYTICS_BUS_ARN): entries for any other bus are refused. */
  analyticsBusArn: string;
  /** What replaying the journal found on start. */
  recovery: RecoveryReport;
  /** What a system holds and how many requests it answered, by status. */
  state(system: typeof BUS_SYSTEM_ID): BusState;
  state(system: HttpSystemId): HttpSystemState;
  state(system: SystemId): HttpSystemState | BusState;
  /** The most recent requests to a system, oldest first (no bodies). */
  requests(system: SystemId, limit?: number): RequestRecord[];
  /** Every system's fault. */
  faults(): Record<SystemId, FaultStatus>;
  /** Sets a system's fault; throws FaultSpecError for an invalid one. Returns it with defaults filled in. */
  setFault(system: SystemId, fault: FaultInput): FaultSpec;
  /** Restores a system to normal. */
  clearFault(system: SystemId): void;
  /** Forgets what a system holds (resources or events, counts, request log). */
  wipe(system: SystemId): void;
  /** Stops the server (cutting open connections and pending slow answers) and closes the journal. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_BUS = { name: 'customer-analytics', region: 'us-east-1', account: '000000000000' };
const MAX_RECORDED_TEXT = 200;
const MAX_RECORDED_PATH = 512;

/** Starts the stand-ins; resolves once they listen. Throws TargetsConfigError or TargetsStoreError. */
export async function startExampleTargets(options: ExampleTargetsOptions): Promise<ExampleTargets> {
  checkOptions(options);
  const host = '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const fencing = options.fencing === true;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const bus = busIdentity({ ...DEFAULT_BUS, ...options.analyticsBus });
  const credentials: Record<HttpSystemId, string> = {
    helpdesk: options.credentials.helpdeskToken,
    crm: options.credentials.crmToken,
    billing: options.credentials.billingApiKey,
  };
  const { store, recovery } = TargetsStore.open(options.dataDir, {
    ...(options.requestLogSize !== undefined ? { requestLogSize: options.requestLogSize } : {}),
    ...(options.compactAfterBytes !== undefined ? { compactAfterBytes: options.compactAfterBytes } : {}),
  });
  const faults = new Map<SystemId, ActiveFault>();
  /** Slow answers waiting: cancelled by close(). */
  const waiting = new Set<() => void>();
  let closing = false;

  const faultOf = (system: SystemId) => faults.get(system);
  const ops: AdminOperations = {
    faults: () =>
      Object.fromEntries(
        SYSTEM_IDS.map((id) => {
          const fault = faultOf(id);
          return [id, fault ? { ...fault.spec, since: fault.since } : { mode: 'ok' }];
        }),
      ) as Record<SystemId, FaultStatus>,
    setFault(system, input) {
      const spec = parseFaultSpec(input);
      if (spec.mode === 'ok') faults.delete(system);
      else faults.set(system, new ActiveFault(spec, now().toISOString()));
      return spec;
    },
    clearFault: (system) => {
      faults.delete(system);
    },
    state: (system) => (system === BUS_SYSTEM_ID ? store.busState() : store.httpState(system)),
    requests: (system, limit) => store.recentRequests(system, limit),
    wipe: (system) => store.wipe(system, now().toISOString()),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent && !res.destroyed)
        sendJson(res, 500, { error: 'internal', message: 'the example targets failed to answer' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path === '/_admin' || path.startsWith('/_admin/')) {
      if (options.adminToken !== undefined && !adminAuthorised(req, options.adminToken)) {
        req.resume();
        return sendJson(
          res,
          401,
          { error: 'unauthorized', message: 'the admin API needs Authorization: Bearer <adminToken>' },
          { 'www-authenticate': 'Bearer realm="handoff-example-targets"' },
        );
      }
      const body = await readBody(req, maxBodyBytes);
      if (body === 'gone') return;
      if (body === 'too-large')
        return sendJson(res, 413, {
          error: 'too-large',
          message: `bodies are limited to ${maxBodyBytes} bytes`,
        });
      try {
        const answer = answerAdmin(ops, {
          method,
          path: path.slice('/_admin'.length),
          query: url.searchParams,
          body,
        });
        return sendJson(res, answer.status, answer.body, answer.headers);
      } catch (error) {
        if (error instanceof TargetsStoreError) return storageFailed(res, error);
        throw error;
      }
    }
    if (path === '/') {
      req.resume();
      if (method === 'GET') return sendJson(res, 200, index());
      return sendJson(
        res,
        405,
        { error: 'method-not-allowed', message: 'GET / lists the systems' },
        { allow: 'GET' },
      );
    }
    const httpSystem = HTTP_SYSTEM_IDS.map((id) => HTTP_SYSTEMS[id]).find(
      (spec) => path === spec.prefix || path.startsWith(`${spec.prefix}/`),
    );
    if (httpSystem)
      return handleHttpSystem(httpSystem, req, res, method, path.slice(httpSystem.prefix.length));
    if (path === BUS_PREFIX || path.startsWith(`${BUS_PREFIX}/`))
      return handleBus(req, res, method, path.slice(BUS_PREFIX.length) || '/');
    req.resume();
    return sendJson(res, 404, {
      error: 'not-found',
      message: `no system at ${clip(path, 200)}; the systems are ${[...HTTP_SYSTEM_IDS.map((id) => HTTP_SYSTEMS[id].prefix), BUS_PREFIX].join(', ')}`,
    });
  }

  /** Applies the system's fault; returns the body when the request should be answered normally. */
  async function runFault(
    system: SystemId,
    req: IncomingMessage,
    res: ServerResponse,
    record: RequestRecord,
  ): Promise<{ body: Buffer; injected?: number } | undefined> {
    const action: FaultAction = faultOf(system)?.decide() ?? { kind: 'pass' };
    if (action.kind === 'reset') {
      // A dead server: no HTTP answer at all, the client sees ECONNRESET.
      recordSafely(system, { ...record, status: 'reset' });
      req.socket.resetAndDestroy();
      return undefined;
    }
    const gone = trackGone(res);
    const body = await readBody(req, maxBodyBytes);
    if (body === 'gone') return undefined;
    if (body === 'too-large') {
      recordSafely(system, { ...record, status: 413 });
      sendJson(res, 413, { error: 'too-large', message: `bodies are limited to ${maxBodyBytes} bytes` });
      return undefined;
    }
    if (action.kind === 'delay') {
      await sleep(action.ms);
      if (gone() || closing) {
        // The client gave up (e.g. timed out): like nginx, log 499 and change nothing.
        recordSafely(system, { ...record, status: 499 });
        if (!res.destroyed) res.destroy();
        return undefined;
      }
    }
    if (action.kind === 'status') return { body, injected: action.status };
    return { body };
  }

  async function handleHttpSystem(
    spec: HttpSystemSpec,
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    subPath: string,
  ): Promise<void> {
    const path = subPath === '' ? '/' : subPath;
    const receivedAt = now().toISOString();
    const record = requestRecord(req, method, path, receivedAt);
    const ready = await runFault(spec.id, req, res, record);
    if (!ready) return;
    if (ready.injected !== undefined) {
      recordSafely(spec.id, { ...record, status: ready.injected });
      return sendJson(res, ready.injected, {
        error: 'fault-injected',
        message: `${spec.title} answered ${ready.injected} (fault injected through /_admin/faults/${spec.id})`,
      });
    }
    const decision = decideHttp(
      spec,
      { method, path, headers: req.headers, body: ready.body, receivedAt },
      { credential: credentials[spec.id], fencing, stored: (p) => store.resource(spec.id, p) },
    );
    const final: RequestRecord = {
      ...record,
      status: decision.status,
      ...(decision.version !== undefined ? { version: decision.version } : {}),
    };
    try {
      store.recordRequest(spec.id, final, decision.write ? { path, ...decision.write } : undefined);
    } catch (error) {
      if (error instanceof TargetsStoreError) return storageFailed(res, error);
      throw error;
    }
    return sendJson(res, decision.status, decision.body, decision.headers);
  }

  async function handleBus(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    const record = requestRecord(req, method, path, now().toISOString());
    const ready = await runFault(BUS_SYSTEM_ID, req, res, record);
    if (!ready) return;
    let answer: BusAnswer;
    if (ready.injected !== undefined) answer = busFaultError(ready.injected);
    else if (path !== '/')
      answer = busError(
        404,
        'UnknownOperationException',
        `No operation at ${BUS_PREFIX}${clip(path, 100)}; POST to ${BUS_PREFIX}.`,
      );
    else {
      const failure = verifySignature(
        { method, url: req.url ?? '/', headers: req.headers, body: ready.body },
        options.credentials.analyticsBus,
      );
      answer = failure
        ? busError(failure.type === 'IncompleteSignatureException' ? 400 : 403, failure.type, failure.message)
        : putEvents(bus, { method, headers: req.headers, body: ready.body }, now);
    }
    const final: RequestRecord = {
      ...record,
      status: answer.status,
      ...(answer.entries !== undefined
        ? { entries: answer.entries, failedEntries: answer.failedEntries ?? 0 }
        : {}),
    };
    try {
      store.recordBusRequest(final, answer.events);
    } catch (error) {
      if (error instanceof TargetsStoreError) {
        options.onError?.(error);
        return send(res, 500, JSON_11, {
          __type: 'InternalException',
          message: 'The analytics bus could not store the events.',
        });
      }
      throw error;
    }
    return send(res, answer.status, JSON_11, answer.body, { 'x-amzn-requestid': randomUUID() });
  }

  function recordSafely(system: SystemId, record: RequestRecord): void {
    try {
      store.recordRequest(system, record);
    } catch (error) {
      options.onError?.(error);
    }
  }

  function storageFailed(res: ServerResponse, error: TargetsStoreError): void {
    options.onError?.(error);
    sendJson(res, 500, {
      error: 'storage-failed',
      message: 'the example targets could not store the request',
    });
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiting.add(done);
    });
  }

  let baseUrl = '';
  function index(): Record<string, unknown> {
    return {
      service: 'handoff example targets',
      systems: {
        ...Object.fromEntries(
          HTTP_SYSTEM_IDS.map((id) => {
            const spec = HTTP_SYSTEMS[id];
            return [
              id,
              {
                title: spec.title,
                url: `${baseUrl}${spec.prefix}`,
                auth:
                  spec.auth.kind === 'bearer'
                    ? 'Authorization: Bearer <token>'
                    : `${spec.auth.header}: <key>`,
                endpoints: spec.routes,
              },
            ];
          }),
        ),
        [BUS_SYSTEM_ID]: {
          title: 'Analytics event bus (EventBridge PutEvents)',
          url: `${baseUrl}${BUS_PREFIX}`,
          arn: bus.arn,
        },
      },
      fencing,
      admin: `${baseUrl}/_admin`,
    };
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    store.close();
    throw new TargetsConfigError(
      `cannot listen on ${host}:${options.port ?? 0} (${(error as { code?: string }).code ?? 'error'})`,
      { cause: error },
    );
  }
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host}:${port}`;

  let closed: Promise<void> | undefined;
  const targets: ExampleTargets = {
    url: baseUrl,
    port,
    systems: {
      helpdesk: `${baseUrl}${HTTP_SYSTEMS.helpdesk.prefix}`,
      crm: `${baseUrl}${HTTP_SYSTEMS.crm.prefix}`,
      billing: `${baseUrl}${HTTP_SYSTEMS.billing.prefix}`,
      analyticsBus: `${baseUrl}${BUS_PREFIX}`,
    },
    analyticsBusArn: bus.arn,
    recovery,
    state: ((system: SystemId) => {
      assertSystem(system);
      return ops.state(system);
    }) as ExampleTargets['state'],
    requests(system, limit) {
      assertSystem(system);
      return ops.requests(system, limit);
    },
    faults: () => ops.faults(),
    setFault(system, fault) {
      assertSystem(system);
      return ops.setFault(system, fault);
    },
    clearFault(system) {
      assertSystem(system);
      ops.clearFault(system);
    },
    wipe(system) {
      assertSystem(system);
      ops.wipe(system);
    },
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const done of [...waiting]) done();
        server.closeAllConnections();
        await stopped;
        store.close();
      })();
      return closed;
    },
  };
  return targets;
}

function assertSystem(system: string): asserts system is SystemId {
  if (!isSystemId(system))
    throw new TargetsError(
      `unknown system ${JSON.stringify(system)}; expected one of ${SYSTEM_IDS.join(', ')}`,
    );
}

function checkOptions(options: ExampleTargetsOptions): void {
  const problems: string[] = [];
  const nonEmpty = (value: unknown, name: string) => {
    if (typeof value !== 'string' || value.trim() === '') problems.push(`${name} must be a non-empty string`);
  };
  nonEmpty(options.dataDir, 'dataDir');
  if (options.host !== undefined && options.host !== '127.0.0.1')
    problems.push(
      `host must be 127.0.0.1 (the stand-ins serve this machine only); got ${String(options.host)}`,
    );
  if (
    options.port !== undefined &&
    (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
  )
    problems.push(
      `port must be an integer from 0 to 65535 (0 picks a free port); got ${String(options.port)}`,
    );
  const credentials = options.credentials as Partial<ExampleTargetsOptions['credentials']> | undefined;
  if (typeof credentials !== 'object' || credentials === null) problems.push('credentials must be given');
  else {
    nonEmpty(credentials.helpdeskToken, 'credentials.helpdeskToken');
    nonEmpty(credentials.crmToken, 'credentials.crmToken');
    nonEmpty(credentials.billingApiKey, 'credentials.billingApiKey');
    if (credentials.analyticsBus !== undefined) {
      nonEmpty(credentials.analyticsBus.accessKeyId, 'credentials.analyticsBus.accessKeyId');
      nonEmpty(credentials.analyticsBus.secretAccessKey, 'credentials.analyticsBus.secretAccessKey');
    }
  }
  if (options.adminToken !== undefined) nonEmpty(options.adminToken, 'adminToken');
  const busOptions = options.analyticsBus ?? {};
  if (busOptions.name !== undefined && !/^[A-Za-z0-9._\-/]{1,256}$/.test(busOptions.name))
    problems.push('analyticsBus.name must be 1-256 letters, digits or . _ - /');
  if (busOptions.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(busOptions.region))
    problems.push('analyticsBus.region must be an AWS region such as us-east-1');
  if (busOptions.account !== undefined && !/^\d{12}$/.test(busOptions.account))
    problems.push('analyticsBus.account must be a 12-digit AWS account id');
  for (const [name, value] of [
    ['maxBodyBytes', options.maxBodyBytes],
    ['requestLogSize', options.requestLogSize],
    ['compactAfterBytes', options.compactAfterBytes],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      problems.push(`${name} must be a positive integer; got ${String(value)}`);
  }
  if (problems.length > 0)
    throw new TargetsConfigError(`invalid example targets options: ${problems.join('; ')}`);
}

/** The request log entry of a request, before its status is known. No bodies, no credentials. */
function requestRecord(req: IncomingMessage, method: string, path: string, at: string): RequestRecord {
  const versionText = headerText(req.headers[HANDOFF_HEADERS.version]);
  const version = versionText === undefined ? undefined : parseVersion(versionText);
  const eventId = headerText(req.headers[HANDOFF_HEADERS.eventId]);
  const contract = headerText(req.headers[HANDOFF_HEADERS.contract]);
  return {
    method: clip(method, 20),
    path: clip(path, MAX_RECORDED_PATH),
    status: 0,
    at,
    ...(version !== undefined ? { version } : {}),
    ...(eventId ? { eventId: clip(eventId, MAX_RECORDED_TEXT) } : {}),
    ...(contract ? { contract: clip(contract, MAX_RECORDED_TEXT) } : {}),
  };
}

function adminAuthorised(req: IncomingMessage, token: string): boolean {
  const header = headerText(req.headers.authorization);
  if (!header || !/^bearer\s+/i.test(header)) return false;
  return sameText(header.replace(/^bearer\s+/i, '').trim(), token);
}

/** A function telling whether the client closed the connection before the answer was sent. */
function trackGone(res: ServerResponse): () => boolean {
  let gone = false;
  res.once('close', () => {
    if (!res.writableFinished) gone = true;
  });
  return () => gone || res.destroyed;
}

/** The body; 'too-large' past `limit` bytes (the rest is drained); 'gone' if the client left. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', () => resolve('gone'));
    req.on('aborted', () => resolve('gone'));
    req.on('close', () => {
      if (!req.complete) resolve('gone');
    });
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  send(res, status, 'application/json; charset=utf-8', body, headers);
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}
