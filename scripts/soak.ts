import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PROJECT_ROOT } from '../lib/cli/project.js';
import { redriveDeadLetters } from '../lib/dlq/index.js';
import { sdkDeadLetterQueue, sdkEventBus } from '../lib/dlq/sdk.js';
import { type LocalLayerChild, spawnLocalLayer } from '../lib/local/child.js';
import type { LocalEndpoints } from '../lib/local/endpoints.js';
import {
  contractEvent,
  type DeadLetterEntry,
  peekQueue,
  type ScenarioEvent,
  targetPath,
} from '../lib/local/scenario.js';
import type { LayerStats } from '../lib/local/stats.js';
import { type ExampleTargets, startExampleTargets } from '../lib/local/targets/index.js';
import { createDetailValidator } from '../lib/model/detail-validator.js';
import { loadContracts } from '../lib/model/load.js';
import type { Contract } from '../lib/model/types.js';
import { buildPlan } from '../lib/plan/build.js';
import type { Plan } from '../lib/plan/types.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    seed: { type: 'string' },
    'time-scale': { type: 'string' },
    keep: { type: 'boolean' },
  },
  strict: true,
});
const TOTAL = Number(values.events ?? 10_000);
const SEED = Number(values.seed ?? 42);
const TIME_SCALE = Number(values['time-scale'] ?? 60);
/** How long before the kill -9 a delivery may have been sent and still be running (a saturated layer). */
const INTERRUPTED_WINDOW_MS = 60_000;
if (!Number.isInteger(TOTAL) || TOTAL < 100)
  throw new Error('--events must be a whole number of at least 100');

