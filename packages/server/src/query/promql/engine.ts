// The evaluator: Prometheus 2.x engine semantics over a SeriesSource. Data for every selector
// is fetched up front (one select per selector, for exactly the time window the expression
// needs), then evaluation is synchronous and step-wise like promql/engine.go: every node
// yields a matrix whose points sit on the evaluation steps, and operators run per step on the
// vectors gathered from their arguments (rangeEval), which is what makes duplicate-labelset
// and matching errors appear exactly where Prometheus reports them.
import {
  exprType,
  type AggregateExpr, type AtModifier, type BinaryExpr, type Call, type Expr, type LabelMatcher,
  type MatrixSelector, type SubqueryExpr, type VectorSelector,
} from './ast.js';
import { PromQLError } from './errors.js';
import { formatGoFloat, formatPromFloat } from './format.js';
import { goPow, isStaleNaN, kahanSumInc, quantile } from './float-math.js';
import {
  INSTANT_FUNCTIONS, RANGE_FUNCTIONS,
  type RangeCallContext, type Sample, type Vector, type Window,
} from './functions.js';
import {
  compareLabels, compareStrings, dropMetricName, labelsKey, labelsToString, METRIC_NAME, signatureOn,
  signatureWithout, sortedKeys, type Labels,
} from './labels.js';
import { isComparisonOp, parsePromQL } from './parser.js';
import { xxhash64 } from './xxhash64.js';

export type { LabelMatcher } from './ast.js';

export interface PromEngineOptions {
  /** How far back an instant selector looks for the latest sample. Default 300000 (5m). */
  lookbackDeltaMs?: number;
  /** Most samples one query may hold in memory at once. Default 50_000_000. */
  maxSamples?: number;
  /** Evaluation deadline per query. Default 120000. */
  timeoutMs?: number;
  /**
   * Step of subqueries written without one (`x[5m:]`): Prometheus uses the global evaluation
   * interval. Default 60000.
   */
  noStepSubqueryIntervalMs?: number;
  /**
   * Rollup tiers: 'fallback' (default) reads a tier only where the window's raw samples are gone
   * (older than raw retention); 'auto' reads the coarsest tier that fits the step wherever one
   * is built (faster long-range queries, approximate answers); 'raw' never reads a tier.
   */
  tier?: 'fallback' | 'auto' | 'raw';
}

export type PromValue = [number, string];

export type PromResult =
  | { resultType: 'vector'; result: Array<{ metric: Record<string, string>; value: PromValue }> }
  | { resultType: 'matrix'; result: Array<{ metric: Record<string, string>; values: PromValue[] }> }
  | { resultType: 'scalar'; result: PromValue }
  | { resultType: 'string'; result: PromValue };

/**
 * What a selector's consumer needs, so a source may answer from a rollup tier (one point per
 * bucket at the bucket's last sample, valued by `aggregate`). 'raw' asks for raw samples
 * unless the raw data of the window is gone.
 */
export interface SelectHint {
  /** Step of the evaluation that reads the selector; absent for instant queries. */
  stepMs?: number;
  /** Range of a range selector; absent for instant-vector selectors. */
  rangeMs?: number;
  /** Lookback of an instant-vector selector. */
  lookbackMs?: number;
  aggregate: 'last' | 'min' | 'max' | 'sum' | 'count' | 'avg' | 'raw';
  /** Points per range the function needs (2 for rate() and its kin). */
  minPoints: number;
  /** Read raw samples only. */
  forceRaw?: boolean;
  /** Read a tier only where the window's raw samples are gone (the default query mode). */
  onlyWhereRawGone?: boolean;
}

export interface SelectedSeries {
  labels: Record<string, string>;
  timestampsMs: Float64Array | number[];
  values: Float64Array | number[];
  /** Sample counts per point when values are per-bucket sums (aggregate 'avg'). */
  counts?: Float64Array | number[];
}

export interface SeriesSource {
  /**
   * A plain array is raw samples. The object form says what was read (`tiers`, e.g.
   * ['1h', 'raw']) and whether values are per-bucket aggregates as the hint asked.
   */
  select(
    tenant: string,
    matchers: LabelMatcher[],
    startMs: number,
    endMs: number,
    hint?: SelectHint,
  ): Promise<SelectedSeries[] | { series: SelectedSeries[]; tiers: string[]; aggregated: boolean }>;
}

export interface QueryStats {
  /** Raw samples fetched from the source. */
  samplesLoaded: number;
  seriesFetched: number;
  /** Largest number of samples held at once during evaluation (approximate). */
  peakSamples: number;
  evalMs: number;
  /** Where samples came from: 'raw' and/or rollup tiers ('1m', '5m', '1h'), sorted. */
  tiers: string[];
}

export interface PromEngine {
  instant(tenant: string, expr: string, timeMs: number): Promise<PromResult & { stats?: QueryStats }>;
  range(tenant: string, expr: string, startMs: number, endMs: number, stepMs: number): Promise<PromResult & { stats?: QueryStats }>;
}

interface RawSeries {
  metric: Labels;
  ts: ArrayLike<number>;
  vs: ArrayLike<number>;
  /** Per-point sample counts: values are per-bucket sums (rollup tier read for avg_over_time). */
  cs?: ArrayLike<number>;
}

/** A series of evaluated points, one per step at most. */
interface Series {
  metric: Labels;
  ts: number[];
  vs: number[];
}

interface Steps {
  start: number;
  end: number;
  interval: number;
}

const DEFAULTS = {
  lookbackDeltaMs: 300_000,
  maxSamples: 50_000_000,
  timeoutMs: 120_000,
  noStepSubqueryIntervalMs: 60_000,
  tier: 'fallback' as 'fallback' | 'auto' | 'raw',
};

function tooManySamples(): never {
  throw new PromQLError('execution', 'query processing would load too many samples into memory in query execution');
}

function unwrapParens(e: Expr): Expr {
  while (e.kind === 'ParenExpr') e = e.expr;
  return e;
}

/** First index with a[i] > x. */
function upperBound(a: ArrayLike<number>, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] >= x. */
function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The series without its stale markers (range functions never see them), copied only when it
 * has any: windows are then plain index ranges of the result.
 */
function withoutStaleMarkers(r: RawSeries): RawSeries {
  const vs = r.vs;
  const n = vs.length;
  let stale = 0;
  for (let i = 0; i < n; i++) if (vs[i] !== vs[i] && isStaleNaN(vs[i]!)) stale++;
  if (stale === 0) return r;
  const m = n - stale;
  const ts = new Float64Array(m);
  const out = new Float64Array(m);
  const cs = r.cs ? new Float64Array(m) : undefined;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const v = vs[i]!;
    if (v !== v && isStaleNaN(v)) continue;
    ts[j] = r.ts[i]!;
    out[j] = v;
    if (cs) cs[j] = r.cs![i]!;
    j++;
  }
  return cs ? { metric: r.metric, ts, vs: out, cs } : { metric: r.metric, ts, vs: out };
}

/** Aggregations folded group by group (Evaluator.aggregateByGroup); the others go step by step. */
const SERIES_MAJOR_AGGREGATIONS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar']);

/**
 * Sorts series by labels.Compare order. Each label set is flattened once to [name, value, ...]
 * so the O(n log n) comparisons touch plain arrays only (no per-comparison key lookups).
 */
function sortByLabels(raws: RawSeries[]): void {
  const items = raws.map((r) => {
    const f: string[] = [];
    for (const k of sortedKeys(r.metric)) f.push(k, r.metric[k]!);
    return { r, f };
  });
  items.sort((x, y) => {
    const a = x.f;
    const b = y.f;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const p = a[i]!, q = b[i]!;
      if (p !== q) return p < q ? -1 : 1;
    }
    return a.length - b.length;
  });
  for (let i = 0; i < items.length; i++) raws[i] = items[i]!.r;
}

