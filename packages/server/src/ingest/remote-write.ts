// Prometheus remote_write 1.0 receiver, transport side-agnostic: snappy block -> WriteRequest ->
// SampleBatch -> group-commit writer. The API plugin turns the outcome into 204/400/413/429/503.
// Decompression and decoding (remote-write-body.ts) run on a decode worker when there is a
// pool (decode-pool.ts), else here; the size checks, cardinality guard and writer stay here.
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import type { BatchWriter, ExportOutcome } from './export-service.js';
import type { DecodePool } from './decode-pool.js';
import { decodeRemoteWriteBody } from './remote-write-body.js';
import type { CardinalityGuard } from '../pipeline/cardinality-guard.js';

export interface RemoteWriteOptions {
  writer: BatchWriter;
  metrics: SelfMetrics;
  /** Largest accepted body after snappy decompression. */
  maxDecompressedBytes: number;
  log?: { warn(obj: object, msg: string): void };
  /** Cardinality limits on metric series; absent: no limits. */
  guard?: CardinalityGuard;
  /** Decode worker threads; absent: snappy and protobuf decoding run on the main thread. */
  pool?: DecodePool;
}

export type RemoteWriteOutcome = ExportOutcome | { status: 'too_large'; message: string };

/**
 * The uncompressed length a snappy block declares in its preamble (a varint), read before
 * decompressing so a small body cannot make us allocate gigabytes.
 */
export function snappyDeclaredLength(block: Uint8Array): number | undefined {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 128;
  }
  return undefined;
}

export class RemoteWriteService {
  private readonly warned = new Set<string>();

  constructor(private readonly opts: RemoteWriteOptions) {}

  async handle(compressed: Uint8Array, tenant: string): Promise<RemoteWriteOutcome> {
    const m = this.opts.metrics;
    const declared = snappyDeclaredLength(compressed);
    if (declared === undefined) {
      m.rejected.inc({ signal: 'metrics', reason: 'bad_encoding' });
      return { status: 'invalid', code: 'SL_ERR_BAD_ENCODING', message: 'body is not snappy block-format data (remote_write bodies are snappy-compressed protobuf)' };
    }
    if (declared > this.opts.maxDecompressedBytes) {
      m.rejected.inc({ signal: 'metrics', reason: 'too_large' });
      return { status: 'too_large', message: `remote_write body decompresses to ${declared} bytes, over the limit of ${this.opts.maxDecompressedBytes} bytes (remoteWrite.maxDecompressedBytes)` };
    }
    // On a decode worker when there is a pool (undefined: saturated, or the worker died with the
    // request on it), else here on the main thread; both run decodeRemoteWriteBody.
    const decoded = (this.opts.pool ? await this.opts.pool.decodeRemoteWrite(compressed, tenant) : undefined) ?? decodeRemoteWriteBody(compressed, tenant);
    if (decoded.rawBytes !== undefined) m.receivedBytes.inc({ signal: 'metrics', transport: 'remote_write' }, decoded.rawBytes);
    if (!decoded.ok) {
      m.rejected.inc({ signal: 'metrics', reason: decoded.reason });
      if (decoded.bug !== undefined) this.warnOnce('decoder-bug', { err: decoded.bug }, 'remote_write decoder threw an unexpected error');
      return { status: 'invalid', code: decoded.code, message: decoded.message };
    }
    let batch = decoded.batch;
    // Like Mimir's per-series limits: the admitted samples of the request are stored, and the
    // answer is 400 naming the limit (the caller maps `code`), so Prometheus does not retry
    // samples that would be refused again.
    let rejected = 0;
    let message = '';
    let code: string | undefined;
    if (this.opts.guard) {
      const admitted = this.opts.guard.admit(batch);
      if (admitted.rejectedPoints > 0) {
        batch = admitted.batch;
        rejected = admitted.rejectedPoints;
        message = admitted.message;
        code = 'SL_ERR_CARDINALITY_LIMIT';
      }
    }
    const items = batch.length + batch.expHistograms.length;
    // Metadata-only and exemplar-only requests (Prometheus sends both separately) still go to the store.
    if (items === 0 && batch.metadata.length === 0 && batch.exemplars.length === 0) return { status: 'ok', accepted: 0, rejected, message, code };
    const result = await this.opts.writer.write(batch);
    switch (result.status) {
      case 'ok':
        m.accepted.inc({ signal: 'metrics', transport: 'remote_write' }, items);
        return { status: 'ok', accepted: items, rejected, message, code };
      case 'retryable':
        m.rejected.inc({ signal: 'metrics', reason: 'overloaded' }, items);
        return { status: 'retryable', afterMs: result.afterMs, message: `Sightline is overloaded (${result.reason}); retry after ${Math.ceil(result.afterMs / 1000)} s` };
      case 'failed':
        m.rejected.inc({ signal: 'metrics', reason: 'storage_failed' }, items);
        this.warnOnce('storage-failed', { err: result.error.message }, 'storage write failed');
        return { status: 'failed', message: `storage write failed: ${result.error.message}` };
    }
  }

  private warnOnce(key: string, obj: object, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.opts.log?.warn(obj, msg);
  }
}
