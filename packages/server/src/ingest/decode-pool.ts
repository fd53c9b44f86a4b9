// A small pool of worker threads that decode metric ingest requests (remote_write: snappy +
// WriteRequest -> SampleBatch) off the main thread, which keeps the series catalog, the
// cardinality guard and the group-commit writer. Size: `ingest.decodeWorkers` (0 = no pool,
// everything inline as before).
//
// Guarantees:
// - Same answers as inline decoding: the worker runs the very function the inline path runs
//   (decodeRemoteWriteBody) and hands back its error result unchanged.
// - Nothing acknowledged is lost and no request hangs: a request is only acknowledged after the
//   main thread wrote its batch. If a worker dies, the requests it held resolve `undefined` and
//   the caller decodes them inline (it still holds the body); the worker is replaced.
// - Bounded: at most `maxQueuedBytes` of request bodies wait on the workers; over it a request
//   is decoded inline (the main thread doing the work is the backpressure).
// - Compact hand-over: typed arrays are transferred, labels only for series a worker has not
//   sent before. A series the main thread does not know (its catalog was cleared) makes that
//   request decode inline, and every worker is told to send labels again.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { rememberedSeries, type ExemplarPoint, type ExpHistogramPoint, type MetricMetadata, type SampleBatch, type SeriesDef } from '../storage/batches.js';
import type { RemoteWriteBodyResult } from './remote-write-body.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import { DecodeError, type DecodeErrorCode } from './wire/decode-error.js';
import type { DecodeResult } from './wire/decode-result.js';

export type WorkerRequest =
  | { type: 'remote_write'; id: number; body: Uint8Array; tenant: string }
  | { type: 'otlp_metrics'; id: number; body: Uint8Array; format: 'protobuf' | 'json'; tenant: string }
  | { type: 'forget' };

/** An OTLP metrics request decoded on a worker: what decodeMetricsRequest returned or threw. */
export type OtlpMetricsDecoded = { ok: true; result: DecodeResult<SampleBatch> } | { ok: false; error: Error };

export type WorkerReply =
  | {
      type: 'batch';
      id: number;
      rawBytes: number;
      rejected: number;
      rejectReasons: string[];
      length: number;
      fingerprint: Float64Array;
      timeMs: Float64Array;
      value: Float64Array;
      /** Fingerprints of the batch's series, in the batch's order. */
      seriesFps: Float64Array;
      /** Label sets of those series this worker had not sent before. */
      newSeries: SeriesDef[];
      metadata: MetricMetadata[];
      expHistograms: ExpHistogramPoint[];
      exemplars: ExemplarPoint[];
    }
  | { type: 'error'; id: number; result: Extract<RemoteWriteBodyResult, { ok: false }> }
  | { type: 'crashed'; id: number; message: string }
  /** OTLP: the decoder threw; `code` set for a DecodeError. */
  | { type: 'decode_error'; id: number; code?: string; message: string; name?: string }
  /** OTLP: the request has delta points, which only the main thread can accumulate. */
  | { type: 'inline'; id: number };

export interface DecodePoolOptions {
  size: number;
  /** Request bytes that may wait on the workers at once; beyond it requests decode inline. Default 32 MiB. */
  maxQueuedBytes?: number;
  log?: { warn(obj: object, msg: string): void; error?(obj: object, msg: string): void };
  /** Self-metrics: requests by result, worker restarts. */
  metrics?: Pick<SelfMetrics, 'decodeWorkerRequests' | 'decodeWorkerRestarts'>;
  /** The worker script; default the built decode-worker.js. */
  workerFile?: string;
}

interface Pending {
  kind: 'remote_write' | 'otlp_metrics';
  resolve(r: RemoteWriteBodyResult | OtlpMetricsDecoded | undefined): void;
  bytes: number;
  tenant: string;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** Catalog of series labels received from the workers, by fingerprint. Bounded; cleared wholesale. */
const CATALOG_MAX = 200_000;
/** More crashes than this within a minute: stop replacing workers and decode inline. */
const MAX_CRASHES_PER_MINUTE = 5;

function defaultWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  // Running from the TypeScript sources (vitest): a worker thread cannot load .ts, use the build.
  const file = here.endsWith('.ts') ? fileURLToPath(new URL('../../dist/ingest/decode-worker.js', import.meta.url)) : fileURLToPath(new URL('./decode-worker.js', import.meta.url));
  if (!existsSync(file)) throw new Error(`decode worker script ${file} is missing; run npm run build (or set ingest.decodeWorkers to 0)`);
  return file;
}

