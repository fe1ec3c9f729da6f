/**
 * The local layer: the whole integration layer on one machine, rendered from the same plan and
 * running the same handler modules as AWS, on embedded parts (all on 127.0.0.1, data on disk):
 * dynalite for DynamoDB, an SQS-compatible server for the dead-letter queues, an
 * EventBridge-compatible ingress (PutEvents) that routes with the conformant matcher, Lambda-like
 * asynchronous invocation with the tier's retry budgets, schedules, and the plan's alarms over
 * local metrics (so incidents open and resolve). The example target systems stand in for the
 * helpdesk, CRM, billing and analytics.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import {
  eventBridgeEntryPutter,
  eventBridgePublisher,
  sqsDeadLetterSink,
  sqsQueueAttributeReader,
} from '../../lambdas/commons/aws.js';
import { dynamoDoc } from '../../lambdas/commons/dynamo-doc.js';
import { createLogger, createMetrics } from '../../lambdas/commons/powertools.js';
import { createIncidentsHandler } from '../../lambdas/incidents/handler.js';
import { syncOwnership } from '../../lambdas/ownership/sync.js';
import { eventBridgeBus, sqsDeadLetterQueue } from '../../lambdas/redrive/clients.js';
import { createRedriveHandler } from '../../lambdas/redrive/handler.js';
import { createStalenessHandler } from '../../lambdas/staleness/handler.js';
import { createStatusApiHandler } from '../../lambdas/status-api/handler.js';
import { buildSyncDeps } from '../../lambdas/sync/deps.js';
import { createSyncHandler } from '../../lambdas/sync/handler.js';
import { loadContracts } from '../model/load.js';
import type { Problem } from '../model/problems.js';
import { buildPlan } from '../plan/build.js';
import { checkStackSizes } from '../plan/check.js';
import { type RuntimePlan, runtimePlanFor } from '../plan/runtime.js';
import type { FunctionPlan, Plan, TierName } from '../plan/types.js';
// Inbound webhooks (issue 7): the receivers' local wiring lives with the webhook code.
import { localWebhooks } from '../webhooks/local.js';
import { type AlarmStatus, alarmStateChangeEvent, alarmValue, nextState } from './alarms.js';
import { startEmbeddedDynamo } from './dynamo-server.js';
import { createTableInput } from './dynamo-tables.js';
import { type LocalEndpoints, removeEndpoints, writeEndpoints } from './endpoints.js';
import { type HandlerFactory, LocalFunction } from './functions.js';
import { Invoker } from './invoker.js';
import { type Invocation, Journal, newInvocation } from './journal.js';
import { LogFiles } from './log-files.js';
import { MetricStore } from './metrics.js';
import { Router } from './router.js';
import { scalePlan } from './scale.js';
import { loadLocalSecrets, localSecretReader, resolveLocalSecret } from './secrets.js';
import { createLayerServer } from './server.js';
import { openSqsStore, type SqsServer, type SqsStore, startSqsServer } from './sqs/index.js';
import { type LayerStats, layerStats, type RuntimeLoad, type ThreadLoad } from './stats.js';
import { type ExampleTargets, startExampleTargets } from './targets/index.js';

export const LOCAL_STAGE = 'local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalLayerOptions {
  contractsDir: string;
  /** Folder for all state (DynamoDB, queues, journal, logs, targets); a restart resumes from it. */
  dataDir: string;
  /** Port of the ingress, status API and page; 0 picks a free one. */
  port?: number;
  /** Divides every business duration of the plan (retries, SLOs, alarm periods, schedules). */
  timeScale?: number;
  /** Start the example target systems (true for the example contracts). */
  targets?: boolean;
  /** Extra environment for endpoint references (`{ env: NAME }`), over the process's own. */
  env?: Record<string, string>;
  /** Execution environments per sync function. */
  concurrency?: number;
  /**
   * Called once if a part the layer cannot run without stops after start-up (the embedded
   * DynamoDB's thread). The layer has then stopped invoking functions, so nothing burns its retries
   * on a missing store; accepted work stays in the journal for the next start. The CLI closes the
   * layer and exits 1.
   */
  onFatal?: (error: LocalLayerError) => void;
}

