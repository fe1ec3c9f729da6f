/**
 * Per-entity sync state, and the rule that makes each change reach the target at most once per
 * version, in version order, even when EventBridge and Lambda deliver twice, late or concurrently.
 *
 * ## Mechanism: a claim that is also the commit, guarded by a lease
 *
 * Every delivery reads the entity's record (one strongly consistent GetItem) and decides (`decide`):
 * - an event whose version is older than the record's is skipped: no call, no write;
 * - an event whose version equals an already synced version, from another event, is a duplicate:
 *   skipped, no call, no write;
 * - while another event holds the entity's lease (`leaseUntil` in the future), the delivery waits
 *   for it to end and reads again: sends for one entity never overlap;
 * - otherwise it claims the entity with ONE conditional write (PutItem, condition `rev = :read`,
 *   compare-and-swap): the record now says `in_sync` at this version, and holds a lease that
 *   outlasts the target request (timeout + margin). Then it calls the target.
 *
 * On success nothing more is written: the claim already recorded the outcome, so the happy path is
 * one read and one write. The price is that a delivery arriving during a lease waits for it to end
 * (polling the record); so when an entity is hot (the delivery itself waited, the record was
 * written within the last lease, or the entity is new), the holder releases the lease after its
 * send with a second write, and a burst of updates to one entity flows at the target's pace.
 *
 * On failure the handler rewrites the record (conditional on its own claim):
 * transient failures keep the claimed version (so an older event cannot overwrite it later) and
 * release the lease; permanent and config failures restore the previous version, because the target
 * did not take the change.
 *
 * Why this is enough: sends for one entity are serialised by the lease, and an older version is
 * never sent once a newer one is claimed, so the target's last write is always the newest version
 * claimed. A lost race shows up as a failed compare-and-swap, and the loser reads again. The lease
 * assumes clocks that agree within the margin and no pause of the claimant beyond it (the usual
 * limit of leases); targets that honour `X-Handoff-Version` (answering 412 to older versions) are
 * safe even then.
 *
 * A delivery of the very event that holds the claim (same event id) is sent again: after a crash
 * between claim and send it is the retry that must happen; after a success it re-sends the same
 * version, which an upsert target absorbs.
 */
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { keys, type SyncRecord } from '../commons/records.js';

/** What to do with an event, given the entity's record. */
export type Decision =
  | { action: 'skip'; reason: 'older' | 'duplicate' }
  | { action: 'wait'; untilMs: number }
  | { action: 'proceed' };

/** The decision rule (pure). `now` in epoch ms. */
export function decide(
  record: SyncRecord | undefined,
  event: { id: string; version: number },
  now: number,
): Decision {
  if (!record) return { action: 'proceed' };
  if (record.version !== undefined && event.version < record.version)
    return { action: 'skip', reason: 'older' };
  if (record.version === event.version && record.state === 'in_sync' && record.eventId !== event.id) {
    return { action: 'skip', reason: 'duplicate' };
  }
  if (record.leaseUntil > now && record.eventId !== event.id)
    return { action: 'wait', untilMs: record.leaseUntil };
  return { action: 'proceed' };
}

/** A conditional write lost a race: someone else changed the record since it was read. */
export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
}

export interface EntityKey {
  contractId: string;
  entityType: string;
  entityId: string;
}

/** DynamoDB access for sync records: one read, and conditional whole-record writes. */
export class SyncStateStore {
  constructor(
    private readonly dynamo: Pick<DynamoDoc, 'get' | 'put' | 'update'>,
    private readonly tableName: string,
  ) {}

  /** Reads the record (strongly consistent: a stale read could skip a change that must be sent). */
  read(key: EntityKey): Promise<SyncRecord | undefined> {
    return this.readItem(keys.entity(key.entityType, key.entityId), keys.contract(key.contractId));
  }

