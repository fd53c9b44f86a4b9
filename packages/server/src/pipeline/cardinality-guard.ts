// Cardinality limits on metric series: active series per tenant and per metric, and distinct
// values per (metric, label). A processor on SampleBatches between ingest and the writer:
// samples of NEW series that would cross a limit are removed before the batch is written (and
// before the client is answered), series already active keep flowing.
//
// "Active" means the series was admitted within the last `activeWindowMs` (by the guard's
// clock, i.e. ingest time, so back-filled or future-dated samples cannot dodge or poison the
// window). The state is seeded from the store at start (series with samples in the last window,
// hour-granular) so a restart does not open the gates again.
//
// Hot path: one Map lookup per series of a batch (batches list their series once, however many
// samples each has). Nothing is allocated for a batch whose series are all known. Limits are
// resolved once per metric (when its first series arrives) because config does not change at
// run time. Expiry is a sweep over the active series at most every `sweepIntervalMs`.
//
// Concurrency: admission reserves the series at once (single-threaded event loop), so two
// concurrent requests cannot both take the last slot. A reserved series whose write later fails
// stays counted until it expires; the client retries it anyway.
import type { SampleBatch, SeriesDef } from '../storage/batches.js';

export type CardinalityReason = 'cardinality_tenant' | 'cardinality_metric' | 'cardinality_label_values';

export const CARDINALITY_REASONS: readonly CardinalityReason[] = ['cardinality_tenant', 'cardinality_metric', 'cardinality_label_values'];

/** `null` = no limit. */
export interface CardinalityLimits {
  maxSeriesPerTenant: number | null;
  maxSeriesPerMetric: number | null;
  maxLabelValuesPerLabel: number | null;
}

/** A missing key inherits; an explicit `null` lifts the limit. */
export type MetricLimitOverride = Partial<Pick<CardinalityLimits, 'maxSeriesPerMetric' | 'maxLabelValuesPerLabel'>>;
export type TenantLimitOverride = Partial<CardinalityLimits>;

export interface CardinalityGuardOptions {
  limits: CardinalityLimits;
  /** By metric name; wins over the tenant's and the global per-metric limits. */
  metricOverrides?: Record<string, MetricLimitOverride>;
  /** By tenant; wins over the global limits. */
  tenantOverrides?: Record<string, TenantLimitOverride>;
  /** A series is active while it had a sample admitted within this window. Default 1 h. */
  activeWindowMs?: number;
  /** How often expired series are swept out. Default min(60 s, window / 10). */
  sweepIntervalMs?: number;
  clock?: () => number;
  /** Counting hook (self-metrics): data points rejected, by reason. */
  onReject?: (reason: CardinalityReason, points: number) => void;
  /** A bug in the guard: the batch passed unchecked (never lose data over a guard bug). */
  onError?: (err: Error) => void;
}

export const CARDINALITY_DEFAULTS = {
  activeWindowMs: 3_600_000,
  /** Distinct (reason, metric) rejection counters kept per tenant; more fold into metric ''. */
  maxRejectionKeys: 1_000,
} as const;

/** A series that already exists in the store, for seeding. */
export interface SeedSeries {
  tenant: string;
  fingerprint: number;
  name: string;
  labels: Record<string, string>;
  /** Latest time the series is known to have had data (ms). */
  lastSeenMs: number;
}

export interface RejectionCount {
  reason: CardinalityReason;
  metric: string;
  count: number;
}

export interface AdmitResult {
  /** The batch to write: the input itself when nothing was rejected. */
  batch: SampleBatch;
  /** Rows (samples and exponential-histogram points) removed. */
  rejectedPoints: number;
  rejectedSeries: number;
  /** Empty when nothing was rejected; else names the code, the limits and the metrics. */
  message: string;
}

class MetricState {
  series = 0;
  /** label name -> value -> active series carrying it. */
  readonly labels = new Map<string, Map<string, number>>();
  constructor(
    readonly name: string,
    readonly maxSeries: number | null,
    readonly maxLabelValues: number | null,
  ) {}
}

interface SeriesEntry {
  lastSeenMs: number;
  metric: MetricState;
  labels: Record<string, string>;
  tenant: TenantState;
  /** False once swept: a SeriesMemo still pointing here is stale. */
  live: boolean;
}

