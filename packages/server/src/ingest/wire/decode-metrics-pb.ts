// ExportMetricsServiceRequest (protobuf) -> SampleBatch. This file only reads the wire into a
// reused MetricPoint; sample-batch-builder.ts maps points to the Prometheus model.
// Field numbers: opentelemetry-proto v1 metrics.proto and collector/metrics/v1/metrics_service.proto.
import type { DeltaToCumulative } from '../../pipeline/delta-to-cumulative.js';
import type { SampleBatch } from '../../storage/batches.js';
import { anyValueLabel, keyIs, kv, scanKeyValue, writeKeyValue } from './any-value-pb.js';
import { Location, Rejections, locate, type DecodeResult } from './decode-result.js';
import { isAllZero, spanIdHex, traceIdHex } from './hex.js';
import { JsonWriter } from './json-writer.js';
import { readKeyValueLabel, readResourceLabels, readSchemaUrl, readScope } from './resource-scope-pb.js';
import { MetricPoint, SampleBatchBuilder, type ExemplarIn, type OtlpMetricKind } from './sample-batch-builder.js';
import { nsApprox, nsToMs } from './u64.js';
import { readUtf8 } from './utf8.js';
import { WireReader } from './wire-reader.js';

const TWO_32 = 4294967296;
const exemplarWriter = new JsonWriter(512);

export function decodeMetricsProtobuf(body: Uint8Array, tenant: string, delta?: DeltaToCumulative): DecodeResult<SampleBatch> {
  const r = new WireReader(body);
  const loc = new Location('resource_metrics', 'scope_metrics', 'metrics');
  const rej = new Rejections();
  const b = new SampleBatchBuilder(tenant, rej, delta);
  const point = new MetricPoint();
  try {
    const end = r.buf.length;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag !== 0x0a) {
        r.skip(tag, end);
        continue;
      }
      const rmEnd = r.lenEnd(end);
      const rmStart = r.pos;
      loc.enterResource();
      b.beginResource(readResourceLabels(r, rmStart, rmEnd));
      r.pos = rmStart;
      while (r.pos < rmEnd) {
        const t = r.tag(rmEnd);
        if (t !== 0x12) {
          r.skip(t, rmEnd);
          continue;
        }
        const smEnd = r.lenEnd(rmEnd);
        const smStart = r.pos;
        loc.enterScope();
        const scope = readScope(r, smStart, smEnd, true);
        b.beginScope(scope.name, scope.version, readSchemaUrl(r, smStart, smEnd), scope.labels);
        r.pos = smStart;
        while (r.pos < smEnd) {
          const u = r.tag(smEnd);
          if (u !== 0x12) {
            r.skip(u, smEnd);
            continue;
          }
          const mEnd = r.lenEnd(smEnd);
          loc.item++;
          decodeMetric(r, r.pos, mEnd, b, point);
          r.pos = mEnd;
        }
        r.pos = smEnd;
      }
      b.endResource();
      r.pos = rmEnd;
    }
  } catch (err) {
    throw locate(err, loc, 'SL_ERR_PROTOBUF_MALFORMED');
  }
  return { batch: b.finish(), rejected: rej.count, rejectReasons: rej.reasons };
}

const KIND_BY_TAG: Record<number, OtlpMetricKind> = {
  0x2a: 'gauge',
  0x3a: 'sum',
  0x4a: 'histogram',
  0x52: 'exponential_histogram',
  0x5a: 'summary',
};

