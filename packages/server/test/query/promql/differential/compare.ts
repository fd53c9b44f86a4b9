// Comparison of two Prometheus HTTP API answers: status, errorType and error text, resultType,
// label sets, timestamps exactly and values with a relative tolerance (NaN equals NaN, ±Inf
// exactly). Matrices are compared in order (Prometheus sorts them by labels); instant vectors
// in order only when the query orders them (sort, sort_desc), otherwise as sets.

export interface ApiAnswer {
  httpStatus: number;
  body: any;
}

export const REL_TOLERANCE = 1e-9;

function parseValue(s: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

export function valuesEqual(a: string, b: string): boolean {
  if (a === b) return true;
  const x = parseValue(a);
  const y = parseValue(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  return Math.abs(x - y) <= REL_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
}

export function labelsKey(m: Record<string, string>): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join(',');
}

function samePoint(a: [number, string], b: [number, string]): string | undefined {
  if (a[0] !== b[0]) return `timestamp ${a[0]} vs ${b[0]}`;
  if (!valuesEqual(a[1], b[1])) return `value at ${a[0]}: ${a[1]} vs ${b[1]}`;
  return undefined;
}

/**
 * How the series of a result are matched up: 'set' (by label set), 'ordered' (sort(),
 * sort_desc(): the values must come in the same order; series with equal values, NaN
 * included, form a run whose order Prometheus leaves to Go's unstable sort, so a run is
 * compared as a set), 'ties' (topk/bottomk: which of several equal values is kept depends
 * on the storage order of series, so each timestamp's values are compared as a multiset).
 */
export type Ordering = 'set' | 'ordered' | 'ties';

type Row = { metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> };

function diffTies(or: Row[], tr: Row[]): string | undefined {
  const byTs = (rows: Row[]) => {
    const m = new Map<number, string[]>();
    for (const r of rows) for (const p of r.values ?? [r.value!]) (m.get(p[0]) ?? m.set(p[0], []).get(p[0])!).push(p[1]);
    for (const vs of m.values()) vs.sort((a, b) => parseValue(a) - parseValue(b) || (a < b ? -1 : a > b ? 1 : 0));
    return m;
  };
  const o = byTs(or);
  const t = byTs(tr);
  if (o.size !== t.size) return `${o.size} timestamps vs ${t.size}`;
  for (const [ts, tv] of t) {
    const ov = o.get(ts);
    if (!ov || ov.length !== tv.length || ov.some((v, i) => !valuesEqual(v, tv[i]!))) return `values at ${ts}: ${JSON.stringify(ov)} vs ${JSON.stringify(tv)}`;
  }
  return undefined;
}

function diffOrdered(or: Row[], tr: Row[]): string | undefined {
  let i = 0;
  while (i < tr.length) {
    let j = i + 1;
    while (j < tr.length && valuesEqual(tr[j]!.value![1], tr[i]!.value![1])) j++;
    for (let k = i; k < j; k++) if (!valuesEqual(or[k]!.value![1], tr[i]!.value![1])) return `position ${k}: value ${or[k]!.value![1]} vs ${tr[k]!.value![1]}`;
    const ok = or.slice(i, j).map((r) => labelsKey(r.metric)).sort();
    const tk = tr.slice(i, j).map((r) => labelsKey(r.metric)).sort();
    if (ok.join('|') !== tk.join('|')) return `positions ${i}..${j - 1}: {${ok.join('} {')}} vs {${tk.join('} {')}}`;
    i = j;
  }
  return undefined;
}

/** Returns a description of the first difference, or undefined when the answers agree. */
export function diffAnswers(ours: ApiAnswer, theirs: ApiAnswer, ordering: Ordering): string | undefined {
  if (ours.httpStatus !== theirs.httpStatus) return `HTTP ${ours.httpStatus} vs ${theirs.httpStatus} (${JSON.stringify(ours.body).slice(0, 300)} vs ${JSON.stringify(theirs.body).slice(0, 300)})`;
  const o = ours.body;
  const t = theirs.body;
  if (o.status !== t.status) return `status ${o.status} vs ${t.status}`;
  if (t.status === 'error') {
    if (o.errorType !== t.errorType) return `errorType ${o.errorType} vs ${t.errorType}`;
    if (o.error !== t.error) return `error text ${JSON.stringify(o.error)} vs ${JSON.stringify(t.error)}`;
    return undefined;
  }
  const od = o.data;
  const td = t.data;
  if (od.resultType !== td.resultType) return `resultType ${od.resultType} vs ${td.resultType}`;
  if (td.resultType === 'scalar' || td.resultType === 'string') {
    if (td.resultType === 'string') return od.result[0] === td.result[0] && od.result[1] === td.result[1] ? undefined : `string ${JSON.stringify(od.result)} vs ${JSON.stringify(td.result)}`;
    return samePoint(od.result, td.result);
  }
  const or = od.result as Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }>;
  const tr = td.result as typeof or;
  if (or.length !== tr.length) return `${or.length} series vs ${tr.length}: ours ${or.slice(0, 4).map((x) => labelsKey(x.metric)).join(' | ')}; theirs ${tr.slice(0, 4).map((x) => labelsKey(x.metric)).join(' | ')}`;
  if (ordering === 'ties') return diffTies(or, tr);
  if (ordering === 'ordered' && td.resultType === 'vector') return diffOrdered(or, tr);
  const byKey = (a: typeof or) => (td.resultType === 'matrix' ? a : [...a].sort((x, y) => (labelsKey(x.metric) < labelsKey(y.metric) ? -1 : 1)));
  const os = byKey(or);
  const ts = byKey(tr);
  for (let i = 0; i < ts.length; i++) {
    const ok = labelsKey(os[i]!.metric);
    const tk = labelsKey(ts[i]!.metric);
    if (ok !== tk) return `series ${i}: {${ok}} vs {${tk}}`;
    if (td.resultType === 'vector') {
      const d = samePoint(os[i]!.value!, ts[i]!.value!);
      if (d) return `{${tk}}: ${d}`;
    } else {
      const ov = os[i]!.values!;
      const tv = ts[i]!.values!;
      if (ov.length !== tv.length) return `{${tk}}: ${ov.length} points vs ${tv.length} (first ${JSON.stringify(ov[0])} vs ${JSON.stringify(tv[0])}, last ${JSON.stringify(ov.at(-1))} vs ${JSON.stringify(tv.at(-1))})`;
      for (let j = 0; j < tv.length; j++) {
        const d = samePoint(ov[j]!, tv[j]!);
        if (d) return `{${tk}}: ${d}`;
      }
    }
  }
  return undefined;
}
