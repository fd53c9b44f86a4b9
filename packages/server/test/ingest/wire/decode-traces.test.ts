import { describe, expect, it } from 'vitest';
import { decodeTraceRequest, DecodeError } from '../../../src/ingest/wire/index.js';
import type { SpanBatch } from '../../../src/storage/batches.js';
import {
  FORMATS,
  T0,
  av,
  concat,
  encodeSpans,
  hexBytes,
  json,
  pb,
  resource,
  span,
  spanMessage,
  traceRequest,
  type SpanSpec,
} from './otlp-fixtures.js';

function row(b: SpanBatch, i: number): Record<string, unknown> {
  return {
    traceId: b.traceId[i],
    spanId: b.spanId[i],
    parentSpanId: b.parentSpanId[i],
    traceState: b.traceState[i],
    flags: b.flags[i],
    name: b.name[i],
    spanKind: b.spanKind[i],
    startNs: b.startNs[i].toString(),
    endNs: b.endNs[i].toString(),
    durationNs: b.durationNs[i].toString(),
    statusCode: b.statusCode[i],
    statusMessage: b.statusMessage[i],
    attributes: JSON.parse(b.attributes[i]),
    events: JSON.parse(b.events[i]),
    links: JSON.parse(b.links[i]),
    droppedAttributesCount: b.droppedAttributesCount[i],
    droppedEventsCount: b.droppedEventsCount[i],
    droppedLinksCount: b.droppedLinksCount[i],
    serviceName: b.serviceName[i],
    httpRoute: b.httpRoute[i],
    httpStatusCode: b.httpStatusCode[i],
    dbSystem: b.dbSystem[i],
    scopeName: b.scopeName[i],
    scopeVersion: b.scopeVersion[i],
    resourceAttributes: JSON.parse(b.resourceAttributes[i]),
  };
}

