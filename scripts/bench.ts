/**
 * `npm run bench [-- --events N] [--skip synth,e2e]`: prints handoff's performance figures, in one
 * run, never asserting them:
 * 1. DynamoDB reads and writes per event, per path of the sync handler (against dynalite);
 * 2. bundle size and cold-start import time (fresh process, median of several) of every function;
 * 3. end-to-end throughput of the local layer (PutEvents to synced) next to the raw conditional-write
 *    rate of the same embedded DynamoDB, their ratio, p50/p99 latency, and the layer's peak memory;
 * 4. `cdk synth` time and resources per stack for 10, 50 and 100 generated contracts.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import dynalite from 'dynalite';
import { buildSync } from 'esbuild';
import { createLogger, createMetrics } from '../lambdas/commons/powertools.js';
import { buildSyncDeps } from '../lambdas/sync/deps.js';
import { createSyncHandler } from '../lambdas/sync/handler.js';
import { PROJECT_ROOT } from '../lib/cli/project.js';
import { esbuildOptions } from '../lib/infra/handoff-function.js';
import { createTableInput } from '../lib/local/dynamo-tables.js';
import type { LocalEndpoints } from '../lib/local/endpoints.js';
import { contractEvent } from '../lib/local/scenario.js';
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
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
  });
  const calls: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      calls[name] = (calls[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'count' },
  );
  for (const table of [plan.tables.syncState, plan.tables.operations])
    await client.send(new CreateTableCommand(createTableInput(table)));
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  let answer = 200;
  const target = (await import('node:http')).createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(answer).end('{}');
    });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  const contract = estate?.contracts.find((c) => c.id === 'crm-customer-to-helpdesk');
  if (!contract) throw new Error('no contract');
  const handler = createSyncHandler(
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
    }),
  );
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
  const rows: Array<[string, number, number, number]> = [];
  const measure = async (
    label: string,
    n: number,
    prepare: (i: number) => Promise<void>,
    run: (i: number) => Promise<unknown>,
  ) => {
    for (let i = 0; i < n; i++) await prepare(i);
    for (const k of Object.keys(calls)) delete calls[k];
    for (let i = 0; i < n; i++) await run(i).catch(() => undefined);
    const reads = (calls.GetItem ?? 0) + (calls.Query ?? 0) + (calls.BatchGetItem ?? 0);
    const writes = (calls.PutItem ?? 0) + (calls.UpdateItem ?? 0) + (calls.DeleteItem ?? 0);
    rows.push([label, n, reads / n, writes / n]);
  };
  const n = 200;
  await measure(
    'happy path (new version, target answers 200)',
    n,
    async () => undefined,
    (i) => handler(event(`happy-${i}`, 1), context()),
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
  await measure(
    'hot entity (a second version right after the first)',
    n,
    (i) => handler(event(`hot-${i}`, 1), context()).then(() => undefined),
    (i) => handler(event(`hot-${i}`, 2), context()),
  );
  for (const [label, count, reads, writes] of rows)
    out(`   ${label.padEnd(52)} reads ${reads.toFixed(2)}  writes ${writes.toFixed(2)}  (${count} events)`);
  out('   targets: happy path ≤ 1 read + 1 write; duplicates 0 writes');
  client.destroy();
  target.close();
  await new Promise<void>((r) => server.close(() => r()));
}

/** 2. Bundle size and cold-start import time of every function. */
function bundles(): void {
  out(
    '\n2. Lambda bundles (esbuild, minified, ESM, AWS SDK v3 external as on the Lambda runtime) and cold-start import time',
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

/** 3. End-to-end throughput and latency of the local layer, against its own DynamoDB's raw write rate. */
async function endToEnd(): Promise<void> {
  out(`\n3. Local layer end to end: ${E2E_EVENTS} events, PutEvents → synced at the example targets`);
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-bench-'));
  const child: ChildProcess = spawn(
    join(PROJECT_ROOT, 'bin', 'handoff'),
    ['local', '--data', dataDir, '--port', '0'],
    { stdio: 'ignore' },
  );
  try {
    while (!existsSync(join(dataDir, 'endpoints.json'))) await new Promise((r) => setTimeout(r, 50));
    const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as LocalEndpoints;
    const peak = () =>
      Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
    const credentials = { accessKeyId: 'b', secretAccessKey: 'b' };

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
    let written = 0;
    const until = Date.now() + 5000;
    await Promise.all(
      Array.from({ length: 16 }, async (_, lane) => {
        for (let i = 0; Date.now() < until; i++) {
          await ddb.send(
            new PutItemCommand({
              TableName: 'bench-raw',
              Item: { pk: { S: `${lane}-${i}` }, v: { N: '1' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          written++;
        }
      }),
    );
    const rawRate = written / 5;
    ddb.destroy();

    // End to end: distinct customers (no lease contention) across the HTTP contracts, 8 senders.
    const contracts = (estate?.contracts ?? []).filter(
      (c) => c.target.adapter === 'http' && c.entity.type === 'customer',
    );
    const events = new EventBridgeClient({ endpoint: endpoints.events, region: 'us-east-1', credentials });
    const sentAt = new Map<string, number>();
    const work = Array.from({ length: E2E_EVENTS }, (_, i) => {
      const contract = contracts[i % contracts.length];
      if (!contract) throw new Error('no contract');
      return contractEvent(contract, endpoints.busName, `bench-${i}`, 1);
    });
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const batch = work.slice(next, next + 10);
          next += 10;
          if (batch.length === 0) return;
          const at = Date.now();
          await events.send(new PutEventsCommand({ Entries: batch.map((e) => e.entry) }));
          for (const e of batch) sentAt.set(`${e.contractId}|${e.entityId}`, at);
        }
      }),
    );
    const acceptedIn = (Date.now() - started) / 1000;
    // Wait for every delivery, reading the targets' request logs (when each one arrived).
    const latencies: number[] = [];
    let last = 0;
    const seen = new Set<string>();
    const deadline = Date.now() + 10 * 60_000;
    while (seen.size < work.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      for (const system of ['helpdesk', 'crm', 'billing']) {
        const requests = (await (
          await fetch(`${endpoints.targets}/_admin/requests/${system}?limit=100000`)
        ).json()) as {
          requests: Array<{ status: number | string; contract?: string; path: string; at: string }>;
        };
        for (const r of requests.requests) {
          if (typeof r.status !== 'number' || r.status >= 300 || !r.contract) continue;
          const id = /bench-\d+/.exec(r.path)?.[0];
          const key = `${r.contract}|${id}`;
          if (!id || seen.has(key) || !sentAt.has(key)) continue;
          seen.add(key);
          const at = Date.parse(r.at);
          latencies.push(at - (sentAt.get(key) ?? at));
          last = Math.max(last, at);
        }
      }
    }
    const seconds = (last - started) / 1000;
    const rate = seen.size / seconds;
    out(
      `   PutEvents accepted ${work.length} events in ${acceptedIn.toFixed(1)} s (${(work.length / acceptedIn).toFixed(0)}/s, each journaled with fsync)`,
    );
    out(
      `   synced ${seen.size}/${work.length} in ${seconds.toFixed(1)} s: ${rate.toFixed(0)} events/s end to end`,
    );
    out(
      `   latency PutEvents → target: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`,
    );
    out(
      `   raw conditional PutItem rate of the same embedded DynamoDB (16 concurrent, 5 s): ${rawRate.toFixed(0)} writes/s`,
    );
    out(`   ratio end to end / raw writes: ${(rate / rawRate).toFixed(2)} (target ≥ 0.4)`);
    out(`   peak memory of the local layer (VmHWM): ${(peak() / 1024).toFixed(0)} MB`);
    events.destroy();
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
await callsPerPath();
bundles();
if (!skip.has('e2e')) await endToEnd();
if (!skip.has('synth')) synth();