function stepCount(s: Steps): number {
  return Math.floor((s.end - s.start) / s.interval) + 1;
}

/** Go int64(x) conversion check (topk/bottomk parameter). */
function convertibleToInt64(v: number): boolean {
  return v <= 9223372036854775807 && v >= -9223372036854775808;
}

/** Range functions whose points aggregateRangeCall folds straight into groups (one argument). */
const FUSABLE_RANGE_FUNCTIONS = new Set([
  'rate', 'increase', 'delta', 'irate', 'idelta', 'deriv', 'changes', 'resets',
  'avg_over_time', 'sum_over_time', 'count_over_time', 'min_over_time', 'max_over_time',
  'last_over_time', 'present_over_time', 'stddev_over_time', 'stdvar_over_time', 'mad_over_time',
]);
/** Groups x steps accumulator cells the fused form may allocate (5 arrays of them). */
const MAX_FUSED_CELLS = 2_000_000;

/** Receives a range call's points series by series instead of an output series per input. */
interface RangeCallSink {
  begin(seriesIndex: number): void;
  point(step: number, v: number): void;
  end(seriesIndex: number, metric: Labels, points: number): void;
}

/**
 * Per-cell state of the aggregations sum/avg/count/min/max/group/stddev/stdvar (a cell is one
 * step of one group), folded exactly as the step-by-step form folds a group at one step.
 */
class StepFold {
  readonly seen: Uint8Array;
  readonly value: Float64Array;
  readonly comp: Float64Array;
  readonly mean: Float64Array;
  readonly count: Float64Array;
  readonly incremental: Uint8Array;

  constructor(readonly op: string, cells: number) {
    this.seen = new Uint8Array(cells);
    this.value = new Float64Array(cells);
    this.comp = new Float64Array(cells);
    this.mean = new Float64Array(cells);
    this.count = new Float64Array(cells);
    this.incremental = new Uint8Array(cells);
  }

  add(k: number, f: number): void {
    const op = this.op;
    const value = this.value, comp = this.comp, mean = this.mean, count = this.count;
    if (!this.seen[k]) {
      this.seen[k] = 1;
      value[k] = f; mean[k] = f; comp[k] = 0; count[k] = 1; this.incremental[k] = 0;
      if (op === 'stddev' || op === 'stdvar') value[k] = 0;
      else if (op === 'group') value[k] = 1;
      return;
    }
    switch (op) {
      case 'sum': {
        // kahanSumInc written out (no tuple per point).
        const sum = value[k]!;
        const t = sum + f;
        if (!Number.isFinite(t) && !Number.isNaN(t)) comp[k] = 0;
        else if (Math.abs(sum) >= Math.abs(f)) comp[k] += (sum - t) + f;
        else comp[k] += (f - t) + sum;
        value[k] = t;
        break;
      }
      case 'avg': {
        const cnt = ++count[k]!;
        if (!this.incremental[k]) {
          const [nv, nc] = kahanSumInc(f, value[k]!, comp[k]!);
          if (Number.isFinite(nv) || Number.isNaN(nv)) {
            value[k] = nv; comp[k] = nc;
            break;
          }
          // The sum would overflow: continue with an incremental mean.
          this.incremental[k] = 1;
          mean[k] = value[k]! / (cnt - 1);
          comp[k] = comp[k]! / (cnt - 1);
        }
        const mk = mean[k]!;
        if (!Number.isFinite(mk) && !Number.isNaN(mk)) {
          if (!Number.isFinite(f) && !Number.isNaN(f) && (mk > 0) === (f > 0)) break;
          if (Number.isFinite(f)) break;
        }
        const current = mk + comp[k]!;
        const [nm, nc] = kahanSumInc(f / cnt - current / cnt, mk, comp[k]!);
        mean[k] = nm; comp[k] = nc;
        break;
      }
      case 'max':
        if (value[k]! < f || Number.isNaN(value[k]!)) value[k] = f;
        break;
      case 'min':
        if (value[k]! > f || Number.isNaN(value[k]!)) value[k] = f;
        break;
      case 'count':
        count[k]!++;
        break;
      case 'stddev':
      case 'stdvar': {
        const cnt = ++count[k]!;
        const delta = f - mean[k]!;
        mean[k] = mean[k]! + delta / cnt;
        value[k] = value[k]! + delta * (f - mean[k]!);
        break;
      }
      case 'group':
        break;
    }
  }

  /** Appends the points of cells [base, base + n) that saw a value, as steps of `s`. */
  emit(base: number, n: number, s: Steps, ts: number[], vs: number[]): void {
    const op = this.op;
    for (let i = 0; i < n; i++) {
      const k = base + i;
      if (!this.seen[k]) continue;
      let v: number;
      switch (op) {
        case 'avg': v = this.incremental[k] ? this.mean[k]! + this.comp[k]! : (this.value[k]! + this.comp[k]!) / this.count[k]!; break;
        case 'count': v = this.count[k]!; break;
        case 'stdvar': v = this.value[k]! / this.count[k]!; break;
        case 'stddev': v = Math.sqrt(this.value[k]! / this.count[k]!); break;
        case 'sum': v = this.value[k]! + this.comp[k]!; break;
        default: v = this.value[k]!;
      }
      ts.push(s.start + i * s.interval);
      vs.push(v);
    }
  }
}

class Evaluator {
  currentSamples = 0;
  peakSamples = 0;
  /** Selectors whose points are rollup aggregates, by aggregate. */
  readonly aggregated = new Map<VectorSelector, SelectHint['aggregate']>();

  constructor(
    readonly data: Map<VectorSelector, RawSeries[]>,
    readonly queryStart: number,
    readonly queryEnd: number,
    readonly lookback: number,
    readonly maxSamples: number,
    readonly deadline: number,
    readonly noStepSubqueryInterval: number,
  ) {}

  checkDeadline(): void {
    if (Date.now() > this.deadline) throw new PromQLError('timeout', 'query timed out in expression evaluation');
  }

  account(n: number): void {
    this.currentSamples += n;
    if (this.currentSamples > this.peakSamples) this.peakSamples = this.currentSamples;
    if (this.currentSamples > this.maxSamples) tooManySamples();
  }

  resolveAt(at: AtModifier | undefined): number | undefined {
    if (at === undefined) return undefined;
    if (at === 'start') return this.queryStart;
    if (at === 'end') return this.queryEnd;
    return at;
  }

  /**
   * Evaluates an expression of type scalar or instant vector over the steps. Once a node is
   * done, only its output stays in memory: the samples of its inputs are released from the
   * count, as engine.go does with originalNumSamples + mat.TotalSamples().
   */
  eval(e: Expr, s: Steps): Series[] {
    const before = this.currentSamples;
    const out = this.evalNode(e, s);
    let held = 0;
    for (const x of out) held += x.ts.length;
    this.currentSamples = before + held;
    if (this.currentSamples > this.peakSamples) this.peakSamples = this.currentSamples;
    if (this.currentSamples > this.maxSamples) tooManySamples();
    return out;
  }

