/**
 * buildPlan: a pure function from a loaded contracts folder to the plan. Same contracts and
 * options in, same plan out; no I/O, no AWS, no clock.
 */
import { createHash } from 'node:crypto';
import { routePattern } from '../model/route.js';
import {
  type Contract,
  type Estate,
  SEVERITIES,
  TIER_NAMES,
  type TierName,
  type ValueRef,
} from '../model/types.js';
import { buildAlarms, buildWebhookAlarms, minutePeriod } from './alarms.js';
import { RECOVERY_EVENT } from './constants.js';
import { CONTRACT_FAILURE_MODES, FAILURE_MODES } from './failure-modes.js';
import { METRICS_SERVICE, names, prefix } from './names.js';
import {
  type AccessPlan,
  type AlarmPlan,
  type BusPlan,
  type ContractPlan,
  type EnvValue,
  type FunctionKind,
  type FunctionPlan,
  type InternalRoutePlan,
  PLAN_SCHEMA_VERSION,
  type Plan,
  type QueuePlan,
  type RoutePlan,
  type SchedulePlan,
  type StackPlan,
  type SystemPlan,
  type TablesPlan,
  type TeamPlan,
  type TierPlan,
  type TopicPlan,
  type WebhookPlan,
} from './types.js';

/** Options that are not in the contracts: where it deploys and where runbooks are published. */
export interface PlanOptions {
  /** Stage name (dev, prod, local...). */
  stage: string;
  /** Published location of `runbooks/`, e.g. https://github.com/acme/handoff/blob/main/runbooks. */
  runbookBaseUrl: string;
}

/** Dead-letter queues keep messages for SQS's maximum: 14 days. */
export const DEAD_LETTER_RETENTION_DAYS = 14;
/** Seconds a sync handler has beyond two target timeouts (a lease wait and its own send), for DynamoDB, the queue and lease margins. */
export const SYNC_TIMEOUT_MARGIN_SECONDS = 15;

const PLATFORM_FUNCTIONS: Array<{
  kind: Exclude<FunctionKind, 'sync'>;
  description: string;
  timeoutSeconds: number;
}> = [
  {
    kind: 'status-api',
    description: 'Answers support: sync status, ownership, incidents, priorities',
    timeoutSeconds: 10,
  },
  {
    kind: 'staleness',
    description: 'Finds stale and failing entities per contract and reports degraded targets',
    timeoutSeconds: 60,
  },
  {
    kind: 'incidents',
    description: 'Opens and resolves incidents from alarm state changes',
    timeoutSeconds: 30,
  },
  {
    kind: 'redrive',
    description: 'Redrives transient dead letters when a degraded contract recovers',
    timeoutSeconds: 300,
  },
  {
    kind: 'ownership',
    description: 'Writes ownership from the contracts into the operations table on deploy',
    timeoutSeconds: 60,
  },
];

