/**
 * Pure logic of the PromQL workbench: the URL form of the query list, step selection,
 * turning query_range results into chart columns, stacking, and the instant-result table.
 */
import type { PromMatrixSeries, PromQueryData, PromSample } from './prom-api.js';

export interface WorkbenchQuery {
  expr: string;
  enabled: boolean;
}

/**
 * Queries live in the URL as repeated `q` parameters (order kept) and `off` lists the
 * 0-based indices of disabled ones: `?q=up&q=rate(x[5m])&off=1`.
 */
export function readQueries(params: URLSearchParams): WorkbenchQuery[] {
  const exprs = params.getAll('q');
  const off = new Set((params.get('off') ?? '').split(',').filter(Boolean).map(Number));
  return exprs.map((expr, i) => ({ expr, enabled: !off.has(i) }));
}

/** New search params with `queries` written in, every other parameter kept. */
export function writeQueries(params: URLSearchParams, queries: WorkbenchQuery[]): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete('q');
  next.delete('off');
  for (const q of queries) next.append('q', q.expr);
  const off = queries.flatMap((q, i) => (q.enabled ? [] : [i]));
  if (off.length) next.set('off', off.join(','));
  return next;
}

const STEPS_MS = [1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3];

/**
 * Step for a graph `widthPx` wide over `rangeMs`: about one point per 2 pixels, rounded up
 * to a round step, and never more points than the server accepts per series (11,000).
 */
export function autoStepMs(rangeMs: number, widthPx: number, maxPoints = 11_000): number {
  const points = Math.max(50, Math.min(Math.floor(widthPx / 2), maxPoints));
  const raw = Math.max(rangeMs / points, rangeMs / maxPoints, 1);
  return STEPS_MS.find((s) => s >= raw) ?? Math.ceil(raw / 86400e3) * 86400e3;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3, y: 31536000e3 };

/** A PromQL duration (`30s`, `1m30s`, `500ms`) or plain seconds (`15`, `0.5`) in ms; null if neither. */
export function parseStep(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  if (/^\d+(\.\d+)?$/.test(t)) {
    const ms = Number(t) * 1000;
    return ms > 0 ? ms : null;
  }
  const re = /(\d+)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed === t.length && total > 0 ? total : null;
}

/** 90000 → `1m30s`; the form the step field shows. */
export function formatStep(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86400e3], ['h', 3600e3], ['m', 60e3], ['s', 1e3], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

/** `http_requests_total{code="200", job="api"}`, as Prometheus prints a series. */
export function seriesName(metric: Record<string, string>): string {
  const name = metric.__name__ ?? '';
  const labels = Object.entries(metric)
    .filter(([k]) => k !== '__name__')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return labels.length || !name ? `${name}{${labels.join(', ')}}` : name;
}

/** Prometheus sends values as text: `"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export interface GraphSeries {
  /** Index of the query in the list (0-based). */
  query: number;
  name: string;
  metric: Record<string, string>;
  /** One value per grid point; null where the series has no sample (or a non-finite one). */
  values: Array<number | null>;
}

export interface GraphData {
  /** Grid instants, epoch ms: start, start+step, … ≤ end. */
  x: number[];
  series: GraphSeries[];
}

/**
 * Puts the matrices of several range queries on one time grid. All of them were asked with
 * the same start, end and step, so every sample falls on a grid point.
 */
export function buildGraph(results: Array<{ query: number; series: PromMatrixSeries[] }>, startMs: number, endMs: number, stepMs: number): GraphData {
  const n = Math.max(0, Math.floor((endMs - startMs) / stepMs) + 1);
  const x = Array.from({ length: n }, (_, i) => startMs + i * stepMs);
  const series: GraphSeries[] = [];
  for (const r of results) {
    for (const s of r.series) {
      const values: Array<number | null> = new Array(n).fill(null);
      for (const [t, v] of s.values) {
        const i = Math.round((t * 1000 - startMs) / stepMs);
        const num = parseSampleValue(v);
        if (i >= 0 && i < n && Number.isFinite(num)) values[i] = num;
      }
      series.push({ query: r.query, name: seriesName(s.metric), metric: s.metric, values });
    }
  }
  return { x, series };
}

/**
 * Stacked columns: each series drawn on top of the ones before it. A missing value counts as
 * 0 for the series above and stays missing for its own line.
 */
export function stackValues(columns: Array<Array<number | null>>): Array<Array<number | null>> {
  const len = columns[0]?.length ?? 0;
  const base = new Array<number>(len).fill(0);
  return columns.map((col) =>
    col.map((v, i) => {
      if (v === null) return null;
      base[i]! += v;
      return base[i]!;
    }),
  );
}

/** Start of the query_range grid: the range start snapped down to the step, so refreshes line up. */
export function alignStart(startMs: number, stepMs: number): number {
  return Math.floor(startMs / stepMs) * stepMs;
}

export interface TableRow {
  name: string;
  metric: Record<string, string>;
  /** Formatted like Prometheus (`"1.5"`); matrices show every sample. */
  value: string;
  /** Numeric value for sorting (the last sample for a matrix). */
  sortValue: number;
}

export type InstantTable = { kind: 'rows'; rows: TableRow[] } | { kind: 'scalar' | 'string'; value: string; timeMs: number };

/** The instant result as table rows (vector, matrix) or one value (scalar, string). */
export function instantTable(data: PromQueryData): InstantTable {
  switch (data.resultType) {
    case 'scalar':
    case 'string':
      return { kind: data.resultType, value: data.result[1], timeMs: data.result[0] * 1000 };
    case 'vector':
      return { kind: 'rows', rows: data.result.map((s) => ({ name: seriesName(s.metric), metric: s.metric, value: s.value[1], sortValue: parseSampleValue(s.value[1]) })) };
    case 'matrix':
      return {
        kind: 'rows',
        rows: data.result.map((s) => ({
          name: seriesName(s.metric),
          metric: s.metric,
          value: s.values.map(([t, v]: PromSample) => `${v} @${t}`).join('\n'),
          sortValue: s.values.length ? parseSampleValue(s.values[s.values.length - 1]![1]) : NaN,
        })),
      };
  }
}

export type SortKey = 'series' | 'value';

/** Sorts table rows; NaN values go last in both directions. */
export function sortRows(rows: TableRow[], key: SortKey, dir: 'asc' | 'desc'): TableRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    if (key === 'series') return sign * a.name.localeCompare(b.name);
    const an = Number.isNaN(a.sortValue);
    const bn = Number.isNaN(b.sortValue);
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    return sign * (a.sortValue - b.sortValue || 0);
  });
}

/**
 * Which storage tier answered, when the server says so in `data.stats` (raw samples or a
 * 1m/5m/1h rollup). The field is optional: servers without rollups do not send it.
 */
export function rollupTier(stats: unknown): string | null {
  if (!stats || typeof stats !== 'object') return null;
  const s = stats as Record<string, unknown>;
  for (const key of ['tier', 'rollupTier', 'rollup']) {
    const v = s[key];
    if (typeof v === 'string' && v) return v;
    if (typeof v === 'number') return String(v);
    if (v && typeof v === 'object') {
      const inner = rollupTier(v);
      if (inner) return inner;
    }
  }
  for (const v of Object.values(s)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = rollupTier(v);
      if (inner) return inner;
    }
  }
  return null;
}
