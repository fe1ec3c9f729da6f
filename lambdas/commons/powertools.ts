/**
 * One place that creates the Powertools logger and metrics for a function, so every handler logs
 * and measures the same way. Handlers receive these as dependencies; the local layer passes its
 * own instances per simulated execution environment.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_SERVICE } from '../../lib/plan/names.js';

/** A logger for one function; never pass whole events to it (personal data). */
export function createLogger(options: { serviceName?: string; logLevel?: string } = {}): Logger {
  return new Logger({
    serviceName: options.serviceName ?? METRICS_SERVICE,
    ...(options.logLevel ? { logLevel: options.logLevel as 'INFO' } : {}),
  });
}

/** Metrics in handoff's namespace (the plan's `metricsNamespace`). */
export function createMetrics(namespace: string): Metrics {
  return new Metrics({ namespace, serviceName: METRICS_SERVICE });
}
