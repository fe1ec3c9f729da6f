/**
 * Reads (and the one write) the status API makes, against the data model in commons/records.ts.
 * Every query is bounded: by key (one entity, one contract), by the sparse `unsynced` index (only
 * entities not in sync), or by a cap that the answer reports as "at least". Items that do not have
 * the recorded shape are skipped, never allowed to crash an answer.
 */
import type { QueryCommandInput, QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { QueueAttributeReader } from '../commons/aws.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import {
  type HealthRecord,
  INDEXES,
  type IncidentNote,
  type IncidentRecord,
  KINDS,
  keys,
  type OwnershipContractRecord,
  type OwnershipSystemRecord,
  type OwnershipTeamRecord,
  type SyncRecord,
} from '../commons/records.js';
import { BadRequestError, ConflictError, DependencyUnavailableError, NotFoundError } from './errors.js';

/** What the store needs: clients, table names, and the invocation's abort signal (Lambda timeout). */
export interface StoreContext {
  dynamo: Pick<DynamoDoc, 'get' | 'query' | 'update'>;
  sqs: QueueAttributeReader;
  tables: { syncState: string; operations: string };
  signal?: AbortSignal;
}

/** Unsynced entities read per contract at most; beyond it counts are reported as lower bounds. */
export const UNSYNCED_SCAN_CAP = 5000;
/** Open incidents read at most when counting them per contract. */
export const OPEN_INCIDENTS_CAP = 500;
/** Notes one incident holds at most (keeps the item far below DynamoDB's 400 KB limit). */
export const MAX_NOTES_PER_INCIDENT = 100;

/** A bounded read: the items, and whether every matching item was read. */
export interface Bounded<T> {
  items: T[];
  complete: boolean;
}

/** Every contract's record of one entity (one item per contract at most). */
export async function entityRecords(ctx: StoreContext, type: string, id: string): Promise<SyncRecord[]> {
  const { items } = await queryAll(
    ctx,
    'sync state',
    {
      TableName: ctx.tables.syncState,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      ExpressionAttributeValues: { ':pk': keys.entity(type, id), ':c': 'C#' },
    },
    1000,
  );
  return items.filter(isSyncRecord);
}

/** A contract's health record, if it has one. */
export async function healthRecord(ctx: StoreContext, contractId: string): Promise<HealthRecord | undefined> {
  const result = await call('sync state', () =>
    ctx.dynamo.get(
      { TableName: ctx.tables.syncState, Key: keys.health(contractId) },
      {
        signal: ctx.signal,
      },
    ),
  );
  const item = result.Item;
  return item && typeof item.contractId === 'string' ? (item as HealthRecord) : undefined;
}

/** The newest `syncedAt` of a contract's entities: its last success. */
export async function lastSuccess(ctx: StoreContext, contractId: string): Promise<string | undefined> {
  const result = await call('sync state', () =>
    ctx.dynamo.query(
      {
        TableName: ctx.tables.syncState,
        IndexName: INDEXES.byContract,
        KeyConditionExpression: 'contractId = :c',
        ExpressionAttributeValues: { ':c': contractId },
        ScanIndexForward: false,
        Limit: 1,
        ProjectionExpression: 'syncedAt',
      },
      { signal: ctx.signal },
    ),
  );
  const at = result.Items?.[0]?.syncedAt;
  return typeof at === 'string' ? at : undefined;
}

/** What the status API reads of an entity that is not in sync. */
export type UnsyncedItem = Pick<
  SyncRecord,
  | 'entityType'
  | 'entityId'
  | 'state'
  | 'pendingSince'
  | 'failureClass'
  | 'failureReason'
  | 'attempts'
  | 'failedAt'
  | 'updatedAt'
>;

/** A contract's entities not in sync, oldest change first, up to `cap`. */
export async function unsyncedItems(
  ctx: StoreContext,
  contractId: string,
  cap = UNSYNCED_SCAN_CAP,
): Promise<Bounded<UnsyncedItem>> {
  const { items, complete } = await queryAll(
    ctx,
    'sync state',
    {
      TableName: ctx.tables.syncState,
      IndexName: INDEXES.unsynced,
      KeyConditionExpression: 'unsyncedContract = :c',
      ExpressionAttributeValues: { ':c': contractId },
      ExpressionAttributeNames: { '#state': 'state' },
      ProjectionExpression:
        'entityType, entityId, #state, pendingSince, failureClass, failureReason, attempts, failedAt, updatedAt',
    },
    cap,
  );
  return {
    items: items.filter(
      (i): i is UnsyncedItem =>
        typeof i.entityId === 'string' &&
        typeof i.entityType === 'string' &&
        (i.state === 'retrying' || i.state === 'failed'),
    ),
    complete,
  };
}