interface Case {
  name: string;
  spans: SpanSpec[];
  expected: Record<string, unknown>[];
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';

const cases: Case[] = [
  {
    name: 'ids, names, kind, times, duration, flags, trace_state',
    spans: [{ parentSpanId: '00f067aa0ba902b7', traceState: 'vendor=abc,other=1', traceFlags: 1, kind: 1, startNs: T0, endNs: T0 + 2_000_123n }],
    expected: [
      {
        traceId: TRACE,
        spanId: 'b7ad6b7169203331',
        parentSpanId: '00f067aa0ba902b7',
        traceState: 'vendor=abc,other=1',
        // W3C sampled bit plus the SDK's SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE (0x100).
        flags: 0x101,
        name: 'GET /orders/{id}',
        spanKind: 2,
        startNs: T0.toString(),
        endNs: (T0 + 2_000_123n).toString(),
        durationNs: '2000123',
      },
    ],
  },
  {
    name: 'remote parent sets IS_REMOTE; root span has empty parent',
    spans: [{ parentSpanId: '00f067aa0ba902b7', parentRemote: true }, { spanId: '1111111111111111' }],
    expected: [{ flags: 0x301 }, { parentSpanId: '', spanId: '1111111111111111' }],
  },
  {
    name: 'every span kind maps to the OTLP enum',
    spans: [0, 1, 2, 3, 4].map((k, i) => ({ kind: k, spanId: `00000000000000${i + 1}0` })),
    expected: [1, 2, 3, 4, 5].map((spanKind) => ({ spanKind })),
  },
  {
    name: 'status code and message',
    spans: [
      { status: { code: 2, message: 'boom: connection refused' } },
      { status: { code: 1 }, spanId: '2222222222222222' },
      { status: { code: 0 }, spanId: '3333333333333333' },
    ],
    expected: [{ statusCode: 2, statusMessage: 'boom: connection refused' }, { statusCode: 1, statusMessage: '' }, { statusCode: 0 }],
  },
  {
    name: 'attributes of every AnyValue kind',
    spans: [
      {
        attributes: {
          str: 'text with "quotes", \\ backslash, \n newline, \u0001 control, ünïcödé ✓ 😀',
          bool: true,
          boolFalse: false,
          int: 42,
          negInt: -7,
          bigInt: 2 ** 60,
          double: 3.25,
          negZero: -0.5,
          bytes: new Uint8Array([0, 1, 2, 250, 255]),
          strArray: ['a', 'b'],
          numArray: [1, 2.5, -3],
          mixed: ['x', 1, true, null],
          map: { nested: { deep: 'yes' }, list: [1, 2] },
          'http.route': '/orders/{id}',
        },
        droppedAttributesCount: 3,
      },
    ],
    expected: [
      {
        attributes: {
          str: 'text with "quotes", \\ backslash, \n newline, \u0001 control, ünïcödé ✓ 😀',
          bool: true,
          boolFalse: false,
          int: 42,
          negInt: -7,
          bigInt: '1152921504606846976',
          double: 3.25,
          negZero: -0.5,
          bytes: 'AAEC+v8=',
          strArray: ['a', 'b'],
          numArray: [1, 2.5, -3],
          mixed: ['x', 1, true, null],
          map: { nested: { deep: 'yes' }, list: [1, 2] },
          'http.route': '/orders/{id}',
        },
        droppedAttributesCount: 3,
        httpRoute: '/orders/{id}',
      },
    ],
  },
  {
    name: 'promoted columns: new semantic conventions',
    spans: [{ attributes: { 'http.route': '/a', 'http.response.status_code': 503, 'db.system.name': 'postgresql', 'db.system': 'ignored-old' } }],
    expected: [{ httpRoute: '/a', httpStatusCode: 503, dbSystem: 'postgresql' }],
  },
  {
    name: 'promoted columns: old semantic conventions',
    spans: [{ attributes: { 'http.status_code': 404, 'db.system': 'mysql' } }],
    expected: [{ httpRoute: '', httpStatusCode: 404, dbSystem: 'mysql' }],
  },
  {
    name: 'promoted columns absent',
    spans: [{ attributes: { other: 'x' } }],
    expected: [{ httpRoute: '', httpStatusCode: 0, dbSystem: '', attributes: { other: 'x' } }],
  },
  {
    name: 'events with attributes and dropped counts',
    spans: [
      {
        events: [
          { name: 'exception', timeNs: T0 + 10n, attributes: { 'exception.type': 'Error', 'exception.message': 'bad' }, droppedAttributesCount: 2 },
          { name: 'retry', timeNs: T0 + 20n },
        ],
        droppedEventsCount: 4,
      },
    ],
    expected: [
      {
        events: [
          { timeUnixNano: (T0 + 10n).toString(), name: 'exception', attributes: { 'exception.type': 'Error', 'exception.message': 'bad' }, droppedAttributesCount: 2 },
          { timeUnixNano: (T0 + 20n).toString(), name: 'retry', attributes: {}, droppedAttributesCount: 0 },
        ],
        droppedEventsCount: 4,
      },
    ],
  },
  {
    name: 'links with attributes, trace_state, flags and dropped counts',
    spans: [
      {
        links: [
          { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb', traceState: 'k=v', traceFlags: 1, isRemote: true, attributes: { why: 'batch' }, droppedAttributesCount: 1 },
        ],
        droppedLinksCount: 5,
      },
    ],
    expected: [
      {
        links: [{ traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb', traceState: 'k=v', flags: 0x301, attributes: { why: 'batch' }, droppedAttributesCount: 1 }],
        droppedLinksCount: 5,
      },
    ],
  },
  {
    name: 'scope and resource; service.name promoted',
    spans: [{ resource: resource({ 'service.name': 'payments', 'service.version': '2.0', 'host.cores': 8 }), scope: { name: 'my-lib', version: '0.9' } }],
    expected: [{ serviceName: 'payments', scopeName: 'my-lib', scopeVersion: '0.9', resourceAttributes: { 'service.name': 'payments', 'service.version': '2.0', 'host.cores': 8 } }],
  },
  {
    name: 'missing service.name defaults to unknown_service',
    spans: [{ resource: resource({ 'host.name': 'h1' }) }],
    expected: [{ serviceName: 'unknown_service', resourceAttributes: { 'host.name': 'h1' } }],
  },
  {
    name: 'end before start clamps duration to 0',
    spans: [{ startNs: T0 + 100n, endNs: T0 }],
    expected: [{ durationNs: '0' }],
  },
];

describe('decodeTraceRequest: official serializers', () => {
  for (const c of cases) {
    for (const format of FORMATS) {
      it(`${c.name} (${format})`, () => {
        const { batch, rejected } = decodeTraceRequest(encodeSpans(c.spans.map(span), format), format, 'acme');
        expect(rejected).toBe(0);
        expect(batch.kind).toBe('spans');
        expect(batch.tenant).toBe('acme');
        expect(batch.length).toBe(c.expected.length);
        c.expected.forEach((exp, i) => expect(row(batch, i)).toMatchObject(exp));
      });
    }
  }

  it('protobuf and JSON decode a mixed request to identical batches', () => {
    const spans = cases.flatMap((c) => c.spans).map(span);
    const a = decodeTraceRequest(encodeSpans(spans, 'protobuf'), 'protobuf', 't').batch;
    const b = decodeTraceRequest(encodeSpans(spans, 'json'), 'json', 't').batch;
    expect(a.length).toBe(spans.length);
    for (let i = 0; i < a.length; i++) {
      expect(row(a, i)).toEqual(row(b, i));
      // Same JSON text, not just the same parsed value.
      expect(a.attributes[i]).toBe(b.attributes[i]);
      expect(a.events[i]).toBe(b.events[i]);
      expect(a.links[i]).toBe(b.links[i]);
    }
  });

  it('columns are typed arrays sized to the batch', () => {
    const { batch } = decodeTraceRequest(encodeSpans([span(), span({ spanId: '9999999999999999' })], 'protobuf'), 'protobuf', 't');
    expect(batch.startNs).toBeInstanceOf(BigInt64Array);
    expect(batch.flags).toBeInstanceOf(Uint32Array);
    expect(batch.spanKind).toBeInstanceOf(Uint8Array);
    expect(batch.httpStatusCode).toBeInstanceOf(Uint16Array);
    for (const col of [batch.traceId, batch.name, batch.attributes, batch.serviceName, batch.startNs, batch.durationNs, batch.statusCode]) {
      expect(col.length).toBe(2);
    }
  });

  it('an empty request decodes to an empty batch', () => {
    for (const format of FORMATS) {
      const body = format === 'json' ? json({}) : new Uint8Array(0);
      const { batch, rejected } = decodeTraceRequest(body, format, 't');
      expect(batch.length).toBe(0);
      expect(rejected).toBe(0);
    }
  });
});

describe('decodeTraceRequest: partial rejection', () => {
  const pbCases: { name: string; span: Uint8Array; reason: RegExp }[] = [
    { name: 'trace id of 15 bytes', span: concat(pb.bytes(1, new Uint8Array(15).fill(1)), pb.bytes(2, hexBytes('eee19b7ec3c1b174')), pb.string(5, 'x')), reason: /trace_id must be 16 bytes.*got 15/ },
    { name: 'missing trace id', span: concat(pb.bytes(2, hexBytes('eee19b7ec3c1b174')), pb.string(5, 'x')), reason: /trace_id.*got 0/ },
    { name: 'all-zero trace id', span: concat(pb.bytes(1, new Uint8Array(16)), pb.bytes(2, hexBytes('eee19b7ec3c1b174'))), reason: /not all zero/ },
    { name: 'span id of 9 bytes', span: concat(pb.bytes(1, hexBytes(TRACE)), pb.bytes(2, new Uint8Array(9).fill(2))), reason: /span_id must be 8 bytes.*got 9/ },
    { name: 'empty span id', span: concat(pb.bytes(1, hexBytes(TRACE)), pb.bytes(2, [])), reason: /span_id/ },
    { name: 'parent span id of 4 bytes', span: spanMessage(pb.bytes(4, [1, 2, 3, 4])), reason: /parent_span_id must be empty or 8 bytes/ },
  ];
  for (const c of pbCases) {
    it(`protobuf: ${c.name}`, () => {
      const body = traceRequest([spanMessage(), c.span, spanMessage(pb.string(5, 'last'))]);
      const res = decodeTraceRequest(body, 'protobuf', 't');
      expect(res.rejected).toBe(1);
      expect(res.batch.length).toBe(2);
      expect(res.batch.name).toEqual(['op', 'last']);
      expect(res.rejectReasons).toHaveLength(1);
      expect(res.rejectReasons[0]).toMatch(c.reason);
      expect(res.rejectReasons[0]).toContain('resource_spans[0].scope_spans[0].spans[1]');
    });
  }

  const jsonCases: { name: string; span: Record<string, unknown>; reason: RegExp }[] = [
    { name: 'short trace id', span: { traceId: 'abcd', spanId: 'eee19b7ec3c1b174' }, reason: /traceId must be 32 hex digits/ },
    { name: 'base64 trace id (not hex)', span: { traceId: 'W47/95gDgQPSabYzgT/GDA==', spanId: 'eee19b7ec3c1b174' }, reason: /traceId/ },
    { name: 'non-hex span id', span: { traceId: TRACE, spanId: 'zzzzzzzzzzzzzzzz' }, reason: /spanId must be 16 hex digits/ },
    { name: 'missing span id', span: { traceId: TRACE }, reason: /spanId/ },
    { name: 'bad parent', span: { traceId: TRACE, spanId: 'eee19b7ec3c1b174', parentSpanId: '12' }, reason: /parentSpanId/ },
  ];
  for (const c of jsonCases) {
    it(`json: ${c.name}`, () => {
      const ok = { traceId: TRACE, spanId: 'eee19b7ec3c1b174', name: 'ok' };
      const body = json({ resourceSpans: [{ scopeSpans: [{ spans: [ok, { name: 'bad', ...c.span }] }] }] });
      const res = decodeTraceRequest(body, 'json', 't');
      expect(res.rejected).toBe(1);
      expect(res.batch.name).toEqual(['ok']);
      expect(res.rejectReasons[0]).toMatch(c.reason);
      expect(res.rejectReasons[0]).toContain('resourceSpans[0].scopeSpans[0].spans[1]');
    });
  }

  it('keeps at most 10 reasons but counts every rejection', () => {
    const bad = concat(pb.bytes(1, [1]), pb.bytes(2, SPAN_ID_BYTES));
    const res = decodeTraceRequest(traceRequest(Array.from({ length: 25 }, () => bad)), 'protobuf', 't');
    expect(res.rejected).toBe(25);
    expect(res.rejectReasons).toHaveLength(10);
    expect(res.batch.length).toBe(0);
  });

  it('a link with invalid ids is dropped and counted, the span is kept', () => {
    const badLink = pb.message(13, pb.bytes(1, [1, 2, 3]), pb.bytes(2, SPAN_ID_BYTES));
    const goodLink = pb.message(13, pb.bytes(1, hexBytes(TRACE)), pb.bytes(2, SPAN_ID_BYTES), pb.fixed32(6, 1));
    const res = decodeTraceRequest(traceRequest([spanMessage(badLink, goodLink, pb.varint(14, 2))]), 'protobuf', 't');
    expect(res.rejected).toBe(0);
    expect(JSON.parse(res.batch.links[0])).toEqual([{ traceId: TRACE, spanId: 'eee19b7ec3c1b174', traceState: '', flags: 1, attributes: {}, droppedAttributesCount: 0 }]);
    expect(res.batch.droppedLinksCount[0]).toBe(3);
  });

  it('an all-zero parent span id means a root span', () => {
    const res = decodeTraceRequest(traceRequest([spanMessage(pb.bytes(4, new Uint8Array(8)))]), 'protobuf', 't');
    expect(res.batch.parentSpanId).toEqual(['']);
  });
});

const SPAN_ID_BYTES = hexBytes('eee19b7ec3c1b174');

describe('decodeTraceRequest: hand-built protobuf edge cases', () => {
  it('int64 attribute edge values', () => {
    const attrs = [
      av.kv('max53', av.int(2 ** 53 - 1)),
      av.kv('pow53', av.int(2 ** 53)),
      av.kv('min53', av.int(-(2 ** 53 - 1))),
      av.kv('minus1', av.int(-1)),
      av.kv('int64max', av.int(9223372036854775807n)),
      av.kv('int64min', av.int(-9223372036854775808n)),
      av.kv('zero', av.int(0)),
    ];
    const res = decodeTraceRequest(traceRequest([spanMessage(...attrs.map((a) => pb.message(9, a)))]), 'protobuf', 't');
    expect(JSON.parse(res.batch.attributes[0])).toEqual({
      max53: 9007199254740991,
      pow53: '9007199254740992',
      min53: -9007199254740991,
      minus1: -1,
      int64max: '9223372036854775807',
      int64min: '-9223372036854775808',
      zero: 0,
    });
  });

  it('doubles: NaN, infinities, -0, tiny and huge', () => {
    const attrs = [av.kv('nan', av.double(NaN)), av.kv('inf', av.double(Infinity)), av.kv('ninf', av.double(-Infinity)), av.kv('negzero', av.double(-0)), av.kv('tiny', av.double(5e-324)), av.kv('huge', av.double(1.7976931348623157e308))];
    const res = decodeTraceRequest(traceRequest([spanMessage(...attrs.map((a) => pb.message(9, a)))]), 'protobuf', 't');
    expect(res.batch.attributes[0]).toBe('{"nan":"NaN","inf":"Infinity","ninf":"-Infinity","negzero":0,"tiny":5e-324,"huge":1.7976931348623157e+308}');
  });

  it('an empty AnyValue and a KeyValue without value are null; oneof last member wins', () => {
    const attrs = [av.kv('empty', new Uint8Array(0)), av.kv('novalue'), av.kv('twice', concat(av.str('first'), av.int(2)))];
    const res = decodeTraceRequest(traceRequest([spanMessage(...attrs.map((a) => pb.message(9, a)))]), 'protobuf', 't');
    expect(res.batch.attributes[0]).toBe('{"empty":null,"novalue":null,"twice":2}');
  });

  it('an empty AnyValue followed by bytes that look like a value stays null', () => {
    // 0x18 / 0x10 right after the empty value are the next span fields (unknown wire types here).
    for (const next of [pb.varint(3, 5), pb.varint(2, 1)]) {
      const res = decodeTraceRequest(traceRequest([spanMessage(pb.message(9, av.kv('e', new Uint8Array(0))), next)]), 'protobuf', 't');
      expect(res.batch.attributes).toEqual(['{"e":null}']);
    }
  });

  it('fields in unusual order: scope after spans, resource after scope_spans, value before key', () => {
    const kvValueFirst = concat(pb.message(2, av.str('v')), pb.string(1, 'k'));
    const body = pb.message(
      1,
      pb.message(2, pb.message(2, spanMessage(pb.message(9, kvValueFirst))), pb.message(1, pb.string(1, 'late-scope'), pb.string(2, '9'))),
      pb.message(1, pb.message(1, av.kv('service.name', av.str('late-service')))),
    );
    const res = decodeTraceRequest(body, 'protobuf', 't');
    expect(res.batch.scopeName).toEqual(['late-scope']);
    expect(res.batch.scopeVersion).toEqual(['9']);
    expect(res.batch.serviceName).toEqual(['late-service']);
    expect(res.batch.attributes).toEqual(['{"k":"v"}']);
  });

  it('nesting deeper than the limit is rejected with SL_ERR_NESTING_TOO_DEEP', () => {
    let v = av.str('leaf');
    for (let i = 0; i < 150; i++) v = av.array(v);
    const body = traceRequest([spanMessage(pb.message(9, av.kv('deep', v)))]);
    expect(() => decodeTraceRequest(body, 'protobuf', 't')).toThrowError(expect.objectContaining({ code: 'SL_ERR_NESTING_TOO_DEEP' }));
  });

  it('invalid UTF-8 in a string field rejects the request naming the field', () => {
    const cases: [Uint8Array, RegExp][] = [
      [spanMessage(pb.bytes(5, [0x61, 0xff, 0x62])), /span\.name/],
      [spanMessage(pb.message(9, concat(pb.bytes(1, [0xc3]), pb.message(2, av.str('x'))))), /KeyValue\.key/],
      [spanMessage(pb.message(9, av.kv('k', pb.bytes(1, [0xed, 0xa0, 0x80])))), /AnyValue\.string_value/],
      [spanMessage(pb.message(11, pb.bytes(2, [0xe2, 0x82]))), /span\.events\.name/],
      [spanMessage(pb.bytes(3, [0xf8, 0x80, 0x80, 0x80])), /span\.trace_state/],
    ];
    for (const [s, field] of cases) {
      let err: unknown;
      try {
        decodeTraceRequest(traceRequest([s]), 'protobuf', 't');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecodeError);
      expect((err as DecodeError).code).toBe('SL_ERR_INVALID_UTF8');
      expect((err as DecodeError).message).toMatch(field);
      expect((err as DecodeError).message).toMatch(/byte offset \d+/);
      expect((err as DecodeError).message).toContain('resource_spans[0].scope_spans[0].spans[0]');
    }
  });

  it('overlong and surrogate encodings are invalid; a BOM and 4-byte characters are kept', () => {
    expect(() => decodeTraceRequest(traceRequest([spanMessage(pb.bytes(5, [0xc0, 0xaf]))]), 'protobuf', 't')).toThrow(/invalid UTF-8/);
    const ok = decodeTraceRequest(traceRequest([spanMessage(pb.string(5, '\ufeffname 😀'))]), 'protobuf', 't');
    expect(ok.batch.name).toEqual(['\ufeffname 😀']);
  });
});

describe('decodeTraceRequest: OTLP/JSON specifics', () => {
  const base = { traceId: TRACE.toUpperCase(), spanId: 'EEE19B7EC3C1B174' };
  it('accepts snake_case names, enum names, int64 as strings or numbers, and uppercase hex', () => {
    const body = json({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
          scope_spans: [
            {
              scope: { name: 's', version: 'v' },
              spans: [
                {
                  ...base,
                  parent_span_id: '00F067AA0BA902B7',
                  trace_state: 'a=b',
                  name: 'n',
                  kind: 'SPAN_KIND_CLIENT',
                  start_time_unix_nano: '1700000000000000001',
                  end_time_unix_nano: 1700000000,
                  attributes: [
                    { key: 'i', value: { int_value: '-12' } },
                    { key: 'big', value: { intValue: '9007199254740993' } },
                    { key: 'd', value: { double_value: 'NaN' } },
                    { key: 'b', value: { bytes_value: '-_8' } },
                    { key: 'kv', value: { kvlist_value: { values: [{ key: 'x', value: { bool_value: true } }] } } },
                    { key: 'arr', value: { array_value: { values: [{ stringValue: 'y' }, {}] } } },
                  ],
                  dropped_attributes_count: '2',
                  status: { code: 'STATUS_CODE_ERROR', message: 'm' },
                  flags: 257,
                },
              ],
            },
          ],
        },
      ],
    });
    const { batch } = decodeTraceRequest(body, 'json', 't');
    expect(row(batch, 0)).toMatchObject({
      traceId: TRACE,
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: '00f067aa0ba902b7',
      traceState: 'a=b',
      spanKind: 3,
      startNs: '1700000000000000001',
      endNs: '1700000000',
      statusCode: 2,
      statusMessage: 'm',
      flags: 257,
      droppedAttributesCount: 2,
      serviceName: 'snake',
      scopeName: 's',
      attributes: { i: -12, big: '9007199254740993', d: 'NaN', b: '+/8=', kv: { x: true }, arr: ['y', null] },
    });
  });

  const invalid: [string, string, RegExp][] = [
    ['not JSON', '{"resourceSpans": [', /not valid JSON/],
    ['a JSON array', '[]', /must be an object/],
    ['resourceSpans not an array', '{"resourceSpans": {}}', /resourceSpans must be an array/],
    ['span name a number', `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"eee19b7ec3c1b174","name":5}]}]}]}`, /name must be a string/],
    ['start time not an integer', `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"eee19b7ec3c1b174","startTimeUnixNano":"12x"}]}]}]}`, /startTimeUnixNano/],
    ['int attribute a float', `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"eee19b7ec3c1b174","attributes":[{"key":"k","value":{"intValue":1.5}}]}]}]}]}`, /intValue must be an integer/],
  ];
  for (const [name, text, message] of invalid) {
    it(`rejects ${name} with SL_ERR_JSON_INVALID`, () => {
      try {
        decodeTraceRequest(new TextEncoder().encode(text), 'json', 't');
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        expect((e as DecodeError).code).toBe('SL_ERR_JSON_INVALID');
        expect((e as DecodeError).message).toMatch(message);
      }
    });
  }

  it('rejects a body that is not UTF-8 and strings with lone surrogates', () => {
    expect(() => decodeTraceRequest(new Uint8Array([0x7b, 0xff, 0x7d]), 'json', 't')).toThrowError(expect.objectContaining({ code: 'SL_ERR_INVALID_UTF8' }));
    const body = new TextEncoder().encode(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"eee19b7ec3c1b174","name":"\\ud800x"}]}]}]}`);
    expect(() => decodeTraceRequest(body, 'json', 't')).toThrowError(expect.objectContaining({ code: 'SL_ERR_INVALID_UTF8' }));
  });
});
