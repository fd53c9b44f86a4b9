// UTC day and hour arithmetic shared by partitioning, retention and queries. Days are counted
// from the Unix epoch so a partition's name, its range and the retention cutoff all derive
// from one integer.
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const NS_PER_MS = 1_000_000n;
const DAY_NS = 86_400_000_000_000n;

export function dayOfMs(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** Floor division, so instants before 1970 land in the day that contains them. */
export function dayOfNs(ns: bigint): number {
  const q = ns / DAY_NS;
  return Number(ns < 0n && q * DAY_NS !== ns ? q - 1n : q);
}

export function dayStartNs(day: number): bigint {
  return BigInt(day) * DAY_NS;
}

export function nsToMsFloor(ns: bigint): number {
  const q = ns / NS_PER_MS;
  return Number(ns < 0n && q * NS_PER_MS !== ns ? q - 1n : q);
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.floor(ms)) * NS_PER_MS;
}

/** `2026-11-23` for the day that starts at 2026-11-23T00:00Z. */
export function dayName(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

const DAY_NAME = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseDayName(name: string): number | undefined {
  const m = DAY_NAME.exec(name);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(ms) || dayName(ms / DAY_MS) !== name ? undefined : ms / DAY_MS;
}

/** Days touched by [startMs, endMs] (both inclusive). Empty when the range is empty. */
export function daysOfRangeMs(startMs: number, endMs: number): number[] {
  if (!(endMs >= startMs)) return [];
  const out: number[] = [];
  for (let d = dayOfMs(startMs); d <= dayOfMs(endMs); d++) out.push(d);
  return out;
}

/** The rows of one batch that fall on one day; rows === null means all of them. */
export interface DayRows {
  day: number;
  rows: Uint32Array | null;
}

const DAY_NS_BIG = 86_400_000_000_000n;

/** Splits rows by UTC day of their ns time. One pass of comparisons when all share a day. */
export function splitByDayNs(times: BigInt64Array, n: number): DayRows[] {
  if (n === 0) return [];
  const d0 = dayOfNs(times[0]!);
  const lo = dayStartNs(d0);
  const hi = lo + DAY_NS_BIG;
  let i = 1;
  while (i < n && times[i]! >= lo && times[i]! < hi) i++;
  if (i === n) return [{ day: d0, rows: null }];
  const days = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const t = times[k]!;
    days[k] = t >= lo && t < hi ? d0 : dayOfNs(t);
  }
  return group(days, n);
}

export function splitByDayMs(times: ArrayLike<number>, n: number): DayRows[] {
  if (n === 0) return [];
  const d0 = dayOfMs(times[0]!);
  const lo = d0 * DAY_MS;
  const hi = lo + DAY_MS;
  let i = 1;
  while (i < n && times[i]! >= lo && times[i]! < hi) i++;
  if (i === n) return [{ day: d0, rows: null }];
  const days = new Float64Array(n);
  for (let k = 0; k < n; k++) days[k] = dayOfMs(times[k]!);
  return group(days, n);
}

function group(days: Float64Array, n: number): DayRows[] {
  const counts = new Map<number, number>();
  for (let k = 0; k < n; k++) counts.set(days[k]!, (counts.get(days[k]!) ?? 0) + 1);
  const out = new Map<number, { rows: Uint32Array; fill: number }>();
  for (const [day, c] of counts) out.set(day, { rows: new Uint32Array(c), fill: 0 });
  for (let k = 0; k < n; k++) {
    const g = out.get(days[k]!)!;
    g.rows[g.fill++] = k;
  }
  return [...out].sort((a, b) => a[0] - b[0]).map(([day, g]) => ({ day, rows: g.rows }));
}
