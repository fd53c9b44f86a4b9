// The embedded Store: one DuckDB instance, a catalog database for series and metadata, and
// one database file per signal per UTC day (see partitions.ts and docs/storage.md).
//
// Connections: one writer per signal (a signal's commits are serial; the three signals
// commit side by side), a small pool for queries, and an admin connection for attach/detach.
// A DuckDB transaction may write to one attached database only, so a write that touches
// several days commits once per day (at-least-once for a request that fails in between).
import { readdir, stat } from 'node:fs/promises';
import { mkdirSync, realpathSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, quotedString, type DuckDBConnection } from '@duckdb/node-api';
import { SightlineError } from '../../errors.js';
import type { LogBatch, SampleBatch, SpanBatch } from '../batches.js';
import type {
  ActiveSeriesRow,
  CardinalityQuery,
  CardinalityStats,
  ExemplarRow,
  ExpHistogramRow,
  LogHistogram,
  LogPage,
  LogRow,
  LogSearchQuery,
  MetricNameInfo,
  RetentionPolicy,
  RetentionResult,
  RollupBuildResult,
  RollupSelectQuery,
  RollupSeries,
  RollupStatus,
  SamplesQuery,
  SealResult,
  SeriesSelectQuery,
  SeriesInfo,
  SeriesQuery,
  SeriesSamples,
  SelectedSeriesSamples,
  ServiceStats,
  Signal,
  SpanRow,
  Store,
  StoreStats,
  TimeRangeNs,
  TraceSearchQuery,
  TraceSummary,
  WriteResult,
} from '../store.js';
import { LogQueries } from './log-queries.js';
import { LogWriter } from './log-writer.js';
import { MetricQueries } from './metric-queries.js';
import { CardinalityQueries } from './cardinality-queries.js';
import { PartitionSet, type Partition } from './partitions.js';
import { ReaderPool } from './reader-pool.js';
import { SampleSealer } from './sample-sealer.js';
import { SampleBlockCache, type BlockCacheStats } from './block-cache.js';
import { StageDir } from './parquet-stage.js';
import { SampleWriter } from './sample-writer.js';
import { selectRollup } from './rollup-queries.js';
import { Rollups } from './rollups.js';
import { CATALOG_ALIAS, CATALOG_DDL, type PartitionKind } from './schema.js';
import { TenantIds, migrateSamplesTenant } from './tenants.js';
import { SerialQueue } from './serial-queue.js';
import { SpanWriter } from './span-writer.js';
import { DAY_MS, dayName, msToNs } from './time.js';
import { TraceQueries } from './trace-queries.js';

export interface DuckDbStoreOptions {
  /** Directory of the database files; created if missing. */
  dataDir: string;
  /**
   * Where the writers' Parquet stage files go (default <dataDir>/.stage). Given, the files of
   * this data directory go to a subdirectory named after it, so several data directories can
   * share one stage directory and each cleans up only its own leftovers.
   */
  stageDir?: string;
  /** Milliseconds since the epoch; drives default look-backs and log receive times. */
  clock?: () => number;
  /** How far back getTrace/logsForTrace search without a range (default 7 days). */
  defaultLookbackMs?: number;
  /**
   * Write-ahead log size that makes DuckDB checkpoint a partition (default '256MB'). Every
   * checkpoint rewrites the partly filled last row group, so small thresholds multiply the
   * work: measured 33k spans/s at DuckDB's default 16MB against 110k spans/s at 256MB.
   */
  checkpointThreshold?: string;
  /** DuckDB memory limit, e.g. '2GB' (default: DuckDB's, 80% of RAM). */
  memoryLimit?: string;
  /**
   * DuckDB worker threads (default: one per core minus one, at least one). The event loop
   * needs a core of its own for decoding and appends; with DuckDB on every core, a commit's
   * client thread spins waiting for worker tasks (measured on 2 cores: 17.5-18.5 µs CPU per
   * span with 1 thread against 20.7-23.3 µs with 2, and 6-7.5 against 8.4-9.6 per log record).
   */
  threads?: number;
  /** Connections for concurrent queries (default 4). */
  readConnections?: number;
  /**
   * Bytes of decoded sealed sample blocks kept in memory between queries (LRU; default 256 MiB,
   * 0 turns the cache off). Config: metrics.blockCache.maxBytes.
   */
  blockCacheBytes?: number;
  /**
   * Connections span writes use at once (default 2): while one batch commits (for spans the
   * COMMIT, writing ~1 KB of write-ahead log a span, takes longer than the appends), the next
   * one's rows are appended on another connection.
   */
  traceWriteConnections?: number;
  /** The same for log records (default 2). */
  logWriteConnections?: number;
  /** The same for metric samples (default 2); writes of new series to the catalog still go one at a time. */
  metricWriteConnections?: number;
}

