// Its own file: the guard of http.server.request.duration is process-wide state, and this test
// needs it empty.
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { configureLogger, MemoryDestination } from '../src/index.js';
import { createLocalServerDuration, recordServerRequest, useLocalServerDuration } from '../src/metrics/http-red.js';
import { LocalHistogramProducer } from '../src/metrics/local-histogram.js';

class Reader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describe('http.server.request.duration cardinality', () => {
  it('drops label sets past the limit of 500 and counts every dropped measurement, cached or not', async () => {
    configureLogger({ destination: new MemoryDestination(), otlp: false });
    const local = createLocalServerDuration();
    const reader = new Reader({ metricProducers: [new LocalHistogramProducer([local])] });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    useLocalServerDuration(local);
    for (let i = 0; i < 505; i++) recordServerRequest({ method: 'GET', route: `/raw/${i}`, status: 200, durationSeconds: 0.01 }, false);
    for (let i = 0; i < 3; i++) recordServerRequest({ method: 'GET', route: '/raw/504', status: 200, durationSeconds: 0.01 }, false);
    recordServerRequest({ method: 'GET', route: '/raw/0', status: 200, durationSeconds: 0.01 }, false); // admitted earlier: kept
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const duration = all.find((m) => m.descriptor.name === 'http.server.request.duration')!;
    expect(duration.dataPoints).toHaveLength(500);
    const first = (duration.dataPoints as DataPoint<Histogram>[]).find((p) => p.attributes['http.route'] === '/raw/0')!;
    expect(first.value.count).toBe(2);
    const dropped = all.find((m) => m.descriptor.name === 'sightline.sdk.metric.cardinality.dropped')!;
    const point = dropped.dataPoints.find((p) => p.attributes['metric.name'] === 'http.server.request.duration')!;
    expect(point.value).toBe(5 + 3);
    await provider.shutdown();
    useLocalServerDuration(undefined);
    metrics.disable();
  });
});
