// prometheus.WriteRequest (remote_write 1.0, after snappy) -> SampleBatch. Field numbers from
// prometheus/prometheus prompb/remote.proto and prompb/types.proto:
//
//   WriteRequest   { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
//   TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3;
//                    repeated Histogram histograms = 4; }
//   Label          { string name = 1; string value = 2; }
//   Sample         { double value = 1; int64 timestamp = 2; }
//   Exemplar       { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
//   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
//   Histogram      { oneof count { uint64 count_int = 1; double count_float = 2; } double sum = 3;
//                    sint32 schema = 4; double zero_threshold = 5;
//                    oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
//                    repeated BucketSpan negative_spans = 8; repeated sint64 negative_deltas = 9;
//                    repeated double negative_counts = 10; repeated BucketSpan positive_spans = 11;
//                    repeated sint64 positive_deltas = 12; repeated double positive_counts = 13;
//                    ResetHint reset_hint = 14; int64 timestamp = 15; }
//   BucketSpan     { sint32 offset = 1; uint32 length = 2; }
//
// A series whose labels are unusable (no metric name, empty or duplicate label names, names
// outside the Prometheus charset) fails the whole request with 400: remote_write senders do
// not retry 4xx, and a partial write would be a silent drop of the rest.
import type { MetricType, SeriesDef } from '../../storage/batches.js';
import { DecodeError } from './decode-error.js';
import type { DecodeResult } from './decode-result.js';
import { LabeledSampleBuilder } from './labeled-sample-builder.js';
import { ByteKeyCache } from './byte-key-cache.js';
import { readUtf8 } from './utf8.js';
import { WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireReader } from './wire-reader.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Dense OTLP bucket arrays are built from sparse spans; a bigger gap than this is an attack, not a histogram. */
const MAX_DENSE_BUCKETS = 16_384;

const TYPES: MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'gauge', 'gauge'];

const T_LEN = (field: number) => (field << 3) | WIRE_LEN;
const T_VARINT = (field: number) => (field << 3) | WIRE_VARINT;
const T_F64 = (field: number) => (field << 3) | WIRE_FIXED64;

function invalid(message: string): DecodeError {
  // Same code family as the other protobuf decoders: the request is malformed for our purposes.
  return new DecodeError('SL_ERR_PROTOBUF_MALFORMED', message);
}

/** int64 from the reader's lo/hi pair; beyond 2^53 ms (year 287396) precision loss does not matter. */
function int64(lo: number, hi: number): number {
  return (hi | 0) * 4294967296 + lo;
}

function zigzag32(v: number): number {
  return (v >>> 1) ^ -(v & 1);
}

// Senders repeat the same series in every request with byte-identical label encodings
// (Prometheus writes them sorted, from its own interned label sets). Keyed by those raw bytes,
// a known series skips UTF-8 decoding, validation and hashing: the decode cost of a series
// drops to hashing and comparing its label bytes (bench/remote-write-decode.mjs). Only label
// blocks that passed validation are cached. Bounded; cleared wholesale when full.
const labelBytesCache = new ByteKeyCache<SeriesDef>({ maxEntries: 100_000 });

/** Labels of the message being decoded, as parallel arrays reused across series. */
class LabelScratch {
  names: string[] = [];
  values: string[] = [];
  n = 0;
  /** labelBytesCache entry of the previous series of this request (-1: none), its successor hint. */
  prevEntry = -1;

  reset(): void {
    this.n = 0;
  }

  get(name: string): string | undefined {
    for (let i = 0; i < this.n; i++) if (this.names[i] === name) return this.values[i];
    return undefined;
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.n; i++) out[this.names[i]] = this.values[i];
    return out;
  }
}

export function decodeRemoteWrite(body: Uint8Array, tenant: string): DecodeResult<ReturnType<LabeledSampleBuilder['finish']>> {
  const r = new WireReader(body);
  const end = r.buf.length;
  const out = new LabeledSampleBuilder(tenant);
  const scratch = new LabelScratch();
  let seriesIndex = -1;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T_LEN(1)) {
      seriesIndex++;
      const e = r.lenEnd(end);
      decodeTimeSeries(r, e, out, seriesIndex, scratch);
      r.pos = e;
    } else if (tag === T_LEN(3)) {
      const e = r.lenEnd(end);
      decodeMetadata(r, e, out);
      r.pos = e;
    } else {
      r.skip(tag, end);
    }
  }
  return { batch: out.finish(), rejected: 0, rejectReasons: [] };
}

