/**
 * The adapter interface: how a sync handler hands a change to a target system. handoff ships
 * `http` and `eventbridge`; a team can add its own by implementing TargetAdapter and registering
 * a factory (see registry.ts).
 */
import type { EntityRef } from '../../../lib/model/entity.js';
import type { ContractPlan } from '../../../lib/plan/types.js';

/** One change to deliver. */
export interface DeliveryRequest {
  contract: ContractPlan;
  /** The EventBridge event (contains personal data: never log it). */
  event: Record<string, unknown>;
  entity: EntityRef;
  /** The target body built by the contract's mapping. */
  body: Record<string, unknown>;
  /** Aborts the delivery when the handler runs out of time. */
  signal: AbortSignal;
}

/** What the target did with the change. */
export type DeliveryResult =
  /** The target accepted the change. */
  | { outcome: 'delivered'; status?: number }
  /** The target already holds a newer version (e.g. HTTP 412 on X-Handoff-Version): nothing to do. */
  | { outcome: 'superseded'; status?: number };

/**
 * Delivers changes to one contract's target. Implementations throw TransientSyncError,
 * PermanentSyncError or ConfigSyncError (see ../errors.ts) and never log payloads.
 */
export interface TargetAdapter {
  /** Resolves endpoints and credentials before anything is claimed; throws ConfigSyncError when impossible. */
  prepare(): Promise<void>;
  deliver(request: DeliveryRequest): Promise<DeliveryResult>;
}
