// Public surface of the storage room (explicit named exports, no export *).
export type {
  ExemplarPoint,
  ExpHistogramPoint,
  LogBatch,
  MetricMetadata,
  MetricType,
  SampleBatch,
  SeriesDef,
  SpanBatch,
  TelemetryBatch,
} from './batches.js';
export { SeriesMemo, rememberedSeries, rowCount } from './batches.js';
export type {
  ActiveSeriesRow,
  CardinalityQuery,
  CardinalityStats,
  ExemplarRow,
  ExpHistogramRow,
  LogHistogram,
  LogPage,
  LogRow,
  LogSearchQuery,
  MetricNameInfo,
  RetentionPolicy,
  RetentionResult,
  RollupAggregate,
  RollupBuildResult,
  RollupSelectQuery,
  RollupSeries,
  RollupStatus,
  RollupTierName,
  RollupTierStatus,
  SamplesQuery,
  SeriesInfo,
  SeriesQuery,
  SeriesSamples,
  SelectedSeriesSamples,
  ServiceSparkline,
  ServiceStats,
  SeverityCounts,
  Signal,
  SpanRow,
  Store,
  StoreStats,
  TimeRangeNs,
  TraceSearchQuery,
  TraceSummary,
  WriteResult,
} from './store.js';
export { MAX_CARDINALITY_HOURS } from './store.js';
export { createWriter, WRITER_DEFAULTS } from './writer.js';
export type { Writer, WriterOptions, WriterStats } from './writer.js';
export { createDuckDbStore } from './duckdb/duckdb-store.js';
export type { DuckDbStoreOptions } from './duckdb/duckdb-store.js';
export { RetentionScheduler } from './retention-scheduler.js';
export type { RetentionSchedulerOptions } from './retention-scheduler.js';
export { RollupScheduler } from './rollup-scheduler.js';
export { SealScheduler } from './seal-scheduler.js';
export type { SealRun, SealSchedulerOptions } from './seal-scheduler.js';
export type { RollupSchedulerOptions } from './rollup-scheduler.js';
export { TIERS, bucketStart, closedUntil } from './rollup-tiers.js';
export type { TierName, TierSpec } from './rollup-tiers.js';
