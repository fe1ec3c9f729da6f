/**
 * `handoff dlq list|show|redrive`: dead-letter tooling for a deployed stage (`--stage S`: the
 * default AWS credential chain and region) or the local layer (`--local`: endpoints from
 * `<data>/endpoints.json`, dummy credentials, stage `local`), through the same SDK code as the
 * auto-redrive function (lib/dlq). Output is support-safe: contract, entity, failure class, age,
 * attempts and reason, never an event's payload.
 *
 * Exit codes: 0 done, 1 a redrive had failures / a message was not found / the target could not
 * be reached, 2 usage.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeadLetterClass, DeadLetterSummary } from '../../lambdas/commons/dead-letters.js';
import {
  type Clock,
  DEFAULT_REDRIVE_RATE,
  DEFAULT_SCAN_LIMIT,
  type DeadLetterDetail,
  type DeadLetterFilter,
  listDeadLetters,
  MAX_REDRIVE_RATE,
  type RedriveResult,
  redriveDeadLetters,
  type ScanStats,
  showDeadLetter,
  validRate,
} from '../dlq/index.js';
import { sdkDeadLetterQueue, sdkEventBus } from '../dlq/sdk.js';
import { formatDuration } from '../model/duration.js';
import { TIER_NAMES, type TierName } from '../model/types.js';
import { names, STAGE_PATTERN } from '../plan/names.js';
import type { Plan } from '../plan/types.js';
import { EXIT, type Io, UsageError } from './io.js';
import { loadPlanOrReport } from './load-plan.js';

// ---------------------------------------------------------------------------------------------
// Targets: a deployed stage or the local layer (also used by `report` for incidents)
// ---------------------------------------------------------------------------------------------

/** The local layer's data folder unless `--data` says otherwise. */
export const DEFAULT_LOCAL_DATA = '.handoff';
/** The stage name the local layer runs as. */
export const LOCAL_STAGE = 'local';

/** Endpoints the local layer writes to `<data>/endpoints.json` while it runs. */
export interface LocalEndpoints {
  events?: string;
  sqs?: string;
  dynamodb?: string;
  statusApi?: string;
}

export type Target =
  | { kind: 'stage'; stage: string }
  | { kind: 'local'; stage: typeof LOCAL_STAGE; endpoints: LocalEndpoints; file: string };

/** The SDK clients a command needs, pointed at its target. */
export interface TargetClients {
  sqs: SQSClient;
  events: EventBridgeClient;
  ddb: DynamoDBDocumentClient;
}

/** The target cannot be reached at all (the local layer is not running): not a usage mistake. */
export class TargetUnavailableError extends Error {
  override readonly name = 'TargetUnavailableError';
}

/** Reads `--stage` / `--local` / `--data`; exactly one of `--stage` and `--local` is required. */
export function resolveTarget(values: { stage?: unknown; local?: unknown; data?: unknown }): Target {
  const stage = typeof values.stage === 'string' ? values.stage : undefined;
  const local = values.local === true;
  const data = typeof values.data === 'string' ? values.data : undefined;
  if (stage !== undefined && local) throw new UsageError('use either --stage STAGE or --local, not both');
  if (data !== undefined && !local) throw new UsageError('--data applies to --local only');
  if (local) return { kind: 'local', stage: LOCAL_STAGE, ...readEndpoints(data ?? DEFAULT_LOCAL_DATA) };
  if (stage === undefined)
    throw new UsageError('say where: --stage STAGE for a deployed stage, or --local for the local layer');
  if (!STAGE_PATTERN.test(stage)) {
    throw new UsageError(
      `--stage "${stage}" is not a stage name; expected 2-8 lower-case letters or digits, starting with a letter`,
    );
  }
  return { kind: 'stage', stage };
}

