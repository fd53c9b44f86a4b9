// The SDK's local aggregation of http.server.request.duration must export exactly what the
// OpenTelemetry metrics SDK's explicit-bucket histogram would: compared side by side here.
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalHistogram, LocalHistogramProducer } from '../src/metrics/local-histogram.js';
import { createLocalServerDuration, recordServerRequest, useLocalServerDuration } from '../src/metrics/http-red.js';

class Reader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

afterEach(() => {
  useLocalServerDuration(undefined);
  metrics.disable();
});

describe('LocalHistogram', () => {
  it('aggregates like the metrics SDK explicit-bucket histogram (inclusive upper bounds, sum, count, min, max)', async () => {
    const bounds = [0.005, 0.01, 0.1, 1];
    const values = [0, 0.005, 0.0051, 0.01, 0.05, 0.1, 0.2, 1, 3.5, 0.003];
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    const sdkHistogram = provider.getMeter('cmp').createHistogram('h', { unit: 's', advice: { explicitBucketBoundaries: bounds } });
    const local = new LocalHistogram('h', 'd', 's', bounds);
    const series = local.createSeries({ k: 'v' });
    for (const v of values) {
      sdkHistogram.record(v, { k: 'v' });
      series.record(v);
    }
    const { resourceMetrics } = await reader.collect();
    const expected = resourceMetrics.scopeMetrics[0]!.metrics[0]!.dataPoints[0] as DataPoint<Histogram>;
    const actual = local.collect()!.dataPoints[0]!;
    expect(actual.value).toEqual(expected.value);
    expect(actual.attributes).toEqual({ k: 'v' });
    await provider.shutdown();
  });

  it('reports nothing before the first measurement and starts over after reset', () => {
    const local = new LocalHistogram('h', 'd', 's', [1]);
    expect(local.collect()).toBeUndefined();
    local.createSeries({}).record(2);
    expect(local.collect()!.dataPoints[0]!.value.buckets.counts).toEqual([0, 1]);
    local.reset();
    expect(local.collect()).toBeUndefined();
  });
});

describe('http.server.request.duration through a metric producer', () => {
  it('is collected by a real MetricReader next to SDK instruments, cumulative, under the SDK scope', async () => {
    const local = createLocalServerDuration();
    const reader = new Reader({ metricProducers: [new LocalHistogramProducer([local])] });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    useLocalServerDuration(local);
    recordServerRequest({ method: 'GET', route: '/a', status: 200, durationSeconds: 0.02 }, false);
    recordServerRequest({ method: 'GET', route: '/a', status: 200, durationSeconds: 0.2 }, false);
    recordServerRequest({ method: 'POST', route: '/b', status: 500, durationSeconds: 1.5 }, false);
    const first = await reader.collect();
    const all = first.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => ({ scope: s.scope.name, m })));
    const durations = all.filter((x) => x.m.descriptor.name === 'http.server.request.duration');
    // Only the local copy: the metrics SDK's histogram of the same name recorded nothing.
    expect(durations).toHaveLength(1);
    expect(durations[0]!.scope).toBe('@sightline/sdk');
    expect(durations[0]!.m.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
    const points = durations[0]!.m.dataPoints as DataPoint<Histogram>[];
    const a = points.find((p) => p.attributes['http.route'] === '/a')!;
    expect(a.value).toMatchObject({ count: 2, min: 0.02, max: 0.2 });
    expect(a.value.sum).toBeCloseTo(0.22);
    expect(points.find((p) => p.attributes['http.route'] === '/b')!.attributes).toMatchObject({ 'error.type': '500', 'http.request.method': 'POST' });

    recordServerRequest({ method: 'GET', route: '/a', status: 200, durationSeconds: 0.02 }, false);
    const second = await reader.collect();
    const again = second.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'http.server.request.duration')!;
    const a2 = (again.dataPoints as DataPoint<Histogram>[]).find((p) => p.attributes['http.route'] === '/a')!;
    expect(a2.value.count).toBe(3); // cumulative
    expect(a2.startTime).toEqual(a.startTime);
    await provider.shutdown();
  });
});
