import type { Attributes } from '@opentelemetry/api';
import type { LoggerOptions } from './logger.js';
import { REQUEST_OBSERVER_DEFAULTS, type HttpServerSpanAttributes, type RequestLogMode } from './middleware/request-observer.js';
import type { RedactionOptions } from './redaction.js';

/** OTLP transport. `http/protobuf` is the OpenTelemetry default. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** Trace sampling. Head sampling by trace id ratio, respecting the parent's decision by default. */
export interface SamplingOptions {
  /** Share of new traces kept, 0..1 (default 1). Env: `OTEL_TRACES_SAMPLER_ARG`. */
  ratio?: number;
  /** Follow the caller's sampling decision (default true). Env: `OTEL_TRACES_SAMPLER=parentbased_*`. */
  parentBased?: boolean;
}

/** Which auto-instrumentations to enable (all default to true). */
export interface InstrumentationToggles {
  /** Outgoing `node:http`/`https` requests (client spans, `http.client.request.duration`). */
  http?: boolean;
  /**
   * Incoming requests of every `node:http`/`https` server (server span, RED metrics,
   * correlation id, canonical log line), by the SDK's own server instrumentation.
   */
  httpServer?: boolean;
  undici?: boolean;
  express?: boolean;
  pg?: boolean;
}

/** Batching of spans and log records before export. */
export interface BatchOptions {
  /** Env: `OTEL_BSP_MAX_QUEUE_SIZE` / `OTEL_BLRP_MAX_QUEUE_SIZE`; default 2048. */
  maxQueueSize?: number;
  /** Env: `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`; default 512. */
  maxExportBatchSize?: number;
  /** Env: `OTEL_BSP_SCHEDULE_DELAY`; default 1000 ms (spans and logs). */
  scheduledDelayMillis?: number;
  /** Env: `OTEL_BSP_EXPORT_TIMEOUT`; default 10000 ms. */
  exportTimeoutMillis?: number;
}

/** Options of `init()`. Every option can also come from the standard `OTEL_*` variables. */
export interface InitOptions {
  /** `service.name`. Env: `OTEL_SERVICE_NAME`. Default: `unknown_service:node`. */
  serviceName?: string;
  /** `service.version`. Env: `OTEL_SERVICE_VERSION` or `service.version` in `OTEL_RESOURCE_ATTRIBUTES`. */
  serviceVersion?: string;
  /** `deployment.environment.name`. Env: `OTEL_DEPLOYMENT_ENVIRONMENT` or the resource attribute. */
  environment?: string;
  /** OTLP base URL (`/v1/traces` etc. are appended for HTTP). Env: `OTEL_EXPORTER_OTLP_ENDPOINT`. Default `http://localhost:4318` (gRPC: `http://localhost:4317`). */
  endpoint?: string;
  /** OTLP protocol. Env: `OTEL_EXPORTER_OTLP_PROTOCOL`. Default `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Headers sent with every export (API keys). Env: `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`). */
  headers?: Record<string, string>;
  /** Extra resource attributes. Env: `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Attributes;
  /** Trace sampling; see {@link SamplingOptions}. */
  sampling?: SamplingOptions;
  /** Redaction of logs and captured GenAI content; see {@link RedactionOptions}. */
  redaction?: RedactionOptions;
  /** Shared logger options (level, sampling, rate limits, stdout). `otlp` defaults to `logs`. */
  logger?: Omit<LoggerOptions, 'redaction' | 'serviceName'>;
  /** Export traces (default true). Env: `OTEL_TRACES_EXPORTER=none` disables. */
  traces?: boolean;
  /** Export metrics (default true). Env: `OTEL_METRICS_EXPORTER=none` disables. */
  metrics?: boolean;
  /** Export logs over OTLP (default true). Env: `OTEL_LOGS_EXPORTER=none` disables. */
  logs?: boolean;
  /** Metric export interval in ms. Env: `OTEL_METRIC_EXPORT_INTERVAL`. Default 10000. */
  metricExportIntervalMs?: number;
  /** Span and log batching. */
  batch?: BatchOptions;
  /** Auto-instrumentations; `false` disables all. */
  instrumentations?: InstrumentationToggles | false;
  /**
   * Canonical `request completed` log line: `all` requests, only `errors` (4xx, 5xx, aborted,
   * and requests slower than `slowRequestMs`), or `off`. Middleware `logRequests` overrides it
   * per app. Env: `SIGHTLINE_REQUEST_LOG`. Default `errors`.
   */
  requestLog?: RequestLogMode;
  /** Requests at least this slow (ms) are logged in `errors` mode. Env: `SIGHTLINE_SLOW_REQUEST_MS`. Default 1000. */
  slowRequestMs?: number;
  /** Record the opt-in HTTP body size histograms (default false). */
  httpBodySizeMetrics?: boolean;
  /**
   * Attributes of inbound HTTP server spans: `default` (the semantic conventions' required and
   * conditionally required attributes, `server.address`/`server.port`,
   * `network.protocol.version`, `correlation.id`) or `full` (also `client.address`,
   * `network.peer.address`, `network.peer.port`, `user_agent.original`).
   * Env: `SIGHTLINE_HTTP_SERVER_SPAN_ATTRIBUTES`. Default `default`.
   */
  httpServerSpanAttributes?: HttpServerSpanAttributes;
  /** USE metrics of the process (default true). */
  processMetrics?: boolean;
  /** Flush and exit on SIGTERM/SIGINT (default false: the application decides). */
  handleSignals?: boolean;
  /** Disable the SDK entirely (no export; helpers still run). Env: `OTEL_SDK_DISABLED=true`. */
  disabled?: boolean;
}

