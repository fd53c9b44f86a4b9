// Stable error codes (habit 4). A code never changes meaning once released; messages say
// what was wrong and what to do. The HTTP status is part of the code's definition.
export const ERROR_STATUS = {
  SL_ERR_BAD_REQUEST: 400,
  SL_ERR_INVALID_PARAM: 400,
  SL_ERR_PROTOBUF_MALFORMED: 400,
  SL_ERR_JSON_INVALID: 400,
  SL_ERR_INVALID_UTF8: 400,
  SL_ERR_NESTING_TOO_DEEP: 400,
  SL_ERR_BAD_ENCODING: 400,
  /** New series over a cardinality limit (metrics.cardinality); active series keep being accepted. */
  SL_ERR_CARDINALITY_LIMIT: 400,
  SL_ERR_NOT_FOUND: 404,
  SL_ERR_TRACE_NOT_FOUND: 404,
  SL_ERR_METHOD_NOT_ALLOWED: 405,
  SL_ERR_PAYLOAD_TOO_LARGE: 413,
  SL_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  SL_ERR_OVERLOADED: 429,
  /** A query would read more samples than its limit allows; narrow the range or the selector. */
  SL_ERR_TOO_MANY_SAMPLES: 422,
  SL_ERR_STORAGE_FAILED: 503,
  SL_ERR_NOT_READY: 503,
  SL_ERR_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class SightlineError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SightlineError';
    this.status = ERROR_STATUS[code];
  }
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
