/**
 * Ownership from the contracts, written into the operations table on every deploy, so the status
 * API (and anyone querying the table) never disagrees with git: every team, system and contract of
 * the plan is written with the plan's fingerprint, then items of those kinds that are no longer in
 * the plan are deleted. Writes come first, so readers never see an empty ownership set.
 */
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import {
  INDEXES,
  KINDS,
  keys,
  type OwnershipContractRecord,
  type OwnershipSystemRecord,
  type OwnershipTeamRecord,
} from '../commons/records.js';

/** Writes in flight at once: quick for hundreds of items, gentle on an on-demand table. */
const WRITE_CONCURRENCY = 10;

export type OwnershipRecord = OwnershipTeamRecord | OwnershipSystemRecord | OwnershipContractRecord;

export interface OwnershipDeps {
  ddb: Pick<DynamoDoc, 'put' | 'query' | 'delete'>;
  /** The operations table. */
  tableName: string;
}

export type OwnershipPlan = Pick<RuntimePlan, 'fingerprint' | 'teams' | 'systems' | 'contracts'>;

export interface OwnershipSyncResult {
  fingerprint: string;
  written: { teams: number; systems: number; contracts: number };
  /** Keys (pk) of items removed because the plan no longer has them. */
  deleted: string[];
}

/** The ownership items a plan stands for. */
export function ownershipRecords(plan: OwnershipPlan): OwnershipRecord[] {
  const { fingerprint } = plan;
  const teams = plan.teams.map(
    (t): OwnershipTeamRecord => ({
      ...keys.team(t.id),
      sk: 'PROFILE',
      kind: KINDS.team,
      sortKey: t.id,
      id: t.id,
      name: t.name,
      oncallChannel: t.oncallChannel,
      ...(t.pager ? { pager: t.pager } : {}),
      email: t.email,
      hours: t.hours,
      ownsPlatform: t.ownsPlatform,
      fingerprint,
    }),
  );
  const systems = plan.systems.map(
    (s): OwnershipSystemRecord => ({
      ...keys.system(s.id),
      sk: 'OWNERSHIP',
      kind: KINDS.system,
      sortKey: s.id,
      id: s.id,
      name: s.name,
      description: s.description,
      owner: s.owner,
      sourceOf: [...s.sourceOf],
      targetOf: [...s.targetOf],
      fingerprint,
    }),
  );
  const contracts = plan.contracts.map(
    (c): OwnershipContractRecord => ({
      ...keys.contractOwnership(c.id),
      sk: 'OWNERSHIP',
      kind: KINDS.contract,
      sortKey: c.id,
      id: c.id,
      tier: c.tier,
      owner: c.owner,
      escalation: [...c.escalation],
      sourceSystem: c.source.system,
      targetSystem: c.target.system,
      fingerprint,
    }),
  );
  return [...teams, ...systems, ...contracts];
}

/** Makes the table's ownership items exactly the plan's. Safe to repeat. */
export async function syncOwnership(deps: OwnershipDeps, plan: OwnershipPlan): Promise<OwnershipSyncResult> {
  const records = ownershipRecords(plan);
  await forEachLimit(records, WRITE_CONCURRENCY, (item) =>
    deps.ddb.put({ TableName: deps.tableName, Item: item }),
  );
  const wanted = new Set(records.map((r) => `${r.pk}|${r.sk}`));
  const leftovers: Array<{ pk: string; sk: string }> = [];
  for (const kind of [KINDS.team, KINDS.system, KINDS.contract]) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.ddb.query({
        TableName: deps.tableName,
        IndexName: INDEXES.byKind,
        KeyConditionExpression: 'kind = :kind',
        ExpressionAttributeValues: { ':kind': kind },
        ProjectionExpression: 'pk, sk',
        ExclusiveStartKey: startKey,
      });
      for (const item of (page.Items ?? []) as Array<{ pk: string; sk: string }>) {
        if (!wanted.has(`${item.pk}|${item.sk}`)) leftovers.push({ pk: item.pk, sk: item.sk });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  await forEachLimit(leftovers, WRITE_CONCURRENCY, (key) =>
    deps.ddb.delete({ TableName: deps.tableName, Key: key }),
  );
  return {
    fingerprint: plan.fingerprint,
    written: { teams: plan.teams.length, systems: plan.systems.length, contracts: plan.contracts.length },
    deleted: leftovers.map((k) => k.pk).sort(),
  };
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
