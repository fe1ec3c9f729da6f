/**
 * Target health per contract: repeated transient failures of the target within a window mark the
 * contract `degraded`; the first success afterwards clears it and announces the recovery (which
 * triggers auto-redrive of transient dead letters for tiers that allow it).
 *
 * Cheap by design: failures (already off the happy path) update a counter; the happy path reads
 * and writes nothing here. Each container remembers whether its own failures degraded the
 * contract, so its first success clears the flag at once. When the containers that saw the
 * failures are gone, the staleness checker clears the flag instead, as soon as the byContract
 * index shows a success after `degradedSince` (within one checker run).
 */
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { type HealthRecord, keys } from '../commons/records.js';

export interface HealthSettings {
  contractId: string;
  failures: number;
  windowSeconds: number;
}

export interface FailureOutcome {
  /** The contract is degraded after this failure. */
  degraded: boolean;
  /** This failure is the one that made it degraded. */
  becameDegraded: boolean;
  failures: number;
}

export interface Recovery {
  degradedSince: string;
  recoveredAt: string;
}

export class HealthTracker {
  /** Whether this container's own failures left the contract degraded. */
  private degraded = false;

  constructor(
    private readonly dynamo: Pick<DynamoDoc, 'update'>,
    private readonly tableName: string,
    private readonly settings: HealthSettings,
  ) {}

  /** Counts a transient target failure; marks the contract degraded at the threshold. */
  async recordFailure(now: Date, reason: string): Promise<FailureOutcome> {
    const key = keys.health(this.settings.contractId);
    const nowMs = now.getTime();
    const cutoff = nowMs - this.settings.windowSeconds * 1000;
    let record: HealthRecord | undefined;
    try {
      // Count within the current window...
      const out = await this.dynamo.update({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'ADD failures :one SET lastFailureAt = :at, lastFailureReason = :reason',
        ConditionExpression: 'windowStart >= :cutoff',
        ExpressionAttributeValues: {
          ':one': 1,
          ':at': now.toISOString(),
          ':reason': reason,
          ':cutoff': cutoff,
        },
        ReturnValues: 'ALL_NEW',
      });
      record = out.Attributes as HealthRecord;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      // ...or start a new window (no record yet, or the window has passed).
      const out = await this.dynamo.update({
        TableName: this.tableName,
        Key: key,
        UpdateExpression:
          'SET failures = :one, windowStart = :now, contractId = :id, lastFailureAt = :at, lastFailureReason = :reason',
        ExpressionAttributeValues: {
          ':one': 1,
          ':now': nowMs,
          ':id': this.settings.contractId,
          ':at': now.toISOString(),
          ':reason': reason,
        },
        ReturnValues: 'ALL_NEW',
      });
      record = out.Attributes as HealthRecord;
    }
    let becameDegraded = false;
    if (!record.degradedSince && record.failures >= this.settings.failures) {
      try {
        await this.dynamo.update({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET degradedSince = :at',
          ConditionExpression: 'attribute_not_exists(degradedSince)',
          ExpressionAttributeValues: { ':at': now.toISOString() },
        });
        becameDegraded = true;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
    const degraded = becameDegraded || record.degradedSince !== undefined;
    this.degraded = degraded;
    return { degraded, becameDegraded, failures: record.failures };
  }

  /** Called after a success: clears the degraded flag this container saw set; returns the recovery when it did. */
  async recordSuccess(now: Date): Promise<Recovery | undefined> {
    const nowMs = now.getTime();
    if (!this.degraded) return undefined;
    this.degraded = false;
    try {
      const out = await this.dynamo.update({
        TableName: this.tableName,
        Key: keys.health(this.settings.contractId),
        UpdateExpression: 'REMOVE degradedSince SET failures = :zero, windowStart = :now, recoveredAt = :at',
        ConditionExpression: 'attribute_exists(degradedSince)',
        ExpressionAttributeValues: { ':zero': 0, ':now': nowMs, ':at': now.toISOString() },
        ReturnValues: 'ALL_OLD',
      });
      const old = out.Attributes as HealthRecord | undefined;
      return old?.degradedSince
        ? { degradedSince: old.degradedSince, recoveredAt: now.toISOString() }
        : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined; // cleared elsewhere
      throw error;
    }
  }
}
