// Parameters and envelopes of the Prometheus HTTP API, with Prometheus' own parsing rules and
// error texts (web/api/v1/api.go), so clients that match on them keep working.
import { parsePromDuration } from '../../config/prom-duration.js';

export type PromErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'not_found' | 'unavailable';

const STATUS: Record<PromErrorType, number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 503,
  internal: 500,
  not_found: 404,
  unavailable: 503,
};

export class PromApiError extends Error {
  readonly status: number;
  constructor(
    readonly errorType: PromErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'PromApiError';
    this.status = STATUS[errorType];
  }
}

export function success<T>(data: T, warnings?: string[]): { status: 'success'; data: T; warnings?: string[] } {
  return warnings && warnings.length > 0 ? { status: 'success', data, warnings } : { status: 'success', data };
}

export function errorEnvelope(errorType: PromErrorType, error: string): { status: 'error'; errorType: PromErrorType; error: string } {
  return { status: 'error', errorType, error };
}

export type Params = Record<string, string | string[] | undefined>;

/** The last value of a parameter (form values and query string merged), '' when absent. */
export function param(p: Params, name: string): string {
  const v = p[name];
  if (Array.isArray(v)) return v[v.length - 1] ?? '';
  return v ?? '';
}

export function params(p: Params, name: string): string[] {
  const v = p[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function invalidParam(name: string, message: string): PromApiError {
  return new PromApiError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${message}`);
}

/** Go's strconv.ParseFloat accepts these (case-insensitive inf/infinity/nan, hex floats aside). */
function parseGoFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

// Prometheus' minTime/maxTime, which clients (Grafana among them) send formatted.
const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';
const MIN_TIME_MS = -9223372036854;
const MAX_TIME_MS = 9223372036854;

/** Unix seconds (float, ms precision) or RFC 3339, like Prometheus' parseTime; returns ms. */
export function parseTimeParam(raw: string, name: string): number {
  const f = parseGoFloat(raw);
  if (f !== undefined && Number.isFinite(f)) return Math.round(f * 1000);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) {
    const t = Date.parse(raw);
    if (!Number.isNaN(t)) return t;
  }
  if (raw === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (raw === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  throw invalidParam(name, `cannot parse ${JSON.stringify(raw)} to a valid timestamp`);
}

/**
 * An optional time parameter (`time` of instant queries, `start`/`end` of the metadata
 * endpoints). Prometheus' parseTimeParam words its error differently from the required
 * `start`/`end` of query_range, and clients see the difference, so we do too.
 */
export function optionalTime(p: Params, name: string, fallbackMs: number): number {
  const raw = param(p, name);
  if (raw === '') return fallbackMs;
  try {
    return parseTimeParam(raw, name);
  } catch {
    throw invalidParam(name, `Invalid time value for '${name}': cannot parse ${JSON.stringify(raw)} to a valid timestamp`);
  }
}

/** Float seconds or a Prometheus duration, like Prometheus' parseDuration; returns ms. */
export function parseDurationParam(raw: string, name: string): number {
  const f = parseGoFloat(raw);
  if (f !== undefined) {
    const ms = f * 1000;
    if (!Number.isFinite(ms) || Math.abs(ms) > 9.2e15) throw invalidParam(name, `cannot parse ${JSON.stringify(raw)} to a valid duration. It overflows int64`);
    return ms;
  }
  const d = parsePromDuration(raw);
  if (d !== undefined && raw !== '') return d;
  throw invalidParam(name, `cannot parse ${JSON.stringify(raw)} to a valid duration`);
}

/** `limit` of the metadata API (Prometheus 2.x: a non-negative integer, 0 or absent = none). */
export function limitParam(p: Params, name = 'limit'): number {
  const raw = param(p, name);
  if (raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw invalidParam(name, `cannot parse ${JSON.stringify(raw)} to a valid limit`);
  return n < 0 ? 0 : n;
}

export function formatTimeForError(ms: number): string {
  return new Date(ms).toISOString();
}
