// Builders for wire tests: SDK-shaped spans/logs/metrics for the official OpenTelemetry JS
// serializers (real encodings, both protobuf and OTLP/JSON), and a tiny protobuf writer for
// the hand-built edge cases the SDK never produces.
import type { HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

export type Format = 'protobuf' | 'json';
export const FORMATS: Format[] = ['protobuf', 'json'];

/** Unix ns as HrTime, exactly (no float rounding). */
export function hr(ns: bigint): HrTime {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

export const T0 = 1_700_000_000_123_456_789n;

export function resource(attrs: Record<string, unknown>): Resource {
  return resourceFromAttributes(attrs as Record<string, string>);
}

export interface SpanSpec {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  parentRemote?: boolean;
  traceState?: string;
  traceFlags?: number;
  name?: string;
  kind?: number; // API SpanKind (0 internal .. 4 consumer)
  startNs?: bigint;
  endNs?: bigint;
  attributes?: Record<string, unknown>;
  events?: { name: string; timeNs: bigint; attributes?: Record<string, unknown>; droppedAttributesCount?: number }[];
  links?: { traceId: string; spanId: string; traceState?: string; traceFlags?: number; isRemote?: boolean; attributes?: Record<string, unknown>; droppedAttributesCount?: number }[];
  status?: { code: number; message?: string };
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
  resource?: Resource;
  scope?: { name: string; version?: string; schemaUrl?: string };
}

const defaultResource = resource({ 'service.name': 'checkout', 'deployment.environment': 'test' });
const defaultScope = { name: 'sightline-test', version: '1.2.3' };

function traceState(s: string | undefined): SpanContext['traceState'] {
  return s === undefined ? undefined : ({ serialize: () => s } as unknown as SpanContext['traceState']);
}

export function span(spec: SpanSpec = {}): ReadableSpan {
  const ctx: SpanContext = {
    traceId: spec.traceId ?? '0af7651916cd43dd8448eb211c80319c',
    spanId: spec.spanId ?? 'b7ad6b7169203331',
    traceFlags: spec.traceFlags ?? 1,
    traceState: traceState(spec.traceState),
  };
  const parent: SpanContext | undefined = spec.parentSpanId
    ? { traceId: ctx.traceId, spanId: spec.parentSpanId, traceFlags: 1, isRemote: spec.parentRemote ?? false }
    : undefined;
  const events: TimedEvent[] = (spec.events ?? []).map((e) => ({
    name: e.name,
    time: hr(e.timeNs),
    attributes: e.attributes as TimedEvent['attributes'],
    droppedAttributesCount: e.droppedAttributesCount,
  }));
  const links: Link[] = (spec.links ?? []).map((l) => ({
    context: { traceId: l.traceId, spanId: l.spanId, traceFlags: l.traceFlags ?? 0, isRemote: l.isRemote, traceState: traceState(l.traceState) },
    attributes: l.attributes as Link['attributes'],
    droppedAttributesCount: l.droppedAttributesCount,
  }));
  const start = spec.startNs ?? T0;
  const end = spec.endNs ?? T0 + 1_500_000n;
  return {
    name: spec.name ?? 'GET /orders/{id}',
    kind: spec.kind ?? 1,
    spanContext: () => ctx,
    parentSpanContext: parent,
    startTime: hr(start),
    endTime: hr(end),
    duration: hr(end > start ? end - start : 0n),
    status: { code: spec.status?.code ?? 0, message: spec.status?.message },
    attributes: (spec.attributes ?? {}) as ReadableSpan['attributes'],
    links,
    events,
    ended: true,
    resource: spec.resource ?? defaultResource,
    instrumentationScope: spec.scope ?? defaultScope,
    droppedAttributesCount: spec.droppedAttributesCount ?? 0,
    droppedEventsCount: spec.droppedEventsCount ?? 0,
    droppedLinksCount: spec.droppedLinksCount ?? 0,
  } as ReadableSpan;
}

export function encodeSpans(spans: ReadableSpan[], format: Format): Uint8Array {
  const out = format === 'json' ? JsonTraceSerializer.serializeRequest(spans) : ProtobufTraceSerializer.serializeRequest(spans);
  if (!out) throw new Error('serializer returned nothing');
  return out;
}

export interface LogSpec {
  timeNs?: bigint;
  observedNs?: bigint;
  severityNumber?: number;
  severityText?: string;
  body?: unknown;
  eventName?: string;
  attributes?: Record<string, unknown>;
  droppedAttributesCount?: number;
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
  resource?: Resource;
  scope?: { name: string; version?: string };
}

export function logRecord(spec: LogSpec = {}): ReadableLogRecord {
  return {
    hrTime: hr(spec.timeNs ?? T0),
    hrTimeObserved: hr(spec.observedNs ?? T0 + 5n),
    spanContext: spec.traceId ? { traceId: spec.traceId, spanId: spec.spanId ?? '', traceFlags: spec.traceFlags ?? 0 } : undefined,
    severityText: spec.severityText,
    severityNumber: spec.severityNumber,
    body: spec.body as ReadableLogRecord['body'],
    eventName: spec.eventName,
    resource: spec.resource ?? defaultResource,
    instrumentationScope: spec.scope ?? defaultScope,
    attributes: (spec.attributes ?? {}) as ReadableLogRecord['attributes'],
    droppedAttributesCount: spec.droppedAttributesCount ?? 0,
  } as ReadableLogRecord;
}

export function encodeLogs(records: ReadableLogRecord[], format: Format): Uint8Array {
  const out = format === 'json' ? JsonLogsSerializer.serializeRequest(records) : ProtobufLogsSerializer.serializeRequest(records);
  if (!out) throw new Error('serializer returned nothing');
  return out;
}

export function encodeMetrics(rm: ResourceMetrics, format: Format): Uint8Array {
  const out = format === 'json' ? JsonMetricsSerializer.serializeRequest(rm) : ProtobufMetricsSerializer.serializeRequest(rm);
  if (!out) throw new Error('serializer returned nothing');
  return out;
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function json(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value));
}

// ---- a minimal protobuf writer for hand-built messages ----

export type Bytes = Uint8Array | number[];

export function concat(...parts: Bytes[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return out;
}

export function tag(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

export const pb = {
  varint: (field: number, v: number | bigint): Uint8Array => concat(tag(field, 0), varint(v)),
  fixed64: (field: number, v: bigint): Uint8Array => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    return concat(tag(field, 1), b);
  },
  sfixed64: (field: number, v: bigint): Uint8Array => pb.fixed64(field, v),
  double: (field: number, v: number): Uint8Array => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return concat(tag(field, 1), b);
  },
  fixed32: (field: number, v: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return concat(tag(field, 5), b);
  },
  bytes: (field: number, b: Bytes): Uint8Array => concat(tag(field, 2), varint(b.length), b),
  string: (field: number, s: string): Uint8Array => pb.bytes(field, utf8(s)),
  message: (field: number, ...parts: Bytes[]): Uint8Array => pb.bytes(field, concat(...parts)),
  packedDoubles: (field: number, vs: number[]): Uint8Array => {
    const b = new Uint8Array(vs.length * 8);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat64(i * 8, v, true));
    return pb.bytes(field, b);
  },
  packedFixed64: (field: number, vs: number[]): Uint8Array => {
    const b = new Uint8Array(vs.length * 8);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setBigUint64(i * 8, BigInt(v), true));
    return pb.bytes(field, b);
  },
  packedVarints: (field: number, vs: number[]): Uint8Array => pb.bytes(field, concat(...vs.map((v) => varint(v)))),
  zigzag: (v: number): number => (v << 1) ^ (v >> 31),
};

