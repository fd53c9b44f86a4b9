// OTLP wire decoders: protobuf and OTLP/JSON requests straight into columnar batches, plus
// the Export*ServiceResponse encoders the servers reply with. See docs/otlp-mapping.md.
import type { DeltaToCumulative } from '../../pipeline/delta-to-cumulative.js';
import type { LogBatch, SampleBatch, SpanBatch } from '../../storage/batches.js';
import type { DecodeResult } from './decode-result.js';
import { decodeLogsJson } from './decode-logs-json.js';
import { decodeLogsProtobuf } from './decode-logs-pb.js';
import { decodeMetricsJson } from './decode-metrics-json.js';
import { decodeMetricsProtobuf } from './decode-metrics-pb.js';
import { decodeTracesJson } from './decode-traces-json.js';
import { decodeTracesProtobuf } from './decode-traces-pb.js';

export type WireFormat = 'protobuf' | 'json';

export { DecodeError, type DecodeErrorCode } from './decode-error.js';
export { MAX_REJECT_REASONS, type DecodeResult } from './decode-result.js';
export { encodeExportResponse, exportResponseJson, type ExportSignal } from './export-response.js';
export { seriesFingerprint } from './series-fingerprint.js';
export { formatPromFloat, prometheusMetricName, prometheusUnit, sanitizeLabelName } from './prometheus-naming.js';
export { isStaleMarker, STALE_NAN_HI, STALE_NAN_LO } from './sample-batch-builder.js';

/** ExportTraceServiceRequest -> SpanBatch. Throws DecodeError when the request is malformed. */
export function decodeTraceRequest(body: Uint8Array, format: WireFormat, tenant: string): DecodeResult<SpanBatch> {
  return format === 'json' ? decodeTracesJson(body, tenant) : decodeTracesProtobuf(body, tenant);
}

/** ExportLogsServiceRequest -> LogBatch. Throws DecodeError when the request is malformed. */
export function decodeLogsRequest(body: Uint8Array, format: WireFormat, tenant: string): DecodeResult<LogBatch> {
  return format === 'json' ? decodeLogsJson(body, tenant) : decodeLogsProtobuf(body, tenant);
}

/**
 * ExportMetricsServiceRequest -> SampleBatch (Prometheus model). With `delta`, delta sums and
 * histograms are accumulated into cumulative series; without it their points are rejected.
 */
export function decodeMetricsRequest(body: Uint8Array, format: WireFormat, tenant: string, delta?: DeltaToCumulative): DecodeResult<SampleBatch> {
  return format === 'json' ? decodeMetricsJson(body, tenant, delta) : decodeMetricsProtobuf(body, tenant, delta);
}
