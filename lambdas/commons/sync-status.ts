/**
 * What support sees for one entity and contract, derived from the stored record, the contract's
 * health and the clock. One rule, used by the status API and the staleness checker alike.
 *
 * Stored states are in_sync, retrying and failed; `stale` and `degraded` are derived:
 * - failed:   the change was dead-lettered (permanent, config, or retries exhausted);
 * - stale:    a change has waited longer than the contract's staleness SLO and is still not synced;
 * - degraded: a change is being retried and the contract's target is degraded;
 * - retrying: a change is being retried within the SLO;
 * - in_sync:  the latest known change was delivered;
 * - unknown:  handoff has never seen a change of this entity for this contract.
 */
import type { HealthRecord, SyncRecord } from './records.js';

export type SupportState = 'in_sync' | 'retrying' | 'degraded' | 'stale' | 'failed' | 'unknown';

/** Derives the state support sees. `sloSeconds` is the contract's staleness SLO. */
export function supportState(
  record: Pick<SyncRecord, 'state' | 'pendingSince'> | undefined,
  health: Pick<HealthRecord, 'degradedSince'> | undefined,
  sloSeconds: number,
  now: Date,
): SupportState {
  if (!record) return 'unknown';
  if (record.state === 'in_sync') return 'in_sync';
  if (record.state === 'failed') return 'failed';
  if (isStale(record, sloSeconds, now)) return 'stale';
  return health?.degradedSince ? 'degraded' : 'retrying';
}

/** Whether a change has waited longer than the SLO without being synced. */
export function isStale(
  record: Pick<SyncRecord, 'state' | 'pendingSince'>,
  sloSeconds: number,
  now: Date,
): boolean {
  if (record.state === 'in_sync' || !record.pendingSince) return false;
  return now.getTime() - Date.parse(record.pendingSince) > sloSeconds * 1000;
}

/** The newest `pendingSince` that is already stale: entities pending since before it are stale. */
export function staleCutoff(sloSeconds: number, now: Date): string {
  return new Date(now.getTime() - sloSeconds * 1000).toISOString();
}
