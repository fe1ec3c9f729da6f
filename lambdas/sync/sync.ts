/**
 * One delivery of one event to one contract's target: parse, validate, decide, claim, deliver,
 * and on failure take the path its class asks for (see errors.ts and state.ts). Pure logic over
 * injected clients; the Lambda wiring is in handler.ts.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DetailValidator } from '../../lib/model/detail-validator.js';
import { EntityExtractionError, type EntityRef, extractEntity } from '../../lib/model/entity.js';
import { applyMapping, MappingError } from '../../lib/model/mapping.js';
import { RECOVERY_EVENT } from '../../lib/plan/constants.js';
import { SYNC_METRICS } from '../../lib/plan/metrics.js';
import type { ContractPlan, TierPlan } from '../../lib/plan/types.js';
import type { DeadLetterSink, EventPublisher } from '../commons/aws.js';
import { DEAD_LETTER_ATTRIBUTES, handlerDeadLetter } from '../commons/dead-letters.js';
import { deadline } from '../commons/deadline.js';
import type { SyncRecord } from '../commons/records.js';
import type { TargetAdapter } from './adapters/types.js';
import {
  type ConfigSyncError,
  classify,
  PermanentSyncError,
  type SyncError,
  TransientSyncError,
} from './errors.js';
import type { HealthTracker } from './health.js';
import {
  claimRecord,
  decide,
  type EntityKey,
  failureRecord,
  StateConflictError,
  type SyncStateStore,
} from './state.js';

/** How long past the target's timeout a claim's lease lasts: room for the failure write. */
export const LEASE_MARGIN_MS = 2_000;
/** Lost compare-and-swap races before a contended delivery gives up and lets Lambda retry. */
const MAX_CONFLICTS = 8;
/**
 * How often a delivery waiting for another's lease reads the record again: soon at first (a holder
 * that expects company releases right after its send), then less often, so a long wait (a slow
 * target) costs a few reads a second rather than twenty.
 */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 250;

export interface SyncDeps {
  contract: ContractPlan;
  tier: TierPlan;
  busName: string;
  store: SyncStateStore;
  health: HealthTracker;
  adapter: TargetAdapter;
  validator: DetailValidator;
  /** The tier's dead-letter queue. */
  deadLetters: DeadLetterSink;
  /** handoff's bus, for the recovery announcement. */
  publisher: EventPublisher;
  logger: Logger;
  metrics: Metrics;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** How long past the target's timeout a claim's lease lasts (default LEASE_MARGIN_MS). */
  leaseMarginMs?: number;
}

/** What Lambda tells the handler about this invocation. */
export interface Invocation {
  requestId: string;
  functionArn: string;
  remainingMs(): number;
}

export type SyncOutcome =
  | { outcome: 'synced'; version: number; attempts: number }
  | { outcome: 'skipped'; reason: 'older' | 'duplicate' | 'superseded' }
  | { outcome: 'dead-lettered'; failureClass: 'permanent' | 'config'; code: string };

interface Parsed {
  event: Record<string, unknown> & { id: string; time?: string };
  entity: EntityRef;
  key: EntityKey;
}

/** Delivers one event. Returns for success, skips and dead-lettered failures; throws TransientSyncError to be retried. */
export async function syncEvent(
  deps: SyncDeps,
  rawEvent: unknown,
  invocation: Invocation,
): Promise<SyncOutcome> {
  const { contract, logger } = deps;

  const envelope = readEnvelope(rawEvent);
  logger.appendKeys({
    eventId: envelope.id ?? 'unknown',
    correlationId: envelope.correlationId ?? envelope.id ?? 'unknown',
  });
  if (!envelope.event) {
    return deadLetterUnkeyed(
      deps,
      rawEvent,
      invocation,
      new PermanentSyncError('envelope', envelope.problem ?? 'not an EventBridge event'),
    );
  }
  let entity: EntityRef;
  try {
    entity = extractEntity(contract.entity, envelope.event);
  } catch (error) {
    if (!(error instanceof EntityExtractionError)) throw error;
    return deadLetterUnkeyed(
      deps,
      envelope.event,
      invocation,
      new PermanentSyncError('entity', error.message),
    );
  }
  const parsed: Parsed = {
    event: envelope.event,
    entity,
    key: { contractId: contract.id, entityType: entity.type, entityId: entity.id },
  };
  logger.appendKeys({
    entityType: entity.type,
    entity: entityRefForLogs(contract, entity),
    version: entity.version,
  });

  let conflicts = 0;
  let waited = false;
  let polls = 0;
  for (;;) {
    const record = await deps.store.read(parsed.key);
    const now = deps.now();
    const decision = decide(record, { id: parsed.event.id, version: entity.version }, now.getTime());
    if (decision.action === 'skip') return skipped(deps, decision.reason);
    if (decision.action === 'wait') {
      // Another delivery holds the entity. Poll: a holder that expects company releases early.
      if (decision.untilMs - now.getTime() > invocation.remainingMs() - requiredMs(deps)) {
        throw new TransientSyncError(
          'entity-busy',
          'another delivery for this entity is in progress; retrying later',
        );
      }
      waited = true;
      const pause = Math.min(POLL_MAX_MS, POLL_FIRST_MS * 2 ** polls++);
      await deps.sleep(Math.min(pause, Math.max(1, decision.untilMs - now.getTime())));
      continue;
    }
    try {
      return await attempt(deps, parsed, record, invocation, waited);
    } catch (error) {
      // Someone else wrote first: read again.
      if (error instanceof StateConflictError && ++conflicts < MAX_CONFLICTS) continue;
      if (error instanceof StateConflictError)
        throw new TransientSyncError(
          'entity-busy',
          'deliveries for this entity kept changing its state; retrying later',
        );
      throw error;
    }
  }
}

