/**
 * The plan's alarms: for every contract, one alarm per contract-level failure mode; for every
 * tier, its dead-letter alarms; for handoff's own functions, an error alarm. Each carries its
 * owner, escalation, customer impact and runbook link, and a description that says, in order:
 * what happened, customer impact, owner and escalation, runbook.
 */
import { durationInWords, formatDuration } from '../model/duration.js';
import type { Severity, TierName } from '../model/types.js';
import { FAILURE_MODES } from './failure-modes.js';
import {
  CHECKER_METRICS,
  contractDimensions,
  SYNC_METRICS,
  systemDimensions,
  WEBHOOK_METRICS,
} from './metrics.js';
import { names } from './names.js';
import type {
  AlarmMetricPlan,
  AlarmPlan,
  ContractPlan,
  FailureMode,
  FunctionPlan,
  MetricPlan,
  TeamPlan,
  TierPlan,
  WebhookPlan,
} from './types.js';

/** CloudWatch's limit on an alarm description. */
export const ALARM_DESCRIPTION_MAX = 1024;

/** Throttle counts that raise the throttling alarm, per tier, over five minutes. */
const THROTTLE_THRESHOLD: Record<TierName, number> = { critical: 1, standard: 5, 'best-effort': 20 };

const FIVE_MINUTES = 300;

export interface AlarmContext {
  stage: string;
  busName: string;
  metricsNamespace: string;
  runbookBaseUrl: string;
  teams: TeamPlan[];
  tiers: TierPlan[];
  systemNames: Map<string, string>;
  checkerPeriodSeconds: number;
  platformTeam: string;
  coreStack: string;
}

/** Builds every alarm for the contracts, tiers and platform functions. */
export function buildAlarms(
  contracts: ContractPlan[],
  platformFunctions: FunctionPlan[],
  ctx: AlarmContext,
): AlarmPlan[] {
  return [
    ...contracts.flatMap((contract) => contractAlarms(contract, ctx)),
    ...ctx.tiers
      .filter((tier) => tier.contracts.length > 0)
      .flatMap((tier) => tierAlarms(tier, contracts, ctx)),
    ...platformFunctions.map((fn) => platformAlarm(fn, ctx)),
    ...platformFunctions.filter((fn) => fn.kind === 'staleness').map((fn) => heartbeatAlarm(fn, ctx)),
  ];
}

/**
 * The staleness checker must run: if it stops without failing, the staleness and degraded alarms
 * see no data and stay OK. Missing invocations over three scheduled periods is breaching.
 */
function heartbeatAlarm(fn: FunctionPlan, ctx: AlarmContext): AlarmPlan {
  const period = minutePeriod(ctx.checkerPeriodSeconds * 3);
  return finish(
    {
      name: names.alarm(ctx.stage, 'platform-staleness', 'heartbeat'),
      failureMode: 'platform-errors',
      scope: { kind: 'platform', functionName: fn.name },
      tier: 'platform',
      severity: 'ticket',
      metric: {
        kind: 'metric',
        metric: {
          namespace: 'AWS/Lambda',
          metricName: 'Invocations',
          dimensions: { FunctionName: fn.name },
          statistic: 'Sum',
          periodSeconds: period,
        },
      },
      threshold: 1,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // No invocations at all is exactly the failure this alarm is for.
      treatMissingData: 'breaching',
      owner: ctx.platformTeam,
      escalation: [ctx.platformTeam],
      summary: `${fn.name} has not run for ${formatDuration(period)} (it runs every ${formatDuration(ctx.checkerPeriodSeconds)}).`,
      customerImpact:
        'No direct customer impact, but while it does not run, stale entities and degraded targets are not detected, so their alarms stay silent.',
      stack: ctx.coreStack,
    },
    ctx,
  );
}

