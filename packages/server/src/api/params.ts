// Query-string parsing shared by the API plugins. Every bad value becomes a 400 with
// SL_ERR_INVALID_PARAM naming the parameter and the accepted forms.
import { SightlineError } from '../errors.js';

export type Query = Record<string, string | string[] | undefined>;

function single(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return v === '' ? undefined : v;
}

export function str(q: Query, name: string): string | undefined {
  return single(q, name);
}

/** Accepts epoch milliseconds, epoch seconds with fraction ("1700000000.5") or RFC 3339. */
export function parseTimeMs(raw: string, name: string): number {
  if (/^-?\d+$/.test(raw)) {
    const n = Number(raw);
    // Integers below 1e11 can only be seconds (1e11 ms is 1973); above, milliseconds.
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  if (/^-?\d+\.\d+$/.test(raw)) return Math.round(Number(raw) * 1000);
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new SightlineError('SL_ERR_INVALID_PARAM', `parameter '${name}'=${JSON.stringify(raw)} is not a time: use epoch milliseconds or RFC 3339 (2026-01-02T15:04:05Z)`);
  return t;
}

export interface TimeRange {
  startMs: number;
  endMs: number;
  startNs: bigint;
  endNs: bigint;
}

export function timeRange(q: Query, nowMs: number, defaultRangeMs: number): TimeRange {
  const endRaw = single(q, 'end');
  const startRaw = single(q, 'start');
  const endMs = endRaw ? parseTimeMs(endRaw, 'end') : nowMs;
  const startMs = startRaw ? parseTimeMs(startRaw, 'start') : endMs - defaultRangeMs;
  if (startMs > endMs) throw new SightlineError('SL_ERR_INVALID_PARAM', `'start' (${startMs}) is after 'end' (${endMs})`);
  // End is inclusive for the user ("up to now"); the store takes an exclusive end.
  return { startMs, endMs, startNs: BigInt(Math.floor(startMs)) * 1_000_000n, endNs: BigInt(Math.floor(endMs) + 1) * 1_000_000n };
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go-style durations ("250ms", "1.5s", "1m30s") or a plain integer of nanoseconds. */
export function parseDurationNs(raw: string, name: string): bigint {
  if (/^\d+$/.test(raw)) return BigInt(raw);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of raw.matchAll(re)) {
    if (m.index !== consumed) break;
    total += Number(m[1]) * UNIT_NS[m[2]];
    consumed += m[0].length;
  }
  if (consumed !== raw.length || consumed === 0) {
    throw new SightlineError('SL_ERR_INVALID_PARAM', `parameter '${name}'=${JSON.stringify(raw)} is not a duration: use forms like 250ms, 1.5s, 2m or integer nanoseconds`);
  }
  return BigInt(Math.round(total));
}

export function limit(q: Query, def: number, max: number): number {
  const raw = single(q, 'limit');
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new SightlineError('SL_ERR_INVALID_PARAM', `parameter 'limit'=${JSON.stringify(raw)} must be a positive integer`);
  return Math.min(n, max);
}

/** Collects `attr.<key>=<value>` (or `<prefix><key>`) parameters into a map. */
export function prefixed(q: Query, prefix: string): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(q)) {
    if (!k.startsWith(prefix) || v === undefined) continue;
    const key = k.slice(prefix.length);
    if (!key) throw new SightlineError('SL_ERR_INVALID_PARAM', `parameter '${k}' needs a key after '${prefix}'`);
    out ??= {};
    out[key] = Array.isArray(v) ? v[v.length - 1] : v;
  }
  return out;
}

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;

export function traceIdParam(raw: string | undefined, name = 'traceId'): string {
  const id = (raw ?? '').toLowerCase();
  if (!HEX_TRACE_ID.test(id)) throw new SightlineError('SL_ERR_INVALID_PARAM', `'${name}' must be 32 hex characters (a 16-byte W3C trace id), got ${JSON.stringify(raw ?? '')}`);
  return id;
}

const SEVERITY_NAMES: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, warning: 13, error: 17, fatal: 21 };

export function severityParam(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const named = SEVERITY_NAMES[raw.toLowerCase()];
  if (named) return named;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1 && n <= 24) return n;
  throw new SightlineError('SL_ERR_INVALID_PARAM', `'severity'=${JSON.stringify(raw)} must be 1..24 or one of trace, debug, info, warn, error, fatal`);
}
