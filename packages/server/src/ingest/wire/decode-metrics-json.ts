// ExportMetricsServiceRequest (OTLP/JSON) -> SampleBatch; mirrors decode-metrics-pb.ts and
// shares the Prometheus mapping in sample-batch-builder.ts.
import type { DeltaToCumulative } from '../../pipeline/delta-to-cumulative.js';
import type { SampleBatch } from '../../storage/batches.js';
import { Rejections, type DecodeResult } from './decode-result.js';
import { isZeroHex } from './hex.js';
import {
  anyValueLabelJson,
  arrayField,
  attributeLabelsField,
  attributesField,
  boolField,
  containJsonErrors,
  doubleValue,
  enter,
  enumField,
  field,
  idField,
  int64Value,
  jsonError,
  leave,
  objectAt,
  objectField,
  parseJsonRequest,
  stringField,
  u32Field,
  u64Field,
  u64Number,
  type JsonObject,
} from './otlp-json.js';
import { MetricPoint, SampleBatchBuilder, type ExemplarIn, type OtlpMetricKind } from './sample-batch-builder.js';
import { nsApprox, nsToMs } from './u64.js';

export const TEMPORALITY_NAMES: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

const DATA_FIELDS: ReadonlyArray<[OtlpMetricKind, string, string]> = [
  ['gauge', 'gauge', 'gauge'],
  ['sum', 'sum', 'sum'],
  ['histogram', 'histogram', 'histogram'],
  ['exponential_histogram', 'exponentialHistogram', 'exponential_histogram'],
  ['summary', 'summary', 'summary'],
];

const t64 = { lo: 0, hi: 0 };

export function decodeMetricsJson(body: Uint8Array, tenant: string, delta?: DeltaToCumulative): DecodeResult<SampleBatch> {
  const rej = new Rejections();
  const b = new SampleBatchBuilder(tenant, rej, delta);
  const point = new MetricPoint();
  try {
    const root = parseJsonRequest(body);
    const resourceMetrics = arrayField(root, 'resourceMetrics', 'resource_metrics');
    enter('resourceMetrics');
    for (let ri = 0; ri < resourceMetrics.length; ri++) {
      const rm = objectAt(resourceMetrics, ri);
      enter(ri);
      const resource = objectField(rm, 'resource', 'resource');
      const resourcePairs: string[] = [];
      if (resource !== undefined) {
        enter('resource');
        attributeLabelsField(resource, 'attributes', 'attributes', resourcePairs);
        leave();
      }
      b.beginResource(resourcePairs);
      const scopeMetrics = arrayField(rm, 'scopeMetrics', 'scope_metrics');
      enter('scopeMetrics');
      for (let si = 0; si < scopeMetrics.length; si++) {
        const sm = objectAt(scopeMetrics, si);
        enter(si);
        const scope = objectField(sm, 'scope', 'scope');
        const scopePairs: string[] = [];
        let scopeName = '';
        let scopeVersion = '';
        if (scope !== undefined) {
          enter('scope');
          attributeLabelsField(scope, 'attributes', 'attributes', scopePairs);
          scopeName = stringField(scope, 'name', 'name');
          scopeVersion = stringField(scope, 'version', 'version');
          leave();
        }
        b.beginScope(scopeName, scopeVersion, stringField(sm, 'schemaUrl', 'schema_url'), scopePairs);
        const metrics = arrayField(sm, 'metrics', 'metrics');
        enter('metrics');
        for (let mi = 0; mi < metrics.length; mi++) {
          const m = objectAt(metrics, mi);
          enter(mi);
          decodeMetric(m, b, point);
          leave();
        }
        leave();
        leave();
      }
      leave();
      b.endResource();
      leave();
    }
    leave();
  } catch (err) {
    throw containJsonErrors(err);
  }
  return { batch: b.finish(), rejected: rej.count, rejectReasons: rej.reasons };
}

