// Float text exactly as Prometheus writes sample values (Go strconv.FormatFloat(f, 'f', -1, 64)):
// the shortest digits that round-trip, never in exponent notation, and Go's spellings of the
// special values. JS String() already finds the shortest round-tripping digits; only the
// exponent form and negative zero need rewriting.
export function formatPromFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const s = String(f);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  // Position of the decimal point relative to the start of `digits`.
  const point = (dot < 0 ? mantissa.length : dot) + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return neg ? '-' + out : out;
}

/**
 * Float text as Go's `%v` writes it (strconv.FormatFloat(f, 'g', -1, 64)), which Prometheus
 * uses in error messages: the shortest digits, in exponent form (at least two exponent
 * digits) when the exponent is below -4 or at least 6 — `1e+20`, `1.5e-05`, `123456`.
 */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, e] = f.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return formatPromFloat(f);
}