/** Builds the plan for a loaded, valid contracts folder. */
export function buildPlan(estate: Estate, options: PlanOptions): Plan {
  const { stage } = options;
  const busName = names.bus(stage);
  const metricsNamespace = names.metricsNamespace(stage);
  const platformTeam = estate.teams.find((t) => t.ownsPlatform)?.id ?? estate.teams[0]?.id ?? '';
  const coreStack = names.coreStack(stage);
  const contracts = [...estate.contracts].sort((a, b) => a.id.localeCompare(b.id));

  const teams: TeamPlan[] = estate.teams.map((t) => ({
    id: t.id,
    name: t.name,
    oncallChannel: t.contacts.oncallChannel,
    ...(t.contacts.pager ? { pager: t.contacts.pager } : {}),
    email: t.contacts.email,
    hours: t.hours,
    ownsPlatform: t.ownsPlatform === true,
  }));

  const tiers: TierPlan[] = TIER_NAMES.map((name) => {
    const t = estate.tiers[name];
    return {
      name,
      description: t.description,
      severity: t.severity,
      retries: { eventBridge: { ...t.retries.eventBridge }, lambda: { ...t.retries.lambda } },
      deadLetterQueue: names.deadLetterQueue(stage, name),
      deadLetters: { ...t.deadLetters },
      stalenessSloSeconds: t.stalenessSloSeconds,
      archiveRetentionDays: t.archiveRetentionDays,
      autoRedrive: t.autoRedrive,
      degraded: { ...t.degraded },
      contracts: contracts.filter((c) => c.tier === name).map((c) => c.id),
    };
  });

  const systems: SystemPlan[] = estate.systems.map((s) => ({
    id: s.id,
    name: s.name,
    description: s.description,
    owner: s.owner,
    sourceOf: contracts.filter((c) => c.source.system === s.id).map((c) => c.id),
    targetOf: contracts.filter((c) => c.target.system === s.id).map((c) => c.id),
  }));

  const stackOf = (contract: Contract) => names.contractsStack(stage, contract.stackGroup);
  const contractPlans: ContractPlan[] = contracts.map((c) => ({
    id: c.id,
    description: c.description,
    tier: c.tier,
    owner: c.owner,
    escalation: [...c.escalation],
    customerImpact: c.customerImpact,
    fallback: c.fallback,
    stalenessSloSeconds: c.stalenessSloSeconds,
    source: { system: c.source.system, eventSource: c.source.eventSource, detailType: c.source.detailType },
    target:
      c.target.adapter === 'http'
        ? {
            system: c.target.system,
            adapter: 'http',
            endpointId: c.target.endpoint.id,
            url: c.target.endpoint.url,
            auth: c.target.endpoint.auth,
            timeoutSeconds: c.target.endpoint.timeoutSeconds,
            method: c.target.request.method,
            path: c.target.request.path,
            body: c.target.request.body,
          }
        : {
            system: c.target.system,
            adapter: 'eventbridge',
            endpointId: c.target.endpoint.id,
            busArn: c.target.endpoint.busArn,
            timeoutSeconds: 5,
            source: c.target.event.source,
            detailType: c.target.event.detailType,
            detail: c.target.event.detail,
          },
    entity: { ...c.entity },
    schema: c.schema,
    personalData: [...c.personalData],
    functionName: names.contractFunction(stage, c.id),
    ruleName: names.contractRule(stage, c.id),
    stack: stackOf(c),
    runbooks: Object.fromEntries(
      CONTRACT_FAILURE_MODES.map((mode) => [mode, `runbooks/${FAILURE_MODES[mode].runbook}`]),
    ),
    declaredIn: c.source_.file,
  }));

  const queues: QueuePlan[] = tiers.map((t) => ({
    name: t.deadLetterQueue,
    tier: t.name,
    retentionDays: DEAD_LETTER_RETENTION_DAYS,
    visibilityTimeoutSeconds: 300,
  }));

  const routes: RoutePlan[] = contracts.map((c) => {
    const tier = tiers.find((t) => t.name === c.tier) as TierPlan;
    return {
      contractId: c.id,
      ruleName: names.contractRule(stage, c.id),
      busName,
      pattern: routePattern(c),
      functionName: names.contractFunction(stage, c.id),
      tier: c.tier,
      retry: { ...tier.retries.eventBridge },
      deadLetterQueue: tier.deadLetterQueue,
    };
  });

  const tables = buildTables(stage);
  const common = (): Record<string, EnvValue> => ({
    HANDOFF_STAGE: { value: stage },
    POWERTOOLS_SERVICE_NAME: { value: METRICS_SERVICE },
    POWERTOOLS_METRICS_NAMESPACE: { value: metricsNamespace },
    POWERTOOLS_LOG_LEVEL: { value: 'INFO' },
  });

  const syncFunctions: FunctionPlan[] = contractPlans.map((c) => {
    const tier = tiers.find((t) => t.name === c.tier) as TierPlan;
    const refs = c.target.adapter === 'http' ? [c.target.url, ...authRefs(c.target.auth)] : [c.target.busArn];
    const environment: Record<string, EnvValue> = {
      ...common(),
      HANDOFF_CONTRACT_ID: { value: c.id },
      SYNC_TABLE_NAME: { tableName: 'syncState' },
      DEAD_LETTER_QUEUE_URL: { queueUrl: tier.deadLetterQueue },
      HANDOFF_BUS_NAME: { busName },
    };
    for (const ref of refs) {
      if (typeof ref === 'object' && 'env' in ref) environment[ref.env] = { deployParameter: ref.env };
    }
    const access: AccessPlan[] = [
      { kind: 'table', table: 'syncState', actions: ['GetItem', 'UpdateItem'] },
      { kind: 'queue', queue: tier.deadLetterQueue, actions: ['send'] },
      { kind: 'bus', busName },
      ...refs.flatMap((ref): AccessPlan[] =>
        typeof ref === 'object' && 'secret' in ref ? [{ kind: 'secret', secretName: ref.secret }] : [],
      ),
      ...(c.target.adapter === 'eventbridge'
        ? [{ kind: 'external-bus' as const, busArn: c.target.busArn }]
        : []),
    ];
    return {
      name: c.functionName,
      kind: 'sync',
      entry: 'lambdas/sync/index.ts',
      contractId: c.id,
      tier: c.tier,
      stack: c.stack,
      description: `handoff ${c.id}: ${c.source.system} → ${c.target.system} (${c.tier})`.slice(0, 256),
      // Room for one full lease wait (another delivery's send) plus its own send, and the writes.
      timeoutSeconds: 2 * c.target.timeoutSeconds + SYNC_TIMEOUT_MARGIN_SECONDS,
      memoryMb: 256,
      async: { retry: { ...tier.retries.lambda }, onFailureQueue: tier.deadLetterQueue },
      environment,
      access,
    };
  });

  const autoRedrive = tiers.some((t) => t.autoRedrive && t.contracts.length > 0);
  const platformFunctions: FunctionPlan[] = PLATFORM_FUNCTIONS.filter(
    (p) => p.kind !== 'redrive' || autoRedrive,
  ).map((p) => platformFunction(p, { stage, coreStack, common: common(), tiers, busName }));

  const checkerRate = stalenessRate(contractPlans);
  const schedules: SchedulePlan[] = [
    {
      id: 'staleness',
      ruleName: names.platformRule(stage, 'staleness'),
      functionName: names.platformFunction(stage, 'staleness'),
      rateSeconds: checkerRate,
    },
  ];

  const internalRoutes: InternalRoutePlan[] = [
    {
      id: 'alarm-state-changes',
      busName: 'default',
      ruleName: names.platformRule(stage, 'alarm-state-changes'),
      pattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: `${prefix(stage)}-` }] },
      },
      functionName: names.platformFunction(stage, 'incidents'),
    },
    ...(autoRedrive
      ? [
          {
            id: 'contract-recovered' as const,
            busName,
            ruleName: names.platformRule(stage, 'contract-recovered'),
            pattern: { source: [RECOVERY_EVENT.source], 'detail-type': [RECOVERY_EVENT.detailType] },
            functionName: names.platformFunction(stage, 'redrive'),
          },
        ]
      : []),
  ];

  const topics: TopicPlan[] = SEVERITIES.map((severity) => ({
    severity,
    name: names.topic(stage, severity),
    description: {
      page: 'Wakes the owning on-call engineer now',
      ticket: 'Opens a ticket for the owning team, handled in working hours',
      digest: 'Collected into the weekly reliability digest',
    }[severity],
  }));

  const systemNames = new Map(estate.systems.map((s) => [s.id, s.name]));
  // What every alarm description and name is built from (contract, platform and webhook alarms).
  const alarmContext = {
    stage,
    busName,
    metricsNamespace,
    runbookBaseUrl: options.runbookBaseUrl,
    teams,
    tiers,
    systemNames,
    checkerPeriodSeconds: minutePeriod(checkerRate),
    platformTeam,
    coreStack,
  };
  const alarms: AlarmPlan[] = buildAlarms(
    contractPlans,
    platformFunctions.filter((f) => f.kind !== 'ownership'),
    alarmContext,
  );

  const webhooks: WebhookPlan[] = estate.systems.flatMap((system): WebhookPlan[] => {
    if (!system.webhook) return [];
    const w = system.webhook;
    return [
      {
        systemId: system.id,
        systemName: system.name,
        owner: system.owner,
        functionName: names.webhookFunction(stage, system.id),
        path: `/webhooks/${system.id}`,
        signature: w.signature,
        secrets: w.secrets,
        event: w.event,
        contentTypes: w.contentTypes,
        maxBodyBytes: w.maxBodyBytes,
        busName,
        feeds: contractPlans
          .filter((c) => c.source.system === system.id && c.source.eventSource === w.event.source)
          .map((c) => c.id),
        dedupeDays: WEBHOOK_DEDUPE_DAYS,
      },
    ];
  });
  const webhookFunctions = webhooks.map((w) =>
    webhookFunction(w, { stage, coreStack, common: common(), busName }),
  );
  alarms.push(...buildWebhookAlarms(webhooks, contractPlans, alarmContext));

  const groups = [...new Set(contractPlans.map((c) => c.stack))].sort();
  const stacks: StackPlan[] = [
    { id: 'core', name: coreStack, kind: 'core', contracts: [] },
    ...groups.map((name) => ({
      id: name.replace(`${names.coreStack(stage).replace(/-core$/, '')}-contracts-`, ''),
      name,
      kind: 'contracts' as const,
      contracts: contractPlans.filter((c) => c.stack === name).map((c) => c.id),
    })),
  ];

  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    stage,
    prefix: prefix(stage),
    fingerprint: fingerprint(estate),
    runbookBaseUrl: options.runbookBaseUrl,
    metricsNamespace,
    bus: buildBus(stage, busName, tiers, routes),
    teams,
    systems,
    tiers,
    contracts: contractPlans,
    routes,
    functions: [...syncFunctions, ...platformFunctions, ...webhookFunctions],
    queues,
    tables,
    topics,
    alarms,
    schedules,
    internalRoutes,
    stacks,
    webhooks,
  };
}

