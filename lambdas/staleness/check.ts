/**
 * The staleness check: per contract, how many entities are stale (a change waited longer than the
 * contract's staleness SLO and is still being retried), how many failed (dead-lettered), and
 * whether the contract's target is degraded. The same rule as the status API (`supportState`).
 *
 * Cost per run, for C contracts with U_c unsynced entities each, is bounded by the unsynced
 * entities, never by the table size (entities in sync are not in the sparse `unsynced` index):
 * - Query: one per contract on `unsynced` (one more per further 1 MB page of a contract's
 *   unsynced items), projecting two attributes;
 * - BatchGetItem: ceil(C / 100) for the HEALTH records (plus retries of unprocessed keys);
 * - read capacity: sum over contracts of ceil(size of U_c / 4 KB) / 2, plus C / 2
 *   (eventually consistent reads).
 * One projected Query is used instead of two `Select: COUNT` queries (stale, failed): DynamoDB
 * charges for every item a query reads, filtered or not, so two counts would read the same items
 * twice; projecting `state` and `pendingSince` keeps the response small instead.
 */

import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { mapLimit } from '../commons/map-limit.js';
import { INDEXES, keys, type SyncRecord } from '../commons/records.js';
import { supportState } from '../commons/sync-status.js';

/** BatchGetItem's limit on keys per request. */
const BATCH_GET_MAX_KEYS = 100;
/** Contracts queried at the same time: keeps a run well within its timeout without bursting. */
const QUERY_CONCURRENCY = 8;
/** Attempts at keys DynamoDB left unprocessed (throttling) before the run fails. */
const UNPROCESSED_ATTEMPTS = 5;

/** One contract's figures. */
export interface ContractStaleness {
  contractId: string;
  tier: string;
  stale: number;
  failed: number;
  /** Entities not in sync: retrying (within or beyond the SLO) or failed. */
  unsynced: number;
  degraded: boolean;
  /** The oldest change still waiting, if any (ISO-8601). */
  oldestPendingSince?: string;
}

export interface StalenessSummary {
  checkedAt: string;
  contracts: ContractStaleness[];
  totals: { stale: number; failed: number; unsynced: number; degraded: number };
  /** DynamoDB requests made: the run's cost, for the log. */
  requests: { query: number; batchGetItem: number };
  /** Degraded contracts by id, with their degradedSince (for the recovery fallback). */
  degradedSince: Map<string, string>;
}

export interface StalenessCheckInput {
  ddb: Pick<DynamoDoc, 'query' | 'batchGet'>;
  /** The sync-state table. */
  tableName: string;
  plan: Pick<RuntimePlan, 'contracts'>;
  now: Date;
}

/** The HEALTH records could not be read completely (DynamoDB kept throttling). */
export class StalenessCheckError extends Error {
  override readonly name = 'StalenessCheckError';
}

/** Runs the check for every contract in the plan. */
export async function checkStaleness(input: StalenessCheckInput): Promise<StalenessSummary> {
  const requests = { query: 0, batchGetItem: 0 };
  const degraded = await degradedContracts(input, requests);
  const contracts = await mapLimit(input.plan.contracts, QUERY_CONCURRENCY, async (contract) => {
    let stale = 0;
    let failed = 0;
    let unsynced = 0;
    let oldest: string | undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      requests.query++;
      const page = await input.ddb.query({
        TableName: input.tableName,
        IndexName: INDEXES.unsynced,
        KeyConditionExpression: 'unsyncedContract = :contract',
        ExpressionAttributeValues: { ':contract': contract.id },
        ExpressionAttributeNames: { '#state': 'state' },
        ProjectionExpression: '#state, pendingSince',
        ExclusiveStartKey: startKey,
      });
      for (const item of (page.Items ?? []) as Array<Pick<SyncRecord, 'state' | 'pendingSince'>>) {
        const state = supportState(item, undefined, contract.stalenessSloSeconds, input.now);
        if (state === 'in_sync') continue;
        unsynced++;
        if (state === 'stale') stale++;
        else if (state === 'failed') failed++;
        if (item.pendingSince && (!oldest || item.pendingSince < oldest)) oldest = item.pendingSince;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return {
      contractId: contract.id,
      tier: contract.tier,
      stale,
      failed,
      unsynced,
      degraded: degraded.has(contract.id),
      ...(oldest ? { oldestPendingSince: oldest } : {}),
    };
  });
  return {
    checkedAt: input.now.toISOString(),
    contracts,
    totals: {
      stale: sum(contracts, (c) => c.stale),
      failed: sum(contracts, (c) => c.failed),
      unsynced: sum(contracts, (c) => c.unsynced),
      degraded: sum(contracts, (c) => (c.degraded ? 1 : 0)),
    },
    requests,
    degradedSince: degraded,
  };
}

/** Contract ids whose HEALTH record says degraded, read with BatchGetItem (100 keys a request). */
async function degradedContracts(
  input: StalenessCheckInput,
  requests: StalenessSummary['requests'],
): Promise<Map<string, string>> {
  const degraded = new Map<string, string>();
  const ids = input.plan.contracts.map((c) => c.id);
  for (let i = 0; i < ids.length; i += BATCH_GET_MAX_KEYS) {
    let pending: Array<Record<string, unknown>> = ids.slice(i, i + BATCH_GET_MAX_KEYS).map(keys.health);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= UNPROCESSED_ATTEMPTS) {
        throw new StalenessCheckError(
          `${pending.length} contract health records stayed unprocessed after ${UNPROCESSED_ATTEMPTS} attempts`,
        );
      }
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      requests.batchGetItem++;
      const answer = await input.ddb.batchGet({
        RequestItems: {
          [input.tableName]: { Keys: pending, ProjectionExpression: 'contractId, degradedSince' },
        },
      });
      for (const item of answer.Responses?.[input.tableName] ?? []) {
        if (typeof item.contractId === 'string' && typeof item.degradedSince === 'string')
          degraded.set(item.contractId, item.degradedSince);
      }
      pending = answer.UnprocessedKeys?.[input.tableName]?.Keys ?? [];
    }
  }
  return degraded;
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}