export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly catalog = new Map<number, SeriesDef>();
  private readonly file: string;
  private readonly maxQueuedBytes: number;
  private queuedBytes = 0;
  private nextId = 1;
  private closed = false;
  private crashes: number[] = [];
  /** Counters for tests and self-metrics: requests decoded on workers, handed back to inline, workers replaced. */
  readonly stats = { decoded: 0, inlineFallbacks: 0, catalogMisses: 0, saturated: 0, replaced: 0 };

  private count(result: 'decoded' | 'inline_saturated' | 'inline_worker_exit' | 'inline_unknown_series' | 'inline_delta' | 'inline_worker_error'): void {
    if (result === 'decoded') this.stats.decoded++;
    else if (result === 'inline_saturated') this.stats.saturated++;
    else {
      this.stats.inlineFallbacks++;
      if (result === 'inline_unknown_series') this.stats.catalogMisses++;
    }
    this.opts.metrics?.decodeWorkerRequests.inc({ result });
  }

  constructor(private readonly opts: DecodePoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error(`decode pool size must be a positive integer, got ${opts.size}`);
    this.file = opts.workerFile ?? defaultWorkerFile();
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 32 * 1024 * 1024;
    for (let i = 0; i < opts.size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  /** The live workers (tests terminate one to check crash handling). */
  get workers(): readonly Worker[] {
    return this.slots.map((s) => s.worker);
  }

  /**
   * Decodes a remote_write body on a worker. `undefined`: not done there (pool closed or
   * saturated, worker died, a series unknown here); the caller decodes inline.
   */
  decodeRemoteWrite(body: Uint8Array, tenant: string): Promise<RemoteWriteBodyResult | undefined> {
    return this.submit('remote_write', body, tenant, (id, copy) => ({ type: 'remote_write', id, body: copy, tenant }));
  }

  /**
   * Decodes an OTLP metrics export request on a worker: decodeMetricsRequest's result, or the
   * error it threw. `undefined`: not done there (as above, or the request has delta points,
   * which the caller's DeltaToCumulative accumulates); the caller decodes inline.
   */
  decodeOtlpMetrics(body: Uint8Array, format: 'protobuf' | 'json', tenant: string): Promise<OtlpMetricsDecoded | undefined> {
    return this.submit('otlp_metrics', body, tenant, (id, copy) => ({ type: 'otlp_metrics', id, body: copy, format, tenant }));
  }

  private submit<T>(kind: Pending['kind'], body: Uint8Array, tenant: string, message: (id: number, copy: Uint8Array) => WorkerRequest): Promise<T | undefined> {
    if (this.closed || this.slots.length === 0) return Promise.resolve(undefined);
    if (this.queuedBytes + body.byteLength > this.maxQueuedBytes) {
      this.count('inline_saturated');
      return Promise.resolve(undefined);
    }
    let slot = this.slots[0];
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    this.queuedBytes += body.byteLength;
    return new Promise<T | undefined>((resolve) => {
      slot.pending.set(id, { kind, resolve: resolve as Pending['resolve'], bytes: body.byteLength, tenant });
      // An exact-size copy, transferred: cloning a view would copy its whole backing buffer
      // (often a larger pooled allocation), and the caller keeps the original for an inline retry.
      const copy = new Uint8Array(body);
      slot.worker.postMessage(message(id, copy), [copy.buffer]);
    });
  }

  /** Terminates the workers; requests still on them resolve undefined (decoded inline by their callers). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => undefined)));
    for (const s of slots) this.failPending(s);
  }

  private spawn(): Slot {
    const worker = new Worker(this.file);
    const slot: Slot = { worker, pending: new Map() };
    // The HTTP servers keep the process alive; an idle pool must not.
    worker.unref();
    worker.on('message', (msg: WorkerReply) => this.onReply(slot, msg));
    worker.on('error', (err) => this.opts.log?.warn({ err: err.message }, 'decode worker failed'));
    worker.on('exit', (code) => this.onExit(slot, code));
    return slot;
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    const p = slot.pending.get(msg.id);
    if (!p) return;
    slot.pending.delete(msg.id);
    this.queuedBytes -= p.bytes;
    if (msg.type === 'crashed') {
      this.count('inline_worker_error');
      this.opts.log?.warn({ err: msg.message }, 'decode worker could not decode a request; decoded inline');
      p.resolve(undefined);
      return;
    }
    if (msg.type === 'inline') {
      this.count('inline_delta');
      p.resolve(undefined);
      return;
    }
    if (msg.type === 'error') {
      this.count('decoded');
      p.resolve(msg.result);
      return;
    }
    if (msg.type === 'decode_error') {
      this.count('decoded');
      let error: Error;
      if (msg.code !== undefined) error = new DecodeError(msg.code as DecodeErrorCode, msg.message);
      else {
        error = new Error(msg.message);
        if (msg.name) error.name = msg.name;
      }
      p.resolve({ ok: false, error } satisfies OtlpMetricsDecoded);
      return;
    }
    for (const def of msg.newSeries) {
      if (this.catalog.size >= CATALOG_MAX) this.forgetAll();
      this.catalog.set(def.fingerprint, rememberedSeries(def.fingerprint, def.name, def.labels));
    }
    const series: SeriesDef[] = new Array(msg.seriesFps.length);
    for (let i = 0; i < msg.seriesFps.length; i++) {
      const def = this.catalog.get(msg.seriesFps[i]);
      if (def === undefined) {
        // Sent before our catalog was cleared: decode this request inline; the workers were told to resend.
        this.count('inline_unknown_series');
        p.resolve(undefined);
        return;
      }
      series[i] = def;
    }
    this.count('decoded');
    const batch: SampleBatch = {
      kind: 'samples',
      tenant: p.tenant,
      length: msg.length,
      fingerprint: msg.fingerprint,
      timeMs: msg.timeMs,
      value: msg.value,
      series,
      metadata: msg.metadata,
      expHistograms: msg.expHistograms,
      exemplars: msg.exemplars,
    };
    if (p.kind === 'remote_write') p.resolve({ ok: true, rawBytes: msg.rawBytes, batch } satisfies RemoteWriteBodyResult);
    else p.resolve({ ok: true, result: { batch, rejected: msg.rejected, rejectReasons: msg.rejectReasons } } satisfies OtlpMetricsDecoded);
  }

  private forgetAll(): void {
    this.catalog.clear();
    for (const s of this.slots) s.worker.postMessage({ type: 'forget' } satisfies WorkerRequest);
  }

  private failPending(slot: Slot): void {
    for (const p of slot.pending.values()) {
      this.queuedBytes -= p.bytes;
      this.count('inline_worker_exit');
      p.resolve(undefined);
    }
    slot.pending.clear();
  }

  private onExit(slot: Slot, code: number): void {
    const i = this.slots.indexOf(slot);
    this.failPending(slot);
    if (this.closed || i < 0) return;
    // Its "sent" memory died with it; a replacement resends labels, so the catalog stays valid.
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < 60_000);
    this.crashes.push(now);
    if (this.crashes.length > MAX_CRASHES_PER_MINUTE) {
      this.slots.splice(i, 1);
      (this.opts.log?.error ?? this.opts.log?.warn)?.call(this.opts.log, { code, workersLeft: this.slots.length }, 'decode worker keeps exiting; not replaced, its share is decoded inline');
      return;
    }
    this.opts.log?.warn({ code }, 'decode worker exited; replaced, its requests were decoded inline');
    this.stats.replaced++;
    this.opts.metrics?.decodeWorkerRestarts.inc();
    this.slots[i] = this.spawn();
  }
}