/** Delivery ids are kept this long: providers retry for up to three days (Stripe), so a week is safe. */
export const WEBHOOK_DEDUPE_DAYS = 7;

function webhookFunction(
  w: WebhookPlan,
  ctx: { stage: string; coreStack: string; common: Record<string, EnvValue>; busName: string },
): FunctionPlan {
  const environment: Record<string, EnvValue> = {
    ...ctx.common,
    HANDOFF_SYSTEM_ID: { value: w.systemId },
    OPERATIONS_TABLE_NAME: { tableName: 'operations' },
    HANDOFF_BUS_NAME: { busName: ctx.busName },
  };
  for (const ref of w.secrets)
    if (typeof ref === 'object' && 'env' in ref) environment[ref.env] = { deployParameter: ref.env };
  return {
    name: w.functionName,
    kind: 'webhook',
    entry: 'lambdas/webhook/index.ts',
    systemId: w.systemId,
    stack: ctx.coreStack,
    description: `handoff webhook receiver for ${w.systemName}`.slice(0, 256),
    timeoutSeconds: 10,
    memoryMb: 256,
    environment,
    access: [
      // Delivery ids only: this system's, and nothing else in the operations table.
      {
        kind: 'table',
        table: 'operations',
        actions: ['GetItem', 'PutItem', 'UpdateItem'],
        leadingKeys: [`WEBHOOK#${w.systemId}#*`],
      },
      { kind: 'bus', busName: ctx.busName },
      ...w.secrets.flatMap((ref): AccessPlan[] =>
        typeof ref === 'object' && 'secret' in ref ? [{ kind: 'secret', secretName: ref.secret }] : [],
      ),
    ],
  };
}

