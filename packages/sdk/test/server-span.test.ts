// The lean server span (server-span.ts) against the official SpanImpl: the same requests are
// served once with each and every exported field is compared, so the lean path cannot drop
// a field silently. Real node:http servers on 127.0.0.1, the official OpenTelemetry SDK.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, createContextKey, propagation, SpanStatusCode, trace, type Context, type SpanContext } from '@opentelemetry/api';
import { CompositePropagator, getRPCMetadata, RPCType, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type Span as SdkSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CORRELATION_KEY, ensureContextManager } from '../src/context.js';
import { CorrelationPropagator } from '../src/correlation.js';
import { encodeTraceExportRequest } from '../src/export/otlp-trace-serializer.js';
import { PooledIdGenerator } from '../src/id-generator.js';
import { configureLogger, configureRequestObserver, instrumentHttpServers, logger, MemoryDestination, requestState } from '../src/index.js';
import { ServerSpan, useLeanServerSpans } from '../src/server-span.js';
import { fakeExchange } from './helpers/fake-request.js';

/** Records what the span processors are handed, next to the exporter. */
class RecordingProcessor implements SpanProcessor {
  started: Array<{ span: unknown; parent: Context }> = [];
  ending: ReadableSpan[] = [];
  ended: Array<{ span: ReadableSpan; attributes: Record<string, unknown>; endedFlag: boolean }> = [];
  onStart(span: SdkSpan, parent: Context): void {
    this.started.push({ span, parent });
  }
  onEnding(span: SdkSpan): void {
    this.ending.push(span as unknown as ReadableSpan);
  }
  onEnd(span: ReadableSpan): void {
    this.ended.push({ span, attributes: { ...span.attributes }, endedFlag: span.ended });
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const exporter = new InMemorySpanExporter();
const recorder = new RecordingProcessor();
// What init() builds: parent-based always-on sampler, pooled ids, a resource, span limits from
// the environment (a small attribute value limit here, to see truncation in both paths).
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'lean-test' }),
  sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  idGenerator: new PooledIdGenerator(),
  spanLimits: { attributeValueLengthLimit: 64, eventCountLimit: 3 },
  spanProcessors: [recorder, new SimpleSpanProcessor({ exporter })],
});
const logs = new MemoryDestination();
let unpatch: () => void;
const servers: http.Server[] = [];

beforeAll(() => {
  ensureContextManager();
  trace.disable();
  propagation.disable();
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new CorrelationPropagator()] }),
  );
  configureLogger({ destination: logs, otlp: false, serviceName: 'lean' });
  configureRequestObserver({ samplerUsesAttributes: false, requestLog: 'all' });
  unpatch = instrumentHttpServers();
});
beforeEach(() => {
  exporter.reset();
  recorder.started = [];
  recorder.ending = [];
  recorder.ended = [];
  logs.clear();
});
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections();
  useLeanServerSpans(undefined);
});
afterAll(() => {
  unpatch();
  configureRequestObserver({ samplerUsesAttributes: true, requestLog: 'errors' });
  trace.disable();
  propagation.disable();
});