const started = Date.now();
const log = (text: string) =>
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${text}\n`);

/** A small deterministic generator (mulberry32), so a seed reproduces a run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Kind = 'valid' | 'invalid' | 'duplicate';
interface Sent extends ScenarioEvent {
  kind: Kind;
  eventId?: string;
}

async function main(): Promise<number> {
  const rand = random(SEED);
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-soak-'));
  const estate = loadContracts(join(PROJECT_ROOT, 'contracts')).estate;
  if (!estate) throw new Error('the example contracts have problems');
  const plan: Plan = buildPlan(estate, { stage: 'local', runbookBaseUrl: 'runbooks' });
  const contracts = estate.contracts;
  log(
    `soak: ${TOTAL} events across ${contracts.length} contracts, seed ${SEED}, time ×${TIME_SCALE}, data ${dataDir}`,
  );

  // The targets run here, outside the layer, so the kill -9 hits only the layer, and their
  // request logs are long enough to audit every delivery.
  const credentials = { helpdeskToken: 'soak-helpdesk', crmToken: 'soak-crm', billingApiKey: 'soak-billing' };
  const targets: ExampleTargets = await startExampleTargets({
    dataDir: join(dataDir, 'targets'),
    credentials,
    requestLogSize: TOTAL * 6,
  });
  writeFileSync(
    join(dataDir, 'secrets.json'),
    JSON.stringify({
      'handoff/helpdesk/api-token': JSON.stringify({ token: credentials.helpdeskToken }),
      'handoff/crm/api-token': credentials.crmToken,
      'handoff/billing/api-key': credentials.billingApiKey,
    }),
  );
  const env = {
    HELPDESK_API_URL: targets.systems.helpdesk,
    CRM_API_URL: targets.systems.crm,
    BILLING_API_URL: targets.systems.billing,
    ANALYTICS_BUS_ARN: targets.analyticsBusArn,
    HANDOFF_LOCAL_EVENTBRIDGE_ENDPOINT: targets.systems.analyticsBus,
  };

  let layer = await startLayer(dataDir, env);
  /** When the layer was killed (epoch ms): deliveries it interrupted may be sent again. */
  let killedAt = Number.NaN;
  let peakMemoryKb = 0;
  const sampleMemory = () => {
    peakMemoryKb = Math.max(peakMemoryKb, peakRss(layer.child.pid));
  };
  const memoryTimer = setInterval(sampleMemory, 500);

  const flaky = async () => {
    for (const system of ['helpdesk', 'crm', 'billing', 'analytics'] as const) {
      targets.setFault(system, { mode: 'flaky', failureRate: 0.2, status: 503, seed: SEED });
    }
  };
  await flaky();

  // Build the stream: per contract a pool of entities with increasing versions.
  const sent: Sent[] = [];
  const nextVersion = new Map<string, number>();
  // About three changes per entity: bursts on one entity happen, but most changes are to different ones.
  const entityCount = Math.max(20, Math.floor(TOTAL / 3 / contracts.length));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const stream: Sent[] = [];
  for (let i = 0; i < TOTAL; i++) {
    const contract = pick(contracts);
    const roll = rand();
    if (roll < 0.05 && stream.length > 0) {
      const original = pick(stream.filter((e) => e.kind === 'valid').slice(-200));
      if (original) {
        stream.push({ ...original, kind: 'duplicate' });
        continue;
      }
    }
    if (roll < 0.07) {
      const bad = invalidEvent(contract, plan.bus.name, `bad-${i}`);
      if (bad) {
        stream.push({ ...bad, kind: 'invalid' });
        continue;
      }
    }
    const entityId = idFor(contract, Math.floor(rand() * entityCount));
    const key = `${contract.id}|${entityId}`;
    const n = (nextVersion.get(key) ?? 0) + 1;
    nextVersion.set(key, n);
    stream.push({
      ...contractEvent(contract, plan.bus.name, entityId, n, uniquePersonalData(contract, i)),
      kind: 'valid',
    });
  }
  // 10% out of order: swap an event with one a few places later.
  for (let i = 0; i < stream.length - 5; i++) {
    if (rand() < 0.1) {
      const j = i + 1 + Math.floor(rand() * 4);
      [stream[i], stream[j]] = [stream[j] as Sent, stream[i] as Sent];
    }
  }

  // Send in batches of ten from several senders; the CRM goes down for a stretch; the layer is
  // killed and restarted half way.
  const credentialsSdk = { accessKeyId: 'soak', secretAccessKey: 'soak' };
  let events = new EventBridgeClient({
    endpoint: layer.endpoints.events,
    region: 'us-east-1',
    credentials: credentialsSdk,
    maxAttempts: 8,
  });
  const batches: Sent[][] = [];
  for (let i = 0; i < stream.length; i += 10) batches.push(stream.slice(i, i + 10));
  const outageFrom = Math.floor(batches.length * 0.3);
  const outageTo = Math.floor(batches.length * 0.45);
  const killAt = Math.floor(batches.length * 0.6);
  const sendStarted = Date.now();
  for (let b = 0; b < batches.length; b++) {
    if (b === outageFrom) {
      targets.setFault('crm', { mode: 'down' });
      log(`outage: the CRM is down (batches ${outageFrom}-${outageTo})`);
    }
    if (b === outageTo) {
      targets.setFault('crm', { mode: 'flaky', failureRate: 0.2, status: 503, seed: SEED });
      log('outage over: the CRM is back (flaky)');
    }
    if (b === killAt) {
      sampleMemory();
      log(
        `kill -9 of the local layer (pid ${layer.child.pid}) with ${layer.endpoints ? 'events in flight' : ''}`,
      );
      killedAt = Date.now();
      layer.child.kill('SIGKILL');
      await new Promise((r) => layer.child.once('exit', r));
      events.destroy();
      layer = await startLayer(dataDir, env);
      events = new EventBridgeClient({
        endpoint: layer.endpoints.events,
        region: 'us-east-1',
        credentials: credentialsSdk,
        maxAttempts: 8,
      });
      log(`restarted (pid ${layer.child.pid}); the journal resumes what was accepted`);
    }
    const batch = batches[b] as Sent[];
    for (let attempt = 0; ; attempt++) {
      const out = await events
        .send(new PutEventsCommand({ Entries: batch.map((e) => e.entry) }))
        .catch(() => undefined);
      const entries = out?.Entries ?? [];
      const failed = entries.some((e) => e.ErrorCode) || entries.length !== batch.length;
      if (!failed) {
        entries.forEach((e, i) => {
          (batch[i] as Sent).eventId = e.EventId;
        });
        sent.push(...batch);
        break;
      }
      if (attempt > 20)
        throw new Error(`PutEvents kept failing: ${JSON.stringify(out?.Entries?.find((e) => e.ErrorCode))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (b % 100 === 0 && b > 0) log(`sent ${sent.length}/${TOTAL}`);
  }
  const sendSeconds = (Date.now() - sendStarted) / 1000;
  log(
    `all ${sent.length} events accepted in ${sendSeconds.toFixed(1)}s (${(sent.length / sendSeconds).toFixed(0)} events/s into PutEvents)`,
  );

  // Let everything settle with the faults still on, then heal the targets and settle again.
  await settle(layer.endpoints, 'retries under faults');
  for (const system of ['helpdesk', 'crm', 'billing', 'analytics'] as const) targets.clearFault(system);
  const sqs = new SQSClient({
    endpoint: layer.endpoints.sqs,
    region: 'us-east-1',
    credentials: credentialsSdk,
  });
  const queueUrl = (name: string) => `${layer.endpoints.sqs}/000000000000/${name}`;
  const deadLettersBefore = (
    await Promise.all(
      plan.queues.map((q) => peekQueue(sqs, queueUrl(q.name), 'handoff-local', plan.contracts)),
    )
  ).flat();
  log(`dead letters after the run: ${describeLetters(deadLettersBefore)}`);

  // Redrive the transient ones (what an operator does after an outage), in rounds until none is
  // left: a redriven change can meet a busy entity again, and a best-effort one has no retries.
  let redriven = 0;
  for (let round = 1; round <= 5; round++) {
    let thisRound = 0;
    for (const q of plan.queues) {
      const result = await redriveDeadLetters({
        sqs: sdkDeadLetterQueue(sqs),
        events: sdkEventBus(events),
        queueUrl: queueUrl(q.name),
        prefix: 'handoff-local',
        busName: plan.bus.name,
        contracts: plan.contracts,
        filter: { onlyAutoRedrivable: true },
        ratePerSecond: 100,
        limit: TOTAL,
      });
      thisRound += result.counts.redriven;
    }
    redriven += thisRound;
    log(`redrive round ${round}: ${thisRound} transient dead letters put back`);
    await settle(layer.endpoints, `redrive round ${round}`);
    if (thisRound === 0) break;
  }
  log(`redrove ${redriven} transient dead letters in all`);
  const deadLetters = (
    await Promise.all(
      plan.queues.map((q) => peekQueue(sqs, queueUrl(q.name), 'handoff-local', plan.contracts)),
    )
  ).flat();
  clearInterval(memoryTimer);
  sampleMemory();

  const verdict = audit(plan, sent, deadLetters, targets, killedAt);
  const leaks = personalDataInLogs(join(dataDir, 'logs'), sent, contracts);
  const stats = (await (await fetch(`${layer.endpoints.events}/_admin/stats`)).json()) as LayerStats;
  const total = (f: (c: LayerStats['contracts'][number]) => number) =>
    stats.contracts.reduce((n, c) => n + f(c), 0);

  process.stdout.write(
    [
      '',
      'Tally',
      `  events sent                                  ${sent.length}`,
      `  synced (target holds that version or newer)  ${verdict.synced}`,
      `  skipped as duplicates                        ${verdict.duplicates}`,
      `  dead-lettered, permanent (schema)            ${verdict.deadLetteredPermanent}`,
      `  lost                                         ${verdict.lost.length}`,
      `  double-applied                               ${verdict.doubleApplied.length}`,
      `  re-sent after the kill -9 interrupted them    ${verdict.resentAfterKill.length} (sent before the kill, again after it: the same version; HTTP targets get the same Idempotency-Key)`,
      `  misclassified                                ${verdict.misclassified.length}`,
      `  targets behind their newest version          ${verdict.behind.length}`,
      `  personal-data values found in the logs       ${leaks.found.length} (of ${leaks.values} values, ${leaks.files} log files, ${(leaks.bytes / 1e6).toFixed(1)} MB)`,
      `  handler outcomes since the restart: synced ${total((c) => c.synced)}, skipped ${total((c) => c.skipped)}, transient ${total((c) => c.transient)}, permanent ${total((c) => c.permanent)}`,
      `  peak memory of the local layer               ${(peakMemoryKb / 1024).toFixed(0)} MB`,
      `  run time                                     ${((Date.now() - started) / 1000).toFixed(0)}s`,
      '',
    ].join('\n'),
  );
  for (const line of [
    ...verdict.lost,
    ...verdict.doubleApplied,
    ...verdict.misclassified,
    ...verdict.behind,
    ...leaks.found,
  ].slice(0, 20))
    process.stdout.write(`  ✗ ${line}\n`);
  for (const line of verdict.resentAfterKill.slice(0, 5)) process.stdout.write(`  · ${line}\n`);
  const ok =
    verdict.lost.length === 0 &&
    verdict.doubleApplied.length === 0 &&
    verdict.misclassified.length === 0 &&
    verdict.behind.length === 0 &&
    leaks.found.length === 0;
  const balanced = sent.length === verdict.synced + verdict.duplicates + verdict.deadLetteredPermanent;
  process.stdout.write(
    `  ${ok && balanced ? '✓' : '✗'} ${sent.length} = ${verdict.synced} + ${verdict.duplicates} + ${verdict.deadLetteredPermanent}${ok && balanced ? ': nothing lost, double-applied or misclassified; the estate is back in sync' : ''}\n`,
  );

  events.destroy();
  sqs.destroy();
  layer.child.kill('SIGINT');
  await new Promise((r) => layer.child.once('exit', r));
  await targets.close();
  if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  return ok && balanced ? 0 : 1;
}

