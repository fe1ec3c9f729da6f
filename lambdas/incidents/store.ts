/**
 * Opening and resolving incidents in the operations table, one open incident per alarm, without
 * transactions (dynalite has none, and none are needed):
 *
 * - open: conditional put of the alarm's lock `ALARM#<name>`/`OPEN` (only if absent), then a
 *   conditional put of the incident (only if absent). Every step may be repeated: the incident id
 *   comes from the alarm name and the time it went off, so a retry after a crash between the two
 *   puts finds its own lock and writes the missing incident; a lock left by a crash names its
 *   incident and its opening time, so the incident can always be rebuilt.
 * - resolve: mark the lock's incident resolved (keeping the first resolvedAt), then delete the lock
 *   only if it still names that incident. A crash between the two leaves a lock whose incident is
 *   resolved: the next ALARM removes it and opens a new incident.
 */
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { type AlarmLockRecord, type IncidentRecord, KINDS, keys } from '../commons/records.js';

/** What happened to an alarm state change. */
export type IncidentOutcome =
  | { action: 'opened'; incidentId: string }
  | { action: 'already-open'; incidentId: string }
  | { action: 'resolved'; incidentId: string }
  | { action: 'no-open-incident' }
  | { action: 'ignored'; reason: string };

export interface IncidentStore {
  ddb: Pick<DynamoDoc, 'get' | 'put' | 'update' | 'delete'>;
  /** The operations table. */
  tableName: string;
}

/** The lock and the incident disagreed more times than a race explains. */
export class IncidentConflictError extends Error {
  override readonly name = 'IncidentConflictError';
}

const ATTEMPTS = 3;

/**
 * Opens `incident` unless its alarm already has an open incident. `rebuild` recreates the incident
 * a lock names when a crash left the lock without it.
 */
export async function openIncident(
  store: IncidentStore,
  incident: IncidentRecord,
  rebuild: (id: string, openedAt: string) => IncidentRecord,
): Promise<IncidentOutcome> {
  const lockKey = keys.alarmLock(incident.alarmName);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const lock: AlarmLockRecord = {
      ...lockKey,
      sk: 'OPEN',
      incidentId: incident.id,
      openedAt: incident.openedAt,
    };
    if (await putIfAbsent(store, lock)) {
      await putIfAbsent(store, incident);
      return { action: 'opened', incidentId: incident.id };
    }
    const existing = await getItem<AlarmLockRecord>(store, lockKey);
    if (!existing) continue; // resolved meanwhile: try to take the lock again
    if (existing.incidentId === incident.id) {
      // This very alarm event again (retry or duplicate delivery): finish what it started.
      await putIfAbsent(store, incident);
      return { action: 'opened', incidentId: incident.id };
    }
    const current = await getItem<IncidentRecord>(store, keys.incident(existing.incidentId));
    if (!current) {
      await putIfAbsent(store, rebuild(existing.incidentId, existing.openedAt));
      return { action: 'already-open', incidentId: existing.incidentId };
    }
    if (current.state === 'open') return { action: 'already-open', incidentId: existing.incidentId };
    // A lock left behind by a resolve that stopped before deleting it: remove it, then retry.
    await deleteLockOf(store, incident.alarmName, existing.incidentId);
  }
  throw new IncidentConflictError(
    `could not open an incident for alarm ${incident.alarmName}: its lock kept changing`,
  );
}

/**
 * Resolves the alarm's open incident at `resolvedAt`. `rebuild` recreates the incident if a crash
 * left only the lock (undefined when the alarm is no longer in the plan).
 */
export async function resolveIncident(
  store: IncidentStore,
  alarmName: string,
  resolvedAt: string,
  rebuild?: (id: string, openedAt: string) => IncidentRecord,
): Promise<IncidentOutcome> {
  const lock = await getItem<AlarmLockRecord>(store, keys.alarmLock(alarmName));
  if (!lock) return { action: 'no-open-incident' };
  if (resolvedAt < lock.openedAt) {
    // Events can arrive out of order; an OK from before the alarm went off resolves nothing.
    return { action: 'ignored', reason: 'the OK state is older than the open incident' };
  }
  try {
    await store.ddb.update({
      TableName: store.tableName,
      Key: keys.incident(lock.incidentId),
      UpdateExpression: 'SET #state = :resolved, kind = :kind, resolvedAt = if_not_exists(resolvedAt, :at)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':resolved': 'resolved',
        ':kind': KINDS.resolvedIncident,
        ':at': resolvedAt,
      },
    });
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    if (rebuild) {
      const incident: IncidentRecord = {
        ...rebuild(lock.incidentId, lock.openedAt),
        state: 'resolved',
        kind: KINDS.resolvedIncident,
        resolvedAt,
      };
      await putIfAbsent(store, incident);
    }
  }
  await deleteLockOf(store, alarmName, lock.incidentId);
  return { action: 'resolved', incidentId: lock.incidentId };
}

async function deleteLockOf(store: IncidentStore, alarmName: string, incidentId: string): Promise<void> {
  try {
    await store.ddb.delete({
      TableName: store.tableName,
      Key: keys.alarmLock(alarmName),
      ConditionExpression: 'incidentId = :id',
      ExpressionAttributeValues: { ':id': incidentId },
    });
  } catch (error) {
    // Someone else removed it, or it names a newer incident now: either way it is not ours.
    if (!isConditionFailure(error)) throw error;
  }
}

/** Puts the item unless one with its key exists; true when written. */
async function putIfAbsent(store: IncidentStore, item: { pk: string; sk: string }): Promise<boolean> {
  try {
    await store.ddb.put({
      TableName: store.tableName,
      Item: item,
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

async function getItem<T>(store: IncidentStore, key: { pk: string; sk: string }): Promise<T | undefined> {
  const answer = await store.ddb.get({ TableName: store.tableName, Key: key, ConsistentRead: true });
  return answer.Item as T | undefined;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
