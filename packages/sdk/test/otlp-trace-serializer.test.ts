import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { encodeTraceExportRequest } from '../src/export/otlp-trace-serializer.js';

// The SDK's encoder must write exactly what the official OTLP/protobuf serializer writes.
function spansFrom(build: (providers: TracerProvider[]) => void, resources = 1): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const providers = Array.from(
    { length: resources },
    (_, i) =>
      new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': `svc-${i}`, 'host.name': 'h', 'process.pid': 4242 + i, 'a.list': ['x', 'y'] }),
        spanProcessors: [new SimpleSpanProcessor({ exporter })],
      }),
  );
  build(providers);
  return exporter.getFinishedSpans() as ReadableSpan[];
}

const official = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const ours = (spans: ReadableSpan[]) => Buffer.from(encodeTraceExportRequest(spans));

const varied: Attributes = {
  'http.request.method': 'GET',
  'url.path': '/orders/42',
  'http.response.status_code': 200,
  'server.port': 65535,
  'neg.int': -7,
  'big.int': 2 ** 40 + 3,
  'huge.int': 2 ** 62,
  'neg.big': -(2 ** 40),
  'float': 0.125,
  'nan': Number.NaN,
  'inf': Number.POSITIVE_INFINITY,
  'bool.t': true,
  'bool.f': false,
  'empty': '',
  'unicode': 'grüße 日本 🚀',
  'long.ascii': 'a'.repeat(127),
  'longer.ascii': 'b'.repeat(128),
  'long.unicode': 'é'.repeat(300),
  'kilobytes': 'z'.repeat(20_000),
  'arr.str': ['a', 'b', ''],
  'arr.num': [1, 2.5, -3],
  'arr.bool': [true, false],
  'arr.mixed.null': ['x', null as unknown as string, 'y'],
  'ключ': 'non-ascii key',
};

describe('OTLP/protobuf trace encoder', () => {
  it('writes the same bytes as the official serializer for varied spans', () => {
    const spans = spansFrom(([p]) => {
      const tracer = p!.getTracer('scope-a', '1.2.3');
      const root = tracer.startSpan('root', { kind: SpanKind.SERVER, attributes: varied });
      root.addEvent('ev1', { k: 'v', n: 1 });
      root.addEvent('ev2');
      root.setStatus({ code: SpanStatusCode.ERROR, message: 'failed: ünïcode' });
      const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
        traceState: new TraceState('vendor=abc,other=x'),
      });
      const child = tracer.startSpan(
        'child',
        {
          kind: SpanKind.CLIENT,
          links: [
            { context: root.spanContext(), attributes: { 'link.k': 'v' } },
            { context: { traceId: 'ABCDEF0123456789abcdef0123456789', spanId: 'ABCDEF0123456789', traceFlags: 0, isRemote: true } },
          ],
        },
        remoteParent,
      );
      child.recordException(new TypeError('bad thing'));
      child.setStatus({ code: SpanStatusCode.OK });
      child.end();
      root.end();
      const other = p!.getTracer('scope-b', undefined, { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
      other.startSpan('internal', { kind: SpanKind.INTERNAL }).end();
      p!.getTracer('scope-a', '1.2.3').startSpan('producer', { kind: SpanKind.PRODUCER }).end();
    });
    expect(spans.length).toBe(4);
    expect(ours(spans).equals(official(spans))).toBe(true);
  });

  it('groups several resources and scopes in first-seen order like the official serializer', () => {
    const spans = spansFrom((ps) => {
      for (let i = 0; i < 30; i++) {
        const p = ps[i % ps.length]!;
        p.getTracer(`scope-${i % 4}`).startSpan(`s${i}`, { attributes: { i, 'k.str': `v${i}` } }).end();
      }
    }, 3);
    expect(ours(spans).equals(official(spans))).toBe(true);
  });

  it('handles large batches (buffer growth, three-byte lengths) and stays identical across calls', () => {
    const spans = spansFrom(([p]) => {
      const tracer = p!.getTracer('bulk');
      for (let i = 0; i < 600; i++) {
        const s = tracer.startSpan(`GET /items/${i}`, { kind: SpanKind.SERVER, attributes: { ...varied, 'kilobytes': 'q'.repeat(i * 30), i } });
        s.end();
      }
    });
    const first = ours(spans);
    expect(first.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(first.equals(official(spans))).toBe(true);
    // Second call after the scratch buffer was reset: same bytes, and the first result was a copy.
    const again = ours(spans.slice(0, 10));
    expect(again.equals(official(spans.slice(0, 10)))).toBe(true);
    expect(first.equals(official(spans))).toBe(true);
  });

  it('encodes an empty batch like the official serializer', () => {
    expect(ours([]).equals(official([]))).toBe(true);
  });
});