  /**
   * Writes a whole record if the stored one is still `expectedRev` (undefined: no record yet).
   * Throws StateConflictError when it changed meanwhile.
   *
   * The client retries a put whose answer was lost (a reset, a per-attempt timeout). If the first
   * attempt landed, the retry's condition fails against our own write: reading the record back
   * (only then) tells that apart from a real conflict, which would otherwise skip a dead letter or
   * a retry that must happen.
   */
  async write(record: SyncRecord, expectedRev: number | undefined): Promise<void> {
    try {
      await this.dynamo.put({
        TableName: this.tableName,
        Item: record,
        ConditionExpression: expectedRev === undefined ? 'attribute_not_exists(pk)' : '#rev = :rev',
        ...(expectedRev === undefined
          ? {}
          : {
              ExpressionAttributeNames: { '#rev': 'rev' },
              ExpressionAttributeValues: { ':rev': expectedRev },
            }),
      });
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        const stored = await this.readItem(record.pk, record.sk);
        if (stored && isSameWrite(stored, record)) return;
        throw new StateConflictError('the sync record changed while this delivery was deciding', {
          cause: error,
        });
      }
      throw error;
    }
  }

  private async readItem(pk: string, sk: string): Promise<SyncRecord | undefined> {
    const out = await this.dynamo.get({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true });
    return out.Item as SyncRecord | undefined;
  }

  /**
   * Ends a successful claim's lease early so waiting deliveries proceed. Only if the record is
   * still that claim; a lost race means someone else already moved on, which is fine.
   */
  async release(claimed: Releasable): Promise<void> {
    try {
      await this.dynamo.update({
        TableName: this.tableName,
        Key: { pk: claimed.pk, sk: claimed.sk },
        UpdateExpression: 'SET leaseUntil = :zero, #rev = :next',
        ConditionExpression: '#rev = :rev',
        ExpressionAttributeNames: { '#rev': 'rev' },
        ExpressionAttributeValues: { ':zero': 0, ':rev': claimed.rev, ':next': claimed.rev + 1 },
      });
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}

export interface Releasable {
  pk: string;
  sk: string;
  rev: number;
}

/** Extends SyncStateStore: ends a successful claim's lease early (only for hot entities). */
export interface LeaseRelease {
  release(claimed: Releasable): Promise<void>;
}

/** Builds the record a claim writes: in sync at the event's version, leased until `leaseUntil`. */
export function claimRecord(
  previous: SyncRecord | undefined,
  key: EntityKey,
  claim: { version: number; eventId: string; requestId: string; now: Date; leaseUntil: number },
): SyncRecord {
  const sameAttempt = previous?.version === claim.version && previous.eventId === claim.eventId;
  const at = claim.now.toISOString();
  return {
    pk: keys.entity(key.entityType, key.entityId),
    sk: keys.contract(key.contractId),
    contractId: key.contractId,
    entityType: key.entityType,
    entityId: key.entityId,
    state: 'in_sync',
    version: claim.version,
    syncedVersion: claim.version,
    syncedAt: at,
    eventId: claim.eventId,
    requestId: claim.requestId,
    leaseUntil: claim.leaseUntil,
    attempts: sameAttempt ? (previous?.attempts ?? 0) + 1 : 1,
    // Kept while a change is outstanding, so a failure after this claim knows when it began.
    ...(previous && previous.state !== 'in_sync' && previous.pendingSince
      ? { pendingSince: previous.pendingSince }
      : {}),
    updatedAt: at,
    rev: (previous?.rev ?? 0) + 1,
  };
}

/** Builds the record after a failed delivery. */
export function failureRecord(
  previous: SyncRecord | undefined,
  claimed: SyncRecord | undefined,
  key: EntityKey,
  failure: {
    version: number;
    eventId: string;
    requestId: string;
    now: Date;
    failureClass: 'transient' | 'permanent' | 'config';
    reason: string;
    /** Retries are over (transient) or the change will not be retried (permanent/config): it is in the dead-letter queue. */
    deadLettered: boolean;
  },
): SyncRecord {
  const at = failure.now.toISOString();
  const base = claimed ?? previous;
  const rejected = failure.failureClass !== 'transient';
  // A rejected change never reached the target: the highest delivered version stays what it was.
  const version = rejected ? previous?.version : failure.version;
  const pendingSince =
    previous && previous.state !== 'in_sync' && previous.pendingSince
      ? previous.pendingSince
      : (claimed?.syncedAt ?? at);
  const record: SyncRecord = {
    pk: keys.entity(key.entityType, key.entityId),
    sk: keys.contract(key.contractId),
    contractId: key.contractId,
    entityType: key.entityType,
    entityId: key.entityId,
    state: failure.deadLettered ? 'failed' : 'retrying',
    eventId: failure.eventId,
    requestId: failure.requestId,
    leaseUntil: 0,
    attempts:
      claimed?.attempts ?? (previous?.eventId === failure.eventId ? (previous?.attempts ?? 0) + 1 : 1),
    pendingSince,
    unsyncedContract: key.contractId,
    failureClass: failure.failureClass,
    failureReason: failure.reason,
    failedAt: at,
    deadLettered: failure.deadLettered,
    updatedAt: at,
    rev: (base?.rev ?? 0) + 1,
  };
  if (version !== undefined) record.version = version;
  if (rejected) record.failedVersion = failure.version;
  if (previous?.syncedVersion !== undefined) record.syncedVersion = previous.syncedVersion;
  if (previous?.syncedAt !== undefined) record.syncedAt = previous.syncedAt;
  return record;
}

/** True when `stored` is `written` itself: the same revision, written by the same invocation at the same moment. */
function isSameWrite(stored: SyncRecord, written: SyncRecord): boolean {
  return (
    stored.rev === written.rev &&
    stored.requestId === written.requestId &&
    stored.eventId === written.eventId &&
    stored.updatedAt === written.updatedAt &&
    stored.state === written.state &&
    stored.version === written.version
  );
}
