// Metric samples: series definitions and metadata into the catalog (their own transaction,
// committed first so a stored sample never points at an unknown series), then samples,
// exponential histograms, exemplars and the per-hour activity index into the day partitions.
//
// Writes run on several connections at once (SlottedWriter), so one batch's appends overlap
// another's COMMIT. What they share: catalog writes go one at a time (two transactions
// inserting the same new series would conflict, and knownSeries must see every committed one),
// and the activity index, which a write marks only after its transaction committed. Two
// writes in flight with the same new (series, hour) may both add its series_hours row; the
// readers of that table (IN lists, GROUP BY, SELECT DISTINCT) do not mind the repeat.
import { quotedString, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { ExemplarPoint, ExpHistogramPoint, SampleBatch, SeriesDef, SeriesMemo } from '../batches.js';
import { ChunkAppender, doublesToInt64 } from './chunk-appender.js';
import { ParquetBuilder, writeInt64, type StageDir } from './parquet-stage.js';
import type { Partition, PartitionSet } from './partitions.js';
import { CATALOG_ALIAS, EXEMPLARS, EXP_HISTOGRAMS, SAMPLES, SERIES_HOURS, SERIES_STAGE, createTableSql } from './schema.js';
import { SerialQueue } from './serial-queue.js';
import type { TenantIds } from './tenants.js';
import { Params } from './sql.js';
import { DAY_MS, HOUR_MS, splitByDayMs } from './time.js';
import { inTransaction, withAppender } from './transaction.js';
import { SlottedWriter, type WriteSlot } from './write-slots.js';

/** Metadata rows per INSERT statement (5 parameters each). */
const CATALOG_ROWS_PER_STATEMENT = 400;
/** Bound on the known-series cache; past it the cache restarts (ON CONFLICT keeps it correct). */
const MAX_KNOWN_SERIES = 2_000_000;
/** Hours of series activity kept in memory per partition; older hours rarely get new samples. */
const HOURS_CACHED = 3;

interface Group {
  batch: SampleBatch;
  rows: Uint32Array | null;
}

/** tenant -> hour -> fingerprints with data in that hour. */
type ActivityIndex = Map<string, Map<number, Set<number>>>;

/** A write connection's own appenders (they buffer, and yield while appending) and temporary stage table. */
interface Appenders {
  stage: ChunkAppender;
  stageReady: boolean;
  seriesHours: ChunkAppender;
}

type Slot = WriteSlot<Appenders>;

export class SampleWriter extends SlottedWriter<Appenders, SampleBatch> {
  private readonly catalogQueue = new SerialQueue();
  private knownSeries = new Map<string, Set<number>>();
  /** Per tenant, the token a SeriesMemo holds when the catalog has the series (renewed by forgetSeries). */
  private catalogTokens = new Map<string, object>();
  private knownCount = 0;
  private readonly knownMetadata = new Map<string, string>();
  /** Per day partition: the activity index, as the promise of its load. */
  private readonly activity = new Map<number, Promise<ActivityIndex>>();

  constructor(
    conns: readonly DuckDBConnection[],
    private readonly parts: PartitionSet,
    private readonly clock: () => number,
    /** Where sample rows are staged as Parquet for their INSERT (see parquet-stage.ts). */
    private readonly stageDir: StageDir,
    /** Sample rows carry their tenant's id (tenants.ts). */
    private readonly tenants: TenantIds,
  ) {
    super(conns, () => ({ stage: new ChunkAppender(SERIES_STAGE), stageReady: false, seriesHours: new ChunkAppender(SERIES_HOURS) }));
  }

  forgetDay(day: number): void {
    this.activity.delete(day);
  }

  /** After retention removed series from the catalog; waits for a catalog write in progress. */
  forgetSeries(): Promise<void> {
    return this.catalogQueue.run(async () => {
      this.knownSeries = new Map();
      this.catalogTokens = new Map();
      this.knownCount = 0;
    });
  }

  override async drain(): Promise<void> {
    await super.drain();
    await this.catalogQueue.drain();
  }

  private catalogToken(tenant: string): object {
    let token = this.catalogTokens.get(tenant);
    if (token === undefined) this.catalogTokens.set(tenant, (token = {}));
    return token;
  }

  protected async writeOn(slot: Slot, batches: readonly SampleBatch[]): Promise<number> {
    const conn = slot.conn;
    const appenders = slot.state;
    for (const b of batches) {
      if (this.tenants.idOf(b.tenant) === undefined) {
        await this.tenants.ensure(conn, batches.map((x) => x.tenant));
        break;
      }
    }
    await this.catalogQueue.run(() => this.writeCatalog(slot, batches));
    const byDay = new Map<number, { groups: Group[]; hist: [SampleBatch, ExpHistogramPoint][]; ex: [SampleBatch, ExemplarPoint][] }>();
    const ofDay = (day: number) => {
      let s = byDay.get(day);
      if (!s) byDay.set(day, (s = { groups: [], hist: [], ex: [] }));
      return s;
    };
    let written = 0;
    for (const batch of batches) {
      if (batch.length > 0) for (const { day, rows } of splitByDayMs(batch.timeMs, batch.length)) ofDay(day).groups.push({ batch, rows });
      for (const h of batch.expHistograms) ofDay(Math.floor(h.timeMs / DAY_MS)).hist.push([batch, h]);
      for (const e of batch.exemplars) ofDay(Math.floor(e.timeMs / DAY_MS)).ex.push([batch, e]);
      written += batch.length + batch.expHistograms.length;
    }
    for (const day of [...byDay.keys()].sort((a, b) => a - b)) {
      const { groups, hist, ex } = byDay.get(day)!;
      const part = (await this.parts.acquire(day, true))!;
      try {
        const index = await this.activityIndex(slot, part);
        const fresh = collectActivity(index, groups, hist, ex);
        // The sample rows go in as one Parquet file per tenant.
        const byTenant = groupsByTenant(groups);
        const insert = (tenant: string, list: readonly Group[]) =>
          this.stageDir.with('samples', encodeSamples(list), (path) =>
            conn.run(
              `INSERT INTO "${part.alias}".main.${SAMPLES.name} (fingerprint, t_ms, value, tenant_id)
               SELECT fingerprint, t_ms, value, ${this.tenants.idOf(tenant)!} FROM read_parquet(${quotedString(path)})`,
            ),
          );
        if (byTenant.size === 1 && hist.length === 0 && ex.length === 0 && fresh.tenant.length === 0) {
          // Samples alone (the steady state): one statement is its own transaction.
          const [[tenant, list]] = [...byTenant];
          await insert(tenant!, list!);
        } else {
          await inTransaction(conn, async () => {
            for (const [tenant, list] of byTenant) await insert(tenant, list);
            if (hist.length > 0) await withAppender(conn, part.alias, EXP_HISTOGRAMS.name, (ap) => appendHistograms(ap, hist));
            if (ex.length > 0) await withAppender(conn, part.alias, EXEMPLARS.name, (ap) => appendExemplars(ap, ex));
            if (fresh.tenant.length > 0) {
              const n = fresh.tenant.length;
              await withAppender(conn, part.alias, SERIES_HOURS.name, (ap) =>
                appenders.seriesHours.append(ap, [fresh.tenant, doublesToInt64(fresh.fp, n), doublesToInt64(fresh.hour, n)], n, null),
              );
            }
          });
        }
        for (let i = 0; i < fresh.tenant.length; i++) {
          const byHour = markActive(index, fresh.tenant[i]!, fresh.hour[i]!, fresh.fp[i]!);
          const memo = fresh.memo[i];
          if (memo !== undefined) rememberActive(memo, byHour, fresh.hour[i]!);
        }
        trimActivity(index);
      } finally {
        this.parts.release(part);
      }
    }
    return written;
  }

  /** Runs in catalogQueue, so it sees every series an earlier catalog write committed. */
  private async writeCatalog(slot: Slot, batches: readonly SampleBatch[]): Promise<void> {
    const conn = slot.conn;
    const series: [string, number, string, string][] = [];
    const defs: SeriesDef[] = [];
    const staged = new Set<string>();
    const metadata = new Map<string, [string, string, string, string, string]>();
    for (const b of batches) {
      const known = this.knownSeries.get(b.tenant);
      const token = this.catalogToken(b.tenant);
      const list = b.series;
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        const memo = s.memo;
        if (memo !== undefined && memo.stored === token) continue;
        if (known?.has(s.fingerprint)) {
          if (memo !== undefined) memo.stored = token;
          continue;
        }
        const key = `${b.tenant}\u0000${s.fingerprint}`;
        if (staged.has(key)) continue;
        staged.add(key);
        series.push([b.tenant, s.fingerprint, s.name, JSON.stringify(s.labels)]);
        defs.push(s);
      }
      for (const m of b.metadata) {
        const key = `${b.tenant}\u0000${m.name}`;
        const value = `${m.type}\u0000${m.unit}\u0000${m.help}`;
        if (this.knownMetadata.get(key) !== value) metadata.set(key, [b.tenant, m.name, m.type, m.unit, m.help]);
      }
    }
    if (series.length === 0 && metadata.size === 0) return;
    const nowMs = Math.floor(this.clock());
    if (!slot.state.stageReady) {
      // Temporary tables belong to their connection: one stage per slot.
      await conn.run(createTableSql('temp', SERIES_STAGE));
      slot.state.stageReady = true;
    }
    await inTransaction(conn, async () => {
      if (series.length > 0) {
        // Through a temporary table: a multi-row VALUES insert of new series measured ~110 µs
        // per series (binder cost), this ~9 µs. Temp tables do not count as a second database
        // for DuckDB's one-database-per-transaction rule.
        const n = series.length;
        const created = new Float64Array(n).fill(nowMs);
        const columns = [series.map((s) => s[0]), doublesToInt64(series.map((s) => s[1]), n), series.map((s) => s[2]), series.map((s) => s[3]), doublesToInt64(created, n)];
        await withAppender(conn, 'temp', SERIES_STAGE.name, (ap) => slot.state.stage.append(ap, columns, n, null));
        await conn.run(`INSERT INTO "${CATALOG_ALIAS}".main.series SELECT * FROM temp.main.${SERIES_STAGE.name} ON CONFLICT DO NOTHING`);
        await conn.run(`DELETE FROM temp.main.${SERIES_STAGE.name}`);
      }
      const meta = [...metadata.values()];
      for (let i = 0; i < meta.length; i += CATALOG_ROWS_PER_STATEMENT) {
        const p = new Params();
        const rows = meta.slice(i, i + CATALOG_ROWS_PER_STATEMENT).map((m) => `(${m.map((v) => p.varchar(v)).join(', ')})`);
        await conn.run(
          `INSERT INTO "${CATALOG_ALIAS}".main.metric_metadata VALUES ${rows.join(', ')}
           ON CONFLICT (tenant, name) DO UPDATE SET type = excluded.type, unit = excluded.unit, help = excluded.help`,
          p.values,
          p.types,
        );
      }
    });
    if (this.knownCount + series.length > MAX_KNOWN_SERIES) this.forgetSeries();
    for (let i = 0; i < series.length; i++) {
      const [tenant, fp] = series[i]!;
      let known = this.knownSeries.get(tenant);
      if (!known) this.knownSeries.set(tenant, (known = new Set()));
      known.add(fp);
      const memo = defs[i]!.memo;
      if (memo !== undefined) memo.stored = this.catalogToken(tenant);
    }
    this.knownCount += series.length;
    for (const [key, m] of metadata) this.knownMetadata.set(key, `${m[2]}\u0000${m[3]}\u0000${m[4]}`);
  }

  /** The day's index, loaded once and shared by the writes that need it at the same time. */
  private activityIndex(slot: Slot, part: Partition): Promise<ActivityIndex> {
    let index = this.activity.get(part.day);
    if (!index) {
      const loading = this.loadActivity(slot, part);
      this.activity.set(part.day, (index = loading));
      // A failed load is tried again by the next write.
      loading.catch(() => {
        if (this.activity.get(part.day) === loading) this.activity.delete(part.day);
      });
    }
    return index;
  }

  private async loadActivity(slot: Slot, part: Partition): Promise<ActivityIndex> {
    const index: ActivityIndex = new Map();
    const r = await slot.conn.runAndReadAll(
      `SELECT DISTINCT tenant, fingerprint::DOUBLE, hour::DOUBLE FROM "${part.alias}".main.series_hours
       WHERE hour >= (SELECT max(hour) FROM "${part.alias}".main.series_hours) - ${HOURS_CACHED - 1}`,
    );
    for (const [tenant, fp, hour] of r.getRows() as [string, number, number][]) markActive(index, tenant, hour, fp);
    return index;
  }
}

