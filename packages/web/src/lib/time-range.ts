/**
 * Time ranges as they live in the URL: `from`/`to` are either relative expressions
 * (`now`, `now-15m`, `now-7d`) or absolute instants (epoch ms, or an ISO-like date), so a
 * copied link reproduces the same view: relative links stay relative, zoomed ones absolute.
 */

export interface RangeSpec {
  from: string;
  to: string;
}

export interface ResolvedRange {
  start: number;
  end: number;
}

export const DEFAULT_RANGE: RangeSpec = { from: 'now-1h', to: 'now' };

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const UNIT_WORD: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' };

const RELATIVE = /^now(?:\s*([+-])\s*(\d+(?:\.\d+)?)\s*([smhdw]))?$/;
// "2026-01-02", "2026-01-02 10:20", "2026-01-02T10:20:30.5", with optional Z/offset.
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** Parses one time expression into epoch ms, or returns null when it is not understood. */
export function parseTimeExpression(expression: string, now: number): number | null {
  const text = expression.trim();
  if (text === '') return null;
  const rel = RELATIVE.exec(text);
  if (rel) {
    if (!rel[1]) return now;
    const amount = Number(rel[2]) * UNIT_MS[rel[3]!]!;
    return rel[1] === '-' ? now - amount : now + amount;
  }
  if (/^\d{10,16}$/.test(text)) return Number(text);
  if (DATE_LIKE.test(text)) {
    // Date-only strings parse as UTC in JS but a user typing a date means local midnight.
    const normalized = text.length === 10 ? `${text}T00:00` : text.replace(' ', 'T');
    const ms = Date.parse(normalized);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

export type RangeResult = { ok: true; range: ResolvedRange } | { ok: false; error: string };

/** Resolves a spec against `now`; rejects unparsable or empty/inverted ranges with a message. */
export function resolveRange(spec: RangeSpec, now: number): RangeResult {
  const start = parseTimeExpression(spec.from, now);
  if (start === null) return { ok: false, error: `Cannot read "${spec.from}" as a time (try now-15m or 2026-01-31 14:00)` };
  const end = parseTimeExpression(spec.to, now);
  if (end === null) return { ok: false, error: `Cannot read "${spec.to}" as a time (try now or 2026-01-31 15:00)` };
  if (end <= start) return { ok: false, error: 'The end of the range must be after its start' };
  return { ok: true, range: { start, end } };
}

export function isRelative(spec: RangeSpec): boolean {
  return spec.from.startsWith('now') || spec.to.startsWith('now');
}

export interface QuickRange extends RangeSpec {
  label: string;
  key: string;
}

function quick(amount: string, label: string, key: string): QuickRange {
  return { from: `now-${amount}`, to: 'now', label, key };
}

export const QUICK_RANGES: QuickRange[] = [
  quick('5m', 'Last 5 minutes', '5m'),
  quick('15m', 'Last 15 minutes', '15m'),
  quick('30m', 'Last 30 minutes', '30m'),
  quick('1h', 'Last 1 hour', '1h'),
  quick('3h', 'Last 3 hours', '3h'),
  quick('6h', 'Last 6 hours', '6h'),
  quick('12h', 'Last 12 hours', '12h'),
  quick('24h', 'Last 24 hours', '24h'),
  quick('2d', 'Last 2 days', '2d'),
  quick('7d', 'Last 7 days', '7d'),
];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local time as `YYYY-MM-DD HH:mm:ss`, the format the picker's inputs accept back. */
export function formatInstant(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Human label for the picker button: "Last 15 minutes" or "2026-01-02 10:00:00 → 11:00:00". */
export function describeRange(spec: RangeSpec, now: number): string {
  const known = QUICK_RANGES.find((q) => q.from === spec.from && q.to === spec.to);
  if (known) return known.label;
  const rel = RELATIVE.exec(spec.from.trim());
  if (rel && rel[1] === '-' && spec.to.trim() === 'now') {
    const n = Number(rel[2]);
    return `Last ${n} ${UNIT_WORD[rel[3]!]}${n === 1 ? '' : 's'}`;
  }
  const resolved = resolveRange(spec, now);
  if (!resolved.ok) return `${spec.from} → ${spec.to}`;
  const a = formatInstant(resolved.range.start);
  const b = formatInstant(resolved.range.end);
  // Same day: show only the time of the end.
  return a.slice(0, 10) === b.slice(0, 10) ? `${a} → ${b.slice(11)}` : `${a} → ${b}`;
}

/** Absolute spec for a zoom selection; rounded to whole ms because URLs carry integers. */
export function zoomTo(start: number, end: number): RangeSpec {
  const a = Math.floor(Math.min(start, end));
  const b = Math.ceil(Math.max(start, end));
  return { from: String(a), to: String(b === a ? a + 1 : b) };
}

/** Doubles the span of the range around its centre (Grafana's "zoom out"). */
export function zoomOut(range: ResolvedRange, now: number): RangeSpec {
  const span = range.end - range.start;
  const end = Math.min(now, range.end + span / 2);
  return zoomTo(end - span * 2, end);
}

/** Moves the range by a fraction of its span (negative = back in time). */
export function shiftRange(range: ResolvedRange, fraction: number): RangeSpec {
  const delta = (range.end - range.start) * fraction;
  return zoomTo(range.start + delta, range.end + delta);
}

export const REFRESH_INTERVALS = ['off', '5s', '10s', '30s', '1m', '5m', '15m'] as const;

/** `30s` → 30000; `off`, empty or unknown → 0 (no auto-refresh). */
export function parseRefreshInterval(text: string | null | undefined): number {
  if (!text) return 0;
  const m = /^(\d+)([smh])$/.exec(text.trim());
  if (!m) return 0;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  // Below 5s the UI would mostly be waiting on its own requests.
  return ms >= 5_000 ? ms : 0;
}

/** A bucket step that gives about `target` buckets for the range, snapped to a round size. */
export function niceStepMs(rangeMs: number, target = 60): number {
  const steps = [1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3];
  const raw = rangeMs / target;
  return steps.find((s) => s >= raw) ?? steps[steps.length - 1]!;
}
