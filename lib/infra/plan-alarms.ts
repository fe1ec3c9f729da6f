/**
 * The plan's alarms as CloudWatch alarms: metric or metric math exactly as planned, the plan's name
 * and description (what happened, customer impact, owner and escalation, runbook URL), and alarm
 * and OK actions on the topic of the alarm's severity, so an incident opens and closes.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AlarmMetricPlan, AlarmPlan, MetricPlan, Severity } from '../plan/types.js';
import { PlanRenderError } from './errors.js';

/** CloudWatch's limits that the plan must respect. */
const DESCRIPTION_MAX = 1024;
const ALARM_NAME_MAX = 255;
const ONE_DAY = 86_400;

/** Props of PlanAlarms. */
export interface PlanAlarmsProps {
  /** The alarms to render (those of one stack). */
  readonly alarms: AlarmPlan[];
  /** The topic each severity's notifications go to. */
  readonly topic: (severity: Severity) => sns.ITopic;
}

/** A set of the plan's alarms. */
export class PlanAlarms extends Construct {
  /** Alarms by name. */
  public readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: PlanAlarmsProps) {
    super(scope, id);
    const problems = props.alarms.flatMap(alarmProblems);
    if (problems.length > 0) throw new PlanRenderError(problems.join('; '));

    const alarms = new Map<string, cloudwatch.Alarm>();
    const actions = new Map<Severity, SnsAction>();
    for (const plan of props.alarms) {
      const alarm = new cloudwatch.Alarm(this, plan.name, {
        alarmName: plan.name,
        alarmDescription: plan.description,
        metric: renderAlarmMetric(plan.metric),
        threshold: plan.threshold,
        comparisonOperator: cloudwatch.ComparisonOperator[comparison(plan.comparison)],
        evaluationPeriods: plan.evaluationPeriods,
        datapointsToAlarm: plan.datapointsToAlarm,
        treatMissingData: MISSING_DATA[plan.treatMissingData],
        actionsEnabled: true,
      });
      let action = actions.get(plan.severity);
      if (!action) {
        action = new SnsAction(props.topic(plan.severity));
        actions.set(plan.severity, action);
      }
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      alarms.set(plan.name, alarm);
    }
    this.alarms = alarms;
  }
}

/** A planned metric as a CloudWatch metric. */
export function renderMetric(metric: MetricPlan, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensionsMap: metric.dimensions,
    statistic: metric.statistic,
    period: Duration.seconds(metric.periodSeconds),
    ...(label ? { label } : {}),
  });
}

/** A planned alarm metric (plain or metric math) as a CloudWatch metric. */
export function renderAlarmMetric(metric: AlarmMetricPlan): cloudwatch.IMetric {
  if (metric.kind === 'metric') return renderMetric(metric.metric);
  return new cloudwatch.MathExpression({
    expression: metric.expression,
    usingMetrics: Object.fromEntries(Object.entries(metric.metrics).map(([id, m]) => [id, renderMetric(m)])),
    period: Duration.seconds(metric.periodSeconds),
    label: metric.label,
  });
}

const MISSING_DATA: Record<AlarmPlan['treatMissingData'], cloudwatch.TreatMissingData> = {
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
  breaching: cloudwatch.TreatMissingData.BREACHING,
  ignore: cloudwatch.TreatMissingData.IGNORE,
  missing: cloudwatch.TreatMissingData.MISSING,
};

function comparison(value: AlarmPlan['comparison']): keyof typeof cloudwatch.ComparisonOperator {
  switch (value) {
    case 'GreaterThanThreshold':
      return 'GREATER_THAN_THRESHOLD';
    case 'GreaterThanOrEqualToThreshold':
      return 'GREATER_THAN_OR_EQUAL_TO_THRESHOLD';
    case 'LessThanThreshold':
      return 'LESS_THAN_THRESHOLD';
  }
}

/** What CloudWatch would reject in an alarm (or a description missing its runbook), one line per problem. */
export function alarmProblems(alarm: AlarmPlan): string[] {
  const problems: string[] = [];
  if (alarm.name.length > ALARM_NAME_MAX)
    problems.push(`alarm ${alarm.name}: name longer than ${ALARM_NAME_MAX}`);
  if (alarm.description.length > DESCRIPTION_MAX)
    problems.push(`alarm ${alarm.name}: description longer than ${DESCRIPTION_MAX} characters`);
  if (!alarm.description.includes(alarm.runbook.url))
    problems.push(`alarm ${alarm.name}: description does not carry the runbook URL ${alarm.runbook.url}`);
  const period =
    alarm.metric.kind === 'metric' ? alarm.metric.metric.periodSeconds : alarm.metric.periodSeconds;
  if (period * alarm.evaluationPeriods > ONE_DAY)
    problems.push(
      `${alarm.name}: evaluates ${period * alarm.evaluationPeriods}s, more than CloudWatch's one day`,
    );
  if (alarm.datapointsToAlarm > alarm.evaluationPeriods)
    problems.push(`alarm ${alarm.name}: datapointsToAlarm exceeds evaluationPeriods`);
  return problems;
}
