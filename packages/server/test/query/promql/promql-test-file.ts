// Runner for Prometheus' PromQL test-file format (promql/promqltest): `load <interval>` blocks,
// `clear`, and `eval[_fail|_warn|_ordered] instant at <t> <expr>` / `eval range from <a> to <b>
// step <s> <expr>` followed by expected series. It mirrors what Prometheus' runner checks:
// instant queries are also run in range mode and, when the expression allows it, with every
// selector pinned by `@` to the evaluation time at several other evaluation times.
import { evaluateExpr, type PromEngineOptions, type PromResult } from '../../../src/query/promql/engine.js';
import { matchLabelValue, parsePromQL } from '../../../src/query/promql/parser.js';
import { MemorySeriesSource } from '../../../src/query/promql/memory-source.js';
import { almostEqual, staleNaN } from '../../../src/query/promql/float-math.js';
import { parseDurationMs, parseNumberLiteral } from '../../../src/query/promql/literals.js';
import { labelsKey } from '../../../src/query/promql/labels.js';
import type { Expr } from '../../../src/query/promql/ast.js';

export interface EvalOutcome {
  line: number;
  expr: string;
  status: 'pass' | 'fail' | 'skip';
  reason?: string;
}

type Point = number | undefined; // undefined = omitted ('_')

class Unsupported extends Error {}

/** Expands a value sequence like `0+10x5 _ stale 3 _x2 1x2`. */
export function parseValues(text: string): Point[] {
  const out: Point[] = [];
  const items = text.trim() === '' ? [] : text.trim().split(/\s+/);
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.startsWith('{{')) throw new Unsupported('native histogram sample');
    if (it === '_') { out.push(undefined); continue; }
    let m = /^_x(\d+)$/.exec(it);
    if (m) { for (let k = 0; k < Number(m[1]); k++) out.push(undefined); continue; }
    if (it === 'stale') { out.push(staleNaN()); continue; }
    m = /^([+-]?(?:[0-9.]+(?:[eE][+-]?\d+)?|Inf|NaN|inf|nan))(?:([+-])([0-9.]+(?:[eE][+-]?\d+)?|Inf|NaN))?x(\d+)$/.exec(it);
    if (m) {
      let v = parseNumberLiteral(m[1]!)!;
      const inc = m[2] ? (m[2] === '-' ? -1 : 1) * parseNumberLiteral(m[3]!)! : 0;
      // Like Prometheus: n repetitions plus the initial value.
      for (let k = 0; k <= Number(m[4]); k++) { out.push(v); v += inc; }
      continue;
    }
    const v = parseNumberLiteral(it);
    if (v === undefined) throw new Error(`bad value "${it}"`);
    out.push(v);
  }
  return out;
}

/** `metric{a="b"} values...` -> labels + values. */
export function parseSeriesLine(line: string): { labels: Record<string, string>; values: Point[] } {
  let depth = 0;
  let inQuote = false;
  let split = line.length;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inQuote) { if (c === '\\') i++; else if (c === '"') inQuote = false; continue; }
    if (c === '"') inQuote = true;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (/\s/.test(c) && depth === 0) { split = i; break; }
  }
  const desc = line.slice(0, split).trim();
  const labels: Record<string, string> = {};
  if (desc !== '{}') {
    const e = parsePromQL(desc);
    if (e.kind !== 'VectorSelector') throw new Error(`bad series descriptor ${desc}`);
    for (const m of e.matchers) labels[m.name] = m.value;
  }
  return { labels, values: parseValues(line.slice(split)) };
}

interface EvalCmd {
  line: number;
  expr: string;
  kind: 'instant' | 'range';
  mod?: string;
  start: number;
  end: number;
  step: number;
  expected: Array<{ labels: Record<string, string>; values: Point[]; pos: number }>;
  expectScalar?: number;
  failMessage?: string;
  failRegexp?: RegExp;
}

function dur(s: string): number {
  const d = parseDurationMs(s.trim());
  if (d === undefined) throw new Error(`bad duration ${s}`);
  return d;
}

function sameValue(exp: number, got: number): boolean {
  return almostEqual(exp, got, 0.000001);
}

