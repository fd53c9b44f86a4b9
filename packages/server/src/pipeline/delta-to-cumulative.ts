// Delta temporality -> cumulative, so delta sums and histograms become Prometheus counters and
// histograms that rate() and histogram_quantile() understand (the OTel Prometheus
// compatibility spec allows this conversion; the alternative is dropping delta data).
//
// State is per (tenant, series fingerprint): the running total, the start of the accumulation
// and the end time of the last delta folded in. A delta point continues the series when its
// start time equals the last point's time (or is unknown, 0). Any other start time means a
// gap (lost data) or an overlap (restarted producer), and the series restarts from that point,
// which Prometheus reads as a counter reset. A point not newer than the last one is a
// duplicate or arrived out of order and is dropped (the caller counts it as rejected).
//
// The map is bounded: past maxSeries entries the least recently updated series is forgotten
// (its next delta restarts it). Times are nanoseconds as doubles: exact equality of the same
// wire value is all the contiguity check needs.

export interface DeltaToCumulativeOptions {
  /** Series remembered at most; the least recently updated is evicted beyond it. Default 100,000. */
  maxSeries?: number;
}

export const DELTA_TO_CUMULATIVE_DEFAULTS: Required<DeltaToCumulativeOptions> = {
  maxSeries: 100_000,
};

export interface SumState {
  readonly kind: 'sum';
  /** Start of the accumulation (ns). */
  startNs: number;
  /** Time of the last delta folded in (ns). */
  lastNs: number;
  value: number;
}

export interface HistogramState {
  readonly kind: 'histogram';
  startNs: number;
  lastNs: number;
  bounds: number[];
  counts: number[];
  count: number;
  sum: number;
}

export interface ExpBuckets {
  offset: number;
  counts: number[];
}

export interface ExpHistogramState {
  readonly kind: 'exphistogram';
  startNs: number;
  lastNs: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExpBuckets;
  negative: ExpBuckets;
}

export interface ExpHistogramDelta {
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExpBuckets;
  negative: ExpBuckets;
}

type State = SumState | HistogramState | ExpHistogramState;

/** Buckets one exponential histogram may span after merging before it is downscaled. */
const MAX_EXP_BUCKETS = 160;

export class DeltaToCumulative {
  private readonly maxSeries: number;
  private readonly states = new Map<string, State>();

  constructor(options: DeltaToCumulativeOptions = {}) {
    this.maxSeries = options.maxSeries ?? DELTA_TO_CUMULATIVE_DEFAULTS.maxSeries;
    if (!(this.maxSeries >= 1)) throw new RangeError('DeltaToCumulative: maxSeries must be at least 1');
  }

  /** Series currently remembered. */
  get size(): number {
    return this.states.size;
  }

  /**
   * Folds a delta sum point into its series. Returns the series state (read `value` and
   * `startNs` right away; it is updated in place by later calls), or null to drop the point.
   */
  sum(tenant: string, fingerprint: number, startNs: number, timeNs: number, value: number): Readonly<SumState> | null {
    const key = stateKey(tenant, fingerprint);
    const prev = this.states.get(key);
    if (prev !== undefined && prev.kind === 'sum') {
      const step = continuation(prev, startNs, timeNs);
      if (step === DROP) return null;
      this.touch(key, prev);
      prev.lastNs = timeNs;
      if (step === CONTINUE) {
        prev.value += value;
      } else {
        prev.startNs = startNs;
        prev.value = value;
      }
      return prev;
    }
    const state: SumState = { kind: 'sum', startNs, lastNs: timeNs, value };
    this.insert(key, state);
    return state;
  }

  /** Folds a delta explicit-bucket histogram point; bucket layout changes restart the series. */
  histogram(
    tenant: string,
    fingerprint: number,
    startNs: number,
    timeNs: number,
    bounds: readonly number[],
    counts: readonly number[],
    count: number,
    sum: number,
  ): Readonly<HistogramState> | null {
    const key = stateKey(tenant, fingerprint);
    const prev = this.states.get(key);
    if (prev !== undefined && prev.kind === 'histogram') {
      const step = continuation(prev, startNs, timeNs);
      if (step === DROP) return null;
      this.touch(key, prev);
      prev.lastNs = timeNs;
      if (step === CONTINUE && sameNumbers(prev.bounds, bounds) && prev.counts.length === counts.length) {
        for (let i = 0; i < counts.length; i++) prev.counts[i] += counts[i];
        prev.count += count;
        prev.sum += sum;
      } else {
        prev.startNs = startNs;
        prev.bounds = bounds.slice();
        prev.counts = counts.slice();
        prev.count = count;
        prev.sum = sum;
      }
      return prev;
    }
    const state: HistogramState = { kind: 'histogram', startNs, lastNs: timeNs, bounds: bounds.slice(), counts: counts.slice(), count, sum };
    this.insert(key, state);
    return state;
  }