export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** KeyValue helpers (common.proto) for hand-built attributes. */
export const av = {
  str: (s: string): Uint8Array => pb.string(1, s),
  bool: (b: boolean): Uint8Array => pb.varint(2, b ? 1 : 0),
  int: (v: number | bigint): Uint8Array => pb.varint(3, v),
  double: (v: number): Uint8Array => pb.double(4, v),
  array: (...values: Uint8Array[]): Uint8Array => pb.message(5, ...values.map((v) => pb.message(1, v))),
  kvlist: (...kvs: Uint8Array[]): Uint8Array => pb.message(6, ...kvs.map((kv) => pb.message(1, kv))),
  bytes: (b: Bytes): Uint8Array => pb.bytes(7, b),
  kv: (key: string, value?: Uint8Array): Uint8Array => concat(pb.string(1, key), value === undefined ? [] : pb.message(2, value)),
};

/** ExportTraceServiceRequest with one resource and one scope around the given Span messages. */
export function traceRequest(spans: Uint8Array[], resourceAttrs: Uint8Array[] = [av.kv('service.name', av.str('svc'))]): Uint8Array {
  return pb.message(1, pb.message(1, ...resourceAttrs.map((a) => pb.message(1, a))), pb.message(2, pb.message(1, pb.string(1, 'scope')), ...spans.map((s) => pb.message(2, s))));
}

export const TRACE_ID = hexBytes('5b8efff798038103d269b633813fc60c');
export const SPAN_ID = hexBytes('eee19b7ec3c1b174');

/** A valid Span message body plus extra fields. */
export function spanMessage(...extra: Uint8Array[]): Uint8Array {
  return concat(pb.bytes(1, TRACE_ID), pb.bytes(2, SPAN_ID), pb.string(5, 'op'), ...extra);
}