function platformFunction(
  p: (typeof PLATFORM_FUNCTIONS)[number],
  ctx: {
    stage: string;
    coreStack: string;
    common: Record<string, EnvValue>;
    tiers: TierPlan[];
    busName: string;
  },
): FunctionPlan {
  const queueUrls = Object.fromEntries(
    ctx.tiers.map((t) => [
      `DEAD_LETTER_QUEUE_URL_${t.name.replace('-', '_').toUpperCase()}`,
      { queueUrl: t.deadLetterQueue } as EnvValue,
    ]),
  );
  const environment: Record<string, EnvValue> = { ...ctx.common };
  let access: AccessPlan[] = [];
  switch (p.kind) {
    case 'status-api':
      Object.assign(environment, {
        SYNC_TABLE_NAME: { tableName: 'syncState' },
        OPERATIONS_TABLE_NAME: { tableName: 'operations' },
        ...queueUrls,
      });
      access = [
        { kind: 'table', table: 'syncState', actions: ['GetItem', 'Query'] },
        { kind: 'table', table: 'operations', actions: ['GetItem', 'Query'] },
        // Notes are the only write, and only on incident items.
        { kind: 'table', table: 'operations', actions: ['UpdateItem'], leadingKeys: ['INCIDENT#*'] },
        ...ctx.tiers.map(
          (t): AccessPlan => ({ kind: 'queue', queue: t.deadLetterQueue, actions: ['attributes'] }),
        ),
      ];
      break;
    case 'staleness':
      Object.assign(environment, {
        SYNC_TABLE_NAME: { tableName: 'syncState' },
        HANDOFF_BUS_NAME: { busName: ctx.busName },
      });
      access = [
        { kind: 'table', table: 'syncState', actions: ['GetItem', 'Query', 'BatchGetItem'] },
        // Clearing a recovered contract's degraded flag is its only write, on health records only.
        { kind: 'table', table: 'syncState', actions: ['UpdateItem'], leadingKeys: ['CONTRACT#*'] },
        { kind: 'bus', busName: ctx.busName },
      ];
      break;
    case 'incidents':
      Object.assign(environment, { OPERATIONS_TABLE_NAME: { tableName: 'operations' } });
      access = [
        {
          kind: 'table',
          table: 'operations',
          actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
        },
      ];
      break;
    case 'redrive':
      Object.assign(environment, { HANDOFF_BUS_NAME: { busName: ctx.busName }, ...queueUrls });
      access = [
        { kind: 'bus', busName: ctx.busName },
        ...ctx.tiers
          .filter((t) => t.autoRedrive)
          .map(
            (t): AccessPlan => ({
              kind: 'queue',
              queue: t.deadLetterQueue,
              actions: ['receive', 'delete', 'changeVisibility', 'attributes'],
            }),
          ),
      ];
      break;
    case 'ownership':
      Object.assign(environment, { OPERATIONS_TABLE_NAME: { tableName: 'operations' } });
      access = [
        {
          kind: 'table',
          table: 'operations',
          actions: ['Query', 'PutItem', 'DeleteItem'],
          leadingKeys: ['SYSTEM#*', 'TEAM#*', 'CONTRACT#*'],
        },
      ];
      break;
  }
  return {
    name: names.platformFunction(ctx.stage, p.kind),
    kind: p.kind,
    // One redrive at a time: a queue walk hides messages it is not redriving until it ends, so
    // two concurrent walks would each miss the other's dead letters.
    ...(p.kind === 'redrive' ? { reservedConcurrency: 1 } : {}),
    entry: `lambdas/${p.kind}/index.ts`,
    stack: ctx.coreStack,
    description: `handoff platform: ${p.description}`,
    timeoutSeconds: p.timeoutSeconds,
    memoryMb: 256,
    environment,
    access,
  };
}