  private evalNode(e: Expr, s: Steps): Series[] {
    this.checkDeadline();
    switch (e.kind) {
      case 'NumberLiteral':
        return [this.constantSeries(e.value, s)];
      case 'ParenExpr':
        return this.eval(e.expr, s);
      case 'UnaryExpr': {
        const inner = this.eval(e.expr, s);
        if (e.op === '+') return inner;
        const out = inner.map((x) => ({ metric: dropMetricName(x.metric), ts: x.ts, vs: x.vs.map((v) => -v) }));
        this.checkNoDuplicateSeries(out);
        return out;
      }
      case 'VectorSelector':
        return this.evalVectorSelector(e, s, false);
      case 'BinaryExpr':
        return this.evalBinary(e, s);
      case 'AggregateExpr':
        return this.evalAggregate(e, s);
      case 'Call':
        return this.evalCall(e, s);
      case 'StringLiteral':
      case 'MatrixSelector':
      case 'SubqueryExpr':
        throw new PromQLError('internal', `unexpected ${e.kind} in instant evaluation`);
    }
  }

  constantSeries(v: number, s: Steps): Series {
    const n = stepCount(s);
    const ts = new Array<number>(n);
    const vs = new Array<number>(n).fill(v);
    for (let i = 0; i < n; i++) ts[i] = s.start + i * s.interval;
    this.account(n);
    return { metric: {}, ts, vs };
  }

  checkNoDuplicateSeries(series: Series[]): void {
    const seen = new Set<string>();
    for (const x of series) {
      const k = labelsKey(x.metric);
      if (seen.has(k)) throw new PromQLError('execution', 'vector cannot contain metrics with the same labelset');
      seen.add(k);
    }
  }

  evalVectorSelector(sel: VectorSelector, s: Steps, timestamps: boolean): Series[] {
    const raw = this.data.get(sel) ?? [];
    const at = this.resolveAt(sel.at);
    const out: Series[] = [];
    for (const r of raw) {
      const ts: number[] = [];
      const vs: number[] = [];
      const rts = r.ts;
      const len = rts.length;
      // First index after the reference time; the reference only moves forward with the step.
      let p = 0;
      for (let t = s.start; t <= s.end; t += s.interval) {
        const ref = (at ?? t) - sel.offsetMs;
        while (p < len && rts[p]! <= ref) p++;
        const j = p - 1;
        if (j < 0) continue;
        const st = rts[j]!;
        if (st < ref - this.lookback) continue;
        const v = r.vs[j]!;
        if (isStaleNaN(v)) continue;
        ts.push(t);
        vs.push(timestamps ? st / 1000 : v);
      }
      if (ts.length > 0) {
        this.account(ts.length);
        out.push({ metric: timestamps ? dropMetricName(r.metric) : r.metric, ts, vs });
      }
    }
    if (timestamps) this.checkNoDuplicateSeries(out);
    return out;
  }

  /**
   * The generic per-step combinator (engine.go rangeEval): gathers each argument's vector at
   * every step, calls `fn`, and assembles output series; duplicate output labelsets within
   * one step are an error.
   */
  rangeEval(s: Steps, args: Series[][], fn: (vecs: Vector[], ts: number) => Vector, sigs?: Array<string[] | undefined>): Series[] {
    const cursors = args.map((m) => new Array<number>(m.length).fill(0));
    const byKey = new Map<string, Series & { lastTs: number }>();
    const order: Array<Series & { lastTs: number }> = [];
    const base = this.currentSamples;
    let produced = 0;
    for (let t = s.start; t <= s.end; t += s.interval) {
      this.checkDeadline();
      const vecs: Vector[] = args.map((m, ai) => {
        const cur = cursors[ai]!;
        const sg = sigs?.[ai];
        const vec: Vector = [];
        for (let i = 0; i < m.length; i++) {
          const x = m[i]!;
          let p = cur[i]!;
          while (p < x.ts.length && x.ts[p]! < t) p++;
          cur[i] = p;
          if (p < x.ts.length && x.ts[p] === t) {
            const smp: Sample = { metric: x.metric, t, v: x.vs[p]! };
            if (sg) smp.sig = sg[i]!;
            vec.push(smp);
          }
        }
        return vec;
      });
      const result = fn(vecs, t);
      produced += result.length;
      this.currentSamples = base + produced;
      if (this.currentSamples > this.peakSamples) this.peakSamples = this.currentSamples;
      if (this.currentSamples > this.maxSamples) tooManySamples();
      if (s.start === s.end) {
        // Instant evaluation keeps the function's order (sort(), topk()).
        this.checkNoDuplicateSeries(result.map((r) => ({ metric: r.metric, ts: [], vs: [] })));
        return result.map((r) => ({ metric: r.metric, ts: [t], vs: [r.v] }));
      }
      for (const r of result) {
        const k = labelsKey(r.metric);
        let ss = byKey.get(k);
        if (ss) {
          if (ss.lastTs === t) throw new PromQLError('execution', 'vector cannot contain metrics with the same labelset');
        } else {
          ss = { metric: r.metric, ts: [], vs: [], lastTs: t };
          byKey.set(k, ss);
          order.push(ss);
        }
        ss.lastTs = t;
        ss.ts.push(t);
        ss.vs.push(r.v);
      }
    }
    return order.map(({ metric, ts, vs }) => ({ metric, ts, vs }));
  }

  // ---- binary operators ----

  evalBinary(e: BinaryExpr, s: Steps): Series[] {
    const lt = exprType(e.lhs);
    const rt = exprType(e.rhs);
    const lhs = this.eval(e.lhs, s);
    const rhs = this.eval(e.rhs, s);
    const op = e.op;
    if (lt === 'scalar' && rt === 'scalar') {
      return this.rangeEval(s, [lhs, rhs], ([l, r], t) => [{ metric: {}, t, v: scalarBinop(op, l![0]!.v, r![0]!.v, e.returnBool) }]);
    }
    if (lt === 'vector' && rt === 'vector') {
      const m = e.matching!;
      const onLabels = [...m.labels].sort(compareStrings);
      const ignoring = new Set(m.labels);
      const sigOf = (l: Labels): string => (m.on ? signatureOn(l, onLabels) : signatureWithout(l, ignoring));
      const sigs = [lhs.map((x) => sigOf(x.metric)), rhs.map((x) => sigOf(x.metric))];
      switch (op) {
        case 'and':
          return this.rangeEval(s, [lhs, rhs], ([l, r]) => {
            if (l!.length === 0 || r!.length === 0) return [];
            const right = new Set(r!.map((x) => x.sig!));
            return l!.filter((x) => right.has(x.sig!));
          }, sigs);
        case 'or':
          return this.rangeEval(s, [lhs, rhs], ([l, r]) => {
            if (l!.length === 0) return r!;
            if (r!.length === 0) return l!;
            const left = new Set(l!.map((x) => x.sig!));
            return [...l!, ...r!.filter((x) => !left.has(x.sig!))];
          }, sigs);
        case 'unless':
          return this.rangeEval(s, [lhs, rhs], ([l, r]) => {
            if (r!.length === 0) return l!;
            const right = new Set(r!.map((x) => x.sig!));
            return l!.filter((x) => !right.has(x.sig!));
          }, sigs);
        default: {
          // Output labels depend only on the two input series, so build them once per pair.
          const cache = new WeakMap<Labels, WeakMap<Labels, Labels>>();
          return this.rangeEval(s, [lhs, rhs], ([l, r]) => vectorBinop(e, l!, r!, cache), sigs);
        }
      }
    }
    // vector <op> scalar or scalar <op> vector
    const swap = lt === 'scalar';
    return this.rangeEval(s, [lhs, rhs], ([l, r]) => {
      const vec = swap ? r! : l!;
      const scalar = (swap ? l! : r!)[0]!.v;
      const out: Vector = [];
      for (const smp of vec) {
        let lf = smp.v, rf = scalar;
        if (swap) { lf = scalar; rf = smp.v; }
        let [v, keep] = elemBinop(op, lf, rf);
        // A comparison keeps the vector element's value even when it is on the right.
        if (isComparisonOp(op) && swap) v = rf;
        if (e.returnBool) { v = keep ? 1 : 0; keep = true; }
        if (!keep) continue;
        const dropName = shouldDropMetricName(op) || e.returnBool;
        out.push({ metric: dropName ? dropMetricName(smp.metric) : smp.metric, t: smp.t, v });
      }
      return out;
    });
  }

