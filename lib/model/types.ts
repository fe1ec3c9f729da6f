/**
 * The contract model: what the business declares in `contracts/`, resolved and defaulted.
 *
 * The raw shapes (`*Document`) mirror the YAML files and their JSON Schemas in `./schema/`;
 * the resolved shapes (`Estate` and friends) are what the plan is built from: references checked,
 * durations in seconds, defaults applied. Nothing here imports aws-cdk-lib or the local layer.
 */

/** The three tiers; names are fixed, settings come from `tiers.yaml`. */
export const TIER_NAMES = ['critical', 'standard', 'best-effort'] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** How an alarm reaches people: a page wakes someone, a ticket waits for working hours, a digest is read weekly. */
export const SEVERITIES = ['page', 'ticket', 'digest'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A value given literally, read from an environment variable, or read from AWS Secrets Manager. */
export type ValueRef = string | { env: string } | { secret: string; key?: string };

// ---------------------------------------------------------------------------------------------
// Documents, as written in YAML
// ---------------------------------------------------------------------------------------------

export type DurationInput = number | string;

export interface TeamDocument {
  id: string;
  name: string;
  contacts: { oncallChannel: string; pager?: string; email: string };
  hours: string;
  /** The team that runs handoff itself (owns dead-letter queues and handoff's own alarms). */
  ownsPlatform?: boolean;
}

export interface TierDocument {
  description: string;
  retries: {
    eventBridge: { attempts: number; maxEventAge: DurationInput };
    lambda: { attempts: number; maxEventAge: DurationInput };
  };
  deadLetters: { alarmThreshold: number; maxAge: DurationInput };
  severity: Severity;
  stalenessSlo: DurationInput;
  archiveRetention: DurationInput;
  autoRedrive: boolean;
  degraded: { failures: number; window: DurationInput };
}

export type HttpAuthDocument =
  | { type: 'none' }
  | { type: 'bearer'; token: ValueRef }
  | { type: 'header'; header: string; value: ValueRef };

export interface HttpEndpointDocument {
  id: string;
  kind: 'http';
  url: ValueRef;
  auth?: HttpAuthDocument;
  timeout?: DurationInput;
}

export interface EventBridgeEndpointDocument {
  id: string;
  kind: 'eventbridge';
  busArn: ValueRef;
}

export type EndpointDocument = HttpEndpointDocument | EventBridgeEndpointDocument;

export type WebhookSignatureDocument =
  | { scheme: 'hmac-sha256'; header: string; encoding?: 'hex' | 'base64'; prefix?: string }
  | { scheme: 'stripe'; header?: string; tolerance?: DurationInput }
  | { scheme: 'standard-webhooks'; tolerance?: DurationInput };

export interface WebhookDocument {
  signature: WebhookSignatureDocument;
  secrets: ValueRef[];
  event: {
    source: string;
    detailType: string;
    detailTypes?: Record<string, string>;
    id: string;
    time?: string;
    detail?: string;
  };
  contentTypes?: string[];
  maxBodySize?: number;
}

export interface SystemDocument {
  id: string;
  name: string;
  owner: string;
  description: string;
  endpoints?: EndpointDocument[];
  webhook?: WebhookDocument;
}

/** A body mapping: each field is a JMESPath expression over the event, or a nested mapping. */
export interface Mapping {
  [field: string]: string | Mapping;
}

export interface HttpTargetDocument {
  system: string;
  adapter: 'http';
  endpoint: string;
  request: { method?: 'POST' | 'PUT' | 'PATCH'; path: string; body: Mapping };
}

export interface EventBridgeTargetDocument {
  system: string;
  adapter: 'eventbridge';
  endpoint: string;
  event: { source: string; detailType: string; detail: Mapping };
}

export type TargetDocument = HttpTargetDocument | EventBridgeTargetDocument;

export interface SampleDocument {
  name: string;
  event: Record<string, unknown>;
}

export interface ContractDocument {
  id: string;
  description: string;
  source: { system: string; eventSource: string; detailType: string; filter?: Record<string, unknown> };
  target: TargetDocument;
  entity: { type: string; id: string; version: string };
  schema: Record<string, unknown>;
  tier: TierName;
  owner?: string;
  customerImpact: string;
  stalenessSlo?: DurationInput;
  fallback: string;
  escalation: string[];
  personalData?: string[];
  deployment?: { stack?: string };
  samples: SampleDocument[];
}

// ---------------------------------------------------------------------------------------------
// Resolved model
// ---------------------------------------------------------------------------------------------

/** Where a declaration came from, so problems and reports can point at it. */
export interface SourceRef {
  /** Path of the YAML file, relative to the contracts folder. */
  file: string;
  /** 1-based line of the declaration, where known. */
  line?: number;
}

export interface Team extends TeamDocument {
  source: SourceRef;
}

export interface Tier {
  name: TierName;
  description: string;
  retries: {
    eventBridge: { attempts: number; maxEventAgeSeconds: number };
    lambda: { attempts: number; maxEventAgeSeconds: number };
  };
  deadLetters: { alarmThreshold: number; maxAgeSeconds: number };
  severity: Severity;
  stalenessSloSeconds: number;
  archiveRetentionDays: number;
  autoRedrive: boolean;
  degraded: { failures: number; windowSeconds: number };
}

export type HttpAuth = HttpAuthDocument;

export interface HttpEndpoint {
  id: string;
  kind: 'http';
  url: ValueRef;
  auth: HttpAuth;
  timeoutSeconds: number;
}

export interface EventBridgeEndpoint {
  id: string;
  kind: 'eventbridge';
  busArn: ValueRef;
}

export type Endpoint = HttpEndpoint | EventBridgeEndpoint;

/** How a webhook request is signed, resolved (header names lower-case, tolerances in seconds). */
export type WebhookSignature =
  | { scheme: 'hmac-sha256'; header: string; encoding: 'hex' | 'base64'; prefix: string }
  | { scheme: 'stripe'; header: string; toleranceSeconds: number }
  | { scheme: 'standard-webhooks'; toleranceSeconds: number };

export interface Webhook {
  signature: WebhookSignature;
  /** One secret, or two while rotating. */
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
}

export interface System {
  id: string;
  name: string;
  owner: string;
  description: string;
  endpoints: Endpoint[];
  webhook?: Webhook;
  source: SourceRef;
}

export interface HttpTarget {
  system: string;
  adapter: 'http';
  endpoint: HttpEndpoint;
  request: { method: 'POST' | 'PUT' | 'PATCH'; path: string; body: Mapping };
}

export interface EventBridgeTarget {
  system: string;
  adapter: 'eventbridge';
  endpoint: EventBridgeEndpoint;
  event: { source: string; detailType: string; detail: Mapping };
}

export type Target = HttpTarget | EventBridgeTarget;

export interface Contract {
  id: string;
  description: string;
  source: { system: string; eventSource: string; detailType: string; filter?: Record<string, unknown> };
  target: Target;
  entity: { type: string; id: string; version: string };
  schema: Record<string, unknown>;
  tier: TierName;
  /** The owning team: declared, or the target system's owner. */
  owner: string;
  ownerDeclared: boolean;
  customerImpact: string;
  stalenessSloSeconds: number;
  fallback: string;
  escalation: string[];
  personalData: string[];
  /** Stack group on AWS: declared, or the owner team. */
  stackGroup: string;
  samples: SampleDocument[];
  source_: SourceRef;
}

/** Everything declared in one contracts folder, resolved. */
export interface Estate {
  /** The contracts folder, as given. */
  dir: string;
  systems: System[];
  teams: Team[];
  tiers: Record<TierName, Tier>;
  contracts: Contract[];
}