class TenantState {
  readonly series = new Map<number, SeriesEntry>();
  readonly metrics = new Map<string, MetricState>();
  readonly rejected = new Map<string, RejectionCount>();
  constructor(
    readonly name: string,
    readonly limits: CardinalityLimits,
  ) {}
}

/** Why one series was refused; the message text is built only for the few shown. */
interface Rejection {
  reason: CardinalityReason;
  metric: string;
  /** The label whose values are full (cardinality_label_values), else ''. */
  label: string;
  /** The count the limit was reached at, and the limit. */
  current: number;
  limit: number;
  points: number;
}

function describeRejection(tenant: string, r: Rejection): string {
  switch (r.reason) {
    case 'cardinality_tenant':
      return `tenant '${tenant}' has ${r.current} active series, its limit (maxSeriesPerTenant ${r.limit}); new series of metric '${r.metric}' are rejected`;
    case 'cardinality_metric':
      return `metric '${r.metric}' has ${r.current} active series, its limit (maxSeriesPerMetric ${r.limit})`;
    case 'cardinality_label_values':
      return `label '${r.label}' of metric '${r.metric}' has ${r.current} distinct values, its limit (maxLabelValuesPerLabel ${r.limit})`;
  }
}

const NAME = '__name__';

export class CardinalityGuard {
  private readonly tenants = new Map<string, TenantState>();
  private readonly clock: () => number;
  private readonly windowMs: number;
  private readonly sweepIntervalMs: number;
  private lastSweepMs: number;

  constructor(private readonly opts: CardinalityGuardOptions) {
    this.clock = opts.clock ?? Date.now;
    this.windowMs = opts.activeWindowMs ?? CARDINALITY_DEFAULTS.activeWindowMs;
    if (!(this.windowMs > 0)) throw new Error(`activeWindowMs must be positive, got ${this.windowMs}`);
    this.sweepIntervalMs = opts.sweepIntervalMs ?? Math.min(60_000, this.windowMs / 10);
    this.lastSweepMs = this.clock();
  }

  /** The limits that apply to a tenant (and a metric of it, when given). */
  limitsFor(tenant: string, metric?: string): CardinalityLimits {
    const t = this.tenantLimits(tenant);
    if (metric === undefined) return t;
    const m = this.opts.metricOverrides?.[metric];
    return {
      maxSeriesPerTenant: t.maxSeriesPerTenant,
      maxSeriesPerMetric: m && m.maxSeriesPerMetric !== undefined ? m.maxSeriesPerMetric : t.maxSeriesPerMetric,
      maxLabelValuesPerLabel: m && m.maxLabelValuesPerLabel !== undefined ? m.maxLabelValuesPerLabel : t.maxLabelValuesPerLabel,
    };
  }

  /** Registers series known to the store without checking limits (they exist already). */
  seed(series: Iterable<SeedSeries>): number {
    const cutoff = this.clock() - this.windowMs;
    let n = 0;
    for (const s of series) {
      if (s.lastSeenMs < cutoff) continue;
      const t = this.tenant(s.tenant);
      const known = t.series.get(s.fingerprint);
      if (known) {
        known.lastSeenMs = Math.max(known.lastSeenMs, s.lastSeenMs);
        continue;
      }
      this.add(t, s.fingerprint, s.name, s.labels, s.lastSeenMs);
      n++;
    }
    return n;
  }

  /**
   * Removes the samples of new series over a limit. Never throws: a guard bug must not lose
   * data, so on an internal error the batch passes unchanged.
   */
  admit(batch: SampleBatch): AdmitResult {
    try {
      return this.admitOrThrow(batch);
    } catch (err) {
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
      return { batch, rejectedPoints: 0, rejectedSeries: 0, message: '' };
    }
  }

