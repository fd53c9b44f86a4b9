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

/**
 * Trace search over the spans that start inside the range. `service`, `operation` and
 * `attributes` describe one span: a trace matches when at least one of its spans matches all
 * three. Durations and `status` apply to the whole trace (as seen inside the range).
 */
export interface TraceSearchQuery extends TimeRangeNs {
  tenant: string;
  service?: string;
  operation?: string;
  /** Trace duration (max end - min start), inclusive bounds. */
  minDurationNs?: bigint;
  maxDurationNs?: bigint;
  /** 'error' = traces with at least one error span; 'ok' = traces without error spans. */
  status?: 'error' | 'ok';
  /**
   * Attribute equality filters (any span of the trace matches all). A key is looked up in the
   * span's attributes first, then in its resource attributes; non-string values compare by
   * their JSON text (`200`, `true`).
   */
  attributes?: Record<string, string>;
  limit: number;
}

/** Newest first. Root = the earliest span without a parent, else the earliest span. */
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
  /** Same lookup rules as TraceSearchQuery.attributes (record attributes, then resource). */
  attributes?: Record<string, string>;
  limit: number;
  /** Opaque cursor from a previous page (newest first). */
  cursor?: string;
}

export interface LogRow {
  /**
   * Event time. A record sent without one gets its observed time (or, lacking both, the time
   * the store received it): that is the time it is partitioned, filtered and sorted by.
   */
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
  /**
   * Only series with samples in this range (ms, both ends inclusive like Prometheus). The
   * store tracks activity per hour, so a series active in an overlapping hour qualifies.
   */
  startMs: number;
  endMs: number;
  limit: number;
}