  // ---- aggregations ----

  evalAggregate(e: AggregateExpr, s: Steps): Series[] {
    const grouping = [...e.grouping].sort(compareStrings);
    const groupSet = new Set(grouping);
    const groupKey = (l: Labels): string => (e.without ? signatureWithout(l, groupSet) : signatureOn(l, grouping));
    const groupLabels = (l: Labels): Labels => {
      const out: Record<string, string> = {};
      for (const k of sortedKeys(l)) {
        if (e.without ? !groupSet.has(k) && k !== METRIC_NAME : groupSet.has(k)) out[k] = l[k]!;
      }
      return out;
    };

    if (e.op === 'count_values') {
      const label = (unwrapParens(e.param!) as { value: string }).value;
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw new PromQLError('execution', `invalid label name "${label}"`);
      // With `by`, the value label is part of the grouping (engine.go appends it).
      if (!e.without && !groupSet.has(label)) {
        grouping.push(label);
        grouping.sort(compareStrings);
        groupSet.add(label);
      }
      const input = this.eval(e.expr, s);
      return this.rangeEval(s, [input], ([vec], t) => {
        const groups = new Map<string, { metric: Labels; count: number }>();
        for (const smp of vec!) {
          const withValue: Record<string, string> = { ...smp.metric, [label]: formatPromFloat(smp.v) };
          const sorted: Record<string, string> = {};
          for (const k of Object.keys(withValue).sort(compareStrings)) sorted[k] = withValue[k]!;
          const k = groupKey(sorted);
          const g = groups.get(k);
          if (g) g.count++;
          else groups.set(k, { metric: groupLabels(sorted), count: 1 });
        }
        return [...groups.values()].map((g) => ({ metric: g.metric, t, v: g.count }));
      });
    }

    // Prometheus evaluates the parameter once and uses its value at the first step.
    let param = NaN;
    if (e.param) {
      const p = this.eval(e.param, s);
      param = p[0]?.vs[0] ?? NaN;
    }
    const fused = this.aggregateRangeCall(e, s, groupKey, groupLabels);
    if (fused) return fused;
    const input = this.eval(e.expr, s);
    const groupIndex = new Map<string, number>();
    const seriesGroup = input.map((x) => {
      const k = groupKey(x.metric);
      let gi = groupIndex.get(k);
      if (gi === undefined) {
        gi = groupIndex.size;
        groupIndex.set(k, gi);
      }
      return gi;
    });
    const nGroups = groupIndex.size;
    const cursors = new Array<number>(input.length).fill(0);
    const valueAt = (si: number, t: number): number | undefined => {
      const x = input[si]!;
      let p = cursors[si]!;
      while (p < x.ts.length && x.ts[p]! < t) p++;
      cursors[si] = p;
      return p < x.ts.length && x.ts[p] === t ? x.vs[p] : undefined;
    };

    if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk' || e.op === 'limit_ratio') {
      let k = 0;
      let ratio = 0;
      if (e.op === 'limit_ratio') {
        if (Number.isNaN(param)) throw new PromQLError('execution', `Ratio value NaN is NaN`);
        if (param === 0) return [];
        ratio = Math.max(-1, Math.min(1, param));
      } else {
        if (!convertibleToInt64(param) || Number.isNaN(param)) {
          throw new PromQLError('execution', `Scalar value ${formatGoFloat(param)} overflows int64`);
        }
        k = Math.min(Math.trunc(param), input.length);
        if (k < 1) return [];
      }
      const instant = s.start === s.end;
      const byKey = new Map<string, Series>();
      const order: Series[] = [];
      for (let t = s.start; t <= s.end; t += s.interval) {
        this.checkDeadline();
        const groups: Sample[][] = Array.from({ length: nGroups }, () => []);
        for (let si = 0; si < input.length; si++) {
          const v = valueAt(si, t);
          if (v === undefined) continue;
          groups[seriesGroup[si]!]!.push({ metric: input[si]!.metric, t, v });
        }
        const picked: Sample[] = [];
        for (const g of groups) {
          if (g.length === 0) continue;
          if (e.op === 'topk') picked.push(...selectK(g, k, true));
          else if (e.op === 'bottomk') picked.push(...selectK(g, k, false));
          else if (e.op === 'limitk') picked.push(...g.slice(0, k));
          else picked.push(...g.filter((x) => ratioSampled(ratio, x.metric)));
        }
        if (instant) return picked.map((p) => ({ metric: p.metric, ts: [t], vs: [p.v] }));
        for (const p of picked) {
          const key = labelsKey(p.metric);
          let ss = byKey.get(key);
          if (!ss) {
            ss = { metric: p.metric, ts: [], vs: [] };
            byKey.set(key, ss);
            order.push(ss);
          }
          ss.ts.push(t);
          ss.vs.push(p.v);
        }
        this.account(picked.length);
      }
      return order;
    }

    if (SERIES_MAJOR_AGGREGATIONS.has(e.op)) return this.aggregateByGroup(e.op, input, seriesGroup, nGroups, groupLabels, s);

