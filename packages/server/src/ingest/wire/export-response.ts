// Export*ServiceResponse for the servers' replies. Per the OTLP spec a fully accepted request
// gets an empty response (partial_success unset); partial_success carries the number of
// rejected items and a message, or only a message when everything was accepted with a warning.
//
// collector/{trace,logs,metrics}/v1/*_service.proto:
//   Export*ServiceResponse { Export*PartialSuccess partial_success = 1; }
//   Export*PartialSuccess  { int64 rejected_{spans,log_records,data_points} = 1; string error_message = 2; }

export type ExportSignal = 'traces' | 'logs' | 'metrics';

const REJECTED_JSON_FIELD: Record<ExportSignal, string> = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
};

const utf8 = new TextEncoder();

function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

/** Protobuf Export{Trace,Logs,Metrics}ServiceResponse. The signal only names the field. */
export function encodeExportResponse(signal: ExportSignal, rejected: number, message: string): Uint8Array {
  void signal; // all three responses share field numbers and wire types
  const count = Math.max(0, Math.floor(rejected));
  if (count === 0 && message === '') return new Uint8Array(0);
  const msg = utf8.encode(message);
  let inner = 0;
  if (count > 0) inner += 1 + varintLength(count);
  if (msg.length > 0) inner += 1 + varintLength(msg.length) + msg.length;
  const out = new Uint8Array(1 + varintLength(inner) + inner);
  let pos = 0;
  out[pos++] = 0x0a; // partial_success, field 1, length-delimited
  pos = writeVarint(out, pos, inner);
  if (count > 0) {
    out[pos++] = 0x08; // rejected_*, field 1, varint
    pos = writeVarint(out, pos, count);
  }
  if (msg.length > 0) {
    out[pos++] = 0x12; // error_message, field 2, length-delimited
    pos = writeVarint(out, pos, msg.length);
    out.set(msg, pos);
  }
  return out;
}

/**
 * OTLP/JSON form of the same response. int64 is written as a decimal string, as the protobuf
 * JSON mapping does (receivers accept a string or a number).
 */
export function exportResponseJson(signal: ExportSignal, rejected: number, message: string): Record<string, unknown> {
  const count = Math.max(0, Math.floor(rejected));
  if (count === 0 && message === '') return {};
  const partialSuccess: Record<string, unknown> = {};
  if (count > 0) partialSuccess[REJECTED_JSON_FIELD[signal]] = String(count);
  if (message !== '') partialSuccess.errorMessage = message;
  return { partialSuccess };
}
