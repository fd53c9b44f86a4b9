/**
 * Types of `GET /api/metrics/cardinality`: how many series exist, which metrics, labels and
 * label values make them, how fast they grow, the configured limits and what was rejected.
 */

export interface CardinalityParams {
  /** Epoch ms or RFC 3339; the server defaults to the last 24 hours. */
  start?: number | string;
  end?: number | string;
  /** Length of each top list (server default 20). */
  limit?: number;
  /** Narrow everything to one metric. */
  metric?: string;
}

export interface CardinalityResponse {
  window: { startMs: number; endMs: number };
  /** Distinct series with samples in the window (only `metric`'s when given). */
  totalSeries: number;
  /** Series active now. */
  activeSeries: number;
  /** Descending by series. */
  topMetrics: Array<{ name: string; series: number }>;
  /** Descending by distinct values (for `metric`: its labels only). */
  topLabels: Array<{ name: string; distinctValues: number; series: number }>;
  topLabelValues: Array<{ name: string; value: string; series: number }>;
  /** Hourly buckets. */
  growth: Array<{ timeMs: number; series: number; newSeries: number }>;
  limits: { maxSeriesPerTenant: number | null; maxSeriesPerMetric: number | null; maxLabelValuesPerLabel: number | null };
  rejected: Array<{ reason: string; metric: string; count: number }>;
}
