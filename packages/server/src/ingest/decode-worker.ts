// Decode worker thread (see decode-pool.ts): snappy + protobuf decode of remote_write bodies off
// the main thread. A batch goes back as transferable typed arrays (fingerprint, time, value
// columns and the fingerprints of its series) plus the label sets of only those series this
// worker has not sent before; the main thread keeps the series catalog. Exemplars, metadata and
// native histograms are rare and small, and are structured-cloned as they are.
import { parentPort } from 'node:worker_threads';
import type { SampleBatch, SeriesDef } from '../storage/batches.js';
import type { DeltaToCumulative } from '../pipeline/delta-to-cumulative.js';
import { decodeRemoteWriteBody } from './remote-write-body.js';
import { DecodeError, decodeMetricsRequest } from './wire/index.js';
import type { WorkerReply, WorkerRequest } from './decode-pool.js';

// Delta temporality needs the main thread's accumulated state (one DeltaToCumulative for the
// whole server): a request with a delta point is handed back and decoded inline. This stand-in
// stops the decode at the first delta point; the decoders wrap it into a DecodeError's cause.
const NEEDS_MAIN_THREAD = new Error('delta temporality is accumulated on the main thread');
const deltaOnMainThread = {
  sum() {
    throw NEEDS_MAIN_THREAD;
  },
  histogram() {
    throw NEEDS_MAIN_THREAD;
  },
  expHistogram() {
    throw NEEDS_MAIN_THREAD;
  },
} as unknown as DeltaToCumulative;

function needsMainThread(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e === NEEDS_MAIN_THREAD) return true;
  return false;
}

// Series whose labels this worker has sent; bounded like the decoders' own caches. Forgetting
// one only means sending its labels again. The pool asks us to forget everything when its own
// catalog is cleared.
const SENT_MAX = 200_000;
const sent = new Set<number>();

function reply(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

parentPort!.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'forget') {
    sent.clear();
    return;
  }
  const { id } = msg;
  if (msg.type === 'otlp_metrics') {
    let decoded;
    try {
      decoded = decodeMetricsRequest(msg.body, msg.format, msg.tenant, deltaOnMainThread);
    } catch (err) {
      if (needsMainThread(err)) reply({ id, type: 'inline' });
      else if (err instanceof DecodeError) reply({ id, type: 'decode_error', code: err.code, message: err.message });
      else reply({ id, type: 'decode_error', message: (err as Error).message, name: (err as Error).name });
      return;
    }
    sendBatch(id, decoded.batch, 0, decoded.rejected, decoded.rejectReasons);
    return;
  }
  let result;
  try {
    result = decodeRemoteWriteBody(msg.body, msg.tenant);
  } catch (err) {
    // decodeRemoteWriteBody catches its own errors; this is a bug in the worker itself.
    reply({ id, type: 'crashed', message: String(err) });
    return;
  }
  if (!result.ok) {
    reply({ id, type: 'error', result });
    return;
  }
  sendBatch(id, result.batch, result.rawBytes, 0, []);
});

function sendBatch(id: number, b: SampleBatch, rawBytes: number, rejected: number, rejectReasons: string[]): void {
  // Exact-size copies: the builder's columns are views of larger, growing buffers.
  const fingerprint = b.fingerprint.slice();
  const timeMs = b.timeMs.slice();
  const value = b.value.slice();
  const seriesFps = new Float64Array(b.series.length);
  const newSeries: SeriesDef[] = [];
  for (let i = 0; i < b.series.length; i++) {
    const def = b.series[i];
    seriesFps[i] = def.fingerprint;
    if (!sent.has(def.fingerprint)) {
      if (sent.size >= SENT_MAX) sent.clear();
      sent.add(def.fingerprint);
      newSeries.push(def);
    }
  }
  reply(
    {
      id,
      type: 'batch',
      rawBytes,
      rejected,
      rejectReasons,
      length: b.length,
      fingerprint,
      timeMs,
      value,
      seriesFps,
      newSeries,
      metadata: b.metadata,
      expHistograms: b.expHistograms,
      exemplars: b.exemplars,
    },
    [fingerprint.buffer, timeMs.buffer, value.buffer, seriesFps.buffer],
  );
}
