// Metric reads: names, series lookup through the per-hour activity index, samples, exemplars
// and exponential histograms. Series labels come from the catalog.
import type { DuckDBDoubleVector } from '@duckdb/node-api';
import type { MetricType } from '../batches.js';
import { SightlineError } from '../../errors.js';
import type { ExemplarRow, ExpHistogramRow, MetricNameInfo, SamplesQuery, SeriesInfo, SeriesQuery, SeriesMatcher, SeriesSamples, SeriesSelectQuery, SelectedSeriesSamples } from '../store.js';
import { parseArray, parseLabels, parseObject } from './json-text.js';
import { TIERS, partitionOfDay } from '../rollup-tiers.js';
import { daysForMs, unionAll, withPartitions } from './partition-query.js';
import type { Partition, PartitionSet } from './partitions.js';
import type { ReaderPool } from './reader-pool.js';
import type { TierSets } from './rollups.js';
import { CATALOG_ALIAS } from './schema.js';
import { Params, jsonPointer } from './sql.js';
import { HOUR_MS, dayOfMs } from './time.js';
import { checkLimit } from './trace-queries.js';

const SERIES = `"${CATALOG_ALIAS}".main.series`;
const METADATA = `"${CATALOG_ALIAS}".main.metric_metadata`;
const MAX_SAMPLES = 10_000_000;

/** Fingerprints active in [startMs, endMs] per the hourly index, as a subquery. */
function activeSeries(p: Params, parts: readonly Partition[], tenant: string, startMs: number, endMs: number): string {
  const where = `tenant = ${p.varchar(tenant)} AND hour BETWEEN ${p.bigint(Math.floor(startMs / HOUR_MS))} AND ${p.bigint(Math.floor(endMs / HOUR_MS))}`;
  return unionAll(parts, 'series_hours', (from) => `SELECT fingerprint FROM ${from} WHERE ${where}`);
}

/** Catalog `series` conditions for the tenant and Prometheus label matchers. */
export function matcherConditions(p: Params, tenant: string, matchers: readonly SeriesMatcher[]): string[] {
  const conds = [`tenant = ${p.varchar(tenant)}`];
  for (const m of matchers) {
    const col = m.name === '__name__' ? 'name' : `coalesce(json_extract_string(labels, ${p.varchar(jsonPointer(m.name))}), '')`;
    const v = p.varchar(m.type === '=~' || m.type === '!~' ? re2NamedGroups(m.value) : m.value);
    switch (m.type) {
      case '=': conds.push(`${col} = ${v}`); break;
      case '!=': conds.push(`${col} <> ${v}`); break;
      case '=~': conds.push(`regexp_full_match(${col}, ${v})`); break;
      case '!~': conds.push(`NOT regexp_full_match(${col}, ${v})`); break;
    }
  }
  return conds;
}

/** Where retention removed raw samples, and the rollup tiers that still know those series. */
export interface SeriesHistory {
  readonly tiers: TierSets;
  /** Raw samples before this time are gone (-Infinity while none were dropped). */
  rawAvailableFromMs(): number;
}

export class MetricQueries {
  constructor(
    private readonly set: PartitionSet,
    private readonly pool: ReaderPool,
    private readonly history?: SeriesHistory,
  ) {}

  /**
   * Runs `body` with a subquery of the fingerprints active in [startMs, endMs]: the raw hourly
   * index (hour-granular), plus, where the range reaches before the raw horizon, the series
   * lists of the rollup tiers' partitions there (partition-granular: a series with rows anywhere
   * in such a file counts). So series whose raw samples retention removed are still listed for
   * the time the tiers cover, as queries still find them. `empty` when no partition holds data.
   */
  private async withActiveSeries<T>(p: Params, tenant: string, startMs: number, endMs: number, empty: T, body: (active: string) => Promise<T>): Promise<T> {
    const held: Array<[PartitionSet, Partition]> = [];
    const acquire = async (set: PartitionSet, days: readonly number[]): Promise<Partition[]> => {
      const parts: Partition[] = [];
      for (const day of days) {
        const part = await set.acquire(day, false);
        if (part) {
          held.push([set, part]);
          parts.push(part);
        }
      }
      return parts;
    };
    try {
      const selects: string[] = [];
      const raw = await acquire(this.set, daysForMs(this.set, startMs, endMs));
      if (raw.length > 0) selects.push(activeSeries(p, raw, tenant, startMs, endMs));
      const rawFrom = this.history?.rawAvailableFromMs() ?? -Infinity;
      if (this.history && startMs < rawFrom && endMs >= startMs) {
        const until = Math.min(endMs, rawFrom);
        let t: string | undefined; // bound only if used: DuckDB refuses unused parameters
        for (const spec of TIERS) {
          const set = this.history.tiers[spec.name];
          const parts = await acquire(set, set.daysIn(partitionOfDay(dayOfMs(startMs), spec.partitionDays), dayOfMs(until)));
          if (parts.length === 0) continue;
          t ??= p.varchar(tenant);
          selects.push(unionAll(parts, 'tier_series', (from) => `SELECT fingerprint FROM ${from} WHERE tenant = ${t}`));
        }
      }
      return selects.length === 0 ? empty : await body(selects.join('\nUNION ALL\n'));
    } finally {
      for (const [set, part] of held) set.release(part);
    }
  }