function compare(cmd: EvalCmd, res: PromResult, ordered: boolean): string | undefined {
  const exp = new Map(cmd.expected.map((e) => [labelsKey(e.labels), e]));
  if (cmd.expectScalar !== undefined || res.resultType === 'scalar') {
    if (res.resultType !== 'scalar') return `expected scalar, got ${res.resultType}`;
    if (cmd.expectScalar === undefined) return `got scalar ${res.result[1]} but expected series`;
    const got = Number(res.result[1].replace('+Inf', 'Infinity').replace('-Inf', '-Infinity'));
    return sameValue(cmd.expectScalar, got) ? undefined : `expected scalar ${cmd.expectScalar}, got ${res.result[1]}`;
  }
  const num = (s: string) => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));
  if (res.resultType === 'vector') {
    const seen = new Set<string>();
    for (let i = 0; i < res.result.length; i++) {
      const r = res.result[i]!;
      const k = labelsKey(r.metric);
      const e = exp.get(k);
      if (!e) return `unexpected metric ${JSON.stringify(r.metric)} = ${r.value[1]}`;
      if (ordered && e.pos !== i + 1) return `expected ${JSON.stringify(r.metric)} at position ${e.pos} but was at ${i + 1}`;
      const ev = e.values[0];
      if (ev === undefined || !sameValue(ev, num(r.value[1]))) return `expected ${ev} for ${JSON.stringify(r.metric)} but got ${r.value[1]}`;
      seen.add(k);
    }
    for (const [k, e] of exp) if (!seen.has(k)) return `expected metric ${JSON.stringify(e.labels)} not found`;
    return undefined;
  }
  if (res.resultType === 'matrix') {
    const seen = new Set<string>();
    for (const r of res.result) {
      const k = labelsKey(r.metric);
      const e = exp.get(k);
      if (!e) return `unexpected metric ${JSON.stringify(r.metric)} with ${r.values.length} points`;
      seen.add(k);
      const want: Array<[number, number]> = [];
      e.values.forEach((v, i) => { if (v !== undefined) want.push([cmd.start + i * cmd.step, v]); });
      if (want.length !== r.values.length) return `expected ${want.length} points for ${JSON.stringify(r.metric)}, got ${r.values.length}: ${JSON.stringify(r.values)}`;
      for (let i = 0; i < want.length; i++) {
        const [t, v] = want[i]!;
        const [gt, gv] = r.values[i]!;
        if (cmd.kind === 'range' && Math.round(gt * 1000) !== t) return `point ${i} of ${JSON.stringify(r.metric)} at ${gt * 1000}, expected ${t}`;
        if (!sameValue(v, num(gv))) return `point ${i} of ${JSON.stringify(r.metric)}: expected ${v}, got ${gv}`;
      }
    }
    for (const [k, e] of exp) if (!seen.has(k)) return `expected metric ${JSON.stringify(e.labels)} not found`;
    return undefined;
  }
  return `unexpected result type ${res.resultType}`;
}

const AT_UNSAFE = new Set(['days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour', 'minute', 'month', 'year', 'predict_linear', 'time', 'timestamp']);

/** The expression with every selector (outside subqueries that have @) pinned at `ts`, or undefined when Prometheus skips it. */
function pinAt(expr: Expr, ts: number): Expr | undefined {
  let unsafe = false;
  const copy = structuredClone(expr);
  const walk = (e: Expr, underAt: boolean): void => {
    switch (e.kind) {
      case 'VectorSelector': if (!underAt && e.at === undefined) e.at = ts; return;
      case 'MatrixSelector': if (!underAt && e.selector.at === undefined) e.selector.at = ts; return;
      case 'SubqueryExpr': {
        if (!underAt && e.at === undefined) e.at = ts;
        // Prometheus inspects parents first, so below a subquery (which now has @) nothing more is pinned.
        walk(e.expr, underAt || e.at !== undefined);
        return;
      }
      case 'ParenExpr': case 'UnaryExpr': walk(e.expr, underAt); return;
      case 'BinaryExpr': walk(e.lhs, underAt); walk(e.rhs, underAt); return;
      case 'AggregateExpr': if (e.param) walk(e.param, underAt); walk(e.expr, underAt); return;
      case 'Call': if (AT_UNSAFE.has(e.func)) unsafe = true; e.args.forEach((a) => walk(a, underAt)); return;
      default: return;
    }
  };
  walk(copy, false);
  return unsafe ? undefined : copy;
}

