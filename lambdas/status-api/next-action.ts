/**
 * What support should do next, in plain language, for one entity on one contract: from the derived
 * state, the failure class, the tier's retry settings, the contract's fallback and who owns it.
 * Pure; every sentence is built from the plan and the record, never from payloads.
 */
import type { ContractPlan, FailureMode, TierPlan } from '../../lib/plan/types.js';
import type { FailureClass, HealthRecord, SyncRecord } from '../commons/records.js';
import type { SupportState } from '../commons/sync-status.js';
import {
  clockText,
  durationText,
  firstReachable,
  reachText,
  type SystemRef,
  type TeamView,
} from './views.js';

/**
 * Lambda retries a failed asynchronous run after about one minute, then after about two more
 * (its documented back-off); a tier allows 0 to 2 such retries.
 */
export const LAMBDA_RETRY_DELAYS_SECONDS = [60, 120] as const;

/** When handoff will try again, and when its automatic retries end. */
export interface RetryOutlook {
  /** Delivery attempts so far. */
  attempts: number;
  /** Attempts the tier allows: the first run plus Lambda's retries. */
  maxAttempts: number;
  /** About when the next attempt runs (ISO-8601); null when no retry is left. */
  nextTryAround: string | null;
  /** About when the last automatic attempt runs, if retries run on time (ISO-8601). */
  retriesEndAround: string;
  /** The latest a retry can run: the change's start plus the tier's maximum event age (ISO-8601). */
  latestRetryBy: string;
}

/** Works out the retry outlook of a change being retried. */
export function retryOutlook(
  record: Pick<SyncRecord, 'attempts' | 'failedAt' | 'updatedAt' | 'pendingSince'>,
  tier: Pick<TierPlan, 'retries'>,
): RetryOutlook {
  const retries = Math.min(tier.retries.lambda.attempts, LAMBDA_RETRY_DELAYS_SECONDS.length);
  const maxAttempts = 1 + retries;
  const attempts = Math.max(1, record.attempts);
  const lastTry = Date.parse(record.failedAt ?? record.updatedAt);
  const base = Number.isNaN(lastTry) ? Date.parse(record.updatedAt) : lastTry;
  const pending = Date.parse(record.pendingSince ?? record.updatedAt);
  const latest = (Number.isNaN(pending) ? base : pending) + tier.retries.lambda.maxEventAgeSeconds * 1000;
  const remaining = LAMBDA_RETRY_DELAYS_SECONDS.slice(attempts - 1, maxAttempts - 1);
  const next = remaining[0] === undefined ? undefined : base + remaining[0] * 1000;
  const end = Math.min(latest, base + remaining.reduce((sum, d) => sum + d * 1000, 0));
  return {
    attempts,
    maxAttempts,
    nextTryAround: next === undefined ? null : new Date(Math.min(next, latest)).toISOString(),
    retriesEndAround: new Date(end).toISOString(),
    latestRetryBy: new Date(latest).toISOString(),
  };
}

/** Everything a next action is built from. */
export interface NextActionInput {
  state: SupportState;
  entity: { type: string; id: string };
  contract: Pick<ContractPlan, 'id' | 'fallback' | 'stalenessSloSeconds'>;
  tier: Pick<TierPlan, 'autoRedrive'> | undefined;
  record:
    | Pick<SyncRecord, 'attempts' | 'failureClass' | 'failureReason' | 'pendingSince' | 'syncedAt'>
    | undefined;
  health: Pick<HealthRecord, 'degradedSince'> | undefined;
  source: SystemRef;
  target: SystemRef;
  /** Owner first, then the escalation list. */
  path: TeamView[];
  retry: RetryOutlook | undefined;
  /** Support-safe failure reason (already cleaned). */
  reason: string | undefined;
  now: Date;
}

/** The plain-language next action for support. */
export function nextAction(input: NextActionInput): string {
  const { state, entity, contract, target, source, now } = input;
  const who = `${entity.type} ${entity.id}`;
  const owner = input.path[0];
  const ownerName = owner?.name ?? 'the owning team';
  const escalateTo = escalationPhrase(input.path);
  const fallback = `If the customer is waiting, use the fallback: ${sentence(contract.fallback)}`;
  const customerLine = `If the customer asks, say the change is saved in ${source.name} but has not reached ${target.name} yet.`;
  switch (state) {
    case 'in_sync': {
      const at = input.record?.syncedAt ? new Date(input.record.syncedAt) : undefined;
      return at && !Number.isNaN(at.getTime())
        ? `Nothing to do: the latest change to ${who} reached ${target.name} at ${clockText(at, now)} (${durationText((now.getTime() - at.getTime()) / 1000)} ago).`
        : `Nothing to do: the latest change to ${who} reached ${target.name}.`;
    }
    case 'unknown':
      return `handoff has no record of ${who} for ${contract.id} (${source.name} to ${target.name}): either no change was ever sent from ${source.name}, or the id is wrong. Check the id in ${source.name}; if the ${entity.type} changed there more than a few minutes ago and still does not show here, ask ${escalateTo} to check ${contract.id}.`;
    case 'retrying':
      return `Do not re-enter the change: handoff is retrying it${retryPhrase(input.retry, now)}. If it still fails then, it goes to the dead-letter queue for ${ownerName} to redrive. ${fallback}`;
    case 'degraded': {
      const since = input.health?.degradedSince ? new Date(input.health.degradedSince) : undefined;
      const sinceText =
        since && !Number.isNaN(since.getTime())
          ? ` since ${clockText(since, now)} (${durationText((now.getTime() - since.getTime()) / 1000)})`
          : '';
      const redrive = input.tier?.autoRedrive
        ? `, and sends it again automatically when ${target.name} recovers`
        : '';
      return `${target.name} is failing for handoff${sinceText}; ${escalateTo} is handling it. Do not re-enter the change: handoff is retrying it${retryPhrase(input.retry, now)}${redrive}. ${fallback}`;
    }
    case 'stale': {
      const waited = input.record?.pendingSince
        ? durationText((now.getTime() - Date.parse(input.record.pendingSince)) / 1000)
        : 'too long';
      return `This change has waited ${waited}, longer than the ${durationText(contract.stalenessSloSeconds)} promised for ${contract.id}. Escalate now to ${escalateTo}, quoting contract ${contract.id} and ${who}. Do not re-enter the change. ${fallback}`;
    }
    case 'failed':
      return failedAction(input, who, escalateTo, customerLine, fallback);
  }
}