    const outMetrics: Labels[] = new Array(nGroups);
    input.forEach((x, si) => {
      const gi = seriesGroup[si]!;
      if (!outMetrics[gi]) outMetrics[gi] = groupLabels(x.metric);
    });
    const out: Series[] = outMetrics.map((metric) => ({ metric, ts: [], vs: [] }));
    interface Group { seen: boolean; value: number; mean: number; c: number; count: number; incremental: boolean; values: number[] }
    const groups: Group[] = Array.from({ length: nGroups }, () => ({ seen: false, value: 0, mean: 0, c: 0, count: 0, incremental: false, values: [] }));
    const op = e.op;
    for (let t = s.start; t <= s.end; t += s.interval) {
      this.checkDeadline();
      for (const g of groups) g.seen = false;
      for (let si = 0; si < input.length; si++) {
        const f = valueAt(si, t);
        if (f === undefined) continue;
        const g = groups[seriesGroup[si]!]!;
        if (!g.seen) {
          g.seen = true;
          g.value = f; g.mean = f; g.c = 0; g.count = 1; g.incremental = false;
          if (op === 'stddev' || op === 'stdvar') g.value = 0;
          if (op === 'group') g.value = 1;
          if (op === 'quantile') g.values = [f];
          continue;
        }
        switch (op) {
          case 'sum':
            [g.value, g.c] = kahanSumInc(f, g.value, g.c);
            break;
          case 'avg': {
            g.count++;
            if (!g.incremental) {
              const [nv, nc] = kahanSumInc(f, g.value, g.c);
              if (Number.isFinite(nv) || Number.isNaN(nv)) {
                g.value = nv; g.c = nc;
                break;
              }
              // The sum would overflow: continue with an incremental mean.
              g.incremental = true;
              g.mean = g.value / (g.count - 1);
              g.c /= g.count - 1;
            }
            if (!Number.isFinite(g.mean) && !Number.isNaN(g.mean)) {
              if (!Number.isFinite(f) && !Number.isNaN(f) && (g.mean > 0) === (f > 0)) break;
              if (Number.isFinite(f)) break;
            }
            const current = g.mean + g.c;
            [g.mean, g.c] = kahanSumInc(f / g.count - current / g.count, g.mean, g.c);
            break;
          }
          case 'max':
            if (g.value < f || Number.isNaN(g.value)) g.value = f;
            break;
          case 'min':
            if (g.value > f || Number.isNaN(g.value)) g.value = f;
            break;
          case 'count':
            g.count++;
            break;
          case 'stddev':
          case 'stdvar': {
            g.count++;
            const delta = f - g.mean;
            g.mean += delta / g.count;
            g.value += delta * (f - g.mean);
            break;
          }
          case 'quantile':
            g.values.push(f);
            break;
          case 'group':
            break;
        }
      }
      let produced = 0;
      groups.forEach((g, gi) => {
        if (!g.seen) return;
        let v: number;
        switch (op) {
          case 'avg': v = g.incremental ? g.mean + g.c : (g.value + g.c) / g.count; break;
          case 'count': v = g.count; break;
          case 'stdvar': v = g.value / g.count; break;
          case 'stddev': v = Math.sqrt(g.value / g.count); break;
          case 'quantile': v = quantile(param, g.values); break;
          case 'sum': v = g.value + g.c; break;
          default: v = g.value;
        }
        out[gi]!.ts.push(t);
        out[gi]!.vs.push(v);
        produced++;
      });
      this.account(produced);
    }
    return out.filter((x) => x.ts.length > 0);
  }

  /**
   * sum/avg/count/min/max/group/stddev/stdvar one group at a time, each input series' points
   * straight into per-step accumulators of its group: a series is read front to back once
   * (the step-by-step walk over every series costs a cursor and a cache miss per point). For
   * each step the group's values are folded in input order, as in the step-by-step form, so
   * the results are the same bit for bit.
   */
  aggregateByGroup(op: string, input: Series[], seriesGroup: number[], nGroups: number, groupLabels: (l: Labels) => Labels, s: Steps): Series[] {
    const n = stepCount(s);
    const members: number[][] = Array.from({ length: nGroups }, () => []);
    for (let si = 0; si < input.length; si++) members[seriesGroup[si]!]!.push(si);
    const fold = new StepFold(op, n);
    const out: Series[] = [];
    let produced = 0;
    for (let gi = 0; gi < nGroups; gi++) {
      const m = members[gi]!;
      fold.seen.fill(0);
      for (const si of m) {
        this.checkDeadline();
        const x = input[si]!;
        const xts = x.ts;
        const xvs = x.vs;
        for (let p = 0; p < xts.length; p++) {
          const k = (xts[p]! - s.start) / s.interval;
          if (!(k >= 0 && k < n && k === Math.floor(k))) continue;
          fold.add(k, xvs[p]!);
        }
      }
      const ts: number[] = [];
      const vs: number[] = [];
      fold.emit(0, n, s, ts, vs);
      if (ts.length > 0) {
        out.push({ metric: groupLabels(input[m[0]!]!.metric), ts, vs });
        produced += ts.length;
      }
    }
    this.account(produced);
    return out;
  }

  /**
   * `sum by (...) (rate(x[r]))` and kin: the range function's points go straight into the
   * groups' per-step accumulators as they are computed, without an intermediate series per
   * input. Same fold order per step as aggregateByGroup (input series order), same sample
   * accounting, same errors. Undefined when the shape does not fit (the caller then evaluates
   * the input as usual).
   */
  aggregateRangeCall(e: AggregateExpr, s: Steps, groupKey: (l: Labels) => string, groupLabels: (l: Labels) => Labels): Series[] | undefined {
    if (!SERIES_MAJOR_AGGREGATIONS.has(e.op) || e.param) return undefined;
    const call = unwrapParens(e.expr);
    if (call.kind !== 'Call' || !FUSABLE_RANGE_FUNCTIONS.has(call.func) || call.args.length !== 1) return undefined;
    const arg = unwrapParens(call.args[0]!);
    if (arg.kind !== 'MatrixSelector' || this.aggregated.has(arg.selector)) return undefined;
    const raws = this.data.get(arg.selector) ?? [];
    const n = stepCount(s);
    // One accumulator row per group of the selected series (a superset of the groups that get
    // points); bounded so a high-cardinality `by` does not allocate steps x groups cells.
    const keyOf = new Map<string, number>();
    const keepName = call.func === 'last_over_time';
    const rawGroup = raws.map((r) => {
      const k = groupKey(keepName ? r.metric : dropMetricName(r.metric));
      let g = keyOf.get(k);
      if (g === undefined) { g = keyOf.size; keyOf.set(k, g); }
      return g;
    });
    if (keyOf.size * n > MAX_FUSED_CELLS) return undefined;
    const fold = new StepFold(e.op, keyOf.size * n);
    const firstMetric: Array<Labels | undefined> = new Array(keyOf.size);
    const groupOrder: number[] = [];
    let row = 0;
    // Evaluated as this.eval(call) would (its samples are accounted as held while the groups
    // fold them), then the groups' points as aggregateByGroup accounts them.
    this.checkDeadline();
    this.evalRangeCall(call, 0, s, {
      begin: (i) => { row = rawGroup[i]! * n; },
      point: (k, v) => fold.add(row + k, v),
      end: (i, metric, points) => {
        const gi = rawGroup[i]!;
        if (points > 0 && firstMetric[gi] === undefined) {
          firstMetric[gi] = metric;
          groupOrder.push(gi);
        }
      },
    });
    const out: Series[] = [];
    let produced = 0;
    for (const gi of groupOrder) {
      const ts: number[] = [];
      const vs: number[] = [];
      fold.emit(gi * n, n, s, ts, vs);
      out.push({ metric: groupLabels(firstMetric[gi]!), ts, vs });
      produced += ts.length;
    }
    this.account(produced);
    return out;
  }

  // ---- function calls ----

  evalCall(e: Call, s: Steps): Series[] {
    const name = e.func;
    if (name === 'timestamp') {
      const arg = unwrapParens(e.args[0]!);
      // A selector's own sample timestamps, not the step time (engine.go special case).
      if (arg.kind === 'VectorSelector') return this.evalVectorSelector(arg, s, true);
    }
    const matrixIdx = e.args.findIndex((a) => {
      const u = unwrapParens(a);
      return u.kind === 'MatrixSelector' || u.kind === 'SubqueryExpr';
    });
    if (matrixIdx >= 0) return this.evalRangeCall(e, matrixIdx, s);

    const fn = INSTANT_FUNCTIONS[name];
    if (!fn) throw new PromQLError('bad_data', `function "${name}" is not supported`);
    const kinds = e.args.map((a) => exprType(a));
    const evaluated: Series[][] = [];
    const positions: number[] = [];
    e.args.forEach((a, i) => {
      if (kinds[i] === 'string') return;
      positions[i] = evaluated.length;
      evaluated.push(this.eval(a, s));
    });
    const strings = e.args.map((a) => (a.kind === 'StringLiteral' ? a.value : unwrapParens(a).kind === 'StringLiteral' ? (unwrapParens(a) as { value: string }).value : ''));
    const memo = new WeakMap<Labels, unknown>();
    let result = this.rangeEval(s, evaluated, (vecs, ts) => {
      const args = e.args.map((_, i) => {
        if (kinds[i] === 'string') return strings[i]!;
        const vec = vecs[positions[i]!]!;
        return kinds[i] === 'scalar' ? vec[0]!.v : vec;
      });
      return fn({ ts, args, nargs: e.args.length, memo });
    });
    if (name === 'absent') {
      const labels = absentLabels(e.args[0]!);
      result = result.map((x) => ({ ...x, metric: labels }));
    }
    return result;
  }

  /** A range-vector argument: selector points or subquery results, plus its window rules. */
  rangeArgument(arg: MatrixSelector | SubqueryExpr, s: Steps): { series: RawSeries[]; rangeMs: number; offsetMs: number; at?: number } {
    if (arg.kind === 'MatrixSelector') {
      const sel = arg.selector;
      return { series: this.data.get(sel) ?? [], rangeMs: arg.rangeMs, offsetMs: sel.offsetMs, at: this.resolveAt(sel.at) };
    }
    return { series: this.evalSubquery(arg, s), rangeMs: arg.rangeMs, offsetMs: arg.offsetMs, at: this.resolveAt(arg.at) };
  }

  evalSubquery(e: SubqueryExpr, s: Steps): Series[] {
    const at = this.resolveAt(e.at);
    const interval = e.stepMs > 0 ? e.stepMs : this.noStepSubqueryInterval;
    const outerStart = at ?? s.start;
    const outerEnd = at ?? s.end;
    const lowest = outerStart - e.offsetMs - e.rangeMs;
    // First timestamp at or after the window start that is a multiple of the step (Go integer
    // division truncates toward zero, hence Math.trunc).
    let start = interval * Math.trunc(lowest / interval);
    if (start < lowest) start += interval;
    const end = outerEnd - e.offsetMs;
    if (start > end) return [];
    return this.eval(e.expr, { start, end, interval });
  }

  evalRangeCall(e: Call, matrixIdx: number, s: Steps, sink?: RangeCallSink): Series[] {
    const name = e.func;
    const arg0 = unwrapParens(e.args[matrixIdx]!);
    const agg = arg0.kind === 'MatrixSelector' ? this.aggregated.get(arg0.selector) : undefined;
    // Rollup points of count_over_time are counts to add up; avg_over_time divides sums by counts.
    const fn = agg === 'count' || agg === 'avg' ? RANGE_FUNCTIONS.sum_over_time : RANGE_FUNCTIONS[name];
    if (!fn) throw new PromQLError('bad_data', `function "${name}" is not supported`);
    const arg = unwrapParens(e.args[matrixIdx]!) as MatrixSelector | SubqueryExpr;
    // Other (scalar) arguments, evaluated over the same steps.
    const scalarArgs: Array<number[] | undefined> = e.args.map((a, i) => {
      if (i === matrixIdx) return undefined;
      const ser = this.eval(a, s);
      return ser[0]!.vs;
    });
    const { series, rangeMs, offsetMs, at } = this.rangeArgument(arg, s);
    const out: Series[] = [];
    const keepName = name === 'last_over_time';
    const n = stepCount(s);
    let held = 0;
    // One window object and one context reused for every step: the function sees index bounds
    // into the series' arrays, which only move forward with the step (two pointers), instead of
    // a copy of the window's points per step.
    const w: Window = { ts: [], vs: [], lo: 0, hi: 0 };
    const ctx: RangeCallContext = { stepTs: 0, rangeStart: 0, rangeEnd: 0, rangeMs, scalars: scalarArgs.map(() => NaN) };
    const hasScalars = scalarArgs.some((a) => a !== undefined);
    for (let ri = 0; ri < series.length; ri++) {
      this.checkDeadline();
      const raw = withoutStaleMarkers(series[ri]!);
      sink?.begin(ri);
      let points = 0;
      const rts = raw.ts;
      const rvs = raw.vs;
      const rcs = raw.cs;
      const len = rts.length;
      w.ts = rts;
      w.vs = rvs;
      const ts: number[] = [];
      const vs: number[] = [];
      let step = -1;
      let lo = 0;
      let hi = 0;
      for (let t = s.start; t <= s.end; t += s.interval) {
        step++;
        const maxt = (at ?? t) - offsetMs;
        const mint = maxt - rangeMs;
        // Both bounds are non-decreasing over the steps (constant with @).
        while (lo < len && rts[lo]! < mint) lo++;
        if (hi < lo) hi = lo;
        while (hi < len && rts[hi]! <= maxt) hi++;
        const n = hi - lo;
        if (n <= 0) continue;
        // The window's points are in memory while this step is computed.
        if (this.currentSamples + n > this.maxSamples) tooManySamples();
        w.lo = lo;
        w.hi = hi;
        ctx.stepTs = t;
        ctx.rangeStart = mint;
        ctx.rangeEnd = maxt;
        if (hasScalars) for (let a = 0; a < scalarArgs.length; a++) ctx.scalars[a] = scalarArgs[a] ? scalarArgs[a]![step]! : NaN;
        let v = fn(w, ctx);
        if (v === undefined) continue;
        if (agg === 'avg' && rcs) {
          let samples = 0;
          for (let i = lo; i < hi; i++) samples += rcs[i]!;
          v /= samples;
        }
        points++;
        if (sink) sink.point(step, v);
        else {
          ts.push(t);
          vs.push(v);
        }
      }
      const metric = keepName ? raw.metric : dropMetricName(raw.metric);
      if (sink) sink.end(ri, metric, points);
      if (points > 0) {
        this.account(points);
        held += points;
        // With a sink only the labels are kept (for the duplicate check below).
        out.push({ metric, ts, vs });
      }
    }
    if (name === 'absent_over_time') {
      // One series with 1 at every step where no input series had a point.
      const found = new Set<number>();
      for (const x of out) for (const t of x.ts) found.add(t);
      if (found.size === n) return [];
      const ts: number[] = [];
      for (let t = s.start; t <= s.end; t += s.interval) if (!found.has(t)) ts.push(t);
      this.currentSamples -= held;
      return [{ metric: absentLabels(e.args[0]!), ts, vs: ts.map(() => 1) }];
    }
    this.checkNoDuplicateSeries(out);
    return out;
  }
}

