// Rollup tiers on disk: building them in the background, their progress (watermarks) and the
// retention horizons that say where raw and tier data has been removed.
//
// Each tier lives in its own partition files (dataDir/metrics_1m/<day>.duckdb, ...; 5m files
// hold 7 days and 1h files 30) so per-tier retention deletes whole files like the raw tier.
// A build step covers a time slice [from, to) of the source that lies inside one source file
// and one tier file. It replaces the slice's rows in one transaction (DELETE + append), then
// advances the tier's watermark in the catalog. A crash between the two redoes the slice on
// the next run, which replaces the same rows again: no gap, no double counting.
import type { DuckDBBlobVector, DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import type { RollupBuildResult, RollupStatus, RollupTierName } from '../store.js';
import { RollupAccumulator, TIERS, bucketStart, closedUntil, partitionOfDay, tierSpec, type RollupColumns, type TierSpec } from '../rollup-tiers.js';
import { ChunkAppender, doublesToInt64 } from './chunk-appender.js';
import type { Partition, PartitionSet } from './partitions.js';
import { SampleColumns, doubles, groupBySeries } from './sample-columns.js';
import { CATALOG_ALIAS, ROLLUPS } from './schema.js';
import { Params } from './sql.js';
import { samplesWithTenant, type TenantIds } from './tenants.js';
import { DAY_MS, dayOfMs } from './time.js';
import { inTransaction, withAppender } from './transaction.js';

const WATERMARKS = `"${CATALOG_ALIAS}".main.rollup_watermarks`;
const HORIZONS = `"${CATALOG_ALIAS}".main.retention_horizons`;

export type TierSets = Record<RollupTierName, PartitionSet>;

export class Rollups {
  private readonly watermarks = new Map<string, number>();
  private readonly horizons = new Map<string, number>();
  private readonly appender = new ChunkAppender(ROLLUPS);
  private stopping = false;
  /** Earliest time of samples committed behind a watermark and not yet given back to the builder. */
  private dirtyFrom: number | undefined;

  constructor(
    /** A connection of its own: a build never waits for (or delays) sample commits. */
    private readonly conn: DuckDBConnection,
    private readonly raw: PartitionSet,
    readonly tiers: TierSets,
    /** Raw sample rows name their tenant by id; the tiers by name. */
    private readonly tenants: TenantIds,
  ) {}

  async load(): Promise<void> {
    for (const [tier, ms] of (await this.conn.runAndReadAll(`SELECT tier, watermark_ms::DOUBLE FROM ${WATERMARKS}`)).getRows() as [string, number][]) this.watermarks.set(tier, ms);
    for (const [name, ms] of (await this.conn.runAndReadAll(`SELECT name, before_ms::DOUBLE FROM ${HORIZONS}`)).getRows() as [string, number][]) this.horizons.set(name, ms);
  }

  /** A build in progress stops after its current slice (its progress is saved). */
  stop(): void {
    this.stopping = true;
  }

  close(): void {
    this.conn.disconnectSync();
  }

  status(): RollupStatus {
    return {
      rawAvailableFromMs: this.horizons.get('raw') ?? -Infinity,
      tiers: TIERS.map((t) => ({
        name: t.name,
        resolutionMs: t.resolutionMs,
        builtUntilMs: this.watermarks.get(t.name) ?? -Infinity,
        availableFromMs: this.horizons.get(t.name) ?? -Infinity,
      })),
    };
  }

  watermark(tier: RollupTierName): number | undefined {
    return this.watermarks.get(tier);
  }

  /** Records that retention removed `name`'s data before `beforeMs` (never moves back). */
  async raiseHorizon(name: 'raw' | RollupTierName, beforeMs: number): Promise<void> {
    if ((this.horizons.get(name) ?? -Infinity) >= beforeMs) return;
    const p = new Params();
    await this.conn.run(
      `INSERT INTO ${HORIZONS} VALUES (${p.varchar(name)}, ${p.bigint(beforeMs)}) ON CONFLICT (name) DO UPDATE SET before_ms = greatest(before_ms, excluded.before_ms)`,
      p.values,
      p.types,
    );
    this.horizons.set(name, beforeMs);
  }

  private sourceSet(t: TierSpec): { set: PartitionSet; partitionDays: number } {
    return t.source === 'raw' ? { set: this.raw, partitionDays: 1 } : { set: this.tiers[t.source], partitionDays: tierSpec(t.source).partitionDays };
  }

  /** Builds every tier as far as its source allows; finer tiers first, so one run cascades. */
  async build(nowMs: number, graceMs: number): Promise<RollupBuildResult> {
    const result: RollupBuildResult = { tiers: [] };
    for (const t of TIERS) {
      const r = t.resolutionMs;
      const target = t.source === 'raw' ? closedUntil(nowMs, r, graceMs) : bucketStart(this.watermarks.get(t.source) ?? -Infinity, r);
      const { set, partitionDays } = this.sourceSet(t);
      const firstDay = set.days()[0];
      if (!Number.isFinite(target) || firstDay === undefined) continue;
      const start = this.watermarks.get(t.name) ?? firstDay * DAY_MS;
      let from = start;
      let rows = 0;
      let sourceRows = 0;
      while (from < target && !this.stopping) {
        // The slice stays inside one build step, hence inside one source file and one tier file.
        let to = Math.min(target, bucketStart(from, t.stepMs) + t.stepMs);
        const srcPart = partitionOfDay(dayOfMs(from), partitionDays);
        if (!set.days().includes(srcPart)) {
          // No source data here: jump to the next source file (or the target).
          const next = set.days().find((d) => d > srcPart);
          to = next === undefined ? target : Math.min(target, next * DAY_MS);
        } else {
          const built = await this.buildSlice(t, set, srcPart, from, to);
          rows += built.rows;
          sourceRows += built.sourceRows;
        }
        await this.setWatermark(t.name, to);
        from = to;
      }
      if (from > start) result.tiers.push({ tier: t.name, fromMs: start, toMs: from, rows, sourceRows });
    }
    return result;
  }

  private async setWatermark(tier: RollupTierName, ms: number): Promise<void> {
    const p = new Params();
    await this.conn.run(
      `INSERT INTO ${WATERMARKS} VALUES (${p.varchar(tier)}, ${p.bigint(ms)}) ON CONFLICT (tier) DO UPDATE SET watermark_ms = excluded.watermark_ms`,
      p.values,
      p.types,
    );
    // Late samples committed meanwhile keep the tier's readable part below them.
    const floor = this.dirtyFrom === undefined ? Infinity : bucketStart(this.dirtyFrom, tierSpec(tier).resolutionMs);
    this.watermarks.set(tier, Math.min(ms, floor));
  }

  /**
   * Samples at `ms` were committed after the tiers were built past it (a backfill, a sender
   * catching up). Queries stop reading the tiers from that bucket on at once; the persisted
   * watermarks are lowered by `applyDirty` (run in the rollup queue, after any running build),
   * and the next build rebuilds from there (slices are idempotent).
   */
  markDirty(ms: number): boolean {
    const first = this.watermarks.get('1m');
    if (first === undefined || ms >= first) return false;
    this.dirtyFrom = Math.min(this.dirtyFrom ?? Infinity, ms);
    for (const t of TIERS) {
      const w = this.watermarks.get(t.name);
      const b = bucketStart(ms, t.resolutionMs);
      if (w !== undefined && w > b) this.watermarks.set(t.name, b);
    }
    return true;
  }

  async applyDirty(): Promise<void> {
    const d = this.dirtyFrom;
    if (d === undefined) return;
    for (const t of TIERS) {
      const w = this.watermarks.get(t.name);
      const b = bucketStart(d, t.resolutionMs);
      if (w !== undefined && w >= b) await this.setWatermark(t.name, b);
    }
    if (this.dirtyFrom === d) this.dirtyFrom = undefined;
  }

  /**
   * One slice [from, to) of the source into the tier. Buckets are aggregated in SQL (DuckDB's
   * hash aggregate, never through JavaScript); only raw buckets holding a NaN, which may be a
   * staleness marker (a NaN payload SQL cannot tell apart), go through RollupAccumulator.
   */
  private async buildSlice(t: TierSpec, set: PartitionSet, srcDay: number, from: number, to: number): Promise<{ rows: number; sourceRows: number }> {
    const src = await set.acquire(srcDay, false);
    if (!src) return { rows: 0, sourceRows: 0 };
    try {
      const isRaw = t.source === 'raw';
      const sourceTable = `"${src.alias}".main.${isRaw ? 'samples' : 'rollups'}`;
      const cp = new Params();
      const sourceRows = Number((await this.conn.runAndReadAll(
        `SELECT count(*)::DOUBLE FROM ${sourceTable} WHERE ${isRaw ? 't_ms' : 'bucket_ms'} >= ${cp.bigint(from)} AND ${isRaw ? 't_ms' : 'bucket_ms'} < ${cp.bigint(to)}`,
        cp.values,
        cp.types,
      )).getRows()[0]![0]);
      const day = partitionOfDay(dayOfMs(from), t.partitionDays);
      const part = (await this.tiers[t.name].acquire(day, true))!;
      try {
        let rows = 0;
        let sealedSamples = 0;
        await inTransaction(this.conn, async () => {
          // Read inside the transaction: one snapshot of raw rows and sealed blocks, so a seal
          // committing meanwhile can neither hide nor double samples.
          const sealed = isRaw ? await this.sealedBuckets(t, src, from, to) : { out: [], samples: 0 };
          sealedSamples = sealed.samples;
          const blocks = sealed.out.length > 0 ? `"${src.alias}".main.sample_blocks` : undefined;
          const special = [...(isRaw ? await this.nanBuckets(t, src, from, to, blocks) : []), ...sealed.out];
          const p = new Params();
          const target = `"${part.alias}".main.rollups`;
          await this.conn.run(`DELETE FROM ${target} WHERE bucket_ms >= ${p.bigint(from)} AND bucket_ms < ${p.bigint(to)}`, p.values, p.types);
          const q = new Params();
          // Raw rows name their tenant by id: the names are those known now, inside the
          // transaction after its first read of the day, which covers every row it can see (a
          // tenant's id is known before any row with it commits).
          const sql = isRaw
            ? rawAggregateSql(q, samplesWithTenant(this.tenants, src.alias), t.resolutionMs, from, to, blocks)
            : tierAggregateSql(q, sourceTable, t.resolutionMs, from, to);
          rows += (await this.conn.run(`INSERT INTO ${target} ${sql}`, q.values, q.types)).rowsChanged;
          if (special.some(([, c]) => c.fingerprint.length > 0)) {
            await withAppender(this.conn, part.alias, ROLLUPS.name, async (ap) => {
              for (const [tenant, c] of special) {
                const n = c.fingerprint.length;
                if (n === 0) continue;
                rows += n;
                const f64 = (a: number[]) => Float64Array.from(a);
                await this.appender.append(
                  ap,
                  [tenant, doublesToInt64(c.fingerprint, n), doublesToInt64(c.bucketMs, n), f64(c.count), f64(c.sum), f64(c.min), f64(c.max), f64(c.last), doublesToInt64(c.lastMs, n), doublesToInt64(c.staleMs, n)],
                  n,
                  null,
                );
              }
            });
          }
          const r = new Params();
          await this.conn.run(
            `INSERT INTO "${part.alias}".main.tier_series SELECT DISTINCT x.tenant, x.fingerprint FROM ${target} x
             WHERE x.bucket_ms >= ${r.bigint(from)} AND x.bucket_ms < ${r.bigint(to)}
               AND NOT EXISTS (SELECT 1 FROM "${part.alias}".main.tier_series s WHERE s.tenant = x.tenant AND s.fingerprint = x.fingerprint)`,
            r.values,
            r.types,
          );
        });
        return { rows, sourceRows: sourceRows + sealedSamples };
      } finally {
        this.tiers[t.name].release(part);
      }
    } finally {
      set.release(src);
    }
  }

  /**
   * Series with sealed blocks in the slice, aggregated in JavaScript (blocks are decoded here;
   * DuckDB cannot read them): their blocks merged with their raw rows (late samples), repeated
   * times once with the sealed sample first, as selectSeries reads them. The SQL paths leave
   * these series out.
   */
  private async sealedBuckets(t: TierSpec, src: Partition, from: number, to: number): Promise<{ out: Array<[string, RollupColumns]>; samples: number }> {
    const blocks = `"${src.alias}".main.sample_blocks`;
    const p = new Params();
    const overlap = `end_ms >= ${p.bigint(from)} AND start_ms < ${p.bigint(to)}`;
    const tenants = (await this.conn.runAndReadAll(`SELECT DISTINCT tenant FROM ${blocks} WHERE ${overlap} ORDER BY tenant`, p.values, p.types)).getRows().map((r) => r[0] as string);
    const out: Array<[string, RollupColumns]> = [];
    let samples = 0;
    for (const tenant of tenants) {
      const cols = new SampleColumns();
      const q = new Params();
      const tn = q.varchar(tenant);
      const [lo, hi] = [q.bigint(from), q.bigint(to)];
      await streamChunks(this.conn, `SELECT fingerprint::DOUBLE, count::DOUBLE, data FROM ${blocks} WHERE tenant = ${tn} AND end_ms >= ${lo} AND start_ms < ${hi}`, q, (chunk) => {
        const n = chunk.rowCount;
        const fp = doubles(chunk.getColumnVector(0), n);
        const count = doubles(chunk.getColumnVector(1), n);
        const data = chunk.getColumnVector(2) as DuckDBBlobVector;
        for (let i = 0; i < n; i++) samples += cols.appendBlock(fp[i]!, data.getItem(i)!.bytes, count[i]!, from, to - 1);
      });
      await streamChunks(
        this.conn,
        `SELECT fingerprint::DOUBLE, t_ms::DOUBLE, value FROM ${samplesWithTenant(this.tenants, src.alias)} x
         WHERE tenant = ${tn} AND t_ms >= ${lo} AND t_ms < ${hi} AND ${sealedIn(blocks, 'x', lo, hi)}`,
        q,
        (chunk) => cols.appendChunk(chunk),
      );
      const bySeries = groupBySeries(cols);
      const acc = new RollupAccumulator(t.resolutionMs);
      for (const fp of [...bySeries.keys()].sort((a, b) => a - b)) {
        const s = bySeries.get(fp)!;
        for (let i = 0; i < s.timestampsMs.length; i++) acc.addSample(fp, s.timestampsMs[i]!, s.values[i]!);
      }
      acc.flush();
      out.push([tenant, acc.out]);
    }
    return { out, samples };
  }

  /** Raw buckets of the slice that hold a NaN, aggregated in JavaScript, per tenant. */
  private async nanBuckets(t: TierSpec, src: Partition, from: number, to: number, blocks?: string): Promise<Array<[string, RollupColumns]>> {
    const p = new Params();
    const r = p.bigint(t.resolutionMs);
    const [lo, hi] = [p.bigint(from), p.bigint(to)];
    const range = (col: string) => `${col} >= ${lo} AND ${col} < ${hi}`;
    const samples = samplesWithTenant(this.tenants, src.alias);
    const sql = `SELECT s.tenant, s.fingerprint::DOUBLE, s.t_ms::DOUBLE, s.value FROM ${samples} s
      SEMI JOIN (SELECT DISTINCT tenant, fingerprint, ${bucketSql('t_ms', r)} AS b FROM ${samples} x WHERE ${range('t_ms')} AND isnan(value)
          ${blocks ? `AND NOT ${sealedIn(blocks, 'x', lo, hi)}` : ''}) n
        ON s.tenant = n.tenant AND s.fingerprint = n.fingerprint AND ${bucketSql('s.t_ms', r)} = n.b
      WHERE ${range('s.t_ms')}
      ORDER BY s.tenant, s.fingerprint, s.t_ms`;
    const result = await this.conn.stream(sql, p.values, p.types);
    const out: Array<[string, RollupColumns]> = [];
    let acc: RollupAccumulator | undefined;
    let tenant: string | undefined;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const [tn, fp, ts, vs] = chunk.getColumns() as [string[], number[], number[], number[]];
      for (let i = 0; i < chunk.rowCount; i++) {
        if (tn[i] !== tenant) {
          acc?.flush();
          tenant = tn[i]!;
          acc = new RollupAccumulator(t.resolutionMs);
          out.push([tenant, acc.out]);
        }
        acc!.addSample(fp[i]!, ts[i]!, vs[i]!);
      }
    }
    acc?.flush();
    return out;
  }

  /**
   * Drops tier files that end at or before now - keepDays and records the horizons. Returns
   * the dropped partitions per tier (names of their first day).
   */
  async applyRetention(rollupDays: Partial<Record<RollupTierName, number>>, nowMs: number): Promise<Array<{ tier: RollupTierName; dropped: number[] }>> {
    const out: Array<{ tier: RollupTierName; dropped: number[] }> = [];
    for (const t of TIERS) {
      const keepDays = rollupDays[t.name];
      if (keepDays === undefined) continue;
      const cutoffMs = nowMs - keepDays * DAY_MS;
      const set = this.tiers[t.name];
      const expired = set.days().filter((d) => (d + t.partitionDays) * DAY_MS <= cutoffMs);
      for (const d of expired) await set.drop(d);
      if (expired.length > 0) await this.raiseHorizon(t.name, (Math.max(...expired) + t.partitionDays) * DAY_MS);
      out.push({ tier: t.name, dropped: expired });
    }
    return out;
  }
}

