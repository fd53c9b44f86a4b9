/** A JSON-safe description of an error, including its cause chain. */
export interface SerialisedError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: SerialisedError | { type: string; value: string };
  /** Members of an `AggregateError`. */
  errors?: SerialisedError[];
  /** Other own enumerable properties (status codes, ids, ...). */
  [key: string]: unknown;
}

const MAX_CAUSE_DEPTH = 8;

/**
 * Turns an error (or anything thrown) into a plain object: type, message, stack, code,
 * own enumerable properties, and the `cause` chain, guarding against cycles and very deep chains.
 *
 * @example
 * ```ts
 * serialiseError(new Error('save failed', { cause: new Error('ECONNRESET') }));
 * // { type: 'Error', message: 'save failed', stack: '...', cause: { type: 'Error', message: 'ECONNRESET', ... } }
 * ```
 */
export function serialiseError(err: unknown, seen: Set<unknown> = new Set(), depth = 0): SerialisedError {
  if (!(err instanceof Error)) {
    return { type: typeof err, message: safeString(err) };
  }
  seen.add(err);
  const out: SerialisedError = {
    type: err.constructor?.name || err.name || 'Error',
    message: err.message,
  };
  if (err.stack) out.stack = err.stack;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  for (const key of Object.keys(err)) {
    if (key === 'cause' || key === 'errors' || key in out) continue;
    const v = (err as unknown as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    out[key] = v instanceof Error ? (seen.has(v) ? '[Circular]' : serialiseError(v, seen, depth + 1)) : v;
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined) {
    if (seen.has(cause)) out.cause = { type: 'Circular', value: '[Circular]' };
    else if (depth >= MAX_CAUSE_DEPTH) out.cause = { type: 'Truncated', value: '[cause chain truncated]' };
    else if (cause instanceof Error) out.cause = serialiseError(cause, seen, depth + 1);
    else out.cause = { type: typeof cause, value: safeString(cause) };
  }
  if (err instanceof AggregateError && Array.isArray(err.errors)) {
    out.errors = err.errors.slice(0, 20).map((e) => serialiseError(e, seen, depth + 1));
  }
  return out;
}

function safeString(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