/** One label matcher in the Prometheus sense; an absent label reads as ''. */
export interface SeriesMatcher {
  name: string;
  /** `=~` / `!~` are RE2 regexes matched against the whole value (fully anchored). */
  type: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface SeriesSelectQuery {
  tenant: string;
  /** All must match; `__name__` addresses the metric name. */
  matchers: SeriesMatcher[];
  /** Series active in the range (hour-granular, like findSeries) and their samples in it (both ends inclusive). */
  startMs: number;
  endMs: number;
  /**
   * Most samples the answer may hold. Reaching it is an error (SL_ERR_TOO_MANY_SAMPLES), never
   * a silently truncated answer, because a query over partial data would look right but be wrong.
   */
  maxSamples: number;
}

export interface SamplesQuery {
  tenant: string;
  fingerprints: number[];
  /** Both ends inclusive (Prometheus semantics: a sample at exactly endMs is returned). */
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

/** A selected series' samples; the embedded store hands them over as typed arrays. */
export interface SelectedSeriesSamples {
  fingerprint: number;
  /** Shared between queries and frozen: never modify. */
  labels: Readonly<Record<string, string>>;
  timestampsMs: Float64Array | number[];
  values: Float64Array | number[];
}

export interface MetricNameInfo {
  name: string;
  type: MetricType;
  unit: string;
  help: string;
}

/** An exemplar as stored, with its series labels. */
export interface ExemplarRow {
  fingerprint: number;
  labels: Record<string, string>;
  timeMs: number;
  value: number;
  traceId: string;
  spanId: string;
  attributes: Record<string, unknown>;
}

/** An exponential histogram point as stored (OTLP shape), with its series labels. */
export interface ExpHistogramRow {
  fingerprint: number;
  labels: Record<string, string>;
  timeMs: number;
  startTimeMs: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positiveOffset: number;
  positiveCounts: number[];
  negativeOffset: number;
  negativeCounts: number[];
  flags: number;
}

/** Per-bucket series of a service, aligned on `t` (bucket start, epoch ms). */
export interface ServiceSparkline {
  t: number[];
  rate: number[];
  errorRatio: number[];
  p95Ms: number[];
}

/**
 * Request rate, errors and latency of one service, computed from its entry spans: spans of
 * kind server (2) or consumer (5), plus root spans (no parent) of any kind.
 */
export interface ServiceStats {
  name: string;
  spanCount: number;
  errorCount: number;
  ratePerSec: number;
  errorRatio: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  sparkline: ServiceSparkline;
}

/** Log counts by severity class (OTLP severity number ranges; 0 is unspecified). */
export interface SeverityCounts {
  trace: number;
  debug: number;
  info: number;
  warn: number;
  error: number;
  fatal: number;
  unspecified: number;
}

export interface LogHistogram {
  stepMs: number;
  /** Every bucket of the range, empty ones included, oldest first. */
  buckets: Array<{ t: number; counts: SeverityCounts }>;
}

/** A series with samples in a range, for seeding the cardinality guard. */
export interface ActiveSeriesRow {
  tenant: string;
  fingerprint: number;
  name: string;
  labels: Record<string, string>;
  /** End of the last hour with samples (hour-granular activity index), capped at the range end. */
  lastSeenMs: number;
}

/** Hourly growth buckets one cardinality answer may hold (~416 days). */
export const MAX_CARDINALITY_HOURS = 10_000;

export interface CardinalityQuery {
  tenant: string;
  /** Series with samples in [startMs, endMs] (hour-granular like findSeries). */
  startMs: number;
  endMs: number;
  /** Only this metric's series. */
  metric?: string;
  /** Rows of each top list. */
  limit: number;
}

export interface CardinalityStats {
  totalSeries: number;
  /** Descending by series. */
  topMetrics: Array<{ name: string; series: number }>;
  /** Descending by distinct values (`__name__` left out). */
  topLabels: Array<{ name: string; distinctValues: number; series: number }>;
  /** Label pairs with the most series. */
  topLabelValues: Array<{ name: string; value: string; series: number }>;
  /**
   * One bucket per hour of the range, oldest first: series with samples in the hour, and
   * series registered in the catalog (first seen by the store) in the hour.
   */
  growth: Array<{ timeMs: number; series: number; newSeries: number }>;
}

export interface RetentionPolicy {
  /** Keep days per signal; data in day partitions entirely older than now - days is dropped. */
  tracesDays: number;
  logsDays: number;
  /** Raw metric samples. */
  metricsDays: number;
  /**
   * Keep days per metric rollup tier. When set (rollups enabled), a raw metrics day is kept
   * past metricsDays until the 1m tier is built over it, so retention never drops samples that
   * were not rolled up yet; at most as long as the 1m tier's own retention.
   */
  rollupDays?: Partial<Record<RollupTierName, number>>;
}

export type RollupTierName = '1m' | '5m' | '1h';

/** What a rollup read returns per bucket; `avg` gives sums in `values` and counts in `counts`. */
export type RollupAggregate = 'last' | 'min' | 'max' | 'sum' | 'count' | 'avg';

export interface RollupTierStatus {
  name: RollupTierName;
  resolutionMs: number;
  /** Every bucket starting before this is built (-Infinity: nothing built yet). */
  builtUntilMs: number;
  /** Retention removed the tier's data before this (-Infinity: nothing removed). */
  availableFromMs: number;
}

export interface RollupStatus {
  /** Retention removed raw samples before this (-Infinity: nothing removed). */
  rawAvailableFromMs: number;
  tiers: RollupTierStatus[];
}

export interface RollupSelectQuery extends SeriesSelectQuery {
  tier: RollupTierName;
  aggregate: RollupAggregate;
}

/**
 * One point per bucket at the time of the bucket's last sample, valued by the aggregate, plus a
 * staleness marker where the series was marked stale after its last sample.
 */
export interface RollupSeries {
  fingerprint: number;
  labels: Record<string, string>;
  // Typed arrays: V8 may replace a NaN's payload when it is stored in a plain number array,
  // and the staleness marker is a NaN payload.
  timestampsMs: Float64Array;
  values: Float64Array;
  /** Sample counts per point (aggregate `avg` only; `values` then hold sums). */
  counts?: Float64Array;
}

export interface RollupBuildResult {
  tiers: Array<{ tier: RollupTierName; fromMs: number; toMs: number; rows: number; sourceRows: number }>;
}

export interface SealResult {
  /** Day partitions in which samples were sealed. */
  partitions: number;
  /** Sealed rows written (one per tenant, series and block). */
  blocks: number;
  /** Raw samples moved into sealed blocks. */
  samples: number;
  /** Closed day files rewritten to give the raw rows' space back. */
  compacted?: number;
}

export interface RetentionResult {
  signal: Signal;
  droppedPartitions: string[];
  deletedRows: number;
}

/** Counters of a backend's cache of decoded sealed sample blocks (all zero where it has none). */
export interface BlockCacheStats {
  hits: number;
  misses: number;
  /** Entries removed to stay under maxBytes. */
  evictions: number;
  /** Entries removed because their day or block was rewritten, dropped or re-sealed. */
  invalidations: number;
  entries: number;
  bytes: number;
  maxBytes: number;
}

export interface StoreStats {
  spans: number;
  logs: number;
  samples: number;
  series: number;
  /** Day partitions on disk, all signals together. */
  partitions: number;
  /** Bytes of the database files on disk. */
  diskBytes: number;
}

export interface Store {
  /** Write a batch durably; resolves only after commit. Never throws. */
  writeSpans(batches: SpanBatch[]): Promise<WriteResult>;
  writeLogs(batches: LogBatch[]): Promise<WriteResult>;
  writeSamples(batches: SampleBatch[]): Promise<WriteResult>;
  /**
   * Writes of one signal the store can run at once (default 1). The group-commit writer keeps
   * that many commits in flight, so one batch's appends overlap another's COMMIT.
   */
  writeConcurrency?(signal: Signal): number;

