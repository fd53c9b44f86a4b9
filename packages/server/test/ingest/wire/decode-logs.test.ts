import { describe, expect, it } from 'vitest';
import { decodeLogsRequest } from '../../../src/ingest/wire/index.js';
import type { LogBatch } from '../../../src/storage/batches.js';
import { FORMATS, T0, av, concat, encodeLogs, hexBytes, json, logRecord, pb, resource, type LogSpec } from './otlp-fixtures.js';

function row(b: LogBatch, i: number): Record<string, unknown> {
  return {
    timeNs: b.timeNs[i].toString(),
    observedTimeNs: b.observedTimeNs[i].toString(),
    severityNumber: b.severityNumber[i],
    severityText: b.severityText[i],
    body: JSON.parse(b.body[i]),
    bodyJson: b.body[i],
    bodyText: b.bodyText[i],
    attributes: JSON.parse(b.attributes[i]),
    droppedAttributesCount: b.droppedAttributesCount[i],
    traceId: b.traceId[i],
    spanId: b.spanId[i],
    flags: b.flags[i],
    eventName: b.eventName[i],
    serviceName: b.serviceName[i],
    scopeName: b.scopeName[i],
    scopeVersion: b.scopeVersion[i],
    resourceAttributes: JSON.parse(b.resourceAttributes[i]),
  };
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

const cases: { name: string; logs: LogSpec[]; expected: Record<string, unknown>[] }[] = [
  {
    name: 'times, severity, text, event name',
    logs: [{ timeNs: T0, observedNs: T0 + 99n, severityNumber: 17, severityText: 'ERROR', eventName: 'payment.failed', body: 'card declined' }],
    expected: [{ timeNs: T0.toString(), observedTimeNs: (T0 + 99n).toString(), severityNumber: 17, severityText: 'ERROR', eventName: 'payment.failed' }],
  },
  {
    name: 'string body: JSON string in body, raw text in bodyText',
    logs: [{ body: 'line one\nline "two" ✓' }],
    expected: [{ bodyJson: '"line one\\nline \\"two\\" ✓"', bodyText: 'line one\nline "two" ✓' }],
  },
  {
    name: 'map body is a JSON object; bodyText is its JSON text',
    logs: [{ body: { msg: 'hi', n: 3, ok: true, tags: ['a', 'b'], nested: { x: 1.5 } } }],
    expected: [
      {
        body: { msg: 'hi', n: 3, ok: true, tags: ['a', 'b'], nested: { x: 1.5 } },
        bodyText: '{"msg":"hi","n":3,"ok":true,"tags":["a","b"],"nested":{"x":1.5}}',
      },
    ],
  },
  {
    name: 'scalar and array bodies',
    logs: [{ body: 42 }, { body: 2.5 }, { body: false }, { body: ['x', 1] }, { body: new Uint8Array([104, 105]) }],
    expected: [
      { bodyJson: '42', bodyText: '42' },
      { bodyJson: '2.5', bodyText: '2.5' },
      { bodyJson: 'false', bodyText: 'false' },
      { bodyJson: '["x",1]', bodyText: '["x",1]' },
      { bodyJson: '"aGk="', bodyText: '"aGk="' },
    ],
  },
  {
    name: 'no body',
    logs: [{}],
    expected: [{ bodyJson: 'null', bodyText: '', severityNumber: 0, severityText: '', eventName: '' }],
  },
  {
    name: 'trace context: ids and flags',
    logs: [{ traceId: TRACE, spanId: SPAN, traceFlags: 1 }],
    expected: [{ traceId: TRACE, spanId: SPAN, flags: 1 }],
  },
  {
    name: 'without trace context ids are empty',
    logs: [{}],
    expected: [{ traceId: '', spanId: '', flags: 0 }],
  },
  {
    name: 'attributes, dropped count, scope, resource, service',
    logs: [
      {
        attributes: { 'code.lineno': 12, 'log.file.name': 'app.log', big: 2 ** 60, arr: [1, 'two'] },
        droppedAttributesCount: 2,
        scope: { name: 'pino', version: '9.1.0' },
        resource: resource({ 'service.name': 'billing', 'k8s.pod.name': 'billing-7d9' }),
      },
    ],
    expected: [
      {
        attributes: { 'code.lineno': 12, 'log.file.name': 'app.log', big: '1152921504606846976', arr: [1, 'two'] },
        droppedAttributesCount: 2,
        scopeName: 'pino',
        scopeVersion: '9.1.0',
        serviceName: 'billing',
        resourceAttributes: { 'service.name': 'billing', 'k8s.pod.name': 'billing-7d9' },
      },
    ],
  },
  {
    name: 'resource without service.name',
    logs: [{ resource: resource({}) }],
    expected: [{ serviceName: 'unknown_service', resourceAttributes: {} }],
  },
];

describe('decodeLogsRequest: official serializers', () => {
  for (const c of cases) {
    for (const format of FORMATS) {
      it(`${c.name} (${format})`, () => {
        const { batch, rejected } = decodeLogsRequest(encodeLogs(c.logs.map(logRecord), format), format, 'acme');
        expect(rejected).toBe(0);
        expect(batch.kind).toBe('logs');
        expect(batch.tenant).toBe('acme');
        expect(batch.length).toBe(c.expected.length);
        c.expected.forEach((exp, i) => expect(row(batch, i)).toMatchObject(exp));
      });
    }
  }

  it('protobuf and JSON decode to identical batches', () => {
    const logs = cases.flatMap((c) => c.logs).map(logRecord);
    const a = decodeLogsRequest(encodeLogs(logs, 'protobuf'), 'protobuf', 't').batch;
    const b = decodeLogsRequest(encodeLogs(logs, 'json'), 'json', 't').batch;
    expect(a.length).toBe(logs.length);
    for (let i = 0; i < a.length; i++) expect(row(a, i)).toEqual(row(b, i));
  });
});

function logsRequest(records: Uint8Array[]): Uint8Array {
  return pb.message(1, pb.message(1, pb.message(1, av.kv('service.name', av.str('svc')))), pb.message(2, ...records.map((r) => pb.message(2, r))));
}

describe('decodeLogsRequest: partial rejection and edge cases', () => {
  const pbCases: { name: string; record: Uint8Array; reason: RegExp | null; expected?: Record<string, unknown> }[] = [
    { name: 'trace id of 15 bytes', record: pb.bytes(9, new Uint8Array(15).fill(7)), reason: /trace_id must be empty or 16 bytes \(got 15/ },
    { name: 'span id of 4 bytes', record: concat(pb.bytes(9, hexBytes(TRACE)), pb.bytes(10, [1, 2, 3, 4])), reason: /span_id must be empty or 8 bytes/ },
    { name: 'empty ids are fine', record: concat(pb.bytes(9, []), pb.bytes(10, [])), reason: null, expected: { traceId: '', spanId: '' } },
    { name: 'all-zero ids read as absent', record: concat(pb.bytes(9, new Uint8Array(16)), pb.bytes(10, new Uint8Array(8))), reason: null, expected: { traceId: '', spanId: '' } },
    {
      name: 'every field by number',
      record: concat(
        pb.fixed64(1, 1n),
        pb.varint(2, 21),
        pb.string(3, 'FATAL'),
        pb.message(5, av.str('b')),
        pb.message(6, av.kv('k', av.int(-5))),
        pb.varint(7, 3),
        pb.fixed32(8, 0x01),
        pb.bytes(9, hexBytes(TRACE)),
        pb.bytes(10, hexBytes(SPAN)),
        pb.fixed64(11, 2n),
        pb.string(12, 'ev'),
      ),
      reason: null,
      expected: { timeNs: '1', severityNumber: 21, severityText: 'FATAL', bodyText: 'b', attributes: { k: -5 }, droppedAttributesCount: 3, flags: 1, traceId: TRACE, spanId: SPAN, observedTimeNs: '2', eventName: 'ev' },
    },
    { name: 'the deprecated name field (4) is skipped', record: concat(pb.string(4, 'old-name'), pb.message(5, av.str('x'))), reason: null, expected: { bodyText: 'x' } },
  ];
  for (const c of pbCases) {
    it(`protobuf: ${c.name}`, () => {
      const res = decodeLogsRequest(logsRequest([pb.message(5, av.str('ok')), c.record]), 'protobuf', 't');
      if (c.reason === null) {
        expect(res.rejected).toBe(0);
        expect(row(res.batch, 1)).toMatchObject(c.expected ?? {});
      } else {
        expect(res.rejected).toBe(1);
        expect(res.batch.length).toBe(1);
        expect(res.batch.bodyText).toEqual(['ok']);
        expect(res.rejectReasons[0]).toMatch(c.reason);
        expect(res.rejectReasons[0]).toContain('resource_logs[0].scope_logs[0].log_records[1]');
      }
    });
  }

  it('json: wrong-length ids reject the record, empty ids do not', () => {
    const body = json({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { body: { stringValue: 'ok' }, traceId: '', spanId: '' },
                { body: { stringValue: 'bad' }, traceId: 'abc' },
                { body: { stringValue: 'bad2' }, traceId: TRACE, spanId: 'xyz' },
                { body: { stringValue: 'ok2' }, trace_id: TRACE.toUpperCase(), span_id: SPAN, severity_number: 'SEVERITY_NUMBER_WARN2', severity_text: 'W', event_name: 'e', observed_time_unix_nano: '7' },
              ],
            },
          ],
        },
      ],
    });
    const res = decodeLogsRequest(body, 'json', 't');
    expect(res.rejected).toBe(2);
    expect(res.batch.bodyText).toEqual(['ok', 'ok2']);
    expect(res.rejectReasons[0]).toMatch(/resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\]: traceId/);
    expect(row(res.batch, 1)).toMatchObject({ traceId: TRACE, spanId: SPAN, severityNumber: 14, severityText: 'W', eventName: 'e', observedTimeNs: '7' });
  });

  it('invalid UTF-8 in severity_text or body rejects the request', () => {
    for (const rec of [pb.bytes(3, [0xff]), pb.message(5, pb.bytes(1, [0x80]))]) {
      expect(() => decodeLogsRequest(logsRequest([rec]), 'protobuf', 't')).toThrowError(expect.objectContaining({ code: 'SL_ERR_INVALID_UTF8' }));
    }
  });
});