/** Labels absent() reports: the selector's equality matchers, minus ones set twice. */
function absentLabels(arg: Expr): Labels {
  const u = unwrapParens(arg);
  const sel = u.kind === 'VectorSelector' ? u : u.kind === 'MatrixSelector' ? u.selector : undefined;
  if (!sel) return {};
  const out: Record<string, string> = {};
  const has = new Set<string>();
  for (const m of sel.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !has.has(m.name)) {
      out[m.name] = m.value;
      has.add(m.name);
    } else {
      delete out[m.name];
    }
  }
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(out).sort(compareStrings)) if (out[k] !== '') sorted[k] = out[k]!;
  return sorted;
}

/** topk/bottomk of one group: descending (topk) or ascending (bottomk), NaN last. */
function selectK(g: Sample[], k: number, top: boolean): Sample[] {
  const sorted = [...g].sort((a, b) => {
    const an = Number.isNaN(a.v), bn = Number.isNaN(b.v);
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    return top ? b.v - a.v : a.v - b.v;
  });
  return sorted.slice(0, k);
}

const ratioOffsets = new WeakMap<Labels, number>();
const utf8 = new TextEncoder();

/**
 * limit_ratio's pick (Prometheus HashRatioSampler): a series is in when its label hash, as a
 * fraction of 2^64-1, is below the ratio (or, for a negative ratio, at or above 1 + ratio).
 */
function ratioSampled(ratio: number, metric: Labels): boolean {
  let offset = ratioOffsets.get(metric);
  if (offset === undefined) {
    let text = '';
    for (const k of sortedKeys(metric)) text += k + '\xff' + metric[k] + '\xff';
    // labels.Hash() hashes raw bytes with 0xff separators; TextEncoder would turn U+00FF into
    // two bytes, so encode the parts and put single 0xff bytes between them.
    const parts = text.split('\xff');
    const chunks = parts.map((p) => utf8.encode(p));
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0) + parts.length - 1);
    let o = 0;
    chunks.forEach((c, idx) => {
      bytes.set(c, o);
      o += c.length;
      if (idx < chunks.length - 1) bytes[o++] = 0xff;
    });
    offset = Number(xxhash64(bytes)) / 18446744073709551615;
    ratioOffsets.set(metric, offset);
  }
  return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1 + ratio);
}

