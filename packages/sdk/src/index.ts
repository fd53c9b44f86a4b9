// Public surface of @sightline/sdk. Explicit named exports only (house rule: no `export *`).
// SpanKind is re-exported so services can pass span kinds without importing the API package.
export { SpanKind } from '@opentelemetry/api';
export { init, shutdown, getSdk, type SightlineSdk } from './init.js';
export {
  resolveConfig,
  parseKeyValueList,
  DEFAULTS,
  type InitOptions,
  type ResolvedConfig,
  type OtlpProtocol,
  type SamplingOptions,
  type BatchOptions,
  type InstrumentationToggles,
} from './config.js';
export {
  logger,
  createLogger,
  configureLogger,
  flushLogs,
  Logger,
  LEVEL_VALUES,
  type LogLevel,
  type LogFields,
  type LoggerOptions,
  type LoggerStats,
} from './logger.js';
export { FdDestination, MemoryDestination, streamDestination, type LogDestination } from './log-destination.js';
export { serialiseError, type SerialisedError } from './error-serialiser.js';
export {
  createRedactor,
  luhnValid,
  DEFAULT_REDACT_KEYS,
  BUILTIN_PATTERNS,
  type Redactor,
  type RedactionOptions,
  type RedactionPattern,
} from './redaction.js';
export {
  withCorrelation,
  getCorrelationId,
  newCorrelationId,
  isValidCorrelationId,
  injectContext,
  extractContext,
  withExtractedContext,
  captureJobContext,
  runWithJobContext,
  getTraceId,
  CorrelationPropagator,
  CORRELATION_HEADER,
  type MessageHeaders,
  type JobContext,
} from './correlation.js';
export {
  traced,
  tracedFunction,
  recordError,
  addSpanEvent,
  setSpanAttributes,
  linksFrom,
  getTracer,
  type TracedOptions,
} from './tracing.js';
export {
  counter,
  upDownCounter,
  histogram,
  gauge,
  type InstrumentOptions,
  type HistogramOptions,
  type GuardedCounter,
  type GuardedHistogram,
  type GuardedGauge,
} from './metrics/business.js';
export { CardinalityGuard, DEFAULT_MAX_CARDINALITY } from './metrics/cardinality-guard.js';
export {
  recordServerRequest,
  recordClientRequest,
  serverRequestStarted,
  setBodySizeMetrics,
  normaliseMethod,
  type ServerRequestRecord,
  type ClientRequestRecord,
} from './metrics/http-red.js';
export { startProcessMetrics, type ProcessMetricsHandle } from './metrics/process-metrics.js';
export { getMeter } from './metrics/meter.js';
export {
  beginRequest,
  requestState,
  configureRequestObserver,
  REQUEST_OBSERVER_DEFAULTS,
  type MiddlewareOptions,
  type RequestState,
  type RequestLogMode,
  type HttpServerSpanAttributes,
} from './middleware/request-observer.js';
export { instrumentHttpServers } from './http-server-instrumentation.js';
export { instrumentHttpHandler } from './middleware/node-http.js';
export { expressMiddleware, type ExpressMiddleware } from './middleware/express.js';
export { fastifyPlugin, type FastifyPlugin } from './middleware/fastify.js';
export { compose, withTimeout, ResilienceError, systemClock, type Policy, type Clock } from './resilience/policy.js';
export {
  circuitBreaker,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type CircuitBreakerEvents,
} from './resilience/circuit-breaker.js';
export { retry, retryPolicy, backoffDelay, type RetryOptions } from './resilience/retry.js';
export { bulkhead, Bulkhead, type BulkheadOptions } from './resilience/bulkhead.js';
export {
  HealthRegistry,
  healthRegistry,
  type HealthStatus,
  type HealthCheckFn,
  type HealthCheckOutcome,
  type HealthCheckOptions,
  type CheckResult,
  type HealthReport,
} from './health.js';
export { observeQueries, sanitiseSql, parseSql, type ObserveQueriesOptions, type QueryableClient } from './db.js';
export {
  traceModelCall,
  traceAgent,
  traceTool,
  agentThought,
  agentAction,
  agentObservation,
  registerModelPrices,
  modelPrice,
  estimateCost,
  setGenAiContentCapture,
  type ModelPrice,
  type TokenUsage,
  type ModelCall,
  type ModelCallOptions,
} from './genai.js';
export {
  captureCpuProfile,
  captureHeapSnapshot,
  summariseHeapSnapshot,
  compareHeapSnapshots,
  profilingHandler,
  type CpuProfileResult,
  type HotFunction,
  type ConstructorStats,
  type ConstructorGrowth,
  type ProfilingHandlerOptions,
} from './profiling.js';
