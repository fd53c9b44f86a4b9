// PromQL function implementations (Prometheus 2.x promql/functions.go semantics, floats only).
// Range functions get the points of one series inside one window; instant functions get the
// vectors of one evaluation step.
import { kahanSumInc, quantile, almostEqual } from './float-math.js';
import { PromQLError } from './errors.js';
import { compileAnchoredRE2 } from '../../re2.js';
import { compareLabels, compareStrings, dropMetricName, METRIC_NAME, type Labels } from './labels.js';

export interface Sample {
  metric: Labels;
  t: number;
  v: number;
  /** Matching signature for binary operators (filled when gathered for one). */
  sig?: string;
}
export type Vector = Sample[];

/**
 * The points of one series inside one step's window: indices [lo, hi) into the series' own
 * arrays (stale markers already removed), so no per-step copy is made. The engine moves lo and
 * hi forward with the step.
 */
export interface Window {
  ts: ArrayLike<number>;
  vs: ArrayLike<number>;
  lo: number;
  hi: number;
}

export interface RangeCallContext {
  /** Evaluation timestamp of the step (enh.Ts). */
  stepTs: number;
  /** Window bounds in ms after offset/@ (both inclusive in 2.x). */
  rangeStart: number;
  rangeEnd: number;
  rangeMs: number;
  /** Scalar arguments of this step, by argument index. */
  scalars: number[];
}

export type RangeFunction = (w: Window, ctx: RangeCallContext) => number | undefined;

/** The window's values as a fresh array (for functions that sort them). */
function windowValues(w: Window): number[] {
  const out = new Array<number>(w.hi - w.lo);
  for (let i = w.lo; i < w.hi; i++) out[i - w.lo] = w.vs[i]!;
  return out;
}