function decodeMetric(r: WireReader, s: number, e: number, b: SampleBatchBuilder, p: MetricPoint): void {
  const buf = r.buf;
  let name = '';
  let description = '';
  let unit = '';
  let dataTag = 0;
  let dataS = 0;
  let dataE = 0;
  let typeHint = '';
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    switch (tag) {
      case 0x0a: {
        const end = r.lenEnd(e);
        name = readUtf8(buf, r.pos, end, 'metric.name');
        r.pos = end;
        break;
      }
      case 0x12: {
        const end = r.lenEnd(e);
        description = readUtf8(buf, r.pos, end, 'metric.description');
        r.pos = end;
        break;
      }
      case 0x1a: {
        const end = r.lenEnd(e);
        unit = readUtf8(buf, r.pos, end, 'metric.unit');
        r.pos = end;
        break;
      }
      case 0x2a:
      case 0x3a:
      case 0x4a:
      case 0x52:
      case 0x5a: {
        // The data oneof: the last member present wins.
        const end = r.lenEnd(e);
        dataTag = tag;
        dataS = r.pos;
        dataE = end;
        r.pos = end;
        break;
      }
      case 0x62: {
        // Metric.metadata carries hints such as prometheus.type (set when data came from Prometheus).
        const end = r.lenEnd(e);
        scanKeyValue(r, r.pos, end);
        if (kv.valueStart >= 0 && keyIs(buf, kv.keyStart, kv.keyEnd, 'prometheus.type')) typeHint = anyValueLabel(r, kv.valueStart, kv.valueEnd);
        r.pos = end;
        break;
      }
      default:
        r.skip(tag, e);
    }
  }
  if (dataTag === 0) return;
  const kind = KIND_BY_TAG[dataTag];
  let temporality = 0;
  let monotonic = false;
  r.pos = dataS;
  while (r.pos < dataE) {
    const tag = r.tag(dataE);
    if (tag === 0x10) temporality = r.varint32(dataE);
    else if (tag === 0x18) monotonic = r.varint64(dataE) !== 0 || r.hi !== 0;
    else r.skip(tag, dataE);
  }
  b.beginMetric(name, description, unit, kind, temporality, monotonic, typeHint);
  r.pos = dataS;
  while (r.pos < dataE) {
    const tag = r.tag(dataE);
    if (tag !== 0x0a) {
      r.skip(tag, dataE);
      continue;
    }
    const end = r.lenEnd(dataE);
    const ps = r.pos;
    p.reset();
    switch (kind) {
      case 'gauge':
      case 'sum':
        readNumberPoint(r, ps, end, p);
        resolveAttrs(r, p, b);
        b.addNumber(p);
        break;
      case 'histogram':
        readHistogramPoint(r, ps, end, p);
        resolveAttrs(r, p, b);
        b.addHistogram(p);
        break;
      case 'exponential_histogram':
        readExpHistogramPoint(r, ps, end, p);
        resolveAttrs(r, p, b);
        b.addExpHistogram(p);
        break;
      default:
        readSummaryPoint(r, ps, end, p);
        resolveAttrs(r, p, b);
        b.addSummary(p);
    }
    r.pos = end;
  }
}

/**
 * Records where an attribute (one KeyValue field) of the point lies: `at` is its tag, [s, e)
 * its payload. Attributes are decoded after the point (resolveAttrs), so a known attribute
 * block is never decoded at all.
 */
function noteAttr(p: MetricPoint, at: number, s: number, e: number): void {
  if (p.attrRanges.length === 0) p.attrFrom = at;
  else if (p.attrTo !== at) p.attrSplit = true;
  p.attrTo = e;
  p.attrRanges.push(s, e);
}

/**
 * A point's attributes. Senders repeat a series' attributes byte for byte in every export, so
 * the raw bytes of the attribute block are the key of the builder's label cache: a hit skips
 * UTF-8 decoding, sanitising, sorting and hashing (bench/decode.mjs). Only blocks that decoded
 * cleanly get cached (the builder stores them after building the labels).
 */
function resolveAttrs(r: WireReader, p: MetricPoint, b: SampleBatchBuilder): void {
  const ranges = p.attrRanges;
  if (ranges.length === 0) return;
  if (!p.attrSplit) {
    p.labelBytes = r.buf;
    p.labelView = r.view;
    if (b.useCachedLabels(p)) return;
  }
  for (let i = 0; i < ranges.length; i += 2) readKeyValueLabel(r, ranges[i]!, ranges[i + 1]!, p.attrs, 'data_point.attributes');
}

function setStart(p: MetricPoint, lo: number, hi: number): void {
  p.startNs = nsApprox(lo, hi);
  p.startMs = nsToMs(lo, hi);
}

function setTime(p: MetricPoint, lo: number, hi: number): void {
  p.timeNs = nsApprox(lo, hi);
  p.timeMs = nsToMs(lo, hi);
}

/** sfixed64 as a double (sample values are doubles in Prometheus anyway). */
function sfixed64(r: WireReader, e: number): number {
  const lo = r.fixed64(e);
  return (r.hi | 0) * TWO_32 + lo;
}

