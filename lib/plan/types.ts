/**
 * The plan: one typed, serialisable description of the integration layer, built from the
 * contracts by a pure function (`buildPlan`). The CDK stacks and the local layer both render it;
 * neither re-reads YAML. Every physical name is decided here, so alarms, dashboards, runbooks and
 * CLI commands can name resources without cross-stack references.
 */
import type { HttpAuth, Mapping, Severity, TierName, ValueRef, WebhookSignature } from '../model/types.js';

export type { Severity, TierName, ValueRef } from '../model/types.js';

/** Bumped when the plan's shape changes incompatibly. */
export const PLAN_SCHEMA_VERSION = 1;

export interface Plan {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  /** Deployment stage, e.g. dev, prod, or local for the local layer. */
  stage: string;
  /** Prefix of every physical name: `handoff-<stage>`. */
  prefix: string;
  /** sha256 of the contracts' content: the same contracts always give the same plan. */
  fingerprint: string;
  /** Base URL the alarm runbook links start with (the `runbooks/` folder's published location). */
  runbookBaseUrl: string;
  /** CloudWatch namespace of handoff's own metrics: `Handoff/<stage>`. */
  metricsNamespace: string;
  bus: BusPlan;
  teams: TeamPlan[];
  systems: SystemPlan[];
  tiers: TierPlan[];
  contracts: ContractPlan[];
  routes: RoutePlan[];
  functions: FunctionPlan[];
  queues: QueuePlan[];
  tables: TablesPlan;
  topics: TopicPlan[];
  alarms: AlarmPlan[];
  schedules: SchedulePlan[];
  /** Internal routes: rules that feed handoff's own functions (alarm state changes, recoveries). */
  internalRoutes: InternalRoutePlan[];
  /** How contracts are grouped into CloudFormation stacks. */
  stacks: StackPlan[];
  /** Inbound webhooks: systems that call handoff, each with its own receiver. */
  webhooks: WebhookPlan[];
}

/** One system's inbound webhook and its receiver function. */
export interface WebhookPlan {
  systemId: string;
  systemName: string;
  owner: string;
  /** Receiver function (behind a Lambda function URL on AWS; under the layer's port locally). */
  functionName: string;
  /** Path on the local layer, and the documented path of the function URL. */
  path: string;
  signature: WebhookSignature;
  secrets: ValueRef[];
  event: {
    source: string;
    detailType: string;
    detailTypes?: Record<string, string>;
    id: string;
    time?: string;
    detail: string;
  };
  contentTypes: string[];
  maxBodyBytes: number;
  busName: string;
  /** Contracts its events feed. */
  feeds: string[];
  /** How long delivery ids are remembered to drop replays. */
  dedupeDays: number;
}

// ---------------------------------------------------------------------------------------------
// People and systems
// ---------------------------------------------------------------------------------------------

export interface TeamPlan {
  id: string;
  name: string;
  oncallChannel: string;
  pager?: string;
  email: string;
  hours: string;
  ownsPlatform: boolean;
}

export interface SystemPlan {
  id: string;
  name: string;
  description: string;
  owner: string;
  /** Contracts reading from this system. */
  sourceOf: string[];
  /** Contracts writing to this system. */
  targetOf: string[];
}

// ---------------------------------------------------------------------------------------------
// Tiers, contracts and routes
// ---------------------------------------------------------------------------------------------

export interface RetryPlan {
  attempts: number;
  maxEventAgeSeconds: number;
}

export interface TierPlan {
  name: TierName;
  description: string;
  severity: Severity;
  retries: { eventBridge: RetryPlan; lambda: RetryPlan };
  /** The tier's one dead-letter queue: both retry layers land here. */
  deadLetterQueue: string;
  deadLetters: { alarmThreshold: number; maxAgeSeconds: number };
  stalenessSloSeconds: number;
  /** 0 when the tier keeps no archive. */
  archiveRetentionDays: number;
  autoRedrive: boolean;
  degraded: { failures: number; windowSeconds: number };
  contracts: string[];
}