function extrapolatedRate(w: Window, ctx: RangeCallContext, isCounter: boolean, isRate: boolean): number | undefined {
  const { ts, vs, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return undefined;
  const first = vs[lo]!;
  let result = vs[hi - 1]! - first;
  if (isCounter) {
    let last = 0;
    for (let i = lo; i < hi; i++) {
      const v = vs[i]!;
      if (v < last) result += last;
      last = v;
    }
  }
  const firstT = ts[lo]!;
  const lastT = ts[hi - 1]!;
  let durationToStart = (firstT - ctx.rangeStart) / 1000;
  let durationToEnd = (ctx.rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter && result > 0 && first >= 0) {
    // A counter cannot go below zero: do not extrapolate past the point where it would be 0.
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  extrapolateToInterval += durationToStart;
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= ctx.rangeMs / 1000;
  return result * factor;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  const { ts, vs, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const last = vs[hi - 1]!;
  const prev = vs[hi - 2]!;
  let result = isRate && last < prev ? last : last - prev;
  const sampledInterval = ts[hi - 1]! - ts[hi - 2]!;
  if (sampledInterval === 0) return undefined;
  if (isRate) result /= sampledInterval / 1000;
  return result;
}

/** Least-squares fit with Kahan sums (promql linearRegression). */
function linearRegression(w: Window, interceptTime: number): [number, number] {
  let n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const { ts, vs, lo, hi } = w;
  const initY = vs[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vs[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (ts[i]! - interceptTime) / 1e3;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(y, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

// The Kahan steps below are kahanSumInc written out in place (same operations, same order):
// the tuple it returns is an allocation per point in the hottest loops.

function avgOverTime(w: Window): number {
  const { vs, lo, hi } = w;
  let sum = 0, mean = 0, count = 0, c = 0;
  let incremental = false;
  for (let i = lo; i < hi; i++) {
    const f = vs[i]!;
    count++;
    if (!incremental) {
      const ns = sum + f;
      let nc = c;
      if (!Number.isFinite(ns) && !Number.isNaN(ns)) nc = 0;
      else if (Math.abs(sum) >= Math.abs(f)) nc += (sum - ns) + f;
      else nc += (f - ns) + sum;
      if (count === 1 || Number.isFinite(ns) || Number.isNaN(ns)) {
        sum = ns; c = nc;
        continue;
      }
      // The sum would overflow: switch to an incremental mean from here on.
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      if (!Number.isFinite(f) && !Number.isNaN(f) && (mean > 0) === (f > 0)) continue;
      if (Number.isFinite(f)) continue;
    }
    const corrected = mean + c;
    [mean, c] = kahanSumInc(f / count - corrected / count, mean, c);
  }
  return incremental ? mean + c : (sum + c) / count;
}

function varianceOverTime(w: Window): number {
  const { vs, lo, hi } = w;
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = lo; i < hi; i++) {
    const f = vs[i]!;
    count++;
    const delta = f - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (f - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function holtWinters(w: Window, ctx: RangeCallContext): number | undefined {
  const sf = ctx.scalars[1]!;
  const tf = ctx.scalars[2]!;
  if (!(sf > 0 && sf < 1)) throw new PromQLError('execution', `invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
  if (!(tf > 0 && tf < 1)) throw new PromQLError('execution', `invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
  const { vs, lo, hi } = w;
  const l = hi - lo;
  if (l < 2) return undefined;
  let s0 = 0;
  let s1 = vs[lo]!;
  let b = vs[lo + 1]! - vs[lo]!;
  for (let i = 1; i < l; i++) {
    const x = sf * vs[lo + i]!;
    // calcTrendValue: the first step keeps the initial trend.
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

export const RANGE_FUNCTIONS: Record<string, RangeFunction> = {
  rate: (w, c) => extrapolatedRate(w, c, true, true),
  increase: (w, c) => extrapolatedRate(w, c, true, false),
  delta: (w, c) => extrapolatedRate(w, c, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  deriv: (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.ts[w.lo]!)[0]),
  predict_linear: (w, c) => {
    if (w.hi - w.lo < 2) return undefined;
    const [slope, intercept] = linearRegression(w, c.stepTs);
    return slope * c.scalars[1]! + intercept;
  },
  holt_winters: holtWinters,
  avg_over_time: (w) => (w.hi === w.lo ? undefined : avgOverTime(w)),
  sum_over_time: (w) => {
    if (w.hi === w.lo) return undefined;
    const vs = w.vs;
    let sum = 0, c = 0;
    for (let i = w.lo; i < w.hi; i++) {
      const v = vs[i]!;
      const t = sum + v;
      if (!Number.isFinite(t) && !Number.isNaN(t)) c = 0;
      else if (Math.abs(sum) >= Math.abs(v)) c += (sum - t) + v;
      else c += (v - t) + sum;
      sum = t;
    }
    return !Number.isFinite(sum) && !Number.isNaN(sum) ? sum : sum + c;
  },
  count_over_time: (w) => (w.hi === w.lo ? undefined : w.hi - w.lo),
  min_over_time: (w) => {
    if (w.hi === w.lo) return undefined;
    const vs = w.vs;
    let m = vs[w.lo]!;
    for (let i = w.lo; i < w.hi; i++) {
      const v = vs[i]!;
      if (v < m || Number.isNaN(m)) m = v;
    }
    return m;
  },
  max_over_time: (w) => {
    if (w.hi === w.lo) return undefined;
    const vs = w.vs;
    let m = vs[w.lo]!;
    for (let i = w.lo; i < w.hi; i++) {
      const v = vs[i]!;
      if (v > m || Number.isNaN(m)) m = v;
    }
    return m;
  },
  last_over_time: (w) => (w.hi === w.lo ? undefined : w.vs[w.hi - 1]),
  present_over_time: (w) => (w.hi === w.lo ? undefined : 1),
  absent_over_time: (w) => (w.hi === w.lo ? undefined : 1),
  stddev_over_time: (w) => (w.hi === w.lo ? undefined : Math.sqrt(varianceOverTime(w))),
  stdvar_over_time: (w) => (w.hi === w.lo ? undefined : varianceOverTime(w)),
  quantile_over_time: (w, c) => (w.hi === w.lo ? undefined : quantile(c.scalars[0]!, windowValues(w))),
  mad_over_time: (w) => {
    if (w.hi === w.lo) return undefined;
    const vals = windowValues(w);
    const median = quantile(0.5, vals);
    return quantile(0.5, vals.map((v) => Math.abs(v - median)));
  },
  changes: (w) => {
    if (w.hi === w.lo) return undefined;
    const vs = w.vs;
    let changes = 0;
    let prev = vs[w.lo]!;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const cur = vs[i]!;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
      prev = cur;
    }
    return changes;
  },
  resets: (w) => {
    if (w.hi === w.lo) return undefined;
    const vs = w.vs;
    let resets = 0;
    for (let i = w.lo + 1; i < w.hi; i++) if (vs[i]! < vs[i - 1]!) resets++;
    return resets;
  },
};

// ---- instant-vector functions ----

export interface CallContext {
  ts: number;
  /** Per argument: a vector (instant vector args), or a number (scalar args), or a string. */
  args: Array<Vector | number | string>;
  nargs: number;
  /**
   * Per-call memo keyed by input label objects (stable across steps): label functions derive
   * the same output labels for the same input series at every step.
   */
  memo: WeakMap<Labels, unknown>;
}

function memoized<T>(memo: WeakMap<Labels, unknown>, l: Labels, make: () => T): T {
  let v = memo.get(l) as T | undefined;
  if (v === undefined) {
    v = make();
    memo.set(l, v);
  }
  return v;
}

export type InstantFunction = (ctx: CallContext) => Vector;

function simple(f: (v: number) => number): InstantFunction {
  return ({ args }) => (args[0] as Vector).map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: f(s.v) }));
}

function dateFn(f: (d: Date) => number): InstantFunction {
  return ({ args, nargs, ts }) => {
    if (nargs === 0) return [{ metric: {}, t: ts, v: f(new Date(Math.floor(ts / 1000) * 1000)) }];
    return (args[0] as Vector).map((s) => ({
      metric: dropMetricName(s.metric),
      t: s.t,
      // Go: time.Unix(int64(el.F), 0): truncation toward zero; NaN/Inf give garbage in Go,
      // here they give NaN.
      v: Number.isFinite(s.v) ? f(new Date(Math.trunc(s.v) * 1000)) : NaN,
    }));
  };
}

function daysInMonth(d: Date): number {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1;
}

/** Go regexp Expand: $1, ${1}, $name, ${name}, $$. */
function expandTemplate(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$' || i + 1 >= template.length) { out += c; continue; }
    if (template[i + 1] === '$') { out += '$'; i++; continue; }
    let name: string;
    let end: number;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      if (close < 0) { out += c; continue; }
      name = template.slice(i + 2, close);
      end = close;
      if (!/^[A-Za-z0-9_]+$/.test(name)) { out += c; continue; }
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!mm) { out += c; continue; }
      name = mm[0];
      end = i + name.length;
    }
    if (/^\d+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
    i = end;
  }
  return out;
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function setLabel(l: Labels, name: string, value: string): Labels {
  const out: Record<string, string> = { ...l };
  if (value === '') delete out[name];
  else out[name] = value;
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(out).sort(compareStrings)) sorted[k] = out[k]!;
  return sorted;
}

function labelReplace({ args, memo }: CallContext): Vector {
  const [vec, dst, repl, src, regex] = args as [Vector, string, string, string, string];
  let re: RegExp;
  try {
    re = compileAnchoredRE2(regex);
  } catch (err) {
    throw new PromQLError('execution', `invalid regular expression in label_replace(): ${regex}`);
  }
  if (!LABEL_NAME_RE.test(dst)) throw new PromQLError('execution', `invalid destination label name in label_replace(): ${dst}`);
  return vec.map((s) => {
    const metric = memoized(memo, s.metric, () => {
      const m = re.exec(s.metric[src] ?? '');
      return m ? setLabel(s.metric, dst, expandTemplate(repl, m)) : s.metric;
    });
    return metric === s.metric ? s : { ...s, metric };
  });
}

function labelJoin({ args, memo }: CallContext): Vector {
  const vec = args[0] as Vector;
  const dst = args[1] as string;
  const sep = args[2] as string;
  const srcs = args.slice(3) as string[];
  for (const s of srcs) {
    if (!LABEL_NAME_RE.test(s)) throw new PromQLError('execution', `invalid source label name in label_join(): ${s}`);
  }
  if (!LABEL_NAME_RE.test(dst)) throw new PromQLError('execution', `invalid destination label name in label_join(): ${dst}`);
  return vec.map((s) => ({ ...s, metric: memoized(memo, s.metric, () => setLabel(s.metric, dst, srcs.map((n) => s.metric[n] ?? '').join(sep))) }));
}

/** Natural order like github.com/facette/natsort (digit runs compare numerically). */
function natLess(a: string, b: string): boolean {
  const chunk = /(\d+|\D+)/g;
  const ca = a.match(chunk) ?? [];
  const cb = b.match(chunk) ?? [];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!, y = cb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x), dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = Number(x), ny = Number(y);
      if (nx !== ny) return nx < ny;
      return x < y;
    }
    return x < y;
  }
  return ca.length < cb.length;
}

function sortByLabel(desc: boolean): InstantFunction {
  return ({ args }) => {
    const vec = [...(args[0] as Vector)];
    const names = args.slice(1) as string[];
    vec.sort((a, b) => {
      for (const n of names) {
        const x = a.metric[n] ?? '', y = b.metric[n] ?? '';
        if (x === y) continue;
        const r = natLess(x, y) ? -1 : 1;
        return desc ? -r : r;
      }
      const r = compareLabels(a.metric, b.metric);
      return desc ? -r : r;
    });
    return vec;
  };
}

interface Bucket { upperBound: number; count: number }

/** Classic-histogram quantile (promql bucketQuantile). */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  buckets.sort((a, b) => a.upperBound - b.upperBound);
  if (buckets[buckets.length - 1]!.upperBound !== Infinity) return NaN;
  // coalesceBuckets: sum counts of identical bounds.
  const co: Bucket[] = [];
  for (const b of buckets) {
    const last = co[co.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else co.push({ ...b });
  }
  // ensureMonotonicAndIgnoreSmallDeltas
  let prev = co[0]!.count;
  for (let i = 1; i < co.length; i++) {
    const curr = co[i]!.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, 1e-12)) { co[i]!.count = prev; continue; }
    if (curr < prev) { co[i]!.count = prev; continue; }
    prev = curr;
  }
  if (co.length < 2) return NaN;
  const observations = co[co.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = 0;
  while (b < co.length - 1 && !(co[b]!.count >= rank)) b++;
  if (b === co.length - 1) return co[co.length - 2]!.upperBound;
  if (b === 0 && co[0]!.upperBound <= 0) return co[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = co[b]!.upperBound;
  let count = co[b]!.count;
  if (b > 0) {
    bucketStart = co[b - 1]!.upperBound;
    count -= co[b - 1]!.count;
    rank -= co[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

function parseGoFloat(s: string): number | undefined {
  const t = s.trim();
  if (t !== s || t === '') return undefined;
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (/^[+-]?(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[+-]?0[xX]/.test(t)) { const n = Number(t); return Number.isNaN(n) ? undefined : n; }
  return undefined;
}

function histogramQuantile({ args, memo }: CallContext): Vector {
  const q = args[0] as number;
  const vec = args[1] as Vector;
  const groups = new Map<string, { metric: Labels; buckets: Bucket[]; t: number }>();
  for (const s of vec) {
    // Bucket bound, grouping key (all labels but le) and output labels, once per series.
    const info = memoized(memo, s.metric, () => {
      const ub = parseGoFloat(s.metric['le'] ?? '');
      const key = Object.keys(s.metric).filter((k) => k !== 'le').sort(compareStrings).map((k) => `${k}\xfe${s.metric[k]}`).join('\xff');
      const metric: Record<string, string> = {};
      for (const k of Object.keys(s.metric)) if (k !== 'le' && k !== METRIC_NAME) metric[k] = s.metric[k]!;
      return { ub, key, metric: metric as Labels };
    });
    if (info.ub === undefined) continue;
    let g = groups.get(info.key);
    if (!g) {
      g = { metric: info.metric, buckets: [], t: s.t };
      groups.set(info.key, g);
    }
    g.buckets.push({ upperBound: info.ub, count: s.v });
  }
  const out: Vector = [];
  for (const g of groups.values()) {
    if (g.buckets.length > 0) out.push({ metric: g.metric, t: g.t, v: bucketQuantile(q, g.buckets) });
  }
  return out;
}

/** sort / sort_desc put NaN last in both directions. */
function sortByValue(desc: boolean): InstantFunction {
  return ({ args }) => {
    const vec = [...(args[0] as Vector)];
    vec.sort((a, b) => {
      const an = Number.isNaN(a.v), bn = Number.isNaN(b.v);
      if (an || bn) return an === bn ? 0 : an ? 1 : -1;
      return desc ? b.v - a.v : a.v - b.v;
    });
    return vec;
  };
}

export const INSTANT_FUNCTIONS: Record<string, InstantFunction> = {
  abs: simple(Math.abs),
  ceil: simple(Math.ceil),
  floor: simple(Math.floor),
  exp: simple(Math.exp),
  sqrt: simple(Math.sqrt),
  ln: simple(Math.log),
  log2: simple(Math.log2),
  log10: simple(Math.log10),
  sin: simple(Math.sin), cos: simple(Math.cos), tan: simple(Math.tan),
  asin: simple(Math.asin), acos: simple(Math.acos), atan: simple(Math.atan),
  sinh: simple(Math.sinh), cosh: simple(Math.cosh), tanh: simple(Math.tanh),
  asinh: simple(Math.asinh), acosh: simple(Math.acosh), atanh: simple(Math.atanh),
  deg: simple((v) => (v * 180) / Math.PI),
  rad: simple((v) => (v * Math.PI) / 180),
  sgn: simple((v) => (v < 0 ? -1 : v > 0 ? 1 : v)),
  pi: ({ ts }) => [{ metric: {}, t: ts, v: Math.PI }],
  time: ({ ts }) => [{ metric: {}, t: ts, v: ts / 1000 }],
  vector: ({ args, ts }) => [{ metric: {}, t: ts, v: args[0] as number }],
  scalar: ({ args, ts }) => {
    const v = args[0] as Vector;
    return [{ metric: {}, t: ts, v: v.length === 1 ? v[0]!.v : NaN }];
  },
  timestamp: ({ args }) => (args[0] as Vector).map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: s.t / 1000 })),
  clamp: ({ args }) => {
    const [vec, min, max] = args as [Vector, number, number];
    if (max < min) return [];
    return vec.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: Math.max(min, Math.min(max, s.v)) }));
  },
  clamp_max: ({ args }) => {
    const [vec, max] = args as [Vector, number];
    return vec.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: Math.min(max, s.v) }));
  },
  clamp_min: ({ args }) => {
    const [vec, min] = args as [Vector, number];
    return vec.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: Math.max(min, s.v) }));
  },
  round: ({ args, nargs }) => {
    const vec = args[0] as Vector;
    const toNearest = nargs >= 2 ? (args[1] as number) : 1;
    const inv = 1 / toNearest;
    return vec.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: Math.floor(s.v * inv + 0.5) / inv }));
  },
  absent: ({ args, ts }) => ((args[0] as Vector).length > 0 ? [] : [{ metric: {}, t: ts, v: 1 }]),
  sort: sortByValue(false),
  sort_desc: sortByValue(true),
  sort_by_label: sortByLabel(false),
  sort_by_label_desc: sortByLabel(true),
  label_replace: labelReplace,
  label_join: labelJoin,
  histogram_quantile: histogramQuantile,
  // Only native histograms carry these values; float samples are ignored (Prometheus does
  // the same), and Sightline's PromQL has no native histogram samples.
  histogram_count: () => [],
  histogram_sum: () => [],
  histogram_avg: () => [],
  histogram_stddev: () => [],
  histogram_stdvar: () => [],
  histogram_fraction: () => [],
  minute: dateFn((d) => d.getUTCMinutes()),
  hour: dateFn((d) => d.getUTCHours()),
  month: dateFn((d) => d.getUTCMonth() + 1),
  year: dateFn((d) => d.getUTCFullYear()),
  day_of_month: dateFn((d) => d.getUTCDate()),
  day_of_week: dateFn((d) => d.getUTCDay()),
  day_of_year: dateFn(dayOfYear),
  days_in_month: dateFn(daysInMonth),
};