function contractAlarms(contract: ContractPlan, ctx: AlarmContext): AlarmPlan[] {
  const tier = tierOf(ctx, contract.tier);
  const fn = contract.functionName;
  const lambda = (metricName: string, periodSeconds: number): MetricPlan => ({
    namespace: 'AWS/Lambda',
    metricName,
    dimensions: { FunctionName: fn },
    statistic: 'Sum',
    periodSeconds,
  });
  const events = (metricName: string, periodSeconds: number): MetricPlan => ({
    namespace: 'AWS/Events',
    metricName,
    dimensions: { EventBusName: ctx.busName, RuleName: contract.ruleName },
    statistic: 'Sum',
    periodSeconds,
  });
  const own = (
    metricName: string,
    periodSeconds: number,
    statistic: MetricPlan['statistic'] = 'Sum',
  ): MetricPlan => ({
    namespace: ctx.metricsNamespace,
    metricName,
    dimensions: contractDimensions(contract.id, contract.tier),
    statistic,
    periodSeconds,
  });
  const targetName = ctx.systemNames.get(contract.target.system) ?? contract.target.system;
  const label = `${contract.id} (${contract.tier})`;
  const errorWindow = minutePeriod(tier.degraded.windowSeconds);
  const sloPeriod = minutePeriod(contract.stalenessSloSeconds);

  const specs: Array<{ mode: FailureMode; metric: AlarmMetricPlan; threshold: number; summary: string }> = [
    {
      mode: 'handler-errors',
      metric: { kind: 'metric', metric: lambda('Errors', errorWindow) },
      threshold: tier.degraded.failures,
      summary: `${label}: the handler failed ${tier.degraded.failures} or more times in ${formatDuration(errorWindow)}; the events are being retried (${retryWords(tier)}), then go to ${tier.deadLetterQueue}.`,
    },
    {
      mode: 'throttles',
      metric: { kind: 'metric', metric: lambda('Throttles', FIVE_MINUTES) },
      threshold: THROTTLE_THRESHOLD[contract.tier],
      summary: `${label}: the handler was throttled ${THROTTLE_THRESHOLD[contract.tier]} or more times in 5m; Lambda retries throttled events, but syncs are delayed.`,
    },
    {
      mode: 'delivery-failures',
      metric: {
        kind: 'math',
        expression: 'FILL(failed, 0) + FILL(dlqFailed, 0) + FILL(destinationFailed, 0)',
        metrics: {
          failed: events('FailedInvocations', FIVE_MINUTES),
          dlqFailed: events('InvocationsFailedToBeSentToDlq', FIVE_MINUTES),
          destinationFailed: lambda('DestinationDeliveryFailures', FIVE_MINUTES),
        },
        periodSeconds: FIVE_MINUTES,
        label: 'Events that reached neither the handler nor the dead-letter queue',
      },
      threshold: 1,
      summary: `${label}: events could not be delivered to the handler or to ${tier.deadLetterQueue}; they may be lost and must be replayed from the archive or the source.`,
    },
    {
      mode: 'sent-to-dlq',
      metric: { kind: 'metric', metric: events('InvocationsSentToDlq', FIVE_MINUTES) },
      threshold: 1,
      summary: `${label}: EventBridge gave up delivering events to the handler and put them in ${tier.deadLetterQueue}.`,
    },
    {
      mode: 'silent-failure',
      metric: {
        kind: 'math',
        expression: 'IF(FILL(matched, 0) > 0 AND FILL(synced, 0) + FILL(skipped, 0) == 0, 1, 0)',
        metrics: {
          matched: events('MatchedEvents', sloPeriod),
          synced: own(SYNC_METRICS.synced, sloPeriod),
          skipped: own(SYNC_METRICS.skipped, sloPeriod),
        },
        periodSeconds: sloPeriod,
        label: 'Matched events with nothing synced',
      },
      threshold: 1,
      summary: `${label}: events matched the route in the last ${formatDuration(sloPeriod)} but none was synced or skipped as a duplicate.`,
    },
    {
      mode: 'staleness',
      metric: { kind: 'metric', metric: own(CHECKER_METRICS.stale, ctx.checkerPeriodSeconds, 'Maximum') },
      threshold: 1,
      summary: `${label}: entities have waited longer than the ${formatDuration(contract.stalenessSloSeconds)} staleness SLO to reach ${targetName}.`,
    },
    {
      mode: 'target-degraded',
      metric: { kind: 'metric', metric: own(CHECKER_METRICS.degraded, ctx.checkerPeriodSeconds, 'Maximum') },
      threshold: 1,
      summary: `${label}: ${targetName} is failing repeatedly (${tier.degraded.failures} or more transient failures in ${formatDuration(tier.degraded.windowSeconds)}); events are retried${tier.autoRedrive ? ' and transient dead letters are redriven when it recovers' : ''}.`,
    },
    {
      mode: 'schema-rejections',
      metric: { kind: 'metric', metric: own(SYNC_METRICS.permanent, FIVE_MINUTES) },
      threshold: 1,
      summary: `${label}: events were rejected as invalid (schema, mapping or a 4xx answer from ${targetName}) and sent to ${tier.deadLetterQueue} without retries.`,
    },
    {
      mode: 'config-errors',
      metric: { kind: 'metric', metric: own(SYNC_METRICS.config, FIVE_MINUTES) },
      threshold: 1,
      summary: `${label}: ${targetName} rejected handoff's credentials, or the endpoint or secret is not configured (401/403/missing); events go to ${tier.deadLetterQueue}.`,
    },
  ];
  return specs.map((spec) =>
    finish(
      {
        name: names.alarm(ctx.stage, contract.id, spec.mode),
        failureMode: spec.mode,
        scope: { kind: 'contract', contractId: contract.id },
        tier: contract.tier,
        severity: tier.severity,
        metric: spec.metric,
        threshold: spec.threshold,
        comparison: 'GreaterThanOrEqualToThreshold',
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // AWS metrics here are emitted only when non-zero (EventBridge failures) or only when the
        // function runs; handoff's own are emitted only on events. Missing data means nothing happened.
        treatMissingData: 'notBreaching',
        owner: contract.owner,
        escalation: contract.escalation,
        summary: spec.summary,
        customerImpact: contract.customerImpact,
        stack: contract.stack,
      },
      ctx,
    ),
  );
}