function decodeMetric(m: JsonObject, b: SampleBatchBuilder, p: MetricPoint): void {
  let kind: OtlpMetricKind | undefined;
  let data: JsonObject | undefined;
  let dataName = '';
  for (const [k, camel, snake] of DATA_FIELDS) {
    const d = objectField(m, camel, snake);
    if (d !== undefined) {
      kind = k;
      data = d;
      dataName = camel;
    }
  }
  if (kind === undefined || data === undefined) return;
  let typeHint = '';
  const metadata = arrayField(m, 'metadata', 'metadata');
  for (let i = 0; i < metadata.length; i++) {
    const kvo = objectAt(metadata, i);
    if (kvo.key === 'prometheus.type') {
      enter('metadata');
      enter(i);
      enter('value');
      typeHint = anyValueLabelJson(kvo.value);
      leave();
      leave();
      leave();
    }
  }
  const name = stringField(m, 'name', 'name');
  const description = stringField(m, 'description', 'description');
  const unit = stringField(m, 'unit', 'unit');
  enter(dataName);
  b.beginMetric(
    name,
    description,
    unit,
    kind,
    enumField(data, 'aggregationTemporality', 'aggregation_temporality', TEMPORALITY_NAMES),
    kind === 'sum' && boolField(data, 'isMonotonic', 'is_monotonic'),
    typeHint,
  );
  const points = arrayField(data, 'dataPoints', 'data_points');
  enter('dataPoints');
  for (let i = 0; i < points.length; i++) {
    const o = objectAt(points, i);
    enter(i);
    p.reset();
    readCommon(o, p);
    switch (kind) {
      case 'gauge':
      case 'sum':
        readNumberValue(o, p);
        readExemplars(o, p);
        b.addNumber(p);
        break;
      case 'histogram':
        readHistogram(o, p);
        readExemplars(o, p);
        b.addHistogram(p);
        break;
      case 'exponential_histogram':
        readExpHistogram(o, p);
        readExemplars(o, p);
        b.addExpHistogram(p);
        break;
      default:
        readSummary(o, p);
        b.addSummary(p);
    }
    leave();
  }
  leave();
  leave();
}

function readCommon(o: JsonObject, p: MetricPoint): void {
  attributeLabelsField(o, 'attributes', 'attributes', p.attrs);
  u64Field(o, 'startTimeUnixNano', 'start_time_unix_nano', t64);
  p.startNs = nsApprox(t64.lo, t64.hi);
  p.startMs = nsToMs(t64.lo, t64.hi);
  u64Field(o, 'timeUnixNano', 'time_unix_nano', t64);
  p.timeNs = nsApprox(t64.lo, t64.hi);
  p.timeMs = nsToMs(t64.lo, t64.hi);
  p.flags = u32Field(o, 'flags', 'flags');
}

function readNumberValue(o: JsonObject, p: MetricPoint): void {
  const d = field(o, 'asDouble', 'as_double');
  const i = field(o, 'asInt', 'as_int');
  if (i !== undefined) p.value = Number(int64Value(i, 'asInt'));
  else if (d !== undefined) p.value = doubleValue(d, 'asDouble');
}

function optionalDouble(o: JsonObject, name: string): number | null {
  const v = field(o, name, name);
  return v === undefined ? null : doubleValue(v, name);
}

function count(o: JsonObject, camel: string, snake: string): number {
  const v = field(o, camel, snake);
  return v === undefined ? 0 : u64Number(v, camel);
}

function readHistogram(o: JsonObject, p: MetricPoint): void {
  p.count = count(o, 'count', 'count');
  const sum = optionalDouble(o, 'sum');
  p.hasSum = sum !== null;
  p.sum = sum ?? 0;
  p.min = optionalDouble(o, 'min');
  p.max = optionalDouble(o, 'max');
  const counts = arrayField(o, 'bucketCounts', 'bucket_counts');
  enter('bucketCounts');
  for (let i = 0; i < counts.length; i++) p.counts.push(u64Number(counts[i], String(i)));
  leave();
  const bounds = arrayField(o, 'explicitBounds', 'explicit_bounds');
  enter('explicitBounds');
  for (let i = 0; i < bounds.length; i++) p.bounds.push(doubleValue(bounds[i], String(i)));
  leave();
}