function failedAction(
  input: NextActionInput,
  who: string,
  escalateTo: string,
  customerLine: string,
  fallback: string,
): string {
  const { target, contract } = input;
  const because = input.reason ? ` (${input.reason})` : '';
  const ownerName = input.path[0]?.name ?? 'the owning team';
  const cls: FailureClass | undefined = input.record?.failureClass;
  if (cls === 'permanent') {
    return `The change to ${who} was rejected by ${target.name} or by handoff's checks${because} and will not be retried. Ask ${escalateTo} to fix the cause; do not re-enter the change until they confirm it is fixed. ${customerLine} ${fallback}`;
  }
  if (cls === 'config') {
    return `handoff cannot deliver to ${target.name} with its current configuration${because}: every change on ${contract.id} fails until ${ownerName} fixes the endpoint or credentials. Tell ${escalateTo} now. Do not re-enter the change: it is sent again from the dead-letter queue once the configuration is fixed. ${customerLine} ${fallback}`;
  }
  const attempts = input.record?.attempts ?? 0;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  const then =
    input.tier?.autoRedrive && input.health?.degradedSince
      ? `It is sent again automatically when ${target.name} recovers.`
      : `Ask ${escalateTo} to redrive it once ${target.name} works again.`;
  return `handoff gave up${tries} because ${target.name} kept failing${because}; the change is waiting in the dead-letter queue. ${then} Do not re-enter the change. ${customerLine} ${fallback}`;
}

/** "Billing Engineering (#billing-oncall, …)", or the first on-duty team when the owner is off duty. */
function escalationPhrase(path: TeamView[]): string {
  const owner = path[0];
  if (!owner) return 'the owning team';
  const reachable = firstReachable(path) ?? owner;
  if (reachable.id === owner.id || owner.onDuty !== false) return reachText(owner);
  return `${reachText(reachable)} (${owner.name}, the owner, is off duty now: ${owner.hours ?? 'hours unknown'})`;
}

function retryPhrase(retry: RetryOutlook | undefined, now: Date): string {
  if (!retry) return '';
  const nowMs = now.getTime();
  const latest = new Date(retry.latestRetryBy);
  if (retry.nextTryAround === null)
    return ' (its automatic retries are used up; it moves to the dead-letter queue)';
  if (latest.getTime() <= nowMs) return ' (its retries have run out; it moves to the dead-letter queue)';
  const end = new Date(retry.retriesEndAround);
  if (end.getTime() <= nowMs) {
    // The retries should have run by now: Lambda is running them late (throttling or a backlog).
    return ` (its retries are running late; Lambda keeps trying until ${clockText(latest, now)} at the latest)`;
  }
  const next = new Date(retry.nextTryAround);
  const nextText = next.getTime() <= nowMs ? 'any moment now' : `about ${clockText(next, now)}`;
  return ` (next try ${nextText}, until about ${clockText(end, now)})`;
}

/** One sentence per state: what it means, for someone who has never seen handoff. */
export function stateText(
  state: SupportState,
  entityType: string,
  target: SystemRef,
  sloSeconds: number,
): string {
  switch (state) {
    case 'in_sync':
      return `The latest change reached ${target.name}.`;
    case 'retrying':
      return `A change has not reached ${target.name} yet; handoff is retrying it (it should arrive within ${durationText(sloSeconds)}).`;
    case 'degraded':
      return `A change is waiting because ${target.name} is failing; handoff is retrying it.`;
    case 'stale':
      return `A change has waited longer than the ${durationText(sloSeconds)} it should take to reach ${target.name}.`;
    case 'failed':
      return `A change could not be delivered to ${target.name} and needs people to act.`;
    case 'unknown':
      return `handoff has never seen a change of this ${entityType} for this contract.`;
  }
}

/** The runbook page on-call follows for a state (and failure class); none while in sync. */
export function runbookModeFor(
  state: SupportState,
  failureClass: FailureClass | undefined,
): FailureMode | null {
  switch (state) {
    case 'in_sync':
    case 'unknown':
      // Nothing has failed: an entity never seen is normal until a change is made in the source.
      return null;
    case 'retrying':
      return 'handler-errors';
    case 'degraded':
      return 'target-degraded';
    case 'stale':
      return 'staleness';
    case 'failed':
      return failureClass === 'permanent'
        ? 'schema-rejections'
        : failureClass === 'config'
          ? 'config-errors'
          : 'dead-letters';
  }
}

/** The text, ending in exactly one full stop. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
