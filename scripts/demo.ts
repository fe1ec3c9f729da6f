/**
 * `npm run demo [-- --data DIR]`: a narrated incident against a running local layer (`npm start`
 * in another terminal). Normal flow; the helpdesk goes down; handoff retries; the contracts turn
 * degraded; an incident opens with owner and runbook; the status API tells support what to do; the
 * helpdesk recovers; dead letters are redriven; everything is back in sync; and a tally shows that
 * every event sent was synced, skipped as a duplicate, or is in a dead-letter queue. Exits 0 only
 * when nothing was lost.
 */
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { defaultContractsDir, PROJECT_ROOT } from '../lib/cli/project.js';
import { redriveDeadLetters } from '../lib/dlq/index.js';
import { sdkDeadLetterQueue, sdkEventBus } from '../lib/dlq/sdk.js';
import { type LocalEndpoints, readEndpoints } from '../lib/local/endpoints.js';
import {
  account,
  contractEvent,
  heldVersion,
  peekQueue,
  type ScenarioEvent,
  targetPath,
} from '../lib/local/scenario.js';
import type { LayerStats } from '../lib/local/stats.js';
import { loadContracts } from '../lib/model/load.js';
import type { Contract } from '../lib/model/types.js';
import { buildPlan } from '../lib/plan/build.js';

const { values } = parseArgs({
  options: { data: { type: 'string' }, contracts: { type: 'string' } },
  strict: true,
});
const dataDir = values.data ?? '.handoff';