/**
 * DynamoDB tables, keyed for the status API's questions:
 * one entity across all contracts (base table), failing/stale entities per contract (sparse
 * `unsynced` index), last success per contract (`byContract`), open incidents and ownership
 * (operations `byKind`).
 */
export function buildTables(stage: string): TablesPlan {
  const deletionProtection = stage === 'prod';
  return {
    syncState: {
      id: 'syncState',
      name: names.table(stage, 'sync-state'),
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      indexes: [
        {
          name: 'unsynced',
          partitionKey: { name: 'unsyncedContract', type: 'S' },
          sortKey: { name: 'pendingSince', type: 'S' },
          purpose:
            'Entities of a contract not in sync, oldest change first (sparse: only items retrying or failed)',
        },
        {
          name: 'byContract',
          partitionKey: { name: 'contractId', type: 'S' },
          sortKey: { name: 'syncedAt', type: 'S' },
          purpose: 'Entities of a contract by last sync time (last success per contract)',
        },
      ],
      pointInTimeRecovery: true,
      deletionProtection,
      purpose:
        'Per-entity sync state (pk E#<type>#<id>, sk C#<contract>) and per-contract health (pk CONTRACT#<id>, sk HEALTH)',
    },
    operations: {
      id: 'operations',
      name: names.table(stage, 'operations'),
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      indexes: [
        {
          name: 'byKind',
          partitionKey: { name: 'kind', type: 'S' },
          sortKey: { name: 'sortKey', type: 'S' },
          purpose:
            'Items of one kind in order: INCIDENT#open / INCIDENT#resolved by opened time, SYSTEM and TEAM by id',
        },
      ],
      pointInTimeRecovery: true,
      deletionProtection,
      purpose:
        'Ownership (SYSTEM#, TEAM#, CONTRACT#), incidents (INCIDENT#<id>) and open-incident locks per alarm (ALARM#<name>)',
      // Webhook delivery ids expire once providers stop retrying (dynalite ignores TTL; nothing depends on it).
      ttlAttribute: 'expiresAt',
    },
  };
}

