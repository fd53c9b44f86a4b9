// Whole-request decode failures. Servers map every code to HTTP 400 / gRPC INVALID_ARGUMENT
// (the OTLP spec says a malformed request must not be retried), so the code only tells
// operators and clients which kind of malformation it was.

export type DecodeErrorCode =
  /** Truncated buffer, bad varint, bad wire type, length past the end, bad group nesting. */
  | 'SL_ERR_PROTOBUF_MALFORMED'
  /** Body is not JSON, or a JSON value has the wrong type for its OTLP field. */
  | 'SL_ERR_JSON_INVALID'
  /** A proto3 string field (or a JSON body) holds bytes that are not valid UTF-8. */
  | 'SL_ERR_INVALID_UTF8'
  /** Messages or AnyValues nested deeper than the decoder allows. */
  | 'SL_ERR_NESTING_TOO_DEEP';

export class DecodeError extends Error {
  readonly code: DecodeErrorCode;
  /** Always 400: a request that cannot be decoded will not decode on retry either. */
  readonly httpStatus = 400;
  /** gRPC INVALID_ARGUMENT. */
  readonly grpcStatus = 3;

  constructor(code: DecodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecodeError';
    this.code = code;
  }
}

/** Nesting limit for messages and AnyValues; protobuf's own default recursion limit. */
export const MAX_NESTING = 100;
