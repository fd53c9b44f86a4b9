/**
 * Types of the Sightline HTTP API (`/api/*`). Nanosecond timestamps and durations are
 * decimal strings because they do not fit a double; millisecond values are numbers.
 */

/** A time range in Unix epoch milliseconds. */
export interface TimeRangeMs {
  start: number;
  end: number;
}

/** Attribute maps keep the value types of OTLP (string, number, boolean, arrays, maps). */
export type Attributes = Record<string, unknown>;

export interface Sparkline {
  /** Bucket start times in epoch ms. */
  t: number[];
  rate: number[];
  errorRatio: number[];
  p95Ms: number[];
}

export interface ServiceSummary {
  name: string;
  spanCount: number;
  errorCount: number;
  ratePerSec: number;
  errorRatio: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  sparkline: Sparkline;
}

export interface ServicesResponse {
  services: ServiceSummary[];
}

export interface Operation {
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  spanKind: number;
}

export interface OperationsResponse {
  operations: Operation[];
}

export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootOperation: string;
  startTimeUnixNano: string;
  durationNs: string;
  spanCount: number;
  errorCount: number;
  services: string[];
}

export interface TracesResponse {
  traces: TraceSummary[];
}

export interface SpanEvent {
  timeUnixNano: string;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  flags: number;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** OTLP status codes as the API returns them. */
export const StatusCode = { Unset: 0, Ok: 1, Error: 2 } as const;

export interface Span {
  traceId: string;
  spanId: string;
  /** Empty string for a root span. */
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  /** OTLP SpanKind enum 0..5. */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationNs: string;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  attributes: Attributes;
  events: SpanEvent[];
  links: SpanLink[];
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
  resourceAttributes: Attributes;
}

export interface TraceResponse {
  traceId: string;
  spans: Span[];
}

export interface LogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  /** A string or any JSON value (OTLP AnyValue). */
  body: unknown;
  attributes: Attributes;
  droppedAttributesCount: number;
  traceId: string;
  spanId: string;
  flags: number;
  eventName: string;
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
  resourceAttributes: Attributes;
}

export interface LogsResponse {
  logs: LogRecord[];
  nextCursor?: string;
}

export type SeverityName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface SeverityCounts {
  trace: number;
  debug: number;
  info: number;
  warn: number;
  error: number;
  fatal: number;
  unspecified: number;
}

export interface LogHistogramResponse {
  stepMs: number;
  buckets: Array<{ t: number; counts: SeverityCounts }>;
}

export interface MetricName {
  name: string;
  type: string;
  unit: string;
  help: string;
}

export interface MetricNamesResponse {
  names: MetricName[];
}

export interface SeriesRef {
  fingerprint: number;
  labels: Record<string, string>;
}

export interface MetricSeriesResponse {
  series: SeriesRef[];
}

export interface SeriesSamples extends SeriesRef {
  timestampsMs: number[];
  values: number[];
}

export interface MetricSamplesResponse {
  series: SeriesSamples[];
}

/** Parameters of {@link SightlineClient.metricCardinality}; the server defaults to the last 24 h. */
export interface MetricCardinalityParams {
  start?: number;
  end?: number;
  /** Rows of each top list (server default 20). */
  limit?: number;
  /** Only this metric's series, labels and rejections. */
  metric?: string;
}

/** `null`: no limit. */
export interface CardinalityLimits {
  maxSeriesPerTenant: number | null;
  maxSeriesPerMetric: number | null;
  maxLabelValuesPerLabel: number | null;
}

export interface MetricCardinalityResponse {
  window: { startMs: number; endMs: number };
  /** Distinct series with samples in the window (only `metric`'s when given). */
  totalSeries: number;
  /** Series the cardinality guard counts as active now (tenant-wide, or `metric`'s). */
  activeSeries: number;
  /** Descending by series, at most `limit`. */
  topMetrics: Array<{ name: string; series: number }>;
  /** Descending by distinct values. */
  topLabels: Array<{ name: string; distinctValues: number; series: number }>;
  /** Label pairs with the most series. */
  topLabelValues: Array<{ name: string; value: string; series: number }>;
  /** Hourly buckets over the window: series with samples in the hour, series first seen in the hour. */
  growth: Array<{ timeMs: number; series: number; newSeries: number }>;
  limits: CardinalityLimits;
  /** Data points of new series rejected since the server started, by reason and metric. */
  rejected: Array<{ reason: string; metric: string; count: number }>;
}

export type CorrelatedItem = ({ type: 'span' } & Span) | ({ type: 'log' } & LogRecord);

export interface CorrelateResponse {
  traceId: string;
  items: CorrelatedItem[];
}

export interface InfoResponse {
  version: string;
  otlp: { grpcEndpoint: string; httpEndpoint: string };
  hasData: boolean;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

// ---- query parameters ----

/** A duration as Go-style text (`250ms`, `1.5s`, `2m`) or an integer of nanoseconds. */
export type DurationParam = string | number;

export interface TraceSearchParams extends TimeRangeMs {
  service?: string;
  operation?: string;
  minDuration?: DurationParam;
  maxDuration?: DurationParam;
  status?: 'error' | 'ok';
  /** Sent as `attr.<key>=<value>`. */
  attributes?: Record<string, string>;
  limit?: number;
}

export interface LogFilterParams extends TimeRangeMs {
  service?: string;
  /** Minimum severity: a number 1..24 or a severity name. */
  severity?: number | SeverityName;
  traceId?: string;
  q?: string;
  /** Sent as `attr.<key>=<value>`. */
  attributes?: Record<string, string>;
}

export interface LogSearchParams extends LogFilterParams {
  limit?: number;
  cursor?: string;
}

export interface LogHistogramParams extends LogFilterParams {
  buckets?: number;
}

export interface MetricSeriesParams extends TimeRangeMs {
  match: string;
  /** Sent as `label.<k>=<v>`. */
  labels?: Record<string, string>;
  limit?: number;
}

export interface MetricSamplesParams extends TimeRangeMs {
  series: number[];
}
