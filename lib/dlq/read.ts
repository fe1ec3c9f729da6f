/**
 * Turns SQS messages into handoff dead letters: the SQS shape into `RawDeadLetter`, then
 * `readDeadLetter` (one reader for all three writers), plus the entity where the message itself
 * does not say it (EventBridge's and Lambda's dead letters carry no handoff attributes).
 */
import type { Message } from '@aws-sdk/client-sqs';
import {
  contractFromResourceName,
  type DeadLetterClass,
  type DeadLetterSummary,
  type RawDeadLetter,
  type ReadDeadLetter,
  readDeadLetter,
} from '../../lambdas/commons/dead-letters.js';
import { extractEntity } from '../model/entity.js';
import type { ContractPlan } from '../plan/types.js';

/** What the tools need of a contract to name a dead letter's entity. */
export type ContractEntitySpec = Pick<ContractPlan, 'id' | 'entity'>;

/** Which dead letters a command applies to; every field given must match. */
export interface DeadLetterFilter {
  /** Only this contract's dead letters. */
  contractId?: string;
  /** Only failures redrive may put back on its own (transient and delivery classes). */
  onlyAutoRedrivable?: boolean;
  /** Only these failure classes. */
  failureClasses?: DeadLetterClass[];
  /** Only these SQS message ids. */
  messageIds?: string[];
}

/** The SQS attributes every receive asks for: age and receive count, and handoff's attributes. */
export const RECEIVE_ATTRIBUTES = {
  MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
  MessageAttributeNames: ['All'],
} as const;

/** Converts a received SQS message; undefined when SQS left out the id, body or receipt handle. */
export function toRawDeadLetter(message: Message): (RawDeadLetter & { receiptHandle: string }) | undefined {
  if (!message.MessageId || message.Body === undefined || !message.ReceiptHandle) return undefined;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (typeof value.StringValue === 'string') attributes[name] = value.StringValue;
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  const received = Number(message.Attributes?.ApproximateReceiveCount);
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes,
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: sent } : {}),
    ...(Number.isFinite(received) && received > 0 ? { receiveCount: received } : {}),
  };
}

/**
 * Reads a dead letter and fills in its entity from the original event with the contract's entity
 * expressions when the message carries no entity attributes. Never throws.
 */
export function readWithEntity(
  raw: RawDeadLetter,
  prefix: string,
  contracts: readonly ContractEntitySpec[] = [],
): ReadDeadLetter {
  const read = withContract(readDeadLetter(raw, prefix), raw, prefix);
  if (read.summary.entity || !read.event || !read.summary.contractId) return read;
  const contract = contracts.find((c) => c.id === read.summary.contractId);
  if (!contract) return read;
  try {
    const entity = extractEntity(contract.entity, read.event);
    return { ...read, summary: { ...read.summary, entity: { type: entity.type, id: entity.id } } };
  } catch {
    // An event whose entity cannot be read is still listed; it simply shows no entity.
    return read;
  }
}

/**
 * Lambda writes qualified function ARNs (`...:function:<name>:$LATEST`) into destination records;
 * the shared reader takes the last segment as the name, so it finds no contract in them. The name
 * is the seventh segment of a Lambda ARN, qualified or not.
 */
function withContract(read: ReadDeadLetter, raw: RawDeadLetter, prefix: string): ReadDeadLetter {
  if (read.summary.contractId || read.summary.source === 'eventbridge') return read;
  let functionArn: unknown;
  try {
    functionArn = (JSON.parse(raw.body) as { requestContext?: { functionArn?: unknown } }).requestContext
      ?.functionArn;
  } catch {
    return read;
  }
  if (typeof functionArn !== 'string') return read;
  const contractId = contractFromResourceName(functionArn.split(':')[6] ?? '', prefix);
  return contractId ? { ...read, summary: { ...read.summary, contractId } } : read;
}

/** Whether a dead letter's summary matches the filter. */
export function matchesFilter(summary: DeadLetterSummary, filter: DeadLetterFilter = {}): boolean {
  if (filter.contractId !== undefined && summary.contractId !== filter.contractId) return false;
  if (filter.onlyAutoRedrivable === true && !summary.autoRedrivable) return false;
  if (filter.failureClasses && !filter.failureClasses.includes(summary.failureClass)) return false;
  if (filter.messageIds && !filter.messageIds.includes(summary.messageId)) return false;
  return true;
}