function shouldDropMetricName(op: string): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^' || op === 'atan2';
}

/** vectorElemBinop for floats: [value, keep]. */
function elemBinop(op: string, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+': return [l + r, true];
    case '-': return [l - r, true];
    case '*': return [l * r, true];
    case '/': return [l / r, true];
    case '^': return [goPow(l, r), true];
    case '%': return [l % r, true];
    case 'atan2': return [Math.atan2(l, r), true];
    case '==': return [l, l === r];
    case '!=': return [l, l !== r];
    case '>': return [l, l > r];
    case '<': return [l, l < r];
    case '>=': return [l, l >= r];
    case '<=': return [l, l <= r];
  }
  throw new PromQLError('internal', `operator "${op}" not allowed for float operations`);
}

function scalarBinop(op: string, l: number, r: number, returnBool: boolean): number {
  const [v, keep] = elemBinop(op, l, r);
  if (isComparisonOp(op as never)) {
    if (returnBool) return keep ? 1 : 0;
    return v;
  }
  return v;
}

function vectorBinop(e: BinaryExpr, lhsIn: Vector, rhsIn: Vector, cache: WeakMap<Labels, WeakMap<Labels, Labels>>): Vector {
  const m = e.matching!;
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  let lhs = lhsIn, rhs = rhsIn;
  if (m.card === 'one-to-many') { lhs = rhsIn; rhs = lhsIn; }
  const rightSigs = new Map<string, Sample>();
  for (const rs of rhs) {
    const dup = rightSigs.get(rs.sig!);
    if (dup) {
      const oneSide = m.card === 'one-to-many' ? 'left' : 'right';
      const matched = matchLabels(rs.metric, m.on, m.labels);
      throw new PromQLError('execution',
        `found duplicate series for the match group ${labelsToString(matched)} on the ${oneSide} hand-side of the operation: ` +
        `[${labelsToString(rs.metric)}, ${labelsToString(dup.metric)}];many-to-many matching not allowed: matching labels must be unique on one side`);
    }
    rightSigs.set(rs.sig!, rs);
  }
  const matchedSigs = new Map<string, Set<string> | null>();
  const out: Vector = [];
  for (const ls of lhs) {
    const rs = rightSigs.get(ls.sig!);
    if (!rs) continue;
    let fl = ls.v, fr = rs.v;
    if (m.card === 'one-to-many') { fl = rs.v; fr = ls.v; }
    let [v, keep] = elemBinop(e.op, fl, fr);
    if (e.returnBool) { v = keep ? 1 : 0; }
    else if (!keep) continue;
    let byRight = cache.get(ls.metric);
    if (!byRight) {
      byRight = new WeakMap();
      cache.set(ls.metric, byRight);
    }
    let metric = byRight.get(rs.metric);
    if (!metric) {
      metric = resultMetric(ls.metric, rs.metric, e);
      if (e.returnBool) metric = dropMetricName(metric);
      byRight.set(rs.metric, metric);
    }
    const sig = ls.sig!;
    if (m.card === 'one-to-one') {
      if (matchedSigs.has(sig)) {
        throw new PromQLError('execution', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      }
      matchedSigs.set(sig, null);
    } else {
      const insertSig = labelsKey(metric);
      let inserted = matchedSigs.get(sig);
      if (!inserted) {
        inserted = new Set();
        matchedSigs.set(sig, inserted);
      } else if (inserted.has(insertSig)) {
        throw new PromQLError('execution', 'multiple matches for labels: grouping labels must ensure unique matches');
      }
      inserted.add(insertSig);
    }
    out.push({ metric, t: ls.t, v });
  }
  return out;
}

function matchLabels(l: Labels, on: boolean, names: string[]): Labels {
  const set = new Set(names);
  const out: Record<string, string> = {};
  for (const k of sortedKeys(l)) {
    if (on ? set.has(k) : !set.has(k) && k !== METRIC_NAME) out[k] = l[k]!;
  }
  return out;
}

function resultMetric(lhs: Labels, rhs: Labels, e: BinaryExpr): Labels {
  const m = e.matching!;
  const out: Record<string, string> = { ...lhs };
  if (shouldDropMetricName(e.op)) delete out[METRIC_NAME];
  if (m.card === 'one-to-one') {
    if (m.on) {
      const keep = new Set(m.labels);
      for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
    } else {
      for (const k of m.labels) delete out[k];
    }
  }
  for (const ln of m.include) {
    const v = rhs[ln];
    if (v !== undefined && v !== '') out[ln] = v;
    else delete out[ln];
  }
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(out).sort(compareStrings)) sorted[k] = out[k]!;
  return sorted;
}

// ---- data loading ----

interface SelectorWindow {
  sel: VectorSelector;
  mint: number;
  maxt: number;
}

/** Every selector with the time window evaluation can touch (Prometheus' FindMinMaxTime). */
function selectorWindows(e: Expr, start: number, end: number, lookback: number, qStart: number, qEnd: number, out: SelectorWindow[]): void {
  const atOf = (a: AtModifier | undefined): number | undefined => (a === undefined ? undefined : a === 'start' ? qStart : a === 'end' ? qEnd : a);
  switch (e.kind) {
    case 'VectorSelector': {
      const at = atOf(e.at);
      out.push({ sel: e, mint: (at ?? start) - e.offsetMs - lookback, maxt: (at ?? end) - e.offsetMs });
      return;
    }
    case 'MatrixSelector': {
      const at = atOf(e.selector.at);
      out.push({ sel: e.selector, mint: (at ?? start) - e.selector.offsetMs - e.rangeMs, maxt: (at ?? end) - e.selector.offsetMs });
      return;
    }
    case 'SubqueryExpr': {
      const at = atOf(e.at);
      selectorWindows(e.expr, (at ?? start) - e.offsetMs - e.rangeMs, (at ?? end) - e.offsetMs, lookback, qStart, qEnd, out);
      return;
    }
    case 'ParenExpr': case 'UnaryExpr': selectorWindows(e.expr, start, end, lookback, qStart, qEnd, out); return;
    case 'BinaryExpr':
      selectorWindows(e.lhs, start, end, lookback, qStart, qEnd, out);
      selectorWindows(e.rhs, start, end, lookback, qStart, qEnd, out);
      return;
    case 'AggregateExpr':
      if (e.param) selectorWindows(e.param, start, end, lookback, qStart, qEnd, out);
      selectorWindows(e.expr, start, end, lookback, qStart, qEnd, out);
      return;
    case 'Call': for (const a of e.args) selectorWindows(a, start, end, lookback, qStart, qEnd, out); return;
    default: return;
  }
}

/** What each range function needs from a rollup bucket; absent: raw samples (quantiles, variances). */
const RANGE_HINTS: Record<string, Pick<SelectHint, 'aggregate' | 'minPoints'>> = {
  rate: { aggregate: 'last', minPoints: 2 }, increase: { aggregate: 'last', minPoints: 2 }, delta: { aggregate: 'last', minPoints: 2 },
  irate: { aggregate: 'last', minPoints: 2 }, idelta: { aggregate: 'last', minPoints: 2 }, deriv: { aggregate: 'last', minPoints: 2 },
  predict_linear: { aggregate: 'last', minPoints: 2 }, resets: { aggregate: 'last', minPoints: 2 }, changes: { aggregate: 'last', minPoints: 2 },
  holt_winters: { aggregate: 'last', minPoints: 2 },
  last_over_time: { aggregate: 'last', minPoints: 1 }, present_over_time: { aggregate: 'last', minPoints: 1 }, absent_over_time: { aggregate: 'last', minPoints: 1 },
  min_over_time: { aggregate: 'min', minPoints: 1 }, max_over_time: { aggregate: 'max', minPoints: 1 }, sum_over_time: { aggregate: 'sum', minPoints: 1 },
  count_over_time: { aggregate: 'count', minPoints: 1 }, avg_over_time: { aggregate: 'avg', minPoints: 1 },
};