  /**
   * Names of series with data in the range. Type, unit and help come from the metadata of the
   * name itself or of its family (`x_bucket`, `x_sum`, `x_count`, and OpenMetrics' `x_total`,
   * `x_created`, `x_info` belong to family `x`).
   */
  async metricNames(tenant: string, startMs: number, endMs: number): Promise<MetricNameInfo[]> {
    const p = new Params();
    return this.withActiveSeries(p, tenant, startMs, endMs, [], async (active) => {
      const t = p.varchar(tenant);
      const sql = `SELECT s.name, coalesce(m1.type, m2.type, 'unknown'), coalesce(m1.unit, m2.unit, ''), coalesce(m1.help, m2.help, '')
        FROM (SELECT DISTINCT name FROM ${SERIES} WHERE tenant = ${t} AND fingerprint IN (${active})) s
        LEFT JOIN ${METADATA} m1 ON m1.tenant = ${t} AND m1.name = s.name
        LEFT JOIN ${METADATA} m2 ON m2.tenant = ${t} AND m2.name = regexp_replace(s.name, '_(bucket|sum|count|total|created|info)$', '')
        ORDER BY s.name`;
      const rows = (await this.pool.query(sql, p)).getRows() as [string, string, string, string][];
      return rows.map(([name, type, unit, help]) => ({ name, type: type as MetricType, unit, help }));
    });
  }

  /** A label matcher with value '' matches series without that label (Prometheus semantics). */
  async findSeries(q: SeriesQuery): Promise<SeriesInfo[]> {
    const limit = checkLimit(q.limit);
    const p = new Params();
    return this.withActiveSeries(p, q.tenant, q.startMs, q.endMs, [], async (active) => {
      const conds = [`tenant = ${p.varchar(q.tenant)}`];
      if (q.name) conds.push(`name = ${p.varchar(q.name)}`);
      for (const [k, v] of Object.entries(q.labels ?? {})) conds.push(`coalesce(json_extract_string(labels, ${p.varchar(jsonPointer(k))}), '') = ${p.varchar(v)}`);
      conds.push(`fingerprint IN (${active})`);
      const sql = `SELECT fingerprint::DOUBLE, labels FROM ${SERIES} WHERE ${conds.join(' AND ')} ORDER BY fingerprint LIMIT ${p.bigint(limit)}`;
      return ((await this.pool.query(sql, p)).getRows() as [number, string][]).map(([fingerprint, labels]) => ({ fingerprint, labels: parseLabels(labels) }));
    });
  }