function tierAlarms(tier: TierPlan, contracts: ContractPlan[], ctx: AlarmContext): AlarmPlan[] {
  const queue = (metricName: string): MetricPlan => ({
    namespace: 'AWS/SQS',
    metricName,
    dimensions: { QueueName: tier.deadLetterQueue },
    statistic: 'Maximum',
    periodSeconds: FIVE_MINUTES,
  });
  const inTier = contracts.filter((c) => c.tier === tier.name);
  const impact = `Each dead letter is a change that did not reach its target: until it is redriven, support sees stale data for that customer in ${inTier.length} ${tier.name} contract${inTier.length === 1 ? '' : 's'} (${inTier.map((c) => c.id).join(', ')}).`;
  // The platform team runs the queue and the redrive; the contracts' owners fix their causes.
  const escalation = [
    ctx.platformTeam,
    ...new Set(inTier.map((c) => c.owner).filter((o) => o !== ctx.platformTeam)),
  ];
  const base = {
    tier: tier.name,
    severity: tier.severity,
    comparison: 'GreaterThanOrEqualToThreshold' as const,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    // SQS publishes these while the queue is active; an empty, idle queue has no data and nothing waiting.
    treatMissingData: 'notBreaching' as const,
    owner: ctx.platformTeam,
    escalation,
    customerImpact: impact,
    stack: ctx.coreStack,
    scope: { kind: 'tier' as const, tier: tier.name },
  };
  return [
    finish(
      {
        ...base,
        name: names.alarm(ctx.stage, tier.name, 'dead-letters'),
        failureMode: 'dead-letters',
        metric: { kind: 'metric', metric: queue('ApproximateNumberOfMessagesVisible') },
        threshold: tier.deadLetters.alarmThreshold,
        summary: `${tier.name} tier: ${tier.deadLetters.alarmThreshold} or more dead letters are waiting in ${tier.deadLetterQueue}.`,
      },
      ctx,
    ),
    finish(
      {
        ...base,
        name: names.alarm(ctx.stage, tier.name, 'dead-letter-age'),
        failureMode: 'dead-letter-age',
        metric: { kind: 'metric', metric: queue('ApproximateAgeOfOldestMessage') },
        threshold: tier.deadLetters.maxAgeSeconds,
        summary: `${tier.name} tier: the oldest dead letter in ${tier.deadLetterQueue} has waited longer than ${formatDuration(tier.deadLetters.maxAgeSeconds)}.`,
      },
      ctx,
    ),
  ];
}

