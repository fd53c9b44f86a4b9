// Samples as three growing double columns (fingerprint, time, value), filled chunk by chunk
// from DuckDB results and from decoded sample blocks, then grouped per series. Shared by the
// readers (metric-queries.ts), the sealer and the rollup builder.
import type { DuckDBDataChunk, DuckDBDoubleVector } from '@duckdb/node-api';
import { decodeSamplesInto } from '../sample-codec.js';

/** A DOUBLE NOT NULL column of a chunk as a Float64Array view (valid during the chunk's visit). */
export function doubles(vector: unknown, n: number): Float64Array {
  const items = (vector as { items?: unknown }).items;
  if (items instanceof Float64Array && items.length >= n) return items.subarray(0, n);
  const v = vector as DuckDBDoubleVector;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = v.getItem(i)!;
  return out;
}

export class SampleColumns {
  fp: Float64Array = new Float64Array(0);
  ts: Float64Array = new Float64Array(0);
  vs: Float64Array = new Float64Array(0);
  length = 0;

  reserve(n: number): void {
    if (this.length + n <= this.fp.length) return;
    const cap = Math.max(this.length + n, this.fp.length * 2, 8192);
    this.fp = grow(this.fp, cap, this.length);
    this.ts = grow(this.ts, cap, this.length);
    this.vs = grow(this.vs, cap, this.length);
  }

  append(fp: Float64Array, ts: Float64Array, vs: Float64Array): void {
    const n = fp.length;
    this.reserve(n);
    this.fp.set(fp, this.length);
    this.ts.set(ts, this.length);
    this.vs.set(vs, this.length);
    this.length += n;
  }

  /** A chunk of (fingerprint DOUBLE, t_ms DOUBLE, value DOUBLE) starting at column `first`. */
  appendChunk(chunk: DuckDBDataChunk, first = 0): void {
    const n = chunk.rowCount;
    if (n === 0) return;
    this.append(doubles(chunk.getColumnVector(first), n), doubles(chunk.getColumnVector(first + 1), n), doubles(chunk.getColumnVector(first + 2), n));
  }

  /** A sealed block's samples within [startMs, endMs]; returns how many were kept. */
  appendBlock(fp: number, data: Uint8Array, count: number, startMs = -Infinity, endMs = Infinity): number {
    this.reserve(count);
    const at = this.length;
    const n = decodeSamplesInto(data, this.ts, this.vs, at);
    let a = at;
    let b = at + n;
    const ts = this.ts;
    if (ts[a]! < startMs || ts[b - 1]! > endMs) {
      // Blocks are time-ordered: keep the slice inside the range, moved to the front.
      while (a < b && ts[a]! < startMs) a++;
      while (b > a && ts[b - 1]! > endMs) b--;
      if (a > at) {
        this.ts.copyWithin(at, a, b);
        this.vs.copyWithin(at, a, b);
      }
    }
    const kept = b - a;
    this.fp.fill(fp, at, at + kept);
    this.length += kept;
    return kept;
  }

  /** Rows [lo, hi) of one series' time and value arrays. */
  appendSlice(fp: number, ts: Float64Array, vs: Float64Array, lo: number, hi: number): void {
    const n = hi - lo;
    if (n <= 0) return;
    this.reserve(n);
    const at = this.length;
    this.fp.fill(fp, at, at + n);
    this.ts.set(lo === 0 && hi === ts.length ? ts : ts.subarray(lo, hi), at);
    this.vs.set(lo === 0 && hi === vs.length ? vs : vs.subarray(lo, hi), at);
    this.length += n;
  }

  /** Appends all of `other` after this one's rows. */
  concat(other: SampleColumns): void {
    this.append(other.fp.subarray(0, other.length), other.ts.subarray(0, other.length), other.vs.subarray(0, other.length));
  }
}

function grow(a: Float64Array, cap: number, used: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a.subarray(0, used));
  return b;
}

export interface SeriesColumns {
  timestampsMs: Float64Array;
  values: Float64Array;
}

/**
 * Rows per series, each in time order with repeated times kept once (the first row wins, so
 * put sealed blocks before raw rows). `order` gives the series (and their order) to keep;
 * without it every fingerprint met is kept, in order of first appearance. The rows are counted
 * per series and scattered into one exact-size buffer, each series a subarray of it.
 */
export function groupBySeries(cols: SampleColumns, order?: readonly number[]): Map<number, SeriesColumns> {
  const rows = cols.length;
  const bySeries = new Map<number, SeriesColumns>();
  if (rows === 0) return bySeries;
  const index = new Map<number, number>();
  if (order) for (let i = 0; i < order.length; i++) if (!index.has(order[i]!)) index.set(order[i]!, index.size);
  const { fp, ts, vs } = cols;
  const idx = new Int32Array(rows);
  let counts = new Int32Array(Math.max(index.size + 1, 16));
  let curFp = NaN;
  let cur = 0;
  for (let i = 0; i < rows; i++) {
    const f = fp[i]!;
    if (f !== curFp) {
      curFp = f;
      let k = index.get(f);
      if (k === undefined) {
        // Outside `order`: kept apart (and dropped) when an order is given.
        if (order) k = -1;
        else index.set(f, (k = index.size));
      }
      cur = k;
    }
    if (cur < 0) {
      idx[i] = -1;
      continue;
    }
    if (cur >= counts.length) {
      const c = new Int32Array(counts.length * 2);
      c.set(counts);
      counts = c;
    }
    idx[i] = cur;
    counts[cur]!++;
  }
  const offsets = new Int32Array(index.size + 1);
  for (let k = 0; k < index.size; k++) offsets[k + 1] = offsets[k]! + counts[k]!;
  const total = offsets[index.size]!;
  const outTs = new Float64Array(total);
  const outVs = new Float64Array(total);
  const pos = offsets.slice(0, index.size);
  for (let i = 0; i < rows; i++) {
    const k = idx[i]!;
    if (k < 0) continue;
    const at = pos[k]!++;
    outTs[at] = ts[i]!;
    outVs[at] = vs[i]!;
  }
  for (const [f, k] of index) {
    const a = offsets[k]!;
    const b = offsets[k + 1]!;
    if (b === a) continue;
    bySeries.set(f, sortedByTime(outTs.subarray(a, b), outVs.subarray(a, b)));
  }
  return bySeries;
}

/** The same samples in time order (stable), repeated times once; the input itself when already so. */
export function sortedByTime(t: Float64Array, v: Float64Array): SeriesColumns {
  let ordered = true;
  for (let i = 1; i < t.length; i++) {
    if (!(t[i]! > t[i - 1]!)) {
      ordered = false;
      break;
    }
  }
  if (ordered) return { timestampsMs: t, values: v };
  const order = Array.from(t, (_, i) => i).sort((a, b) => t[a]! - t[b]! || a - b);
  const ts = new Float64Array(t.length);
  const vs = new Float64Array(t.length);
  let n = 0;
  for (const i of order) {
    if (n > 0 && ts[n - 1] === t[i]) continue;
    ts[n] = t[i]!;
    vs[n++] = v[i]!;
  }
  return { timestampsMs: ts.slice(0, n), values: vs.slice(0, n) };
}