function readLabel(r: WireReader, end: number, into: LabelScratch, where: string): void {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T_LEN(1)) {
      const e = r.lenEnd(end);
      name = readUtf8(r.buf, r.pos, e, 'Label.name');
      r.pos = e;
    } else if (tag === T_LEN(2)) {
      const e = r.lenEnd(end);
      value = readUtf8(r.buf, r.pos, e, 'Label.value');
      r.pos = e;
    } else {
      r.skip(tag, end);
    }
  }
  if (name === '') throw invalid(`${where}: a label has an empty name`);
  if (into.get(name) !== undefined) throw invalid(`${where}: duplicate label name ${JSON.stringify(name)}`);
  if (name !== '__name__' && !LABEL_NAME.test(name)) throw invalid(`${where}: label name ${JSON.stringify(name)} must match [a-zA-Z_][a-zA-Z0-9_]*`);
  // A property of that name cannot be set on a plain object; no real series uses it.
  if (name === '__proto__') throw invalid(`${where}: label name "__proto__" is not supported`);
  const i = into.n++;
  into.names[i] = name;
  into.values[i] = value;
}

function decodeTimeSeries(r: WireReader, end: number, out: LabeledSampleBuilder, index: number, scratch: LabelScratch): void {
  const start = r.pos;
  scratch.reset();
  // The leading run of label fields, as raw bytes: the cache key.
  while (r.pos < end && r.buf[r.pos] === 0x0a) {
    r.tag(end);
    r.pos = r.lenEnd(end);
  }
  const labelsEnd = r.pos;
  const entry = labelsEnd > start ? labelBytesCache.find(r.view, start, labelsEnd, 0, scratch.prevEntry) : -1;
  const cached = entry >= 0 ? labelBytesCache.value(entry) : undefined;
  if (entry >= 0) scratch.prevEntry = entry;
  let hasData = false;
  if (cached !== undefined) {
    // Known series: only confirm no stray label fields follow the leading run (a series with
    // more labels after its samples is another series: decoded in full below, never cached).
    let stray = false;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === T_LEN(1)) {
        stray = true;
        break;
      }
      if (tag === T_LEN(2) || tag === T_LEN(3) || tag === T_LEN(4)) hasData = true;
      r.skip(tag, end);
    }
    if (!stray) {
      if (!hasData) return;
      // [start, labelsEnd) holds label fields only: the second pass starts after them.
      return appendData(r, labelsEnd, end, out, out.seriesOfDef(cached), index);
    }
    hasData = false;
  }
  const where = `timeseries[${index}]`;
  r.pos = start;
  // Two passes over the message: labels first (they may legally follow the samples on the
  // wire), then samples straight into the batch columns, so no per-sample objects are built.
  let lastLabelEnd = start;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T_LEN(1)) {
      const e = r.lenEnd(end);
      readLabel(r, e, scratch, where);
      r.pos = lastLabelEnd = e;
    } else {
      if (tag === T_LEN(2) || tag === T_LEN(3) || tag === T_LEN(4)) hasData = true;
      r.skip(tag, end);
    }
  }
  const name = scratch.get('__name__');
  if (name === undefined || name === '') throw invalid(`${where}: the series has no __name__ label`);
  if (!METRIC_NAME.test(name)) throw invalid(`${where}: metric name ${JSON.stringify(name)} must match [a-zA-Z_:][a-zA-Z0-9_:]*`);
  // Prometheus sends exemplars in their own TimeSeries entries, without samples.
  if (!hasData) return;
  const fp = out.seriesOfPairs(scratch.names, scratch.values, scratch.n);
  if (labelsEnd > start && lastLabelEnd <= labelsEnd && cached === undefined) {
    const def = out.defOf(fp);
    if (def) scratch.prevEntry = labelBytesCache.set(r.buf, r.view, start, labelsEnd, def, 0, scratch.prevEntry);
  }
  appendData(r, start, end, out, fp, index);
}