/** The tenant's hours in the index (created empty if missing); also what a SeriesMemo points at. */
function tenantHours(index: ActivityIndex, tenant: string): Map<number, Set<number>> {
  let byHour = index.get(tenant);
  if (!byHour) index.set(tenant, (byHour = new Map()));
  return byHour;
}

function markActive(index: ActivityIndex, tenant: string, hour: number, fp: number): Map<number, Set<number>> {
  const byHour = tenantHours(index, tenant);
  let fps = byHour.get(hour);
  if (!fps) byHour.set(hour, (fps = new Set()));
  fps.add(fp);
  return byHour;
}

/**
 * The series has its row for `hour` in the partition whose index holds `byHour`. Still true
 * after trimActivity drops the hour from memory (the row stays); a new index (day forgotten,
 * rebuilt) has new maps, so memos of the old one no longer match.
 */
function rememberActive(memo: SeriesMemo, byHour: Map<number, Set<number>>, hour: number): void {
  memo.active = byHour;
  memo.activeHour = hour;
}

function trimActivity(index: ActivityIndex): void {
  for (const byHour of index.values()) {
    if (byHour.size <= HOURS_CACHED) continue;
    const hours = [...byHour.keys()].sort((a, b) => b - a);
    for (const h of hours.slice(HOURS_CACHED)) byHour.delete(h);
  }
}

