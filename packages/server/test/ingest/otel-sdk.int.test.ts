// The official OpenTelemetry JS SDK as the client: known telemetry goes out over
// http/protobuf, http/json and gRPC, and comes back through the query API field by field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace, SpanKind, SpanStatusCode, type Link } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

type Protocol = 'http/protobuf' | 'http/json' | 'grpc';

function exporters(protocol: Protocol): { spans: SpanExporter; logs: LogRecordExporter; metrics: PushMetricExporter } {
  const http = server.otlpHttpUrl;
  const grpcUrl = `http://${server.otlpGrpcAddress}`;
  switch (protocol) {
    case 'http/protobuf':
      return {
        spans: new ProtoTraceExporter({ url: `${http}/v1/traces` }),
        logs: new ProtoLogExporter({ url: `${http}/v1/logs` }),
        metrics: new ProtoMetricExporter({ url: `${http}/v1/metrics` }),
      };
    case 'http/json':
      return {
        spans: new JsonTraceExporter({ url: `${http}/v1/traces` }),
        logs: new JsonLogExporter({ url: `${http}/v1/logs` }),
        metrics: new JsonMetricExporter({ url: `${http}/v1/metrics` }),
      };
    case 'grpc':
      return {
        spans: new GrpcTraceExporter({ url: grpcUrl, compression: 'gzip' as never }),
        logs: new GrpcLogExporter({ url: grpcUrl }),
        metrics: new GrpcMetricExporter({ url: grpcUrl }),
      };
  }
}

const START = Date.now() - 60_000;
const ms = (offset: number) => new Date(START + offset);