function readEndpoints(dataDir: string): { endpoints: LocalEndpoints; file: string } {
  const file = resolve(dataDir, 'endpoints.json');
  if (!existsSync(file)) {
    throw new TargetUnavailableError(
      `the local layer is not running: ${file} does not exist (start it with "npm start", or point --data at its folder)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new TargetUnavailableError(
      `${file} is not valid JSON; restart the local layer so it writes it again`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TargetUnavailableError(`${file} should be an object of endpoint URLs; restart the local layer`);
  }
  const endpoints: LocalEndpoints = {};
  for (const key of ['events', 'sqs', 'dynamodb', 'statusApi'] as const) {
    const value = (parsed as Record<string, unknown>)[key];
    if (typeof value === 'string' && /^https?:\/\//.test(value)) endpoints[key] = value;
  }
  return { endpoints, file };
}

/** The endpoint of one local service, or a clear error when the local layer does not offer it. */
export function localEndpoint(
  target: Extract<Target, { kind: 'local' }>,
  service: keyof LocalEndpoints,
): string {
  const url = target.endpoints[service];
  if (!url)
    throw new TargetUnavailableError(`${target.file} has no "${service}" endpoint; restart the local layer`);
  return url;
}

/** Creates the clients for a target. Local clients fail fast: no retries against a missing server. */
export function clientsFor(target: Target): TargetClients {
  if (target.kind === 'stage') {
    return {
      sqs: new SQSClient({}),
      events: new EventBridgeClient({}),
      ddb: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    };
  }
  const local = (service: keyof LocalEndpoints) => ({
    endpoint: localEndpoint(target, service),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  // Build lazily per service, so a command needing only SQS does not require the others.
  let sqs: SQSClient | undefined;
  let events: EventBridgeClient | undefined;
  let ddb: DynamoDBDocumentClient | undefined;
  return {
    get sqs() {
      sqs ??= new SQSClient(local('sqs'));
      return sqs;
    },
    get events() {
      events ??= new EventBridgeClient(local('events'));
      return events;
    },
    get ddb() {
      ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient(local('dynamodb')));
      return ddb;
    },
  };
}

/**
 * One line that says what went wrong talking to the target and what to do, for the errors people
 * actually meet: no credentials, no region, expired credentials, access denied, a missing queue or
 * table, and the local layer not running. Never a stack trace.
 */
export function explainAwsError(error: unknown, target: Target, doing: string): string {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = errorCode(err);
  const name = err.name;
  const message = err.message.split('\n')[0]?.slice(0, 300) ?? '';
  const where = target.kind === 'local' ? 'the local layer' : `stage ${target.stage}`;
  if (error instanceof TargetUnavailableError) return error.message;
  if (target.kind === 'local' && (code === 'ECONNREFUSED' || code === 'ECONNRESET')) {
    return `the local layer is not running: nothing answers at the endpoints in ${target.file} (start it with "npm start")`;
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return `no AWS credentials found while ${doing}: sign in (aws sso login --profile P, then AWS_PROFILE=P) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  }
  if (/region is missing/i.test(message)) {
    return `no AWS region set while ${doing}: set AWS_REGION (or the region of your AWS profile) to where ${where} is deployed`;
  }
  if (
    ['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException'].includes(
      name,
    ) ||
    /security token.*(expired|invalid)/i.test(message)
  ) {
    return `your AWS credentials were rejected or have expired while ${doing}: sign in again`;
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || /not authori[sz]ed/i.test(message)) {
    return `access denied while ${doing}: your role needs permission for it on ${where} (${message})`;
  }
  if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return `${doing}: the queue does not exist; is ${where} deployed in this account and region?`;
  }
  if (name === 'ResourceNotFoundException') {
    return `${doing}: the table does not exist; is ${where} deployed in this account and region?`;
  }
  if (code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNREFUSED') {
    return `cannot reach AWS while ${doing} (${code}): check your network connection`;
  }
  return `${doing} failed: ${name}${message && message !== name ? `: ${message}` : ''}`;
}

