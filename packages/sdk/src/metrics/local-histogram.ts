import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { SDK_SCOPE, SDK_VERSION } from '../tracing.js';

/** One attribute set of a {@link LocalHistogram}: explicit buckets, sum, count, min, max. */
export class HistogramSeries {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly counts: Float64Array;

  constructor(
    readonly attributes: Attributes,
    private readonly boundaries: readonly number[],
  ) {
    this.counts = new Float64Array(boundaries.length + 1);
  }

  record(value: number): void {
    const b = this.boundaries;
    // Boundaries are inclusive upper bounds, as in the OpenTelemetry explicit-bucket aggregation.
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
}

/**
 * A cumulative explicit-bucket histogram aggregated in the SDK itself, for the one metric every
 * request records (`http.server.request.duration`). Recording is a bucket search and four
 * additions on a series the caller already holds: no attribute hashing per measurement, which
 * the metrics SDK does on every `record()` (a measurable share of per-request cost on a small
 * service). The metrics SDK still exports it: {@link LocalHistogramProducer} hands the data
 * to the MetricReader at collection, next to the SDK's own instruments.
 */
export class LocalHistogram {
  private readonly series: HistogramSeries[] = [];
  private startTime: HrTime = hrTime();

  constructor(
    readonly name: string,
    readonly description: string,
    readonly unit: string,
    readonly boundaries: readonly number[],
  ) {}

  /** A new series for `attributes`; the caller keeps it and records into it. */
  createSeries(attributes: Attributes): HistogramSeries {
    const s = new HistogramSeries(attributes, this.boundaries);
    this.series.push(s);
    return s;
  }

  /** Forgets every series (a new MeterProvider starts a new cumulative stream). */
  reset(): void {
    this.series.length = 0;
    this.startTime = hrTime();
  }

  /** The cumulative data since the start (or the last reset), in the metrics SDK's shape. */
  collect(): HistogramMetricData | undefined {
    if (this.series.length === 0) return undefined;
    const endTime = hrTime();
    const dataPoints: DataPoint<Histogram>[] = [];
    for (const s of this.series) {
      if (s.count === 0) continue;
      dataPoints.push({
        startTime: this.startTime,
        endTime,
        attributes: s.attributes,
        value: {
          buckets: { boundaries: [...this.boundaries], counts: Array.from(s.counts) },
          sum: s.sum,
          count: s.count,
          min: s.min,
          max: s.max,
        },
      });
    }
    return {
      descriptor: { name: this.name, description: this.description, unit: this.unit, valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    };
  }
}

/**
 * Feeds {@link LocalHistogram}s to a MetricReader (`metricProducers` option), under the SDK's
 * instrumentation scope. Cumulative temporality only: `init()` uses the local path only when
 * the exporter is cumulative (the OpenTelemetry default).
 */
export class LocalHistogramProducer implements MetricProducer {
  constructor(private readonly histograms: readonly LocalHistogram[]) {}

  async collect(): Promise<CollectionResult> {
    const metrics: HistogramMetricData[] = [];
    for (const h of this.histograms) {
      const data = h.collect();
      if (data) metrics.push(data);
    }
    return {
      resourceMetrics: {
        // The reader keeps the SDK's resource and only takes the scope metrics from producers.
        resource: undefined as never,
        scopeMetrics: metrics.length === 0 ? [] : [{ scope: { name: SDK_SCOPE, version: SDK_VERSION }, metrics }],
      },
      errors: [],
    };
  }
}