function platformAlarm(fn: FunctionPlan, ctx: AlarmContext): AlarmPlan {
  const what: Record<string, string> = {
    'status-api': 'support cannot look up sync status',
    staleness: 'stale entities and degraded targets are not detected, so their alarms stay silent',
    incidents: 'alarms do not open or resolve incidents, so support does not see them',
    redrive: 'dead letters of recovered contracts are not redriven automatically',
    ownership: 'ownership in the status API may not match the contracts',
  };
  return finish(
    {
      name: names.alarm(ctx.stage, fn.name.replace(`handoff-${ctx.stage}-`, ''), 'errors'),
      failureMode: 'platform-errors',
      scope: { kind: 'platform', functionName: fn.name },
      tier: 'platform',
      severity: 'ticket',
      metric: {
        kind: 'metric',
        metric: {
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          dimensions: { FunctionName: fn.name },
          statistic: 'Sum',
          periodSeconds: FIVE_MINUTES,
        },
      },
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      owner: ctx.platformTeam,
      escalation: [ctx.platformTeam],
      summary: `${fn.name} failed in the last 5m.`,
      customerImpact: `No direct customer impact, but while it fails ${what[fn.kind] ?? 'handoff is partly blind'}.`,
      stack: ctx.coreStack,
    },
    ctx,
  );
}

/** Signature failures that raise the alarm in five minutes: one may be a probe, five are a pattern. */
export const WEBHOOK_SIGNATURE_THRESHOLD = 5;
const SEVERITY_ORDER = { page: 0, ticket: 1, digest: 2 } as const;

/** Alarms of each inbound webhook: signatures failing (usually a rotated secret) and puts failing. */
export function buildWebhookAlarms(
  webhooks: WebhookPlan[],
  contracts: ContractPlan[],
  ctx: AlarmContext & { busName: string },
): AlarmPlan[] {
  return webhooks.flatMap((w) => {
    const fed = contracts.filter((c) => w.feeds.includes(c.id));
    // As urgent as the most important contract the webhook feeds.
    const severity =
      fed.map((c) => tierOf(ctx, c.tier).severity).sort((a, b) => SEVERITY_ORDER[a] - SEVERITY_ORDER[b])[0] ??
      'ticket';
    const tier = fed
      .map((c) => c.tier)
      .sort(
        (a, b) =>
          ['critical', 'standard', 'best-effort'].indexOf(a) -
          ['critical', 'standard', 'best-effort'].indexOf(b),
      )[0];
    const impact = `Changes ${w.systemName} sends stop reaching handoff, so ${fed.length === 0 ? 'no contract' : fed.map((c) => c.id).join(', ')} ${fed.length === 1 ? 'falls' : 'fall'} behind; ${w.systemName} retries deliveries handoff did not accept, for a limited time.`;
    const metric = (name: string, reason?: 'signature'): MetricPlan => ({
      namespace: ctx.metricsNamespace,
      metricName: name,
      dimensions: systemDimensions(w.systemId, reason),
      statistic: 'Sum',
      periodSeconds: FIVE_MINUTES,
    });
    const base = {
      scope: { kind: 'system' as const, systemId: w.systemId },
      tier: tier ?? ('platform' as const),
      severity,
      comparison: 'GreaterThanOrEqualToThreshold' as const,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // Emitted only when requests arrive: no data means no rejections.
      treatMissingData: 'notBreaching' as const,
      customerImpact: impact,
      stack: ctx.coreStack,
    };
    // The receiver's own errors (a cold start that fails, say): requests then fail before any metric.
    const receiverErrors = finish(
      {
        ...base,
        name: names.alarm(ctx.stage, `platform-webhook-${w.systemId}`, 'errors'),
        failureMode: 'platform-errors',
        scope: { kind: 'platform', functionName: w.functionName },
        tier: 'platform',
        metric: {
          kind: 'metric',
          metric: {
            namespace: 'AWS/Lambda',
            metricName: 'Errors',
            dimensions: { FunctionName: w.functionName },
            statistic: 'Sum',
            periodSeconds: FIVE_MINUTES,
          },
        },
        threshold: 1,
        owner: ctx.platformTeam,
        escalation: [ctx.platformTeam, w.owner],
        summary: `${w.functionName} failed in the last 5m; ${w.systemName} gets errors and retries its deliveries.`,
      },
      ctx,
    );
    return [
      receiverErrors,
      finish(
        {
          ...base,
          name: names.alarm(ctx.stage, `webhook-${w.systemId}`, 'signatures'),
          failureMode: 'webhook-signatures',
          metric: { kind: 'metric', metric: metric(WEBHOOK_METRICS.rejected, 'signature') },
          threshold: WEBHOOK_SIGNATURE_THRESHOLD,
          owner: w.owner,
          escalation: [w.owner, ctx.platformTeam],
          summary: `${w.systemName} webhook: ${WEBHOOK_SIGNATURE_THRESHOLD} or more requests in 5m had signatures handoff could not verify (usually a rotated secret); they were refused with 401 and ${w.systemName} will retry them.`,
        },
        ctx,
      ),
      finish(
        {
          ...base,
          name: names.alarm(ctx.stage, `webhook-${w.systemId}`, 'put-failures'),
          failureMode: 'webhook-put-failures',
          metric: { kind: 'metric', metric: metric(WEBHOOK_METRICS.putFailed) },
          threshold: 1,
          owner: ctx.platformTeam,
          escalation: [ctx.platformTeam, w.owner],
          summary: `${w.systemName} webhook: verified events could not be put on ${ctx.busName}; handoff answered 503 so ${w.systemName} retries them.`,
        },
        ctx,
      ),
    ];
  });
}

