// Metric reads: names, series lookup through the per-hour activity index, samples, exemplars
// and exponential histograms. Series labels come from the catalog.
import type { DuckDBBlobVector, DuckDBVarCharVector } from '@duckdb/node-api';
import type { MetricType } from '../batches.js';
import { SightlineError } from '../../errors.js';
import type { ExemplarRow, ExpHistogramRow, MetricNameInfo, SamplesQuery, SeriesInfo, SeriesQuery, SeriesMatcher, SeriesSamples, SeriesSelectQuery, SelectedSeriesSamples } from '../store.js';
import { parseArray, parseLabels, parseObject } from './json-text.js';
import { TIERS, partitionOfDay } from '../rollup-tiers.js';
import { acquireExisting, daysForMs, releaseAll, table, unionAll, withPartitions, type HeldPartitions } from './partition-query.js';
import type { Partition, PartitionSet } from './partitions.js';
import type { ReaderPool } from './reader-pool.js';
import type { TierSets } from './rollups.js';
import { CATALOG_ALIAS } from './schema.js';
import { SampleColumns, doubles, groupBySeries, sortedByTime, type SeriesColumns } from './sample-columns.js';
import type { CachedBlock, SampleBlockCache } from './block-cache.js';
import { decodeSamplesInto } from '../sample-codec.js';
import { Params, jsonPointer } from './sql.js';
import type { TenantIds } from './tenants.js';
import { HOUR_MS, dayOfMs } from './time.js';
import { checkLimit } from './trace-queries.js';

const SERIES = `"${CATALOG_ALIAS}".main.series`;
const METADATA = `"${CATALOG_ALIAS}".main.metric_metadata`;
const MAX_SAMPLES = 10_000_000;
/** Series read per statement by readSamples, which stops once its limit is filled. */
const READ_SAMPLES_GROUP = 64;

type Labels = Readonly<Record<string, string>>;

/**
 * Parsed label sets by (tenant, fingerprint), shared between queries and frozen: the PromQL
 * engine keys its per-label-set caches (sorted names, signatures) on the object, so a warm
 * query reuses those too. A series' labels never change (its fingerprint is their hash).
 * Bounded by entries; the oldest inserted go first.
 */
export class LabelSetCache {
  private readonly byKey = new Map<string, Map<number, Labels>>();
  private size = 0;

  constructor(readonly maxEntries = 200_000) {}

  get(tenant: string, fp: number, text: () => string): Labels {
    let m = this.byKey.get(tenant);
    const hit = m?.get(fp);
    if (hit) return hit;
    const labels = Object.freeze(parseLabels(text()));
    if (this.maxEntries <= 0) return labels;
    if (!m) this.byKey.set(tenant, (m = new Map()));
    if (this.size >= this.maxEntries) this.evictOldest();
    m.set(fp, labels);
    this.size++;
    return labels;
  }

