import { metrics, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ensureContextManager } from '../../src/context.js';
import { CorrelationPropagator } from '../../src/correlation.js';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** Real OpenTelemetry SDK providers with in-memory exporters, registered globally for one test file. */
export interface TestTelemetry {
  spans: InMemorySpanExporter;
  logRecords: InMemoryLogRecordExporter;
  reader: TestReader;
  collect(): Promise<MetricData[]>;
  metric(name: string): Promise<MetricData | undefined>;
  reset(): void;
}

export function installTestTelemetry(): TestTelemetry {
  ensureContextManager();
  const spans = new InMemorySpanExporter();
  const logRecords = new InMemoryLogRecordExporter();
  const reader = new TestReader();
  trace.disable();
  metrics.disable();
  logs.disable();
  propagation.disable();
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logRecords })] }));
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new CorrelationPropagator()] }),
  );
  const collect = async (): Promise<MetricData[]> => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  };
  return {
    spans,
    logRecords,
    reader,
    collect,
    async metric(name) {
      return (await collect()).find((m) => m.descriptor.name === name);
    },
    reset() {
      spans.reset();
      logRecords.reset();
    },
  };
}

/** Data points of a metric whose attributes include `match`. */
export function pointsWith(metric: MetricData | undefined, match: Record<string, unknown>): DataPoint<unknown>[] {
  if (!metric) return [];
  return (metric.dataPoints as DataPoint<unknown>[]).filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
}