/** The effective configuration after merging options, environment and defaults. */
export interface ResolvedConfig {
  serviceName: string;
  serviceVersion?: string;
  environment?: string;
  endpoint: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  resourceAttributes: Attributes;
  sampling: Required<SamplingOptions>;
  traces: boolean;
  metrics: boolean;
  logs: boolean;
  metricExportIntervalMs: number;
  batch: Required<BatchOptions>;
  instrumentations: Required<InstrumentationToggles>;
  processMetrics: boolean;
  requestLog: RequestLogMode;
  slowRequestMs: number;
  httpServerSpanAttributes: HttpServerSpanAttributes;
  handleSignals: boolean;
  disabled: boolean;
}

/** Defaults, each documented once (house rule 5). */
export const DEFAULTS = {
  serviceName: 'unknown_service:node',
  httpEndpoint: 'http://localhost:4318',
  grpcEndpoint: 'http://localhost:4317',
  protocol: 'http/protobuf' as OtlpProtocol,
  metricExportIntervalMs: 10_000,
  batch: { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 1000, exportTimeoutMillis: 10_000 },
  requestLog: REQUEST_OBSERVER_DEFAULTS.requestLog,
  slowRequestMs: REQUEST_OBSERVER_DEFAULTS.slowRequestMs,
  httpServerSpanAttributes: REQUEST_OBSERVER_DEFAULTS.spanAttributes,
} as const;