  private evictOldest(): void {
    for (const [tenant, m] of this.byKey) {
      const first = m.keys().next();
      if (first.done) continue;
      m.delete(first.value);
      this.size--;
      if (m.size === 0) this.byKey.delete(tenant);
      return;
    }
  }
}

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
    /** Raw sample rows name their tenant by id. */
    private readonly tenants: TenantIds,
    private readonly history?: SeriesHistory,
    /** Decoded sealed blocks kept between queries (absent or size 0: decode every time). */
    private readonly blockCache?: SampleBlockCache,
    /** Parsed label sets by series (immutable: a fingerprint is the hash of its labels). */
    private readonly labels = new LabelSetCache(),
  ) {}

  /**
   * Runs `body` with a subquery of the fingerprints active in [startMs, endMs]: the raw hourly
   * index (hour-granular), plus, where the range reaches before the raw horizon, the series
   * lists of the rollup tiers' partitions there (partition-granular: a series with rows anywhere
   * in such a file counts). So series whose raw samples retention removed are still listed for
   * the time the tiers cover, as queries still find them. `empty` when no partition holds data.
   */
  private async withActiveSeries<T>(p: Params, tenant: string, startMs: number, endMs: number, empty: T, body: (active: string) => Promise<T>): Promise<T> {
    const held: HeldPartitions = [];
    const acquire = (set: PartitionSet, days: readonly number[]) => acquireExisting(set, days, held);
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
      releaseAll(held);
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
    const series = await withPartitions(this.set, daysForMs(this.set, q.startMs, q.endMs), [] as [number, Labels][], async (parts) => {
      const p = new Params();
      const conds = matcherConditions(p, q.tenant, q.matchers);
      conds.push(`fingerprint IN (${activeSeries(p, parts, q.tenant, q.startMs, q.endMs)})`);
      const sql = `SELECT fingerprint::DOUBLE, labels FROM ${SERIES} WHERE ${conds.join(' AND ')} ORDER BY fingerprint`;
      const rows: [number, Labels][] = [];
      // Label text is read (and parsed) only for series not met before.
      await this.pool.queryChunks(sql, p, (chunk) => {
        const n = chunk.rowCount;
        if (n === 0) return;
        const fps = doubles(chunk.getColumnVector(0), n);
        const text = chunk.getColumnVector(1) as DuckDBVarCharVector;
        for (let i = 0; i < n; i++) rows.push([fps[i]!, this.labels.get(q.tenant, fps[i]!, () => text.getItem(i)!)]);
      });
      return rows;
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
        out.push({ fingerprint: fp, labels, timestampsMs: s.timestampsMs, values: s.values });
      }
    }
    return out;
  }

  /**
   * Samples per series, grouped here rather than by `ORDER BY fingerprint, t_ms` in SQL: on one
   * DuckDB thread, sorting 6.9M rows took ~5.8 s of a ~8.6 s statement (EXPLAIN ANALYZE in
   * bench/prom-query-profile.mjs). Raw rows (the head, `samples`) are copied chunk by chunk into
   * growing Float64Arrays (bulk copies, no per-row JS values); sealed blocks (`sample_blocks`)
   * are decoded straight into the same kind of arrays. Blocks go first, so where a late or
   * retried raw sample repeats a sealed (series, time) pair the sealed one is kept, as the first
   * arrival is for raw rows. Raw rows are read before blocks: a seal committing in between then
   * shows its samples twice (dropped as repeats), never not at all. At most `limit` raw rows
   * are read (an arbitrary subset when more match: the caller only uses the count to refuse).
   */
  private async samplesBySeries(tenant: string, fingerprints: readonly number[], startMs: number, endMs: number, limit: number): Promise<{ bySeries: Map<number, SeriesColumns>; rows: number }> {
    const raw = new SampleColumns();
    const cols = new SampleColumns();
    const cache = this.blockCache?.enabled ? this.blockCache : undefined;
    let sealed: Map<number, CachedBlock[]> | undefined;
    // A tenant without an id has never written a sample row.
    const tenantId = this.tenants.idOf(tenant);
    await withPartitions(this.set, daysForMs(this.set, startMs, endMs), undefined, async (parts) => {
      if (tenantId !== undefined) {
        const p = new Params();
        const where = `tenant_id = ${p.bigint(tenantId)} AND t_ms BETWEEN ${p.bigint(startMs)} AND ${p.bigint(endMs)}
          AND fingerprint IN (SELECT unnest(${p.bigintList(fingerprints)}))`;
        const sql = `${unionAll(parts, 'samples', (from) => `SELECT fingerprint::DOUBLE, t_ms::DOUBLE, value FROM ${from} WHERE ${where}`)} LIMIT ${p.bigint(limit)}`;
        await this.pool.queryChunks(sql, p, (chunk) => raw.appendChunk(chunk));
      }
      if (cache) sealed = await readBlocksCached(this.pool, cache, parts, tenant, fingerprints, startMs, endMs);
      else await readBlocks(this.pool, parts, tenant, fingerprints, startMs, endMs, cols);
    });
    if (sealed) {
      // Only sealed samples (the common case for closed hours): straight into per-series arrays.
      if (raw.length === 0) return assembleBlocks(sealed, fingerprints, startMs, endMs);
      for (const [fp, blocks] of sealed) {
        for (const b of blocks) {
          const lo = lowerBound(b.timestampsMs, startMs);
          cols.appendSlice(fp, b.timestampsMs, b.values, lo, upperBound(b.timestampsMs, endMs, lo));
        }
      }
    }
    cols.concat(raw);
    return { bySeries: groupBySeries(cols, fingerprints), rows: cols.length };
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
    // Series in fingerprint order, a group at a time: reading stops once the limit is filled,
    // so a small limit over many series or a long range does not read everything first.
    const fps = [...new Set(q.fingerprints)].sort((a, b) => a - b);
    const out: SeriesSamples[] = [];
    let left = limit;
    for (let i = 0; i < fps.length && left > 0; i += READ_SAMPLES_GROUP) {
      const group = fps.slice(i, i + READ_SAMPLES_GROUP);
      const { bySeries } = await this.samplesBySeries(q.tenant, group, q.startMs, q.endMs, MAX_SAMPLES);
      if (bySeries.size === 0) continue;
      const labels = await this.labelsOf(q.tenant, [...bySeries.keys()]);
      for (const fp of group) {
        const s = bySeries.get(fp);
        if (!s || left <= 0) continue;
        const n = Math.min(left, s.timestampsMs.length);
        left -= n;
        out.push({ fingerprint: fp, labels: labels.get(fp) ?? {}, timestampsMs: Array.from(s.timestampsMs.subarray(0, n)), values: Array.from(s.values.subarray(0, n)) });
      }
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

/**
 * Sealed blocks of the series overlapping [startMs, endMs], decoded into `into` (only the
 * samples inside the range). Returns the samples kept.
 */
export async function readBlocks(pool: ReaderPool, parts: readonly Partition[], tenant: string, fingerprints: readonly number[], startMs: number, endMs: number, into: SampleColumns): Promise<number> {
  const p = new Params();
  const where = `tenant = ${p.varchar(tenant)} AND end_ms >= ${p.bigint(startMs)} AND start_ms <= ${p.bigint(endMs)}
    AND fingerprint IN (SELECT unnest(${p.bigintList(fingerprints)}))`;
  const sql = unionAll(parts, 'sample_blocks', (from) => `SELECT fingerprint::DOUBLE, count::DOUBLE, data FROM ${from} WHERE ${where}`);
  let kept = 0;
  await pool.queryChunks(sql, p, (chunk) => {
    const n = chunk.rowCount;
    if (n === 0) return;
    const fp = doubles(chunk.getColumnVector(0), n);
    const count = doubles(chunk.getColumnVector(1), n);
    const data = chunk.getColumnVector(2) as DuckDBBlobVector;
    for (let i = 0; i < n; i++) kept += into.appendBlock(fp[i]!, data.getItem(i)!.bytes, count[i]!, startMs, endMs);
  });
  return kept;
}

/**
 * Sealed blocks of the series overlapping [startMs, endMs] through the block cache: block keys
 * first (fingerprint, start, end, count: no blob), then the blocks of every (day, series) with a
 * block not in the cache are read and decoded in full, cached, and used instead. Returns each
 * series' whole blocks (callers cut them to the range).
 */
export async function readBlocksCached(
  pool: ReaderPool, cache: SampleBlockCache, parts: readonly Partition[], tenant: string, fingerprints: readonly number[], startMs: number, endMs: number,
): Promise<Map<number, CachedBlock[]>> {
  const out = new Map<number, CachedBlock[]>();
  const add = (fp: number, b: CachedBlock) => {
    const list = out.get(fp);
    if (list) list.push(b);
    else out.set(fp, [b]);
  };
  // Per partition: series with at least one block missing from the cache, and the hits of the others.
  const missing = parts.map(() => new Set<number>());
  const hits = parts.map(() => new Map<number, CachedBlock[]>());
  // A day with none of these series cached is read in one statement, as without the cache;
  // the others first ask for their block keys (no blob).
  const keyed: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (fingerprints.some((fp) => cache.hasSeries(part.day, tenant, fp))) keyed.push(i);
    else for (const fp of fingerprints) missing[i]!.add(fp);
  }
  const p = new Params();
  const where = `tenant = ${p.varchar(tenant)} AND end_ms >= ${p.bigint(startMs)} AND start_ms <= ${p.bigint(endMs)}
    AND fingerprint IN (SELECT unnest(${p.bigintList(fingerprints)}))`;
  const keysSql = keyed.map((i) => `SELECT ${i}::DOUBLE, fingerprint::DOUBLE, start_ms::DOUBLE, end_ms::DOUBLE, count::DOUBLE FROM ${table(parts[i]!, 'sample_blocks')} WHERE ${where}`).join('\nUNION ALL\n');
  if (keyed.length > 0) await pool.queryChunks(keysSql, p, (chunk) => {
    const n = chunk.rowCount;
    if (n === 0) return;
    const [pi, fp, st, en, ct] = [0, 1, 2, 3, 4].map((c) => doubles(chunk.getColumnVector(c), n));
    for (let i = 0; i < n; i++) {
      const k = pi![i]!;
      const f = fp![i]!;
      if (missing[k]!.has(f)) continue;
      const b = cache.get(parts[k]!.day, tenant, f, st![i]!, en![i]!, ct![i]!, false);
      if (!b) {
        missing[k]!.add(f);
        hits[k]!.delete(f);
        continue;
      }
      const list = hits[k]!.get(f);
      if (list) list.push(b);
      else hits[k]!.set(f, [b]);
    }
  });
  let served = 0;
  for (const h of hits) {
    for (const [fp, blocks] of h) {
      for (const b of blocks) add(fp, b);
      served += blocks.length;
    }
  }
  const reread = parts.map((part, i) => [part, i, [...missing[i]!]] as const).filter(([, , fps]) => fps.length > 0);
  if (reread.length === 0) {
    cache.record(served, 0);
    return out;
  }
  let decoded = 0;
  const q = new Params();
  const t = q.varchar(tenant);
  const s = q.bigint(startMs);
  const e = q.bigint(endMs);
  const sql = reread
    .map(([part, i, fps]) => `SELECT ${i}::DOUBLE, fingerprint::DOUBLE, start_ms::DOUBLE, end_ms::DOUBLE, count::DOUBLE, data FROM ${table(part, 'sample_blocks')}
      WHERE tenant = ${t} AND end_ms >= ${s} AND start_ms <= ${e} AND fingerprint IN (SELECT unnest(${q.bigintList(fps)}))`)
    .join('\nUNION ALL\n');
  await pool.queryChunks(sql, q, (chunk) => {
    const n = chunk.rowCount;
    if (n === 0) return;
    const [pi, fp, st, en, ct] = [0, 1, 2, 3, 4].map((c) => doubles(chunk.getColumnVector(c), n));
    const data = chunk.getColumnVector(5) as DuckDBBlobVector;
    // One pair of buffers for the chunk's blocks, each block a view of it, rather than a pair
    // of typed arrays (each with its own ArrayBuffer) per series-hour. A buffer lives until every
    // block of it is evicted; blocks of one chunk were read by one query and mostly go together.
    let total = 0;
    for (let i = 0; i < n; i++) total += ct![i]!;
    const tsAll = new Float64Array(total);
    const vsAll = new Float64Array(total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const part = parts[pi![i]!]!;
      const count = ct![i]!;
      // Views of exactly `count` samples: a block that decodes to more throws, as before.
      const ts = tsAll.subarray(at, at + count);
      const vs = vsAll.subarray(at, at + count);
      at += count;
      const got = decodeSamplesInto(data.getItem(i)!.bytes, ts, vs, 0);
      const block = got === count ? { timestampsMs: ts, values: vs } : { timestampsMs: ts.subarray(0, got), values: vs.subarray(0, got) };
      cache.put(part.day, tenant, fp![i]!, st![i]!, en![i]!, count, block.timestampsMs, block.values);
      add(fp![i]!, block);
    }
    decoded += n;
  });
  cache.record(served, decoded);
  return out;
}

/** First index of the time-ordered `ts` with ts[i] >= t. */
function lowerBound(ts: Float64Array, t: number): number {
  const n = ts.length;
  if (n === 0 || ts[0]! >= t) return 0;
  let a = 0;
  let b = n;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (ts[m]! < t) a = m + 1;
    else b = m;
  }
  return a;
}

