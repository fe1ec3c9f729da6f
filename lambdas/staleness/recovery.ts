/**
 * The fallback that clears a degraded flag when no sync handler container that saw the failures
 * is left to clear it on its first success: for each degraded contract, one Query on the
 * `byContract` index for a confirmed success (in sync, its lease over) after `degradedSince`.
 * When one exists, the flag is cleared (conditionally, so a concurrent clear wins once) and the
 * recovery announced, exactly as the sync handler does, so auto-redrive follows.
 * Cost per run: one Query (Limit 10) per degraded contract; nothing for healthy ones.
 */
import { RECOVERY_EVENT } from '../../lib/plan/constants.js';
import type { EventPublisher } from '../commons/aws.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { INDEXES, keys, type SyncRecord } from '../commons/records.js';

export interface RecoveryInput {
  ddb: Pick<DynamoDoc, 'query' | 'update'>;
  tableName: string;
  /** Degraded contracts: id → degradedSince (ISO-8601). */
  degraded: Map<string, string>;
  tiers: Map<string, string>;
  now: Date;
  publisher: EventPublisher;
  busName: string;
}

export interface Recovered {
  contractId: string;
  degradedSince: string;
  recoveredAt: string;
}

/** Clears the flag of degraded contracts that have succeeded since; returns those it cleared. */
export async function recoverDegraded(input: RecoveryInput): Promise<Recovered[]> {
  const recovered: Recovered[] = [];
  for (const [contractId, degradedSince] of input.degraded) {
    const page = await input.ddb.query({
      TableName: input.tableName,
      IndexName: INDEXES.byContract,
      KeyConditionExpression: 'contractId = :contract AND syncedAt > :since',
      ExpressionAttributeValues: { ':contract': contractId, ':since': degradedSince },
      ExpressionAttributeNames: { '#state': 'state' },
      ProjectionExpression: '#state, leaseUntil, syncedAt',
      ScanIndexForward: false,
      Limit: 10,
    });
    // A claim says in_sync before its send finishes: only a claim whose lease is over is a success.
    const confirmed = ((page.Items ?? []) as Array<Pick<SyncRecord, 'state' | 'leaseUntil'>>).some(
      (item) => item.state === 'in_sync' && item.leaseUntil < input.now.getTime(),
    );
    if (!confirmed) continue;
    try {
      await input.ddb.update({
        TableName: input.tableName,
        Key: keys.health(contractId),
        UpdateExpression: 'REMOVE degradedSince SET failures = :zero, windowStart = :now, recoveredAt = :at',
        ConditionExpression: 'degradedSince = :since',
        ExpressionAttributeValues: {
          ':zero': 0,
          ':now': input.now.getTime(),
          ':at': input.now.toISOString(),
          ':since': degradedSince,
        },
      });
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') continue; // cleared elsewhere
      throw error;
    }
    const recoveredAt = input.now.toISOString();
    recovered.push({ contractId, degradedSince, recoveredAt });
    await input.publisher.putEvents([
      {
        busName: input.busName,
        source: RECOVERY_EVENT.source,
        detailType: RECOVERY_EVENT.detailType,
        detail: {
          contractId,
          tier: input.tiers.get(contractId),
          degradedSince,
          recoveredAt,
          clearedBy: 'staleness-checker',
        },
      },
    ]);
  }
  return recovered;
}