/** The hint of every selector: the step it is evaluated at and what its consumer needs. */
function selectorHints(e: Expr, stepMs: number | undefined, lookback: number, noStep: number, out: Map<VectorSelector, SelectHint>): void {
  switch (e.kind) {
    case 'VectorSelector': out.set(e, { stepMs, lookbackMs: lookback, aggregate: 'last', minPoints: 1 }); return;
    case 'MatrixSelector': out.set(e.selector, { stepMs, rangeMs: e.rangeMs, aggregate: 'raw', minPoints: 1 }); return;
    case 'SubqueryExpr': selectorHints(e.expr, e.stepMs > 0 ? e.stepMs : noStep, lookback, noStep, out); return;
    case 'ParenExpr': case 'UnaryExpr': selectorHints(e.expr, stepMs, lookback, noStep, out); return;
    case 'BinaryExpr': selectorHints(e.lhs, stepMs, lookback, noStep, out); selectorHints(e.rhs, stepMs, lookback, noStep, out); return;
    case 'AggregateExpr':
      if (e.param) selectorHints(e.param, stepMs, lookback, noStep, out);
      selectorHints(e.expr, stepMs, lookback, noStep, out);
      return;
    case 'Call':
      for (const a of e.args) {
        const u = unwrapParens(a);
        const need = RANGE_HINTS[e.func];
        if (u.kind === 'MatrixSelector' && need) out.set(u.selector, { stepMs, rangeMs: u.rangeMs, ...need });
        else selectorHints(a, stepMs, lookback, noStep, out);
      }
      return;
    default: return;
  }
}

async function withDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PromQLError('timeout', 'query timed out in query execution')), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function toPromValue(t: number, v: number): PromValue {
  return [t / 1000, formatPromFloat(v)];
}

/**
 * Evaluates an already parsed expression. Not part of the room's public surface: the test-file
 * runner uses it to evaluate rewritten ASTs (the @-modifier variants Prometheus' own runner
 * checks) without printing them back to text.
 */
export async function evaluateExpr(
  source: SeriesSource, opts: PromEngineOptions, tenant: string, expr: Expr,
  start: number, end: number, interval: number, instant: boolean,
): Promise<PromResult & { stats: QueryStats }> {
  const cfg = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS;
  const began = Date.now();
  const deadline = began + cfg.timeoutMs;
  const type = exprType(expr);
  if (!instant && type !== 'scalar' && type !== 'vector') {
    throw new PromQLError('bad_data', `invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`);
  }
  const windows: SelectorWindow[] = [];
  selectorWindows(expr, start, end, cfg.lookbackDeltaMs, start, end, windows);
  const data = new Map<VectorSelector, RawSeries[]>();
  const hints = new Map<VectorSelector, SelectHint>();
  selectorHints(expr, instant ? undefined : interval, cfg.lookbackDeltaMs, cfg.noStepSubqueryIntervalMs, hints);
  const tiers = new Set<string>();
  const aggregated = new Map<VectorSelector, SelectHint['aggregate']>();
  let samplesLoaded = 0;
  let seriesFetched = 0;
  await withDeadline(Promise.all(windows.map(async (w) => {
    const hint = hints.get(w.sel);
    const got = await source.select(tenant, w.sel.matchers, w.mint, w.maxt, hint && (cfg.tier === 'raw' ? { ...hint, forceRaw: true } : cfg.tier === 'fallback' ? { ...hint, onlyWhereRawGone: true } : hint));
    const rows = Array.isArray(got) ? got : got.series;
    for (const t of Array.isArray(got) ? ['raw'] : got.tiers) tiers.add(t);
    if (!Array.isArray(got) && got.aggregated && hint) aggregated.set(w.sel, hint.aggregate);
    const raws: RawSeries[] = rows.map((r) => ({ metric: r.labels, ts: r.timestampsMs, vs: r.values, cs: r.counts }));
    sortByLabels(raws);
    for (const r of raws) samplesLoaded += r.ts.length;
    seriesFetched += raws.length;
    data.set(w.sel, raws);
  })), deadline);

  const ev = new Evaluator(data, start, end, cfg.lookbackDeltaMs, cfg.maxSamples, deadline, cfg.noStepSubqueryIntervalMs);
  for (const [sel, agg] of aggregated) ev.aggregated.set(sel, agg);
  const steps: Steps = { start, end, interval };
  const stats = (): QueryStats => ({ samplesLoaded, seriesFetched, peakSamples: ev.peakSamples, evalMs: Date.now() - began, tiers: [...tiers].sort() });

  if (type === 'string') {
    const lit = unwrapParens(expr) as { value: string };
    return { resultType: 'string', result: [start / 1000, lit.value], stats: stats() };
  }
  if (type === 'matrix') {
    // Only instant queries get here: a range vector as the result.
    const u = unwrapParens(expr) as MatrixSelector | SubqueryExpr;
    const { series, rangeMs, offsetMs, at } = ev.rangeArgument(u, steps);
    const maxt = (at ?? start) - offsetMs;
    const mint = maxt - rangeMs;
    const result: Array<{ metric: Record<string, string>; values: PromValue[] }> = [];
    for (const r of series) {
      const values: PromValue[] = [];
      const lo = lowerBound(r.ts, mint);
      const hi = upperBound(r.ts, maxt);
      for (let i = lo; i < hi; i++) if (!isStaleNaN(r.vs[i]!)) values.push(toPromValue(r.ts[i]!, r.vs[i]!));
      if (values.length > 0) result.push({ metric: { ...r.metric }, values });
    }
    ev.account(result.reduce((n, r) => n + r.values.length, 0));
    result.sort((a, b) => compareLabels(a.metric, b.metric));
    return { resultType: 'matrix', result, stats: stats() };
  }
  const mat = ev.eval(expr, steps);
  if (instant) {
    if (type === 'scalar') {
      const v = mat[0]?.vs[0] ?? NaN;
      return { resultType: 'scalar', result: toPromValue(start, v), stats: stats() };
    }
    return {
      resultType: 'vector',
      result: mat.map((x) => ({ metric: { ...x.metric }, value: toPromValue(x.ts[0]!, x.vs[0]!) })),
      stats: stats(),
    };
  }
  const sorted = [...mat].sort((a, b) => compareLabels(a.metric, b.metric));
  return {
    resultType: 'matrix',
    result: sorted.map((x) => ({ metric: { ...x.metric }, values: x.ts.map((t, i) => toPromValue(t, x.vs[i]!)) })),
    stats: stats(),
  };
}

export function createPromEngine(source: SeriesSource, opts: PromEngineOptions = {}): PromEngine {
  const run = (tenant: string, text: string, start: number, end: number, interval: number, instant: boolean) =>
    evaluateExpr(source, opts, tenant, parsePromQL(text), start, end, interval, instant);

  return {
    instant(tenant, expr, timeMs) {
      return run(tenant, expr, timeMs, timeMs, 1, true);
    },
    range(tenant, expr, startMs, endMs, stepMs) {
      if (!(stepMs > 0)) return Promise.reject(new PromQLError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer'));
      if (endMs < startMs) return Promise.reject(new PromQLError('bad_data', 'end timestamp must not be before start time'));
      return run(tenant, expr, startMs, endMs, stepMs, false);
    },
  };
}
