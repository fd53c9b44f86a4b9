import { diag, metrics, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
} from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter as TraceHttpJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPMetricExporter as MetricHttpJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as MetricGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPLogExporter as LogHttpJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as LogGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resolveConfig, type InitOptions, type ResolvedConfig } from './config.js';
import { ensureContextManager } from './context.js';
import { OtlpProtoTraceExporter } from './export/otlp-trace-exporter.js';
import { CorrelationPropagator } from './correlation.js';
import { instrumentHttpServers } from './http-server-instrumentation.js';
import { PooledIdGenerator } from './id-generator.js';
import { createInstrumentations, withoutServerHttpMetrics } from './instrumentations.js';
import { configureLogger, flushLogs, logger } from './logger.js';
import { createLocalServerDuration, setBodySizeMetrics, useLocalServerDuration } from './metrics/http-red.js';
import { LocalHistogramProducer } from './metrics/local-histogram.js';
import { configureRequestObserver } from './middleware/request-observer.js';
import { startProcessMetrics, type ProcessMetricsHandle } from './metrics/process-metrics.js';
import { createRedactor, type Redactor } from './redaction.js';
import { useLeanServerSpans } from './server-span.js';
import { SDK_VERSION } from './tracing.js';

/** What `init()` returns: the effective configuration and lifecycle controls. */
export interface SightlineSdk {
  readonly config: ResolvedConfig;
  readonly resource: Resource;
  /** Exports everything buffered now (spans, metrics, logs). */
  forceFlush(): Promise<void>;
  /** Flushes and stops exporting; idempotent. */
  shutdown(): Promise<void>;
}

let active: (SightlineSdk & { redactor: Redactor }) | undefined;

/** The running SDK, if `init()` was called. */
export function getSdk(): SightlineSdk | undefined {
  return active;
}

/** The redactor configured by `init()` (a default one otherwise); GenAI capture uses it. */
export function getRedactor(): Redactor {
  return active?.redactor ?? defaultRedactor;
}
const defaultRedactor = createRedactor();

function signalUrl(cfg: ResolvedConfig, path: string): string {
  return cfg.protocol === 'grpc' ? cfg.endpoint : `${cfg.endpoint}${path}`;
}

function traceExporter(cfg: ResolvedConfig): SpanExporter {
  const url = signalUrl(cfg, '/v1/traces');
  if (cfg.protocol === 'http/json') return new TraceHttpJson({ url, headers: cfg.headers });
  if (cfg.protocol === 'grpc') return new TraceGrpc({ url });
  // Same transport as @opentelemetry/exporter-trace-otlp-proto, with the SDK's own encoder.
  return new OtlpProtoTraceExporter({ url, headers: cfg.headers });
}

function metricExporter(cfg: ResolvedConfig): PushMetricExporter {
  const url = signalUrl(cfg, '/v1/metrics');
  if (cfg.protocol === 'http/json') return new MetricHttpJson({ url, headers: cfg.headers });
  if (cfg.protocol === 'grpc') return new MetricGrpc({ url });
  return new MetricProto({ url, headers: cfg.headers });
}

function logExporter(cfg: ResolvedConfig): LogRecordExporter {
  const url = signalUrl(cfg, '/v1/logs');
  if (cfg.protocol === 'http/json') return new LogHttpJson({ url, headers: cfg.headers });
  if (cfg.protocol === 'grpc') return new LogGrpc({ url });
  return new LogProto({ url, headers: cfg.headers });
}

function sampler(cfg: ResolvedConfig): Sampler {
  // Ratio 1 keeps every trace: AlwaysOn decides the same without hashing each trace id.
  const root = cfg.sampling.ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(cfg.sampling.ratio);
  return cfg.sampling.parentBased ? new ParentBasedSampler({ root }) : root;
}

