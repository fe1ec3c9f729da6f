/**
 * Physical names, decided once. Deterministic names let alarms, dashboards, runbooks and CLI
 * commands name resources directly ("aws logs tail /aws/lambda/handoff-prod-crm-customer-to-helpdesk")
 * and keep stacks free of cross-stack exports.
 */
import type { Severity, TierName } from '../model/types.js';

/** Stage names: lower-case, short enough that every derived name fits AWS limits. */
export const STAGE_PATTERN = /^[a-z][a-z0-9]{1,7}$/;

export function prefix(stage: string): string {
  return `handoff-${stage}`;
}

export const names = {
  bus: (stage: string) => `${prefix(stage)}`,
  contractFunction: (stage: string, contractId: string) => `${prefix(stage)}-${contractId}`,
  contractRule: (stage: string, contractId: string) => `${prefix(stage)}-${contractId}`,
  platformFunction: (stage: string, kind: string) => `${prefix(stage)}-platform-${kind}`,
  webhookFunction: (stage: string, systemId: string) => `${prefix(stage)}-platform-webhook-${systemId}`,
  platformRule: (stage: string, id: string) => `${prefix(stage)}-platform-${id}`,
  deadLetterQueue: (stage: string, tier: TierName) => `${prefix(stage)}-dlq-${tier}`,
  table: (stage: string, id: 'sync-state' | 'operations') => `${prefix(stage)}-${id}`,
  topic: (stage: string, severity: Severity) => `${prefix(stage)}-${severity}`,
  archive: (stage: string, tier: TierName) => `${prefix(stage)}-${tier}`,
  alarm: (stage: string, subject: string, failureMode: string) =>
    `${prefix(stage)}-${subject}-${failureMode}`,
  dashboard: (stage: string) => `${prefix(stage)}`,
  coreStack: (stage: string) => `${prefix(stage)}-core`,
  contractsStack: (stage: string, group: string) => `${prefix(stage)}-contracts-${group}`,
  metricsNamespace: (stage: string) => `Handoff/${stage}`,
} as const;

/** The service dimension every handoff metric carries (Powertools adds it to every EMF record). */
export const METRICS_SERVICE = 'handoff';
