// Numeric helpers with Go semantics where they differ from JS (math.Pow special cases, Kahan
// summation as Prometheus does it, quantile interpolation, almost-equal).

/** Go math.Pow: Pow(x, ±0) = 1 and Pow(1, y) = 1 for any y (JS gives NaN for 1**NaN). */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return Math.pow(x, y);
}

/** Neumaier-improved Kahan step, as promql kahanSumInc. Returns [sum, compensation]. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (!Number.isFinite(t) && !Number.isNaN(t)) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += (sum - t) + inc;
  else c += (inc - t) + sum;
  return [t, c];
}

/** NaN sorts first (vectorByValueHeap.Less): used where Prometheus sorts values ascending. */
export function compareValuesNaNFirst(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}

/** promql quantile(): linear interpolation between the closest ranks. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...values].sort(compareValuesNaNFirst);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

const MIN_NORMAL = 2.2250738585072014e-308;

/** util/almost.Equal. */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

const staleView = new DataView(new ArrayBuffer(8));

/**
 * Prometheus staleness marker: the NaN with bits 0x7ff0000000000002. It is a signalling NaN,
 * and V8 on x86 may set the quiet bit when the value passes through a register, turning it
 * into 0x7ff8000000000002; both spellings are the marker (Go's math.NaN() is ...0001 and JS's
 * own NaN ...0000, so neither is confused with it).
 */
export function isStaleNaN(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  staleView.setFloat64(0, v);
  return (staleView.getUint32(0) & 0xfff7ffff) === 0x7ff00000 && staleView.getUint32(4) === 0x00000002;
}

/** Builds the staleness marker value (used by tests and in-memory sources). */
export function staleNaN(): number {
  staleView.setUint32(0, 0x7ff00000);
  staleView.setUint32(4, 0x00000002);
  return staleView.getFloat64(0);
}