/** Second pass from `start` (label fields before it are skipped): samples, exemplars and histograms of a series whose fingerprint is known. */
function appendData(r: WireReader, start: number, end: number, out: LabeledSampleBuilder, fp: number, index: number): void {
  r.pos = start;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T_LEN(2)) {
      const e = r.lenEnd(end);
      let timeMs = 0;
      let lo = 0;
      let hi = 0;
      while (r.pos < e) {
        const t = r.tag(e);
        if (t === T_F64(1)) {
          lo = r.fixed64(e);
          hi = r.hi;
        } else if (t === T_VARINT(2)) {
          const tlo = r.varint64(e);
          timeMs = int64(tlo, r.hi);
        } else {
          r.skip(t, e);
        }
      }
      // Raw IEEE-754 words: the stale-marker NaN payload must survive.
      out.pushBits(fp, timeMs, lo, hi);
      r.pos = e;
    } else if (tag === T_LEN(3)) {
      const e = r.lenEnd(end);
      decodeExemplar(r, e, fp, out, `timeseries[${index}]`);
      r.pos = e;
    } else if (tag === T_LEN(4)) {
      const e = r.lenEnd(end);
      decodeHistogram(r, e, fp, out, `timeseries[${index}]`);
      r.pos = e;
    } else {
      r.skip(tag, end);
    }
  }
}

function decodeExemplar(r: WireReader, end: number, fp: number, out: LabeledSampleBuilder, where: string): void {
  const scratch = new LabelScratch();
  let value = 0;
  let timeMs = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T_LEN(1)) {
      const e = r.lenEnd(end);
      readLabel(r, e, scratch, `${where}.exemplars`);
      r.pos = e;
    } else if (tag === T_F64(2)) {
      value = r.double(end);
    } else if (tag === T_VARINT(3)) {
      const lo = r.varint64(end);
      timeMs = int64(lo, r.hi);
    } else {
      r.skip(tag, end);
    }
  }
  // Exemplar labels are free-form; trace and span id conventionally use these names.
  const attrs: Record<string, string> = {};
  let traceId = '';
  let spanId = '';
  for (const [k, v] of Object.entries(scratch.toObject())) {
    if (k === 'trace_id' || k === 'traceID' || k === 'traceId') traceId = v.toLowerCase();
    else if (k === 'span_id' || k === 'spanID' || k === 'spanId') spanId = v.toLowerCase();
    else attrs[k] = v;
  }
  out.addExemplar({ fingerprint: fp, timeMs, value, traceId, spanId, attributes: JSON.stringify(attrs) });
}

interface Side {
  spans: Array<[number, number]>;
  deltas: number[];
  counts: number[];
}

function decodeSpans(r: WireReader, end: number, side: Side): void {
  let offset = 0;
  let length = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T_VARINT(1)) offset = zigzag32(r.varint32(end));
    else if (tag === T_VARINT(2)) length = r.varint32(end);
    else r.skip(tag, end);
  }
  side.spans.push([offset, length]);
}

function readRepeated(r: WireReader, tag: number, end: number, field: number, target: number[], kind: 'sint64' | 'double'): boolean {
  if (kind === 'sint64') {
    const one = (e: number) => {
      const lo = r.varint64(e);
      const hi = r.hi;
      // zigzag on 64 bits: (n >>> 1) ^ -(n & 1), done on the double value (exact below 2^53).
      const n = hi * 4294967296 + lo;
      target.push(lo & 1 ? -(n + 1) / 2 : n / 2);
    };
    if (tag === T_VARINT(field)) {
      one(end);
      return true;
    }
    if (tag === T_LEN(field)) {
      const e = r.lenEnd(end);
      while (r.pos < e) one(e);
      return true;
    }
    return false;
  }
  if (tag === T_F64(field)) {
    target.push(r.double(end));
    return true;
  }
  if (tag === T_LEN(field)) {
    const e = r.lenEnd(end);
    while (r.pos < e) target.push(r.double(e));
    return true;
  }
  return false;
}

/**
 * Sparse Prometheus buckets -> dense OTLP buckets. Prometheus bucket i covers
 * (base^(i-1), base^i], OTLP bucket k covers (base^k, base^(k+1)], so k = i - 1; the schema is
 * the OTLP scale. Integer histograms carry deltas between consecutive counts.
 */
