// Literal syntax shared by the parser and the test-file runner: Go-style numbers, durations and
// quoted strings, as the Prometheus 2.x lexer accepts them.

const DURATION_UNITS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Prometheus duration (`1h30m`, `5m`, `10s`, `100ms`) in ms; units must appear in order, once. */
export function parseDurationMs(s: string): number | undefined {
  if (s === '' || s === '0') return s === '0' ? 0 : undefined;
  const m = DURATION_RE.exec(s);
  if (!m) return undefined;
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  let total = 0;
  for (let i = 0; i < units.length; i++) {
    const g = m[i + 1];
    if (g !== undefined) total += Number(g) * DURATION_UNITS[units[i]!]!;
  }
  return total;
}

/**
 * A number literal. Go's lexer hands it to strconv.ParseInt(s, 0, 64) first (so `0x1f` is hex
 * and `010` is octal) and falls back to ParseFloat (which also spells Inf and NaN).
 */
export function parseNumberLiteral(raw: string): number | undefined {
  const s = raw.trim();
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[+-]/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) return sign * parseInt(body.slice(2), 16);
  if (/^0[oO]?[0-7]+$/.test(body)) return sign * parseInt(body.replace(/^0[oO]?/, ''), 8);
  if (/^0[bB][01]+$/.test(body)) return sign * parseInt(body.slice(2), 2);
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) return sign * Number(body);
  if (/^0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?\d+$/.test(body)) {
    const [mant, exp] = body.slice(2).split(/[pP]/) as [string, string];
    const [ip, fp = ''] = mant.split('.');
    const v = parseInt((ip || '0') + fp, 16) / Math.pow(16, fp.length);
    return sign * v * Math.pow(2, Number(exp));
  }
  return undefined;
}

/** Go strconv.Unquote for "..." and '...' (escapes) and `...` (raw). Throws a message on bad input. */
export function unquoteString(q: string): string {
  const quote = q[0];
  if (q.length < 2 || q[q.length - 1] !== quote) throw new Error('unterminated quoted string');
  const body = q.slice(1, -1);
  if (quote === '`') return body;
  if (quote !== '"' && quote !== "'") throw new Error('invalid quoted string');
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      if (c === quote) throw new Error('invalid syntax');
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case "'": case '"':
        if (n !== quote) throw new Error(`unknown escape sequence`);
        out += n;
        break;
      case 'x': case 'u': case 'U': {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error('invalid escape sequence');
        const cp = parseInt(hex, 16);
        if (n === 'x') {
          // \xNN is a byte in Go; a lone byte >= 0x80 is not valid UTF-8 text, which labels must be.
          if (cp >= 0x80) throw new Error('invalid UTF-8 in escape sequence');
          out += String.fromCharCode(cp);
        } else {
          if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new Error('invalid escape sequence');
          out += String.fromCodePoint(cp);
        }
        i += len;
        break;
      }
      default:
        if (n !== undefined && n >= '0' && n <= '7') {
          const oct = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid escape sequence');
          const v = parseInt(oct, 8);
          if (v >= 0x80) throw new Error('invalid UTF-8 in escape sequence');
          out += String.fromCharCode(v);
          i += 2;
          break;
        }
        throw new Error('unknown escape sequence');
    }
  }
  return out;
}