/** How a target is reached, with references instead of values for URLs and credentials. */
export type TargetPlan =
  | {
      system: string;
      adapter: 'http';
      endpointId: string;
      url: ValueRef;
      auth: HttpAuth;
      timeoutSeconds: number;
      method: 'POST' | 'PUT' | 'PATCH';
      path: string;
      body: Mapping;
    }
  | {
      system: string;
      adapter: 'eventbridge';
      endpointId: string;
      busArn: ValueRef;
      /** Requests time out after this; EventBridge PutEvents is fast or failing. */
      timeoutSeconds: number;
      source: string;
      detailType: string;
      detail: Mapping;
    };

/** Everything a contract's handler and the status API need about one contract. */
export interface ContractPlan {
  id: string;
  description: string;
  tier: TierName;
  owner: string;
  escalation: string[];
  customerImpact: string;
  fallback: string;
  stalenessSloSeconds: number;
  source: { system: string; eventSource: string; detailType: string };
  target: TargetPlan;
  entity: { type: string; id: string; version: string };
  /** JSON Schema of the event's `detail`. */
  schema: Record<string, unknown>;
  personalData: string[];
  functionName: string;
  ruleName: string;
  stack: string;
  /** Runbook pages for this contract's failure modes, by failure mode. */
  runbooks: Partial<Record<FailureMode, string>>;
  /** Where the contract is declared, relative to the contracts folder. */
  declaredIn: string;
}

/** One contract's route: an EventBridge rule on the bus targeting the contract's handler. */
export interface RoutePlan {
  contractId: string;
  ruleName: string;
  busName: string;
  pattern: Record<string, unknown>;
  functionName: string;
  tier: TierName;
  /** The rule target's retry policy (EventBridge to Lambda delivery). */
  retry: RetryPlan;
  /** Where undeliverable events go: the tier's dead-letter queue. */
  deadLetterQueue: string;
}

export interface InternalRoutePlan {
  id: 'alarm-state-changes' | 'contract-recovered';
  /** 'default' for the account's default bus, or handoff's bus name. */
  busName: string;
  ruleName: string;
  pattern: Record<string, unknown>;
  functionName: string;
}

// ---------------------------------------------------------------------------------------------
// Functions, queues, tables, topics, schedules, archive
// ---------------------------------------------------------------------------------------------

export type FunctionKind =
  | 'sync'
  | 'status-api'
  | 'staleness'
  | 'incidents'
  | 'redrive'
  | 'ownership'
  | 'webhook';

/** An environment variable's value: literal, or a reference to something the renderer knows. */
export type EnvValue =
  | { value: string }
  | { tableName: TableId }
  | { queueUrl: string /* queue name */ }
  | { busName: string }
  /** Supplied at deploy time (CDK context `endpoints`) or by the local layer. */
  | { deployParameter: string };

/** What a function may touch; the CDK turns each into the narrowest IAM grant. */
export type AccessPlan =
  | { kind: 'table'; table: TableId; actions: DynamoAction[]; leadingKeys?: string[] }
  | {
      kind: 'queue';
      queue: string;
      actions: Array<'send' | 'receive' | 'delete' | 'changeVisibility' | 'attributes'>;
    }
  | { kind: 'secret'; secretName: string }
  | { kind: 'bus'; busName: string /* handoff's bus */ }
  | { kind: 'external-bus'; busArn: ValueRef }
  | { kind: 'cloudwatch-read' };

export type DynamoAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem';

export interface FunctionPlan {
  /** Physical name, e.g. handoff-dev-crm-customer-to-helpdesk. */
  name: string;
  kind: FunctionKind;
  /** Source entry, relative to the project root. */
  entry: string;
  contractId?: string;
  /** The system of a webhook receiver. */
  systemId?: string;
  tier?: TierName;
  stack: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Reserved concurrency, when the function must not run more than this many at once. */
  reservedConcurrency?: number;
  /** Asynchronous invocation config (retries of failed runs, on-failure destination). */
  async?: { retry: RetryPlan; onFailureQueue: string };
  environment: Record<string, EnvValue>;
  access: AccessPlan[];
}