function u64Count(r: WireReader, e: number): number {
  const lo = r.fixed64(e);
  return r.hi * TWO_32 + lo;
}

function zigzag32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}

function readNumberPoint(r: WireReader, s: number, e: number, p: MetricPoint): void {
  r.pos = s;
  while (r.pos < e) {
    const at = r.pos;
    const tag = r.tag(e);
    switch (tag) {
      case 0x11: {
        const lo = r.fixed64(e);
        setStart(p, lo, r.hi);
        break;
      }
      case 0x19: {
        const lo = r.fixed64(e);
        setTime(p, lo, r.hi);
        break;
      }
      case 0x21:
        p.value = r.double(e);
        break;
      case 0x31:
        p.value = sfixed64(r, e);
        break;
      case 0x2a: {
        const end = r.lenEnd(e);
        p.exemplars.push(readExemplar(r, r.pos, end));
        r.pos = end;
        break;
      }
      case 0x3a: {
        const end = r.lenEnd(e);
        noteAttr(p, at, r.pos, end);
        r.pos = end;
        break;
      }
      case 0x40:
        p.flags = r.varint32(e);
        break;
      default:
        r.skip(tag, e);
    }
  }
}

function readHistogramPoint(r: WireReader, s: number, e: number, p: MetricPoint): void {
  r.pos = s;
  while (r.pos < e) {
    const at = r.pos;
    const tag = r.tag(e);
    switch (tag) {
      case 0x11: {
        const lo = r.fixed64(e);
        setStart(p, lo, r.hi);
        break;
      }
      case 0x19: {
        const lo = r.fixed64(e);
        setTime(p, lo, r.hi);
        break;
      }
      case 0x21:
        p.count = u64Count(r, e);
        break;
      case 0x29:
        p.sum = r.double(e);
        p.hasSum = true;
        break;
      case 0x32: {
        // Packed repeated fixed64 (the normal encoding) ...
        const end = r.lenEnd(e);
        if ((end - r.pos) % 8 !== 0) r.fail('packed fixed64 bucket_counts length not a multiple of 8');
        while (r.pos < end) p.counts.push(u64Count(r, end));
        break;
      }
      case 0x31:
        // ... or one element per field, which parsers must accept as well.
        p.counts.push(u64Count(r, e));
        break;
      case 0x3a: {
        const end = r.lenEnd(e);
        if ((end - r.pos) % 8 !== 0) r.fail('packed double explicit_bounds length not a multiple of 8');
        while (r.pos < end) p.bounds.push(r.double(end));
        break;
      }
      case 0x39:
        p.bounds.push(r.double(e));
        break;
      case 0x42: {
        const end = r.lenEnd(e);
        p.exemplars.push(readExemplar(r, r.pos, end));
        r.pos = end;
        break;
      }
      case 0x4a: {
        const end = r.lenEnd(e);
        noteAttr(p, at, r.pos, end);
        r.pos = end;
        break;
      }
      case 0x50:
        p.flags = r.varint32(e);
        break;
      case 0x59:
        p.min = r.double(e);
        break;
      case 0x61:
        p.max = r.double(e);
        break;
      default:
        r.skip(tag, e);
    }
  }
}

function readExpBuckets(r: WireReader, s: number, e: number, counts: number[]): number {
  let offset = 0;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === 0x08) {
      offset = zigzag32(r.varint32(e));
    } else if (tag === 0x12) {
      const end = r.lenEnd(e);
      while (r.pos < end) {
        const lo = r.varint64(end);
        counts.push(r.hi * TWO_32 + lo);
      }
    } else if (tag === 0x10) {
      const lo = r.varint64(e);
      counts.push(r.hi * TWO_32 + lo);
    } else {
      r.skip(tag, e);
    }
  }
  return offset;
}