/** The contracts cannot be used: carries every problem, for the CLI to print. */
export class LocalContractsError extends Error {
  override readonly name = 'LocalContractsError';
  constructor(readonly problems: Problem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the contracts`);
  }
}

/** Something the local layer needs is not available (busy port, data folder in use...). */
export class LocalLayerError extends Error {
  override readonly name = 'LocalLayerError';
}

export interface LocalLayer {
  plan: Plan;
  endpoints: LocalEndpoints;
  metrics: MetricStore;
  invoker: Invoker;
  functions: Map<string, LocalFunction>;
  sqs: SqsStore;
  targets?: ExampleTargets;
  logs: LogFiles;
  alarmStates(): Map<string, AlarmStatus>;
  stats(): LayerStats;
  /** Where runbook pages are served. */
  dataDir: string;
  close(): Promise<void>;
}

/** Starts the local layer; resolves when every part is ready and endpoints.json is written. */
export async function startLocalLayer(options: LocalLayerOptions): Promise<LocalLayer> {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0 && timeScale <= 3600))
    throw new LocalLayerError(
      `--time-scale ${timeScale} is not allowed; expected a number above 0 and at most 3600`,
    );
  const loaded = loadContracts(options.contractsDir);
  if (!loaded.estate) throw new LocalContractsError(loaded.problems);
  mkdirSync(options.dataDir, { recursive: true });
  const logs = new LogFiles(join(options.dataDir, 'logs'));
  const cleanups: Array<() => Promise<void>> = [async () => logs.close()];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };

  try {
    // The HTTP server listens first: its port goes into the plan (runbook links) and the endpoints.
    const server = createServer();
    await listen(server, options.port ?? 0);
    cleanups.push(() => closeServer(server));
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;

    const fullPlan = buildPlan(loaded.estate, { stage: LOCAL_STAGE, runbookBaseUrl: `${base}/runbooks` });
    const sizeProblems = checkStackSizes(fullPlan);
    if (sizeProblems.length > 0) throw new LocalContractsError(sizeProblems);
    const plan = scalePlan(fullPlan, timeScale);
    /** Set once the invoker exists: what a fatal failure of a part calls. */
    let stopInvoking: (() => void) | undefined;

    // DynamoDB (dynalite on disk), on a thread of its own: see dynamo-server.ts.
    const dynamoServer = await startEmbeddedDynamo({
      path: join(options.dataDir, 'dynamodb'),
      onError: (error) => {
        logs.layer('error', 'embedded DynamoDB failed', { error: error.message });
        stopInvoking?.();
        options.onFatal?.(
          new LocalLayerError(
            `the embedded DynamoDB stopped (${error.message}); functions are no longer invoked, and accepted work is kept for the next start`,
            { cause: error },
          ),
        );
      },
    }).catch((error: unknown) => {
      // LevelDB's lock on the folder is the usual reason: another layer runs on the same data.
      const hint = /\block\b/i.test(describe(error))
        ? ' (is another local layer using this data folder?)'
        : '';
      throw new LocalLayerError(
        `the embedded DynamoDB could not start in ${join(options.dataDir, 'dynamodb')}: ${describe(error)}${hint}`,
        { cause: error },
      );
    });
    cleanups.push(() => dynamoServer.close());
    const dynamoUrl = dynamoServer.url;
    const clientOptions = (endpoint: string) => ({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const dynamoClient = new DynamoDBClient(clientOptions(dynamoUrl));
    // The functions' client: the lean one they use on Lambda (the SDK client above creates tables).
    const ddb = dynamoDoc(clientOptions(dynamoUrl));
    cleanups.push(async () => dynamoClient.destroy());
    for (const table of [plan.tables.syncState, plan.tables.operations]) {
      await dynamoClient.send(new CreateTableCommand(createTableInput(table))).catch((error: unknown) => {
        if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
      });
    }
    // CreateTable answers while a table is CREATING; nothing may write to it before it is ACTIVE.
    await dynamoServer.whenActive([plan.tables.syncState.name, plan.tables.operations.name]);

    // SQS (dead-letter queues).
    const sqs = await openSqsStore({
      dir: join(options.dataDir, 'sqs'),
      onBackgroundError: (e) => logs.layer('warn', 'sqs background error', { error: describe(e) }),
    }).catch((error: unknown) => {
      throw new LocalLayerError(
        `the embedded SQS store could not open ${join(options.dataDir, 'sqs')}: ${describe(error)} (is another local layer using this data folder?)`,
      );
    });
    cleanups.push(() => sqs.close());
    for (const queue of plan.queues) {
      if (!sqs.getQueue(queue.name)) {
        await sqs.createQueue(queue.name, {
          MessageRetentionPeriod: String(queue.retentionDays * 86_400),
          VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        });
      }
    }
    const sqsServer: SqsServer = await startSqsServer({ store: sqs, port: 0 });
    cleanups.push(() => sqsServer.close());
    const queueUrl = (name: string) => `${sqsServer.url}/${LOCAL_ACCOUNT}/${name}`;
    const queueUrls = Object.fromEntries(
      plan.tiers.map((t) => [t.name, queueUrl(t.deadLetterQueue)]),
    ) as Record<TierName, string>;

    // Secrets and the example targets.
    const secrets = loadLocalSecrets(join(options.dataDir, 'secrets.json'), plan);
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    let targets: ExampleTargets | undefined;
    if (options.targets) {
      const credential = (system: string) => {
        const target = plan.contracts.find(
          (c) => c.target.system === system && c.target.adapter === 'http',
        )?.target;
        if (target?.adapter !== 'http' || target.auth.type === 'none') return undefined;
        return resolveLocalSecret(
          secrets,
          target.auth.type === 'bearer' ? target.auth.token : target.auth.value,
        );
      };
      targets = await startExampleTargets({
        dataDir: join(options.dataDir, 'targets'),
        credentials: {
          helpdeskToken: credential('helpdesk') ?? 'local-helpdesk',
          crmToken: credential('crm') ?? 'local-crm',
          billingApiKey: credential('billing') ?? 'local-billing',
        },
      });
      cleanups.push(() => (targets as ExampleTargets).close());
      env.HELPDESK_API_URL ??= targets.systems.helpdesk;
      env.CRM_API_URL ??= targets.systems.crm;
      env.BILLING_API_URL ??= targets.systems.billing;
      env.ANALYTICS_BUS_ARN ??= targets.analyticsBusArn;
    }

    const retentionMs = Math.max(
      10 * 60_000,
      2 *
        Math.max(
          ...plan.alarms.map((a) =>
            a.metric.kind === 'metric' ? a.metric.metric.periodSeconds : a.metric.periodSeconds,
          ),
        ) *
        1000,
    );
    const metrics = new MetricStore(retentionMs);
    const journal = await Journal.open(join(options.dataDir, 'journal')).catch((error: unknown) => {
      throw new LocalLayerError(
        `the journal in ${join(options.dataDir, 'journal')} could not be opened: ${describe(error)} (is another local layer using this data folder?)`,
      );
    });
    cleanups.push(() => journal.close());

    // Functions: each environment gets its own logger, metrics and clients, like a Lambda container.
    const runtimeFor = (fn: FunctionPlan): RuntimePlan => runtimePlanFor(plan, fn);
    const emf = (line: string) => metrics.ingestEmf(line);
    const powertools = (fn: FunctionPlan) => ({
      logger: createLogger({ output: logs.sink(fn.name) }),
      metrics: createMetrics(plan.metricsNamespace, { output: emf }),
    });
    // Where the eventbridge adapter puts events locally: an explicit endpoint (when the targets run
    // elsewhere, as in the soak), else the example analytics bus, else this layer's own ingress.
    const analyticsEndpoint = env.HANDOFF_LOCAL_EVENTBRIDGE_ENDPOINT ?? targets?.systems.analyticsBus;
    const factories: Partial<Record<FunctionPlan['kind'], (fn: FunctionPlan) => HandlerFactory>> = {
      sync: (fn) => () => {
        const pt = powertools(fn);
        const tier = plan.contracts.find((c) => c.id === fn.contractId)?.tier ?? 'standard';
        return createSyncHandler(
          buildSyncDeps({
            plan: runtimeFor(fn),
            contractId: fn.contractId ?? '',
            syncTableName: plan.tables.syncState.name,
            busName: plan.bus.name,
            dynamo: ddb,
            deadLetters: sqsDeadLetterSink(queueUrls[tier], clientOptions(sqsServer.url)),
            publisher: eventBridgePublisher(clientOptions(base)),
            entries: eventBridgeEntryPutter(
              analyticsEndpoint ? clientOptions(analyticsEndpoint) : clientOptions(base),
            ),
            secrets: localSecretReader(secrets),
            env,
            ...pt,
          }),
        ) as unknown as ReturnType<HandlerFactory>;
      },
      staleness: (fn) => () =>
        createStalenessHandler({
          ddb,
          tableName: plan.tables.syncState.name,
          plan: runtimeFor(fn),
          ...powertools(fn),
          recovery: { publisher: eventBridgePublisher(clientOptions(base)), busName: plan.bus.name },
        }) as unknown as ReturnType<HandlerFactory>,
      incidents: (fn) => () =>
        createIncidentsHandler({
          ddb,
          tableName: plan.tables.operations.name,
          plan: runtimeFor(fn),
          logger: powertools(fn).logger,
        }) as unknown as ReturnType<HandlerFactory>,
      redrive: (fn) => () =>
        createRedriveHandler({
          sqs: sqsDeadLetterQueue(clientOptions(sqsServer.url)),
          events: eventBridgeBus(clientOptions(base)),
          plan: runtimeFor(fn),
          queueUrls,
          logger: powertools(fn).logger,
        }) as unknown as ReturnType<HandlerFactory>,
    };
    const functions = new Map<string, LocalFunction>();
    for (const fn of plan.functions) {
      const factory = factories[fn.kind];
      if (factory)
        functions.set(
          fn.name,
          new LocalFunction(fn, factory(fn), fn.kind === 'sync' ? (options.concurrency ?? 8) : 2),
        );
    }

    const runtime = (): RuntimeLoad => ({
      main: threadLoad(performance.eventLoopUtilization()),
      dynamodb: threadLoad(dynamoServer.eventLoopUtilization()),
    });
    const router = new Router(plan);
    const invoker = new Invoker({
      plan,
      timeScale,
      journal,
      functions,
      metrics,
      sendToQueue: async (queueName, body, attributes) => {
        await sqs.sendMessage(queueName, {
          body,
          // SQS refuses empty attribute values: leave them out.
          messageAttributes: Object.fromEntries(
            Object.entries(attributes)
              .filter(([, v]) => v !== '')
              .map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        });
      },
      onError: (error) => logs.layer('error', 'invoker error', { error: describe(error) }),
    });
    cleanups.push(async () => invoker.stop());
    stopInvoking = () => invoker.stop();
    const accept = async (invocations: Invocation[]) => {
      await journal.accept(invocations);
      invoker.enqueue(invocations);
    };
    const routeAndAccept = async (busName: string, event: Record<string, unknown>) => {
      const now = Date.now();
      const invocations = router.route(busName, event).map((target) => newInvocation(target, event, now));
      for (const target of invocations)
        metrics.record(
          'AWS/Events',
          'MatchedEvents',
          { EventBusName: target.busName, RuleName: target.ruleName ?? '' },
          1,
        );
      if (invocations.length > 0) await accept(invocations);
    };

    // Resume whatever was accepted but not finished before the last stop or crash.
    const resumed = await journal.pending();
    invoker.enqueue(resumed);
    if (resumed.length > 0) logs.layer('info', 'resumed pending invocations', { count: resumed.length });

    // Ownership, as the custom resource writes it on deploy.
    await syncOwnership({ ddb, tableName: plan.tables.operations.name }, runtimePlanFor(plan));

    // Schedules (staleness checker).
    const timers: NodeJS.Timeout[] = [];
    cleanups.push(async () => {
      for (const t of timers) clearInterval(t);
    });
    for (const schedule of plan.schedules) {
      timers.push(
        setInterval(() => {
          const now = Date.now();
          const invocation = newInvocation(
            { functionName: schedule.functionName, busName: 'default' },
            {
              version: '0',
              id: crypto.randomUUID(),
              'detail-type': 'Scheduled Event',
              source: 'aws.events',
              account: LOCAL_ACCOUNT,
              time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
              region: LOCAL_REGION,
              resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${schedule.ruleName}`],
              detail: {},
            },
            now,
          );
          accept([invocation]).catch((error: unknown) =>
            logs.layer('error', 'schedule failed', { error: describe(error) }),
          );
        }, schedule.rateSeconds * 1000),
      );
    }

    // Alarms: queue gauges, evaluation, and state changes to the default bus (incidents).
    const states = new Map<string, AlarmStatus>(
      (await journal.getState<Array<[string, AlarmStatus]>>('alarms')) ?? [],
    );
    const startedAt = Date.now();
    const periodOf = (a: Plan['alarms'][number]) =>
      a.metric.kind === 'metric' ? a.metric.metric.periodSeconds : a.metric.periodSeconds;
    const evaluate = async () => {
      for (const queue of plan.queues) {
        const stats = sqs.stats(queue.name);
        metrics.record(
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          { QueueName: queue.name },
          stats.visible,
        );
        metrics.record(
          'AWS/SQS',
          'ApproximateAgeOfOldestMessage',
          { QueueName: queue.name },
          stats.oldestMessageAgeSeconds,
        );
      }
      const now = Date.now();
      let changed = false;
      for (const alarm of plan.alarms) {
        // An alarm that treats missing data as breaching (the checker's heartbeat) is judged only
        // once a full period has passed since start: before that, no data means "not yet".
        if (alarm.treatMissingData === 'breaching' && now - startedAt < periodOf(alarm) * 1000) continue;
        const current = states.get(alarm.name) ?? {
          state: 'INSUFFICIENT_DATA' as const,
          since: new Date(now).toISOString(),
        };
        const value = alarmValue(alarm, metrics, now);
        const state = nextState(alarm, value, current.state);
        if (state === current.state) continue;
        const next: AlarmStatus = {
          state,
          since: new Date(now).toISOString(),
          ...(value !== undefined ? { value } : {}),
        };
        states.set(alarm.name, next);
        changed = true;
        // CloudWatch starts alarms in INSUFFICIENT_DATA; the first OK is not news.
        if (current.state === 'INSUFFICIENT_DATA' && state === 'OK') continue;
        logs.layer(state === 'ALARM' ? 'warn' : 'info', `alarm ${alarm.name} ${current.state} → ${state}`, {
          value,
        });
        await routeAndAccept(
          'default',
          alarmStateChangeEvent(alarm, current, next, { account: LOCAL_ACCOUNT, region: LOCAL_REGION }),
        );
      }
      if (changed) await journal.putState('alarms', [...states]);
      metrics.prune();
    };
    let evaluating = false;
    timers.push(
      setInterval(() => {
        if (evaluating) return;
        evaluating = true;
        evaluate()
          .catch((error: unknown) =>
            logs.layer('error', 'alarm evaluation failed', { error: describe(error) }),
          )
          .finally(() => {
            evaluating = false;
          });
      }, 1000),
    );

    // The status API, as API Gateway would invoke it.
    const statusApiPlan = plan.functions.find((f) => f.kind === 'status-api');
    const statusApi = statusApiPlan
      ? createStatusApiHandler({
          dynamo: ddb,
          sqs: sqsQueueAttributeReader(clientOptions(sqsServer.url)),
          plan: runtimeFor(statusApiPlan),
          tables: { syncState: plan.tables.syncState.name, operations: plan.tables.operations.name },
          queueUrls,
          now: () => new Date(),
          logger: createLogger({ output: logs.sink(statusApiPlan.name) }),
        })
      : undefined;

    // Inbound webhooks (issue 7): POST /webhooks/<system> runs that system's receiver, as its function
    // URL would on AWS, with secrets from <data>/secrets.json (generated there when missing).
    const webhooks = localWebhooks({
      plan,
      secretsFile: join(options.dataDir, 'secrets.json'),
      secrets,
      env,
      ddb,
      events: clientOptions(base),
      logSink: (name) => logs.sink(name),
      emf,
    });

    createLayerServer(server, {
      plan,
      busName: plan.bus.name,
      account: LOCAL_ACCOUNT,
      region: LOCAL_REGION,
      route: (busName, event) => router.route(busName, event),
      accept,
      metrics,
      statusApi:
        statusApi && statusApiPlan
          ? {
              handler: statusApi as unknown as (e: unknown, c: Context) => Promise<unknown>,
              functionName: statusApiPlan.name,
              timeoutSeconds: statusApiPlan.timeoutSeconds,
            }
          : undefined,
      functions,
      logs,
      stats: async () => layerStats({ plan, metrics, invoker, sqs, alarms: states, runtime }),
      extra: [webhooks.route], // inbound webhooks (issue 7)
    });

    const endpoints: LocalEndpoints = {
      events: base,
      statusApi: `${base}/v1`,
      dynamodb: dynamoUrl,
      sqs: sqsServer.url,
      ...(targets ? { targets: targets.url } : {}),
      busName: plan.bus.name,
      region: LOCAL_REGION,
      stage: LOCAL_STAGE,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      timeScale,
    };
    writeEndpoints(options.dataDir, endpoints);
    cleanups.push(async () => removeEndpoints(options.dataDir));
    logs.layer('info', 'local layer ready', { ...endpoints });

    return {
      plan,
      endpoints,
      metrics,
      invoker,
      functions,
      sqs,
      ...(targets ? { targets } : {}),
      logs,
      alarmStates: () => states,
      stats: () => layerStats({ plan, metrics, invoker, sqs, alarms: states, runtime }),
      dataDir: options.dataDir,
      close: async () => {
        invoker.stop();
        await journal.putState('alarms', [...states]).catch(() => undefined);
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE')
        reject(
          new LocalLayerError(
            `port ${port} is already in use: choose another with --port, or stop what is using it`,
          ),
        );
      else if (error.code === 'EACCES')
        reject(new LocalLayerError(`port ${port} needs privileges: choose a port above 1024 with --port`));
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

function threadLoad(elu: { active: number; idle: number }): ThreadLoad {
  return { activeMs: Math.round(elu.active), idleMs: Math.round(elu.idle) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