  /**
   * Series by Prometheus label matchers plus their samples. An absent label reads as '' (so
   * `{a=""}` matches series without `a`); regexes are RE2 via DuckDB's regexp_full_match, the
   * same regex engine family and anchoring Prometheus uses.
   */
  async selectSeries(q: SeriesSelectQuery): Promise<SelectedSeriesSamples[]> {
    const series = await withPartitions(this.set, daysForMs(this.set, q.startMs, q.endMs), [] as [number, string][], async (parts) => {
      const p = new Params();
      const conds = matcherConditions(p, q.tenant, q.matchers);
      conds.push(`fingerprint IN (${activeSeries(p, parts, q.tenant, q.startMs, q.endMs)})`);
      const sql = `SELECT fingerprint::DOUBLE, labels FROM ${SERIES} WHERE ${conds.join(' AND ')} ORDER BY fingerprint`;
      return (await this.pool.query(sql, p)).getRows() as [number, string][];
    });
    if (series.length === 0) return [];
    const limit = Math.min(Math.max(1, Math.floor(q.maxSamples)), MAX_SAMPLES);
    const out: SelectedSeriesSamples[] = [];
    let total = 0;
    // Bounded IN lists keep each statement small when a selector matches many series.
    const CHUNK = 5000;
    for (let i = 0; i < series.length; i += CHUNK) {
      const part = series.slice(i, i + CHUNK);
      const got = await this.samplesBySeries(q.tenant, part.map(([fp]) => fp), q.startMs, q.endMs, limit - total + 1);
      // Rows read (repeats included) decide whether the read was cut: never a silently short answer.
      if (got.rows > limit - total) {
        throw new SightlineError('SL_ERR_TOO_MANY_SAMPLES', `the selector matches more than ${limit} samples in the range; narrow the time range or the selector`);
      }
      for (const [fp, labels] of part) {
        const s = got.bySeries.get(fp);
        // Series with no sample in the exact range are left out, like Prometheus' querier does.
        if (!s) continue;
        total += s.timestampsMs.length;
        out.push({ fingerprint: fp, labels: parseLabels(labels), timestampsMs: s.timestampsMs, values: s.values });
      }
    }
    return out;
  }

  /**
   * Samples per series, grouped here rather than by `ORDER BY fingerprint, t_ms` in SQL: on one
   * DuckDB thread, sorting 6.9M rows took ~5.8 s of a ~8.6 s statement (EXPLAIN ANALYZE in
   * bench/prom-query-profile.mjs). The three NOT NULL double columns are copied chunk by chunk
   * into growing Float64Arrays (bulk copies, no per-row JS values), then samples are counted per
   * series and scattered into one exact-size buffer, each series a subarray of it. Rows of a
   * series arrive almost always in time order already (samples are appended as they are
   * received), so a check per series and a rare sort is cheap. Repeated (series, time) pairs from
   * retried writes are kept once. At most `limit` rows are read (an arbitrary subset when more
   * match: the caller only uses the count to refuse the query).
   */
  private async samplesBySeries(tenant: string, fingerprints: readonly number[], startMs: number, endMs: number, limit: number): Promise<{ bySeries: Map<number, { timestampsMs: Float64Array; values: Float64Array }>; rows: number }> {
    const cols = new SampleColumns();
    await withPartitions(this.set, daysForMs(this.set, startMs, endMs), undefined, async (parts) => {
      const p = new Params();
      const where = `tenant = ${p.varchar(tenant)} AND t_ms BETWEEN ${p.bigint(startMs)} AND ${p.bigint(endMs)}
        AND fingerprint IN (SELECT unnest(${p.bigintList(fingerprints)}))`;
      const sql = `${unionAll(parts, 'samples', (from) => `SELECT fingerprint::DOUBLE, t_ms::DOUBLE, value FROM ${from} WHERE ${where}`)} LIMIT ${p.bigint(limit)}`;
      await this.pool.queryChunks(sql, p, (chunk) => {
        const n = chunk.rowCount;
        if (n === 0) return;
        cols.append(doubles(chunk.getColumnVector(0), n), doubles(chunk.getColumnVector(1), n), doubles(chunk.getColumnVector(2), n));
      });
    });
    const rows = cols.length;
    const bySeries = new Map<number, { timestampsMs: Float64Array; values: Float64Array }>();
    if (rows === 0) return { bySeries, rows };
    // Series index per fingerprint; a run of rows of one series skips the lookup.
    const index = new Map<number, number>();
    for (let i = 0; i < fingerprints.length; i++) if (!index.has(fingerprints[i]!)) index.set(fingerprints[i]!, index.size);
    const { fp, ts, vs } = cols;
    const idx = new Int32Array(rows);
    const counts = new Int32Array(index.size + 1);
    let curFp = NaN;
    let cur = 0;
    for (let i = 0; i < rows; i++) {
      const f = fp[i]!;
      if (f !== curFp) {
        curFp = f;
        // A fingerprint outside the list cannot come back from the IN filter; keep it apart anyway.
        cur = index.get(f) ?? index.size;
      }
      idx[i] = cur;
      counts[cur]!++;
    }
    const offsets = new Int32Array(index.size + 2);
    for (let k = 0; k <= index.size; k++) offsets[k + 1] = offsets[k]! + counts[k]!;
    const outTs = new Float64Array(rows);
    const outVs = new Float64Array(rows);
    const pos = offsets.slice(0, index.size + 1);
    for (let i = 0; i < rows; i++) {
      const at = pos[idx[i]!]!++;
      outTs[at] = ts[i]!;
      outVs[at] = vs[i]!;
    }
    for (const [f, k] of index) {
      const a = offsets[k]!;
      const b = offsets[k + 1]!;
      if (b === a) continue;
      bySeries.set(f, sortedByTime(outTs.subarray(a, b), outVs.subarray(a, b)));
    }
    return { bySeries, rows };
  }