function integer(o: JsonObject, name: string): number {
  const v = field(o, name, name);
  if (v === undefined) return 0;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw jsonError(name, 'an integer', v);
  return n | 0;
}

function readBuckets(o: JsonObject, name: string, counts: number[]): number {
  const bk = objectField(o, name, name);
  if (bk === undefined) return 0;
  enter(name);
  const list = arrayField(bk, 'bucketCounts', 'bucket_counts');
  enter('bucketCounts');
  for (let i = 0; i < list.length; i++) counts.push(u64Number(list[i], String(i)));
  leave();
  const offset = integer(bk, 'offset');
  leave();
  return offset;
}

function readExpHistogram(o: JsonObject, p: MetricPoint): void {
  p.count = count(o, 'count', 'count');
  const sum = optionalDouble(o, 'sum');
  p.hasSum = sum !== null;
  p.sum = sum ?? 0;
  p.min = optionalDouble(o, 'min');
  p.max = optionalDouble(o, 'max');
  p.scale = integer(o, 'scale');
  p.zeroCount = count(o, 'zeroCount', 'zero_count');
  const zt = field(o, 'zeroThreshold', 'zero_threshold');
  p.zeroThreshold = zt === undefined ? 0 : doubleValue(zt, 'zeroThreshold');
  p.positiveOffset = readBuckets(o, 'positive', p.positiveCounts);
  p.negativeOffset = readBuckets(o, 'negative', p.negativeCounts);
}

function readSummary(o: JsonObject, p: MetricPoint): void {
  p.count = count(o, 'count', 'count');
  const sum = field(o, 'sum', 'sum');
  p.sum = sum === undefined ? 0 : doubleValue(sum, 'sum');
  p.hasSum = true;
  const qs = arrayField(o, 'quantileValues', 'quantile_values');
  enter('quantileValues');
  for (let i = 0; i < qs.length; i++) {
    const q = objectAt(qs, i);
    enter(i);
    const quantile = field(q, 'quantile', 'quantile');
    const value = field(q, 'value', 'value');
    p.quantiles.push(quantile === undefined ? 0 : doubleValue(quantile, 'quantile'));
    p.quantileValues.push(value === undefined ? 0 : doubleValue(value, 'value'));
    leave();
  }
  leave();
}

function readExemplars(o: JsonObject, p: MetricPoint): void {
  const list = arrayField(o, 'exemplars', 'exemplars');
  if (list.length === 0) return;
  enter('exemplars');
  for (let i = 0; i < list.length; i++) {
    const ex = objectAt(list, i);
    enter(i);
    u64Field(ex, 'timeUnixNano', 'time_unix_nano', t64);
    const asInt = field(ex, 'asInt', 'as_int');
    const asDouble = field(ex, 'asDouble', 'as_double');
    const traceId = idField(ex, 'traceId', 'trace_id', 16);
    const spanId = idField(ex, 'spanId', 'span_id', 8);
    const out: ExemplarIn = {
      timeMs: nsToMs(t64.lo, t64.hi),
      value: asInt !== undefined ? Number(int64Value(asInt, 'asInt')) : asDouble !== undefined ? doubleValue(asDouble, 'asDouble') : 0,
      traceId: traceId === null || isZeroHex(traceId) ? '' : traceId,
      spanId: spanId === null || isZeroHex(spanId) ? '' : spanId,
      attributes: attributesField(ex, 'filteredAttributes', 'filtered_attributes'),
    };
    p.exemplars.push(out);
    leave();
  }
  leave();
}
