// Sealing: raw samples of closed time blocks move from the `samples` table (the head, written
// by every commit in arrival order) into `sample_blocks`, one row per (tenant, series, block)
// with the block's samples compressed by sample-codec.ts (~1-2 bytes a sample instead of ~10,
// see docs/benchmarks.md "Bytes per sample on disk").
//
// One transaction per day partition reads the raw rows before `untilMs`, merges them with the
// blocks already sealed for the same (series, block) (late samples, or a block sealed while it
// was still open), writes the new blocks and deletes the raw rows it read. DuckDB's snapshot
// isolation makes the DELETE remove exactly the rows the transaction saw: samples committed
// meanwhile stay raw and are sealed next time. A crash before COMMIT leaves nothing behind, so
// a re-run does the same work again (idempotent); after COMMIT there is nothing left to redo.
import type { DuckDBConnection } from '@duckdb/node-api';
import { encodeSamples } from '../sample-codec.js';
import type { SealResult } from '../store.js';
import type { PartitionSet } from './partitions.js';
import { SampleColumns, doubles, groupBySeries } from './sample-columns.js';
import { SAMPLE_BLOCKS } from './schema.js';
import { Params } from './sql.js';
import type { TenantIds } from './tenants.js';
import { DAY_MS, HOUR_MS } from './time.js';
import { inTransaction, withAppender } from './transaction.js';

/** Samples of one series per sealed row: an hour (Prometheus' head chunks hold ~2 h). */
export const BLOCK_MS = HOUR_MS;

/**
 * A closed day's file is rewritten once more than this share of it is free blocks. DuckDB frees
 * the blocks of the deleted raw rows at checkpoint and reuses them for later writes, but never
 * gives them back to the file system (measured on DuckDB 1.5: a sealed day file stayed 76 MiB
 * with 247 of 304 blocks free; rewritten, 14 MiB).
 */
const COMPACT_FREE_RATIO = 0.5;

export class SampleSealer {
  private stopping = false;

  constructor(
    /** A connection of its own: sealing never waits for (or delays) sample commits. */
    private readonly conn: DuckDBConnection,
    private readonly set: PartitionSet,
    /** Raw sample rows name their tenant by id; sealed blocks by name. */
    private readonly tenants: TenantIds,
    /** Called after a commit that rewrote sealed blocks of [fromMs, toMs) (late samples merged in). */
    private readonly onResealed: (day: number, tenant: string, fromMs: number, toMs: number) => void = () => undefined,
  ) {}

  stop(): void {
    this.stopping = true;
  }

  /** Seals every raw sample before untilMs (callers pass the end of the last closed block). */
  async seal(untilMs: number): Promise<SealResult> {
    const result: SealResult = { partitions: 0, blocks: 0, samples: 0, compacted: 0 };
    for (const day of this.set.days()) {
      if (this.stopping || day * DAY_MS >= untilMs) break;
      const part = await this.set.acquire(day, false);
      if (!part) continue;
      let sealed = 0;
      try {
        const r = await this.sealPartition(`"${part.alias}".main`, Math.min(untilMs, (day + 1) * DAY_MS));
        for (const [tenant, from] of r.resealed) this.onResealed(day, tenant, from, from + BLOCK_MS);
        if (r.samples > 0 || r.blocks > 0) result.partitions++;
        result.blocks += r.blocks;
        result.samples += r.samples;
        sealed = r.samples;
      } finally {
        this.set.release(part);
      }
      // A day sealed to its end gets no more regular writes: give the raw rows' space back.
      if (sealed > 0 && (day + 1) * DAY_MS <= untilMs && !this.stopping && (await this.set.compact(day, COMPACT_FREE_RATIO))) result.compacted!++;
    }
    return result;
  }