  private async labelsOf(tenant: string, fingerprints: readonly number[]): Promise<Map<number, Record<string, string>>> {
    const p = new Params();
    const sql = `SELECT fingerprint::DOUBLE, labels FROM ${SERIES} WHERE tenant = ${p.varchar(tenant)} AND fingerprint IN (SELECT unnest(${p.bigintList(fingerprints)}))`;
    const out = new Map<number, Record<string, string>>();
    for (const [fp, labels] of (await this.pool.query(sql, p)).getRows() as [number, string][]) out.set(fp, parseLabels(labels));
    return out;
  }

  /** Samples ordered by series then time; repeated (series, time) pairs from retried writes are returned once. */
  async readSamples(q: SamplesQuery): Promise<SeriesSamples[]> {
    if (q.fingerprints.length === 0) return [];
    const limit = Math.min(checkLimitLarge(q.limit), MAX_SAMPLES);
    const columns = await withPartitions(this.set, daysForMs(this.set, q.startMs, q.endMs), undefined, async (parts) => {
      const p = new Params();
      const where = `tenant = ${p.varchar(q.tenant)} AND t_ms BETWEEN ${p.bigint(q.startMs)} AND ${p.bigint(q.endMs)}
        AND fingerprint IN (SELECT unnest(${p.bigintList(q.fingerprints)}))`;
      const sql = `SELECT fingerprint::DOUBLE, t_ms::DOUBLE, value FROM (${unionAll(parts, 'samples', (from) => `SELECT fingerprint, t_ms, value FROM ${from} WHERE ${where}`)})
        ORDER BY fingerprint, t_ms LIMIT ${p.bigint(limit)}`;
      return (await this.pool.query(sql, p)).getColumns() as [number[], number[], number[]];
    });
    if (!columns) return [];
    const labels = await this.labelsOf(q.tenant, q.fingerprints);
    // A result without rows has no chunks, hence no columns.
    const [fps = [], ts = [], vs = []] = columns;
    const out: SeriesSamples[] = [];
    let cur: SeriesSamples | undefined;
    for (let i = 0; i < fps.length; i++) {
      const fp = fps[i]!;
      if (!cur || cur.fingerprint !== fp) {
        cur = { fingerprint: fp, labels: labels.get(fp) ?? {}, timestampsMs: [], values: [] };
        out.push(cur);
      } else if (cur.timestampsMs[cur.timestampsMs.length - 1] === ts[i]) {
        continue;
      }
      cur.timestampsMs.push(ts[i]!);
      cur.values.push(vs[i]!);
    }
    return out;
  }

  async readExemplars(q: SamplesQuery): Promise<ExemplarRow[]> {
    if (q.fingerprints.length === 0) return [];
    const rows = await this.readPoints(q, 'exemplars', 'value, trace_id, span_id, attributes');
    if (rows.length === 0) return [];
    const labels = await this.labelsOf(q.tenant, q.fingerprints);
    return rows.map((r) => ({
      fingerprint: r[0] as number,
      labels: labels.get(r[0] as number) ?? {},
      timeMs: r[1] as number,
      value: r[2] as number,
      traceId: r[3] as string,
      spanId: r[4] as string,
      attributes: parseObject(r[5] as string),
    }));
  }

  async readExpHistograms(q: SamplesQuery): Promise<ExpHistogramRow[]> {
    if (q.fingerprints.length === 0) return [];
    const rows = await this.readPoints(
      q,
      'exp_histograms',
      `start_ms::DOUBLE, count, sum, min, max, scale, zero_count, zero_threshold, positive_offset, positive_counts, negative_offset, negative_counts, flags`,
    );
    if (rows.length === 0) return [];
    const labels = await this.labelsOf(q.tenant, q.fingerprints);
    return rows.map((r) => ({
      fingerprint: r[0] as number,
      labels: labels.get(r[0] as number) ?? {},
      timeMs: r[1] as number,
      startTimeMs: r[2] as number,
      count: r[3] as number,
      sum: r[4] as number,
      min: r[5] as number | null,
      max: r[6] as number | null,
      scale: r[7] as number,
      zeroCount: r[8] as number,
      zeroThreshold: r[9] as number,
      positiveOffset: r[10] as number,
      positiveCounts: parseArray(r[11] as string) as number[],
      negativeOffset: r[12] as number,
      negativeCounts: parseArray(r[13] as string) as number[],
      flags: r[14] as number,
    }));
  }

