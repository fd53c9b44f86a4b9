// google.rpc.Status (with an optional google.rpc.RetryInfo detail) in protobuf form. OTLP
// uses it as the error body of OTLP/HTTP and, for gRPC, in the grpc-status-details-bin
// trailer, so that exporters honour our retry delay when we are overloaded.

export const GRPC_CODE = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

function varint(out: number[], value: number): void {
  let v = value;
  // int32 negatives would need 10 bytes; every code and length here is non-negative.
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function lengthDelimited(out: number[], field: number, bytes: Uint8Array | number[]): void {
  varint(out, (field << 3) | 2);
  varint(out, bytes.length);
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]);
}

function encodeRetryInfo(delayMs: number): number[] {
  const duration: number[] = [];
  const seconds = Math.floor(delayMs / 1000);
  const nanos = Math.round((delayMs % 1000) * 1e6);
  if (seconds > 0) {
    varint(duration, (1 << 3) | 0);
    varint(duration, seconds);
  }
  if (nanos > 0) {
    varint(duration, (2 << 3) | 0);
    varint(duration, nanos);
  }
  const retryInfo: number[] = [];
  lengthDelimited(retryInfo, 1, duration);
  return retryInfo;
}

const RETRY_INFO_TYPE = new TextEncoder().encode('type.googleapis.com/google.rpc.RetryInfo');

export function encodeRpcStatus(code: number, message: string, retryAfterMs?: number): Uint8Array {
  const out: number[] = [];
  if (code !== 0) {
    varint(out, (1 << 3) | 0);
    varint(out, code);
  }
  if (message) lengthDelimited(out, 2, new TextEncoder().encode(message));
  if (retryAfterMs !== undefined) {
    const any: number[] = [];
    lengthDelimited(any, 1, RETRY_INFO_TYPE);
    lengthDelimited(any, 2, encodeRetryInfo(retryAfterMs));
    lengthDelimited(out, 3, any);
  }
  return Uint8Array.from(out);
}
