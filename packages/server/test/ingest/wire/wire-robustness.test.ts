// The protobuf reader against hostile input: unknown fields of every wire type at every level,
// groups, truncation at every byte, and random bytes. The contract: a batch or a DecodeError
// with a stable code, nothing else, and always in bounded time.
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from '../../../src/ingest/wire/index.js';
import { WireReader } from '../../../src/ingest/wire/wire-reader.js';
import { DeltaToCumulative } from '../../../src/pipeline/delta-to-cumulative.js';
import { T0, av, concat, encodeLogs, encodeMetrics, encodeSpans, logRecord, pb, resource, span, spanMessage, tag, traceRequest, varint } from './otlp-fixtures.js';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ValueType } from '@opentelemetry/api';

const CODES = new Set(['SL_ERR_PROTOBUF_MALFORMED', 'SL_ERR_JSON_INVALID', 'SL_ERR_INVALID_UTF8', 'SL_ERR_NESTING_TOO_DEEP']);

/** Runs fn; passes if it returns or throws a DecodeError with a known code and no hidden internal error. */
function decodesOrRejectsCleanly(fn: () => unknown): 'ok' | 'rejected' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof DecodeError)) throw new Error(`non-DecodeError escaped: ${String(err)}`, { cause: err });
    if (!CODES.has(err.code)) throw new Error(`unknown code ${err.code}`);
    if (err.cause !== undefined) throw new Error(`decoder bug contained as DecodeError: ${err.message}`, { cause: err.cause });
    return 'rejected';
  }
}

function unknownFields(field: number): Uint8Array {
  return concat(
    pb.varint(field, 12345678901234n),
    pb.fixed64(field + 1, 7n),
    pb.bytes(field + 2, [1, 2, 3, 0xff]),
    pb.fixed32(field + 3, 9),
    // A group with a nested group and scalar fields inside.
    tag(field + 4, 3),
    pb.varint(1, 1),
    tag(2, 3),
    pb.fixed32(3, 1),
    tag(2, 4),
    tag(field + 4, 4),
  );
}

describe('unknown fields', () => {
  it('of every wire type, at every message level, are skipped (traces)', () => {
    const U = (n: number) => unknownFields(n);
    const attr = concat(pb.string(1, 'k'), pb.message(2, concat(av.str('v'), U(100))), U(50));
    const event = concat(pb.fixed64(1, 5n), pb.string(2, 'ev'), pb.message(3, attr), U(40));
    const link = concat(pb.bytes(1, new Uint8Array(16).fill(1)), pb.bytes(2, new Uint8Array(8).fill(2)), U(30));
    const status = concat(pb.varint(3, 2), U(20));
    const spanBody = spanMessage(pb.message(9, attr), pb.message(11, event), pb.message(13, link), pb.message(15, status), U(17), U(1000), U(536870900));
    const body = concat(
      pb.message(1, pb.message(1, pb.message(1, av.kv('service.name', av.str('s'))), U(10)), pb.message(2, pb.message(1, pb.string(1, 'sc'), U(10)), pb.message(2, spanBody), U(10)), U(10)),
      U(2),
    );
    const plain = traceRequest([spanMessage(pb.message(9, av.kv('k', av.str('v'))), pb.message(11, concat(pb.fixed64(1, 5n), pb.string(2, 'ev'), pb.message(3, av.kv('k', av.str('v'))))), pb.message(13, concat(pb.bytes(1, new Uint8Array(16).fill(1)), pb.bytes(2, new Uint8Array(8).fill(2)))), pb.message(15, pb.varint(3, 2)))], [av.kv('service.name', av.str('s'))]);
    const a = decodeTraceRequest(body, 'protobuf', 't').batch;
    const b = decodeTraceRequest(plain.slice(), 'protobuf', 't').batch;
    expect(a.attributes).toEqual(b.attributes);
    expect(a.events).toEqual(b.events);
    expect(a.links).toEqual(b.links);
    expect(Array.from(a.statusCode)).toEqual([2]);
    expect(a.serviceName).toEqual(['s']);
  });

  it('a known field with an unexpected wire type is skipped like an unknown one', () => {
    // name (5) sent as varint, kind (6) sent as length-delimited.
    const res = decodeTraceRequest(traceRequest([spanMessage(pb.varint(5, 3), pb.bytes(6, [1]))]), 'protobuf', 't');
    expect(res.batch.name).toEqual(['op']);
    expect(Array.from(res.batch.spanKind)).toEqual([0]);
  });

  it('repeated singular fields follow protobuf: the last one wins', () => {
    const res = decodeTraceRequest(traceRequest([spanMessage(pb.string(5, 'second'), pb.varint(6, 3), pb.varint(6, 4))]), 'protobuf', 't');
    expect(res.batch.name).toEqual(['second']);
    expect(Array.from(res.batch.spanKind)).toEqual([4]);
  });
});