/** Open or resolved incidents, newest first, one page at a time. */
export async function listIncidents(
  ctx: StoreContext,
  state: 'open' | 'resolved',
  limit: number,
  cursor: Record<string, string> | undefined,
): Promise<{ incidents: IncidentRecord[]; next: Record<string, string> | undefined }> {
  let result: QueryCommandOutput;
  try {
    result = await ctx.dynamo.query(
      {
        TableName: ctx.tables.operations,
        IndexName: INDEXES.byKind,
        KeyConditionExpression: 'kind = :k',
        ExpressionAttributeValues: {
          ':k': state === 'open' ? KINDS.openIncident : KINDS.resolvedIncident,
        },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: cursor,
      },
      { signal: ctx.signal },
    );
  } catch (error) {
    // DynamoDB refusing a start key the caller sent is the caller's mistake, not an outage.
    if (cursor !== undefined && errorName(error) === 'ValidationException')
      throw new BadRequestError('invalid_cursor', 'cursor is not valid: pass back nextCursor unchanged', {
        cause: error,
      });
    throw wrap('operations', error);
  }
  const next = result.LastEvaluatedKey as Record<string, string> | undefined;
  return { incidents: (result.Items ?? []).filter(isIncident), next };
}

/** Every open incident, up to OPEN_INCIDENTS_CAP (for counts per contract). */
export async function openIncidents(ctx: StoreContext): Promise<Bounded<IncidentRecord>> {
  const { items, complete } = await queryAll(
    ctx,
    'operations',
    {
      TableName: ctx.tables.operations,
      IndexName: INDEXES.byKind,
      KeyConditionExpression: 'kind = :k',
      ExpressionAttributeValues: { ':k': KINDS.openIncident },
      ScanIndexForward: false,
    },
    OPEN_INCIDENTS_CAP,
  );
  return { items: items.filter(isIncident), complete };
}

/** One incident, if it exists. */
export async function getIncident(ctx: StoreContext, id: string): Promise<IncidentRecord | undefined> {
  const result = await call('operations', () =>
    ctx.dynamo.get(
      { TableName: ctx.tables.operations, Key: keys.incident(id) },
      {
        signal: ctx.signal,
      },
    ),
  );
  return result.Item && isIncident(result.Item) ? result.Item : undefined;
}

/**
 * Appends a note to an incident in one conditional update: the incident must exist and hold fewer
 * than MAX_NOTES_PER_INCIDENT notes. Concurrent notes both land (list_append is atomic per item).
 */
export async function addIncidentNote(
  ctx: StoreContext,
  id: string,
  note: IncidentNote,
): Promise<IncidentRecord> {
  try {
    const result = await ctx.dynamo.update(
      {
        TableName: ctx.tables.operations,
        Key: keys.incident(id),
        UpdateExpression: 'SET notes = list_append(if_not_exists(notes, :empty), :note)',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(notes) OR size(notes) < :max)',
        ExpressionAttributeValues: { ':empty': [], ':note': [note], ':max': MAX_NOTES_PER_INCIDENT },
        ReturnValues: 'ALL_NEW',
      },
      { signal: ctx.signal },
    );
    if (!result.Attributes || !isIncident(result.Attributes))
      throw new DependencyUnavailableError('the operations table', new Error('update returned no incident'));
    return result.Attributes;
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw wrap('operations', error);
    const existing = await getIncident(ctx, id);
    if (!existing) throw new NotFoundError('incident_not_found', 'no incident has this id');
    throw new ConflictError(
      'too_many_notes',
      `this incident already has ${MAX_NOTES_PER_INCIDENT} notes; summarise them in a new incident or a ticket`,
    );
  }
}

