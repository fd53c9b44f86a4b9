// Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text -> samples + metadata.
// Like Prometheus, a syntax error anywhere fails the whole scrape (the target is `up` 0 with
// the error as the reason), because half a scrape would produce false staleness.
//
// Differences between the two formats handled here: OpenMetrics timestamps are seconds
// (float), text format timestamps are integer milliseconds; OpenMetrics requires `# EOF`,
// allows `# UNIT` and exemplars (`# {labels} value [ts]` after a sample), and names a counter
// family without its `_total` suffix.
import type { MetricType } from '../../storage/batches.js';

export type ExpositionFormat = 'prometheus-text' | 'openmetrics';

export interface ParsedExemplar {
  labels: Record<string, string>;
  value: number;
  timestampMs: number | undefined;
}

export interface ParsedSample {
  name: string;
  /** Label pairs as written (without __name__). */
  labels: Record<string, string>;
  value: number;
  /** Explicit timestamp in ms, undefined when the exposition gave none. */
  timestampMs: number | undefined;
  exemplar?: ParsedExemplar;
}

export interface ParsedMetadata {
  name: string;
  type: MetricType;
  help: string;
  unit: string;
}

export interface ParsedExposition {
  samples: ParsedSample[];
  metadata: ParsedMetadata[];
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

/** Picks the parser from a response Content-Type, as Prometheus does (anything else is text 0.0.4). */
export function formatOfContentType(contentType: string | undefined | null): ExpositionFormat {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return ct === 'application/openmetrics-text' ? 'openmetrics' : 'prometheus-text';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const TEXT_TYPES: Record<string, MetricType> = { counter: 'counter', gauge: 'gauge', histogram: 'histogram', summary: 'summary', untyped: 'unknown' };
const OM_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  summary: 'summary',
  unknown: 'unknown',
  // Prometheus stores info and stateset as gauges (their samples are 1/0 gauges).
  info: 'gauge',
  stateset: 'gauge',
};

function parseFloatStrict(text: string, format: ExpositionFormat): number | undefined {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
  }
  if (format === 'prometheus-text' && /^[+-]?(nan|NaN|inf|Inf|INF)$/i.test(text)) return /nan/i.test(text) ? NaN : text.startsWith('-') ? -Infinity : Infinity;
  // Go's strconv.ParseFloat forms: decimal, exponent, hex floats are rare enough to skip.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

class LineCursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly lineNo: number,
  ) {}

  fail(msg: string): never {
    throw new ExpositionError(this.lineNo, msg);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipSpaces(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }

  /** Reads a token up to whitespace or one of the stop characters. */
  token(stop: string): string {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || stop.includes(c)) break;
      this.pos++;
    }
    return this.text.slice(start, this.pos);
  }

  quoted(): string {
    if (this.peek() !== '"') this.fail(`expected '"' to start a label value, got ${JSON.stringify(this.peek() || 'end of line')}`);
    this.pos++;
    let out = '';
    while (true) {
      if (this.pos >= this.text.length) this.fail('unterminated label value');
      const c = this.text[this.pos++];
      if (c === '"') return out;
      if (c === '\\') {
        const n = this.text[this.pos++];
        if (n === 'n') out += '\n';
        else if (n === '\\') out += '\\';
        else if (n === '"') out += '"';
        else this.fail(`invalid escape sequence '\\${n ?? ''}' in label value`);
      } else {
        out += c;
      }
    }
  }

  labels(): Record<string, string> {
    // At '{'.
    this.pos++;
    const out: Record<string, string> = {};
    this.skipSpaces();
    while (this.peek() !== '}') {
      if (this.atEnd()) this.fail("unterminated label set: missing '}'");
      const name = this.token('=,}');
      if (!LABEL_NAME.test(name)) this.fail(`invalid label name ${JSON.stringify(name)}`);
      this.skipSpaces();
      if (this.peek() !== '=') this.fail(`expected '=' after label name ${JSON.stringify(name)}`);
      this.pos++;
      this.skipSpaces();
      const value = this.quoted();
      if (Object.prototype.hasOwnProperty.call(out, name)) this.fail(`duplicate label name ${JSON.stringify(name)}`);
      out[name] = value;
      this.skipSpaces();
      if (this.peek() === ',') {
        this.pos++;
        this.skipSpaces();
      } else if (this.peek() !== '}') {
        this.fail(`expected ',' or '}' after label value, got ${JSON.stringify(this.peek() || 'end of line')}`);
      }
    }
    this.pos++;
    return out;
  }
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n|")/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