async function attempt(
  deps: SyncDeps,
  parsed: Parsed,
  record: SyncRecord | undefined,
  invocation: Invocation,
  waited: boolean,
): Promise<SyncOutcome> {
  const { contract } = deps;
  const { event, entity, key } = parsed;

  // Checks that need no target: a failure here is decided before anything is claimed.
  let body: Record<string, unknown>;
  try {
    const violations = deps.validator.validate(event.detail);
    if (violations.length > 0) {
      const first = violations
        .slice(0, 3)
        .map((v) => `${v.path} ${v.message}`)
        .join('; ');
      throw new PermanentSyncError('schema', `the event does not match the contract schema: ${first}`);
    }
    try {
      body = applyMapping(contractMapping(contract), event);
    } catch (error) {
      if (error instanceof MappingError)
        throw new PermanentSyncError('mapping', error.message, { cause: error });
      throw error;
    }
    await deps.adapter.prepare();
  } catch (error) {
    return fail(deps, parsed, record, undefined, invocation, classify(error));
  }

  if (invocation.remainingMs() < requiredMs(deps)) {
    throw new TransientSyncError('out-of-time', 'not enough time left in this invocation to deliver safely');
  }
  const now = deps.now();
  const leaseMs = contract.target.timeoutSeconds * 1000 + (deps.leaseMarginMs ?? LEASE_MARGIN_MS);
  const claimed = claimRecord(record, key, {
    version: entity.version,
    eventId: event.id,
    requestId: invocation.requestId,
    now,
    leaseUntil: now.getTime() + leaseMs,
  });
  await deps.store.write(claimed, record?.rev);
  // A hot entity is likely to have more deliveries waiting: release the lease after the send so
  // they need not wait it out. Hot means this delivery waited, or the record was written within one
  // lease, or the entity is new: systems often create a record and edit it within seconds, so the
  // first sync of an entity pays one extra write (once per entity) to keep that burst fast.
  const hot = waited || record === undefined || now.getTime() - Date.parse(record.updatedAt) < leaseMs;

  const sendStarted = Date.now();
  const abort = deadline(Math.max(1, invocation.remainingMs() - (deps.leaseMarginMs ?? LEASE_MARGIN_MS)));
  let result: Awaited<ReturnType<typeof deps.adapter.deliver>>;
  try {
    result = await deps.adapter.deliver({ contract, event, entity, body, signal: abort.signal });
  } catch (error) {
    return fail(deps, parsed, record, claimed, invocation, classify(error));
  } finally {
    abort.clear();
  }
  // The target has the change. Nothing below may turn that into a failure: a retry would send it
  // again, and a later redrive would apply it a second time under another event id.
  const targetMs = Date.now() - sendStarted;
  if (hot) {
    await deps.store.release(claimed).catch((error: unknown) => {
      deps.logger.warn('could not release the lease early; waiting deliveries wait for it to end', {
        error: (error as Error).name,
      });
    });
  }
  if (result.outcome === 'superseded') return skipped(deps, 'superseded');
  deps.metrics.addMetric(SYNC_METRICS.synced, MetricUnit.Count, 1);
  deps.metrics.addMetric(SYNC_METRICS.targetLatency, MetricUnit.Milliseconds, targetMs);
  const eventTime = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  if (!Number.isNaN(eventTime)) {
    deps.metrics.addMetric(
      SYNC_METRICS.latency,
      MetricUnit.Milliseconds,
      Math.max(0, deps.now().getTime() - eventTime),
    );
  }
  deps.logger.info('synced', {
    outcome: 'synced',
    attempt: claimed.attempts,
    targetMs,
    status: result.status,
    released: hot,
  });
  await recovered(deps).catch((error: unknown) => {
    deps.logger.warn('could not record the recovery of a degraded contract; the staleness checker will', {
      error: (error as Error).name,
    });
  });
  return { outcome: 'synced', version: entity.version, attempts: claimed.attempts };
}