/**
 * Overrides that give event `i` its own personal-data values (strings at the contract's declared
 * personal paths), so a value found in a log can only have come from an event, not from code.
 */
function uniquePersonalData(contract: Contract, i: number): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  const sample = contract.samples[0]?.event as Record<string, unknown> | undefined;
  for (const path of contract.personalData) {
    if (path.includes('[')) continue;
    const value = path
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], sample);
    if (typeof value !== 'string') continue;
    const tag = `${i.toString(36)}${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
    overrides[path] = value.includes('@') ? `soak.${tag}@example.org` : `Soak Person ${tag}`;
  }
  return overrides;
}

/** Every string leaf under the contracts' personal-data paths of the events sent. */
function personalValues(sent: Sent[], contracts: readonly Contract[]): Set<string> {
  const byId = new Map(contracts.map((c) => [c.id, c]));
  const found = new Set<string>();
  const leaves = (node: unknown): void => {
    if (typeof node === 'string') {
      if (node.length >= 6) found.add(node);
    } else if (Array.isArray(node)) node.forEach(leaves);
    else if (node !== null && typeof node === 'object') Object.values(node).forEach(leaves);
  };
  for (const e of sent) {
    const contract = byId.get(e.contractId);
    if (!contract) continue;
    const event = { detail: JSON.parse(e.entry.Detail) as unknown };
    for (const path of contract.personalData) {
      let nodes: unknown[] = [event];
      for (const part of path.split('.')) {
        const key = part.replace(/(\[\*\])+$/, '');
        nodes = nodes.map((n) => (n as Record<string, unknown> | null)?.[key]);
        if (part.endsWith('[*]')) nodes = nodes.flatMap((n) => (Array.isArray(n) ? n : []));
      }
      nodes.forEach(leaves);
    }
  }
  return found;
}

/** Scans every log file the layer wrote for any personal-data value of the events sent. */
function personalDataInLogs(
  logDir: string,
  sent: Sent[],
  contracts: readonly Contract[],
): { found: string[]; values: number; files: number; bytes: number } {
  const values = personalValues(sent, contracts);
  // The per-event values share a shape, so one scan finds them; the few others are searched as is.
  const tagged = /Soak Person [0-9a-z]+|soak\.[0-9a-z]+@example\.org/g;
  const others = [...values].filter((v) => !/^(Soak Person [0-9a-z]+|soak\.[0-9a-z]+@example\.org)$/.test(v));
  const found: string[] = [];
  let files = 0;
  let bytes = 0;
  const names = existsSync(logDir) ? readdirSync(logDir, { recursive: true, encoding: 'utf8' }) : [];
  for (const name of names) {
    const file = join(logDir, name);
    if (!statSync(file).isFile()) continue;
    const text = readFileSync(file, 'utf8');
    files++;
    bytes += text.length;
    const hits = [
      ...(text.match(tagged) ?? []).filter((v) => values.has(v)),
      ...others.filter((v) => text.includes(v)),
    ];
    for (const value of new Set(hits))
      found.push(`personal data in logs/${name}: a value of ${value.length} characters`);
  }
  return { found, values: values.size, files, bytes };
}

/** Ids: customers are strings, tickets whole numbers (their schemas say so). */
function idFor(contract: Contract, n: number): string | number {
  return contract.entity.type === 'ticket' ? 100_000 + n : `soak-${n}`;
}

/** An event whose detail breaks the contract's schema (a required field of the wrong type), on its own entity. */
function invalidEvent(contract: Contract, busName: string, entityId: string): ScenarioEvent | undefined {
  const schema = contract.schema as { required?: string[] };
  const idField = contract.entity.id.replace(/^detail\./, '');
  const versionField = contract.entity.version.replace(/^detail\./, '');
  const field = (schema.required ?? []).find((f) => f !== idField && f !== versionField);
  if (!field) return undefined;
  const event = contractEvent(
    contract,
    busName,
    contract.entity.type === 'ticket' ? 900_000 + Number(entityId.replace(/\D/g, '')) : entityId,
    1,
    { [`detail.${field}`]: { broken: true } },
  );
  const detail = JSON.parse(event.entry.Detail) as unknown;
  return createDetailValidator(contract.schema).validate(detail).length > 0 ? event : undefined;
}

interface Verdict {
  synced: number;
  duplicates: number;
  deadLetteredPermanent: number;
  lost: string[];
  doubleApplied: string[];
  /** Versions applied again because the kill -9 interrupted their delivery after the send. */
  resentAfterKill: string[];
  misclassified: string[];
  behind: string[];
}

function audit(
  plan: Plan,
  sent: Sent[],
  deadLetters: DeadLetterEntry[],
  targets: ExampleTargets,
  killedAt: number,
): Verdict {
  const verdict: Verdict = {
    synced: 0,
    duplicates: 0,
    deadLetteredPermanent: 0,
    lost: [],
    doubleApplied: [],
    resentAfterKill: [],
    misclassified: [],
    behind: [],
  };
  const httpState = {
    helpdesk: targets.state('helpdesk'),
    crm: targets.state('crm'),
    billing: targets.state('billing'),
  } as const;
  const bus = targets.state('analytics');
  const held = (event: ScenarioEvent): number | undefined => {
    const contract = plan.contracts.find((c) => c.id === event.contractId);
    if (!contract) return undefined;
    if (contract.target.adapter === 'eventbridge') {
      const versions = bus.events
        .filter((e) => String((e.detail as Record<string, unknown>).ticketId) === event.entityId)
        .map((e) => Date.parse(String((e.detail as Record<string, unknown>).ratedAt)));
      return versions.length ? Math.max(...versions) : undefined;
    }
    const state = httpState[contract.target.system as keyof typeof httpState];
    const path = targetPath(contract, event.entityId);
    const resource = path ? state?.resources[path] : undefined;
    return resource ? Number(resource.version) : undefined;
  };

  const newest = new Map<string, number>();
  for (const event of sent) {
    if (event.kind !== 'valid') continue;
    const key = `${event.contractId}|${event.entityId}`;
    newest.set(key, Math.max(newest.get(key) ?? Number.NEGATIVE_INFINITY, event.version));
  }
  for (const event of sent) {
    const label = `${event.contractId} ${event.entityType} ${event.entityId} v${event.version} (${event.kind})`;
    const letters = deadLetters.filter(
      (l) =>
        l.contractId === event.contractId && l.entityId === event.entityId && l.version === event.version,
    );
    if (event.kind === 'duplicate') {
      verdict.duplicates++;
      continue;
    }
    if (event.kind === 'invalid') {
      if (letters.length === 0)
        verdict.lost.push(`${label}: a schema violation that is not in a dead-letter queue`);
      else if (letters.some((l) => l.failureClass !== 'permanent'))
        verdict.misclassified.push(
          `${label}: dead-lettered as ${letters.map((l) => l.failureClass).join(', ')}, expected permanent`,
        );
      else verdict.deadLetteredPermanent++;
      continue;
    }
    const version = held(event);
    if (letters.some((l) => l.failureClass === 'permanent' || l.failureClass === 'config')) {
      verdict.misclassified.push(
        `${label}: a valid change dead-lettered as ${letters.map((l) => l.failureClass).join(', ')}`,
      );
    }
    if (version !== undefined && version >= event.version) verdict.synced++;
    else if (letters.length > 0)
      verdict.lost.push(`${label}: still in a dead-letter queue after the redrive`);
    else verdict.lost.push(`${label}: the target holds ${version ?? 'nothing'}`);
  }
  for (const [key, version] of newest) {
    const [contractId = '', entityId = ''] = key.split('|');
    const h = held({
      contractId,
      entityId,
      entityType: '',
      version,
      entry: { EventBusName: '', Source: '', DetailType: '', Detail: '' },
    });
    if (h === undefined || h < version)
      verdict.behind.push(
        `${contractId} ${entityId}: newest version ${version}, target holds ${h ?? 'nothing'}`,
      );
  }
  // A version applied twice is a failure, with one exception the guarantee allows: the kill -9
  // ended an invocation after its send and before the layer recorded it done, so the journal runs
  // it again after the restart (the send's outcome is unknown; the version and Idempotency-Key are
  // the same). That explains a second application only when the first came shortly before the kill
  // and the second after it; every other double is counted as double-applied.
  const explainedByKill = (times: number[]) => {
    const [first, ...later] = [...times].sort((a, b) => a - b);
    return (
      first !== undefined &&
      first <= killedAt &&
      first >= killedAt - INTERRUPTED_WINDOW_MS &&
      later.every((t) => t > killedAt)
    );
  };
  // Applied twice: the same version accepted by a target under two different event ids.
  for (const system of ['helpdesk', 'crm', 'billing'] as const) {
    const accepted = new Map<string, Set<string>>();
    const acceptedAt = new Map<string, number[]>();
    for (const request of targets.requests(system, Number.MAX_SAFE_INTEGER)) {
      if (
        typeof request.status !== 'number' ||
        request.status < 200 ||
        request.status >= 300 ||
        request.version === undefined
      )
        continue;
      const key = `${request.path} v${request.version}`;
      const ids = accepted.get(key) ?? new Set<string>();
      ids.add(String(request.eventId));
      accepted.set(key, ids);
      acceptedAt.set(key, [...(acceptedAt.get(key) ?? []), Date.parse(request.at)]);
    }
    for (const [key, ids] of accepted) {
      if (ids.size <= 1) continue;
      const path = key.slice(0, key.lastIndexOf(' v'));
      const history = targets
        .requests(system, Number.MAX_SAFE_INTEGER)
        .filter((r) => r.path === path)
        .map((r) => `${r.at.slice(11, 23)} v${r.version} ${r.status} ${String(r.eventId).slice(0, 8)}`)
        .join(' | ');
      const line = `${system} ${key}: applied by ${ids.size} different events; requests: ${history}`;
      if (explainedByKill(acceptedAt.get(key) ?? [])) verdict.resentAfterKill.push(line);
      else verdict.doubleApplied.push(line);
    }
  }
  // The analytics bus stamps each entry with its arrival (the adapter sets no Time).
  const seen = new Map<string, number[]>();
  for (const e of bus.events) {
    const d = e.detail as Record<string, unknown>;
    const key = `${d.ticketId}@${d.ratedAt}`;
    seen.set(key, [...(seen.get(key) ?? []), Date.parse(e.time)]);
  }
  for (const [key, times] of seen) {
    if (times.length <= 1) continue;
    const line = `analytics ${key}: put ${times.length} times`;
    if (explainedByKill(times)) verdict.resentAfterKill.push(line);
    else verdict.doubleApplied.push(line);
  }
  return verdict;
}

function describeLetters(letters: DeadLetterEntry[]): string {
  const byClass = new Map<string, number>();
  for (const l of letters) byClass.set(l.failureClass, (byClass.get(l.failureClass) ?? 0) + 1);
  return letters.length === 0 ? 'none' : [...byClass].map(([k, v]) => `${v} ${k}`).join(', ');
}

/** The layer under test, in its own process (the targets run here, so the kill -9 spares them). */
function startLayer(dataDir: string, env: Record<string, string>): Promise<LocalLayerChild> {
  return spawnLocalLayer({ dataDir, env, args: ['--time-scale', String(TIME_SCALE), '--no-targets'] });
}

async function settle(endpoints: LocalEndpoints, what: string): Promise<void> {
  const deadline = Date.now() + 15 * 60_000;
  let quiet = 0;
  while (Date.now() < deadline) {
    const stats = (await (await fetch(`${endpoints.events}/_admin/stats`)).json()) as LayerStats;
    // Settled: no invocation pending, and no dead letter held by a function walking its queue (the
    // auto-redrive hides the messages it reads until its walk ends; a count taken meanwhile misses them).
    const idle = stats.pending === 0 && stats.queues.every((q) => q.inFlight === 0);
    quiet = idle ? quiet + 1 : 0;
    if (quiet >= 4) {
      log(`settled after ${what}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the layer did not settle after ${what}`);
}

/** Peak resident set size of a process in KB (Linux /proc), 0 where unavailable. */
function peakRss(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