function readExpHistogramPoint(r: WireReader, s: number, e: number, p: MetricPoint): void {
  r.pos = s;
  while (r.pos < e) {
    const at = r.pos;
    const tag = r.tag(e);
    switch (tag) {
      case 0x0a: {
        const end = r.lenEnd(e);
        noteAttr(p, at, r.pos, end);
        r.pos = end;
        break;
      }
      case 0x11: {
        const lo = r.fixed64(e);
        setStart(p, lo, r.hi);
        break;
      }
      case 0x19: {
        const lo = r.fixed64(e);
        setTime(p, lo, r.hi);
        break;
      }
      case 0x21:
        p.count = u64Count(r, e);
        break;
      case 0x29:
        p.sum = r.double(e);
        p.hasSum = true;
        break;
      case 0x30:
        p.scale = zigzag32(r.varint32(e));
        break;
      case 0x39:
        p.zeroCount = u64Count(r, e);
        break;
      case 0x42: {
        const end = r.lenEnd(e);
        p.positiveCounts = [];
        p.positiveOffset = readExpBuckets(r, r.pos, end, p.positiveCounts);
        r.pos = end;
        break;
      }
      case 0x4a: {
        const end = r.lenEnd(e);
        p.negativeCounts = [];
        p.negativeOffset = readExpBuckets(r, r.pos, end, p.negativeCounts);
        r.pos = end;
        break;
      }
      case 0x50:
        p.flags = r.varint32(e);
        break;
      case 0x5a: {
        const end = r.lenEnd(e);
        p.exemplars.push(readExemplar(r, r.pos, end));
        r.pos = end;
        break;
      }
      case 0x61:
        p.min = r.double(e);
        break;
      case 0x69:
        p.max = r.double(e);
        break;
      case 0x71:
        p.zeroThreshold = r.double(e);
        break;
      default:
        r.skip(tag, e);
    }
  }
}

function readSummaryPoint(r: WireReader, s: number, e: number, p: MetricPoint): void {
  r.pos = s;
  while (r.pos < e) {
    const at = r.pos;
    const tag = r.tag(e);
    switch (tag) {
      case 0x11: {
        const lo = r.fixed64(e);
        setStart(p, lo, r.hi);
        break;
      }
      case 0x19: {
        const lo = r.fixed64(e);
        setTime(p, lo, r.hi);
        break;
      }
      case 0x21:
        p.count = u64Count(r, e);
        break;
      case 0x29:
        p.sum = r.double(e);
        p.hasSum = true;
        break;
      case 0x32: {
        const end = r.lenEnd(e);
        let q = 0;
        let v = 0;
        while (r.pos < end) {
          const t = r.tag(end);
          if (t === 0x09) q = r.double(end);
          else if (t === 0x11) v = r.double(end);
          else r.skip(t, end);
        }
        p.quantiles.push(q);
        p.quantileValues.push(v);
        break;
      }
      case 0x3a: {
        const end = r.lenEnd(e);
        noteAttr(p, at, r.pos, end);
        r.pos = end;
        break;
      }
      case 0x40:
        p.flags = r.varint32(e);
        break;
      default:
        r.skip(tag, e);
    }
  }
}

function readExemplar(r: WireReader, s: number, e: number): ExemplarIn {
  const buf = r.buf;
  let timeMs = 0;
  let value = 0;
  let tidS = 0;
  let tidLen = 0;
  let sidS = 0;
  let sidLen = 0;
  const w = exemplarWriter;
  w.reset();
  w.byte(0x7b);
  let n = 0;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    switch (tag) {
      case 0x11: {
        const lo = r.fixed64(e);
        timeMs = nsToMs(lo, r.hi);
        break;
      }
      case 0x19:
        value = r.double(e);
        break;
      case 0x31:
        value = sfixed64(r, e);
        break;
      case 0x22: {
        const end = r.lenEnd(e);
        sidS = r.pos;
        sidLen = end - r.pos;
        r.pos = end;
        break;
      }
      case 0x2a: {
        const end = r.lenEnd(e);
        tidS = r.pos;
        tidLen = end - r.pos;
        r.pos = end;
        break;
      }
      case 0x3a: {
        const end = r.lenEnd(e);
        if (n++ > 0) w.byte(0x2c);
        writeKeyValue(r, w, r.pos, end, 1);
        r.pos = end;
        break;
      }
      default:
        r.skip(tag, e);
    }
  }
  w.byte(0x7d);
  return {
    timeMs,
    value,
    // An exemplar's trace context is optional; an unusable one is left empty.
    traceId: tidLen === 16 && !isAllZero(buf, tidS, 16) ? traceIdHex(buf, tidS) : '',
    spanId: sidLen === 8 && !isAllZero(buf, sidS, 8) ? spanIdHex(buf, sidS) : '',
    attributes: n === 0 ? '{}' : w.text(),
  };
}