  /**
   * Folds a delta exponential histogram point. Different scales merge at the coarser one
   * (each step down halves the resolution, as the SDK's own merge does); a changed zero
   * threshold restarts the series.
   */
  expHistogram(tenant: string, fingerprint: number, startNs: number, timeNs: number, point: ExpHistogramDelta): Readonly<ExpHistogramState> | null {
    const key = stateKey(tenant, fingerprint);
    const prev = this.states.get(key);
    if (prev !== undefined && prev.kind === 'exphistogram') {
      const step = continuation(prev, startNs, timeNs);
      if (step === DROP) return null;
      this.touch(key, prev);
      prev.lastNs = timeNs;
      if (step === CONTINUE && prev.zeroThreshold === point.zeroThreshold) {
        mergeExp(prev, point);
      } else {
        Object.assign(prev, copyExp(point), { startNs });
      }
      return prev;
    }
    const state: ExpHistogramState = { kind: 'exphistogram', startNs, lastNs: timeNs, ...copyExp(point) };
    this.insert(key, state);
    return state;
  }

  private touch(key: string, state: State): void {
    // Re-inserting moves the key to the end of the Map's order: the Map is the LRU list.
    this.states.delete(key);
    this.states.set(key, state);
  }

  private insert(key: string, state: State): void {
    this.states.delete(key);
    this.states.set(key, state);
    while (this.states.size > this.maxSeries) {
      const oldest = this.states.keys().next().value as string;
      this.states.delete(oldest);
    }
  }
}

const CONTINUE = 0;
const RESTART = 1;
const DROP = 2;

function continuation(prev: { lastNs: number }, startNs: number, timeNs: number): number {
  if (timeNs <= prev.lastNs) return DROP;
  if (startNs === 0 || startNs === prev.lastNs) return CONTINUE;
  return RESTART;
}

function stateKey(tenant: string, fingerprint: number): string {
  return `${tenant}\u0000${fingerprint}`;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function copyExp(p: ExpHistogramDelta): ExpHistogramDelta {
  return {
    count: p.count,
    sum: p.sum,
    min: p.min,
    max: p.max,
    scale: p.scale,
    zeroCount: p.zeroCount,
    zeroThreshold: p.zeroThreshold,
    positive: { offset: p.positive.offset, counts: p.positive.counts.slice() },
    negative: { offset: p.negative.offset, counts: p.negative.counts.slice() },
  };
}

function mergeExp(into: ExpHistogramState, p: ExpHistogramDelta): void {
  let scale = Math.min(into.scale, p.scale);
  // Downscale further until both bucket ranges fit in one bounded array.
  while (scale > -10 && (span(into.positive, into.scale, p.positive, p.scale, scale) > MAX_EXP_BUCKETS || span(into.negative, into.scale, p.negative, p.scale, scale) > MAX_EXP_BUCKETS)) {
    scale--;
  }
  into.positive = mergeBuckets(into.positive, into.scale, p.positive, p.scale, scale);
  into.negative = mergeBuckets(into.negative, into.scale, p.negative, p.scale, scale);
  into.scale = scale;
  into.count += p.count;
  into.sum += p.sum;
  into.zeroCount += p.zeroCount;
  into.min = into.min === null ? p.min : p.min === null ? into.min : Math.min(into.min, p.min);
  into.max = into.max === null ? p.max : p.max === null ? into.max : Math.max(into.max, p.max);
}

/** Number of buckets needed to hold both bucket sets at the target scale. */
function span(a: ExpBuckets, aScale: number, b: ExpBuckets, bScale: number, scale: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const [bk, s] of [
    [a, aScale],
    [b, bScale],
  ] as const) {
    if (bk.counts.length === 0) continue;
    const shift = s - scale;
    lo = Math.min(lo, bk.offset >> shift);
    hi = Math.max(hi, (bk.offset + bk.counts.length - 1) >> shift);
  }
  return hi < lo ? 0 : hi - lo + 1;
}

function mergeBuckets(a: ExpBuckets, aScale: number, b: ExpBuckets, bScale: number, scale: number): ExpBuckets {
  const n = span(a, aScale, b, bScale, scale);
  if (n === 0) return { offset: 0, counts: [] };
  let lo = Infinity;
  if (a.counts.length > 0) lo = Math.min(lo, a.offset >> (aScale - scale));
  if (b.counts.length > 0) lo = Math.min(lo, b.offset >> (bScale - scale));
  const counts = new Array<number>(n).fill(0);
  for (const [bk, s] of [
    [a, aScale],
    [b, bScale],
  ] as const) {
    const shift = s - scale;
    for (let i = 0; i < bk.counts.length; i++) counts[((bk.offset + i) >> shift) - lo] += bk.counts[i];
  }
  return { offset: lo, counts };
}
