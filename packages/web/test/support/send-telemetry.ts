/**
 * Sends telemetry to a running Sightline: a small shop with the official OpenTelemetry SDK
 * (traces, logs correlated to spans, metrics), then bulk data as OTLP/JSON posts (a
 * 10,000-span trace, 100,000 log records and 20 minutes of request counters), which is how a
 * Collector would batch it.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { bigTrace, floodLog, otlpCounter, otlpLogs, otlpTraces, requestCounters, rng, type GenLog } from './telemetry-gen.js';

interface ServiceSdk {
  tracer: Tracer;
  tracerProvider: BasicTracerProvider;
  loggerProvider: LoggerProvider;
  meterProvider: MeterProvider;
}

function sdkFor(service: string, otlpHttpUrl: string): ServiceSdk {
  const resource = resourceFromAttributes({ 'service.name': service, 'service.version': '1.4.2', 'deployment.environment': 'e2e' });
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpHttpUrl}/v1/traces` }))] });
  const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpHttpUrl}/v1/logs` }) })] });
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${otlpHttpUrl}/v1/metrics` }), exportIntervalMillis: 60_000 })],
  });
  return { tracer: tracerProvider.getTracer('shop', '1.0.0'), tracerProvider, loggerProvider, meterProvider };
}

export interface SentTelemetry {
  bigTraceId: string;
  deepSpanId: string;
  floodCount: number;
}

/** `n` shop requests through three services with the SDK; ~15% fail in payments. */
export async function sendShopWithSdk(otlpHttpUrl: string, n: number): Promise<void> {
  const sdks = { frontend: sdkFor('frontend', otlpHttpUrl), checkout: sdkFor('checkout', otlpHttpUrl), payments: sdkFor('payments', otlpHttpUrl) };
  const rand = rng(3);
  const meter = sdks.frontend.meterProvider.getMeter('shop');
  const requests = meter.createCounter('http.server.requests', { description: 'HTTP requests served' });
  const latency = meter.createHistogram('http.server.request.duration', { unit: 's', description: 'Request duration' });
  const log = (svc: keyof typeof sdks, span: Span, severityNumber: SeverityNumber, severityText: string, body: string, attributes: Record<string, string> = {}) =>
    sdks[svc].loggerProvider.getLogger('shop').emit({ severityNumber, severityText, body, attributes, context: trace.setSpan(ROOT_CONTEXT, span) });

  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const t0 = now - 20 * 60_000 + i * ((20 * 60_000) / n);
    const fail = rand() < 0.15;
    const route = i % 3 === 0 ? '/api/checkout' : '/api/cart';
    const dur = 40 + Math.floor(rand() * 300);
    const root = sdks.frontend.tracer.startSpan(`GET ${route}`, { kind: SpanKind.SERVER, startTime: t0, attributes: { 'http.request.method': 'GET', 'http.route': route, 'user.id': `user-${i % 11}` } }, ROOT_CONTEXT);
    log('frontend', root, SeverityNumber.INFO, 'INFO', `request started ${route}`, { 'http.route': route });
    const rootCtx = trace.setSpan(ROOT_CONTEXT, root);
    const checkout = sdks.checkout.tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER, startTime: t0 + 3 }, rootCtx);
    const checkoutCtx = trace.setSpan(ROOT_CONTEXT, checkout);
    const db = sdks.checkout.tracer.startSpan('SELECT cart', { kind: SpanKind.CLIENT, startTime: t0 + 5, attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM carts WHERE user_id = $1' } }, checkoutCtx);
    db.end(t0 + 5 + 4 + Math.floor(rand() * 10));
    const pay = sdks.payments.tracer.startSpan('charge card', { kind: SpanKind.SERVER, startTime: t0 + 20, attributes: { 'payment.provider': 'stripe' } }, checkoutCtx);
    if (fail) {
      pay.recordException({ name: 'CardDeclined', message: 'card declined by issuer' }, t0 + dur - 10);
      pay.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      checkout.setStatus({ code: SpanStatusCode.ERROR, message: 'payment failed' });
      root.setStatus({ code: SpanStatusCode.ERROR });
      root.setAttribute('http.response.status_code', 500);
      log('payments', pay, SeverityNumber.ERROR, 'ERROR', JSON.stringify({ msg: 'card declined', code: 'card_declined', user: `user-${i % 11}` }));
    } else {
      root.setAttribute('http.response.status_code', 200);
      log('payments', pay, SeverityNumber.INFO, 'INFO', JSON.stringify({ msg: 'charged', amount: Math.round(rand() * 10000) / 100 }));
    }
    pay.end(t0 + dur - 8);
    checkout.end(t0 + dur - 4);
    root.end(t0 + dur);
    requests.add(1, { 'http.route': route, 'http.response.status_code': fail ? 500 : 200 });
    latency.record(dur / 1000, { 'http.route': route });
  }
  for (const sdk of Object.values(sdks)) {
    await sdk.tracerProvider.forceFlush();
    await sdk.loggerProvider.forceFlush();
    await sdk.meterProvider.forceFlush();
  }
  await Promise.all(Object.values(sdks).flatMap((s) => [s.tracerProvider.shutdown(), s.loggerProvider.shutdown(), s.meterProvider.shutdown()]));
}

async function postJson(url: string, body: unknown): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // 429/503 are the server's back-pressure: wait as told and retry, as an SDK would.
    if ((res.status === 429 || res.status === 503) && attempt < 20) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      continue;
    }
    if (!res.ok) throw new Error(`POST ${url} -> ${res.status}: ${await res.text()}`);
    return;
  }
}

/**
 * The 10,000-span trace, `floodCount` log records and request-counter history (the same
 * metric the SDK shop records, from two more services), posted as OTLP/JSON in batches.
 */
export async function sendBulk(otlpHttpUrl: string, floodCount: number, floodService: string): Promise<SentTelemetry> {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const spans = bigTrace(10_000, nowNs - 15n * 60_000_000_000n);
  for (let i = 0; i < spans.length; i += 2_500) await postJson(`${otlpHttpUrl}/v1/traces`, otlpTraces(spans.slice(i, i + 2_500)));
  const batch = 10_000;
  for (let i = 0; i < floodCount; i += batch) {
    const logs: GenLog[] = [];
    for (let j = i; j < Math.min(floodCount, i + batch); j++) logs.push({ ...floodLog(j, floodCount, nowNs, 25 * 60_000), service: floodService });
    await postJson(`${otlpHttpUrl}/v1/logs`, otlpLogs(logs));
  }
  await postJson(`${otlpHttpUrl}/v1/metrics`, otlpCounter(requestCounters('http.server.requests', nowNs, 20 * 60_000, 15_000)));
  return { bigTraceId: spans[0]!.traceId, deepSpanId: spans[250]!.spanId, floodCount };
}