function dense(side: Side, where: string): { offset: number; counts: number[] } {
  const values = side.deltas.length > 0 ? [] : side.counts;
  if (side.deltas.length > 0) {
    let c = 0;
    for (const d of side.deltas) values.push((c += d));
  }
  if (side.spans.length === 0) return { offset: 0, counts: [] };
  const counts: number[] = [];
  let index = 0;
  let start = 0;
  let vi = 0;
  for (let s = 0; s < side.spans.length; s++) {
    const [off, len] = side.spans[s];
    if (s === 0) {
      index = off;
      start = off;
    } else {
      for (let g = 0; g < off; g++) counts.push(0);
      index += off;
    }
    if (counts.length + len > MAX_DENSE_BUCKETS) throw invalid(`${where}: native histogram spans more than ${MAX_DENSE_BUCKETS} buckets`);
    for (let k = 0; k < len; k++) {
      if (vi >= values.length) throw invalid(`${where}: native histogram spans describe more buckets than it has counts`);
      counts.push(values[vi++]);
    }
    index += len;
  }
  return { offset: start - 1, counts };
}

function decodeHistogram(r: WireReader, end: number, fp: number, out: LabeledSampleBuilder, where: string): void {
  let count = 0;
  let sum = 0;
  let schema = 0;
  let zeroThreshold = 0;
  let zeroCount = 0;
  let timeMs = 0;
  const neg: Side = { spans: [], deltas: [], counts: [] };
  const pos: Side = { spans: [], deltas: [], counts: [] };
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case T_VARINT(1): {
        const lo = r.varint64(end);
        count = r.hi * 4294967296 + lo;
        break;
      }
      case T_F64(2):
        count = r.double(end);
        break;
      case T_F64(3):
        sum = r.double(end);
        break;
      case T_VARINT(4):
        schema = zigzag32(r.varint32(end));
        break;
      case T_F64(5):
        zeroThreshold = r.double(end);
        break;
      case T_VARINT(6): {
        const lo = r.varint64(end);
        zeroCount = r.hi * 4294967296 + lo;
        break;
      }
      case T_F64(7):
        zeroCount = r.double(end);
        break;
      case T_LEN(8): {
        const e = r.lenEnd(end);
        decodeSpans(r, e, neg);
        r.pos = e;
        break;
      }
      case T_LEN(11): {
        const e = r.lenEnd(end);
        decodeSpans(r, e, pos);
        r.pos = e;
        break;
      }
      case T_VARINT(15): {
        const lo = r.varint64(end);
        timeMs = int64(lo, r.hi);
        break;
      }
      default:
        if (readRepeated(r, tag, end, 9, neg.deltas, 'sint64')) break;
        if (readRepeated(r, tag, end, 10, neg.counts, 'double')) break;
        if (readRepeated(r, tag, end, 12, pos.deltas, 'sint64')) break;
        if (readRepeated(r, tag, end, 13, pos.counts, 'double')) break;
        r.skip(tag, end);
    }
  }
  if (schema < -4 || schema > 8) throw invalid(`${where}: native histogram schema ${schema} is outside -4..8`);
  const p = dense(pos, where);
  const n = dense(neg, where);
  out.addExpHistogram({
    fingerprint: fp,
    timeMs,
    startTimeMs: 0,
    count,
    sum,
    min: null,
    max: null,
    scale: schema,
    zeroCount,
    zeroThreshold,
    positiveOffset: p.offset,
    positiveCounts: p.counts,
    negativeOffset: n.offset,
    negativeCounts: n.counts,
    flags: 0,
  });
}

function decodeMetadata(r: WireReader, end: number, out: LabeledSampleBuilder): void {
  let type = 0;
  let name = '';
  let help = '';
  let unit = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T_VARINT(1)) {
      type = r.varint32(end);
    } else if (tag === T_LEN(2)) {
      const e = r.lenEnd(end);
      name = readUtf8(r.buf, r.pos, e, 'MetricMetadata.metric_family_name');
      r.pos = e;
    } else if (tag === T_LEN(4)) {
      const e = r.lenEnd(end);
      help = readUtf8(r.buf, r.pos, e, 'MetricMetadata.help');
      r.pos = e;
    } else if (tag === T_LEN(5)) {
      const e = r.lenEnd(end);
      unit = readUtf8(r.buf, r.pos, e, 'MetricMetadata.unit');
      r.pos = e;
    } else {
      r.skip(tag, end);
    }
  }
  // Metadata is advisory; an entry without a family name says nothing and is ignored.
  if (name === '') return;
  out.addMetadata({ name, type: TYPES[type] ?? 'unknown', unit, help });
}