/** Ownership as the ownership function wrote it on the last deploy. */
export async function ownershipItems(ctx: StoreContext): Promise<{
  systems: OwnershipSystemRecord[];
  teams: OwnershipTeamRecord[];
  contracts: OwnershipContractRecord[];
}> {
  const byKind = (kind: string) =>
    queryAll(
      ctx,
      'operations',
      {
        TableName: ctx.tables.operations,
        IndexName: INDEXES.byKind,
        KeyConditionExpression: 'kind = :k',
        ExpressionAttributeValues: { ':k': kind },
      },
      2000,
    );
  const [systems, teams, contracts] = await Promise.all([
    byKind(KINDS.system),
    byKind(KINDS.team),
    byKind(KINDS.contract),
  ]);
  // Items are checked for the fields the answer uses; the ownership function writes the rest.
  return {
    systems: systems.items.filter(
      (i) => typeof i.id === 'string' && typeof i.name === 'string' && typeof i.owner === 'string',
    ) as unknown as OwnershipSystemRecord[],
    teams: teams.items.filter(
      (i) => typeof i.id === 'string' && typeof i.name === 'string',
    ) as unknown as OwnershipTeamRecord[],
    contracts: contracts.items.filter(
      (i) => typeof i.id === 'string' && typeof i.owner === 'string',
    ) as unknown as OwnershipContractRecord[],
  };
}

/** A tier queue's approximate depth, or why it could not be read (never fails the answer). */
export type QueueDepth =
  | { available: true; visible: number; inFlight: number }
  | { available: false; reason: string };

/** Reads a dead-letter queue's ApproximateNumberOfMessages (and those in flight). */
export async function queueDepth(ctx: StoreContext, queueUrl: string | undefined): Promise<QueueDepth> {
  if (!queueUrl) return { available: false, reason: 'queue not configured for this function' };
  try {
    const attributes = await ctx.sqs.attributes(
      queueUrl,
      ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      ctx.signal,
    );
    const visible = Number(attributes.ApproximateNumberOfMessages);
    const inFlight = Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (!Number.isFinite(visible)) return { available: false, reason: 'queue did not report its depth' };
    return { available: true, visible, inFlight: Number.isFinite(inFlight) ? inFlight : 0 };
  } catch {
    return { available: false, reason: 'queue depth unavailable right now' };
  }
}

// ---------------------------------------------------------------------------------------------
// Cursors: LastEvaluatedKey as opaque base64url JSON, checked strictly when read back
// ---------------------------------------------------------------------------------------------

const CURSOR_KEYS = ['kind', 'pk', 'sk', 'sortKey'] as const;

/** Encodes a page's LastEvaluatedKey as an opaque cursor. */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor for an incident list; throws BadRequestError when it was not one we issued for this state. */
export function decodeCursor(cursor: string, state: 'open' | 'resolved'): Record<string, string> {
  const invalid = () =>
    new BadRequestError('invalid_cursor', 'cursor is not valid: pass back nextCursor unchanged');
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new BadRequestError('invalid_cursor', 'cursor is not valid: pass back nextCursor unchanged', {
      cause,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed);
  const kind = state === 'open' ? KINDS.openIncident : KINDS.resolvedIncident;
  const valid =
    entries.length === CURSOR_KEYS.length &&
    entries.every(
      ([k, v]) =>
        (CURSOR_KEYS as readonly string[]).includes(k) &&
        typeof v === 'string' &&
        // Key attributes are never empty in DynamoDB: an empty one was not issued by us.
        v.length > 0 &&
        v.length <= 512,
    ) &&
    (parsed as Record<string, string>).kind === kind &&
    (parsed as Record<string, string>).pk?.startsWith('INCIDENT#') === true;
  if (!valid) throw invalid();
  return parsed as Record<string, string>;
}

// ---------------------------------------------------------------------------------------------

async function queryAll(
  ctx: StoreContext,
  what: 'sync state' | 'operations',
  input: QueryCommandInput,
  cap: number,
): Promise<Bounded<Record<string, unknown>>> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await call(what, () =>
      ctx.dynamo.query(
        { ...input, ExclusiveStartKey: start, Limit: cap - items.length },
        {
          signal: ctx.signal,
        },
      ),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && items.length < cap);
  return { items, complete: start === undefined };
}

async function call<T>(what: 'sync state' | 'operations', fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw wrap(what, error);
  }
}

function wrap(what: string, error: unknown): Error {
  if (error instanceof DependencyUnavailableError) return error;
  return new DependencyUnavailableError(`the ${what} table`, error);
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isSyncRecord(item: Record<string, unknown>): item is SyncRecord & Record<string, unknown> {
  return (
    typeof item.contractId === 'string' &&
    typeof item.entityId === 'string' &&
    (item.state === 'in_sync' || item.state === 'retrying' || item.state === 'failed')
  );
}

function isIncident(item: Record<string, unknown>): item is IncidentRecord & Record<string, unknown> {
  return (
    typeof item.id === 'string' &&
    (item.state === 'open' || item.state === 'resolved') &&
    typeof item.openedAt === 'string' &&
    typeof item.alarmName === 'string'
  );
}