const remoteParent: SpanContext = { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb', traceFlags: 1, isRemote: true };
const longValue = 'v'.repeat(100);

/** The handler used by every scenario: touches every Span method a handler can reach. */
const handler = (req: IncomingMessage, res: ServerResponse): void => {
  const url = req.url ?? '/';
  const span = trace.getActiveSpan()!;
  const baggage = propagation.getBaggage(context.active());
  logger.info('handling', { path: url });
  if (url.startsWith('/ok/')) {
    span.setAttribute('app.user', 'u1');
    span.setAttribute('app.long', longValue); // truncated to the span limit
    span.setAttribute('app.list', ['a', longValue]);
    span.setAttribute('', 'x'); // invalid key: dropped
    span.setAttribute('app.bad', { nested: true } as never); // invalid value: dropped
    span.setAttributes({ 'app.count': 3, 'app.flag': false });
    if (baggage) span.setAttribute('app.baggage.tenant', baggage.getEntry('tenant')?.value ?? '');
    span.addEvent('cache.miss', { key: 'k1', size: 2 });
    span.addEvent('timed', [1700000000, 5]);
    span.addLink({ context: remoteParent, attributes: { 'link.kind': 'follows' } });
    span.addLinks([{ context: { ...remoteParent, spanId: 'cccccccccccccccc' } }]);
    // A child span started with the OpenTelemetry API inside the handler.
    trace.getTracer('app').startActiveSpan('db.query', (child) => {
      child.setAttribute('db.system', 'postgresql');
      child.end();
    });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  if (url.startsWith('/many')) {
    for (let i = 0; i < 130; i++) span.setAttribute(`app.k${i}`, i); // attributeCountLimit 128
    span.setAttribute('app.k0', 'again'); // an existing key is still updated at the limit
    res.end('ok');
    return;
  }
  if (url.startsWith('/events')) {
    for (let i = 0; i < 5; i++) span.addEvent(`e${i}`); // eventCountLimit 3: two dropped
    res.end('ok');
    return;
  }
  if (url.startsWith('/status-ok')) {
    span.setStatus({ code: SpanStatusCode.OK });
    res.statusCode = 503; // ERROR after OK is ignored, as the API says
    res.end();
    return;
  }
  if (url.startsWith('/boom')) {
    span.recordException(Object.assign(new Error('db down'), { code: 'ECONNREFUSED' }));
    span.recordException('plain string failure');
    res.statusCode = 500;
    res.end('boom');
    return;
  }
  res.statusCode = 404;
  res.end();
};

async function listen(h: http.RequestListener = handler): Promise<string> {
  const server = http.createServer(h);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const scenarios: Array<{ path: string; method?: string; headers?: Record<string, string> }> = [
  {
    path: '/ok/1?x=1&sig=secret',
    headers: {
      traceparent: `00-${remoteParent.traceId}-${remoteParent.spanId}-01`,
      tracestate: 'vendor=abc',
      baggage: 'tenant=acme',
      'x-correlation-id': 'corr-1',
    },
  },
  { path: '/ok/2' },
  { path: '/events' },
  { path: '/many' },
  { path: '/status-ok', method: 'POST' },
  { path: '/boom', method: 'PATCH', headers: { host: 'api.example:8443' } },
  { path: '/missing', method: 'PURGE' },
];

/** node:http client (fetch would not send a Host header of our choosing). */
function request(url: string, method: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

async function runScenarios(): Promise<ReadableSpan[]> {
  const base = await listen();
  for (const s of scenarios) await request(base + s.path, s.method ?? 'GET', s.headers ?? {});
  for (let i = 0; i < 100 && exporter.getFinishedSpans().filter((x) => x.kind === 1).length < scenarios.length; i++) await new Promise((r) => setTimeout(r, 10));
  return exporter.getFinishedSpans() as ReadableSpan[];
}

/** Every exported field except the ones that differ per run (ids, times); those are checked separately. */
function shape(span: ReadableSpan) {
  const ctx = span.spanContext();
  const attributes = { ...span.attributes };
  // Derived from the (random) trace id unless the caller sent one.
  if (attributes['correlation.id'] !== 'corr-1') attributes['correlation.id'] = typeof attributes['correlation.id'];
  if (attributes['server.port'] !== 8443) attributes['server.port'] = typeof attributes['server.port'];
  return {
    name: span.name,
    kind: span.kind,
    traceFlags: ctx.traceFlags,
    traceState: ctx.traceState?.serialize(),
    isRemote: ctx.isRemote,
    remoteParent: span.parentSpanContext?.isRemote ? span.parentSpanContext : span.parentSpanContext ? 'local' : undefined,
    status: span.status,
    attributes,
    events: span.events.map((e) => ({ name: e.name, attributes: { ...e.attributes, 'exception.stacktrace': typeof e.attributes?.['exception.stacktrace'] }, dropped: e.droppedAttributesCount })),
    eventTimes: span.events.map((e) => (e.name === 'timed' ? e.time : 'now')),
    links: span.links,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
    ended: span.ended,
    resource: span.resource.attributes,
    scope: span.instrumentationScope,
  };
}

function serverSpans(spans: ReadableSpan[]) {
  return spans.filter((s) => s.kind === 1);
}

describe('lean server span', () => {
  it("is what init()'s provider hands its span processors, and exports every field the official span does", async () => {
    const official = await runScenarios();
    const officialLogs = logs.records();
    expect(serverSpans(official)).toHaveLength(scenarios.length);
    expect(serverSpans(official).some((s) => s instanceof ServerSpan)).toBe(false);

    exporter.reset();
    logs.clear();
    recorder.ended = [];
    useLeanServerSpans(provider);
    const lean = await runScenarios();
    expect(serverSpans(lean)).toHaveLength(scenarios.length);
    expect(serverSpans(lean).every((s) => s instanceof ServerSpan)).toBe(true);

    // Same fields, span by span (same order: requests are sequential).
    expect(lean.map(shape)).toEqual(official.map(shape));
    // Spot checks, so the comparison above cannot pass on two equally empty spans.
    const first = serverSpans(lean)[0]!;
    expect(first.name).toBe('GET');
    expect(first.parentSpanContext).toMatchObject({ spanId: remoteParent.spanId, isRemote: true });
    expect(first.spanContext().traceId).toBe(remoteParent.traceId);
    expect(first.spanContext().traceState?.serialize()).toBe('vendor=abc');
    expect(first.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/ok/1',
      'url.query': 'x=1&sig=REDACTED',
      'http.response.status_code': 200,
      'network.protocol.version': '1.1',
      'correlation.id': 'corr-1',
      'server.address': '127.0.0.1',
      'app.user': 'u1',
      'app.long': 'v'.repeat(64),
      'app.list': ['a', 'v'.repeat(64)],
      'app.count': 3,
      'app.flag': false,
      'app.baggage.tenant': 'acme',
    });
    expect(first.attributes).not.toHaveProperty('app.bad');
    expect(first.events.map((e) => e.name)).toEqual(['cache.miss', 'timed']);
    expect(first.events[1]!.time).toEqual([1700000000, 5]);
    expect(first.links).toEqual([
      { context: remoteParent, attributes: { 'link.kind': 'follows' } },
      { context: { ...remoteParent, spanId: 'cccccccccccccccc' } },
    ]);
    const events = serverSpans(lean)[2]!;
    expect(events.events.map((e) => e.name)).toEqual(['e2', 'e3', 'e4']);
    expect(events.droppedEventsCount).toBe(2);
    const many = serverSpans(lean)[3]!;
    expect(Object.keys(many.attributes)).toHaveLength(128);
    expect(many.attributes['app.k0']).toBe('again');
    // 130 application attributes plus the request's own end attributes, beyond 128: dropped.
    expect(many.droppedAttributesCount).toBeGreaterThan(2);
    const okStatus = serverSpans(lean)[4]!;
    expect(okStatus.status).toEqual({ code: SpanStatusCode.OK });
    expect(okStatus.attributes['error.type']).toBe('503');
    const boom = serverSpans(lean)[5]!;
    expect(boom.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(boom.events.map((e) => [e.name, e.attributes?.['exception.type'], e.attributes?.['exception.message']])).toEqual([
      ['exception', 'ECONNREFUSED', 'db down'],
      ['exception', undefined, 'plain string failure'],
    ]);
    expect(boom.attributes).toMatchObject({ 'server.address': 'api.example', 'server.port': 8443, 'http.request.method': 'PATCH' });
    const purge = serverSpans(lean)[6]!;
    expect(purge.attributes).toMatchObject({ 'http.request.method': '_OTHER', 'http.request.method_original': 'PURGE', 'http.response.status_code': 404 });

    // The same log lines, joined to the server span by trace and span id.
    expect(logs.records().map((r) => [r.msg, r.path ?? r['url.path']])).toEqual(officialLogs.map((r) => [r.msg, r.path ?? r['url.path']]));
    const handling = logs.records().find((r) => r.msg === 'handling' && r.path === '/ok/2')!;
    const second = serverSpans(lean)[1]!;
    expect(handling.trace_id).toBe(second.spanContext().traceId);
    expect(handling.span_id).toBe(second.spanContext().spanId);
    expect(handling.correlation_id).toBe(second.attributes['correlation.id']);
  });

  it('with the default span limits (the end attributes are adopted whole) still exports what the official span does', async () => {
    const defaults = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'lean-test-defaults' }),
      sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
      idGenerator: new PooledIdGenerator(),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    trace.disable();
    trace.setGlobalTracerProvider(defaults);
    try {
      const official = await runScenarios();
      exporter.reset();
      useLeanServerSpans(defaults);
      const lean = await runScenarios();
      expect(serverSpans(lean).every((s) => s instanceof ServerSpan)).toBe(true);
      expect(lean.map(shape)).toEqual(official.map(shape));
      // A request whose handler set no attributes: exactly the observer's end attributes.
      const missing = serverSpans(lean).find((s) => s.attributes['url.path'] === '/missing')!;
      expect(Object.keys(missing.attributes).sort()).toEqual(
        [
          'correlation.id',
          'http.request.method',
          'http.request.method_original',
          'http.response.status_code',
          'network.protocol.version',
          'server.address',
          'server.port',
          'url.path',
          'url.scheme',
        ].sort(),
      );
      // The handler's attributes fill the count limit first; end attributes beyond it are
      // dropped, as with the official span (the map is not adopted then).
      const many = serverSpans(lean)[3]!;
      expect(Object.keys(many.attributes)).toHaveLength(128);
      expect(many.attributes).not.toHaveProperty('url.path');
      expect(many.droppedAttributesCount).toBe(official.filter((x) => x.kind === 1)[3]!.droppedAttributesCount);
    } finally {
      trace.disable();
      trace.setGlobalTracerProvider(provider);
    }
  });

  it('parents a child span started with the OpenTelemetry API to the server span, and both are exported', async () => {
    useLeanServerSpans(provider);
    const base = await listen();
    await (await fetch(`${base}/ok/3`)).arrayBuffer();
    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === 1)!;
    const child = spans.find((s) => s.name === 'db.query')!;
    expect(server).toBeInstanceOf(ServerSpan);
    expect(child.spanContext().traceId).toBe(server.spanContext().traceId);
    expect(child.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(child.parentSpanContext?.isRemote).toBeFalsy();
    expect(child.attributes).toEqual({ 'db.system': 'postgresql' });
    // The server span is a root: it has no parent.
    expect(server.parentSpanContext).toBeUndefined();
  });

  it('gives span processors onStart (with the parent context), onEnding and onEnd, as the official span does', async () => {
    useLeanServerSpans(provider);
    let seen: ReturnType<typeof requestState>;
    const base = await listen((req, res) => {
      seen = requestState(req);
      res.end('x');
    });
    await (await fetch(`${base}/p`, { headers: { traceparent: `00-${remoteParent.traceId}-${remoteParent.spanId}-01` } })).arrayBuffer();
    for (let i = 0; i < 100 && recorder.ended.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(recorder.started).toHaveLength(1);
    expect(recorder.started[0]!.span).toBe(seen!.span);
    expect(trace.getSpanContext(recorder.started[0]!.parent)).toMatchObject({ traceId: remoteParent.traceId, spanId: remoteParent.spanId });
    expect(recorder.ending).toEqual([seen!.span]);
    // onEnd sees the finished span: ended, with its end attributes.
    expect(recorder.ended[0]!.span).toBe(seen!.span);
    expect(recorder.ended[0]!.endedFlag).toBe(true);
    expect(recorder.ended[0]!.attributes['http.response.status_code']).toBe(200);
  });

  it('has wall-clock start and end times from one clock reading each, and a matching duration', async () => {
    useLeanServerSpans(provider);
    const base = await listen((_req, res) => setTimeout(() => res.end('late'), 30));
    const before = Date.now();
    await (await fetch(`${base}/slow`)).arrayBuffer();
    const after = Date.now();
    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    const span = exporter.getFinishedSpans()[0]!;
    expect(span).toBeInstanceOf(ServerSpan);
    const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
    expect(ms(span.startTime)).toBeGreaterThanOrEqual(before - 2);
    expect(ms(span.endTime)).toBeLessThanOrEqual(after + 2);
    expect(ms(span.endTime) - ms(span.startTime)).toBeGreaterThanOrEqual(25);
    expect(span.duration[0] * 1e9 + span.duration[1]).toBe((span.endTime[0] - span.startTime[0]) * 1e9 + (span.endTime[1] - span.startTime[1]));
    expect(span.startTime[1]).toBeGreaterThanOrEqual(0);
    expect(span.startTime[1]).toBeLessThan(1e9);
    expect(span.endTime[1]).toBeLessThan(1e9);
  });

  it('records a thrown listener error (exception event, ERROR status, error.type) and ignores calls after end', () => {
    useLeanServerSpans(provider);
    const server = http.createServer(() => {
      throw new TypeError('listener broke');
    });
    const { req, res } = fakeExchange('PUT', '/explode', '1.1');
    expect(() => server.emit('request', req, res)).toThrow('listener broke');
    const state = requestState(req)!;
    expect(state.span).toBeInstanceOf(ServerSpan);
    res.destroy();
    return new Promise<void>((resolve) => {
      res.once('close', () => {
        setImmediate(() => {
          const span = exporter.getFinishedSpans()[0]!;
          expect(span).toBe(state.span);
          expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'listener broke' });
          expect(span.events.find((e) => e.name === 'exception')?.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'listener broke' });
          // Node tears a crashed request's connection down: aborted outranks the thrown error's name.
          expect(span.attributes).toMatchObject({ 'http.request.method': 'PUT', 'error.type': 'aborted', 'http.response.status_code': 499 });
          state.span.setAttribute('late', 1);
          state.span.updateName('renamed');
          state.span.end();
          expect(span.attributes).not.toHaveProperty('late');
          expect(span.name).toBe('PUT');
          expect(exporter.getFinishedSpans()).toHaveLength(1);
          resolve();
        });
      });
    });
  });

  it('makes no recording span for an unsampled parent, but still propagates its context and correlation id', async () => {
    useLeanServerSpans(provider);
    let childTrace: string | undefined;
    let recording: boolean | undefined;
    const base = await listen((_req, res) => {
      recording = trace.getActiveSpan()?.isRecording();
      trace.getTracer('app').startActiveSpan('inner', (child) => {
        childTrace = child.spanContext().traceId;
        child.end();
      });
      res.end('x');
    });
    const res = await fetch(`${base}/u`, { headers: { traceparent: `00-${remoteParent.traceId}-${remoteParent.spanId}-00` } });
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 30));
    expect(recording).toBe(false);
    expect(childTrace).toBe(remoteParent.traceId);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(res.headers.get('x-correlation-id')).toBe('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa');
  });

  it('encodes to the same OTLP bytes with the official serializer and with the SDK encoder', async () => {
    useLeanServerSpans(provider);
    const spans = serverSpans(await runScenarios());
    expect(spans.every((s) => s instanceof ServerSpan)).toBe(true);
    expect(Buffer.from(encodeTraceExportRequest(spans))).toEqual(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!));
  });

  it('stays off for a provider other than the one it was turned on for', async () => {
    const other = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    useLeanServerSpans(other);
    const base = await listen();
    await (await fetch(`${base}/ok/4`)).arrayBuffer();
    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(serverSpans(exporter.getFinishedSpans() as ReadableSpan[]).some((s) => s instanceof ServerSpan)).toBe(false);
  });
});

