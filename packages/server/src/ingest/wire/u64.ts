// 64-bit integers as (lo, hi) pairs of uint32. The wire reader produces them without
// BigInt allocations; these helpers turn them into the forms the batches want.

const TWO_32 = 4294967296;

/** Exact decimal text of the unsigned 64-bit value hi * 2^32 + lo. */
export function u64ToDecimal(lo: number, hi: number): string {
  if (hi <= 0x1fffff) return String(hi * TWO_32 + lo);
  // Long division by 1e7 over 16-bit limbs keeps every intermediate below 2^53.
  let d3 = hi >>> 16;
  let d2 = hi & 0xffff;
  let d1 = lo >>> 16;
  let d0 = lo & 0xffff;
  let out = '';
  while (d3 !== 0 || d2 !== 0 || d1 !== 0 || d0 !== 0) {
    let cur = d3;
    d3 = Math.floor(cur / 1e7);
    let rem = cur - d3 * 1e7;
    cur = rem * 65536 + d2;
    d2 = Math.floor(cur / 1e7);
    rem = cur - d2 * 1e7;
    cur = rem * 65536 + d1;
    d1 = Math.floor(cur / 1e7);
    rem = cur - d1 * 1e7;
    cur = rem * 65536 + d0;
    d0 = Math.floor(cur / 1e7);
    rem = cur - d0 * 1e7;
    const group = String(rem);
    out = d3 !== 0 || d2 !== 0 || d1 !== 0 || d0 !== 0 ? '0000000'.slice(group.length) + group + out : group + out;
  }
  return out;
}

/**
 * A signed int64 (two's complement lo/hi) as a JS number when it is a safe integer
 * (|v| <= 2^53 - 1), otherwise as its exact decimal text.
 */
export function i64ToNumberOrString(lo: number, hi: number): number | string {
  if ((hi & 0x80000000) === 0) {
    return hi <= 0x1fffff ? hi * TWO_32 + lo : u64ToDecimal(lo, hi);
  }
  const nlo = (~lo + 1) >>> 0;
  const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
  return nhi <= 0x1fffff ? -(nhi * TWO_32 + nlo) : '-' + u64ToDecimal(nlo, nhi);
}

/**
 * Exact floor(ns / 1e6) for an unsigned 64-bit nanosecond time. 2^32 = 4294 * 1e6 + 967296,
 * so hi * 2^32 / 1e6 splits into an exact part and a remainder r = hi * 967296 + lo < 2^52
 * (exact as a double). floor(r / 1e6) needs no `%` (a floating-point fmod, ~4% of OTLP
 * metrics decoding): the quotient is below 2^32, where doubles are 2^-20 (< 1e-6) apart, so
 * when r is one short of a multiple of 1e6 the correctly rounded r / 1e6 stays below that
 * integer.
 */
export function nsToMs(lo: number, hi: number): number {
  return hi * 4294 + Math.floor((hi * 967296 + lo) / 1e6);
}

/** Nanoseconds as a double: exact below 2^53, otherwise to within 256 ns; used to compare times. */
export function nsApprox(lo: number, hi: number): number {
  return hi * TWO_32 + lo;
}

/** Parses an unsigned decimal (JSON int64/uint64 text) into lo/hi; returns false when invalid. */
export function parseU64(text: string, out: { lo: number; hi: number }): boolean {
  if (!/^\d{1,20}$/.test(text)) return false;
  if (text.length <= 15) {
    const v = Number(text);
    out.lo = v % TWO_32;
    out.hi = Math.floor(v / TWO_32);
    return true;
  }
  const v = BigInt(text);
  if (v > 0xffffffffffffffffn) return false;
  out.lo = Number(v & 0xffffffffn);
  out.hi = Number(v >> 32n);
  return true;
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Writes an unsigned 64-bit value into slot i of a BigInt64Array viewed as uint32 words. */
export function setU64(words: Uint32Array, i: number, lo: number, hi: number): void {
  if (LITTLE_ENDIAN) {
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
  } else {
    words[2 * i] = hi;
    words[2 * i + 1] = lo;
  }
}
