/**
 * The local stand-in for CloudWatch metrics: datapoints keyed by namespace, name and dimensions,
 * fed by the handlers' own EMF output (parsed exactly as CloudWatch parses it) and by the layer
 * itself for AWS's namespaces (AWS/Lambda, AWS/Events, AWS/SQS). Alarms read statistics over a
 * trailing window; the live view reads running totals.
 */
import type { MetricPlan } from '../plan/types.js';

interface Datapoint {
  t: number;
  value: number;
}

/** Identifies a metric: namespace, name and the exact dimension set. */
export function metricKey(namespace: string, name: string, dimensions: Record<string, string>): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k]}`)
    .join(',');
  return `${namespace}|${name}|${dims}`;
}

export class MetricStore {
  private readonly series = new Map<string, Datapoint[]>();
  private readonly totals = new Map<string, number>();

  /** @param retentionMs How long datapoints are kept for alarm windows. */
  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one value. */
  record(
    namespace: string,
    name: string,
    dimensions: Record<string, string>,
    value: number,
    t = this.now(),
  ): void {
    const key = metricKey(namespace, name, dimensions);
    const points = this.series.get(key);
    if (points) points.push({ t, value });
    else this.series.set(key, [{ t, value }]);
    this.totals.set(key, (this.totals.get(key) ?? 0) + value);
  }

  /**
   * Ingests one EMF document (a line a Powertools Metrics instance printed). Returns how many
   * values were recorded; ignores lines that are not EMF.
   */
  ingestEmf(line: string): number {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return 0;
    }
    const aws = doc._aws as
      | {
          Timestamp?: number;
          CloudWatchMetrics?: Array<{
            Namespace: string;
            Dimensions: string[][];
            Metrics: Array<{ Name: string }>;
          }>;
        }
      | undefined;
    if (!aws?.CloudWatchMetrics) return 0;
    const t = typeof aws.Timestamp === 'number' ? aws.Timestamp : this.now();
    let recorded = 0;
    for (const directive of aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions.length > 0 ? directive.Dimensions : [[]]) {
        const dims: Record<string, string> = {};
        for (const name of dimensionSet) if (typeof doc[name] === 'string') dims[name] = doc[name] as string;
        for (const metric of directive.Metrics) {
          const raw = doc[metric.Name];
          const values = Array.isArray(raw) ? raw : [raw];
          for (const value of values) {
            if (typeof value === 'number' && Number.isFinite(value)) {
              this.record(directive.Namespace, metric.Name, dims, value, t);
              recorded++;
            }
          }
        }
      }
    }
    return recorded;
  }

  /**
   * A statistic over [end - period, end), or undefined when no datapoint falls in the window
   * (CloudWatch's "missing data").
   */
  statistic(metric: MetricPlan, end = this.now()): number | undefined {
    const points = this.series.get(metricKey(metric.namespace, metric.metricName, metric.dimensions));
    if (!points) return undefined;
    const start = end - metric.periodSeconds * 1000;
    let sum = 0;
    let count = 0;
    let max = Number.NEGATIVE_INFINITY;
    for (const p of points) {
      if (p.t < start || p.t >= end) continue;
      sum += p.value;
      count++;
      if (p.value > max) max = p.value;
    }
    if (count === 0) return undefined;
    switch (metric.statistic) {
      case 'Sum':
        return sum;
      case 'Maximum':
        return max;
      case 'Average':
        return sum / count;
      case 'SampleCount':
        return count;
    }
  }

  /** Running total of a metric since the layer started (for the live view and the demo). */
  total(namespace: string, name: string, dimensions: Record<string, string>): number {
    return this.totals.get(metricKey(namespace, name, dimensions)) ?? 0;
  }

  /** Drops datapoints older than the retention. */
  prune(): void {
    const cutoff = this.now() - this.retentionMs;
    for (const [key, points] of this.series) {
      const firstKept = points.findIndex((p) => p.t >= cutoff);
      if (firstKept === -1) this.series.delete(key);
      else if (firstKept > 0) points.splice(0, firstKept);
    }
  }
}
