// Group commit in front of any Store. Requests queue per signal; a flush commits everything
// queued as one store write (one transaction per day partition), at most every
// flushIntervalMs, or as soon as maxBatchRows are waiting. One flush per signal is in flight
// at a time, or as many as the store's writeConcurrency(signal) allows; with more than one,
// a flush starts as soon as eagerFlushRows wait and a slot is free, so commits overlap the
// decoding of the next requests. A request's promise resolves after
// the commit that holds its rows, so "ok" means durable.
//
// Back-pressure: the queue is bounded in rows (queued + committing). A request that does not
// fit gets {status:'retryable'} at once; ingest turns that into 429 / RESOURCE_EXHAUSTED.
// Nothing accepted is ever dropped: a failed commit answers every request in it with 'failed'.
import { rowCount, type LogBatch, type SampleBatch, type SpanBatch, type TelemetryBatch } from './batches.js';
import type { Signal, Store, WriteResult } from './store.js';

export interface WriterOptions {
  /** Rows accepted but not yet committed, all signals together, before writes are refused. */
  maxQueueRows?: number;
  /** Group commit interval per signal. */
  flushIntervalMs?: number;
  /**
   * Group commit interval of the metrics lane (default: flushIntervalMs). Sample rows are
   * cheap (about 1 µs each against 10-15 µs for a span or log record), so a metrics commit is
   * short and the interval, not the CPU, caps a sender with few connections.
   */
  metricsFlushIntervalMs?: number;
  /** A flush starts early once this many rows wait for one signal; also the most one flush takes. */
  maxBatchRows?: number;
  /**
   * For a signal the store commits several writes of at once (writeConcurrency > 1): a flush
   * starts as soon as this many rows wait and a commit slot is free, without waiting for the
   * interval. Senders with one request in flight otherwise all land in one commit and all wait
   * for it (a convoy: decoding and committing take turns instead of overlapping). 0: off.
   */
  eagerFlushRows?: number;
  /** Milliseconds; measures commit latency and paces flushes. */
  clock?: () => number;
  /** Called after every commit attempt (for histograms); `seconds` is the commit latency. */
  onCommit?: (signal: Signal, rows: number, seconds: number, status: WriteResult['status']) => void;
}

/** Defaults, documented once (same values as the config schema's `writer` section). */
export const WRITER_DEFAULTS = {
  maxQueueRows: 2_000_000,
  flushIntervalMs: 50,
  maxBatchRows: 200_000,
  eagerFlushRows: 2_000,
} as const;

export interface WriterStats {
  /** Rows accepted and not yet committed (gauge). */
  queueRows: number;
  queuedRequests: number;
  /** Commit attempts, and the failed ones among them (counters). */
  commits: number;
  failedCommits: number;
  rowsWritten: number;
  /** Requests answered 'retryable' because the queue was full, and their rows. */
  rejectedRequests: number;
  rejectedRows: number;
  /** Latency of the most recent commits, oldest first (up to 256 samples). */
  commitLatencyMs: number[];
}

export interface Writer {
  /** Never throws; resolves once the batch is committed, refused or failed. */
  write(batch: TelemetryBatch): Promise<WriteResult>;
  stats(): WriterStats;
  /** Stops accepting, commits everything queued, then resolves. Does not close the store. */
  close(): Promise<void>;
}

interface Request {
  batch: TelemetryBatch;
  rows: number;
  resolve: (r: WriteResult) => void;
}

interface Lane {
  signal: Signal;
  intervalMs: number;
  pending: Request[];
  pendingRows: number;
  timer: NodeJS.Timeout | undefined;
  /** Flushes in flight: at most `concurrency` (what the store can commit at once). */
  flushing: Set<Promise<void>>;
  concurrency: number;
  /** Rows waiting that start a flush at once when a slot is free: maxBatchRows, or eagerFlushRows. */
  flushRows: number;
  lastFlushAt: number;
}

const SIGNAL: Record<TelemetryBatch['kind'], Signal> = { spans: 'traces', logs: 'logs', samples: 'metrics' };
const LATENCY_SAMPLES = 256;

export function createWriter(store: Store, options: WriterOptions = {}): Writer {
  return new GroupCommitWriter(store, options);
}

class GroupCommitWriter implements Writer {
  private readonly maxQueueRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxBatchRows: number;
  private readonly clock: () => number;
  private readonly lanes: Record<Signal, Lane>;
  private queueRows = 0;
  private closed = false;
  private readonly counters = { commits: 0, failedCommits: 0, rowsWritten: 0, rejectedRequests: 0, rejectedRows: 0 };
  private readonly latencies: number[] = [];

  constructor(
    private readonly store: Store,
    private readonly opts: WriterOptions,
  ) {
    this.maxQueueRows = positive(opts.maxQueueRows, WRITER_DEFAULTS.maxQueueRows, 'maxQueueRows');
    this.flushIntervalMs = positive(opts.flushIntervalMs, WRITER_DEFAULTS.flushIntervalMs, 'flushIntervalMs');
    const metricsIntervalMs = positive(opts.metricsFlushIntervalMs, this.flushIntervalMs, 'metricsFlushIntervalMs');
    this.maxBatchRows = positive(opts.maxBatchRows, WRITER_DEFAULTS.maxBatchRows, 'maxBatchRows');
    const eagerRows = opts.eagerFlushRows === 0 ? 0 : positive(opts.eagerFlushRows, WRITER_DEFAULTS.eagerFlushRows, 'eagerFlushRows');
    this.clock = opts.clock ?? Date.now;
    const lane = (signal: Signal): Lane => {
      const concurrency = Math.max(1, Math.floor(store.writeConcurrency?.(signal) ?? 1));
      return {
        signal,
        intervalMs: signal === 'metrics' ? metricsIntervalMs : this.flushIntervalMs,
        pending: [],
        pendingRows: 0,
        timer: undefined,
        flushing: new Set(),
        concurrency,
        // One commit at a time gains nothing from starting early (measured with one connection
        // for logs and metrics: level or slower), so only lanes with several slots flush eagerly.
        flushRows: concurrency > 1 && eagerRows > 0 ? Math.min(eagerRows, this.maxBatchRows) : this.maxBatchRows,
        lastFlushAt: -Infinity,
      };
    };
    this.lanes = { traces: lane('traces'), logs: lane('logs'), metrics: lane('metrics') };
  }