const started = Date.now();
const say = (text: string) =>
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}\n`);
const step = (n: number, title: string) =>
  process.stdout.write(`\n── ${n}. ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}\n`);

async function main(): Promise<number> {
  let endpoints: LocalEndpoints;
  try {
    endpoints = readEndpoints(dataDir);
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    return 2;
  }
  const estate = loadContracts(defaultContractsDir(values.contracts)).estate;
  if (!estate) {
    process.stderr.write('demo: the contracts have problems; run ./bin/handoff validate\n');
    return 2;
  }
  if (!endpoints.targets) {
    process.stderr.write(
      'demo: the local layer runs without the example targets (--no-targets); the demo needs them\n',
    );
    return 2;
  }
  const plan = buildPlan(estate, { stage: endpoints.stage, runbookBaseUrl: `${endpoints.events}/runbooks` });
  const contract = (id: string) => estate.contracts.find((c) => c.id === id) as Contract;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const events = new EventBridgeClient({ endpoint: endpoints.events, region: endpoints.region, credentials });
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region: endpoints.region, credentials });
  const scale = endpoints.timeScale;
  const patience = (awsSeconds: number) => Math.max(20_000, (awsSeconds * 1000) / scale + 20_000);
  const sent: ScenarioEvent[] = [];

  const put = async (batch: ScenarioEvent[]) => {
    for (let i = 0; i < batch.length; i += 10) {
      const chunk = batch.slice(i, i + 10);
      const out = await events.send(new PutEventsCommand({ Entries: chunk.map((e) => e.entry) }));
      if (out.FailedEntryCount)
        throw new Error(`PutEvents refused ${out.FailedEntryCount} entries: ${JSON.stringify(out.Entries)}`);
      sent.push(...chunk);
    }
  };
  const api = async <T>(path: string) => (await (await fetch(`${endpoints.statusApi}${path}`)).json()) as T;
  const stats = async () => (await (await fetch(`${endpoints.events}/_admin/stats`)).json()) as LayerStats;
  const targets = (path: string, init?: RequestInit) => fetch(`${endpoints.targets}${path}`, init);
  const until = async <T>(
    what: string,
    probe: () => Promise<T | undefined | false>,
    timeoutMs: number,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const settled = async () =>
    until('the layer to settle', async () => (await stats()).pending === 0 || undefined, patience(3 * 3600));

  const run = Date.now().toString(36);
  const customers = Array.from({ length: 5 }, (_, i) => `demo-${run}-${i + 1}`);
  const c1 = contract('crm-customer-to-helpdesk');
  const c2 = contract('billing-subscription-to-helpdesk');
  const c3 = contract('billing-invoice-to-crm');
  const c4 = contract('product-usage-to-crm');
  say(
    `local layer ${endpoints.events} (time ×${scale}${scale < 30 ? '; the demo waits for real retries, so it is slow; npm start uses ×60' : ''})`,
  );

  step(1, 'Normal flow');
  await put(
    customers.flatMap((id) => [
      contractEvent(c1, endpoints.busName, id, 1),
      contractEvent(c2, endpoints.busName, id, 1),
      contractEvent(c3, endpoints.busName, id, 1),
      contractEvent(c4, endpoints.busName, id, 1),
    ]),
  );
  // A source that sends the same change twice: handoff skips the copy without calling the target.
  await put([contractEvent(c1, endpoints.busName, customers[0] ?? '', 1)]);
  await settled();
  const afterNormal = await stats();
  say(
    `${sent.length} events sent; synced ${afterNormal.contracts.reduce((n, c) => n + c.synced, 0)}, skipped as duplicates ${afterNormal.contracts.reduce((n, c) => n + c.skipped, 0)}`,
  );

  step(2, 'The helpdesk goes down');
  await targets('/_admin/faults/helpdesk', { method: 'PUT', body: JSON.stringify({ mode: 'down' }) });
  say('helpdesk: connections refused (curl -X PUT .../_admin/faults/helpdesk -d \'{"mode":"down"}\')');
  const victim = customers[1] ?? '';
  await put(
    customers.flatMap((id) => [
      contractEvent(c1, endpoints.busName, id, 2, { 'detail.plan': 'enterprise' }),
      contractEvent(c2, endpoints.busName, id, 2, { 'detail.seats': 40 }),
    ]),
  );
  // And one change the CRM sends that breaks the contract schema: rejected at once, never retried.
  const rejected = contractEvent(c3, endpoints.busName, customers[2] ?? '', 2, {
    'detail.currency': 'pounds',
  });
  await put([rejected]);

  step(3, 'handoff retries, on the tier schedule');
  const retrying = await until(
    'retries',
    async () => {
      const s = await stats();
      const n = s.contracts
        .filter((c) => c.id === c1.id || c.id === c2.id)
        .reduce((sum, c) => sum + c.retrying + c.transient, 0);
      return n > 0 ? s : undefined;
    },
    patience(120),
  );
  for (const c of retrying.contracts.filter((x) => x.id === c1.id || x.id === c2.id)) {
    say(
      `${c.id}: ${c.transient} transient failures so far, ${c.retrying} events waiting for a retry (critical: 2 retries, after 1 and 2 minutes)`,
    );
  }

  step(4, 'The contracts turn degraded');
  const degraded = await until(
    'a degraded contract',
    async () => {
      const body = await api<{ contracts: Array<{ id: string; health: string; healthReasons: string[] }> }>(
        '/contracts',
      );
      return body.contracts.find(
        (c) =>
          c.id === c1.id &&
          c.health !== 'ok' &&
          c.healthReasons.some((r) => /failing repeatedly|degraded/i.test(r)),
      );
    },
    patience(600),
  );
  say(`${degraded.id}: health ${degraded.health}: ${degraded.healthReasons.join('; ')}`);

  step(5, 'Retries run out: the changes wait in the dead-letter queue');
  const criticalQueue = plan.tiers.find((t) => t.name === 'critical')?.deadLetterQueue ?? '';
  const waiting = await until(
    'dead letters',
    async () => {
      const q = (await stats()).queues.find((x) => x.name === criticalQueue);
      return q && q.visible >= customers.length * 2 ? q : undefined;
    },
    patience(3 * 3600),
  );
  say(
    `${waiting.visible} dead letters in ${criticalQueue}: each one a change the helpdesk has not got; nothing is dropped`,
  );

  step(6, 'An incident opens, with owner and runbook');
  const incident = await until(
    'an open incident',
    async () => {
      const body = await api<{ incidents: Array<{ id: string; failureMode: string; tier: string }> }>(
        '/incidents?state=open',
      );
      return body.incidents.find((i) => i.failureMode === 'dead-letters' && i.tier === 'critical');
    },
    patience(900),
  );
  const detail = await api<{
    title: string;
    owner: { name: string; oncallChannel: string };
    runbook: { url: string };
    nextAction: string;
    commands?: Array<{ command: string }>;
  }>(`/incidents/${encodeURIComponent(incident.id)}`);
  const open = await api<{ incidents: Array<{ title: string; owner: { name: string } }> }>(
    '/incidents?state=open',
  );
  say(`open incidents: ${open.incidents.map((i) => `${i.title} (${i.owner.name})`).join('; ')}`);
  say(`incident "${detail.title}" for ${detail.owner.name} (${detail.owner.oncallChannel})`);
  say(`runbook: ${detail.runbook.url}`);
  say(`next action for on-call: ${detail.nextAction.split('\n')[0]}`);
  for (const c of (detail.commands ?? []).slice(0, 2)) say(`  $ ${c.command}`);

  step(7, 'Support asks: is this customer in sync, and what do I do?');
  const answer = await api<{ verdict: { summary: string; nextAction: string } }>(
    `/entities/customer/${victim}`,
  );
  say(`GET /v1/entities/customer/${victim}`);
  say(`verdict: ${answer.verdict.summary}`);
  say(`what to do: ${answer.verdict.nextAction}`);

  step(8, 'The helpdesk recovers; dead letters are redriven');
  await targets('/_admin/faults/helpdesk', { method: 'DELETE' });
  say('helpdesk: back up');
  // New changes arrive as usual; the first success clears "degraded" and announces the recovery,
  // and for critical and standard tiers handoff redrives the transient dead letters on its own.
  await put(
    customers
      .slice(3)
      .flatMap((id) => [
        contractEvent(c1, endpoints.busName, id, 3),
        contractEvent(c2, endpoints.busName, id, 3),
      ]),
  );
  const drained = await until(
    'auto-redrive',
    async () => {
      const q = (await stats()).queues.find((x) => x.name === criticalQueue);
      return q && q.visible === 0 && q.inFlight === 0 ? q : undefined;
    },
    patience(3600),
  );
  say(
    `auto-redrive: ${criticalQueue} is empty again (${drained.visible} left); the redriven changes were applied once (handoff skips versions already synced)`,
  );
  const leftover = await redriveDeadLetters({
    sqs: sdkDeadLetterQueue(sqs),
    events: sdkEventBus(events),
    queueUrl: `${endpoints.sqs}/000000000000/${criticalQueue}`,
    prefix: plan.prefix,
    busName: endpoints.busName,
    contracts: plan.contracts,
    filter: { onlyAutoRedrivable: true },
    ratePerSecond: 50,
  });
  say(
    `./bin/handoff dlq redrive --local --tier critical → ${leftover.counts.redriven} more to redrive by hand`,
  );
  const rejectedLetters = await peekQueue(
    sqs,
    `${endpoints.sqs}/000000000000/${plan.tiers.find((t) => t.name === 'standard')?.deadLetterQueue}`,
    plan.prefix,
    plan.contracts,
  );
  const ours = rejectedLetters.find(
    (l) => l.entityId === rejected.entityId && l.contractId === rejected.contractId,
  );
  if (ours)
    say(
      `still waiting, on purpose: ${ours.contractId} ${ours.failureClass}: ${ours.reason.slice(0, 200)} (never redriven automatically; the source must fix it)`,
    );
  await settled();

  step(9, 'Everything back in sync');
  // The degraded alarms clear on their next evaluation, once the checker reports the recovery.
  await until(
    'healthy helpdesk contracts',
    async () => {
      const body = await api<{ contracts: Array<{ id: string; health: string }> }>('/contracts');
      return (
        body.contracts.filter((c) => c.id === c1.id || c.id === c2.id).every((c) => c.health === 'ok') ||
        undefined
      );
    },
    patience(1800),
  );
  for (const id of customers) {
    const a = await api<{ verdict: { state: string } }>(`/entities/customer/${id}`);
    say(
      `customer ${id}: ${a.verdict.state}${id === rejected.entityId ? ' (the rejected invoice change)' : ''}`,
    );
  }
  const health = await api<{ contracts: Array<{ id: string; health: string }> }>('/contracts');
  say(`contracts: ${health.contracts.map((c) => `${c.id} ${c.health}`).join(', ')}`);

  step(10, 'Tally');
  const helpdesk = (await (await targets('/_admin/state/helpdesk')).json()) as {
    resources: Record<string, { version: unknown }>;
  };
  const crm = (await (await targets('/_admin/state/crm')).json()) as {
    resources: Record<string, { version: unknown }>;
  };
  const held = (event: ScenarioEvent) => {
    const cp = plan.contracts.find((c) => c.id === event.contractId);
    if (!cp) return undefined;
    const path = targetPath(cp, event.entityId);
    const store = cp.target.system === 'helpdesk' ? helpdesk : crm;
    return path ? heldVersion(store.resources[path]?.version) : undefined;
  };
  const letters = (
    await Promise.all(
      plan.queues.map((q) =>
        peekQueue(sqs, `${endpoints.sqs}/000000000000/${q.name}`, plan.prefix, plan.contracts),
      ),
    )
  ).flat();
  const tally = account(
    sent,
    held,
    letters.filter((l) => sent.some((e) => e.entityId === l.entityId)),
  );
  const rows = [
    ['events sent', tally.sent],
    ['synced (the target holds the version or a newer one)', tally.synced],
    ['skipped as duplicates', tally.skippedDuplicates],
    ['in dead-letter queues (e.g. the rejected change)', tally.deadLettered],
    ['lost', tally.lost],
  ] as const;
  for (const [label, n] of rows) process.stdout.write(`  ${label.padEnd(56)} ${String(n).padStart(4)}\n`);
  const balanced =
    tally.sent === tally.synced + tally.skippedDuplicates + tally.deadLettered && tally.lost === 0;
  process.stdout.write(
    `  ${balanced ? '✓' : '✗'} ${tally.sent} = ${tally.synced} + ${tally.skippedDuplicates} + ${tally.deadLettered}${balanced ? ': nothing lost' : ''}\n`,
  );
  for (const detailLine of tally.details) process.stdout.write(`  ✗ ${detailLine}\n`);
  process.stdout.write(
    `\nThe support page: ${endpoints.events}/#/entity/customer/${victim}   runbooks: ${PROJECT_ROOT}/runbooks/\n`,
  );
  events.destroy();
  sqs.destroy();
  return balanced ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