/** First index at or after `from` of the time-ordered `ts` with ts[i] > t. */
function upperBound(ts: Float64Array, t: number, from: number): number {
  const n = ts.length;
  if (n === 0 || ts[n - 1]! <= t) return n;
  let a = from;
  let b = n;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (ts[m]! <= t) a = m + 1;
    else b = m;
  }
  return a;
}

/**
 * Per-series samples in [startMs, endMs] from whole sealed blocks, for the series in `order`
 * (first occurrence), in one exact-size buffer like groupBySeries; blocks of a series are put
 * in time order (they never overlap; should they, sortedByTime orders them and keeps the first
 * of a repeated time). `rows` counts the samples kept, as the cut-read check expects.
 */
export function assembleBlocks(sealed: Map<number, CachedBlock[]>, order: readonly number[], startMs: number, endMs: number): { bySeries: Map<number, SeriesColumns>; rows: number } {
  const bySeries = new Map<number, SeriesColumns>();
  // Per series kept: fingerprint, its blocks, where its block bounds start in `bounds`, samples.
  const plan: Array<[number, CachedBlock[], number, number]> = [];
  const bounds: number[] = [];
  let total = 0;
  const seen = new Set<number>();
  for (const fp of order) {
    const blocks = sealed.get(fp);
    if (!blocks || seen.has(fp)) continue;
    seen.add(fp);
    if (blocks.length > 1) blocks.sort((a, b) => (a.timestampsMs[0] ?? 0) - (b.timestampsMs[0] ?? 0));
    const first = bounds.length;
    let n = 0;
    for (let j = 0; j < blocks.length; j++) {
      const ts = blocks[j]!.timestampsMs;
      const lo = lowerBound(ts, startMs);
      const hi = upperBound(ts, endMs, lo);
      bounds.push(lo, hi);
      n += hi - lo;
    }
    if (n === 0) continue;
    plan.push([fp, blocks, first, n]);
    total += n;
  }
  const outTs = new Float64Array(total);
  const outVs = new Float64Array(total);
  let at = 0;
  for (const [fp, blocks, first, n] of plan) {
    const from = at;
    for (let j = 0; j < blocks.length; j++) {
      const lo = bounds[first + 2 * j]!;
      const hi = bounds[first + 2 * j + 1]!;
      if (hi === lo) continue;
      // Whole blocks (all but the first and last of a range) without subarray(): a view per
      // block cost more than the copy (measured: ~25% of a 24 h query's CPU profile).
      const ts = blocks[j]!.timestampsMs;
      const vs = blocks[j]!.values;
      if (lo === 0 && hi === ts.length) {
        outTs.set(ts, at);
        outVs.set(vs, at);
      } else {
        outTs.set(ts.subarray(lo, hi), at);
        outVs.set(vs.subarray(lo, hi), at);
      }
      at += hi - lo;
    }
    bySeries.set(fp, sortedByTime(outTs.subarray(from, from + n), outVs.subarray(from, from + n)));
  }
  return { bySeries, rows: total };
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
