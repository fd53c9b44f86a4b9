// OTLP -> Prometheus names, following the OpenTelemetry specification
// (compatibility/prometheus_and_openmetrics.md, "OTLP Metric points to Prometheus") and, where
// the spec leaves room, what Prometheus' own OTLP receiver does (its otlptranslator package):
// the same names come out of Sightline as out of a Prometheus fed the same OTLP data.

/** UCUM unit -> Prometheus unit word. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  kBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

/** The denominator of a rate unit ("By/s" -> "per_second"). */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** How a metric's name gets its type suffix. */
export type NameKind = 'counter' | 'gauge' | 'other';

function unitParts(unit: string): [string, string] {
  const slash = unit.indexOf('/');
  const mainRaw = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const perRaw = slash < 0 ? '' : unit.slice(slash + 1).trim();
  // Curly-brace annotations ({request}, {packet}/s) carry no unit and are dropped.
  const main = mainRaw !== '' && !/[{}]/.test(mainRaw) ? (UNIT_WORDS[mainRaw] ?? mainRaw) : '';
  let per = perRaw !== '' && !/[{}]/.test(perRaw) ? (PER_UNIT_WORDS[perRaw] ?? perRaw) : '';
  if (per !== '') per = 'per_' + per;
  return [cleanUnit(main), cleanUnit(per)];
}

function cleanUnit(u: string): string {
  return u.replace(/[^a-zA-Z0-9:]/g, '_').replace(/__+/g, '_').replace(/^_/, '');
}

/** The unit as a Prometheus word for UNIT metadata ("seconds", "bytes_per_second", ""). */
export function prometheusUnit(unit: string): string {
  const [main, per] = unitParts(unit);
  const u = main !== '' && per !== '' ? `${main}_${per}` : main !== '' ? main : per;
  return u.replace(/^_/, '').replace(/_$/, '');
}

const nameCache = new Map<string, string>();

/**
 * The Prometheus metric (family) name of an OTLP metric: invalid characters become '_' (runs
 * collapse), the unit word is appended unless the name already contains it, monotonic
 * cumulative sums end in `_total`, and gauges with unit "1" end in `_ratio`.
 * Returns '' when nothing usable is left.
 */
export function prometheusMetricName(name: string, unit: string, kind: NameKind): string {
  const cacheKey = `${kind}\u0000${unit}\u0000${name}`;
  const cached = nameCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let tokens = name.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
  const [mainUnit, perUnitRaw] = unitParts(unit);
  let main = tokens.includes(mainUnit) ? '' : mainUnit;
  let per = perUnitRaw === 'per_' ? '' : perUnitRaw.replace(/_$/, '');
  if (tokens.includes(per)) per = '';
  if (per !== '') main = main.replace(/_$/, '');
  if (main !== '') tokens.push(main);
  if (per !== '') tokens.push(per);
  if (kind === 'counter') {
    tokens = tokens.filter((t) => t !== 'total');
    tokens.push('total');
  }
  if (unit === '1' && kind === 'gauge') {
    tokens = tokens.filter((t) => t !== 'ratio');
    tokens.push('ratio');
  }
  let out = tokens.join('_');
  if (out !== '' && out.charCodeAt(0) >= 0x30 && out.charCodeAt(0) <= 0x39) out = '_' + out;
  // Only suffixes left means the name itself had nothing usable.
  if (tokens.length > 0 && name.split(/[^a-zA-Z0-9:]+/).every((t) => t === '')) out = '';
  if (nameCache.size > 10_000) nameCache.clear();
  nameCache.set(cacheKey, out);
  return out;
}

const LABEL_OK = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelCache = new Map<string, string>();

/**
 * An attribute key as a Prometheus label name: invalid characters become '_', runs of '_'
 * collapse (so reserved "__x" names cannot be forged), a leading digit gets "key_".
 * Returns '' for keys with nothing usable (the attribute is then dropped).
 */
export function sanitizeLabelName(key: string): string {
  if (LABEL_OK.test(key) && !key.includes('__')) return key;
  const cached = labelCache.get(key);
  if (cached !== undefined) return cached;
  let out = key.replace(/[^a-zA-Z0-9_]/g, '_').replace(/__+/g, '_');
  if (/^[0-9]/.test(out)) out = 'key_' + out;
  if (/^_*$/.test(out)) out = '';
  if (labelCache.size > 10_000) labelCache.clear();
  labelCache.set(key, out);
  return out;
}

/**
 * A float as Prometheus writes `le` and `quantile` values for OTLP data (Go's
 * FormatFloat(v, 'f', -1, 64)): shortest round-trip digits, never an exponent; +Inf/-Inf/NaN.
 */
const floatCache = new Map<number, string>();

export function formatPromFloat(v: number): string {
  // Bucket bounds and quantiles repeat on every point of a metric.
  const cached = floatCache.get(v);
  if (cached !== undefined) return cached;
  const text = formatFloat(v);
  if (floatCache.size > 4096) floatCache.clear();
  floatCache.set(v, text);
  return text;
}

function formatFloat(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v !== v) return 'NaN';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.charCodeAt(0) === 0x2d;
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const pointAt = (dot < 0 ? mantissa.length : dot) + exp;
  let out: string;
  if (pointAt <= 0) out = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return negative ? '-' + out : out;
}