const DEFAULTS = {
  defaultLookbackMs: 7 * DAY_MS,
  checkpointThreshold: '256MB',
  readConnections: 4,
  blockCacheBytes: 256 * 2 ** 20,
  traceWriteConnections: 2,
  logWriteConnections: 2,
  metricWriteConnections: 2,
};

export async function createDuckDbStore(opts: DuckDbStoreOptions): Promise<Store> {
  return DuckDbStore.open(opts);
}

/** Data directories (real paths) with an open store in this process. */
const OPEN_DIRS = new Set<string>();

function failed(err: unknown): WriteResult {
  return { status: 'failed', error: err instanceof Error ? err : new Error(String(err)) };
}

class DuckDbStore implements Store {
  private closed = false;
  private closing: Promise<void> | undefined;
  private inflight = 0;
  private onQuiet: (() => void) | undefined;
  private readonly spanWriter: SpanWriter;
  private readonly logWriter: LogWriter;
  private readonly sampleWriter: SampleWriter;
  private readonly stageDir: StageDir;
  private readonly traces: TraceQueries;
  private readonly logs: LogQueries;
  private readonly metrics: MetricQueries;
  private readonly cardinalityQueries: CardinalityQueries;
  /** Rollup builds and tier retention share the rollup connection, one at a time. */
  private readonly rollupQueue = new SerialQueue();
  /** Seals run one at a time on the sealer's connection. */
  private readonly sealQueue = new SerialQueue();

  private constructor(
    private readonly dataDir: string,
    stagePath: string,
    private readonly instance: DuckDBInstance,
    private readonly admin: DuckDBConnection,
    private readonly adminQueue: SerialQueue,
    private readonly writers: Record<Signal, DuckDBConnection>,
    /** Write connections beyond writers.traces and writers.logs (their writers use several). */
    private readonly extraWriters: Record<Signal, DuckDBConnection[]>,
    private readonly pool: ReaderPool,
    private readonly parts: Record<PartitionKind, PartitionSet>,
    private readonly clock: () => number,
    lookbackMs: number,
    private readonly rollups: Rollups,
    private readonly sealer: SampleSealer,
    private readonly sealConn: DuckDBConnection,
    private readonly blockCache: SampleBlockCache,
    tenants: TenantIds,
  ) {
    this.stageDir = new StageDir(stagePath);
    this.spanWriter = new SpanWriter([writers.traces, ...extraWriters.traces], parts.traces, this.stageDir);
    this.logWriter = new LogWriter([writers.logs, ...extraWriters.logs], parts.logs, clock, this.stageDir);
    this.sampleWriter = new SampleWriter([writers.metrics, ...extraWriters.metrics], parts.metrics, clock, this.stageDir, tenants);
    const defaultRange = (): TimeRangeNs => {
      const now = this.clock();
      // An hour past now tolerates producers whose clocks run ahead.
      return { startNs: msToNs(now - lookbackMs), endNs: msToNs(now + 3_600_000) };
    };
    this.traces = new TraceQueries(parts.traces, pool, defaultRange);
    this.logs = new LogQueries(parts.logs, pool, defaultRange);
    this.metrics = new MetricQueries(parts.metrics, pool, tenants, { tiers: rollups.tiers, rawAvailableFromMs: () => rollups.status().rawAvailableFromMs }, blockCache);
    this.cardinalityQueries = new CardinalityQueries(parts.metrics, pool);
  }

  static async open(opts: DuckDbStoreOptions): Promise<DuckDbStore> {
    mkdirSync(opts.dataDir, { recursive: true });
    const dataDir = realpathSync(opts.dataDir);
    // DuckDB's file locks stop a second process, not a second instance in this process, and
    // two instances writing the same files would corrupt them.
    if (OPEN_DIRS.has(dataDir)) {
      throw new SightlineError('SL_ERR_INTERNAL', `the data directory ${dataDir} is already open in this process; close that store first`);
    }
    OPEN_DIRS.add(dataDir);
    try {
      return await DuckDbStore.openDir(dataDir, opts);
    } catch (err) {
      OPEN_DIRS.delete(dataDir);
      throw err;
    }
  }