/** Takes the path a failure's class asks for. Throws for transient failures (Lambda retries). */
async function fail(
  deps: SyncDeps,
  parsed: Parsed,
  record: SyncRecord | undefined,
  claimed: SyncRecord | undefined,
  invocation: Invocation,
  error: SyncError,
): Promise<SyncOutcome> {
  const { event, entity, key } = parsed;
  const now = deps.now();
  const transient = error.failureClass === 'transient';
  const attempts =
    claimed?.attempts ??
    (record?.eventId === event.id && record.version === entity.version ? record.attempts + 1 : 1);
  // Lambda runs an event 1 + retries times; after the last failure it goes to the dead-letter queue.
  const lastAttempt = transient && attempts > deps.tier.retries.lambda.attempts;
  const next = failureRecord(record, claimed, key, {
    version: entity.version,
    eventId: event.id,
    requestId: invocation.requestId,
    now,
    failureClass: error.failureClass,
    reason: error.message,
    deadLettered: !transient || lastAttempt,
  });
  try {
    await deps.store.write(next, claimed ? claimed.rev : record?.rev);
  } catch (conflict) {
    if (!(conflict instanceof StateConflictError)) throw conflict;
    if (claimed) return skipped(deps, 'superseded'); // a newer delivery took over after our lease
    throw conflict; // not claimed yet: read again
  }

  if (transient) {
    deps.metrics.addMetric(SYNC_METRICS.transient, MetricUnit.Count, 1);
    const targetFault = /^(http-|timeout|connection-|eventbridge-)/.test(error.code);
    const health = targetFault ? await deps.health.recordFailure(now, error.message) : undefined;
    deps.logger.warn('transient failure: retrying', {
      outcome: 'transient',
      failureClass: 'transient',
      code: error.code,
      reason: error.message,
      error: { name: error.name, message: error.message, code: error.code },
      attempt: attempts,
      lastAttempt,
      degraded: health?.degraded ?? false,
    });
    throw error;
  }

  await sendToDeadLetterQueue(deps, event, invocation, error, attempts, { type: entity.type, id: entity.id });
  deps.metrics.addMetric(
    error.failureClass === 'config' ? SYNC_METRICS.config : SYNC_METRICS.permanent,
    MetricUnit.Count,
    1,
  );
  deps.logger.error('dead-lettered without retries', {
    outcome: error.failureClass,
    failureClass: error.failureClass,
    code: error.code,
    reason: error.message,
    error: { name: error.name, message: error.message, code: error.code },
  });
  return {
    outcome: 'dead-lettered',
    failureClass: error.failureClass as 'permanent' | 'config',
    code: error.code,
  };
}

/** An event without a usable entity cannot have a state record: straight to the dead-letter queue. */
async function deadLetterUnkeyed(
  deps: SyncDeps,
  event: unknown,
  invocation: Invocation,
  error: PermanentSyncError | ConfigSyncError,
): Promise<SyncOutcome> {
  await sendToDeadLetterQueue(deps, event, invocation, error, 1, undefined);
  deps.metrics.addMetric(SYNC_METRICS.permanent, MetricUnit.Count, 1);
  deps.logger.error('dead-lettered without retries', {
    outcome: 'permanent',
    failureClass: 'permanent',
    code: error.code,
    reason: error.message,
    error: { name: error.name, message: error.message, code: error.code },
  });
  return { outcome: 'dead-lettered', failureClass: 'permanent', code: error.code };
}

