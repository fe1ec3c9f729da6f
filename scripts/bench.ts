/**
 * `npm run bench [-- --events N] [--skip calls,bundles,e2e,synth]`: prints handoff's performance figures, in one
 * run, never asserting them:
 * 1. DynamoDB reads and writes per event, per path of the sync handler (against dynalite, counted
 *    per request on the wire), and bursts of versions of one entity delivered at once;
 * 2. bundle size and cold-start import time (fresh process, median of several) of every function;
 * 3. end-to-end throughput of the local layer (PutEvents to synced) next to the raw conditional-write
 *    rate of the same embedded DynamoDB, their ratio, p50/p99 latency at saturation and at 70% of
 *    it, CPU per event and event-loop utilisation, and the layer's peak memory;
 * 4. `cdk synth` time and resources per stack for 10, 50 and 100 generated contracts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import dynalite from 'dynalite';
import { buildSync } from 'esbuild';
import { AWS_SERVICES, AwsJsonClient, httpTransport } from '../lambdas/commons/aws-json.js';
import { dynamoDoc } from '../lambdas/commons/dynamo-doc.js';
import { createLogger, createMetrics } from '../lambdas/commons/powertools.js';
import { keys } from '../lambdas/commons/records.js';
import { buildSyncDeps } from '../lambdas/sync/deps.js';
import { createSyncHandler } from '../lambdas/sync/handler.js';
import { LEASE_MARGIN_MS } from '../lambdas/sync/sync.js';
import { PROJECT_ROOT } from '../lib/cli/project.js';
import { esbuildOptions } from '../lib/infra/handoff-function.js';
import { spawnLocalLayer } from '../lib/local/child.js';
import { createTableInput } from '../lib/local/dynamo-tables.js';
import { contractEvent, type ScenarioEvent } from '../lib/local/scenario.js';
import type { LayerStats, ThreadLoad } from '../lib/local/stats.js';
import type { RequestRecord } from '../lib/local/targets/store.js';
import { loadContracts } from '../lib/model/load.js';
import { buildPlan } from '../lib/plan/build.js';
import { MAX_CONTRACTS_PER_STACK } from '../lib/plan/check.js';
import { runtimePlanDefine, runtimePlanFor } from '../lib/plan/runtime.js';
import type { FunctionPlan, Plan } from '../lib/plan/types.js';
import { generateContracts, planOf, synthesise } from './synth-scale.js';

const { values } = parseArgs({
  options: { events: { type: 'string' }, skip: { type: 'string' } },
  strict: true,
});
const E2E_EVENTS = Number(values.events ?? 2000);
const skip = new Set((values.skip ?? '').split(',').filter(Boolean));
const out = (line = '') => process.stdout.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;

const estate = loadContracts(join(PROJECT_ROOT, 'contracts')).estate;
if (!estate) throw new Error('the example contracts have problems');
const plan = buildPlan(estate, { stage: 'bench', runbookBaseUrl: 'runbooks' });

/** 1. DynamoDB calls per event, per path, with a real HTTP target and dynalite. */
async function callsPerPath(): Promise<void> {
  out('1. DynamoDB calls per event (sync handler, crm-customer-to-helpdesk; a delivery is one event)');
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const clientOptions = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
  };
  const admin = new AwsJsonClient(AWS_SERVICES.dynamodb, clientOptions);
  for (const table of [plan.tables.syncState, plan.tables.operations])
    await admin.call('CreateTable', createTableInput(table));
  // Counted on the wire: every request that reaches dynalite, by its X-Amz-Target operation.
  const calls: Record<string, number> = {};
  const doc = dynamoDoc({
    ...clientOptions,
    transport: (request) => {
      const operation = request.headers['x-amz-target']?.split('.')[1] ?? 'unknown';
      calls[operation] = (calls[operation] ?? 0) + 1;
      return httpTransport(request);
    },
  });
  let answer = 200;
  // What the target received, per entity: versions in arrival order, and overlapping sends.
  const received = new Map<string, number[]>();
  let inFlight = 0;
  let overlapped = 0;
  const target = (await import('node:http')).createServer((req, res) => {
    // idempotency-key: <contract>:<type>:<id>:<version>
    const [, , entityId = '', version = ''] = String(req.headers['idempotency-key'] ?? '').split(':');
    if (++inFlight > 1 && entityId.startsWith('burst-')) overlapped++;
    req.resume().on('end', () => {
      inFlight--;
      if (answer < 300) received.set(entityId, [...(received.get(entityId) ?? []), Number(version)]);
      res.writeHead(answer).end('{}');
    });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  const contract = estate?.contracts.find((c) => c.id === 'crm-customer-to-helpdesk');
  if (!contract) throw new Error('no contract');
  // The handlers' clock: moved forward to let leases and "recently written" windows pass.
  let clockOffsetMs = 0;
  // One handler per simulated execution environment (Lambda runs one invocation at a time in each).
  const newHandler = () =>
    createSyncHandler(
      buildSyncDeps({
        plan: runtimePlanFor(plan, { kind: 'sync', contractId: contract.id }),
        contractId: contract.id,
        syncTableName: plan.tables.syncState.name,
        busName: plan.bus.name,
        dynamo: doc,
        deadLetters: { send: async () => undefined },
        publisher: { putEvents: async () => undefined },
        entries: { putEntry: async () => ({}) },
        secrets: { read: async () => JSON.stringify({ token: 't' }) },
        env: { HELPDESK_API_URL: `http://127.0.0.1:${(target.address() as AddressInfo).port}` },
        logger: createLogger({ output: () => undefined }),
        metrics: createMetrics(plan.metricsNamespace, { output: () => undefined }),
        now: () => new Date(Date.now() + clockOffsetMs),
      }),
    );
  const handler = newHandler();
  let request = 0;
  const context = () =>
    ({
      awsRequestId: `r${++request}`,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:f',
      getRemainingTimeInMillis: () => 30_000,
    }) as unknown as Context;
  const event = (id: string, version: number, overrides: Record<string, unknown> = {}) => {
    const e = contractEvent(contract, plan.bus.name, id, version, overrides);
    return {
      version: '0',
      id: `e-${++request}`,
      source: e.entry.Source,
      'detail-type': e.entry.DetailType,
      account: '1',
      region: 'us-east-1',
      time: new Date().toISOString(),
      resources: [],
      detail: JSON.parse(e.entry.Detail),
    };
  };
  const rows: Array<[string, number, number, number, string]> = [];
  const reads = () => (calls.GetItem ?? 0) + (calls.Query ?? 0) + (calls.BatchGetItem ?? 0);
  const writes = () => (calls.PutItem ?? 0) + (calls.UpdateItem ?? 0) + (calls.DeleteItem ?? 0);
  const measure = async (
    label: string,
    n: number,
    prepare: (i: number) => Promise<void>,
    run: (i: number) => Promise<unknown>,
  ) => {
    for (let i = 0; i < n; i++) await prepare(i);
    clockOffsetMs += 60_000; // past every lease: the entities are known and quiet
    for (const k of Object.keys(calls)) delete calls[k];
    for (let i = 0; i < n; i++) await run(i).catch(() => undefined);
    rows.push([label, n, reads() / n, writes() / n, '']);
  };
  const n = 200;
  await measure(
    'happy path (known entity, new version, target 200)',
    n,
    (i) => handler(event(`happy-${i}`, 1), context()).then(() => undefined),
    (i) => handler(event(`happy-${i}`, 2), context()),
  );
  await measure(
    'first sync of a new entity (target 200)',
    n,
    async () => undefined,
    (i) => handler(event(`new-${i}`, 1), context()),
  );
  await measure(
    'duplicate (same version, another event)',
    n,
    (i) => handler(event(`dup-${i}`, 1), context()).then(() => undefined),
    (i) => handler(event(`dup-${i}`, 1), context()),
  );
  await measure(
    'out of order (older version after a newer one)',
    n,
    (i) => handler(event(`ooo-${i}`, 5), context()).then(() => undefined),
    (i) => handler(event(`ooo-${i}`, 4), context()),
  );
  await measure(
    'permanent failure (schema violation)',
    n,
    async () => undefined,
    (i) => handler(event(`bad-${i}`, 1, { 'detail.plan': 'platinum' }), context()),
  );
  answer = 503;
  await measure(
    'transient failure (target 503; retried by Lambda)',
    n,
    async () => undefined,
    (i) => handler(event(`t-${i}`, 1), context()),
  );
  answer = 200;

  // Bursts: a CRM saves a record 5 times in a second; EventBridge delivers the 5 versions at once,
  // each to its own execution environment. One entity's burst at a time, 10 entities.
  const BURST_ENTITIES = 10;
  const BURST_VERSIONS = 5;
  const environments = Array.from({ length: BURST_VERSIONS }, newHandler);
  const burstTimes: number[] = [];
  for (const k of Object.keys(calls)) delete calls[k];
  for (let e = 0; e < BURST_ENTITIES; e++) {
    const id = `burst-${e}`;
    const started = performance.now();
    await Promise.all(environments.map((h, v) => h(event(id, v + 1), context()).catch(() => undefined)));
    burstTimes.push(performance.now() - started);
  }
  const burstEvents = BURST_ENTITIES * BURST_VERSIONS;
  rows.push([
    `burst (${BURST_VERSIONS} versions of one entity at once)`,
    burstEvents,
    reads() / burstEvents,
    writes() / burstEvents,
    `burst wall time median ${median(burstTimes).toFixed(0)} ms (max ${Math.max(...burstTimes).toFixed(0)})`,
  ]);
  for (const [label, count, r, w, note] of rows)
    out(
      `   ${label.padEnd(52)} reads ${r.toFixed(2)}  writes ${w.toFixed(2)}  (${count} events)${note ? `  ${note}` : ''}`,
    );
  out(
    "   targets: happy path ≤ 1 read + 1 write; duplicates 0 writes (a new entity's first sync also releases its lease: +1 write, once per entity)",
  );

  // Every burst must end with the entity at its newest version, at the target and in the record.
  const wrong: string[] = [];
  for (let e = 0; e < BURST_ENTITIES; e++) {
    const id = `burst-${e}`;
    const last = received.get(id)?.at(-1);
    const { Item } = await doc.get({
      TableName: plan.tables.syncState.name,
      Key: { pk: keys.entity('customer', id), sk: keys.contract(contract.id) },
      ConsistentRead: true,
    });
    if (last !== BURST_VERSIONS || Item?.version !== BURST_VERSIONS || Item?.state !== 'in_sync')
      wrong.push(`${id}: target last got v${last ?? 'none'}, record v${Item?.version} ${Item?.state}`);
  }
  target.close();
  await new Promise<void>((r) => server.close(() => r()));
  if (overlapped > 0) wrong.push(`${overlapped} sends overlapped another send`);
  if (wrong.length > 0)
    throw new Error(`bursts did not end at the newest version, sends serialised:\n   ${wrong.join('\n   ')}`);
  out(
    `   bursts: every entity ends at v${BURST_VERSIONS} at the target and in its record; no sends overlapped`,
  );
}

/** 2. Bundle size and cold-start import time of every function. */
function bundles(): void {
  out(
    '\n2. Lambda bundles (esbuild, minified, ESM, as deployed: no AWS SDK, util-dynamodb bundled) and cold-start import time',
  );
  const dir = join(PROJECT_ROOT, 'node_modules', '.cache', 'handoff-bench');
  mkdirSync(dir, { recursive: true });
  const kinds = new Map<string, FunctionPlan>();
  for (const fn of plan.functions) if (!kinds.has(fn.kind)) kinds.set(fn.kind, fn);
  for (const [kind, fn] of kinds) {
    if (!existsSync(join(PROJECT_ROOT, fn.entry))) {
      out(`   ${kind.padEnd(11)} (no ${fn.entry} yet)`);
      continue;
    }
    const outfile = join(dir, kind, 'index.mjs');
    const options = esbuildOptions(PROJECT_ROOT, fn.entry, runtimePlanDefine(plan, fn));
    buildSync({ ...options, outfile });
    const bytes = statSync(outfile).size;
    const env: Record<string, string> = { ...process.env } as Record<string, string>;
    // The function's own environment: literal values as deployed, stand-ins for what AWS resolves.
    for (const [name, value] of Object.entries(fn.environment))
      env[name] = 'value' in value ? value.value : name.endsWith('URL') ? 'https://example.com/x' : 'bench';
    env.AWS_REGION = 'us-east-1';
    env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const script = `const t=performance.now();await import(${JSON.stringify(outfile)});process.stdout.write(String(performance.now()-t));`;
      try {
        times.push(
          Number(
            execFileSync(process.execPath, ['--input-type=module', '-e', script], {
              env,
              cwd: dir,
              stdio: ['ignore', 'pipe', 'pipe'],
            }).toString(),
          ),
        );
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
        throw new Error(
          `importing the ${kind} bundle failed: ${stderr.split('\n').find((l) => l.startsWith('Error')) ?? 'see above'}`,
        );
      }
    }
    out(
      `   ${kind.padEnd(11)} ${(bytes / 1024).toFixed(1).padStart(6)} KB   import ${median(times).toFixed(0).padStart(4)} ms median of 7 (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
    );
  }
  out('   targets: under 150 KB minified, import under 50 ms');
}

/**
 * 3. End-to-end throughput and latency of the local layer, against its own DynamoDB's raw write
 * rate. Two passes, because they answer different questions: (a) saturation offers every event as
 * fast as PutEvents takes them, so its rate is the layer's capacity and its latency is mostly time
 * spent queued; (b) sustainable paces events at 70% of (a)'s rate, so its latency is what one event
 * costs when the layer keeps up. CPU per event (from /proc, all threads and the main thread alone)
 * and event-loop utilisation are printed too: on a shared machine they vary less than rates.
 */
async function endToEnd(): Promise<void> {
  out(`\n3. Local layer end to end: PutEvents → synced at the example targets`);
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-bench-'));
  const { child, endpoints } = await spawnLocalLayer({ dataDir });
  try {
    const pid = child.pid ?? 0;
    const peak = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    const credentials = { accessKeyId: 'b', secretAccessKey: 'b' };
    const cores = (await import('node:os')).cpus().length;
    const tick = 1000 / 100; // ms per clock tick (USER_HZ is 100 on Linux)
    // utime + stime of the layer (all threads) and of its main thread (the task whose id is the pid).
    const cpuMs = (stat: string) => {
      const fields = readFileSync(stat, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) * tick;
    };
    const machine = () => {
      const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
        .split(/\s+/)
        .slice(1)
        .map(Number);
      return { idle: (fields[3] ?? 0) + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
    };
    const runtime = async () =>
      ((await (await fetch(`${endpoints.events}/_admin/stats`)).json()) as LayerStats).runtime;
    const reading = async () => ({
      process: cpuMs(`/proc/${pid}/stat`),
      main: cpuMs(`/proc/${pid}/task/${pid}/stat`),
      machine: machine(),
      runtime: await runtime(),
    });
    const busy = (a?: ThreadLoad, b?: ThreadLoad) =>
      a && b
        ? `${((100 * (b.activeMs - a.activeMs)) / (b.activeMs - a.activeMs + b.idleMs - a.idleMs)).toFixed(0)}%`
        : 'n/a';

    // Raw: conditional writes straight to the layer's embedded DynamoDB, 16 at a time, for 5 s.
    const ddb = new DynamoDBClient({ endpoint: endpoints.dynamodb, region: 'us-east-1', credentials });
    await ddb.send(
      new CreateTableCommand({
        TableName: 'bench-raw',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName: 'bench-raw' });
    const rawWrites = async (seconds: number, put: (pk: string) => Promise<unknown>, tag: string) => {
      let written = 0;
      const until = Date.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: 16 }, async (_, lane) => {
          for (let i = 0; Date.now() < until; i++) {
            await put(`${tag}-${lane}-${i}`);
            written++;
          }
        }),
      );
      return written / seconds;
    };
    const sdkPut = (pk: string) =>
      ddb.send(
        new PutItemCommand({
          TableName: 'bench-raw',
          Item: { pk: { S: pk }, v: { N: '1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    // The same writes from a client that costs almost nothing (keep-alive node:http, a well-formed
    // but unchecked signature, as dynalite checks none): what the embedded DynamoDB itself can take.
    const agent = new Agent({ keepAlive: true });
    const dynamoUrl = new URL(endpoints.dynamodb);
    const cheapPut = (pk: string) =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({
          TableName: 'bench-raw',
          Item: { pk: { S: pk }, v: { N: '1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        });
        const req = request(
          {
            host: dynamoUrl.hostname,
            port: dynamoUrl.port,
            method: 'POST',
            path: '/',
            agent,
            headers: {
              'content-type': 'application/x-amz-json-1.0',
              'x-amz-target': 'DynamoDB_20120810.PutItem',
              'x-amz-date': '20260101T000000Z',
              authorization:
                'AWS4-HMAC-SHA256 Credential=b/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            res
              .resume()
              .on('end', () =>
                res.statusCode === 200 ? resolve() : reject(new Error(`dynalite answered ${res.statusCode}`)),
              );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    // The functions' own client (lambdas/commons/aws-json.ts), which the handlers use in the layer.
    const lean = dynamoDoc({ endpoint: endpoints.dynamodb, region: 'us-east-1', credentials });
    const leanPut = (pk: string) =>
      lean.put({
        TableName: 'bench-raw',
        Item: { pk, v: 1 },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    // Raw rates are measured before and after the passes: on a shared machine they move between
    // minutes, and the spread shows by how much.
    const measureRaw = async (tag: string) => ({
      lean: await rawWrites(5, leanPut, `${tag}l`),
      sdk: await rawWrites(5, sdkPut, `${tag}s`),
      cheap: await rawWrites(3, cheapPut, `${tag}c`),
    });
    const raw = [await measureRaw('a')];

    // Events: distinct customers (no lease contention) across the HTTP contracts. Every entity is
    // synced once first (its first sync: 1 read + 2 writes, see lambdas/sync/state.ts); the measured
    // passes then send a newer version of entities synced more than a lease ago: the steady state of
    // an estate, 1 read + 1 write per event.
    const contracts = (estate?.contracts ?? []).filter(
      (c) => c.target.adapter === 'http' && c.entity.type === 'customer',
    );
    const leaseMs =
      Math.max(...plan.contracts.map((c) => (c.target.adapter === 'http' ? c.target.timeoutSeconds : 0))) *
        1000 +
      LEASE_MARGIN_MS;
    const events = new EventBridgeClient({ endpoint: endpoints.events, region: 'us-east-1', credentials });
    const key = (e: { contract?: string; contractId?: string; entity: string; version?: number }) =>
      `${e.contract ?? e.contractId}|${e.entity}|${e.version}`;
    const sentAt = new Map<string, number>();
    const arrivedAt = new Map<string, number>();
    const put = async (batch: ScenarioEvent[]) => {
      const at = Date.now();
      for (const e of batch) sentAt.set(key({ ...e, entity: String(e.entityId) }), at);
      const answer = await events.send(new PutEventsCommand({ Entries: batch.map((e) => e.entry) }));
      if (answer.FailedEntryCount) throw new Error(`PutEvents refused ${answer.FailedEntryCount} entries`);
    };
    /**
     * Waits until every event of a pass reached its target (a successful request with its version in
     * the targets' request logs); returns their latencies and the last arrival. Polls once a second:
     * the targets run in the layer's process, and reading their logs costs it CPU.
     */
    const synced = async (work: ScenarioEvent[]) => {
      const mine = work.map((e) => key({ ...e, entity: String(e.entityId) }));
      const deadline = Date.now() + 10 * 60_000;
      while (mine.some((k) => !arrivedAt.has(k)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        for (const system of ['helpdesk', 'crm', 'billing']) {
          const requests = (await (
            await fetch(`${endpoints.targets}/_admin/requests/${system}?limit=2000`)
          ).json()) as { requests: Array<RequestRecord> };
          for (const r of requests.requests) {
            const entity = /bench-[a-z]+-\d+/.exec(r.path)?.[0];
            if (typeof r.status !== 'number' || r.status >= 300 || !r.contract || !entity) continue;
            const k = key({ ...r, entity });
            if (!arrivedAt.has(k)) arrivedAt.set(k, Date.parse(r.at));
          }
        }
      }
      const latencies: number[] = [];
      let last = 0;
      for (const k of mine) {
        const at = arrivedAt.get(k);
        if (at === undefined) continue;
        latencies.push(at - (sentAt.get(k) ?? at));
        last = Math.max(last, at);
      }
      return { latencies, last, count: latencies.length };
    };
    const eventsFor = (pass: string, count: number, version: number) =>
      Array.from({ length: count }, (_, i) => {
        const contract = contracts[i % contracts.length];
        if (!contract) throw new Error('no HTTP contract about customers in the example contracts');
        return contractEvent(contract, endpoints.busName, `bench-${pass}-${i}`, version);
      });
    const describePass = async (
      work: ScenarioEvent[],
      started: number,
      before: Awaited<ReturnType<typeof reading>>,
    ) => {
      const result = await synced(work);
      const after = await reading();
      const seconds = (result.last - started) / 1000;
      const machineBusy =
        100 * (1 - (after.machine.idle - before.machine.idle) / (after.machine.total - before.machine.total));
      out(
        `      synced ${result.count}/${work.length} in ${seconds.toFixed(1)} s: ${(result.count / seconds).toFixed(0)} events/s end to end`,
      );
      out(
        `      latency PutEvents → target: p50 ${percentile(result.latencies, 50)} ms, p99 ${percentile(result.latencies, 99)} ms`,
      );
      out(
        `      CPU per event: ${((after.process - before.process) / work.length).toFixed(1)} ms (all threads), ${((after.main - before.main) / work.length).toFixed(1)} ms on the main thread; event loop busy: main ${busy(before.runtime?.main, after.runtime?.main)}, DynamoDB thread ${busy(before.runtime?.dynamodb, after.runtime?.dynamodb)}; machine ${machineBusy.toFixed(0)}% busy (${cores} cores, every process)`,
      );
      return { rate: result.count / seconds, last: result.last };
    };
    /** Offers events as fast as PutEvents takes them: 8 senders, 10 entries per call. */
    const flood = async (work: ScenarioEvent[]) => {
      const before = await reading();
      const started = Date.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (;;) {
            const batch = work.slice(next, next + 10);
            next += 10;
            if (batch.length === 0) return;
            await put(batch);
          }
        }),
      );
      const acceptedIn = (Date.now() - started) / 1000;
      out(
        `      PutEvents accepted ${work.length} events in ${acceptedIn.toFixed(1)} s (${(work.length / acceptedIn).toFixed(0)}/s, each journaled with fsync)`,
      );
      return describePass(work, started, before);
    };

    // (0) First syncs: the entities of both measured passes, as fast as PutEvents takes them.
    const sustainable = eventsFor('p', E2E_EVENTS, 1);
    const saturation = eventsFor('s', E2E_EVENTS, 1);
    out(
      `   (0) first sync of ${2 * E2E_EVENTS} new entities, offered as fast as PutEvents takes them (1 read + 2 writes each)`,
    );
    const first = await flood([...sustainable, ...saturation]);
    const quiet = first.last + leaseMs + 500 - Date.now();
    if (quiet > 0) await new Promise((r) => setTimeout(r, quiet));

    // (a) Saturation: a newer version of each entity, offered as fast as PutEvents takes them.
    out(
      `   (a) saturation: ${E2E_EVENTS} updates of known entities offered as fast as PutEvents takes them (capacity; latency = queueing; 1 read + 1 write each)`,
    );
    const { rate } = await flood(eventsFor('s', E2E_EVENTS, 2));

    // (b) Sustainable: batches of 10 on a fixed schedule (open loop) at 70% of (a)'s rate, ~10 s.
    const paced = Math.max(10, Math.floor(rate * 0.7));
    const count = Math.min(E2E_EVENTS, Math.max(100, paced * 10));
    out(
      `   (b) sustainable: ${count} updates of known entities paced at ${paced}/s, 70% of (a) (latency when the layer keeps up)`,
    );
    const updates = eventsFor('p', count, 2);
    const before = await reading();
    const started = Date.now();
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < count; i += 10) {
      const due = started + (i / paced) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      sends.push(put(updates.slice(i, i + 10)));
    }
    await Promise.all(sends);
    await describePass(updates, started, before);
    events.destroy();

    raw.push(await measureRaw('z'));
    ddb.destroy();
    agent.destroy();
    const figure = (pick: (r: { lean: number; sdk: number; cheap: number }) => number) =>
      `${raw.map((r) => pick(r).toFixed(0)).join(' and ')} writes/s`;
    const mean = (pick: (r: { lean: number; sdk: number; cheap: number }) => number) =>
      raw.reduce((sum, r) => sum + pick(r), 0) / raw.length;
    out(
      `   raw conditional PutItem rate of the layer's embedded DynamoDB, 16 concurrent, before and after the passes:`,
    );
    out(`      the functions' client (lambdas/commons/aws-json.ts, 5 s): ${figure((r) => r.lean)}`);
    out(`      the AWS SDK v3 client (5 s): ${figure((r) => r.sdk)}`);
    out(`      a near-free client (unsigned, 3 s; what dynalite itself takes): ${figure((r) => r.cheap)}`);
    out(
      `   ratio end to end (a) / raw writes: ${(rate / mean((r) => r.lean)).toFixed(2)} against the functions' client, ${(rate / mean((r) => r.sdk)).toFixed(2)} against the SDK's, ${(rate / mean((r) => r.cheap)).toFixed(2)} against the near-free client (target ≥ 0.4; each event makes 2 DynamoDB calls, so 0.5 is the ceiling where DynamoDB is the bottleneck)`,
    );
    out(`   peak memory of the local layer (VmHWM, all threads): ${(peak() / 1024).toFixed(0)} MB`);
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** 4. `cdk synth` time and stack sizes for generated estates. */
function synth(): void {
  out('\n4. cdk synth (with bundling, validation and cdk-nag) of generated contracts');
  for (const count of [10, 50, 100]) {
    const work = mkdtempSync(join(tmpdir(), 'handoff-bench-synth-'));
    try {
      generateContracts(join(work, 'contracts'), count);
      const p: Plan = planOf(join(work, 'contracts'));
      const figures = synthesise(p, join(work, 'out'), true);
      const largest = [...figures.stacks].sort((a, b) => b.resources - a.resources)[0];
      const contractStacks = figures.stacks.filter((s) => s.contracts > 0);
      const perContract =
        contractStacks.reduce((n, s) => n + s.resources, 0) /
        contractStacks.reduce((n, s) => n + s.contracts, 0);
      out(
        `   ${String(count).padStart(3)} contracts: ${figures.seconds.toFixed(1).padStart(5)} s, ${figures.stacks.length} stacks, largest ${largest?.resources} resources (${((largest?.templateBytes ?? 0) / 1024).toFixed(0)} KB), ${perContract.toFixed(1)} resources per contract, all under 500: ${figures.stacks.every((s) => s.resources < 500) ? 'yes' : 'NO'}`,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  out(
    `   targets: 100 contracts in under 60 s, every stack under 500 resources (at most ${MAX_CONTRACTS_PER_STACK} contracts per stack)`,
  );
}

out(
  `handoff bench · ${new Date().toISOString()} · Node ${process.version} · ${(await import('node:os')).cpus().length} CPUs\n`,
);
if (!skip.has('calls')) await callsPerPath();
if (!skip.has('bundles')) bundles();
if (!skip.has('e2e')) await endToEnd();
if (!skip.has('synth')) synth();