interface FreshActivity {
  tenant: string[];
  fp: number[];
  hour: number[];
  /** The series' memo, to mark once the rows are committed (undefined: none or not tracked). */
  memo: (SeriesMemo | undefined)[];
}

/** (series, hour) pairs not yet in the index. A batch inside one hour checks its series list only. */
function collectActivity(
  index: ActivityIndex,
  groups: readonly Group[],
  hist: readonly [SampleBatch, ExpHistogramPoint][],
  ex: readonly [SampleBatch, ExemplarPoint][],
): FreshActivity {
  const out: FreshActivity = { tenant: [], fp: [], hour: [], memo: [] };
  const staged: ActivityIndex = new Map();
  const visit = (tenant: string, hour: number, fp: number, memo?: SeriesMemo) => {
    if (index.get(tenant)?.get(hour)?.has(fp)) {
      if (memo !== undefined) rememberActive(memo, tenantHours(index, tenant), hour);
      return;
    }
    if (staged.get(tenant)?.get(hour)?.has(fp)) return;
    markActive(staged, tenant, hour, fp);
    out.tenant.push(tenant);
    out.fp.push(fp);
    out.hour.push(hour);
    out.memo.push(memo);
  };
  for (const { batch, rows } of groups) {
    const n = rows ? rows.length : batch.length;
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < n; k++) {
      const t = batch.timeMs[rows ? rows[k]! : k]!;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    const h0 = Math.floor(lo / HOUR_MS);
    if (!rows && batch.series.length > 0 && h0 === Math.floor(hi / HOUR_MS)) {
      const byHour = tenantHours(index, batch.tenant);
      const list = batch.series;
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        const memo = s.memo;
        // Recorded for this hour of this partition already: no lookup by fingerprint.
        if (memo !== undefined && memo.active === byHour && memo.activeHour === h0) continue;
        visit(batch.tenant, h0, s.fingerprint, memo);
      }
      continue;
    }
    for (let k = 0; k < n; k++) {
      const i = rows ? rows[k]! : k;
      visit(batch.tenant, Math.floor(batch.timeMs[i]! / HOUR_MS), batch.fingerprint[i]!);
    }
  }
  for (const [b, h] of hist) visit(b.tenant, Math.floor(h.timeMs / HOUR_MS), h.fingerprint);
  for (const [b, e] of ex) visit(b.tenant, Math.floor(e.timeMs / HOUR_MS), e.fingerprint);
  return out;
}