export interface QueuePlan {
  name: string;
  tier: TierName;
  retentionDays: number;
  /** Long enough for the redrive tool to put and delete a batch. */
  visibilityTimeoutSeconds: number;
}

export type TableId = 'syncState' | 'operations';

export interface KeyPlan {
  name: string;
  type: 'S' | 'N';
}

export interface IndexPlan {
  name: string;
  partitionKey: KeyPlan;
  sortKey?: KeyPlan;
  /** What the index answers, for the README and the status API. */
  purpose: string;
}

export interface TablePlan {
  id: TableId;
  name: string;
  partitionKey: KeyPlan;
  sortKey: KeyPlan;
  indexes: IndexPlan[];
  pointInTimeRecovery: true;
  deletionProtection: boolean;
  /** Attribute holding an expiry time (epoch seconds) after which DynamoDB deletes the item. */
  ttlAttribute?: string;
  purpose: string;
}

export interface TablesPlan {
  syncState: TablePlan;
  operations: TablePlan;
}

export interface TopicPlan {
  severity: Severity;
  name: string;
  description: string;
}

export interface SchedulePlan {
  id: 'staleness';
  ruleName: string;
  functionName: string;
  rateSeconds: number;
}

export interface BusPlan {
  name: string;
  archives: Array<{ name: string; tier: TierName; retentionDays: number; pattern: Record<string, unknown> }>;
}

/** A CloudFormation stack: the core, or a group of contracts (by default one per owner team). */
export interface StackPlan {
  id: string;
  name: string;
  kind: 'core' | 'contracts';
  contracts: string[];
}

// ---------------------------------------------------------------------------------------------
// Alarms
// ---------------------------------------------------------------------------------------------

/** Every way a handoff can fail that an alarm watches; each has a runbook page. */
export type FailureMode =
  | 'dead-letters'
  | 'dead-letter-age'
  | 'handler-errors'
  | 'throttles'
  | 'delivery-failures'
  | 'sent-to-dlq'
  | 'silent-failure'
  | 'staleness'
  | 'target-degraded'
  | 'schema-rejections'
  | 'config-errors'
  | 'platform-errors'
  | 'webhook-signatures'
  | 'webhook-put-failures';

export interface MetricPlan {
  /** 'AWS/Lambda', 'AWS/Events', 'AWS/SQS', or handoff's own namespace. */
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: 'Sum' | 'Maximum' | 'Average' | 'SampleCount';
  periodSeconds: number;
}

export type AlarmMetricPlan =
  | { kind: 'metric'; metric: MetricPlan }
  | {
      kind: 'math';
      /** CloudWatch metric-math expression over the ids in `metrics`. */
      expression: string;
      metrics: Record<string, MetricPlan>;
      periodSeconds: number;
      label: string;
    };

export type AlarmScope =
  | { kind: 'contract'; contractId: string }
  | { kind: 'tier'; tier: TierName }
  | { kind: 'platform'; functionName: string }
  | { kind: 'system'; systemId: string };

export interface AlarmPlan {
  /** Physical alarm name (unique per stage). */
  name: string;
  failureMode: FailureMode;
  scope: AlarmScope;
  tier: TierName | 'platform';
  severity: Severity;
  metric: AlarmMetricPlan;
  threshold: number;
  comparison: 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold';
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /** Some AWS metrics are emitted only when non-zero: missing data then means "nothing wrong". */
  treatMissingData: 'notBreaching' | 'breaching' | 'ignore' | 'missing';
  owner: string;
  escalation: string[];
  /** One line: what happened, in an operator's words. */
  summary: string;
  customerImpact: string;
  /** Runbook link: path within the repository (runbooks/…md#anchor) and the full URL. */
  runbook: { path: string; url: string };
  /** The CloudWatch alarm description: what happened, impact, owner and escalation, runbook URL. */
  description: string;
  /** Stack the alarm lives in (with the resources it watches). */
  stack: string;
}