export async function runTestFile(text: string, opts: PromEngineOptions = {}): Promise<EvalOutcome[]> {
  const lines = text.split('\n').map((l) => l.trim()).map((l) => (l.startsWith('#') ? '' : l));
  const source = new MemorySeriesSource();
  const outcomes: EvalOutcome[] = [];
  let unsupportedData: string | undefined;
  // Names of the native-histogram copies load_with_nhcb creates (`x` for `x_bucket`).
  const nhcbNames = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const cmdWord = l.split(/\s+/)[0]!.toLowerCase();
    if (cmdWord === 'clear') { source.clear(); unsupportedData = undefined; nhcbNames.clear(); continue; }
    if (cmdWord.startsWith('load')) {
      // load_with_nhcb also loads native-histogram copies of classic histograms; only the
      // classic float series are loaded here, evals expecting native histograms are skipped.
      const m = /^load(?:_(with_nhcb))?\s+(.+?)$/.exec(l)!;
      const interval = dur(m[2]!);
      while (i + 1 < lines.length && lines[i + 1] !== '') {
        i++;
        try {
          const { labels, values } = parseSeriesLine(lines[i]!);
          if (m[1] && labels['__name__']?.endsWith('_bucket')) nhcbNames.add(labels['__name__'].slice(0, -'_bucket'.length));
          const pts: Array<[number, number]> = [];
          values.forEach((v, k) => { if (v !== undefined) pts.push([k * interval, v]); });
          source.add(labels, pts);
        } catch (err) {
          if (err instanceof Unsupported) unsupportedData = err.message;
          else throw new Error(`line ${i + 1}: ${(err as Error).message}`);
        }
      }
      continue;
    }
    if (!cmdWord.startsWith('eval')) throw new Error(`line ${i + 1}: invalid command ${l}`);
    const inst = /^eval(?:_(fail|warn|ordered))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/.exec(l);
    const rng = /^eval(?:_(fail|warn))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/.exec(l);
    const line = i + 1;
    let cmd: EvalCmd;
    if (inst) {
      const t = dur(inst[2] ?? '0');
      cmd = { line, expr: inst[3]!, kind: 'instant', mod: inst[1], start: t, end: t, step: 60_000, expected: [] };
    } else if (rng) {
      cmd = { line, expr: rng[5]!, kind: 'range', mod: rng[1], start: dur(rng[2]!), end: dur(rng[3]!), step: dur(rng[4]!), expected: [] };
    } else {
      throw new Error(`line ${line}: invalid eval command`);
    }
    let unsupportedExpect: string | undefined;
    let pos = 0;
    while (i + 1 < lines.length && lines[i + 1] !== '') {
      i++;
      const d = lines[i]!;
      if (cmd.mod === 'fail' && d.startsWith('expected_fail_message')) { cmd.failMessage = d.slice('expected_fail_message'.length).trim(); continue; }
      if (cmd.mod === 'fail' && d.startsWith('expected_fail_regexp')) { cmd.failRegexp = new RegExp(d.slice('expected_fail_regexp'.length).trim()); continue; }
      const n = parseNumberLiteral(d);
      if (n !== undefined) { cmd.expectScalar = n; continue; }
      try {
        const s = parseSeriesLine(d);
        cmd.expected.push({ ...s, pos: ++pos });
      } catch (err) {
        if (err instanceof Unsupported) unsupportedExpect = err.message;
        else throw new Error(`line ${i + 1}: ${(err as Error).message}`);
      }
    }
    if (!unsupportedExpect && nhcbNames.size > 0 && selectsAnyName(cmd.expr, nhcbNames)) {
      unsupportedExpect = 'queries a native histogram (NHCB) series';
    }
    if (unsupportedExpect || unsupportedData) {
      outcomes.push({ line, expr: cmd.expr, status: 'skip', reason: unsupportedExpect ?? unsupportedData });
      continue;
    }
    outcomes.push(await runEval(cmd, source, opts));
  }
  return outcomes;
}

/** Whether any selector's __name__ matchers accept one of `names`. */
function selectsAnyName(text: string, names: Set<string>): boolean {
  let found = false;
  let expr: Expr;
  try { expr = parsePromQL(text); } catch { return false; }
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'VectorSelector': {
        const nm = e.matchers.filter((m) => m.name === '__name__');
        if (nm.length > 0 && [...names].some((n) => nm.every((m) => matchLabelValue(m, n)))) found = true;
        return;
      }
      case 'MatrixSelector': walk(e.selector); return;
      case 'SubqueryExpr': case 'ParenExpr': case 'UnaryExpr': walk(e.expr); return;
      case 'BinaryExpr': walk(e.lhs); walk(e.rhs); return;
      case 'AggregateExpr': if (e.param) walk(e.param); walk(e.expr); return;
      case 'Call': e.args.forEach(walk); return;
      default: return;
    }
  };
  walk(expr);
  return found;
}

