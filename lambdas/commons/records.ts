/**
 * The DynamoDB data model, shared by every handler and the local layer. Keys are built here and
 * nowhere else. Index attributes (`unsyncedContract`/`pendingSince`, `contractId`/`syncedAt`,
 * `kind`/`sortKey`) match the indexes the plan declares (lib/plan/build.ts buildTables).
 *
 * Sync-state table
 *   E#<entityType>#<entityId> | C#<contractId>   one entity's state for one contract (SyncRecord)
 *   CONTRACT#<contractId>     | HEALTH           one contract's target health (HealthRecord)
 * Operations table
 *   SYSTEM#<id>   | OWNERSHIP   a system and its owner (OwnershipSystemRecord)
 *   TEAM#<id>     | PROFILE     a team and how to reach it (OwnershipTeamRecord)
 *   CONTRACT#<id> | OWNERSHIP   a contract's owner, tier and escalation (OwnershipContractRecord)
 *   INCIDENT#<id> | INCIDENT    an incident (IncidentRecord)
 *   ALARM#<name>  | OPEN        lock: the one open incident of an alarm (AlarmLockRecord)
 */

export const keys = {
  entity: (entityType: string, entityId: string) => `E#${entityType}#${entityId}`,
  contract: (contractId: string) => `C#${contractId}`,
  health: (contractId: string) => ({ pk: `CONTRACT#${contractId}`, sk: 'HEALTH' }),
  system: (systemId: string) => ({ pk: `SYSTEM#${systemId}`, sk: 'OWNERSHIP' }),
  team: (teamId: string) => ({ pk: `TEAM#${teamId}`, sk: 'PROFILE' }),
  contractOwnership: (contractId: string) => ({ pk: `CONTRACT#${contractId}`, sk: 'OWNERSHIP' }),
  incident: (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'INCIDENT' }),
  alarmLock: (alarmName: string) => ({ pk: `ALARM#${alarmName}`, sk: 'OPEN' }),
} as const;

/** Index names (see buildTables). */
export const INDEXES = { unsynced: 'unsynced', byContract: 'byContract', byKind: 'byKind' } as const;

/** `kind` values of the operations table's byKind index. */
export const KINDS = {
  openIncident: 'INCIDENT#open',
  resolvedIncident: 'INCIDENT#resolved',
  system: 'SYSTEM',
  team: 'TEAM',
  contract: 'CONTRACT',
} as const;

/** An entity's state for one contract, as stored. `degraded` and `stale` are derived, never stored. */
export type StoredSyncState = 'in_sync' | 'retrying' | 'failed';

/** How a failure is handled: retried (transient), dead-lettered at once (permanent), or config. */
export type FailureClass = 'transient' | 'permanent' | 'config';

export interface SyncRecord {
  pk: string;
  sk: string;
  contractId: string;
  entityType: string;
  entityId: string;
  state: StoredSyncState;
  /** Highest version claimed for delivery and not rejected (in_sync: delivered; retrying: being retried). */
  version?: number;
  /** A version the target or the contract rejected for good (state failed, permanent or config). */
  failedVersion?: number;
  /** Last version known to be delivered, if any. */
  syncedVersion?: number;
  /** When the last delivered version was claimed (ISO-8601); sort key of `byContract`. */
  syncedAt?: string;
  /** The event that claimed `version`, and the invocation that claimed it (Lambda keeps it across retries). */
  eventId: string;
  requestId: string;
  /** Until when (epoch ms) deliveries for this entity wait for the claimant: sends are serialised. */
  leaseUntil: number;
  /** Attempts at delivering `version`. */
  attempts: number;
  /** When a change first became known but not delivered (ISO-8601); sort key of `unsynced`. */
  pendingSince?: string;
  /** The contract id while not in sync; partition key of the sparse `unsynced` index. */
  unsyncedContract?: string;
  failureClass?: FailureClass;
  /** Support-safe reason: no payload, no personal data, no stack. */
  failureReason?: string;
  failedAt?: string;
  /** True when the failing event was sent to the tier's dead-letter queue. */
  deadLettered?: boolean;
  updatedAt: string;
  /** Incremented by every write; conditional writes compare it (compare-and-swap). */
  rev: number;
}

export interface HealthRecord {
  pk: string;
  sk: 'HEALTH';
  contractId: string;
  /** Transient failures counted in the current window. */
  failures: number;
  /** Start of the counting window (epoch ms). */
  windowStart: number;
  /** Set while the contract is degraded (ISO-8601). */
  degradedSince?: string;
  lastFailureAt?: string;
  lastFailureReason?: string;
  recoveredAt?: string;
}

export interface OwnershipTeamRecord {
  pk: string;
  sk: 'PROFILE';
  kind: typeof KINDS.team;
  sortKey: string;
  id: string;
  name: string;
  oncallChannel: string;
  pager?: string;
  email: string;
  hours: string;
  ownsPlatform: boolean;
  fingerprint: string;
}

export interface OwnershipSystemRecord {
  pk: string;
  sk: 'OWNERSHIP';
  kind: typeof KINDS.system;
  sortKey: string;
  id: string;
  name: string;
  description: string;
  owner: string;
  sourceOf: string[];
  targetOf: string[];
  fingerprint: string;
}

export interface OwnershipContractRecord {
  pk: string;
  sk: 'OWNERSHIP';
  kind: typeof KINDS.contract;
  sortKey: string;
  id: string;
  tier: string;
  owner: string;
  escalation: string[];
  sourceSystem: string;
  targetSystem: string;
  fingerprint: string;
}

export interface IncidentNote {
  at: string;
  author: string;
  text: string;
}

export interface IncidentRecord {
  pk: string;
  sk: 'INCIDENT';
  /** `INCIDENT#open` or `INCIDENT#resolved`; sort key `openedAt`. */
  kind: typeof KINDS.openIncident | typeof KINDS.resolvedIncident;
  sortKey: string;
  id: string;
  alarmName: string;
  failureMode: string;
  contractId?: string;
  tier: string;
  severity: string;
  owner: string;
  escalation: string[];
  summary: string;
  customerImpact: string;
  nextAction: string;
  runbookUrl: string;
  state: 'open' | 'resolved';
  openedAt: string;
  resolvedAt?: string;
  notes: IncidentNote[];
}

export interface AlarmLockRecord {
  pk: string;
  sk: 'OPEN';
  incidentId: string;
  openedAt: string;
}