/** Whether the series of row `x` has a sealed block overlapping [lo, hi) (bound parameters). */
function sealedIn(blocks: string, x: string, lo: string, hi: string): string {
  return `EXISTS (SELECT 1 FROM ${blocks} sb WHERE sb.tenant = ${x}.tenant AND sb.fingerprint = ${x}.fingerprint AND sb.end_ms >= ${lo} AND sb.start_ms < ${hi})`;
}

async function streamChunks(conn: DuckDBConnection, sql: string, p: Params, visit: (chunk: DuckDBDataChunk) => void): Promise<void> {
  const result = await conn.stream(sql, p.values, p.types);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    visit(chunk);
  }
}

/** Start of the bucket of `col` (floor, also before 1970); `r` is a bound parameter. */
function bucketSql(col: string, r: string): string {
  return `(${col} - ((${col} % ${r}) + ${r}) % ${r})`;
}

/**
 * Raw samples to rows: duplicated (series, time) pairs from retried writes count once; buckets
 * with a NaN are left to the JavaScript path (nanBuckets).
 */
function rawAggregateSql(p: Params, source: string, resolutionMs: number, from: number, to: number, blocks?: string): string {
  const r = p.bigint(resolutionMs);
  const [lo, hi] = [p.bigint(from), p.bigint(to)];
  return `SELECT tenant, fingerprint, b, count(*)::DOUBLE, kahan_sum(value), min(value), max(value), arg_max(value, t_ms), max(t_ms), max(t_ms)
    FROM (SELECT tenant, fingerprint, t_ms, ${bucketSql('t_ms', r)} AS b, first(value) AS value FROM ${source} x
          WHERE t_ms >= ${lo} AND t_ms < ${hi} ${blocks ? `AND NOT ${sealedIn(blocks, 'x', lo, hi)}` : ''} GROUP BY tenant, fingerprint, t_ms)
    GROUP BY tenant, fingerprint, b
    HAVING count_if(isnan(value)) = 0`;
}