function buildBus(stage: string, busName: string, tiers: TierPlan[], routes: RoutePlan[]): BusPlan {
  const archives = tiers
    .filter((t) => t.archiveRetentionDays > 0 && t.contracts.length > 0)
    .map((t) => {
      // One condition per source, listing its detail-types: compact, and exact enough for replay.
      const bySource = new Map<string, Set<string>>();
      for (const route of routes.filter((r) => r.tier === t.name)) {
        const source = (route.pattern.source as string[])[0] ?? '';
        const detailType = (route.pattern['detail-type'] as string[])[0] ?? '';
        bySource.set(source, (bySource.get(source) ?? new Set()).add(detailType));
      }
      const conditions = [...bySource.entries()].map(([source, types]) => ({
        source: [source],
        'detail-type': [...types].sort(),
      }));
      const pattern =
        conditions.length === 1 ? (conditions[0] as Record<string, unknown>) : { $or: conditions };
      return {
        name: names.archive(stage, t.name),
        tier: t.name,
        retentionDays: t.archiveRetentionDays,
        pattern,
      };
    });
  return { name: busName, archives };
}

/** The staleness checker runs often enough to catch the tightest SLO: a fifth of it, 1 to 15 minutes. */
export function stalenessRate(contracts: Array<{ stalenessSloSeconds: number }>): number {
  const tightest = Math.min(...contracts.map((c) => c.stalenessSloSeconds), 3600);
  const minutes = Math.min(15, Math.max(1, Math.floor(tightest / 5 / 60)));
  return minutes * 60;
}

function authRefs(
  auth: ContractPlan['target'] extends infer T ? (T extends { auth: infer A } ? A : never) : never,
): ValueRef[] {
  if (auth.type === 'bearer') return [auth.token];
  if (auth.type === 'header') return [auth.value];
  return [];
}

function fingerprint(estate: Estate): string {
  const canonical = JSON.stringify({
    systems: estate.systems.map(({ source: _s, ...rest }) => rest),
    teams: estate.teams.map(({ source: _s, ...rest }) => rest),
    tiers: estate.tiers,
    contracts: [...estate.contracts]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map(({ source_: _s, ...rest }) => rest),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Tier names in order of importance, most important first. */
export const TIER_ORDER: Record<TierName, number> = { critical: 0, standard: 1, 'best-effort': 2 };

export { RECOVERY_EVENT } from './constants.js';