describe('malformed protobuf', () => {
  const cases: { name: string; body: Uint8Array; message: RegExp }[] = [
    { name: 'truncated varint', body: new Uint8Array([0x08, 0x80]), message: /truncated varint at byte offset 1/ },
    { name: 'varint longer than 10 bytes', body: concat([0x08], new Array(10).fill(0xff), [0x01]), message: /varint longer than 10 bytes/ },
    { name: 'length past the end', body: new Uint8Array([0x0a, 0x05, 0x01]), message: /length 5 past the end.*byte offset 1/ },
    { name: 'nested length past the parent', body: concat([0x0a, 0x03], [0x12, 0x09, 0x00]), message: /length 9 past the end/ },
    { name: 'truncated fixed64', body: new Uint8Array([0x09, 1, 2, 3]), message: /truncated fixed64/ },
    { name: 'truncated fixed32', body: new Uint8Array([0x0d, 1, 2]), message: /truncated fixed32/ },
    { name: 'wire type 6', body: new Uint8Array([0x0e]), message: /invalid wire type 6/ },
    { name: 'wire type 7', body: new Uint8Array([0x0f]), message: /invalid wire type 7/ },
    { name: 'field number 0', body: new Uint8Array([0x00, 0x01]), message: /field number 0/ },
    { name: 'unexpected end-group', body: concat(tag(5, 4)), message: /unexpected end-group for field 5/ },
    { name: 'mismatched end-group', body: concat(tag(5, 3), tag(6, 4)), message: /end-group for field 6 does not match open group 5/ },
    { name: 'unterminated group', body: concat(tag(5, 3), pb.varint(1, 1)), message: /truncated tag/ },
    { name: 'length prefix above 2^32', body: concat([0x0a], varint(2n ** 40n)), message: /length prefix larger than 2\^32/ },
  ];
  for (const c of cases) {
    it(`${c.name} -> SL_ERR_PROTOBUF_MALFORMED`, () => {
      for (const decode of [decodeTraceRequest, decodeLogsRequest, decodeMetricsRequest]) {
        try {
          decode(c.body, 'protobuf', 't');
          expect.unreachable();
        } catch (err) {
          expect(err).toBeInstanceOf(DecodeError);
          expect((err as DecodeError).code).toBe('SL_ERR_PROTOBUF_MALFORMED');
          expect((err as DecodeError).message).toMatch(c.message);
          expect((err as DecodeError).httpStatus).toBe(400);
        }
      }
    });
  }

  it('errors inside a span name its place in the request', () => {
    const body = traceRequest([spanMessage(), concat(spanMessage(), [0x4a, 0x7f])]);
    expect(() => decodeTraceRequest(body, 'protobuf', 't')).toThrow(/in resource_spans\[0\]\.scope_spans\[0\]\.spans\[1\]/);
  });

  it('deeply nested groups hit the nesting limit, not the stack', () => {
    const open = new Array(5000).fill(0).flatMap(() => tag(1, 3));
    expect(() => decodeTraceRequest(Uint8Array.from(open), 'protobuf', 't')).toThrowError(expect.objectContaining({ code: 'SL_ERR_NESTING_TOO_DEEP' }));
  });
});

