import { describe, expect, it } from 'vitest';
import { evaluateExpression, nextState } from '../../lib/local/alarms.js';
import type { AlarmPlan } from '../../lib/plan/types.js';
import { examplePlan } from '../helpers/estate.js';

const plan = examplePlan();
const alarm = (name: string) =>
  plan.alarms.find((a) => a.name === name) ?? expect.unreachable(`no alarm ${name}`);

describe('local alarm evaluation', () => {
  it('evaluates the metric math the plan emits, with FILL and IF', () => {
    const silent = alarm('handoff-dev-crm-customer-to-helpdesk-silent-failure');
    if (silent.metric.kind !== 'math') throw new Error('expected math');
    const expression = silent.metric.expression;
    expect(evaluateExpression(expression, { matched: 3, synced: undefined, skipped: undefined })).toBe(1);
    expect(evaluateExpression(expression, { matched: 3, synced: 1, skipped: undefined })).toBe(0);
    expect(
      evaluateExpression(expression, { matched: undefined, synced: undefined, skipped: undefined }),
    ).toBe(0);
    expect(evaluateExpression('FILL(a, 0) + FILL(b, 0) * 2 - 1', { a: 4, b: undefined })).toBe(3);
  });

  it('honours each missing-data treatment and comparison', () => {
    const dlq = alarm('handoff-dev-critical-dead-letters');
    expect(nextState(dlq, undefined, 'ALARM')).toBe('OK'); // notBreaching
    expect(nextState(dlq, 1, 'OK')).toBe('ALARM');
    const heartbeat = alarm('handoff-dev-platform-staleness-heartbeat');
    expect(nextState(heartbeat, undefined, 'OK')).toBe('ALARM'); // breaching: the checker stopped
    expect(nextState(heartbeat, 0, 'OK')).toBe('ALARM');
    expect(nextState(heartbeat, 2, 'ALARM')).toBe('OK');
    const ignore: AlarmPlan = { ...dlq, treatMissingData: 'ignore' };
    expect(nextState(ignore, undefined, 'ALARM')).toBe('ALARM');
    expect(nextState({ ...dlq, treatMissingData: 'missing' }, undefined, 'OK')).toBe('INSUFFICIENT_DATA');
    expect(nextState({ ...dlq, comparison: 'GreaterThanThreshold' }, 1, 'OK')).toBe('OK');
  });
});
