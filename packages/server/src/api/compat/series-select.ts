// match[] selectors of /api/v1/series, /labels and /label/<name>/values: parsed with the
// PromQL parser (so the syntax and its errors are PromQL's), then resolved against the Store.
// The Store filters by metric name and label equality in SQL; regex and negative matchers
// are applied here on the (already narrowed) candidates, with the engine's own matcher so a
// selector means the same here as in a query (RE2 semantics, see src/re2.ts).
import { matchLabelValue, parsePromQL, PromQLError, type Expr, type LabelMatcher } from '../../query/promql/index.js';
import type { SeriesInfo, Store } from '../../storage/store.js';
import { PromApiError } from './prom-params.js';

/** The store caps one lookup at this many series; we say so when it is reached. */
export const MAX_SERIES_PER_LOOKUP = 100_000;

const EMPTY_MATCHERS = 'vector selector must contain at least one non-empty matcher';

/**
 * Where a metric selector ends and something else begins (`up[5m]`, `rate(up[5m])`): the
 * character Prometheus' selector-only grammar stops at, as line:column.
 */
function trailingToken(text: string): { pos: string; ch: string } | undefined {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skipSpace();
  const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text.slice(i));
  if (ident) i += ident[0].length;
  skipSpace();
  if (text[i] === '{') {
    while (i < text.length && text[i] !== '}') {
      const q = text[i];
      if (q === '"' || q === "'" || q === '`') {
        i++;
        while (i < text.length && text[i] !== q) i += text[i] === '\\' && q !== '`' ? 2 : 1;
      }
      i++;
    }
    i++;
    skipSpace();
  }
  const ch = text[i];
  if (ch !== '[' && ch !== '(') return undefined;
  const before = text.slice(0, i).split('\n');
  return { pos: `${before.length}:${before[before.length - 1]!.length + 1}`, ch };
}

/**
 * Parses one match[] selector. Prometheus prefixes the message with the parameter name for
 * /api/v1/series only (`prefixed`), not for /labels and /label/<name>/values.
 */
export function parseSelector(text: string, paramName = 'match[]', prefixed = true): LabelMatcher[] {
  const fail = (msg: string): never => {
    throw new PromApiError('bad_data', prefixed ? `invalid parameter ${JSON.stringify(paramName)}: ${msg}` : msg);
  };
  let expr;
  try {
    expr = parsePromQL(text);
  } catch (err) {
    const msg = err instanceof PromQLError ? err.message : String(err);
    // Prometheus parses the selector first and checks for a non-empty matcher afterwards.
    if (msg.endsWith(EMPTY_MATCHERS)) return fail('match[] must contain at least one non-empty matcher');
    return fail(msg);
  }
  if (expr.kind !== 'VectorSelector') {
    const t = trailingToken(text);
    if (t) return fail(`${t.pos}: parse error: unexpected ${JSON.stringify(t.ch)}`);
    return fail(`1:1: parse error: expected type instant vector in series selector, got ${expr.kind === 'MatrixSelector' ? 'range vector' : 'an expression'}`);
  }
  return expr.matchers;
}

/** Prometheus semantics: an absent label reads as ''. */
export function matches(labels: Readonly<Record<string, string>>, matchers: readonly LabelMatcher[]): boolean {
  for (const m of matchers) if (!matchLabelValue(m, labels[m.name] ?? '')) return false;
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