  /**
   * All spans of one trace, ordered by start time. Without a range the store searches its
   * default look-back (a store option; DuckDB: 7 days before its clock's now).
   */
  getTrace(tenant: string, traceId: string, range?: TimeRangeNs): Promise<SpanRow[]>;
  searchTraces(q: TraceSearchQuery): Promise<TraceSummary[]>;
  /** Services and operations come from a per-hour index, so the range is hour-granular. */
  listServices(tenant: string, range: TimeRangeNs): Promise<string[]>;
  listOperations(tenant: string, service: string, range: TimeRangeNs): Promise<{ name: string; spanKind: number }[]>;
  /** Sorted by name; `buckets` sparkline points spread evenly over the range. */
  serviceStats(tenant: string, range: TimeRangeNs, buckets: number): Promise<ServiceStats[]>;

  searchLogs(q: LogSearchQuery): Promise<LogPage>;
  /** Same filters as searchLogs (limit and cursor are ignored). */
  logHistogram(q: LogSearchQuery, buckets: number): Promise<LogHistogram>;
  /** Logs of one trace in time order; same default look-back as getTrace. */
  logsForTrace(tenant: string, traceId: string, range?: TimeRangeNs): Promise<LogRow[]>;

  metricNames(tenant: string, startMs: number, endMs: number): Promise<MetricNameInfo[]>;
  findSeries(q: SeriesQuery): Promise<SeriesInfo[]>;
  readSamples(q: SamplesQuery): Promise<SeriesSamples[]>;
  /**
   * Series matching every matcher, with their samples in the range, ordered by fingerprint then
   * time (one round trip for PromQL selectors).
   */
  selectSeries(q: SeriesSelectQuery): Promise<SelectedSeriesSamples[]>;
  /** Exemplars of the given series in the range, ordered by series then time. */
  readExemplars(q: SamplesQuery): Promise<ExemplarRow[]>;
  /** Exponential histogram points of the given series in the range, ordered by series then time. */
  readExpHistograms(q: SamplesQuery): Promise<ExpHistogramRow[]>;
  /** Series of every tenant with samples in the range (hour-granular), for the cardinality guard. */
  activeSeries(startMs: number, endMs: number): Promise<ActiveSeriesRow[]>;
  /** Series counts by metric, label and hour over a range (the cardinality explorer). */
  cardinality(q: CardinalityQuery): Promise<CardinalityStats>;

  /** Built ranges and retention horizons of the rollup tiers (cheap: kept in memory). */
  rollupStatus(): Promise<RollupStatus>;
  /** Like selectSeries, from a rollup tier; samples in [startMs, endMs] by their point time. */
  selectRollup(q: RollupSelectQuery): Promise<RollupSeries[]>;
  /**
   * Builds every tier over the buckets closed at nowMs - graceMs, from where the last build
   * stopped. Idempotent; progress is durable, so a restart resumes without gaps or repeats.
   */
  buildRollups(nowMs: number, graceMs: number): Promise<RollupBuildResult>;

  /**
   * Moves raw samples with times before untilMs into the compact per-series form (sealed
   * blocks). Readers see the same samples before and after; idempotent and crash-safe.
   */
  sealSamples(untilMs: number): Promise<SealResult>;

  /**
   * Drop expired data a day partition at a time; `nowMs` comes from the injected clock.
   * Runs next to ingest: it never holds a lock that stalls writes for long.
   */
  applyRetention(policy: RetentionPolicy, nowMs: number): Promise<RetentionResult[]>;
  stats(): Promise<StoreStats>;
  /** Hits, misses and size of the in-memory cache of decoded sealed sample blocks. */
  blockCacheStats(): BlockCacheStats;
  /** Waits for in-flight writes, makes everything durable in the data files, then closes. */
  close(): Promise<void>;
}