async function runEval(cmd: EvalCmd, source: MemorySeriesSource, opts: PromEngineOptions): Promise<EvalOutcome> {
  const base = { line: cmd.line, expr: cmd.expr };
  let expr: Expr;
  try {
    expr = parsePromQL(cmd.expr);
  } catch (err) {
    return { ...base, status: 'fail', reason: `parse: ${(err as Error).message}` };
  }
  const evalOnce = (e: Expr, start: number, end: number, step: number, instant: boolean) =>
    evaluateExpr(source, opts, 'default', e, start, end, step, instant);
  const checkFailure = (err: unknown): EvalOutcome => {
    const msg = (err as Error).message;
    if (cmd.failMessage !== undefined && cmd.failMessage !== msg) return { ...base, status: 'fail', reason: `expected error "${cmd.failMessage}", got "${msg}"` };
    if (cmd.failRegexp && !cmd.failRegexp.test(msg)) return { ...base, status: 'fail', reason: `expected error matching ${cmd.failRegexp}, got "${msg}"` };
    return { ...base, status: 'pass' };
  };
  if (cmd.kind === 'range') {
    let res: PromResult;
    try {
      res = await evalOnce(expr, cmd.start, cmd.end, cmd.step, false);
    } catch (err) {
      if (cmd.mod === 'fail') return checkFailure(err);
      return { ...base, status: 'fail', reason: `error: ${(err as Error).message}` };
    }
    if (cmd.mod === 'fail') return { ...base, status: 'fail', reason: 'expected an error, got none' };
    const why = compare(cmd, res, false);
    return why ? { ...base, status: 'fail', reason: why } : { ...base, status: 'pass' };
  }
  const variants: Array<{ e: Expr; t: number; label: string }> = [{ e: expr, t: cmd.start, label: '' }];
  const pinned = pinAt(expr, cmd.start);
  if (pinned) {
    const ts = cmd.start;
    const times = ts === 0 ? [-1000, -ts, 1000] : [-10 * ts, 0, Math.trunc(ts / 5), ts, 10 * ts];
    for (const t of times) variants.push({ e: pinned, t, label: ` [@-pinned, eval at ${t}ms]` });
  }
  for (const v of variants) {
    let res: PromResult;
    try {
      res = await evalOnce(v.e, v.t, v.t, 1, true);
    } catch (err) {
      if (cmd.mod === 'fail') {
        const o = checkFailure(err);
        if (o.status === 'fail') return o;
        continue;
      }
      return { ...base, status: 'fail', reason: `error${v.label}: ${(err as Error).message}` };
    }
    if (cmd.mod === 'fail') return { ...base, status: 'fail', reason: `expected an error, got none${v.label}` };
    const why = compare(cmd, res, cmd.mod === 'ordered');
    if (why) return { ...base, status: 'fail', reason: why + v.label };
    if (cmd.mod === 'ordered') continue;
    // Range mode: the same expression from t-1m to t+1m must give the same value at t.
    let rr: PromResult;
    try {
      rr = await evalOnce(v.e, v.t - 60_000, v.t + 60_000, 60_000, false);
    } catch (err) {
      return { ...base, status: 'fail', reason: `error in range mode${v.label}: ${(err as Error).message}` };
    }
    if (rr.resultType !== 'matrix') continue;
    const atT = rr.result
      .map((s) => ({ metric: s.metric, value: s.values.find((p) => Math.round(p[0] * 1000) === v.t) }))
      .filter((s) => s.value !== undefined) as Array<{ metric: Record<string, string>; value: [number, string] }>;
    const asInstant: PromResult = res.resultType === 'scalar'
      ? { resultType: 'scalar', result: atT[0]?.value ?? [v.t / 1000, 'NaN'] }
      : { resultType: 'vector', result: atT };
    const whyRange = compare(cmd, asInstant, false);
    if (whyRange) return { ...base, status: 'fail', reason: `range mode${v.label}: ${whyRange}` };
  }
  return { ...base, status: 'pass' };
}