describe('varint reading', () => {
  const cases: [number[], number, number][] = [
    [[0x00], 0, 0],
    [[0x7f], 127, 0],
    [[0x80, 0x01], 128, 0],
    [[0xff, 0xff, 0xff, 0xff, 0x0f], 0xffffffff, 0],
    [[0x80, 0x80, 0x80, 0x80, 0x10], 0, 1],
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 0xffffffff, 0xffffffff],
    [[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 1, 0],
  ];
  for (const [bytes, lo, hi] of cases) {
    it(`${bytes.map((b) => b.toString(16)).join(' ')} -> lo ${lo} hi ${hi}`, () => {
      const r = new WireReader(Uint8Array.from(bytes));
      expect(r.varint64(bytes.length)).toBe(lo);
      expect(r.hi).toBe(hi);
      expect(r.pos).toBe(bytes.length);
      const r32 = new WireReader(Uint8Array.from(bytes));
      expect(r32.varint32(bytes.length)).toBe(lo);
      expect(r32.pos).toBe(bytes.length);
    });
  }
});

function sampleRequests(): { name: string; body: Uint8Array; decode: (b: Uint8Array) => unknown }[] {
  const spans = [
    span({ attributes: { a: 'x', n: 1, d: 1.5, arr: [1, 'y'], m: { k: true }, b: new Uint8Array([1, 2]) }, events: [{ name: 'e', timeNs: T0, attributes: { z: 1 } }], links: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), attributes: { l: 'x' } }], status: { code: 2, message: 'err' } }),
    span({ spanId: '1234567890abcdef', parentSpanId: 'b7ad6b7169203331', resource: resource({ 'service.name': 'z' }) }),
  ];
  const logs = [logRecord({ body: { m: ['x', 2] }, attributes: { q: 1 }, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' }), logRecord({ body: 'text' })];
  const metrics = {
    resource: resource({ 'service.name': 'm', 'host.name': 'h' }),
    scopeMetrics: [
      {
        scope: { name: 's' },
        metrics: [
          { descriptor: { name: 'c', description: '', unit: 's', valueType: ValueType.INT }, aggregationTemporality: AggregationTemporality.DELTA, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: [{ startTime: [1, 0], endTime: [2, 0], attributes: { a: 'b' }, value: 3 }] },
          { descriptor: { name: 'h', description: '', unit: '', valueType: ValueType.DOUBLE }, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM, dataPoints: [{ startTime: [1, 0], endTime: [2, 0], attributes: {}, value: { buckets: { boundaries: [1, 2], counts: [1, 2, 3] }, count: 6, sum: 4 } }] },
          {
            descriptor: { name: 'e', description: '', unit: '', valueType: ValueType.DOUBLE },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
            dataPoints: [{ startTime: [1, 0], endTime: [2, 0], attributes: {}, value: { count: 3, sum: 1, scale: 2, zeroCount: 0, positive: { offset: 1, bucketCounts: [1, 2] }, negative: { offset: 0, bucketCounts: [] } } }],
          },
        ],
      },
    ],
  } as unknown as ResourceMetrics;
  const delta = new DeltaToCumulative({ maxSeries: 100 });
  return [
    { name: 'traces/protobuf', body: encodeSpans(spans, 'protobuf'), decode: (b) => decodeTraceRequest(b, 'protobuf', 't') },
    { name: 'traces/json', body: encodeSpans(spans, 'json'), decode: (b) => decodeTraceRequest(b, 'json', 't') },
    { name: 'logs/protobuf', body: encodeLogs(logs, 'protobuf'), decode: (b) => decodeLogsRequest(b, 'protobuf', 't') },
    { name: 'logs/json', body: encodeLogs(logs, 'json'), decode: (b) => decodeLogsRequest(b, 'json', 't') },
    { name: 'metrics/protobuf', body: encodeMetrics(metrics, 'protobuf'), decode: (b) => decodeMetricsRequest(b, 'protobuf', 't', delta) },
    { name: 'metrics/json', body: encodeMetrics(metrics, 'json'), decode: (b) => decodeMetricsRequest(b, 'json', 't', delta) },
  ];
}

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

describe('hostile input', () => {
  for (const req of sampleRequests()) {
    it(`${req.name}: every truncation decodes or is rejected cleanly`, () => {
      expect(decodesOrRejectsCleanly(() => req.decode(req.body))).toBe('ok');
      let rejected = 0;
      for (let n = 0; n < req.body.length; n++) {
        if (decodesOrRejectsCleanly(() => req.decode(req.body.subarray(0, n))) === 'rejected') rejected++;
      }
      expect(rejected).toBeGreaterThan(0);
    });

    it(`${req.name}: 1,500 random mutations decode or are rejected cleanly`, () => {
      const rand = rng(0x5eed + req.body.length);
      for (let i = 0; i < 1500; i++) {
        const body = req.body.slice();
        const edits = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < edits; k++) {
          const at = Math.floor(rand() * body.length);
          const mode = rand();
          if (mode < 0.6) body[at] = Math.floor(rand() * 256);
          else if (mode < 0.8) body[at] ^= 1 << Math.floor(rand() * 8);
          else body[at] = [0x00, 0x7f, 0x80, 0xff, 0x22, 0x5c, 0x7b][Math.floor(rand() * 7)];
        }
        decodesOrRejectsCleanly(() => req.decode(body));
      }
    });
  }

  it('3,000 random byte strings never throw anything but DecodeError', () => {
    const rand = rng(42);
    const decoders = [
      (b: Uint8Array) => decodeTraceRequest(b, 'protobuf', 't'),
      (b: Uint8Array) => decodeLogsRequest(b, 'protobuf', 't'),
      (b: Uint8Array) => decodeMetricsRequest(b, 'protobuf', 't', new DeltaToCumulative()),
      (b: Uint8Array) => decodeTraceRequest(b, 'json', 't'),
    ];
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(rand() * 300);
      const body = new Uint8Array(len);
      // Bias towards bytes that look like protobuf structure so parsing goes deep.
      for (let k = 0; k < len; k++) body[k] = rand() < 0.5 ? [0x0a, 0x12, 0x08, 0x09, 0x0d, 0x01, 0x02, 0x03, 0x05][Math.floor(rand() * 9)] : Math.floor(rand() * 256);
      decodesOrRejectsCleanly(() => decoders[i % decoders.length](body));
    }
  });

  it('random JSON-ish text never throws anything but DecodeError', () => {
    const rand = rng(7);
    const atoms = ['{', '}', '[', ']', ',', ':', '"resourceSpans"', '"scopeSpans"', '"spans"', '"resourceMetrics"', '"scopeMetrics"', '"metrics"', '"gauge"', '"sum"', '"histogram"', '"dataPoints"', '"attributes"', '"key"', '"value"', '"intValue"', '"arrayValue"', '"values"', '"traceId"', '"x"', '1', '-1', '1e400', 'null', 'true', '"NaN"', '"\\ud800"', '"1700000000000000000"'];
    for (let i = 0; i < 2000; i++) {
      let text = '{"' + ['resourceSpans', 'resourceLogs', 'resourceMetrics'][i % 3] + '":[';
      const n = Math.floor(rand() * 40);
      for (let k = 0; k < n; k++) text += atoms[Math.floor(rand() * atoms.length)];
      const body = new TextEncoder().encode(text);
      decodesOrRejectsCleanly(() => decodeTraceRequest(body, 'json', 't'));
      decodesOrRejectsCleanly(() => decodeLogsRequest(body, 'json', 't'));
      decodesOrRejectsCleanly(() => decodeMetricsRequest(body, 'json', 't', new DeltaToCumulative()));
    }
  });

  it('a large request with huge length prefixes fails fast', () => {
    const body = concat([0x0a], varint(0xfffffff0), new Uint8Array(100));
    const t = performance.now();
    expect(() => decodeTraceRequest(body, 'protobuf', 't')).toThrowError(DecodeError);
    expect(performance.now() - t).toBeLessThan(100);
  });
});
