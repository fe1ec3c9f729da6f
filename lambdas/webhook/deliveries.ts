/**
 * Delivery records: one per provider delivery id, in the operations table, so a replayed or retried
 * delivery is answered without a second put.
 *
 *   WEBHOOK#<system>#<deliveryId> | DELIVERY   (DeliveryRecord)
 *
 * A delivery is first *claimed* (conditional put), then the event is put on the bus, then the
 * record is marked *put* with the event id. A claim whose put failed is released at once; a claim
 * that was never finished (the function crashed or timed out between claim and put) may be retaken
 * after STALE_CLAIM_MS, so it never blocks the provider's retry for long. Records carry `expiresAt`
 * (epoch seconds) for DynamoDB TTL; nothing depends on TTL deleting them: an expired record counts as
 * absent (dynalite, the local DynamoDB, has no TTL).
 *
 * The keys live here, not in commons/records.ts: only the receivers read or write them, and their
 * IAM grant is limited to their own system's `WEBHOOK#<system>#` keys.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { DeliveryStoreError } from './errors.js';

/** A claim older than this was abandoned: the function's timeout is 10 s. */
export const STALE_CLAIM_MS = 60_000;

/** The delivery record's key. */
export function deliveryKey(systemId: string, deliveryId: string): { pk: string; sk: 'DELIVERY' } {
  return { pk: `WEBHOOK#${systemId}#${deliveryId}`, sk: 'DELIVERY' };
}

export interface DeliveryRecord {
  pk: string;
  sk: 'DELIVERY';
  systemId: string;
  deliveryId: string;
  state: 'claimed' | 'put';
  /** When the delivery was last claimed (epoch ms); 0 once a failed claim is released. */
  claimedAt: number;
  /** Identifies the invocation holding the claim, so only it releases or completes it. */
  claimToken?: string;
  detailType: string;
  /** Set once the event is on the bus. */
  eventId?: string;
  putAt?: string;
  /** DynamoDB TTL attribute (epoch seconds): the record is forgotten after the dedupe window. */
  expiresAt: number;
}

export type ClaimResult =
  | { kind: 'claimed'; token: string }
  /** The delivery was already put on the bus. */
  | { kind: 'put'; eventId?: string }
  /** Another invocation holds a fresh claim on it right now. */
  | { kind: 'in-progress' };

export interface DeliveryStoreOptions {
  ddb: Pick<DynamoDoc, 'get' | 'put' | 'update'>;
  tableName: string;
  systemId: string;
  dedupeDays: number;
  now: () => Date;
}

export class DeliveryStore {
  constructor(private readonly options: DeliveryStoreOptions) {}

  /** Claims a delivery, unless it was put already or is being handled; throws DeliveryStoreError. */
  async claim(deliveryId: string, detailType: string, signal?: AbortSignal): Promise<ClaimResult> {
    const now = this.options.now().getTime();
    const token = randomUUID();
    const item: DeliveryRecord = {
      ...deliveryKey(this.options.systemId, deliveryId),
      systemId: this.options.systemId,
      deliveryId,
      state: 'claimed',
      claimedAt: now,
      claimToken: token,
      detailType,
      expiresAt: Math.floor(now / 1000) + this.options.dedupeDays * 86_400,
    };
    try {
      await this.options.ddb.put(
        {
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR (#state = :claimed AND claimedAt < :staleBefore)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':nowSeconds': Math.floor(now / 1000),
            ':claimed': 'claimed',
            ':staleBefore': now - STALE_CLAIM_MS,
          },
        },
        signal ? { signal } : {},
      );
      return { kind: 'claimed', token };
    } catch (error) {
      if (!isConditionFailure(error)) throw storeError('claim', error);
    }
    const existing = await this.read(deliveryId, signal);
    if (existing?.state === 'put')
      return { kind: 'put', ...(existing.eventId ? { eventId: existing.eventId } : {}) };
    // Gone between the two calls (expired and removed): the provider's retry will claim it.
    return { kind: 'in-progress' };
  }

  /** Records that the event is on the bus. Returns false when the claim was lost meanwhile. */
  async markPut(deliveryId: string, token: string, eventId: string): Promise<boolean> {
    try {
      await this.options.ddb.update({
        TableName: this.options.tableName,
        Key: deliveryKey(this.options.systemId, deliveryId),
        UpdateExpression: 'SET #state = :put, eventId = :eventId, putAt = :putAt REMOVE claimToken',
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':put': 'put',
          ':eventId': eventId,
          ':putAt': this.options.now().toISOString(),
          ':token': token,
        },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError('record the put of', error);
    }
  }

  /** Makes a failed claim retakeable at once, so the provider's next retry goes through. */
  async release(deliveryId: string, token: string): Promise<void> {
    try {
      await this.options.ddb.update({
        TableName: this.options.tableName,
        Key: deliveryKey(this.options.systemId, deliveryId),
        UpdateExpression: 'SET claimedAt = :zero REMOVE claimToken',
        ConditionExpression: 'claimToken = :token AND #state = :claimed',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':zero': 0, ':token': token, ':claimed': 'claimed' },
      });
    } catch (error) {
      // Lost the claim meanwhile: nothing of ours to release.
      if (isConditionFailure(error)) return;
      throw storeError('release', error);
    }
  }

  /** The delivery's record, unless it has expired. */
  async read(deliveryId: string, signal?: AbortSignal): Promise<DeliveryRecord | undefined> {
    let item: DeliveryRecord | undefined;
    try {
      const out = await this.options.ddb.get(
        {
          TableName: this.options.tableName,
          Key: deliveryKey(this.options.systemId, deliveryId),
          ConsistentRead: true,
        },
        signal ? { signal } : {},
      );
      item = out.Item as DeliveryRecord | undefined;
    } catch (error) {
      throw storeError('read', error);
    }
    if (!item) return undefined;
    return item.expiresAt < Math.floor(this.options.now().getTime() / 1000) ? undefined : item;
  }
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

function storeError(what: string, error: unknown): DeliveryStoreError {
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  return new DeliveryStoreError(`could not ${what} the delivery record (${name})`, { cause: error });
}
