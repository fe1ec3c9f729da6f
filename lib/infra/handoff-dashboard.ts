/**
 * The stage's CloudWatch dashboard, laid out as an operator reads it: a header, then per tier
 * (most important first) its retry policy and dead-letter queue, then one row per contract:
 * outcomes (handoff's own metrics), the handler (Lambda) and the route (EventBridge).
 * CloudWatch allows 500 widgets per dashboard; a larger estate continues on `<name>-2`, `-3`...
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { formatDuration } from '../model/duration.js';
import { TIER_ORDER } from '../plan/build.js';
import { contractDimensions, SYNC_METRICS } from '../plan/metrics.js';
import type { ContractPlan, MetricPlan, Plan, TierPlan } from '../plan/types.js';
import { renderMetric } from './plan-alarms.js';

/** CloudWatch's limit on widgets per dashboard. */
export const DASHBOARD_WIDGET_LIMIT = 500;

const FIVE_MINUTES = 300;

/** Props of HandoffDashboard. */
export interface HandoffDashboardProps {
  /** The plan: tiers, contracts, names and metrics namespace. */
  readonly plan: Plan;
  /**
   * Widgets per dashboard before a continuation dashboard starts.
   * @default 500 (CloudWatch's limit)
   */
  readonly maxWidgetsPerDashboard?: number;
}

/** The stage's dashboard (and its continuations for very large estates). */
export class HandoffDashboard extends Construct {
  /** The dashboards, first page first. */
  public readonly dashboards: cloudwatch.Dashboard[];

  constructor(scope: Construct, id: string, props: HandoffDashboardProps) {
    super(scope, id);
    const { plan } = props;
    const limit = Math.min(props.maxWidgetsPerDashboard ?? DASHBOARD_WIDGET_LIMIT, DASHBOARD_WIDGET_LIMIT);
    const rows = dashboardRows(plan);

    const pages: cloudwatch.IWidget[][][] = [[]];
    let count = 0;
    for (const row of rows) {
      if (count + row.length > limit && count > 0) {
        pages.push([]);
        count = 0;
      }
      pages.at(-1)?.push(row);
      count += row.length;
    }
    this.dashboards = pages.map(
      (widgets, index) =>
        new cloudwatch.Dashboard(this, index === 0 ? 'Dashboard' : `Dashboard${index + 1}`, {
          dashboardName: index === 0 ? plan.prefix : `${plan.prefix}-${index + 1}`,
          defaultInterval: Duration.hours(6),
          widgets,
        }),
    );
  }
}

/** The dashboard's rows, in reading order. */
export function dashboardRows(plan: Plan): cloudwatch.IWidget[][] {
  const rows: cloudwatch.IWidget[][] = [
    [
      new cloudwatch.TextWidget({
        markdown: [
          `# handoff ${plan.stage}`,
          `${plan.contracts.length} contracts on bus \`${plan.bus.name}\`. Every alarm links its runbook under ${plan.runbookBaseUrl}. Contracts fingerprint \`${plan.fingerprint.slice(0, 12)}\`.`,
        ].join('\n\n'),
        width: 24,
        height: 2,
      }),
    ],
  ];
  const tiers = [...plan.tiers].sort((a, b) => TIER_ORDER[a.name] - TIER_ORDER[b.name]);
  for (const tier of tiers) {
    const contracts = plan.contracts.filter((c) => c.tier === tier.name);
    if (contracts.length === 0) continue;
    rows.push([tierHeader(tier, contracts.length), deadLetterWidget(tier)]);
    for (const contract of contracts) rows.push(contractRow(plan, contract));
  }
  return rows;
}

function tierHeader(tier: TierPlan, contracts: number): cloudwatch.IWidget {
  const eb = tier.retries.eventBridge;
  const fn = tier.retries.lambda;
  return new cloudwatch.TextWidget({
    markdown: [
      `## ${tier.name} tier: ${contracts} contract${contracts === 1 ? '' : 's'}, alarms ${tier.severity}`,
      `${tier.description}`,
      `Delivery: EventBridge retries ${eb.attempts} times within ${formatDuration(eb.maxEventAgeSeconds)}; a failing run is retried ${fn.attempts} time${fn.attempts === 1 ? '' : 's'} within ${formatDuration(fn.maxEventAgeSeconds)}. Both then land in \`${tier.deadLetterQueue}\`. Staleness SLO ${formatDuration(tier.stalenessSloSeconds)}.`,
    ].join('\n\n'),
    width: 12,
    height: 6,
  });
}

function deadLetterWidget(tier: TierPlan): cloudwatch.IWidget {
  const queue = (metricName: string, label: string) =>
    renderMetric(
      {
        namespace: 'AWS/SQS',
        metricName,
        dimensions: { QueueName: tier.deadLetterQueue },
        statistic: 'Maximum',
        periodSeconds: FIVE_MINUTES,
      },
      label,
    );
  return new cloudwatch.GraphWidget({
    title: `${tier.name}: dead letters (${tier.deadLetterQueue})`,
    left: [queue('ApproximateNumberOfMessagesVisible', 'waiting')],
    right: [queue('ApproximateAgeOfOldestMessage', 'oldest (s)')],
    leftAnnotations: [{ value: tier.deadLetters.alarmThreshold, label: 'alarm', color: '#d62728' }],
    width: 12,
    height: 6,
  });
}

function contractRow(plan: Plan, contract: ContractPlan): cloudwatch.IWidget[] {
  const own = (metricName: string, label: string) =>
    renderMetric(
      {
        namespace: plan.metricsNamespace,
        metricName,
        dimensions: contractDimensions(contract.id, contract.tier),
        statistic: 'Sum',
        periodSeconds: FIVE_MINUTES,
      },
      label,
    );
  const lambda = (metricName: string, label: string, statistic: MetricPlan['statistic'] | 'p99' = 'Sum') =>
    new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: contract.functionName },
      statistic,
      period: Duration.seconds(FIVE_MINUTES),
      label,
    });
  const events = (metricName: string, label: string) =>
    renderMetric(
      {
        namespace: 'AWS/Events',
        metricName,
        dimensions: { EventBusName: plan.bus.name, RuleName: contract.ruleName },
        statistic: 'Sum',
        periodSeconds: FIVE_MINUTES,
      },
      label,
    );
  return [
    new cloudwatch.GraphWidget({
      title: `${contract.id}: outcomes`,
      left: [
        own(SYNC_METRICS.synced, 'synced'),
        own(SYNC_METRICS.skipped, 'skipped (duplicate or older)'),
        own(SYNC_METRICS.transient, 'transient failures'),
        own(SYNC_METRICS.permanent, 'rejected (permanent)'),
        own(SYNC_METRICS.config, 'config failures'),
      ],
      width: 8,
      height: 6,
    }),
    new cloudwatch.GraphWidget({
      title: `${contract.id}: handler`,
      left: [
        lambda('Invocations', 'invocations'),
        lambda('Errors', 'errors'),
        lambda('Throttles', 'throttles'),
      ],
      right: [lambda('Duration', 'duration p99 (ms)', 'p99')],
      width: 8,
      height: 6,
    }),
    new cloudwatch.GraphWidget({
      title: `${contract.id}: route`,
      left: [
        events('MatchedEvents', 'matched'),
        events('FailedInvocations', 'failed deliveries'),
        events('InvocationsSentToDlq', 'sent to DLQ'),
      ],
      width: 8,
      height: 6,
    }),
  ];
}
