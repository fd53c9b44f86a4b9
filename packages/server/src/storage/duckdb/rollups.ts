// Rollup tiers on disk: building them in the background, their progress (watermarks) and the
// retention horizons that say where raw and tier data has been removed.
//
// Each tier lives in its own partition files (dataDir/metrics_1m/<day>.duckdb, ...; 5m files
// hold 7 days and 1h files 30) so per-tier retention deletes whole files like the raw tier.
// A build step covers a time slice [from, to) of the source that lies inside one source file
// and one tier file. It replaces the slice's rows in one transaction (DELETE + append), then
// advances the tier's watermark in the catalog. A crash between the two redoes the slice on
// the next run, which replaces the same rows again: no gap, no double counting.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RollupBuildResult, RollupStatus, RollupTierName } from '../store.js';
import { RollupAccumulator, TIERS, bucketStart, closedUntil, partitionOfDay, tierSpec, type RollupColumns, type TierSpec } from '../rollup-tiers.js';
import { ChunkAppender, doublesToInt64 } from './chunk-appender.js';
import type { Partition, PartitionSet } from './partitions.js';
import { CATALOG_ALIAS, ROLLUPS } from './schema.js';
import { Params } from './sql.js';
import { DAY_MS, dayOfMs } from './time.js';
import { inTransaction, withAppender } from './transaction.js';

const WATERMARKS = `"${CATALOG_ALIAS}".main.rollup_watermarks`;
const HORIZONS = `"${CATALOG_ALIAS}".main.retention_horizons`;

export type TierSets = Record<RollupTierName, PartitionSet>;

export class Rollups {
  private readonly watermarks = new Map<string, number>();
  private readonly horizons = new Map<string, number>();
  private readonly appender = new ChunkAppender(ROLLUPS);

  constructor(
    /** A connection of its own: a build never waits for (or delays) sample commits. */
    private readonly conn: DuckDBConnection,
    private readonly raw: PartitionSet,
    readonly tiers: TierSets,
  ) {}

  async load(): Promise<void> {
    for (const [tier, ms] of (await this.conn.runAndReadAll(`SELECT tier, watermark_ms::DOUBLE FROM ${WATERMARKS}`)).getRows() as [string, number][]) this.watermarks.set(tier, ms);
    for (const [name, ms] of (await this.conn.runAndReadAll(`SELECT name, before_ms::DOUBLE FROM ${HORIZONS}`)).getRows() as [string, number][]) this.horizons.set(name, ms);
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
      while (from < target) {
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
    this.watermarks.set(tier, ms);
  }

  private async buildSlice(t: TierSpec, set: PartitionSet, srcDay: number, from: number, to: number): Promise<{ rows: number; sourceRows: number }> {
    const src = await set.acquire(srcDay, false);
    if (!src) return { rows: 0, sourceRows: 0 };
    const perTenant: Array<[string, RollupColumns]> = [];
    let sourceRows = 0;
    try {
      const tp = new Params();
      const timeCol = t.source === 'raw' ? 't_ms' : 'bucket_ms';
      const table = t.source === 'raw' ? 'samples' : 'rollups';
      const tenants = (await this.conn.runAndReadAll(
        `SELECT DISTINCT tenant FROM "${src.alias}".main.${table} WHERE ${timeCol} >= ${tp.bigint(from)} AND ${timeCol} < ${tp.bigint(to)} ORDER BY tenant`,
        tp.values,
        tp.types,
      )).getRows() as [string][];
      for (const [tenant] of tenants) {
        const acc = new RollupAccumulator(t.resolutionMs);
        sourceRows += await this.aggregate(t, src, tenant, from, to, acc);
        acc.flush();
        perTenant.push([tenant, acc.out]);
      }
    } finally {
      set.release(src);
    }
    const day = partitionOfDay(dayOfMs(from), t.partitionDays);
    const part = (await this.tiers[t.name].acquire(day, true))!;
    let rows = 0;
    try {
      await inTransaction(this.conn, async () => {
        const p = new Params();
        await this.conn.run(`DELETE FROM "${part.alias}".main.rollups WHERE bucket_ms >= ${p.bigint(from)} AND bucket_ms < ${p.bigint(to)}`, p.values, p.types);
        if (perTenant.some(([, c]) => c.fingerprint.length > 0)) {
          await withAppender(this.conn, part.alias, ROLLUPS.name, async (ap) => {
            for (const [tenant, c] of perTenant) {
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
          const q = new Params();
          await this.conn.run(
            `INSERT INTO "${part.alias}".main.tier_series SELECT DISTINCT r.tenant, r.fingerprint FROM "${part.alias}".main.rollups r
             WHERE r.bucket_ms >= ${q.bigint(from)} AND r.bucket_ms < ${q.bigint(to)}
               AND NOT EXISTS (SELECT 1 FROM "${part.alias}".main.tier_series s WHERE s.tenant = r.tenant AND s.fingerprint = r.fingerprint)`,
            q.values,
            q.types,
          );
        }
      });
    } finally {
      this.tiers[t.name].release(part);
    }
    return { rows, sourceRows };
  }

  /** Streams the source slice of one tenant (sorted by series, time) into the accumulator. */
  private async aggregate(t: TierSpec, src: Partition, tenant: string, from: number, to: number, acc: RollupAccumulator): Promise<number> {
    const p = new Params();
    const where = `tenant = ${p.varchar(tenant)}`;
    const sql =
      t.source === 'raw'
        ? `SELECT fingerprint::DOUBLE, t_ms::DOUBLE, value FROM "${src.alias}".main.samples
           WHERE ${where} AND t_ms >= ${p.bigint(from)} AND t_ms < ${p.bigint(to)} ORDER BY fingerprint, t_ms`
        : `SELECT fingerprint::DOUBLE, bucket_ms::DOUBLE, count, sum, min, max, last, last_ms::DOUBLE, stale_ms::DOUBLE FROM "${src.alias}".main.rollups
           WHERE ${where} AND bucket_ms >= ${p.bigint(from)} AND bucket_ms < ${p.bigint(to)} ORDER BY fingerprint, bucket_ms`;
    const result = await this.conn.stream(sql, p.values, p.types);
    let n = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const cols = chunk.getColumns() as number[][];
      const len = chunk.rowCount;
      n += len;
      if (t.source === 'raw') {
        const [fp, ts, vs] = cols as [number[], number[], number[]];
        for (let i = 0; i < len; i++) acc.addSample(fp[i]!, ts[i]!, vs[i]!);
      } else {
        const [fp, b, c, s, mn, mx, l, lm, sm] = cols as [number[], number[], number[], number[], number[], number[], number[], number[], number[]];
        for (let i = 0; i < len; i++) acc.addRow(fp[i]!, b[i]!, c[i]!, s[i]!, mn[i]!, mx[i]!, l[i]!, lm[i]!, sm[i]!);
      }
    }
    return n;
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
