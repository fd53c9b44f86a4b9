// The only door to telemetry data. Every backend (DuckDB now, ClickHouse later) implements
// this and passes test/storage/contract.test.ts. Every read takes a tenant and a time
// range; SQL lives behind it with bound parameters.
import type { SpanBatch, LogBatch, SampleBatch, MetricType } from './batches.js';

export type Signal = 'traces' | 'logs' | 'metrics';

/** Result of a write at the storage boundary (habit 2: unions, not exceptions). */
export type WriteResult =
  | { status: 'ok'; rows: number }
  | { status: 'retryable'; afterMs: number; reason: string }
  | { status: 'failed'; error: Error };

/** Time range in Unix nanoseconds, inclusive start, exclusive end. */
export interface TimeRangeNs {
  startNs: bigint;
  endNs: bigint;
}

export interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationNs: string;
  statusCode: number;
  statusMessage: string;
  attributes: Record<string, unknown>;
  events: unknown[];
  links: unknown[];
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
  resourceAttributes: Record<string, unknown>;
}

export interface TraceSearchQuery extends TimeRangeNs {
  tenant: string;
  service?: string;
  operation?: string;
  minDurationNs?: bigint;
  maxDurationNs?: bigint;
  /** 'error' = traces with at least one error span; 'ok' = traces without error spans. */
  status?: 'error' | 'ok';
  /** Span attribute equality filters (any span of the trace matches all). */
  attributes?: Record<string, string>;
  limit: number;
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

export interface LogSearchQuery extends TimeRangeNs {
  tenant: string;
  service?: string;
  /** Minimum severity number (1..24) or exact severity text. */
  severityMin?: number;
  severityText?: string;
  traceId?: string;
  /** Case-insensitive substring of the body text. */
  text?: string;
  attributes?: Record<string, string>;
  limit: number;
  /** Opaque cursor from a previous page (newest first). */
  cursor?: string;
}

export interface LogRow {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: unknown;
  attributes: Record<string, unknown>;
  droppedAttributesCount: number;
  traceId: string;
  spanId: string;
  flags: number;
  eventName: string;
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
  resourceAttributes: Record<string, unknown>;
}

export interface LogPage {
  logs: LogRow[];
  /** Present when more rows may follow. */
  nextCursor?: string;
}

export interface SeriesInfo {
  fingerprint: number;
  labels: Record<string, string>;
}

export interface SeriesQuery {
  tenant: string;
  /** Metric name (exact). */
  name?: string;
  /** Label equality matchers. */
  labels?: Record<string, string>;
  /** Only series with samples in this range (ms). */
  startMs: number;
  endMs: number;
  limit: number;
}

export interface SamplesQuery {
  tenant: string;
  fingerprints: number[];
  startMs: number;
  endMs: number;
  /** Maximum rows returned; the store stops there. */
  limit: number;
}

export interface SeriesSamples {
  fingerprint: number;
  labels: Record<string, string>;
  timestampsMs: number[];
  values: number[];
}

export interface MetricNameInfo {
  name: string;
  type: MetricType;
  unit: string;
  help: string;
}

export interface RetentionPolicy {
  /** Keep days per signal; data in day partitions entirely older than now - days is dropped. */
  tracesDays: number;
  logsDays: number;
  metricsDays: number;
}

export interface RetentionResult {
  signal: Signal;
  droppedPartitions: string[];
  deletedRows: number;
}

export interface StoreStats {
  spans: number;
  logs: number;
  samples: number;
  series: number;
  /** Bytes of the database files on disk. */
  diskBytes: number;
}

export interface Store {
  /** Write a batch durably; resolves only after commit. Never throws. */
  writeSpans(batches: SpanBatch[]): Promise<WriteResult>;
  writeLogs(batches: LogBatch[]): Promise<WriteResult>;
  writeSamples(batches: SampleBatch[]): Promise<WriteResult>;

  getTrace(tenant: string, traceId: string, range?: TimeRangeNs): Promise<SpanRow[]>;
  searchTraces(q: TraceSearchQuery): Promise<TraceSummary[]>;
  listServices(tenant: string, range: TimeRangeNs): Promise<string[]>;
  listOperations(tenant: string, service: string, range: TimeRangeNs): Promise<{ name: string; spanKind: number }[]>;

  searchLogs(q: LogSearchQuery): Promise<LogPage>;
  logsForTrace(tenant: string, traceId: string, range?: TimeRangeNs): Promise<LogRow[]>;

  metricNames(tenant: string, startMs: number, endMs: number): Promise<MetricNameInfo[]>;
  findSeries(q: SeriesQuery): Promise<SeriesInfo[]>;
  readSamples(q: SamplesQuery): Promise<SeriesSamples[]>;

  /** Drop expired data a day partition at a time; `nowMs` comes from the injected clock. */
  applyRetention(policy: RetentionPolicy, nowMs: number): Promise<RetentionResult[]>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}