function errorCode(error: Error): string | undefined {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return errorCode(cause);
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested[0] instanceof Error) return errorCode(nested[0]);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

export const DLQ_ACTIONS = ['list', 'show', 'redrive'] as const;
export type DlqAction = (typeof DLQ_ACTIONS)[number];
const CLASSES: readonly DeadLetterClass[] = ['transient', 'delivery', 'permanent', 'config'];

/** What the command needs from outside; tests pass their own. */
export interface DlqDeps {
  /** @default clientsFor */
  clients?: (target: Target) => TargetClients;
  /** @default the system clock */
  now?: () => Date;
  /** Pacing clock for redrive. */
  clock?: Clock;
  /** Long-poll wait of each receive, seconds. @default 1 */
  waitSeconds?: number;
}

interface DlqRequest {
  action: DlqAction;
  messageId?: string;
  tier?: TierName;
  contractId?: string;
  classes?: DeadLetterClass[];
  dryRun: boolean;
  rate: number;
  limit: number;
  json: boolean;
}

/** `handoff dlq`: parses its arguments, runs the action per tier queue, prints, returns the exit code. */
export async function dlqCommand(
  values: Record<string, unknown>,
  positionals: string[],
  io: Io,
  deps: DlqDeps = {},
): Promise<number> {
  const request = parseRequest(values, positionals);
  let target: Target;
  try {
    target = resolveTarget(values);
  } catch (error) {
    if (error instanceof TargetUnavailableError) {
      io.err(`handoff dlq: ${error.message}`);
      return EXIT.problems;
    }
    throw error;
  }
  const loaded = loadPlanOrReport(
    { contracts: typeof values.contracts === 'string' ? values.contracts : undefined, stage: target.stage },
    io,
  );
  if ('exit' in loaded) return loaded.exit;
  const { plan } = loaded;
  const tiers = tiersFor(plan, request);
  const now = deps.now ?? (() => new Date());
  let clients: TargetClients;
  try {
    clients = (deps.clients ?? clientsFor)(target);
  } catch (error) {
    io.err(`handoff dlq: ${explainAwsError(error, target, 'connecting')}`);
    return EXIT.problems;
  }
  const scan = {
    prefix: plan.prefix,
    contracts: plan.contracts,
    limit: request.limit,
    ...(deps.waitSeconds !== undefined ? { waitSeconds: deps.waitSeconds } : {}),
  };
  let doing = 'starting';
  try {
    const queues: Array<{ tier: TierName; queueName: string; queueUrl: string }> = [];
    for (const tier of tiers) {
      const queueName = names.deadLetterQueue(target.stage, tier);
      doing = `finding queue ${queueName}`;
      const answer = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      if (!answer.QueueUrl) throw new TargetUnavailableError(`${doing}: SQS returned no queue URL`);
      queues.push({ tier, queueName, queueUrl: answer.QueueUrl });
    }
    const filter: DeadLetterFilter = {
      ...(request.contractId ? { contractId: request.contractId } : {}),
      ...(request.classes ? { failureClasses: request.classes } : {}),
    };
    switch (request.action) {
      case 'list': {
        const listings = [];
        for (const queue of queues) {
          doing = `listing ${queue.queueName}`;
          const listing = await listDeadLetters({
            ...scan,
            sqs: sdkDeadLetterQueue(clients.sqs),
            queueUrl: queue.queueUrl,
            filter,
          });
          listings.push({ ...queue, ...listing });
        }
        printListings(io, listings, request, target, now());
        return EXIT.ok;
      }
      case 'show': {
        const messageId = request.messageId ?? '';
        const looked: Array<{ queueName: string; scanned: number }> = [];
        for (const queue of queues) {
          doing = `looking for ${messageId} in ${queue.queueName}`;
          const shown = await showDeadLetter({
            ...scan,
            sqs: sdkDeadLetterQueue(clients.sqs),
            queueUrl: queue.queueUrl,
            messageId,
          });
          looked.push({ queueName: queue.queueName, scanned: shown.scanned });
          if (shown.deadLetter) {
            printShown(io, queue, shown.deadLetter, request, now());
            return EXIT.ok;
          }
        }
        io.err(
          `handoff dlq show: message ${messageId} is not in ${looked
            .map((l) => `${l.queueName} (looked at ${l.scanned})`)
            .join(', ')}; list the queue to see what is there`,
        );
        return EXIT.problems;
      }
      case 'redrive': {
        const results = [];
        for (const queue of queues) {
          doing = `redriving ${queue.queueName} onto bus ${plan.bus.name}`;
          const result = await redriveDeadLetters({
            ...scan,
            sqs: sdkDeadLetterQueue(clients.sqs),
            events: sdkEventBus(clients.events),
            queueUrl: queue.queueUrl,
            busName: plan.bus.name,
            filter,
            dryRun: request.dryRun,
            ratePerSecond: request.rate,
            ...(deps.clock ? { clock: deps.clock } : {}),
          });
          results.push({ ...queue, ...result });
        }
        printRedrives(io, results, request);
        return results.some((r) => r.counts.failed > 0 || r.abortedBecause) ? EXIT.problems : EXIT.ok;
      }
    }
  } catch (error) {
    io.err(`handoff dlq ${request.action}: ${explainAwsError(error, target, doing)}`);
    return EXIT.problems;
  }
}

