/**
 * An error answered by the Sightline API (`{error:{code,message}}`), or a transport
 * failure mapped to the same shape so callers handle one kind of error.
 */
export class SightlineApiError extends Error {
  override readonly name = 'SightlineApiError';
  /** HTTP status; 0 when the request never got an answer (network error, abort). */
  readonly status: number;
  /** Stable code such as `SL_ERR_TRACE_NOT_FOUND`. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** True when `err` is a {@link SightlineApiError} with the given code. */
export function isApiError(err: unknown, code?: string): err is SightlineApiError {
  return err instanceof SightlineApiError && (code === undefined || err.code === code);
}