function buildResource(cfg: ResolvedConfig): Resource {
  const detected = detectResources({
    detectors: [envDetector, processDetector, hostDetector, osDetector, serviceInstanceIdDetector],
  });
  const explicit: Record<string, string | number | boolean> = {
    'service.name': cfg.serviceName,
    'telemetry.distro.name': '@sightline/sdk',
    'telemetry.distro.version': SDK_VERSION,
  };
  if (cfg.serviceVersion) explicit['service.version'] = cfg.serviceVersion;
  if (cfg.environment) explicit['deployment.environment.name'] = cfg.environment;
  for (const [k, v] of Object.entries(cfg.resourceAttributes)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') explicit[k] = v;
  }
  return defaultResource().merge(detected).merge(resourceFromAttributes(explicit));
}

function buildPropagator(): TextMapPropagator {
  return new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new CorrelationPropagator()],
  });
}

/**
 * Starts the SDK: traces, metrics and logs over OTLP, resource detection, W3C trace context
 * and baggage plus `x-correlation-id` propagation, batching, process metrics, the SDK's own
 * inbound `node:http`/`https` server instrumentation (server span, RED metrics, correlation id,
 * canonical log line for failed and slow requests), and the auto-instrumentations for outgoing
 * http, undici/fetch, express and pg. Call it before importing the code you want instrumented
 * (for ESM apps, use `node --import @sightline/sdk/register`).
 *
 * Calling it again returns the running instance (and logs a warning).
 *
 * @example
 * ```ts
 * import { init } from '@sightline/sdk';
 * const sdk = init({ serviceName: 'orders', serviceVersion: '1.4.2', environment: 'prod',
 *   endpoint: 'http://sightline:4318', sampling: { ratio: 0.2 }, handleSignals: true });
 * ```
 */