function parseRequest(values: Record<string, unknown>, positionals: string[]): DlqRequest {
  const [action, ...rest] = positionals;
  if (!action) throw new UsageError(`say what to do: ${DLQ_ACTIONS.join(', ')}`);
  if (!(DLQ_ACTIONS as readonly string[]).includes(action))
    throw new UsageError(`unknown action "${action}"; expected ${DLQ_ACTIONS.join(', ')}`);
  const act = action as DlqAction;
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  if (act === 'show' && rest.length !== 1) throw new UsageError('show needs exactly one MESSAGE-ID');
  if (act !== 'show' && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (act !== 'redrive' && values['dry-run'] === true)
    throw new UsageError('--dry-run applies to redrive only');
  if (act !== 'redrive' && text('rate') !== undefined) throw new UsageError('--rate applies to redrive only');

  const tier = text('tier');
  if (tier !== undefined && !(TIER_NAMES as readonly string[]).includes(tier))
    throw new UsageError(`--tier "${tier}" is not a tier; expected ${TIER_NAMES.join(', ')}`);

  let classes: DeadLetterClass[] | undefined;
  const classText = text('class');
  if (classText !== undefined) {
    classes = classText.split(',').map((c) => c.trim()) as DeadLetterClass[];
    const unknown = classes.filter((c) => !CLASSES.includes(c));
    if (unknown.length > 0 || classes.length === 0)
      throw new UsageError(`--class "${classText}" is not a list of ${CLASSES.join(', ')}`);
  }

  const rateText = text('rate');
  const rate = rateText === undefined ? DEFAULT_REDRIVE_RATE : Number(rateText);
  if (!validRate(rate))
    throw new UsageError(
      `--rate "${rateText}" is not a number of events per second above 0 and at most ${MAX_REDRIVE_RATE}`,
    );

  const limitText = text('limit');
  const limit = limitText === undefined ? DEFAULT_SCAN_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit "${limitText}" is not a whole number of messages above 0`);

  const contractId = text('contract');
  return {
    action: act,
    ...(act === 'show' && rest[0] ? { messageId: rest[0] } : {}),
    ...(tier ? { tier: tier as TierName } : {}),
    ...(contractId ? { contractId } : {}),
    ...(classes ? { classes } : {}),
    dryRun: values['dry-run'] === true,
    rate,
    limit,
    json: values.json === true,
  };
}

/** The tiers to visit: --tier, else the contract's tier, else all three; checks --contract exists. */
function tiersFor(plan: Plan, request: DlqRequest): TierName[] {
  if (!request.contractId) return request.tier ? [request.tier] : [...TIER_NAMES];
  const contract = plan.contracts.find((c) => c.id === request.contractId);
  if (!contract) {
    throw new UsageError(
      `--contract "${request.contractId}" is not a contract; expected one of ${plan.contracts.map((c) => c.id).join(', ')}`,
    );
  }
  if (request.tier && request.tier !== contract.tier) {
    throw new UsageError(
      `contract ${contract.id} is in tier ${contract.tier}, not ${request.tier}; its dead letters are in ${names.deadLetterQueue(plan.stage, contract.tier)}`,
    );
  }
  return [contract.tier];
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

type QueueRef = { tier: TierName; queueName: string; queueUrl: string };

function ageSeconds(summary: { sentAt?: number }, now: Date): number | undefined {
  return summary.sentAt === undefined
    ? undefined
    : Math.max(0, Math.floor((now.getTime() - summary.sentAt) / 1000));
}

function entityText(entity: { type: string; id: string } | undefined): string {
  return entity ? `${entity.type} ${entity.id}` : '—';
}

function targetFlag(target: Target): string {
  if (target.kind !== 'local') return `--stage ${target.stage}`;
  // The data folder is the one holding endpoints.json; name it unless it is the default.
  const data = dirname(target.file);
  return resolve(data) === resolve(DEFAULT_LOCAL_DATA) ? '--local' : `--local --data ${data}`;
}

/** Pads columns; the last column is not padded. */
function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].map((l) => `  ${l}`);
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function walkNote(stats: ScanStats): string[] {
  const notes: string[] = [];
  if (stats.end === 'limit')
    notes.push(
      `  looked at ${stats.scanned} of about ${stats.approximateCount} messages; raise --limit to look further`,
    );
  if (stats.end === 'stopped') notes.push(`  stopped after ${stats.scanned} messages`);
  if (stats.releaseFailures > 0)
    notes.push(
      `  ${stats.releaseFailures} messages could not be made visible again at once; they reappear within a few minutes`,
    );
  return notes;
}

function printListings(
  io: Io,
  listings: Array<QueueRef & { deadLetters: DeadLetterSummary[] } & ScanStats>,
  request: DlqRequest,
  target: Target,
  now: Date,
): void {
  if (request.json) {
    io.out(
      JSON.stringify(
        {
          target: target.stage,
          queues: listings.map(({ deadLetters, ...rest }) => ({
            ...rest,
            deadLetters: deadLetters.map((d) => ({ ...d, ageSeconds: ageSeconds(d, now) })),
          })),
        },
        null,
        2,
      ),
    );
    return;
  }
  const of = request.contractId ? ` of ${request.contractId}` : '';
  const lines: string[] = [];
  for (const listing of listings) {
    const count = listing.deadLetters.length;
    lines.push(
      `${listing.tier} — ${listing.queueName}: ${count === 0 ? 'no' : count} dead letter${count === 1 ? '' : 's'}${of}` +
        (request.contractId || request.classes ? ` (about ${listing.approximateCount} in the queue)` : ''),
    );
    if (count > 0) {
      lines.push(
        ...table(
          ['MESSAGE ID', 'CONTRACT', 'ENTITY', 'CLASS', 'AGE', 'ATTEMPTS', 'REASON'],
          listing.deadLetters.map((d) => {
            const age = ageSeconds(d, now);
            return [
              d.messageId,
              d.contractId ?? '—',
              entityText(d.entity),
              d.failureClass,
              age === undefined ? '—' : formatDuration(age),
              String(d.attempts),
              clip(d.reason),
            ];
          }),
        ),
      );
    }
    lines.push(...walkNote(listing), '');
  }
  const total = listings.reduce((n, l) => n + l.deadLetters.length, 0);
  if (total > 0) {
    const tier = request.tier ? ` --tier ${request.tier}` : '';
    const contract = request.contractId ? ` --contract ${request.contractId}` : '';
    lines.push(
      `Show one: ./bin/handoff dlq show MESSAGE-ID ${targetFlag(target)}${tier}`,
      `Once the cause is fixed: ./bin/handoff dlq redrive ${targetFlag(target)}${tier}${contract} --dry-run, then without --dry-run`,
    );
  }
  io.out(lines.join('\n').trimEnd());
}

function printShown(io: Io, queue: QueueRef, shown: DeadLetterDetail, request: DlqRequest, now: Date): void {
  const { summary } = shown;
  const age = ageSeconds(summary, now);
  if (request.json) {
    io.out(
      JSON.stringify({ tier: queue.tier, queueName: queue.queueName, ...shown, ageSeconds: age }, null, 2),
    );
    return;
  }
  const event = shown.event ?? {};
  const source = {
    eventbridge: 'EventBridge could not deliver the event to the handler',
    lambda: "the handler's retries were exhausted",
    handler: 'the handler sent it here without retrying (permanent or config failure)',
  }[summary.source];
  const rows: Array<[string, string]> = [
    ['Message', summary.messageId],
    ['Queue', `${queue.queueName} (${queue.tier})`],
    ['Contract', summary.contractId ?? 'unknown'],
    ['Entity', entityText(summary.entity)],
    [
      'Class',
      `${summary.failureClass} (${summary.autoRedrivable ? 'redriven automatically when the contract recovers' : 'redriven by hand only'})`,
    ],
    ['Why here', source],
    ['Reason', summary.reason],
    ['Attempts', String(summary.attempts)],
    [
      'Age',
      age === undefined
        ? 'unknown'
        : `${formatDuration(age)} (sent ${new Date(summary.sentAt ?? 0).toISOString()})`,
    ],
    [
      'Event',
      shown.event
        ? [
            event.source,
            event.detailType && `"${event.detailType}"`,
            event.id && `id ${event.id}`,
            event.time && `at ${event.time}`,
          ]
            .filter(Boolean)
            .join(', ')
        : 'the message holds no readable event; it cannot be redriven',
    ],
  ];
  io.out(rows.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n'));
}

function printRedrives(io: Io, results: Array<QueueRef & RedriveResult>, request: DlqRequest): void {
  if (request.json) {
    io.out(JSON.stringify({ dryRun: request.dryRun, queues: results }, null, 2));
    return;
  }
  const lines: string[] = request.dryRun
    ? ['Dry run: nothing is put on the bus and nothing is deleted.', '']
    : [];
  for (const result of results) {
    const c = result.counts;
    const would = result.outcomes.filter((o) => o.outcome === 'would-redrive').length;
    const done = request.dryRun ? `would redrive ${would}` : `redriven ${c.redriven}, failed ${c.failed}`;
    lines.push(
      `${result.tier} — ${result.queueName}: ${done}, skipped ${c.skipped - would} (matched ${c.matched} of ${c.scanned} looked at)`,
    );
    if (result.outcomes.length > 0) {
      lines.push(
        ...table(
          ['MESSAGE ID', 'CONTRACT', 'ENTITY', 'CLASS', 'OUTCOME', 'REASON'],
          result.outcomes.map((o) => [
            o.messageId,
            o.contractId ?? '—',
            entityText(o.entity),
            o.failureClass,
            o.outcome,
            o.reason ?? '',
          ]),
        ),
      );
    }
    if (result.abortedBecause) lines.push(`  stopped: ${result.abortedBecause}`);
    lines.push(...walkNote(result), '');
  }
  if (results.some((r) => r.counts.failed > 0)) {
    lines.push(
      'Failed dead letters are still in their queue; run the same command again once the cause is fixed.',
    );
  }
  io.out(lines.join('\n').trimEnd());
}
