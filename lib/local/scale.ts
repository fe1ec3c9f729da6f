/**
 * `--time-scale F`: the local layer divides every business duration of the plan by F (retry
 * delays and event ages, staleness SLOs, degraded windows, dead-letter age thresholds, alarm
 * periods, schedules), so an hour of AWS behaviour plays out in a minute at F = 60. Clocks stay
 * real: leases and request timeouts protect real network calls and must not shrink.
 */
import type { AlarmMetricPlan, AlarmPlan, Plan } from '../plan/types.js';

/** Divides a duration by the factor; never below `min` seconds. */
export function scaled(seconds: number, factor: number, min = 1): number {
  return Math.max(min, Math.round(seconds / factor));
}

/** Returns the plan with every business duration divided by `factor` (1 returns it unchanged). */
export function scalePlan(plan: Plan, factor: number): Plan {
  if (factor === 1) return plan;
  const s = (seconds: number) => scaled(seconds, factor);
  return {
    ...plan,
    tiers: plan.tiers.map((t) => ({
      ...t,
      retries: {
        eventBridge: {
          ...t.retries.eventBridge,
          maxEventAgeSeconds: s(t.retries.eventBridge.maxEventAgeSeconds),
        },
        lambda: { ...t.retries.lambda, maxEventAgeSeconds: s(t.retries.lambda.maxEventAgeSeconds) },
      },
      deadLetters: { ...t.deadLetters, maxAgeSeconds: s(t.deadLetters.maxAgeSeconds) },
      stalenessSloSeconds: s(t.stalenessSloSeconds),
      degraded: { ...t.degraded, windowSeconds: s(t.degraded.windowSeconds) },
    })),
    contracts: plan.contracts.map((c) => ({ ...c, stalenessSloSeconds: s(c.stalenessSloSeconds) })),
    routes: plan.routes.map((r) => ({
      ...r,
      retry: { ...r.retry, maxEventAgeSeconds: s(r.retry.maxEventAgeSeconds) },
    })),
    functions: plan.functions.map((f) =>
      f.async
        ? {
            ...f,
            async: {
              ...f.async,
              retry: { ...f.async.retry, maxEventAgeSeconds: s(f.async.retry.maxEventAgeSeconds) },
            },
          }
        : f,
    ),
    schedules: plan.schedules.map((x) => ({ ...x, rateSeconds: s(x.rateSeconds) })),
    alarms: plan.alarms.map((a) => scaleAlarm(a, factor)),
  };
}

function scaleAlarm(alarm: AlarmPlan, factor: number): AlarmPlan {
  const period = (seconds: number) => scaled(seconds, factor);
  const metric: AlarmMetricPlan =
    alarm.metric.kind === 'metric'
      ? {
          kind: 'metric',
          metric: { ...alarm.metric.metric, periodSeconds: period(alarm.metric.metric.periodSeconds) },
        }
      : {
          ...alarm.metric,
          periodSeconds: period(alarm.metric.periodSeconds),
          metrics: Object.fromEntries(
            Object.entries(alarm.metric.metrics).map(([id, m]) => [
              id,
              { ...m, periodSeconds: period(m.periodSeconds) },
            ]),
          ),
        };
  // The dead-letter age alarm's threshold is itself a duration.
  const threshold = alarm.failureMode === 'dead-letter-age' ? period(alarm.threshold) : alarm.threshold;
  return { ...alarm, metric, threshold };
}