export function init(options: InitOptions = {}): SightlineSdk {
  if (active) {
    logger.warn('init() called twice; returning the running SDK', { logKey: 'sightline.init.twice' });
    return active;
  }
  const cfg = resolveConfig(options);
  const redactor = createRedactor(options.redaction);
  ensureContextManager();
  configureLogger({
    serviceName: cfg.serviceName,
    redaction: redactor,
    otlp: cfg.logs && !cfg.disabled,
    ...options.logger,
  });
  const resource = buildResource(cfg);
  setBodySizeMetrics(options.httpBodySizeMetrics ?? false);
  configureRequestObserver({ requestLog: cfg.requestLog, slowRequestMs: cfg.slowRequestMs, spanAttributes: cfg.httpServerSpanAttributes });

  if (cfg.disabled) {
    active = {
      config: cfg,
      resource,
      redactor,
      forceFlush: async () => flushLogs(),
      shutdown: async () => {
        flushLogs();
        active = undefined;
      },
    };
    return active;
  }

  propagation.setGlobalPropagator(buildPropagator());

  const tracerProvider = cfg.traces
    ? new TracerProvider({
        resource,
        sampler: sampler(cfg),
        idGenerator: new PooledIdGenerator(),
        spanProcessors: [new BatchSpanProcessor({ exporter: traceExporter(cfg), ...cfg.batch })],
      })
    : undefined;
  // init()'s samplers never read span attributes: when its provider is the global one, server
  // spans get all their attributes at the end (an application's own provider keeps them at start).
  // Then server spans are also the SDK's lean span, built from this provider's own sampler, ids,
  // limits and span processors (see server-span.ts).
  if (tracerProvider && trace.setGlobalTracerProvider(tracerProvider)) {
    configureRequestObserver({ samplerUsesAttributes: false });
    useLeanServerSpans(tracerProvider);
  }

  // http.server.request.duration is aggregated by the SDK itself and handed to the reader at
  // collection (no attribute hashing per request). Cumulative only; with a delta preference the
  // metrics SDK's histogram records it instead.
  const temporality = process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE?.trim().toLowerCase();
  const localServerDuration = cfg.metrics && (temporality === undefined || temporality === '' || temporality === 'cumulative') ? createLocalServerDuration() : undefined;
  const meterProvider = cfg.metrics
    ? new MeterProvider({
        resource,
        readers: [
          new PeriodicExportingMetricReader({
            exporter: metricExporter(cfg),
            exportIntervalMillis: cfg.metricExportIntervalMs,
            exportTimeoutMillis: Math.min(cfg.batch.exportTimeoutMillis, cfg.metricExportIntervalMs),
            metricProducers: localServerDuration ? [new LocalHistogramProducer([localServerDuration])] : undefined,
          }),
        ],
      })
    : undefined;
  if (meterProvider) metrics.setGlobalMeterProvider(meterProvider);
  useLocalServerDuration(localServerDuration);

  const loggerProvider = cfg.logs
    ? new LoggerProvider({
        resource,
        processors: [new BatchLogRecordProcessor({ exporter: logExporter(cfg), ...cfg.batch })],
      })
    : undefined;
  if (loggerProvider) logs.setGlobalLoggerProvider(loggerProvider);

  const endpointUrl = new URL(cfg.endpoint);
  const otlpHosts = new Set([`${endpointUrl.hostname}:${endpointUrl.port}`]);
  const instrumentations: Instrumentation[] = createInstrumentations(cfg, otlpHosts);
  const unregisterAuto = registerInstrumentations({
    instrumentations,
    tracerProvider: tracerProvider ?? trace.getTracerProvider(),
    meterProvider: withoutServerHttpMetrics(metrics.getMeterProvider()),
  });
  const unpatchServers = cfg.instrumentations.httpServer ? instrumentHttpServers() : undefined;
  const unregister = (): void => {
    unregisterAuto();
    unpatchServers?.();
  };

  let processMetrics: ProcessMetricsHandle | undefined;
  if (cfg.processMetrics && meterProvider) processMetrics = startProcessMetrics(meterProvider.getMeter('@sightline/sdk/process', SDK_VERSION));

  let shuttingDown: Promise<void> | undefined;
  const sdk = {
    config: cfg,
    resource,
    redactor,
    async forceFlush() {
      flushLogs();
      await Promise.all([tracerProvider?.forceFlush(), meterProvider?.forceFlush(), loggerProvider?.forceFlush()]);
    },
    shutdown(): Promise<void> {
      shuttingDown ??= (async () => {
        unregister();
        flushLogs();
        // Process metrics stop after the final collection so the last export still has them.
        const results = await Promise.allSettled([tracerProvider?.shutdown(), meterProvider?.shutdown(), loggerProvider?.shutdown()]);
        processMetrics?.stop();
        useLocalServerDuration(undefined);
        configureRequestObserver({ samplerUsesAttributes: true });
        useLeanServerSpans(undefined);
        for (const r of results) if (r.status === 'rejected') diag.warn('@sightline/sdk shutdown', r.reason);
        // Later log calls go to stdout only; the OTLP pipeline is closed.
        configureLogger({ otlp: false });
        trace.disable();
        metrics.disable();
        logs.disable();
        propagation.disable();
        flushLogs();
        if (active === sdk) active = undefined;
      })();
      return shuttingDown;
    },
  };
  active = sdk;

  if (cfg.handleSignals) {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info('received signal; flushing telemetry and exiting', { signal });
      const timer = setTimeout(() => process.exit(0), cfg.batch.exportTimeoutMillis).unref();
      void sdk.shutdown().finally(() => {
        clearTimeout(timer);
        process.exit(0);
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return sdk;
}

/**
 * Flushes and stops the SDK started by `init()`. Safe to call when not started.
 *
 * @example
 * ```ts
 * process.on('SIGTERM', async () => { await server.close(); await shutdown(); process.exit(0); });
 * ```
 */
export async function shutdown(): Promise<void> {
  const sdk = active;
  if (sdk) await sdk.shutdown();
  else flushLogs();
}
