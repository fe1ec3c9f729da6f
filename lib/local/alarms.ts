/**
 * Local alarm evaluation: the plan's alarms over the local metric store, with their thresholds,
 * comparison, missing-data treatment and metric math, evaluated on a tick. A state change becomes
 * the same "CloudWatch Alarm State Change" event AWS puts on the default bus, so the incidents
 * handler opens and resolves incidents locally exactly as on AWS. States survive restarts.
 */
import type { AlarmPlan } from '../plan/types.js';
import type { MetricStore } from './metrics.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmStatus {
  state: AlarmState;
  since: string;
  value?: number;
}

/** Evaluates a metric-math expression of the forms the plan emits; undefined means missing data. */
export function evaluateExpression(
  expression: string,
  values: Record<string, number | undefined>,
): number | undefined {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const expect = (t: string) => {
    if (next() !== t) throw new Error(`expected ${t} in ${expression}`);
  };
  // Precedence: OR < AND < comparison < + - < * / < primary.
  const or = (): number | undefined => {
    let left = and();
    while (peek() === 'OR') {
      next();
      const right = and();
      left = left === undefined || right === undefined ? undefined : Number(left !== 0 || right !== 0);
    }
    return left;
  };
  const and = (): number | undefined => {
    let left = comparison();
    while (peek() === 'AND') {
      next();
      const right = comparison();
      left = left === undefined || right === undefined ? undefined : Number(left !== 0 && right !== 0);
    }
    return left;
  };
  const comparison = (): number | undefined => {
    const left = additive();
    const op = peek();
    if (op === '>' || op === '<' || op === '>=' || op === '<=' || op === '==' || op === '!=') {
      next();
      const right = additive();
      if (left === undefined || right === undefined) return undefined;
      const result = {
        '>': left > right,
        '<': left < right,
        '>=': left >= right,
        '<=': left <= right,
        '==': left === right,
        '!=': left !== right,
      }[op];
      return Number(result);
    }
    return left;
  };
  const additive = (): number | undefined => {
    let left = multiplicative();
    while (peek() === '+' || peek() === '-') {
      const op = next();
      const right = multiplicative();
      left = left === undefined || right === undefined ? undefined : op === '+' ? left + right : left - right;
    }
    return left;
  };
  const multiplicative = (): number | undefined => {
    let left = primary();
    while (peek() === '*' || peek() === '/') {
      const op = next();
      const right = primary();
      left =
        left === undefined || right === undefined
          ? undefined
          : op === '*'
            ? left * right
            : right === 0
              ? undefined
              : left / right;
    }
    return left;
  };
  const primary = (): number | undefined => {
    const token = next();
    if (token === undefined) throw new Error(`unexpected end of ${expression}`);
    if (token === '(') {
      const value = or();
      expect(')');
      return value;
    }
    if (/^\d/.test(token)) return Number(token);
    if (token === 'FILL') {
      expect('(');
      const inner = or();
      expect(',');
      const fill = or();
      expect(')');
      return inner ?? fill;
    }
    if (token === 'IF') {
      expect('(');
      const condition = or();
      expect(',');
      const whenTrue = or();
      expect(',');
      const whenFalse = or();
      expect(')');
      return condition === undefined ? undefined : condition !== 0 ? whenTrue : whenFalse;
    }
    if (/^[A-Za-z_]\w*$/.test(token)) return values[token];
    throw new Error(`unexpected ${token} in ${expression}`);
  };
  const value = or();
  if (pos !== tokens.length) throw new Error(`unexpected ${tokens[pos]} in ${expression}`);
  return value;
}

function tokenize(expression: string): string[] {
  const tokens = expression.match(/\d+(\.\d+)?|[A-Za-z_]\w*|>=|<=|==|!=|[()+\-*/,<>]/g) ?? [];
  return tokens;
}

/** The value an alarm sees now; undefined is missing data. */
export function alarmValue(alarm: AlarmPlan, metrics: MetricStore, now: number): number | undefined {
  if (alarm.metric.kind === 'metric') return metrics.statistic(alarm.metric.metric, now);
  const values: Record<string, number | undefined> = {};
  for (const [id, metric] of Object.entries(alarm.metric.metrics))
    values[id] = metrics.statistic(metric, now);
  return evaluateExpression(alarm.metric.expression, values);
}

/** The state an alarm moves to for a value, honouring its missing-data treatment. */
export function nextState(alarm: AlarmPlan, value: number | undefined, current: AlarmState): AlarmState {
  if (value === undefined) {
    switch (alarm.treatMissingData) {
      case 'notBreaching':
        return 'OK';
      case 'breaching':
        return 'ALARM';
      case 'ignore':
        return current;
      case 'missing':
        return 'INSUFFICIENT_DATA';
    }
  }
  const breaching =
    alarm.comparison === 'GreaterThanOrEqualToThreshold'
      ? value >= alarm.threshold
      : alarm.comparison === 'GreaterThanThreshold'
        ? value > alarm.threshold
        : value < alarm.threshold;
  return breaching ? 'ALARM' : 'OK';
}

/** Builds the event CloudWatch puts on the default bus when an alarm changes state. */
export function alarmStateChangeEvent(
  alarm: AlarmPlan,
  from: AlarmStatus,
  to: AlarmStatus,
  context: { account: string; region: string },
): Record<string, unknown> {
  const arn = `arn:aws:cloudwatch:${context.region}:${context.account}:alarm:${alarm.name}`;
  const reason =
    to.value === undefined
      ? 'no datapoints in the evaluation period (treated as not breaching)'
      : `Threshold Crossed: 1 datapoint [${to.value}] was ${to.state === 'ALARM' ? '' : 'not '}${{ GreaterThanOrEqualToThreshold: 'greater than or equal to', GreaterThanThreshold: 'greater than', LessThanThreshold: 'less than' }[alarm.comparison]} the threshold (${alarm.threshold}).`;
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: context.account,
    time: to.since,
    region: context.region,
    resources: [arn],
    detail: {
      alarmName: alarm.name,
      state: { value: to.state, reason, timestamp: to.since },
      previousState: { value: from.state, reason: '', timestamp: from.since },
      configuration: { description: alarm.description, metrics: [] },
    },
  };
}