  private static async openDir(dataDir: string, opts: DuckDbStoreOptions): Promise<DuckDbStore> {
    const config: Record<string, string> = {
      checkpoint_threshold: opts.checkpointThreshold ?? DEFAULTS.checkpointThreshold,
      // Everything Sightline needs (json) is built in; never reach for the network at run time.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      temp_directory: join(dataDir, '.tmp'),
      // The only files DuckDB reads besides its own are the writers' stage files, each read
      // once and deleted: caching their blocks (DuckDB 1.5's default) only costs memory.
      enable_external_file_cache: 'false',
    };
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    config.threads = String(opts.threads ?? Math.max(1, availableParallelism() - 1));
    const instance = await DuckDBInstance.create(':memory:', config);
    const connections: DuckDBConnection[] = [];
    try {
      const connect = async () => {
        const c = await instance.connect();
        connections.push(c);
        return c;
      };
      const admin = await connect();
      await admin.run(`ATTACH IF NOT EXISTS ${quotedString(join(dataDir, 'catalog.duckdb'))} AS "${CATALOG_ALIAS}"`);
      for (const ddl of CATALOG_DDL) await admin.run(ddl);
      const tenants = await TenantIds.load(admin);
      const writers = { traces: await connect(), logs: await connect(), metrics: await connect() };
      const extra = async (wanted: number) => {
        const conns: DuckDBConnection[] = [];
        for (let i = 1; i < Math.max(1, Math.floor(wanted)); i++) conns.push(await connect());
        return conns;
      };
      const extraWriters = {
        traces: await extra(opts.traceWriteConnections ?? DEFAULTS.traceWriteConnections),
        logs: await extra(opts.logWriteConnections ?? DEFAULTS.logWriteConnections),
        metrics: await extra(opts.metricWriteConnections ?? DEFAULTS.metricWriteConnections),
      };
      const rollupConn = await connect();
      const sealConn = await connect();
      const readers: DuckDBConnection[] = [];
      for (let i = 0; i < (opts.readConnections ?? DEFAULTS.readConnections); i++) readers.push(await connect());
      const adminQueue = new SerialQueue();
      let store: DuckDbStore | undefined;
      const forget = (kind: PartitionKind) => (day: number) => store?.forgetDay(kind, day);
      const blockCache = new SampleBlockCache(opts.blockCacheBytes ?? DEFAULTS.blockCacheBytes);
      const parts = {
        traces: new PartitionSet('traces', dataDir, admin, adminQueue, forget('traces')),
        logs: new PartitionSet('logs', dataDir, admin, adminQueue, forget('logs')),
        metrics: new PartitionSet('metrics', dataDir, admin, adminQueue, forget('metrics'), (day) => blockCache.invalidateDay(day), (conn, alias) =>
          migrateSamplesTenant(conn, alias, tenants),
        ),
        metrics_1m: new PartitionSet('metrics_1m', dataDir, admin, adminQueue),
        metrics_5m: new PartitionSet('metrics_5m', dataDir, admin, adminQueue),
        metrics_1h: new PartitionSet('metrics_1h', dataDir, admin, adminQueue),
      };
      const rollups = new Rollups(rollupConn, parts.metrics, { '1m': parts.metrics_1m, '5m': parts.metrics_5m, '1h': parts.metrics_1h }, tenants);
      await rollups.load();
      const stagePath = opts.stageDir ? join(opts.stageDir, `sightline-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`) : join(dataDir, '.stage');
      store = new DuckDbStore(
        dataDir, stagePath, instance, admin, adminQueue, writers, extraWriters, new ReaderPool(readers), parts,
        opts.clock ?? Date.now, opts.defaultLookbackMs ?? DEFAULTS.defaultLookbackMs, rollups,
        new SampleSealer(sealConn, parts.metrics, tenants, (day, tenant, from, to) => blockCache.invalidateBlocks(day, tenant, from, to)), sealConn, blockCache,
        tenants,
      );
      return store;
    } catch (err) {
      for (const c of connections) c.disconnectSync();
      instance.closeSync();
      throw err;
    }
  }

  private forgetDay(kind: PartitionKind, day: number): void {
    if (kind === 'traces') this.spanWriter.forgetDay(day);
    else if (kind === 'logs') this.logWriter.forgetDay(day);
    else if (kind === 'metrics') {
      this.sampleWriter.forgetDay(day);
      this.blockCache.invalidateDay(day);
    }
  }

  // ---- writes ----

