// Transport-independent handling of one OTLP export request: decode straight into a
// columnar batch, hand it to the group-commit writer, and describe the outcome. The HTTP
// and gRPC receivers only translate this outcome into their protocol's answer.
import type { TelemetryBatch } from '../storage/batches.js';
import type { WriteResult } from '../storage/store.js';
import type { SelfMetrics, SignalName, Transport } from '../telemetry/self-metrics.js';
import { DecodeError, decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from './wire/index.js';
import { DeltaToCumulative } from '../pipeline/delta-to-cumulative.js';
import type { CardinalityGuard } from '../pipeline/cardinality-guard.js';
import type { DecodePool } from './decode-pool.js';

export type WireFormat = 'protobuf' | 'json';

export type ExportOutcome =
  /** `code`: the stable code of the rejections, when a whole class of items was refused (cardinality). */
  | { status: 'ok'; accepted: number; rejected: number; message: string; code?: string }
  | { status: 'invalid'; code: string; message: string }
  | { status: 'retryable'; afterMs: number; message: string }
  | { status: 'failed'; message: string };

export interface BatchWriter {
  write(batch: TelemetryBatch): Promise<WriteResult>;
}

export interface ExportServiceOptions {
  writer: BatchWriter;
  metrics: SelfMetrics;
  /** Logs problems once per distinct reason; the telemetry path never throws (habit 3). */
  log?: { warn(obj: object, msg: string): void };
  /** Cardinality limits on metric series; absent: no limits. */
  guard?: CardinalityGuard;
  /** Decode worker threads for metrics requests; absent: every request decodes on the main thread. */
  pool?: DecodePool;
}

const REASON_BY_CODE: Record<string, string> = {
  SL_ERR_PROTOBUF_MALFORMED: 'malformed',
  SL_ERR_JSON_INVALID: 'invalid_json',
  SL_ERR_INVALID_UTF8: 'invalid_utf8',
  SL_ERR_NESTING_TOO_DEEP: 'malformed',
};

export class ExportService {
  private readonly delta = new DeltaToCumulative();
  private readonly warned = new Set<string>();

  constructor(private readonly opts: ExportServiceOptions) {}

  async handle(signal: SignalName, body: Uint8Array, format: WireFormat, tenant: string, transport: Transport): Promise<ExportOutcome> {
    const m = this.opts.metrics;
    m.receivedBytes.inc({ signal, transport }, body.byteLength);
    let batch: TelemetryBatch;
    let rejected: number;
    let reasons: string[];
    // Metrics decode on a worker when there is a pool; `undefined` (saturated, worker died, delta
    // points to accumulate here) decodes inline below. A worker's error is rethrown into the same
    // handling as an inline one.
    const pooled = signal === 'metrics' && this.opts.pool ? await this.opts.pool.decodeOtlpMetrics(body, format, tenant) : undefined;
    try {
      if (pooled !== undefined && !pooled.ok) throw pooled.error;
      const decoded = pooled?.ok
        ? pooled.result
        : signal === 'traces'
          ? decodeTraceRequest(body, format, tenant)
          : signal === 'logs'
            ? decodeLogsRequest(body, format, tenant)
            : decodeMetricsRequest(body, format, tenant, this.delta);
      batch = decoded.batch;
      rejected = decoded.rejected;
      reasons = decoded.rejectReasons;
    } catch (err) {
      if (err instanceof DecodeError) {
        m.rejected.inc({ signal, reason: REASON_BY_CODE[err.code] ?? 'malformed' });
        return { status: 'invalid', code: err.code, message: err.message };
      }
      // A decoder bug must not take the server down; answer 400 and say so once in the log.
      m.rejected.inc({ signal, reason: 'malformed' });
      this.warnOnce('decoder-bug', { err: String(err) }, 'decoder threw an unexpected error');
      return { status: 'invalid', code: 'SL_ERR_PROTOBUF_MALFORMED', message: `could not decode request: ${(err as Error).message}` };
    }
    if (rejected > 0) m.rejected.inc({ signal, reason: 'invalid_id' }, rejected);
    let message = rejected > 0 ? summariseReasons(reasons, rejected) : '';
    let code: string | undefined;
    if (batch.kind === 'samples' && this.opts.guard) {
      // The guard counts its rejections in self-metrics itself (every producer goes through it).
      const admitted = this.opts.guard.admit(batch);
      if (admitted.rejectedPoints > 0) {
        batch = admitted.batch;
        rejected += admitted.rejectedPoints;
        message = message ? `${message}; ${admitted.message}` : admitted.message;
        code = 'SL_ERR_CARDINALITY_LIMIT';
      }
    }
    if (batch.length === 0 && (batch.kind !== 'samples' || batch.expHistograms.length === 0)) {
      return { status: 'ok', accepted: 0, rejected, message, code };
    }
    const result = await this.opts.writer.write(batch);
    const items = batch.length + (batch.kind === 'samples' ? batch.expHistograms.length : 0);
    switch (result.status) {
      case 'ok':
        m.accepted.inc({ signal, transport }, items);
        return { status: 'ok', accepted: items, rejected, message, code };
      case 'retryable':
        m.rejected.inc({ signal, reason: 'overloaded' }, items);
        return { status: 'retryable', afterMs: result.afterMs, message: `Sightline is overloaded (${result.reason}); retry after ${Math.ceil(result.afterMs / 1000)} s` };
      case 'failed':
        m.rejected.inc({ signal, reason: 'storage_failed' }, items);
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

function summariseReasons(reasons: string[], rejected: number): string {
  const unique = [...new Set(reasons)];
  const shown = unique.slice(0, 5).join('; ');
  return `${rejected} item(s) rejected: ${shown}${unique.length > 5 ? `; and ${unique.length - 5} more reasons` : ''}`;
}