  private async sealPartition(db: string, until: number): Promise<{ blocks: number; samples: number; resealed: Array<[string, number]> }> {
    const conn = this.conn;
    return inTransaction(conn, async () => {
      const p = new Params();
      const work = (await conn.runAndReadAll(
        `SELECT DISTINCT tenant_id::DOUBLE, floor(t_ms / ${BLOCK_MS})::DOUBLE AS b FROM ${db}.samples WHERE t_ms < ${p.bigint(until)} ORDER BY ALL`,
        p.values,
        p.types,
      )).getRows() as [number, number][];
      if (work.length === 0) return { blocks: 0, samples: 0, resealed: [] };
      let blocks = 0;
      let samples = 0;
      const resealed: Array<[string, number]> = [];
      for (const [tenantId, b] of work) {
        const from = b * BLOCK_MS;
        const to = Math.min(from + BLOCK_MS, until);
        const tenant = this.tenants.nameOf(tenantId);
        const r = await this.sealBlock(db, tenant, tenantId, from, to);
        blocks += r.blocks;
        samples += r.samples;
        if (r.merged) resealed.push([tenant, from]);
      }
      const d = new Params();
      await conn.run(`DELETE FROM ${db}.samples WHERE t_ms < ${d.bigint(until)}`, d.values, d.types);
      return { blocks, samples, resealed };
    });
  }

  /** One tenant's raw rows in [from, to), merged with the block rows sealed earlier. */
  private async sealBlock(db: string, tenant: string, tenantId: number, from: number, to: number): Promise<{ blocks: number; samples: number; merged: boolean }> {
    const conn = this.conn;
    const raw = new SampleColumns();
    const p = new Params();
    const rawSql = `SELECT fingerprint::DOUBLE, t_ms::DOUBLE, value FROM ${db}.samples
      WHERE tenant_id = ${p.bigint(tenantId)} AND t_ms >= ${p.bigint(from)} AND t_ms < ${p.bigint(to)}`;
    await streamChunks(conn, rawSql, p, (chunk) => raw.appendChunk(chunk));
    const samples = raw.length;
    // Block rows sealed before for the same series and block: merged into the new rows.
    const blockStart = Math.floor(from / BLOCK_MS) * BLOCK_MS;
    const cols = new SampleColumns();
    const q = new Params();
    const inBlock = `tenant = ${q.varchar(tenant)} AND start_ms >= ${q.bigint(blockStart)} AND start_ms < ${q.bigint(blockStart + BLOCK_MS)}`;
    const result = await conn.stream(`SELECT fingerprint::DOUBLE, count::DOUBLE, data FROM ${db}.sample_blocks WHERE ${inBlock}`, q.values, q.types);
    let merged = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const n = chunk.rowCount;
      const fp = doubles(chunk.getColumnVector(0), n);
      const count = doubles(chunk.getColumnVector(1), n);
      const data = chunk.getColumnVector(2) as import('@duckdb/node-api').DuckDBBlobVector;
      for (let i = 0; i < n; i++) cols.appendBlock(fp[i]!, data.getItem(i)!.bytes, count[i]!);
      merged += n;
    }
    if (merged > 0) {
      // Only series with new raw rows need rewriting, but rewriting the block's other series
      // too keeps this one statement; late data is rare.
      await conn.run(`DELETE FROM ${db}.sample_blocks WHERE ${inBlock}`, q.values, q.types);
    }
    cols.concat(raw);
    const bySeries = groupBySeries(cols);
    const fps = [...bySeries.keys()].sort((a, b) => a - b);
    const alias = db.slice(1, db.indexOf('"', 1));
    await withAppender(conn, alias, SAMPLE_BLOCKS.name, (ap) => {
      for (const fp of fps) {
        const s = bySeries.get(fp)!;
        const n = s.timestampsMs.length;
        ap.appendVarchar(tenant);
        ap.appendBigInt(BigInt(fp));
        ap.appendBigInt(BigInt(s.timestampsMs[0]!));
        ap.appendBigInt(BigInt(s.timestampsMs[n - 1]!));
        ap.appendUInteger(n);
        ap.appendBlob(encodeSamples(s.timestampsMs, s.values, n));
        ap.endRow();
      }
    });
    return { blocks: fps.length, samples, merged: merged > 0 };
  }
}

async function streamChunks(conn: DuckDBConnection, sql: string, p: Params, visit: (chunk: import('@duckdb/node-api').DuckDBDataChunk) => void): Promise<void> {
  const result = await conn.stream(sql, p.values, p.types);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    visit(chunk);
  }
}