  /** The span, log and sample writers queue per connection themselves (writeConcurrency of them). */
  private write(body: () => Promise<number>): Promise<WriteResult> {
    if (this.closed) return Promise.resolve(failed(new SightlineError('SL_ERR_STORAGE_FAILED', 'the store is closed')));
    return body()
      .then((n): WriteResult => ({ status: 'ok', rows: n }))
      .catch(failed);
  }

  writeConcurrency(signal: Signal): number {
    return (signal === 'traces' ? this.spanWriter : signal === 'logs' ? this.logWriter : this.sampleWriter).concurrency;
  }

  writeSpans(batches: SpanBatch[]): Promise<WriteResult> {
    return this.write(() => this.spanWriter.write(batches));
  }

  writeLogs(batches: LogBatch[]): Promise<WriteResult> {
    return this.write(() => this.logWriter.write(batches));
  }

  writeSamples(batches: SampleBatch[]): Promise<WriteResult> {
    return this.write(async () => {
      const rows = await this.sampleWriter.write(batches);
      this.noteLateSamples(batches);
      return rows;
    });
  }

  /** Samples behind the rollup watermark (a backfill, a sender catching up) get their buckets rebuilt. */
  private noteLateSamples(batches: readonly SampleBatch[]): void {
    const built = this.rollups.watermark('1m');
    if (built === undefined) return;
    let min = Infinity;
    for (const b of batches) {
      const t = b.timeMs;
      for (let i = 0; i < b.length; i++) if (t[i]! < min) min = t[i]!;
    }
    if (min < built && this.rollups.markDirty(min)) {
      // After any running build; its failure only delays the rebuild to the next dirty write.
      void this.rollupQueue.run(() => this.rollups.applyDirty()).catch(() => undefined);
    }
  }

  // ---- reads ----

  private async read<T>(body: () => Promise<T>): Promise<T> {
    if (this.closed) throw new SightlineError('SL_ERR_STORAGE_FAILED', 'the store is closed');
    this.inflight++;
    try {
      return await body();
    } finally {
      if (--this.inflight === 0) this.onQuiet?.();
    }
  }

  getTrace(tenant: string, traceId: string, range?: TimeRangeNs): Promise<SpanRow[]> {
    return this.read(() => this.traces.getTrace(tenant, traceId, range));
  }

  searchTraces(q: TraceSearchQuery): Promise<TraceSummary[]> {
    return this.read(() => this.traces.searchTraces(q));
  }

  listServices(tenant: string, range: TimeRangeNs): Promise<string[]> {
    return this.read(() => this.traces.listServices(tenant, range));
  }

  listOperations(tenant: string, service: string, range: TimeRangeNs): Promise<{ name: string; spanKind: number }[]> {
    return this.read(() => this.traces.listOperations(tenant, service, range));
  }

  serviceStats(tenant: string, range: TimeRangeNs, buckets: number): Promise<ServiceStats[]> {
    return this.read(() => this.traces.serviceStats(tenant, range, buckets));
  }

  searchLogs(q: LogSearchQuery): Promise<LogPage> {
    return this.read(() => this.logs.searchLogs(q));
  }

  logHistogram(q: LogSearchQuery, buckets: number): Promise<LogHistogram> {
    return this.read(() => this.logs.logHistogram(q, buckets));
  }

  logsForTrace(tenant: string, traceId: string, range?: TimeRangeNs): Promise<LogRow[]> {
    return this.read(() => this.logs.logsForTrace(tenant, traceId, range));
  }

  metricNames(tenant: string, startMs: number, endMs: number): Promise<MetricNameInfo[]> {
    return this.read(() => this.metrics.metricNames(tenant, startMs, endMs));
  }

  findSeries(q: SeriesQuery): Promise<SeriesInfo[]> {
    return this.read(() => this.metrics.findSeries(q));
  }

  readSamples(q: SamplesQuery): Promise<SeriesSamples[]> {
    return this.read(() => this.metrics.readSamples(q));
  }

  selectSeries(q: SeriesSelectQuery): Promise<SelectedSeriesSamples[]> {
    return this.read(() => this.metrics.selectSeries(q));
  }

  readExemplars(q: SamplesQuery): Promise<ExemplarRow[]> {
    return this.read(() => this.metrics.readExemplars(q));
  }

  readExpHistograms(q: SamplesQuery): Promise<ExpHistogramRow[]> {
    return this.read(() => this.metrics.readExpHistograms(q));
  }