  private readPoints(q: SamplesQuery, name: string, columns: string): Promise<unknown[][]> {
    const limit = checkLimitLarge(q.limit);
    return withPartitions(this.set, daysForMs(this.set, q.startMs, q.endMs), [] as unknown[][], async (parts) => {
      const p = new Params();
      const where = `tenant = ${p.varchar(q.tenant)} AND t_ms BETWEEN ${p.bigint(q.startMs)} AND ${p.bigint(q.endMs)}
        AND fingerprint IN (SELECT unnest(${p.bigintList(q.fingerprints)}))`;
      const sql = `SELECT fingerprint::DOUBLE, t_ms::DOUBLE, ${columns} FROM (${unionAll(parts, name, (from) => `SELECT * FROM ${from} WHERE ${where}`)})
        ORDER BY fingerprint, t_ms LIMIT ${p.bigint(limit)}`;
      return (await this.pool.query(sql, p)).getRows() as unknown[][];
    });
  }
}

/** A DOUBLE NOT NULL column of a chunk as a Float64Array view (valid during the chunk's visit). */
function doubles(vector: unknown, n: number): Float64Array {
  const items = (vector as { items?: unknown }).items;
  if (items instanceof Float64Array && items.length >= n) return items.subarray(0, n);
  const v = vector as DuckDBDoubleVector;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = v.getItem(i)!;
  return out;
}

/** Three growing double columns (fingerprint, time, value), appended a chunk at a time. */
class SampleColumns {
  fp: Float64Array = new Float64Array(0);
  ts: Float64Array = new Float64Array(0);
  vs: Float64Array = new Float64Array(0);
  length = 0;

  append(fp: Float64Array, ts: Float64Array, vs: Float64Array): void {
    const n = fp.length;
    if (this.length + n > this.fp.length) {
      const cap = Math.max(this.length + n, this.fp.length * 2, 8192);
      this.fp = grow(this.fp, cap, this.length);
      this.ts = grow(this.ts, cap, this.length);
      this.vs = grow(this.vs, cap, this.length);
    }
    this.fp.set(fp, this.length);
    this.ts.set(ts, this.length);
    this.vs.set(vs, this.length);
    this.length += n;
  }
}

function grow(a: Float64Array, cap: number, used: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a.subarray(0, used));
  return b;
}

/** The same samples in time order (stable), repeated times once; the input itself when already so. */
function sortedByTime(t: Float64Array, v: Float64Array): { timestampsMs: Float64Array; values: Float64Array } {
  let ordered = true;
  for (let i = 1; i < t.length; i++) {
    if (!(t[i]! > t[i - 1]!)) {
      ordered = false;
      break;
    }
  }
  if (ordered) return { timestampsMs: t, values: v };
  const order = Array.from(t, (_, i) => i).sort((a, b) => t[a]! - t[b]! || a - b);
  const ts = new Float64Array(t.length);
  const vs = new Float64Array(t.length);
  let n = 0;
  for (const i of order) {
    if (n > 0 && ts[n - 1] === t[i]) continue;
    ts[n] = t[i]!;
    vs[n++] = v[i]!;
  }
  return { timestampsMs: ts.slice(0, n), values: vs.slice(0, n) };
}

function checkLimitLarge(limit: number): number {
  return limit > 100_000 && Number.isInteger(limit) ? Math.min(limit, MAX_SAMPLES) : checkLimit(limit);
}

/**
 * DuckDB's RE2 only knows Go's older named-group spelling `(?P<name>`; Go 1.22+ (and so
 * Prometheus 2.55) also accepts `(?<name>`, which the PromQL parser lets through. Rewrites
 * unescaped `(?<` outside character classes so such a selector filters instead of failing.
 */
export function re2NamedGroups(pattern: string): string {
  if (!pattern.includes('(?<')) return pattern;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += c + (pattern[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member of the class.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += pattern[++i];
      continue;
    } else if (c === '(' && pattern.startsWith('?<', i + 1) && pattern[i + 3] !== '=' && pattern[i + 3] !== '!') {
      out += '(?P<';
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}
