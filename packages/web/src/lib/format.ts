/** Number and duration formatting shared by tables, tooltips and axes. */

/** Nanoseconds → `850ns`, `120µs`, `45.6ms`, `1.23s`, `2m 5s`, `1h 2m`. */
export function formatDurationNs(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  const abs = Math.abs(ns);
  if (ns === 0) return '0';
  if (abs < 1_000) return `${Math.round(ns)}ns`;
  if (abs < 1_000_000) return `${trim(ns / 1_000)}µs`;
  if (abs < 1_000_000_000) return `${trim(ns / 1_000_000)}ms`;
  const s = ns / 1_000_000_000;
  if (Math.abs(s) < 60) return `${trim(s)}s`;
  const totalSeconds = Math.round(s);
  if (Math.abs(totalSeconds) < 3600) return `${Math.floor(totalSeconds / 60)}m ${totalSeconds % 60}s`;
  return `${Math.floor(totalSeconds / 3600)}h ${Math.floor((totalSeconds % 3600) / 60)}m`;
}

export function formatDurationMs(ms: number): string {
  return formatDurationNs(ms * 1_000_000);
}

/** Three significant digits, without trailing zeros: 1.234 → 1.23, 45.60 → 45.6, 120.4 → 120. */
function trim(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
const NS_PER: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Parses a Go-style duration (`250ms`, `1.5s`, `1h30m`) or a bare integer of nanoseconds,
 * the two forms the API accepts; null when the text is neither.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim().replace(/\s+/g, '');
  if (t === '') return null;
  if (/^\d+$/.test(t)) return Number(t);
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = DURATION_PART.exec(t); m; m = DURATION_PART.exec(t)) {
    total += Number(m[1]) * NS_PER[m[2]!]!;
    consumed = DURATION_PART.lastIndex;
  }
  return consumed === t.length && consumed > 0 ? total : null;
}

/** `1234.5` → `1.23k`, for rates and counts in dense tables. */
export function formatCompact(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs < 0.01) return String(Number(value.toPrecision(2)));
  if (abs < 1000) return String(Number(value.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0)));
  const units = ['k', 'M', 'G', 'T'];
  let v = value;
  let i = -1;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toFixed(Math.abs(v) < 10 ? 2 : 1))}${units[i]}`;
}

export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  if (ratio === 0) return '0%';
  const pct = ratio * 100;
  return `${pct < 0.1 ? pct.toFixed(2) : pct < 10 ? pct.toFixed(1) : pct.toFixed(0)}%`;
}

/** Epoch ms → `HH:mm:ss.SSS` local, with the date when `withDate`. */
export function formatClock(ms: number, withDate = false): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  return withDate ? `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}` : time;
}

/** Unix nanoseconds as a decimal string → epoch ms (fractional), without losing the ms part. */
export function nanosToMs(nanos: string): number {
  if (nanos.length <= 6) return Number(nanos) / 1e6;
  return Number(nanos.slice(0, -6)) + Number(nanos.slice(-6)) / 1e6;
}

/** Short form of a hex id for tables; the full id stays in the title attribute. */
export function shortId(id: string, length = 8): string {
  return id.length > length ? id.slice(0, length) : id;
}