function groupsByTenant(groups: readonly Group[]): Map<string, Group[]> {
  const byTenant = new Map<string, Group[]>();
  for (const g of groups) {
    let list = byTenant.get(g.batch.tenant);
    if (!list) byTenant.set(g.batch.tenant, (list = []));
    list.push(g);
  }
  return byTenant;
}

/** The groups' sample rows (fingerprint, t_ms, value) as a Parquet file. */
function encodeSamples(groups: readonly Group[]): Uint8Array {
  let n = 0;
  for (const { batch, rows } of groups) {
    for (const [name, col] of [['fingerprint', batch.fingerprint], ['timeMs', batch.timeMs], ['value', batch.value]] as const) {
      if (col.length < batch.length) throw new Error(`sample batch: ${col.length} ${name} values for ${batch.length} rows`);
    }
    n += rows ? rows.length : batch.length;
  }
  const int64 = (pick: (b: SampleBatch) => Float64Array) => (words: Uint32Array) => {
    let at = 0;
    for (const { batch, rows } of groups) {
      const src = pick(batch);
      if (rows) for (let k = 0; k < rows.length; k++) writeInt64(words, at++, src[rows[k]!]!);
      else for (let i = 0; i < batch.length; i++) writeInt64(words, at++, src[i]!);
    }
  };
  return new ParquetBuilder(n, 24 * n + 1024)
    .int64('fingerprint', int64((b) => b.fingerprint))
    .int64('t_ms', int64((b) => b.timeMs))
    .double('value', (doubles, words) => {
      // Copied as bits (the stale marker is a NaN with a payload that must survive).
      let at = 0;
      for (const { batch, rows } of groups) {
        const v = batch.value;
        if (rows) {
          const src = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
          for (let k = 0; k < rows.length; k++, at++) {
            const i = rows[k]!;
            words[2 * at] = src[2 * i]!;
            words[2 * at + 1] = src[2 * i + 1]!;
          }
        } else {
          doubles.set(v.subarray(0, batch.length), at);
          at += batch.length;
        }
      }
    })
    .finish();
}

