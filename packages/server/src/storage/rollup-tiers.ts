// Metric rollup tiers: what each tier is, bucket arithmetic, and the accumulator that turns
// raw samples (or rows of the next finer tier) into one row per series per bucket.
//
// A row keeps count, sum, min, max, the last value and its timestamp, and where a staleness
// marker follows the last real sample, the marker's timestamp. Rows merge associatively, so
// 5m is built from 1m and 1h from 5m and the result equals a build from raw samples (up to the
// order of floating-point additions in `sum`).
//
// NaN: staleness markers never enter count/sum/min/max/last (they only set stale_ms). Ordinary
// NaN values are samples like any other, with Prometheus' *_over_time semantics: they count,
// they make `sum` NaN, `min`/`max` ignore them unless every value of the bucket is NaN, and
// `last` may be NaN.

const bits = new DataView(new ArrayBuffer(8));

/**
 * The Prometheus staleness marker (NaN with bits 0x7ff0000000000002, quiet bit tolerated as in
 * query/promql/float-math.ts; storage imports no other room, hence this local copy).
 */
export function isStaleMarker(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  bits.setFloat64(0, v);
  return (bits.getUint32(0) & 0xfff7ffff) === 0x7ff00000 && bits.getUint32(4) === 0x00000002;
}

export type TierName = '1m' | '5m' | '1h';

export interface TierSpec {
  readonly name: TierName;
  readonly resolutionMs: number;
  /** What the tier is built from. */
  readonly source: 'raw' | TierName;
  /**
   * Days per partition file. Retention drops whole files, so coarser tiers (few rows per series
   * per day, long retention) use longer files: fewer attached databases for a year-long query.
   */
  readonly partitionDays: number;
  /** Source time read per build step (bounds the memory of one step). */
  readonly stepMs: number;
}

export const TIERS: readonly TierSpec[] = [
  { name: '1m', resolutionMs: 60_000, source: 'raw', partitionDays: 1, stepMs: 3_600_000 },
  { name: '5m', resolutionMs: 300_000, source: '1m', partitionDays: 7, stepMs: 86_400_000 },
  { name: '1h', resolutionMs: 3_600_000, source: '5m', partitionDays: 30, stepMs: 86_400_000 },
];

export const TIER_NAMES: readonly TierName[] = TIERS.map((t) => t.name);

export function tierSpec(name: TierName): TierSpec {
  return TIERS.find((t) => t.name === name)!;
}

/** Start of the bucket holding `t` (floor, also for times before 1970). */
export function bucketStart(t: number, resolutionMs: number): number {
  return Math.floor(t / resolutionMs) * resolutionMs;
}

/**
 * End (exclusive) of the buckets that are closed at `nowMs`: a bucket is closed once its end
 * plus the grace for late samples has passed.
 */
export function closedUntil(nowMs: number, resolutionMs: number, graceMs: number): number {
  return bucketStart(nowMs - graceMs, resolutionMs);
}

/** Start of the partition (a day number) holding `day` for a tier with `partitionDays`. */
export function partitionOfDay(day: number, partitionDays: number): number {
  return Math.floor(day / partitionDays) * partitionDays;
}

/**
 * Rollup rows in columns. `lastMs` is the time of the last real sample (equals `staleMs` when
 * count is 0); `staleMs > lastMs` (or count 0) means the series was marked stale at `staleMs`
 * after its last sample in the bucket.
 */
export interface RollupColumns {
  fingerprint: number[];
  bucketMs: number[];
  count: number[];
  sum: number[];
  min: number[];
  max: number[];
  last: number[];
  lastMs: number[];
  staleMs: number[];
}

export function emptyRollupColumns(): RollupColumns {
  return { fingerprint: [], bucketMs: [], count: [], sum: [], min: [], max: [], last: [], lastMs: [], staleMs: [] };
}

/** True when the row ends with a staleness marker. */
export function rowIsStale(count: number, lastMs: number, staleMs: number): boolean {
  return count === 0 || staleMs > lastMs;
}

/**
 * Accumulates one series at a time, in time order within the series (the caller reads sorted
 * by fingerprint, then time). Duplicated (series, time) raw samples from retried writes count
 * once, like readSamples returns them once.
 */
export class RollupAccumulator {
  readonly out = emptyRollupColumns();
  private fp = NaN;
  private bucket = NaN;
  private count = 0;
  private sum = 0;
  private comp = 0;
  private min = NaN;
  private max = NaN;
  private last = NaN;
  private lastMs = -Infinity;
  private staleMs = -Infinity;
  private prevRawMs = NaN;

  constructor(readonly resolutionMs: number) {}

  private roll(fp: number, bucket: number): void {
    if (fp === this.fp && bucket === this.bucket) return;
    this.flush();
    this.fp = fp;
    this.bucket = bucket;
    this.prevRawMs = NaN;
  }

  /** One raw sample. */
  addSample(fp: number, t: number, v: number): void {
    this.roll(fp, bucketStart(t, this.resolutionMs));
    if (t === this.prevRawMs) return;
    this.prevRawMs = t;
    if (isStaleMarker(v)) {
      if (t > this.staleMs) this.staleMs = t;
      return;
    }
    this.addValues(1, v, v, v, v, t);
  }

  /** One row of a finer tier (its bucket lies inside one of ours). */
  addRow(fp: number, bucketMs: number, count: number, sum: number, min: number, max: number, last: number, lastMs: number, staleMs: number): void {
    this.roll(fp, bucketStart(bucketMs, this.resolutionMs));
    if (rowIsStale(count, lastMs, staleMs) && staleMs > this.staleMs) this.staleMs = staleMs;
    if (count > 0) this.addValues(count, sum, min, max, last, lastMs);
  }

  private addValues(count: number, sum: number, min: number, max: number, last: number, lastMs: number): void {
    this.count += count;
    // Neumaier-compensated, as Prometheus' sum_over_time.
    const t = this.sum + sum;
    if (!Number.isFinite(t) && !Number.isNaN(t)) this.comp = 0;
    else if (Math.abs(this.sum) >= Math.abs(sum)) this.comp += this.sum - t + sum;
    else this.comp += sum - t + this.sum;
    this.sum = t;
    if (min < this.min || Number.isNaN(this.min)) this.min = min;
    if (max > this.max || Number.isNaN(this.max)) this.max = max;
    if (lastMs >= this.lastMs) {
      this.last = last;
      this.lastMs = lastMs;
    }
  }

  /** Emits the open bucket, if any. Call once after the last input. */
  flush(): void {
    if (Number.isNaN(this.fp)) return;
    const o = this.out;
    if (this.count > 0 || this.staleMs > -Infinity) {
      o.fingerprint.push(this.fp);
      o.bucketMs.push(this.bucket);
      o.count.push(this.count);
      const finite = Number.isFinite(this.sum) || Number.isNaN(this.sum);
      o.sum.push(this.count === 0 ? NaN : finite ? this.sum + this.comp : this.sum);
      o.min.push(this.min);
      o.max.push(this.max);
      o.last.push(this.last);
      if (this.count === 0) {
        o.lastMs.push(this.staleMs);
        o.staleMs.push(this.staleMs);
      } else {
        o.lastMs.push(this.lastMs);
        o.staleMs.push(this.staleMs > this.lastMs ? this.staleMs : this.lastMs);
      }
    }
    this.fp = NaN;
    this.bucket = NaN;
    this.count = 0;
    this.sum = 0;
    this.comp = 0;
    this.min = NaN;
    this.max = NaN;
    this.last = NaN;
    this.lastMs = -Infinity;
    this.staleMs = -Infinity;
  }
}