type AlarmDraft = Omit<AlarmPlan, 'runbook' | 'description'>;

function finish(draft: AlarmDraft, ctx: AlarmContext): AlarmPlan {
  const page = FAILURE_MODES[draft.failureMode].runbook;
  const runbook = { path: `runbooks/${page}`, url: `${ctx.runbookBaseUrl.replace(/\/+$/, '')}/${page}` };
  return { ...draft, runbook, description: describeAlarm(draft, runbook.url, ctx.teams) };
}

/** Renders an alarm description within CloudWatch's 1,024 characters, never cutting the runbook URL. */
export function describeAlarm(
  alarm: Pick<AlarmPlan, 'summary' | 'customerImpact' | 'owner' | 'escalation' | 'severity'>,
  runbookUrl: string,
  teams: TeamPlan[],
): string {
  const team = (id: string) => teams.find((t) => t.id === id);
  const owner = team(alarm.owner);
  const ownerText = owner
    ? `${owner.name} (${[owner.oncallChannel, owner.pager].filter(Boolean).join(', ')}; ${owner.hours})`
    : alarm.owner;
  const next = alarm.escalation.filter((id) => id !== alarm.owner).map((id) => team(id)?.name ?? id);
  const ownerLine = `Owner: ${ownerText}.${next.length ? ` Escalate to: ${next.join(', then ')}.` : ''}`;
  const runbookLine = `Runbook: ${runbookUrl}`;
  const fixed =
    ownerLine.length +
    runbookLine.length +
    '\n\n\n'.length +
    'What happened: '.length +
    'Customer impact: '.length;
  const room = ALARM_DESCRIPTION_MAX - fixed;
  const summaryRoom = Math.min(alarm.summary.length, Math.max(80, Math.floor(room / 2)));
  const summary = clip(alarm.summary, summaryRoom);
  const impact = clip(alarm.customerImpact, room - summary.length);
  return `What happened: ${summary}\nCustomer impact: ${impact}\n${ownerLine}\n${runbookLine}`.slice(
    0,
    ALARM_DESCRIPTION_MAX,
  );
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

function tierOf(ctx: AlarmContext, name: TierName): TierPlan {
  const tier = ctx.tiers.find((t) => t.name === name);
  if (!tier) throw new Error(`tier ${name} missing from plan`);
  return tier;
}

/** Alarm periods must be 10, 30 or a multiple of 60 seconds; round up to whole minutes. */
export function minutePeriod(seconds: number): number {
  return Math.max(60, Math.ceil(seconds / 60) * 60);
}

function retryWords(tier: TierPlan): string {
  const { attempts, maxEventAgeSeconds } = tier.retries.lambda;
  return attempts === 0
    ? 'no handler retries'
    : `up to ${attempts} handler retr${attempts === 1 ? 'y' : 'ies'} within ${durationInWords(maxEventAgeSeconds)}`;
}

/** The severity a tier's alarms are raised at. */
export function tierSeverity(tiers: TierPlan[], tier: TierName): Severity {
  return tierOf({ tiers } as AlarmContext, tier).severity;
}
