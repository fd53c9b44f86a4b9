import type { SeriesRef } from '@sightline/client';

/**
 * Per-second rate of a cumulative counter between consecutive samples. A drop in value is
 * a counter reset (process restart): the new value counts from zero, as in PromQL `rate`.
 */
export function counterRate(timestampsMs: number[], values: number[]): { x: number[]; y: Array<number | null> } {
  const x: number[] = [];
  const y: Array<number | null> = [];
  for (let i = 1; i < values.length; i++) {
    const dt = (timestampsMs[i]! - timestampsMs[i - 1]!) / 1000;
    if (dt <= 0) continue;
    const dv = values[i]! >= values[i - 1]! ? values[i]! - values[i - 1]! : values[i]!;
    x.push(timestampsMs[i]!);
    y.push(dv / dt);
  }
  return { x, y };
}

/** Counters are cumulative; showing them raw draws ever-rising lines nobody can read. */
export function isCumulative(type: string, name: string): boolean {
  const t = type.toLowerCase();
  return t === 'counter' || t === 'sum' || name.endsWith('_total') || name.endsWith('_count') || name.endsWith('_sum') || name.endsWith('_bucket');
}

/** Label keys across series and their values, for the filter dropdowns. `__name__` excluded. */
export function labelValues(series: SeriesRef[]): Map<string, string[]> {
  const sets = new Map<string, Set<string>>();
  for (const s of series) {
    for (const [k, v] of Object.entries(s.labels)) {
      if (k === '__name__') continue;
      let set = sets.get(k);
      if (!set) sets.set(k, (set = new Set()));
      set.add(v);
    }
  }
  return new Map([...sets].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]));
}

/** `{job="api", code="200"}` without the labels every series shares (they say nothing). */
export function seriesLabel(labels: Record<string, string>, common: ReadonlySet<string>): string {
  const parts = Object.entries(labels)
    .filter(([k]) => k !== '__name__' && !common.has(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`);
  return parts.length ? `{${parts.join(', ')}}` : labels.__name__ ?? '{}';
}

/** Label keys whose value is the same on every series. */
export function commonLabels(series: SeriesRef[]): Set<string> {
  const common = new Set<string>();
  if (series.length < 2) return common;
  for (const [k, v] of Object.entries(series[0]!.labels)) if (series.every((s) => s.labels[k] === v)) common.add(k);
  return common;
}

export interface SeriesStats {
  last: number | null;
  min: number | null;
  max: number | null;
  avg: number | null;
  count: number;
}

export function seriesStats(values: Array<number | null>): SeriesStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  let last: number | null = null;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    count++;
    last = v;
  }
  return count ? { last, min, max, avg: sum / count, count } : { last: null, min: null, max: null, avg: null, count: 0 };
}

/** Ranks metric names for the autocomplete: prefix matches, then word starts, then substrings. */
export function rankMetricNames<T extends { name: string }>(names: T[], text: string, limit = 50): T[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return names.slice(0, limit);
  const scored: Array<[number, T]> = [];
  for (const n of names) {
    const name = n.name.toLowerCase();
    const idx = name.indexOf(needle);
    if (idx < 0) continue;
    const score = idx === 0 ? 0 : /[_.:]/.test(name[idx - 1]!) ? 1 : 2;
    scored.push([score * 1000 + name.length, n]);
  }
  return scored.sort((a, b) => a[0] - b[0]).slice(0, limit).map(([, n]) => n);
}
