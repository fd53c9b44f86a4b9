// Public surface of the pipeline room (explicit named exports, no export *).
export { CardinalityGuard, CARDINALITY_DEFAULTS, CARDINALITY_REASONS } from './cardinality-guard.js';
export type {
  AdmitResult,
  CardinalityGuardOptions,
  CardinalityLimits,
  CardinalityReason,
  MetricLimitOverride,
  RejectionCount,
  SeedSeries,
  TenantLimitOverride,
} from './cardinality-guard.js';
export { CardinalityGuardedWriter } from './cardinality-writer.js';
export type { CardinalityWriterOptions, GuardedWriterTarget } from './cardinality-writer.js';
export { DeltaToCumulative, DELTA_TO_CUMULATIVE_DEFAULTS } from './delta-to-cumulative.js';