  private admitOrThrow(batch: SampleBatch): AdmitResult {
    const now = this.clock();
    if (now - this.lastSweepMs >= this.sweepIntervalMs) this.sweep(now);
    const t = this.tenant(batch.tenant);
    let rejected: Map<number, Rejection> | undefined;
    const list = batch.series;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const memo = s.memo;
      if (memo !== undefined) {
        // The series' own entry, without a lookup by fingerprint (storage/batches.ts SeriesMemo).
        const e = memo.guard as SeriesEntry | undefined;
        if (e !== undefined && e.tenant === t && e.live) {
          e.lastSeenMs = now;
          continue;
        }
      }
      const known = t.series.get(s.fingerprint);
      if (known !== undefined) {
        known.lastSeenMs = now;
        if (memo !== undefined) memo.guard = known;
        continue;
      }
      const rejection = this.check(t, s);
      if (rejection === undefined) {
        const e = this.add(t, s.fingerprint, s.name, s.labels, now);
        if (memo !== undefined) memo.guard = e;
      } else (rejected ??= new Map()).set(s.fingerprint, rejection);
    }
    if (rejected === undefined) return { batch, rejectedPoints: 0, rejectedSeries: 0, message: '' };
    return this.filter(t, batch, rejected);
  }

  /** Series the guard counts as active now (tenant-wide, or of one metric). */
  activeSeries(tenant: string, metric?: string): number {
    const now = this.clock();
    if (now - this.lastSweepMs >= this.sweepIntervalMs) this.sweep(now);
    const t = this.tenants.get(tenant);
    if (!t) return 0;
    if (metric === undefined) return t.series.size;
    return t.metrics.get(metric)?.series ?? 0;
  }

  /** Active series of all tenants (for the self-metrics gauge). */
  totalActiveSeries(): number {
    let n = 0;
    for (const t of this.tenants.values()) n += t.series.size;
    return n;
  }

  /** Distinct values of a label among a metric's active series. */
  labelValues(tenant: string, metric: string, label: string): number {
    return this.tenants.get(tenant)?.metrics.get(metric)?.labels.get(label)?.size ?? 0;
  }

  /** Rejected data points since start, by reason and metric, most first. */
  rejections(tenant: string, metric?: string): RejectionCount[] {
    const t = this.tenants.get(tenant);
    if (!t) return [];
    const out = [...t.rejected.values()].filter((r) => metric === undefined || r.metric === metric).map((r) => ({ ...r }));
    return out.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason) || a.metric.localeCompare(b.metric));
  }

  /** Drops series not seen within the window. */
  sweep(now: number): void {
    this.lastSweepMs = now;
    const cutoff = now - this.windowMs;
    for (const t of this.tenants.values()) {
      for (const [fp, e] of t.series) {
        if (e.lastSeenMs >= cutoff) continue;
        t.series.delete(fp);
        e.live = false;
        this.release(t, e);
      }
    }
  }

  private tenantLimits(tenant: string): CardinalityLimits {
    const base = this.opts.limits;
    const o = this.opts.tenantOverrides?.[tenant];
    if (!o) return { ...base };
    return {
      maxSeriesPerTenant: o.maxSeriesPerTenant !== undefined ? o.maxSeriesPerTenant : base.maxSeriesPerTenant,
      maxSeriesPerMetric: o.maxSeriesPerMetric !== undefined ? o.maxSeriesPerMetric : base.maxSeriesPerMetric,
      maxLabelValuesPerLabel: o.maxLabelValuesPerLabel !== undefined ? o.maxLabelValuesPerLabel : base.maxLabelValuesPerLabel,
    };
  }

  private tenant(name: string): TenantState {
    let t = this.tenants.get(name);
    if (!t) this.tenants.set(name, (t = new TenantState(name, this.tenantLimits(name))));
    return t;
  }

  private metric(t: TenantState, name: string): MetricState {
    let m = t.metrics.get(name);
    if (!m) {
      const limits = this.limitsFor(t.name, name);
      t.metrics.set(name, (m = new MetricState(name, limits.maxSeriesPerMetric, limits.maxLabelValuesPerLabel)));
    }
    return m;
  }

  private check(t: TenantState, s: SeriesDef): Rejection | undefined {
    const maxTenant = t.limits.maxSeriesPerTenant;
    if (maxTenant !== null && t.series.size >= maxTenant) {
      return { reason: 'cardinality_tenant', metric: s.name, label: '', current: t.series.size, limit: maxTenant, points: 0 };
    }
    const m = this.metric(t, s.name);
    if (m.maxSeries !== null && m.series >= m.maxSeries) {
      return { reason: 'cardinality_metric', metric: s.name, label: '', current: m.series, limit: m.maxSeries, points: 0 };
    }
    const maxValues = m.maxLabelValues;
    if (maxValues !== null) {
      for (const k in s.labels) {
        if (k === NAME) continue;
        const values = m.labels.get(k);
        if (values === undefined || values.size < maxValues || values.has(s.labels[k]!)) continue;
        return { reason: 'cardinality_label_values', metric: s.name, label: k, current: values.size, limit: maxValues, points: 0 };
      }
    }
    return undefined;
  }

  private add(t: TenantState, fp: number, name: string, labels: Record<string, string>, seenMs: number): SeriesEntry {
    const m = this.metric(t, name);
    m.series++;
    for (const k in labels) {
      if (k === NAME) continue;
      let values = m.labels.get(k);
      if (!values) m.labels.set(k, (values = new Map()));
      const v = labels[k]!;
      values.set(v, (values.get(v) ?? 0) + 1);
    }
    const e: SeriesEntry = { lastSeenMs: seenMs, metric: m, labels, tenant: t, live: true };
    t.series.set(fp, e);
    return e;
  }

  private release(t: TenantState, e: SeriesEntry): void {
    const m = e.metric;
    m.series--;
    for (const k in e.labels) {
      if (k === NAME) continue;
      const values = m.labels.get(k);
      if (!values) continue;
      const v = e.labels[k]!;
      const n = (values.get(v) ?? 1) - 1;
      if (n > 0) values.set(v, n);
      else {
        values.delete(v);
        if (values.size === 0) m.labels.delete(k);
      }
    }
    // Keep the metric's resolved limits only while it has series; a later series re-resolves.
    if (m.series <= 0) t.metrics.delete(m.name);
  }

  private filter(t: TenantState, batch: SampleBatch, rejected: Map<number, Rejection>): AdmitResult {
    const n = batch.length;
    let keep = 0;
    const keepRow = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const r = rejected.get(batch.fingerprint[i]!);
      if (r === undefined) {
        keepRow[i] = 1;
        keep++;
      } else r.points++;
    }
    const fingerprint = new Float64Array(keep);
    const timeMs = new Float64Array(keep);
    const value = new Float64Array(keep);
    for (let i = 0, j = 0; i < n; i++) {
      if (keepRow[i] === 0) continue;
      fingerprint[j] = batch.fingerprint[i]!;
      timeMs[j] = batch.timeMs[i]!;
      value[j] = batch.value[i]!;
      j++;
    }
    const expHistograms = batch.expHistograms.filter((h) => {
      const r = rejected.get(h.fingerprint);
      if (r) r.points++;
      return r === undefined;
    });
    const out: SampleBatch = {
      kind: 'samples',
      tenant: batch.tenant,
      length: keep,
      fingerprint,
      timeMs,
      value,
      series: batch.series.filter((s) => !rejected.has(s.fingerprint)),
      metadata: batch.metadata,
      expHistograms,
      exemplars: batch.exemplars.filter((e) => !rejected.has(e.fingerprint)),
    };
    let points = 0;
    // Distinct causes (reason, metric, label); the first three are spelled out.
    const causes = new Map<string, Rejection>();
    const byReason = new Map<CardinalityReason, number>();
    for (const r of rejected.values()) {
      points += r.points;
      const cause = `${r.reason}\u0000${r.metric}\u0000${r.label}`;
      if (!causes.has(cause)) causes.set(cause, r);
      if (r.points > 0) {
        this.count(t, r.reason, r.metric, r.points);
        byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + r.points);
      }
    }
    for (const [reason, n] of byReason) this.opts.onReject?.(reason, n);
    const shown = [...causes.values()].slice(0, 3).map((r) => describeRejection(t.name, r));
    const more = causes.size > shown.length ? `; and ${causes.size - shown.length} more` : '';
    const message =
      `SL_ERR_CARDINALITY_LIMIT: ${points} data point(s) of ${rejected.size} new series rejected: ${shown.join('; ')}${more}. ` +
      'Series that are already active are still accepted; raise the limit under metrics.cardinality or drop the label that varies.';
    return { batch: out, rejectedPoints: points, rejectedSeries: rejected.size, message };
  }

  private count(t: TenantState, reason: CardinalityReason, metric: string, points: number): void {
    let key = `${reason}\u0000${metric}`;
    let entry = t.rejected.get(key);
    if (!entry && t.rejected.size >= CARDINALITY_DEFAULTS.maxRejectionKeys) {
      // Bounded memory under a flood of distinct metric names: the rest fold into ''.
      key = `${reason}\u0000`;
      entry = t.rejected.get(key);
      metric = '';
    }
    if (!entry) t.rejected.set(key, (entry = { reason, metric, count: 0 }));
    entry.count += points;
  }
}