  activeSeries(startMs: number, endMs: number): Promise<ActiveSeriesRow[]> {
    return this.read(() => this.cardinalityQueries.activeSeries(startMs, endMs));
  }

  cardinality(q: CardinalityQuery): Promise<CardinalityStats> {
    return this.read(() => this.cardinalityQueries.cardinality(q));
  }

  // ---- rollups ----

  async rollupStatus(): Promise<RollupStatus> {
    return this.rollups.status();
  }

  selectRollup(q: RollupSelectQuery): Promise<RollupSeries[]> {
    return this.read(() => selectRollup(this.rollups.tiers, this.pool, q));
  }

  /** Builds run one at a time (a second call waits for the first, then builds what is left). */
  buildRollups(nowMs: number, graceMs: number): Promise<RollupBuildResult> {
    return this.read(() => this.rollupQueue.run(() => this.rollups.build(nowMs, graceMs)));
  }

  // ---- sealing ----

  blockCacheStats(): BlockCacheStats {
    return this.blockCache.stats();
  }

  sealSamples(untilMs: number): Promise<SealResult> {
    return this.read(() => this.sealQueue.run(() => this.sealer.seal(untilMs)));
  }

  // ---- retention ----

  /**
   * Drops every day partition that ends at or before nowMs - keepDays. Each drop waits only for
   * the queries and writes holding that old day; today's writes never wait on retention.
   * Series whose samples are all gone leave the catalog afterwards.
   */
  applyRetention(policy: RetentionPolicy, nowMs: number): Promise<RetentionResult[]> {
    return this.read(async () => {
      const results: RetentionResult[] = [];
      const plan: [Signal, number][] = [
        ['traces', policy.tracesDays],
        ['logs', policy.logsDays],
        ['metrics', policy.metricsDays],
      ];
      for (const [signal, keepDays] of plan) {
        if (!(keepDays > 0) || !Number.isFinite(keepDays)) {
          throw new SightlineError('SL_ERR_INVALID_PARAM', `retention for ${signal} must be a positive number of days, got ${keepDays}`);
        }
        const cutoffMs = nowMs - keepDays * DAY_MS;
        const set = this.parts[signal];
        // With rollups on, a raw day waits until the 1m tier is built over it, but not past the
        // 1m tier's own retention: a build that keeps failing must not fill the disk.
        const rolledUntil = signal === 'metrics' && policy.rollupDays
          ? Math.max(this.rollups.watermark('1m') ?? -Infinity, nowMs - (policy.rollupDays['1m'] ?? keepDays) * DAY_MS)
          : Infinity;
        const expired = set.days().filter((day) => (day + 1) * DAY_MS <= cutoffMs && (day + 1) * DAY_MS <= rolledUntil);
        for (const day of expired) await set.drop(day);
        let tierDrops: string[] = [];
        if (signal === 'metrics') {
          if (expired.length > 0) await this.rollupQueue.run(() => this.rollups.raiseHorizon('raw', (Math.max(...expired) + 1) * DAY_MS));
          if (policy.rollupDays) {
            const days = policy.rollupDays;
            for (const [tier, keep] of Object.entries(days)) {
              if (!(keep! > 0) || !Number.isFinite(keep)) throw new SightlineError('SL_ERR_INVALID_PARAM', `retention for the ${tier} rollup tier must be a positive number of days, got ${keep}`);
            }
            const dropped = await this.rollupQueue.run(() => this.rollups.applyRetention(days, nowMs));
            tierDrops = dropped.flatMap((d) => d.dropped.map((day) => `${d.tier}/${dayName(day)}`));
          }
        }
        // A failed clean-up of the catalog is retried with the next dropped day: it removes every
        // series without activity, not only those of the days dropped now.
        const deletedRows = signal === 'metrics' && expired.length + tierDrops.length > 0 ? await this.collectSeries(cutoffMs).catch(() => 0) : 0;
        results.push({ signal, droppedPartitions: [...expired.map(dayName), ...tierDrops], deletedRows });
      }
      return results;
    });
  }