  write(batch: TelemetryBatch): Promise<WriteResult> {
    try {
      if (this.closed) return Promise.resolve({ status: 'retryable', afterMs: 1_000, reason: 'Sightline is shutting down' });
      const rows = rowCount(batch);
      if (isEmpty(batch, rows)) return Promise.resolve({ status: 'ok', rows: 0 });
      // An empty queue takes any request, so one larger than the bound still gets through.
      if (this.queueRows > 0 && this.queueRows + rows > this.maxQueueRows) {
        this.counters.rejectedRequests++;
        this.counters.rejectedRows += rows;
        return Promise.resolve({ status: 'retryable', afterMs: this.retryHintMs(), reason: `write queue full (${this.queueRows} rows waiting for commit)` });
      }
      const lane = this.lanes[SIGNAL[batch.kind]];
      this.queueRows += rows;
      lane.pendingRows += rows;
      return new Promise<WriteResult>((resolve) => {
        lane.pending.push({ batch, rows, resolve });
        this.schedule(lane);
      });
    } catch (err) {
      return Promise.resolve({ status: 'failed', error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  /** Time for the queue to drain at the recent commit pace, within [interval, 5 s]. */
  private retryHintMs(): number {
    const recent = this.latencies.slice(-16);
    const avg = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : this.flushIntervalMs;
    const commitsAhead = Math.ceil(this.queueRows / this.maxBatchRows);
    return Math.round(Math.min(5_000, Math.max(this.flushIntervalMs, avg * commitsAhead)));
  }

  private schedule(lane: Lane): void {
    if (lane.flushing.size >= lane.concurrency || lane.pending.length === 0) return;
    if (lane.pendingRows >= lane.flushRows || this.closed) {
      this.flushNow(lane);
      return;
    }
    if (lane.timer) return;
    // Flushes start at most once per interval; a commit slower than that is followed at once.
    const wait = Math.max(0, lane.intervalMs - (this.clock() - lane.lastFlushAt));
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      this.flushNow(lane);
    }, Math.min(wait, lane.intervalMs));
  }

  private flushNow(lane: Lane): void {
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = undefined;
    if (lane.flushing.size >= lane.concurrency || lane.pending.length === 0) return;
    const flushing: Promise<void> = this.flush(lane).finally(() => {
      lane.flushing.delete(flushing);
      this.schedule(lane);
    });
    lane.flushing.add(flushing);
  }

  private async flush(lane: Lane): Promise<void> {
    let take = 0;
    let rows = 0;
    while (take < lane.pending.length && (take === 0 || rows + lane.pending[take]!.rows <= this.maxBatchRows)) rows += lane.pending[take++]!.rows;
    const requests = lane.pending.splice(0, take);
    lane.pendingRows -= rows;
    const started = this.clock();
    lane.lastFlushAt = started;
    let result: WriteResult;
    try {
      result = await this.commit(lane.signal, requests.map((r) => r.batch));
    } catch (err) {
      result = { status: 'failed', error: err instanceof Error ? err : new Error(String(err)) };
    }
    const latencyMs = Math.max(0, this.clock() - started);
    this.queueRows -= rows;
    this.counters.commits++;
    this.latencies.push(latencyMs);
    if (this.latencies.length > LATENCY_SAMPLES) this.latencies.shift();
    if (result.status === 'ok') this.counters.rowsWritten += rows;
    else this.counters.failedCommits++;
    try {
      this.opts.onCommit?.(lane.signal, rows, latencyMs / 1000, result.status);
    } catch {
      // A metrics callback must not hold up the answers to the requests below.
    }
    for (const r of requests) r.resolve(result.status === 'ok' ? { status: 'ok', rows: r.rows } : result);
  }

  private commit(signal: Signal, batches: TelemetryBatch[]): Promise<WriteResult> {
    if (signal === 'traces') return this.store.writeSpans(batches as SpanBatch[]);
    if (signal === 'logs') return this.store.writeLogs(batches as LogBatch[]);
    return this.store.writeSamples(batches as SampleBatch[]);
  }

  stats(): WriterStats {
    const lanes = Object.values(this.lanes);
    return {
      queueRows: this.queueRows,
      queuedRequests: lanes.reduce((n, l) => n + l.pending.length, 0),
      ...this.counters,
      commitLatencyMs: [...this.latencies],
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (;;) {
      const lanes = Object.values(this.lanes);
      for (const lane of lanes) this.flushNow(lane);
      const busy = lanes.flatMap((l) => [...l.flushing]);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }
}

function isEmpty(batch: TelemetryBatch, rows: number): boolean {
  if (rows > 0) return false;
  return batch.kind !== 'samples' || (batch.exemplars.length === 0 && batch.series.length === 0 && batch.metadata.length === 0);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`writer option ${name} must be a positive number, got ${value}`);
  return value;
}
