/**
 * Live figures of a running local layer, per contract and per tier queue: what the live view
 * draws, what /_admin/stats serves and what the demo tallies.
 */
import { contractDimensions, SYNC_METRICS } from '../plan/metrics.js';
import type { Plan, TierName } from '../plan/types.js';
import type { AlarmStatus } from './alarms.js';
import type { Invoker } from './invoker.js';
import type { MetricStore } from './metrics.js';
import type { SqsStore } from './sqs/index.js';

export type ContractHealth = 'ok' | 'retrying' | 'degraded' | 'stale' | 'failing';

export interface ContractStats {
  id: string;
  tier: TierName;
  matched: number;
  synced: number;
  skipped: number;
  transient: number;
  permanent: number;
  config: number;
  /** Invocations waiting for a retry now. */
  retrying: number;
  health: ContractHealth;
  /** Alarms of this contract in ALARM. */
  alarms: string[];
}

export interface QueueStats {
  tier: TierName;
  name: string;
  visible: number;
  inFlight: number;
  oldestAgeSeconds: number;
}

/** Event-loop time of one thread since it started (performance.eventLoopUtilization), in ms. */
export interface ThreadLoad {
  activeMs: number;
  idleMs: number;
}

/** How busy the layer's threads are: two readings' difference gives the utilisation in between. */
export interface RuntimeLoad {
  /** The main thread: ingress, invoker, handlers, targets. */
  main: ThreadLoad;
  /** The embedded DynamoDB's thread. */
  dynamodb?: ThreadLoad;
}

export interface LayerStats {
  at: string;
  contracts: ContractStats[];
  queues: QueueStats[];
  /** Invocations not yet settled (queued, running or waiting for a retry). */
  pending: number;
  /** Alarms in ALARM, by name. */
  alarms: string[];
  /** Event-loop load of the layer's threads (the bench reads it). */
  runtime?: RuntimeLoad;
}

export function layerStats(parts: {
  plan: Plan;
  metrics: MetricStore;
  invoker: Invoker;
  sqs: SqsStore;
  alarms: Map<string, AlarmStatus>;
  runtime?: () => RuntimeLoad;
}): LayerStats {
  const { plan, metrics, invoker, sqs, alarms } = parts;
  const inAlarm = [...alarms].filter(([, s]) => s.state === 'ALARM').map(([name]) => name);
  const contracts = plan.contracts.map((c): ContractStats => {
    const dims = contractDimensions(c.id, c.tier);
    const own = (name: string) => metrics.total(plan.metricsNamespace, name, dims);
    const route = plan.routes.find((r) => r.contractId === c.id);
    const matched = route
      ? metrics.total('AWS/Events', 'MatchedEvents', {
          EventBusName: route.busName,
          RuleName: route.ruleName,
        })
      : 0;
    const mine = inAlarm
      .filter((name) => name.startsWith(`${plan.prefix}-${c.id}-`))
      .map((name) => name.slice(`${plan.prefix}-${c.id}-`.length));
    const retrying = invoker.retrying(c.functionName);
    const health: ContractHealth = mine.some((m) =>
      ['schema-rejections', 'config-errors', 'sent-to-dlq', 'delivery-failures', 'silent-failure'].includes(
        m,
      ),
    )
      ? 'failing'
      : mine.includes('staleness')
        ? 'stale'
        : mine.includes('target-degraded')
          ? 'degraded'
          : retrying > 0 || mine.includes('handler-errors')
            ? 'retrying'
            : 'ok';
    return {
      id: c.id,
      tier: c.tier,
      matched,
      synced: own(SYNC_METRICS.synced),
      skipped: own(SYNC_METRICS.skipped),
      transient: own(SYNC_METRICS.transient),
      permanent: own(SYNC_METRICS.permanent),
      config: own(SYNC_METRICS.config),
      retrying,
      health,
      alarms: mine,
    };
  });
  const queues = plan.queues.map((q): QueueStats => {
    const s = sqs.stats(q.name);
    return {
      tier: q.tier,
      name: q.name,
      visible: s.visible,
      inFlight: s.inFlight,
      oldestAgeSeconds: s.oldestMessageAgeSeconds,
    };
  });
  return {
    at: new Date().toISOString(),
    contracts,
    queues,
    pending: invoker.pending(),
    alarms: inAlarm,
    ...(parts.runtime ? { runtime: parts.runtime() } : {}),
  };
}
