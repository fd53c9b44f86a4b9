import type { MetricCardinalityResponse } from '@sightline/client';

export interface LimitUsage {
  key: keyof MetricCardinalityResponse['limits'];
  label: string;
  /** What counts against the limit, e.g. `active series` or the worst metric's name. */
  subject: string;
  used: number;
  limit: number | null;
  /** used / limit; null without a limit. */
  ratio: number | null;
}

/**
 * Each configured limit next to what comes closest to it: active series for the tenant
 * limit, the biggest metric for the per-metric limit, the label with the most values for
 * the per-label limit.
 */
export function limitUsage(c: MetricCardinalityResponse): LimitUsage[] {
  const topMetric = c.topMetrics[0];
  const topLabel = c.topLabels[0];
  const row = (key: LimitUsage['key'], label: string, subject: string, used: number): LimitUsage => {
    const limit = c.limits[key];
    return { key, label, subject, used, limit, ratio: limit && limit > 0 ? used / limit : null };
  };
  return [
    row('maxSeriesPerTenant', 'Series per tenant', 'active series', c.activeSeries),
    row('maxSeriesPerMetric', 'Series per metric', topMetric ? topMetric.name : 'no metrics', topMetric?.series ?? 0),
    row('maxLabelValuesPerLabel', 'Values per label', topLabel ? topLabel.name : 'no labels', topLabel?.distinctValues ?? 0),
  ];
}

/** Severity of a usage ratio, for colouring: ok below 70%, warn to 90%, then high. */
export function usageLevel(ratio: number | null): 'none' | 'ok' | 'warn' | 'high' {
  if (ratio === null) return 'none';
  return ratio >= 0.9 ? 'high' : ratio >= 0.7 ? 'warn' : 'ok';
}

/** Share of `value` in `total` as a bar width in percent (0-100), 0 for empty totals. */
export function barWidth(value: number, max: number): number {
  if (!(max > 0)) return 0;
  return Math.max(0, Math.min(100, (value / max) * 100));
}

/** Workbench link that queries one metric over the same time range. */
export function workbenchHref(metric: string, rangeParams: URLSearchParams): string {
  const p = new URLSearchParams();
  for (const k of ['from', 'to']) {
    const v = rangeParams.get(k);
    if (v) p.set(k, v);
  }
  p.append('q', metric);
  return `/explore/metrics?${p.toString()}`;
}