/** Finer rows to coarser rows, with the merge rules of RollupAccumulator.addRow. */
function tierAggregateSql(p: Params, source: string, resolutionMs: number, from: number, to: number): string {
  const r = p.bigint(resolutionMs);
  return `SELECT tenant, fingerprint, b, c, s, mn, mx, l,
      CASE WHEN c = 0 THEN st ELSE lm END,
      CASE WHEN c = 0 THEN st WHEN st > lm THEN st ELSE lm END
    FROM (
      SELECT tenant, fingerprint, ${bucketSql('bucket_ms', r)} AS b,
        sum(count) AS c,
        coalesce(kahan_sum(sum) FILTER (WHERE count > 0), 'NaN'::DOUBLE) AS s,
        coalesce(min(min) FILTER (WHERE count > 0 AND NOT isnan(min)), 'NaN'::DOUBLE) AS mn,
        coalesce(max(max) FILTER (WHERE count > 0 AND NOT isnan(max)), 'NaN'::DOUBLE) AS mx,
        coalesce(arg_max(last, last_ms) FILTER (WHERE count > 0), 'NaN'::DOUBLE) AS l,
        max(last_ms) FILTER (WHERE count > 0) AS lm,
        max(stale_ms) FILTER (WHERE count = 0 OR stale_ms > last_ms) AS st
      FROM ${source} WHERE bucket_ms >= ${p.bigint(from)} AND bucket_ms < ${p.bigint(to)}
      GROUP BY ALL)`;
}