describe('request context', () => {
  it('holds the server span, RPC metadata and correlation id over the caller context, and derives like BaseContext', async () => {
    useLeanServerSpans(provider);
    let seen: { ctx: Context; span: unknown; corr: unknown; rpc: ReturnType<typeof getRPCMetadata>; tenant?: string } | undefined;
    let derived: { span: unknown; corr: unknown; tenant?: string; rpc: unknown; childParent?: string } | undefined;
    let deleted: { span: unknown; corr: unknown; tenant?: string } | undefined;
    const base = await listen((req, res) => {
      const ctx = context.active();
      seen = {
        ctx,
        span: trace.getSpan(ctx),
        corr: ctx.getValue(CORRELATION_KEY),
        rpc: getRPCMetadata(ctx),
        tenant: propagation.getBaggage(ctx)?.getEntry('tenant')?.value,
      };
      // What the Express instrumentation does: the route goes on the RPC metadata.
      getRPCMetadata(ctx)!.route = '/orders/:id';
      const key = createContextKey('test.key');
      const child = ctx.setValue(key, 1);
      derived = {
        span: trace.getSpan(child),
        corr: child.getValue(CORRELATION_KEY),
        tenant: propagation.getBaggage(child)?.getEntry('tenant')?.value,
        rpc: getRPCMetadata(child),
      };
      expect(child.getValue(key)).toBe(1);
      expect(ctx.getValue(key)).toBeUndefined();
      const noSpan = trace.deleteSpan(ctx);
      deleted = { span: trace.getSpan(noSpan), corr: noSpan.getValue(CORRELATION_KEY), tenant: propagation.getBaggage(noSpan)?.getEntry('tenant')?.value };
      expect(trace.getSpan(ctx)).toBe(seen.span); // the request context itself is unchanged
      void req;
      res.end('x');
    });
    // No x-correlation-id: the id is made by the observer, not extracted into the caller context.
    await request(`${base}/orders/7`, 'GET', { baggage: 'tenant=acme' });
    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    const span = exporter.getFinishedSpans()[0]!;
    expect(seen!.span).toBe(span);
    const corr = span.attributes['correlation.id'];
    expect(corr).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(seen!.corr).toBe(corr);
    expect(seen!.tenant).toBe('acme');
    expect(seen!.rpc).toMatchObject({ type: RPCType.HTTP, span });
    expect(derived).toEqual({ span, corr, tenant: 'acme', rpc: seen!.rpc });
    expect(deleted).toEqual({ span: undefined, corr, tenant: 'acme' });
    expect(span.name).toBe('GET /orders/:id');
    expect(span.attributes['http.route']).toBe('/orders/:id');
  });
});

describe('server emit wrapper', () => {
  it("runs 'request' listeners with the server as `this`, inside the request context", async () => {
    let self: unknown;
    let active: Context | undefined;
    let state: ReturnType<typeof requestState>;
    const server = http.createServer(function (this: unknown, req, res) {
      self = this;
      active = context.active();
      state = requestState(req);
      res.end('x');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/t`, 'GET', {});
    expect(self).toBe(server);
    expect(active).toBe(state!.context);
  });
});
