// Label sets as plain objects with sorted keys (so iteration order is Prometheus' label
// order), plus the signatures the evaluator hashes by.
export type Labels = Readonly<Record<string, string>>;

export const METRIC_NAME = '__name__';

const SEP = '\xff';

// Label objects are never mutated once in use (see keyCache below), so their sorted names are
// computed once: sorting result series compared labels O(n log n) times, each comparison
// sorting both objects' keys again (most of an instant query's engine time for 2,000 series).
const sortedKeysCache = new WeakMap<Labels, readonly string[]>();

/** Sorted, byte-order comparison like Go strings (UTF-16 order matches for the BMP). */
export function sortedKeys(l: Labels): readonly string[] {
  let keys = sortedKeysCache.get(l);
  if (keys === undefined) {
    keys = Object.keys(l).sort(compareStrings);
    sortedKeysCache.set(l, keys);
  }
  return keys;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function makeLabels(entries: Iterable<[string, string]>): Labels {
  const arr = [...entries].filter(([, v]) => v !== '').sort((a, b) => compareStrings(a[0], b[0]));
  const out: Record<string, string> = {};
  for (const [k, v] of arr) out[k] = v;
  return out;
}

// Label objects are shared by every point of a series and never mutated, so their key is
// computed once (rangeEval asks for it at every step).
const keyCache = new WeakMap<Labels, string>();

/** Identity of a label set (Labels.Hash() in Prometheus). */
export function labelsKey(l: Labels): string {
  let s = keyCache.get(l);
  if (s !== undefined) return s;
  s = '';
  for (const k of sortedKeys(l)) s += k + '\xfe' + l[k] + SEP;
  keyCache.set(l, s);
  return s;
}

const droppedCache = new WeakMap<Labels, Labels>();

/** The labels without __name__; the same input object always yields the same output object. */
export function dropMetricName(l: Labels): Labels {
  if (!(METRIC_NAME in l)) return l;
  let out = droppedCache.get(l);
  if (out) return out;
  const o: Record<string, string> = {};
  for (const k of Object.keys(l)) if (k !== METRIC_NAME) o[k] = l[k]!;
  out = o;
  droppedCache.set(l, out);
  return out;
}

/** Signature over `names` only (on(...)), absent labels read as empty. */
export function signatureOn(l: Labels, names: readonly string[]): string {
  let s = '';
  for (const n of names) s += n + '\xfe' + (l[n] ?? '') + SEP;
  return s;
}

/** Signature over all labels except `names` and the metric name (ignoring(...)). */
export function signatureWithout(l: Labels, names: ReadonlySet<string>): string {
  let s = '';
  for (const k of sortedKeys(l)) {
    if (k === METRIC_NAME || names.has(k)) continue;
    s += k + '\xfe' + l[k] + SEP;
  }
  return s;
}

/** labels.Compare: pairwise by name then value, then by length. */
export function compareLabels(a: Labels, b: Labels): number {
  const ak = sortedKeys(a);
  const bk = sortedKeys(b);
  const n = Math.min(ak.length, bk.length);
  for (let i = 0; i < n; i++) {
    if (ak[i] !== bk[i]) return compareStrings(ak[i]!, bk[i]!);
    const c = compareStrings(a[ak[i]!]!, b[bk[i]!]!);
    if (c !== 0) return c;
  }
  return ak.length - bk.length;
}

/** Labels.String(): {a="b", c="d"} with Go-quoted values. */
export function labelsToString(l: Labels): string {
  return '{' + sortedKeys(l).map((k) => `${k}=${JSON.stringify(l[k])}`).join(', ') + '}';
}
