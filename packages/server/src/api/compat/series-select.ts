// match[] selectors of /api/v1/series, /labels and /label/<name>/values: parsed with the
// PromQL parser (so the syntax and its errors are PromQL's), then resolved against the Store.
// The Store filters by metric name and label equality in SQL; regex and negative matchers
// are applied here on the (already narrowed) candidates.
import { compileAnchoredRegex } from '../../config/prom-regex.js';
import { parsePromQL, PromQLError, type Expr, type LabelMatcher } from '../../query/promql/index.js';
import type { SeriesInfo, Store } from '../../storage/store.js';
import { PromApiError } from './prom-params.js';

/** The store caps one lookup at this many series; we say so when it is reached. */
export const MAX_SERIES_PER_LOOKUP = 100_000;

export function parseSelector(text: string, paramName = 'match[]'): LabelMatcher[] {
  let expr;
  try {
    expr = parsePromQL(text);
  } catch (err) {
    const msg = err instanceof PromQLError ? err.message : String(err);
    throw new PromApiError('bad_data', `invalid parameter ${JSON.stringify(paramName)}: ${msg}`);
  }
  if (expr.kind !== 'VectorSelector') {
    throw new PromApiError('bad_data', `invalid parameter ${JSON.stringify(paramName)}: 1:1: parse error: expected type instant vector in series selector, got ${expr.kind === 'MatrixSelector' ? 'range vector' : 'an expression'}`);
  }
  return expr.matchers;
}

const regexCache = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    if (regexCache.size > 1000) regexCache.clear();
    re = compileAnchoredRegex(source);
    regexCache.set(source, re);
  }
  return re;
}

/** Prometheus semantics: an absent label reads as ''. */
export function matches(labels: Readonly<Record<string, string>>, matchers: readonly LabelMatcher[]): boolean {
  for (const m of matchers) {
    const v = labels[m.name] ?? '';
    switch (m.type) {
      case '=':
        if (v !== m.value) return false;
        break;
      case '!=':
        if (v === m.value) return false;
        break;
      case '=~':
        if (!regex(m.value).test(v)) return false;
        break;
      case '!~':
        if (regex(m.value).test(v)) return false;
        break;
    }
  }
  return true;
}

export interface SelectResult {
  series: SeriesInfo[];
  /** True when a lookup hit MAX_SERIES_PER_LOOKUP and the answer may be incomplete. */
  truncated: boolean;
}

/** Series matching any of the selectors (a union, like Prometheus), deduplicated. */
export async function selectSeries(store: Store, tenant: string, selectors: LabelMatcher[][], startMs: number, endMs: number): Promise<SelectResult> {
  const byFp = new Map<number, SeriesInfo>();
  let truncated = false;
  const lookups = selectors.length > 0 ? selectors : [[]];
  for (const matchers of lookups) {
    const nameEq = matchers.find((m) => m.name === '__name__' && m.type === '=');
    const labels: Record<string, string> = {};
    for (const m of matchers) if (m.type === '=' && m.name !== '__name__' && m.value !== '') labels[m.name] = m.value;
    const found = await store.findSeries({
      tenant,
      name: nameEq?.value,
      labels: Object.keys(labels).length ? labels : undefined,
      startMs,
      endMs,
      limit: MAX_SERIES_PER_LOOKUP,
    });
    if (found.length >= MAX_SERIES_PER_LOOKUP) truncated = true;
    for (const s of found) if (!byFp.has(s.fingerprint) && matches(s.labels, matchers)) byFp.set(s.fingerprint, s);
  }
  return { series: [...byFp.values()], truncated };
}

/** Matchers of every vector selector in an expression (what /api/v1/query_exemplars reads). */
export function selectorsOf(expr: Expr): LabelMatcher[][] {
  const out: LabelMatcher[][] = [];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'VectorSelector':
        out.push(e.matchers);
        return;
      case 'MatrixSelector':
        out.push(e.selector.matchers);
        return;
      case 'SubqueryExpr':
      case 'ParenExpr':
      case 'UnaryExpr':
        walk(e.expr);
        return;
      case 'BinaryExpr':
        walk(e.lhs);
        walk(e.rhs);
        return;
      case 'AggregateExpr':
        walk(e.expr);
        if (e.param) walk(e.param);
        return;
      case 'Call':
        e.args.forEach(walk);
        return;
      case 'NumberLiteral':
      case 'StringLiteral':
        return;
    }
  };
  walk(expr);
  return out;
}