function appendHistograms(ap: DuckDBAppender, points: readonly [SampleBatch, ExpHistogramPoint][]): void {
  for (const [b, h] of points) {
    ap.appendVarchar(b.tenant);
    ap.appendBigInt(BigInt(Math.trunc(h.fingerprint)));
    ap.appendBigInt(BigInt(Math.trunc(h.timeMs)));
    ap.appendBigInt(BigInt(Math.trunc(h.startTimeMs)));
    ap.appendDouble(h.count);
    ap.appendDouble(h.sum);
    if (h.min === null) ap.appendNull();
    else ap.appendDouble(h.min);
    if (h.max === null) ap.appendNull();
    else ap.appendDouble(h.max);
    ap.appendInteger(h.scale);
    ap.appendDouble(h.zeroCount);
    ap.appendDouble(h.zeroThreshold);
    ap.appendInteger(h.positiveOffset);
    ap.appendVarchar(JSON.stringify(h.positiveCounts));
    ap.appendInteger(h.negativeOffset);
    ap.appendVarchar(JSON.stringify(h.negativeCounts));
    ap.appendUInteger(h.flags >>> 0);
    ap.endRow();
  }
}

function appendExemplars(ap: DuckDBAppender, points: readonly [SampleBatch, ExemplarPoint][]): void {
  for (const [b, e] of points) {
    ap.appendVarchar(b.tenant);
    ap.appendBigInt(BigInt(Math.trunc(e.fingerprint)));
    ap.appendBigInt(BigInt(Math.trunc(e.timeMs)));
    ap.appendDouble(e.value);
    ap.appendVarchar(e.traceId);
    ap.appendVarchar(e.spanId);
    ap.appendVarchar(e.attributes || '{}');
    ap.endRow();
  }
}