async function sendToDeadLetterQueue(
  deps: SyncDeps,
  event: unknown,
  invocation: Invocation,
  error: SyncError,
  attempts: number,
  entity: { type: string; id: string } | undefined,
): Promise<void> {
  const failureClass = error.failureClass === 'config' ? 'config' : 'permanent';
  const record = handlerDeadLetter({
    event,
    requestId: invocation.requestId,
    functionArn: invocation.functionArn,
    failureClass,
    errorType: error.name,
    errorMessage: error.message,
    attempts,
    now: deps.now(),
  });
  const attributes: Record<string, string> = {
    [DEAD_LETTER_ATTRIBUTES.contract]: deps.contract.id,
    [DEAD_LETTER_ATTRIBUTES.failureClass]: failureClass,
  };
  if (entity) {
    attributes[DEAD_LETTER_ATTRIBUTES.entityType] = entity.type;
    attributes[DEAD_LETTER_ATTRIBUTES.entityId] = entity.id;
  }
  try {
    await deps.deadLetters.send({ body: JSON.stringify(record), attributes });
  } catch (sendError) {
    // Never lose the event: if it cannot be dead-lettered, fail the run so Lambda retries it.
    throw new TransientSyncError(
      'dead-letter-unavailable',
      'the dead-letter queue did not accept the event',
      { cause: sendError },
    );
  }
}

function skipped(deps: SyncDeps, reason: 'older' | 'duplicate' | 'superseded'): SyncOutcome {
  deps.metrics.addMetric(SYNC_METRICS.skipped, MetricUnit.Count, 1);
  deps.logger.info('skipped', { outcome: 'skipped', reason });
  return { outcome: 'skipped', reason };
}

/** After a success: clear a degraded flag and announce the recovery (auto-redrive listens). */
async function recovered(deps: SyncDeps): Promise<void> {
  const recovery = await deps.health.recordSuccess(deps.now());
  if (!recovery) return;
  deps.logger.info('target recovered', { degradedSince: recovery.degradedSince });
  try {
    await deps.publisher.putEvents([
      {
        busName: deps.busName,
        source: RECOVERY_EVENT.source,
        detailType: RECOVERY_EVENT.detailType,
        detail: { contractId: deps.contract.id, tier: deps.contract.tier, ...recovery },
      },
    ]);
  } catch (error) {
    // The sync succeeded; only the automatic redrive is missed. Dead letters stay and alarm.
    deps.logger.warn('could not announce the recovery; redrive the dead letters by hand', {
      error: (error as Error).name,
    });
  }
}

/** Time a delivery needs: the target's timeout, the lease margin and a second for the writes. */
function requiredMs(deps: SyncDeps): number {
  return deps.contract.target.timeoutSeconds * 1000 + (deps.leaseMarginMs ?? LEASE_MARGIN_MS) + 1000;
}

function contractMapping(contract: ContractPlan) {
  return contract.target.adapter === 'http' ? contract.target.body : contract.target.detail;
}

/** The entity as logs show it: its id, or a hash when the contract declares the id as personal data. */
export function entityRefForLogs(contract: ContractPlan, entity: EntityRef): string {
  const idIsPersonal = contract.personalData.some(
    (path) => path === contract.entity.id || contract.entity.id.startsWith(`${path}.`),
  );
  if (!idIsPersonal) return `${entity.type}/${entity.id}`;
  return `${entity.type}/sha256:${createHash('sha256').update(`${entity.type}:${entity.id}`).digest('hex').slice(0, 16)}`;
}

interface Envelope {
  event?: Record<string, unknown> & { id: string; time?: string };
  id?: string;
  correlationId?: string;
  problem?: string;
}

/** Checks the EventBridge envelope: an object with id, source, detail-type and an object detail. */
function readEnvelope(raw: unknown): Envelope {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { problem: 'the event is not a JSON object' };
  const event = raw as Record<string, unknown>;
  const id = typeof event.id === 'string' && event.id.length > 0 ? event.id : undefined;
  const detail = event.detail;
  const correlation =
    detail && typeof detail === 'object' ? (detail as Record<string, unknown>).correlationId : undefined;
  const correlationId = typeof correlation === 'string' ? correlation.slice(0, 128) : undefined;
  const missing = [
    id ? undefined : 'id',
    typeof event.source === 'string' ? undefined : 'source',
    typeof event['detail-type'] === 'string' ? undefined : 'detail-type',
    detail !== null && typeof detail === 'object' && !Array.isArray(detail)
      ? undefined
      : 'detail (an object)',
  ].filter(Boolean);
  if (missing.length > 0 || !id)
    return { id, correlationId, problem: `the EventBridge envelope is missing ${missing.join(', ')}` };
  return { event: { ...event, id }, id, correlationId };
}
