/**
 * Building blocks for scripted scenarios against a running local layer (the demo and the soak):
 * events made from a contract's own sample with a chosen entity and version, and an account of
 * where every sent event ended up (synced, skipped as a duplicate, or in a dead-letter queue).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { readDeadLetter } from '../../lambdas/commons/dead-letters.js';
import { extractEntity, normaliseVersion } from '../model/entity.js';
import type { Contract } from '../model/types.js';
import type { ContractPlan } from '../plan/types.js';

/** A PutEvents entry for a contract, plus what it is about. */
export interface ScenarioEvent {
  contractId: string;
  entityType: string;
  entityId: string;
  /** The comparable version (as handoff compares it). */
  version: number;
  entry: { EventBusName: string; Source: string; DetailType: string; Detail: string };
}

/** Sets a value at a simple JMESPath (`detail.a.b`) in a copy of an object. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: Record<string, unknown> = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) ?? ''] = value;
}

/**
 * An event for `contract` about `entityId` at version step `n`: numeric versions become n, and
 * timestamp versions become a time n seconds after a fixed base, so larger n is always newer.
 */
export function contractEvent(
  contract: Contract,
  busName: string,
  entityId: string | number,
  n: number,
  overrides: Record<string, unknown> = {},
): ScenarioEvent {
  const sample = contract.samples[0]?.event;
  if (!sample) throw new Error(`contract ${contract.id} has no sample to build events from`);
  const event = structuredClone(sample) as Record<string, unknown>;
  const sampleVersion = extractEntity(contract.entity, { ...event, id: 'x' });
  const timestampVersion = sampleVersion.version > 1e11; // epoch milliseconds, not a revision number
  setPath(event, contract.entity.id, entityId);
  setPath(
    event,
    contract.entity.version,
    timestampVersion ? new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString() : n,
  );
  for (const [path, value] of Object.entries(overrides)) setPath(event, path, value);
  const entity = extractEntity(contract.entity, event);
  return {
    contractId: contract.id,
    entityType: entity.type,
    entityId: entity.id,
    version: entity.version,
    entry: {
      EventBusName: busName,
      Source: String(event.source),
      DetailType: String(event['detail-type']),
      Detail: JSON.stringify(event.detail),
    },
  };
}

/** The path a contract's HTTP target stores an entity under (as the example targets key it). */
export function targetPath(contract: ContractPlan, entityId: string): string | undefined {
  return contract.target.adapter === 'http'
    ? contract.target.path.replace('{id}', encodeURIComponent(entityId))
    : undefined;
}

/** What a dead letter holds, read back to the contract, entity and version of its event. */
export interface DeadLetterEntry {
  contractId?: string;
  entityId?: string;
  version?: number;
  failureClass: string;
  reason: string;
}

/**
 * Reads every message of a queue: receives in batches, hiding each message for the walk so the
 * next receive returns new ones, then makes them all visible again. Nothing is deleted.
 */
export async function peekQueue(
  sqs: SQSClient,
  queueUrl: string,
  prefix: string,
  contracts: ContractPlan[],
): Promise<DeadLetterEntry[]> {
  const seen = new Map<string, DeadLetterEntry>();
  const handles: string[] = [];
  try {
    for (let round = 0; round < 100_000; round++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 300,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 0,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        if (m.ReceiptHandle) handles.push(m.ReceiptHandle);
        if (!m.MessageId || seen.has(m.MessageId)) continue;
        const attributes = Object.fromEntries(
          Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
        );
        const read = readDeadLetter({ messageId: m.MessageId, body: m.Body ?? '', attributes }, prefix);
        const contract = contracts.find((c) => c.id === read.summary.contractId);
        let entityId: string | undefined;
        let version: number | undefined;
        if (contract && read.event) {
          try {
            const entity = extractEntity(contract.entity, read.event);
            entityId = entity.id;
            version = entity.version;
          } catch {
            // an event without a usable entity: counted, not attributed
          }
        }
        seen.set(m.MessageId, {
          contractId: read.summary.contractId,
          entityId,
          version,
          failureClass: read.summary.failureClass,
          reason: read.summary.reason,
        });
      }
    }
  } finally {
    for (let i = 0; i < handles.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: handles
            .slice(i, i + 10)
            .map((ReceiptHandle, n) => ({ Id: String(n), ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return [...seen.values()];
}

/** Where sent events ended up. `lost` must be zero. */
export interface Tally {
  sent: number;
  synced: number;
  skippedDuplicates: number;
  deadLettered: number;
  lost: number;
  /** Events that did not end where they should (e.g. delivered but also dead-lettered). */
  details: string[];
}

/**
 * Accounts for every sent event. An event is synced when the target holds its version or a newer
 * one and it is not the duplicate of an earlier send; a duplicate is a second send of the same
 * contract, entity and version; otherwise it must be in a dead-letter queue.
 */
export function account(
  sent: ScenarioEvent[],
  holds: (event: ScenarioEvent) => number | undefined,
  deadLetters: DeadLetterEntry[],
): Tally {
  const firsts = new Set<string>();
  const tally: Tally = {
    sent: sent.length,
    synced: 0,
    skippedDuplicates: 0,
    deadLettered: 0,
    lost: 0,
    details: [],
  };
  const letters = [...deadLetters];
  for (const event of sent) {
    const key = `${event.contractId}|${event.entityId}|${event.version}`;
    if (firsts.has(key)) {
      tally.skippedDuplicates++;
      continue;
    }
    firsts.add(key);
    const letter = letters.findIndex(
      (l) =>
        l.contractId === event.contractId && l.entityId === event.entityId && l.version === event.version,
    );
    const held = holds(event);
    if (held !== undefined && held >= event.version) {
      tally.synced++;
      if (letter >= 0) letters.splice(letter, 1); // redriven copy already applied: not waiting any more
      continue;
    }
    if (letter >= 0) {
      tally.deadLettered++;
      letters.splice(letter, 1);
      continue;
    }
    tally.lost++;
    tally.details.push(
      `${event.contractId} ${event.entityType} ${event.entityId} v${event.version}: neither at the target nor in a dead-letter queue`,
    );
  }
  return tally;
}

/** The comparable version a target reports (x-handoff-version), or undefined. */
export function heldVersion(value: unknown): number | undefined {
  return typeof value === 'number'
    ? value
    : typeof value === 'string'
      ? (normaliseVersion(value) ?? (Number.isFinite(Number(value)) ? Number(value) : undefined))
      : undefined;
}