/** Parses `k=v,k2=v2` (values URL-encoded), the format of `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES`. */
export function parseKeyValueList(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      out[decodeURIComponent(key)] = decodeURIComponent(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  return undefined;
}

function exporterEnabled(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return undefined;
  return !raw.split(',').map((s) => s.trim()).includes('none');
}

function samplingFromEnv(env: NodeJS.ProcessEnv): SamplingOptions {
  const sampler = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  const arg = envNumber(env, 'OTEL_TRACES_SAMPLER_ARG');
  switch (sampler) {
    case 'always_on': return { ratio: 1, parentBased: false };
    case 'always_off': return { ratio: 0, parentBased: false };
    case 'traceidratio': return { ratio: arg ?? 1, parentBased: false };
    case 'parentbased_always_on': return { ratio: 1, parentBased: true };
    case 'parentbased_always_off': return { ratio: 0, parentBased: true };
    case 'parentbased_traceidratio': return { ratio: arg ?? 1, parentBased: true };
    default: return {};
  }
}

/**
 * Merges explicit options over `OTEL_*` environment variables over defaults, and validates
 * the result. Explicit options win so code review sees what production runs.
 *
 * @throws Error with code `SL_ERR_SDK_CONFIG` when a value is invalid.
 */
export function resolveConfig(options: InitOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const envResource = parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES);
  const protocolRaw = options.protocol ?? (env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() as OtlpProtocol | undefined) ?? DEFAULTS.protocol;
  if (!['http/protobuf', 'http/json', 'grpc'].includes(protocolRaw)) {
    throw configError(`protocol "${protocolRaw}" is not one of http/protobuf, http/json, grpc`);
  }
  const protocol = protocolRaw;
  const endpoint = (options.endpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ?? (protocol === 'grpc' ? DEFAULTS.grpcEndpoint : DEFAULTS.httpEndpoint)).replace(/\/+$/, '');
  try {
    new URL(endpoint);
  } catch {
    throw configError(`endpoint "${endpoint}" is not a URL (expected e.g. http://localhost:4318)`);
  }
  const envSampling = samplingFromEnv(env);
  const ratio = options.sampling?.ratio ?? envSampling.ratio ?? 1;
  if (!(ratio >= 0 && ratio <= 1)) throw configError(`sampling.ratio ${ratio} must be between 0 and 1`);
  const toggles = options.instrumentations;
  const batch = {
    maxQueueSize: options.batch?.maxQueueSize ?? envNumber(env, 'OTEL_BSP_MAX_QUEUE_SIZE') ?? DEFAULTS.batch.maxQueueSize,
    maxExportBatchSize: options.batch?.maxExportBatchSize ?? envNumber(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? DEFAULTS.batch.maxExportBatchSize,
    scheduledDelayMillis: options.batch?.scheduledDelayMillis ?? envNumber(env, 'OTEL_BSP_SCHEDULE_DELAY') ?? DEFAULTS.batch.scheduledDelayMillis,
    exportTimeoutMillis: options.batch?.exportTimeoutMillis ?? envNumber(env, 'OTEL_BSP_EXPORT_TIMEOUT') ?? DEFAULTS.batch.exportTimeoutMillis,
  };
  if (batch.maxExportBatchSize > batch.maxQueueSize) {
    throw configError(`batch.maxExportBatchSize (${batch.maxExportBatchSize}) must not exceed batch.maxQueueSize (${batch.maxQueueSize})`);
  }
  const requestLog = options.requestLog ?? (env.SIGHTLINE_REQUEST_LOG?.trim().toLowerCase() as RequestLogMode | undefined) ?? DEFAULTS.requestLog;
  if (!['all', 'errors', 'off'].includes(requestLog)) throw configError(`requestLog "${requestLog}" is not one of all, errors, off`);
  const slowRequestMs = options.slowRequestMs ?? envNumber(env, 'SIGHTLINE_SLOW_REQUEST_MS') ?? DEFAULTS.slowRequestMs;
  if (!(slowRequestMs >= 0)) throw configError(`slowRequestMs ${slowRequestMs} must be a number of milliseconds >= 0`);
  const httpServerSpanAttributes =
    options.httpServerSpanAttributes ??
    (env.SIGHTLINE_HTTP_SERVER_SPAN_ATTRIBUTES?.trim().toLowerCase() as HttpServerSpanAttributes | undefined) ??
    DEFAULTS.httpServerSpanAttributes;
  if (!['default', 'full'].includes(httpServerSpanAttributes)) {
    throw configError(`httpServerSpanAttributes "${httpServerSpanAttributes}" is not one of default, full`);
  }
  const { ['service.name']: _n, ['service.version']: envVersion, ['deployment.environment.name']: envEnv, ['deployment.environment']: envEnvOld, ...restResource } = envResource;
  return {
    serviceName: options.serviceName ?? env.OTEL_SERVICE_NAME?.trim() ?? envResource['service.name'] ?? DEFAULTS.serviceName,
    serviceVersion: options.serviceVersion ?? env.OTEL_SERVICE_VERSION ?? envVersion,
    environment: options.environment ?? env.OTEL_DEPLOYMENT_ENVIRONMENT ?? envEnv ?? envEnvOld,
    endpoint,
    protocol,
    headers: { ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS), ...options.headers },
    resourceAttributes: { ...restResource, ...options.resourceAttributes },
    sampling: { ratio, parentBased: options.sampling?.parentBased ?? envSampling.parentBased ?? true },
    traces: options.traces ?? exporterEnabled(env, 'OTEL_TRACES_EXPORTER') ?? true,
    metrics: options.metrics ?? exporterEnabled(env, 'OTEL_METRICS_EXPORTER') ?? true,
    logs: options.logs ?? exporterEnabled(env, 'OTEL_LOGS_EXPORTER') ?? true,
    metricExportIntervalMs: options.metricExportIntervalMs ?? envNumber(env, 'OTEL_METRIC_EXPORT_INTERVAL') ?? DEFAULTS.metricExportIntervalMs,
    batch,
    instrumentations: {
      http: toggles !== false && (toggles?.http ?? true),
      httpServer: toggles !== false && (toggles?.httpServer ?? true),
      undici: toggles !== false && (toggles?.undici ?? true),
      express: toggles !== false && (toggles?.express ?? true),
      pg: toggles !== false && (toggles?.pg ?? true),
    },
    processMetrics: options.processMetrics ?? true,
    requestLog,
    slowRequestMs,
    httpServerSpanAttributes,
    handleSignals: options.handleSignals ?? false,
    disabled: options.disabled ?? envBool(env, 'OTEL_SDK_DISABLED') ?? false,
  };
}

function configError(message: string): Error {
  return Object.assign(new Error(`@sightline/sdk init: ${message}`), { code: 'SL_ERR_SDK_CONFIG' });
}