describe.each<Protocol>(['http/protobuf', 'http/json', 'grpc'])('OpenTelemetry SDK over %s', (protocol) => {
  const service = `checkout-${protocol.replace('/', '-')}`;
  const resource = resourceFromAttributes({
    'service.name': service,
    'service.version': '1.2.3',
    'service.namespace': 'shop',
    'service.instance.id': 'instance-1',
    'deployment.environment.name': 'test',
  });
  let traceId = '';
  let rootSpanId = '';
  let childSpanId = '';
  let linkedTraceId = '';
  let linkedSpanId = '';

  it('stores traces with every field', async () => {
    const ex = exporters(protocol);
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(ex.spans)] });
    const tracer = provider.getTracer('checkout-lib', '9.9.9');

    const other = tracer.startSpan('upstream', { startTime: ms(0) });
    linkedTraceId = other.spanContext().traceId;
    linkedSpanId = other.spanContext().spanId;
    other.end(ms(5));

    const links: Link[] = [{ context: other.spanContext(), attributes: { 'link.reason': 'fan-in', 'link.n': 2 } }];
    const root = tracer.startSpan(
      'POST /checkout',
      {
        kind: SpanKind.SERVER,
        startTime: ms(10),
        links,
        attributes: {
          'http.request.method': 'POST',
          'http.route': '/checkout',
          'http.response.status_code': 500,
          'cart.items': 3,
          'cart.total': 42.5,
          'user.vip': true,
          'tags': ['a', 'b'],
        },
      },
      context.active(),
    );
    traceId = root.spanContext().traceId;
    rootSpanId = root.spanContext().spanId;
    root.addEvent('payment.declined', { 'payment.provider': 'acme', 'retry.count': 2 }, ms(20));
    const child = tracer.startSpan(
      'SELECT orders',
      { kind: SpanKind.CLIENT, startTime: ms(12), attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM orders WHERE id = $1' } },
      trace.setSpan(context.active(), root),
    );
    childSpanId = child.spanContext().spanId;
    child.setStatus({ code: SpanStatusCode.OK });
    child.end(ms(30));
    root.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
    root.end(ms(110));
    await provider.forceFlush();
    await provider.shutdown();

    const search = await server.api(`/api/traces?service=${service}&start=${START - 1000}&end=${Date.now()}&limit=10`);
    expect(search.status).toBe(200);
    const summary = search.body.traces.find((t: any) => t.traceId === traceId);
    expect(summary).toMatchObject({
      traceId,
      rootService: service,
      rootOperation: 'POST /checkout',
      startTimeUnixNano: String(BigInt(START + 10) * 1_000_000n),
      durationNs: String(100n * 1_000_000n),
      spanCount: 2,
      errorCount: 1,
      services: [service],
    });

    const got = await server.api(`/api/traces/${traceId}`);
    expect(got.status).toBe(200);
    const spans = got.body.spans as any[];
    expect(spans).toHaveLength(2);
    const r = spans.find((s) => s.spanId === rootSpanId);
    expect(r).toMatchObject({
      traceId,
      spanId: rootSpanId,
      parentSpanId: '',
      name: 'POST /checkout',
      kind: 2,
      startTimeUnixNano: String(BigInt(START + 10) * 1_000_000n),
      endTimeUnixNano: String(BigInt(START + 110) * 1_000_000n),
      durationNs: '100000000',
      statusCode: 2,
      statusMessage: 'card declined',
      serviceName: service,
      scopeName: 'checkout-lib',
      scopeVersion: '9.9.9',
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
    expect(r.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/checkout',
      'http.response.status_code': 500,
      'cart.items': 3,
      'cart.total': 42.5,
      'user.vip': true,
      tags: ['a', 'b'],
    });
    expect(r.resourceAttributes).toMatchObject({ 'service.name': service, 'service.version': '1.2.3', 'service.instance.id': 'instance-1' });
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ name: 'payment.declined', timeUnixNano: String(BigInt(START + 20) * 1_000_000n), attributes: { 'payment.provider': 'acme', 'retry.count': 2 } });
    expect(r.links).toHaveLength(1);
    expect(r.links[0]).toMatchObject({ traceId: linkedTraceId, spanId: linkedSpanId, attributes: { 'link.reason': 'fan-in', 'link.n': 2 } });
    const c = spans.find((s) => s.spanId === childSpanId);
    expect(c).toMatchObject({ parentSpanId: rootSpanId, kind: 3, statusCode: 1, name: 'SELECT orders' });
    expect(c.attributes['db.system']).toBe('postgresql');

    const services = await server.api(`/api/services?start=${START - 1000}&end=${Date.now()}`);
    expect(services.body.services.map((s: any) => s.name)).toContain(service);
    const ops = await server.api(`/api/services/${service}/operations?start=${START - 1000}&end=${Date.now()}`);
    expect(ops.body.operations).toEqual(expect.arrayContaining([{ name: 'POST /checkout', spanKind: 2 }, { name: 'SELECT orders', spanKind: 3 }]));
  });

  it('stores logs with every field and correlates them with the trace', async () => {
    const ex = exporters(protocol);
    const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: ex.logs })] });
    const logger = provider.getLogger('checkout-logger', '1.0.0');
    const spanCtx = trace.setSpanContext(context.active(), { traceId, spanId: rootSpanId, traceFlags: 1 });
    logger.emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: 'payment declined for order 17',
      attributes: { 'order.id': 17, 'payment.provider': 'acme' },
      timestamp: ms(21),
      observedTimestamp: ms(22),
      context: spanCtx,
    });
    logger.emit({
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: { event: 'cart.summary', items: [1, 2, 3], total: 42.5, nested: { ok: true } },
      attributes: { 'cart.id': 'c-1' },
      timestamp: ms(25),
      context: spanCtx,
    });
    await provider.forceFlush();
    await provider.shutdown();

    const res = await server.api(`/api/logs?service=${service}&start=${START - 1000}&end=${Date.now()}`);
    expect(res.status).toBe(200);
    const logs = res.body.logs as any[];
    expect(logs).toHaveLength(2);
    // newest first
    expect(logs[0].body).toEqual({ event: 'cart.summary', items: [1, 2, 3], total: 42.5, nested: { ok: true } });
    expect(logs[1]).toMatchObject({
      timeUnixNano: String(BigInt(START + 21) * 1_000_000n),
      observedTimeUnixNano: String(BigInt(START + 22) * 1_000_000n),
      severityNumber: 17,
      severityText: 'ERROR',
      body: 'payment declined for order 17',
      attributes: { 'order.id': 17, 'payment.provider': 'acme' },
      traceId,
      spanId: rootSpanId,
      flags: 1,
      serviceName: service,
      scopeName: 'checkout-logger',
      scopeVersion: '1.0.0',
    });
    expect(logs[1].resourceAttributes['service.name']).toBe(service);

    const text = await server.api(`/api/logs?service=${service}&q=DECLINED&start=${START - 1000}`);
    expect(text.body.logs).toHaveLength(1);
    const sev = await server.api(`/api/logs?service=${service}&severity=error&start=${START - 1000}`);
    expect(sev.body.logs.map((l: any) => l.severityNumber)).toEqual([17]);
    const attr = await server.api(`/api/logs?service=${service}&attr.cart.id=c-1&start=${START - 1000}`);
    expect(attr.body.logs).toHaveLength(1);
    const byTrace = await server.api(`/api/logs?traceId=${traceId}&start=${START - 1000}`);
    expect(byTrace.body.logs).toHaveLength(2);

    const corr = await server.api(`/api/correlate/${traceId}`);
    expect(corr.status).toBe(200);
    const kinds = (corr.body.items as any[]).map((i) => `${i.type}:${i.type === 'span' ? i.name : i.severityText}`);
    // Time order: root span (10), child (12), error log (21), info log (25).
    expect(kinds).toEqual(['span:POST /checkout', 'span:SELECT orders', 'log:ERROR', 'log:INFO']);
  });

  it('stores metrics in the Prometheus model', async () => {
    const ex = exporters(protocol);
    const reader = new PeriodicExportingMetricReader({ exporter: ex.metrics, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ resource, readers: [reader] });
    const meter = provider.getMeter('checkout-meter', '2.0.0');
    const counter = meter.createCounter('orders.placed', { description: 'Orders placed', unit: '{order}' });
    counter.add(5, { 'payment.method': 'card' });
    counter.add(2, { 'payment.method': 'cash' });
    const hist = meter.createHistogram('checkout.duration', { unit: 's', description: 'Checkout latency', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
    hist.record(0.05);
    hist.record(0.7);
    hist.record(3);
    const gauge = meter.createGauge('queue.depth', { description: 'Queue depth' });
    gauge.record(7, { queue: 'emails' });
    await reader.forceFlush();
    await provider.shutdown();

    const names = await server.api(`/api/metrics/names?start=${Date.now() - 600_000}&end=${Date.now() + 60_000}`);
    expect(names.status).toBe(200);
    const byName = new Map((names.body.names as any[]).map((n) => [n.name, n]));
    expect(byName.get('orders_placed_total')).toMatchObject({ type: 'counter', help: 'Orders placed' });
    // Names are series names (what a selector matches); histogram parts carry the family's metadata.
    for (const part of ['_bucket', '_sum', '_count']) expect(byName.get(`checkout_duration_seconds${part}`)).toMatchObject({ type: 'histogram', unit: 'seconds', help: 'Checkout latency' });
    expect(byName.get('queue_depth')).toMatchObject({ type: 'gauge' });

    const series = await server.api(`/api/metrics/series?match=orders_placed_total&label.job=shop/${service}&start=${Date.now() - 600_000}&end=${Date.now() + 60_000}`);
    expect(series.status).toBe(200);
    expect(series.body.series).toHaveLength(2);
    const card = (series.body.series as any[]).find((s) => s.labels.payment_method === 'card');
    expect(card.labels).toMatchObject({ __name__: 'orders_placed_total', job: `shop/${service}`, instance: 'instance-1', otel_scope_name: 'checkout-meter', otel_scope_version: '2.0.0' });
    const samples = await server.api(`/api/metrics/samples?series=${card.fingerprint}&start=${Date.now() - 600_000}&end=${Date.now() + 60_000}`);
    // forceFlush and shutdown each export the cumulative value once.
    expect(samples.body.series[0].values.length).toBeGreaterThanOrEqual(1);
    expect(new Set(samples.body.series[0].values)).toEqual(new Set([5]));

    const buckets = await server.api(`/api/metrics/series?match=checkout_duration_seconds_bucket&label.job=shop/${service}&start=${Date.now() - 600_000}&end=${Date.now() + 60_000}`);
    const les = (buckets.body.series as any[]).map((s) => s.labels.le).sort();
    expect(les).toEqual(['+Inf', '0.1', '0.5', '1']);
    const fps = (buckets.body.series as any[]).map((s) => s.fingerprint).join(',');
    const bucketSamples = await server.api(`/api/metrics/samples?series=${fps}&start=${Date.now() - 600_000}&end=${Date.now() + 60_000}`);
    const counts = Object.fromEntries((bucketSamples.body.series as any[]).map((s) => [s.labels.le, s.values[0]]));
    expect(counts).toEqual({ '0.1': 1, '0.5': 1, '1': 2, '+Inf': 3 });

    const targetInfo = await server.api(`/api/metrics/series?match=target_info&label.job=shop/${service}&start=${Date.now() - 600_000}&end=${Date.now() + 60_000}`);
    expect(targetInfo.body.series[0].labels).toMatchObject({ service_version: '1.2.3', deployment_environment_name: 'test' });
  });

  it('accepts delta temporality and stores it cumulatively', async () => {
    if (protocol !== 'http/protobuf') return;
    const exporter = new ProtoMetricExporter({ url: `${server.otlpHttpUrl}/v1/metrics`, temporalityPreference: AggregationTemporality.DELTA });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ resource, readers: [reader] });
    const counter = provider.getMeter('delta-meter').createCounter('delta.requests');
    counter.add(3);
    await reader.forceFlush();
    counter.add(4);
    await reader.forceFlush();
    await provider.shutdown();
    const series = await server.api(`/api/metrics/series?match=delta_requests_total&label.job=shop/${service}&start=${Date.now() - 600_000}&end=${Date.now() + 60_000}`);
    expect(series.body.series).toHaveLength(1);
    const samples = await server.api(`/api/metrics/samples?series=${series.body.series[0].fingerprint}&start=${Date.now() - 600_000}&end=${Date.now() + 60_000}`);
    expect(samples.body.series[0].values).toEqual([3, 7]);
  });
});

describe('query API errors', () => {
  it.each([
    ['/api/traces/nothex', 400, 'SL_ERR_INVALID_PARAM'],
    ['/api/traces/0123456789abcdef0123456789abcdef', 404, 'SL_ERR_TRACE_NOT_FOUND'],
    ['/api/traces?minDuration=fast', 400, 'SL_ERR_INVALID_PARAM'],
    ['/api/traces?status=maybe', 400, 'SL_ERR_INVALID_PARAM'],
    ['/api/traces?start=tomorrow', 400, 'SL_ERR_INVALID_PARAM'],
    ['/api/logs?severity=loud', 400, 'SL_ERR_INVALID_PARAM'],
    ['/api/logs?limit=-3', 400, 'SL_ERR_INVALID_PARAM'],
    ['/api/logs?cursor=garbage', 400, 'SL_ERR_INVALID_PARAM'],
    ['/api/metrics/samples', 400, 'SL_ERR_INVALID_PARAM'],
    ['/api/metrics/series', 400, 'SL_ERR_INVALID_PARAM'],
    ['/api/nope', 404, 'SL_ERR_NOT_FOUND'],
  ])('%s -> %i %s', async (path, status, code) => {
    const res = await server.api(path);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
  });
});