export function parseExposition(body: string, format: ExpositionFormat): ParsedExposition {
  const samples: ParsedSample[] = [];
  const meta = new Map<string, ParsedMetadata>();
  const lines = body.split('\n');
  let sawEof = false;
  const om = format === 'openmetrics';
  const metaOf = (name: string): ParsedMetadata => {
    let m = meta.get(name);
    if (!m) meta.set(name, (m = { name, type: 'unknown', help: '', unit: '' }));
    return m;
  };
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const lineNo = i + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (sawEof) {
      if (line === '' && i === lines.length - 1) break;
      throw new ExpositionError(lineNo, 'data after # EOF');
    }
    if (line.trim() === '') {
      if (om && i !== lines.length - 1) throw new ExpositionError(lineNo, 'empty line (not allowed in OpenMetrics)');
      continue;
    }
    if (line.startsWith('#')) {
      if (om && line === '# EOF') {
        sawEof = true;
        continue;
      }
      const m = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) {
        // Text format allows free comments; OpenMetrics only these keywords.
        if (om) throw new ExpositionError(lineNo, `invalid comment line ${JSON.stringify(line.slice(0, 80))}`);
        continue;
      }
      const [, keyword, name, rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new ExpositionError(lineNo, `invalid metric name ${JSON.stringify(name)} in # ${keyword}`);
      if (keyword === 'HELP') metaOf(name).help = unescapeHelp(rest);
      else if (keyword === 'UNIT') {
        if (!om) continue;
        metaOf(name).unit = rest.trim();
      } else {
        const t = (om ? OM_TYPES : TEXT_TYPES)[rest.trim()];
        if (t === undefined) throw new ExpositionError(lineNo, `invalid metric type ${JSON.stringify(rest.trim())}`);
        metaOf(name).type = t;
      }
      continue;
    }
    const cur: LineCursor = new LineCursor(line, lineNo);
    cur.skipSpaces();
    const name = cur.token('{');
    if (!METRIC_NAME.test(name)) cur.fail(`invalid metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    if (cur.peek() === '{') labels = cur.labels();
    cur.skipSpaces();
    const valueText = cur.token('#');
    if (valueText === '') cur.fail(`sample ${name} has no value`);
    const value = parseFloatStrict(valueText, format);
    if (value === undefined) cur.fail(`invalid value ${JSON.stringify(valueText)} for ${name}`);
    cur.skipSpaces();
    let timestampMs: number | undefined;
    if (!cur.atEnd() && cur.peek() !== '#') {
      const tsText = cur.token('#');
      if (om) {
        const ts = parseFloatStrict(tsText, format);
        if (ts === undefined || !Number.isFinite(ts)) cur.fail(`invalid timestamp ${JSON.stringify(tsText)}`);
        timestampMs = Math.round(ts * 1000);
      } else {
        if (!/^-?\d+$/.test(tsText)) cur.fail(`invalid timestamp ${JSON.stringify(tsText)} (text format timestamps are integer milliseconds)`);
        timestampMs = Number(tsText);
      }
      cur.skipSpaces();
    }
    let exemplar: ParsedExemplar | undefined;
    if (!cur.atEnd()) {
      if (!om || cur.peek() !== '#') cur.fail(`unexpected ${JSON.stringify(cur.text.slice(cur.pos, cur.pos + 20))} after the sample`);
      cur.pos++;
      cur.skipSpaces();
      if (cur.peek() !== '{') cur.fail("expected '{' to start exemplar labels");
      const exLabels = cur.labels();
      cur.skipSpaces();
      const exValueText = cur.token('');
      const exValue = parseFloatStrict(exValueText, format);
      if (exValue === undefined) cur.fail(`invalid exemplar value ${JSON.stringify(exValueText)}`);
      cur.skipSpaces();
      let exTs: number | undefined;
      if (!cur.atEnd()) {
        const t = parseFloatStrict(cur.token(''), format);
        if (t === undefined) cur.fail('invalid exemplar timestamp');
        exTs = Math.round(t * 1000);
        cur.skipSpaces();
      }
      if (!cur.atEnd()) cur.fail('unexpected text after the exemplar');
      exemplar = { labels: exLabels, value: exValue, timestampMs: exTs };
    }
    samples.push({ name, labels, value, timestampMs, exemplar });
  }
  if (om && !sawEof) throw new ExpositionError(lines.length, 'OpenMetrics exposition does not end with # EOF');
  // Metadata is keyed by the family name as declared (foo for foo_total, foo_bucket, ...).
  return { samples, metadata: [...meta.values()] };
}