  /** Deletes catalog series with no activity left in any partition; returns how many. */
  private async collectSeries(cutoffMs: number): Promise<number> {
    const sets = [this.parts.metrics, this.parts.metrics_1m, this.parts.metrics_5m, this.parts.metrics_1h];
    const held: Partition[] = [];
    try {
      for (const set of sets) {
        for (const day of set.days()) {
          const p = await set.acquire(day, false);
          if (p) held.push(p);
        }
      }
      // Series that only rollup tiers still hold stay: their labels are needed to read them.
      const live = held.map((p) => `SELECT tenant, fingerprint FROM "${p.alias}".main.${p.kind === 'metrics' ? 'series_hours' : 'tier_series'}`).join(' UNION ALL ');
      const series = `"${CATALOG_ALIAS}".main.series`;
      // created_ms guards series a concurrent write registered but has not yet stored samples for.
      const sql = `DELETE FROM ${series} s WHERE s.created_ms < ${Math.floor(cutoffMs)}
        ${live ? `AND NOT EXISTS (SELECT 1 FROM (${live}) a WHERE a.tenant = s.tenant AND a.fingerprint = s.fingerprint)` : ''}`;
      const r = await this.pool.query(sql);
      const deleted = r.rowsChanged;
      if (deleted > 0) {
        await this.pool.query(`DELETE FROM "${CATALOG_ALIAS}".main.metric_metadata m WHERE NOT EXISTS (
          SELECT 1 FROM ${series} s WHERE s.tenant = m.tenant AND (s.name = m.name OR regexp_replace(s.name, '_(bucket|sum|count)$', '') = m.name))`);
        await this.sampleWriter.forgetSeries();
        // Folds the deletes into the catalog file now rather than when its log reaches the
        // checkpoint threshold. Best effort: DuckDB refuses while another transaction runs.
        await this.pool.query(`CHECKPOINT "${CATALOG_ALIAS}"`).catch(() => undefined);
      }
      return deleted;
    } finally {
      for (const p of held) this.parts[p.kind].release(p);
    }
  }

  // ---- housekeeping ----

  async stats(): Promise<StoreStats> {
    return this.read(async () => {
      const count = async (kind: PartitionKind, name: string): Promise<number> => {
        const set = this.parts[kind];
        const held = [];
        try {
          for (const day of set.days()) {
            const p = await set.acquire(day, false);
            if (p) held.push(p);
          }
          if (held.length === 0) return 0;
          // Sealed blocks count their samples (column count), raw tables their rows.
          const n = name === 'sample_blocks' ? 'sum(count)' : 'count(*)';
          const sql = `SELECT coalesce(sum(n), 0)::DOUBLE FROM (${held.map((p) => `SELECT ${n} AS n FROM "${p.alias}".main.${name}`).join(' UNION ALL ')})`;
          return Number((await this.pool.query(sql)).getRows()[0]![0] ?? 0);
        } finally {
          for (const p of held) set.release(p);
        }
      };
      const [spans, logs, samples] = [await count('traces', 'spans'), await count('logs', 'logs'), (await count('metrics', 'samples')) + (await count('metrics', 'sample_blocks'))];
      const series = Number((await this.pool.query(`SELECT count(*)::DOUBLE FROM "${CATALOG_ALIAS}".main.series`)).getRows()[0]![0]);
      const partitions = this.parts.traces.days().length + this.parts.logs.days().length + this.parts.metrics.days().length;
      return { spans, logs, samples, series, partitions, diskBytes: await diskBytes(this.dataDir) };
    });
  }

  /** Lets in-flight work finish, checkpoints every attached database, then closes. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.closed = true;
      // A long build (first start with days of raw data) must not hold up shutdown.
      this.rollups.stop();
      this.sealer.stop();
      await Promise.all([this.spanWriter.drain(), this.logWriter.drain(), this.sampleWriter.drain()]);
      this.stageDir.close();
      while (this.inflight > 0) await new Promise<void>((resolve) => (this.onQuiet = resolve));
      await this.pool.drain();
      await this.adminQueue.drain();
      await this.rollupQueue.drain();
      await this.sealQueue.drain();
      const aliases = [CATALOG_ALIAS, ...Object.values(this.parts).flatMap((set) => set.attachedAliases())];
      for (const alias of aliases) {
        // A failed checkpoint loses nothing: the write-ahead log is replayed on the next open.
        await this.admin.run(`CHECKPOINT "${alias}"`).catch(() => undefined);
      }
      this.pool.closeAll();
      for (const c of [...Object.values(this.writers), ...Object.values(this.extraWriters).flat()]) c.disconnectSync();
      this.rollups.close();
      this.sealConn.disconnectSync();
      this.admin.disconnectSync();
      this.instance.closeSync();
      OPEN_DIRS.delete(this.dataDir);
    })());
  }
}

async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await diskBytes(path);
    else if (entry.isFile()) total += (await stat(path).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
