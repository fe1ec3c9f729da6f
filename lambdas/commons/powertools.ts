/**
 * One place that creates the Powertools logger and metrics for a function, so every handler logs
 * and measures the same way. Handlers receive these as dependencies.
 *
 * On Lambda both write to stdout (CloudWatch reads EMF from the log stream). The local layer and
 * tests pass `output` to receive the exact lines instead: both Powertools classes print through a
 * `console` property they create themselves, which is replaced here (and only here).
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_SERVICE } from '../../lib/plan/names.js';

/** Receives each line a logger or metrics instance prints (a JSON document). */
export type LineSink = (line: string) => void;

/** A logger for one function; never pass whole events to it (personal data). */
export function createLogger(
  options: { serviceName?: string; logLevel?: string; output?: LineSink } = {},
): Logger {
  const logger = new Logger({
    serviceName: options.serviceName ?? METRICS_SERVICE,
    ...(options.logLevel ? { logLevel: options.logLevel as 'INFO' } : {}),
  });
  if (options.output) redirect(logger, options.output);
  return logger;
}

/** Metrics in handoff's namespace (the plan's `metricsNamespace`); EMF lines go to `output` when given. */
export function createMetrics(namespace: string, options: { output?: LineSink } = {}): Metrics {
  const metrics = new Metrics({ namespace, serviceName: METRICS_SERVICE });
  if (options.output) redirect(metrics, options.output);
  return metrics;
}

function redirect(target: Logger | Metrics, sink: LineSink): void {
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim()) sink(line);
        newline = pending.indexOf('\n');
      }
      callback();
    },
  });
  const console = new Console({ stdout: stream, stderr: stream });
  // Powertools keeps its printer in `console`; Logger also needs `trace` mapped to `log`.
  (console as unknown as { trace: Console['log'] }).trace = console.log.bind(console);
  (target as unknown as { console: Console }).console = console;
}
