// The SDK's own inbound HTTP instrumentation, against real node:http servers on 127.0.0.1 and
// the official OpenTelemetry SDK providers with in-memory exporters.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  configureLogger,
  configureRequestObserver,
  getCorrelationId,
  instrumentHttpHandler,
  instrumentHttpServers,
  logger,
  MemoryDestination,
  requestState,
  REQUEST_OBSERVER_DEFAULTS,
  resolveConfig,
} from '../src/index.js';
import { redactQuery, splitHost } from '../src/middleware/request-observer.js';
import { fakeExchange } from './helpers/fake-request.js';
import { installTestTelemetry, pointsWith, type TestTelemetry } from './helpers/telemetry.js';

let tel: TestTelemetry;
let uninstall: () => void;
const logs = new MemoryDestination();
const servers: http.Server[] = [];

beforeAll(() => {
  tel = installTestTelemetry();
  configureLogger({ destination: logs, otlp: false, serviceName: 'srv' });
  uninstall = instrumentHttpServers();
});
beforeEach(() => {
  tel.reset();
  logs.clear();
  configureRequestObserver({
    requestLog: REQUEST_OBSERVER_DEFAULTS.requestLog,
    slowRequestMs: REQUEST_OBSERVER_DEFAULTS.slowRequestMs,
    spanAttributes: REQUEST_OBSERVER_DEFAULTS.spanAttributes,
    samplerUsesAttributes: true,
  });
});
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections();
});
afterAll(() => uninstall());

async function listen(handler: http.RequestListener): Promise<{ base: string; port: number }> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { base: `http://127.0.0.1:${port}`, port };
}

async function spansAfter(n: number) {
  for (let i = 0; i < 100 && tel.spans.getFinishedSpans().length < n; i++) await new Promise((r) => setTimeout(r, 10));
  return tel.spans.getFinishedSpans();
}

const requestLines = () => logs.records().filter((r) => r.msg === 'request completed');

describe('server instrumentation (no middleware)', () => {
  it('gives every request a server span that continues the incoming traceparent, with semantic-convention attributes', async () => {
    const { base, port } = await listen(async (_req, res) => {
      logger.info('before await');
      await new Promise((r) => setTimeout(r, 5));
      logger.info('after await', { cid: getCorrelationId() });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hi');
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${base}/items/9?x=1`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-correlation-id': 'srv-1', 'user-agent': 'test-ua/2', 'x-forwarded-for': '203.0.113.7, 10.0.0.1' },
    });
    expect(await res.text()).toBe('hi');
    expect(res.headers.get('x-correlation-id')).toBe('srv-1');
    const [span] = await spansAfter(1);
    expect(span!.name).toBe('GET');
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(span!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/items/9',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'server.port': port,
      'network.protocol.version': '1.1',
      'correlation.id': 'srv-1',
      'url.query': 'x=1',
    });
    expect(span!.attributes['http.route']).toBeUndefined();
    // Per-connection attributes are recorded with `spanAttributes: 'full'` only.
    for (const key of ['client.address', 'network.peer.address', 'network.peer.port', 'user_agent.original']) {
      expect(span!.attributes[key]).toBeUndefined();
    }

    // Log correlation on both sides of an await: the handler ran in the request's context.
    const sid = span!.spanContext().spanId;
    for (const msg of ['before await', 'after await']) {
      expect(logs.records().find((r) => r.msg === msg)).toMatchObject({ trace_id: traceId, span_id: sid, correlation_id: 'srv-1' });
    }
    expect(logs.records().find((r) => r.msg === 'after await')!.cid).toBe('srv-1');
    // Default log mode is `errors`: a fast 200 writes no canonical line.
    expect(requestLines()).toHaveLength(0);
  });

  it("records client.address, network.peer.*, user_agent.original with spanAttributes 'full'", async () => {
    configureRequestObserver({ spanAttributes: 'full' });
    const { base } = await listen((_req, res) => res.end('ok'));
    await (await fetch(`${base}/p`, { headers: { 'user-agent': 'test-ua/3', 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } })).text();
    const [span] = await spansAfter(1);
    expect(span!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/p',
      'network.peer.address': '127.0.0.1',
      'client.address': '203.0.113.9',
      'user_agent.original': 'test-ua/3',
    });
    expect(span!.attributes['network.peer.port']).toBeTypeOf('number');
  });

  it('sets the same attributes at the end when the sampler does not read them (what init() configures)', async () => {
    const { base, port } = await listen((_req, res) => res.end('ok'));
    const collect = async () => {
      tel.reset();
      await (await fetch(`${base}/q?a=1`, { method: 'POST', body: 'x' })).text();
      const [span] = await spansAfter(1);
      return span!;
    };
    const atStart = await collect();
    configureRequestObserver({ samplerUsesAttributes: false });
    const atEnd = await collect();
    expect(atEnd.attributes).toEqual({ ...atStart.attributes, 'correlation.id': atEnd.attributes['correlation.id'] });
    expect(atEnd.attributes).toMatchObject({ 'http.request.method': 'POST', 'url.scheme': 'http', 'url.path': '/q', 'url.query': 'a=1', 'server.port': port });
    expect(atEnd.name).toBe('POST');
  });

  it('starts a new trace and a new correlation id when the caller sends none (or an invalid one)', async () => {
    const { base } = await listen((_req, res) => res.end(getCorrelationId()));
    const res = await fetch(`${base}/`, { headers: { 'x-correlation-id': 'bad id\twith tab' } });
    const body = await res.text();
    expect(body).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-correlation-id')).toBe(body);
    const [span] = await spansAfter(1);
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.attributes['correlation.id']).toBe(body);
    // A new id is the request's trace id in UUID form: it names the same unit of work.
    expect(body.replaceAll('-', '')).toBe(span!.spanContext().traceId);
  });

  it('records RED metrics by method, status and error type; 5xx spans are errors; 4xx and 5xx are logged', async () => {
    const { base } = await listen((req, res) => {
      const status = Number(req.url!.slice(1));
      res.statusCode = status;
      res.end(String(status));
    });
    for (const status of [201, 201, 404, 503]) await (await fetch(`${base}/${status}`)).text();
    const spans = await spansAfter(4);
    const byStatus = (s: number) => spans.filter((x) => x.attributes['http.response.status_code'] === s);
    expect(byStatus(201)).toHaveLength(2);
    expect(byStatus(404)[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(byStatus(503)[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(byStatus(503)[0]!.attributes['error.type']).toBe('503');

    const duration = await tel.metric('http.server.request.duration');
    const ok = pointsWith(duration, { 'http.request.method': 'GET', 'http.response.status_code': 201, 'url.scheme': 'http' });
    expect(ok).toHaveLength(1);
    expect((ok[0]!.value as { count: number }).count).toBe(2);
    expect(pointsWith(duration, { 'http.response.status_code': 404 })[0]!.attributes['error.type']).toBeUndefined();
    expect(pointsWith(duration, { 'http.response.status_code': 503, 'error.type': '503' })).toHaveLength(1);
    const active = pointsWith(await tel.metric('http.server.active_requests'), { 'http.request.method': 'GET', 'url.scheme': 'http' });
    expect(active[0]!.value).toBe(0);

    const lines = requestLines();
    expect(lines.map((l) => [l.level, l['http.status_code']])).toEqual([
      ['warn', 404],
      ['error', 503],
    ]);
    expect(lines[1]).toMatchObject({ 'url.path': '/503', response_bytes: 3, trace_id: byStatus(503)[0]!.spanContext().traceId });
  });

  it("logs every request in 'all' mode, and slow successful requests in 'errors' mode", async () => {
    const { base } = await listen(async (req, res) => {
      if (req.url === '/slow') await new Promise((r) => setTimeout(r, 60));
      res.write('a');
      res.write(Buffer.from('bc'));
      res.end('def');
    });
    configureRequestObserver({ slowRequestMs: 50 });
    await (await fetch(`${base}/fast`)).text();
    await (await fetch(`${base}/slow`)).text();
    await spansAfter(2);
    expect(requestLines().map((l) => l['url.path'])).toEqual(['/slow']);
    expect(requestLines()[0]!.duration_ms).toBeGreaterThanOrEqual(50);

    logs.clear();
    configureRequestObserver({ requestLog: 'all' });
    await (await fetch(`${base}/fast`)).text();
    await spansAfter(3);
    expect(requestLines()).toHaveLength(1);
    expect(requestLines()[0]).toMatchObject({ level: 'info', 'url.path': '/fast', response_bytes: 6, request_bytes: 0 });

    logs.clear();
    configureRequestObserver({ requestLog: 'off' });
    await (await fetch(`${base}/slow`)).text();
    await spansAfter(4);
    expect(requestLines()).toHaveLength(0);
  });

  it('marks requests the client aborted (499, error.type aborted) and still ends the span', async () => {
    let arrived!: () => void;
    const arrivedP = new Promise<void>((r) => (arrived = r));
    const { port } = await listen(() => arrived()); // never answers
    const client = http.request({ host: '127.0.0.1', port, path: '/hang', method: 'POST', headers: { 'content-length': '2' } });
    client.on('error', () => {});
    client.end('{}');
    await arrivedP;
    client.destroy();
    const [span] = await spansAfter(1);
    expect(span!.attributes).toMatchObject({ 'http.response.status_code': 499, 'error.type': 'aborted', 'url.path': '/hang' });
    expect(requestLines()[0]).toMatchObject({ level: 'warn', aborted: true, 'http.status_code': 499, request_bytes: 2 });
    const duration = await tel.metric('http.server.request.duration');
    expect(pointsWith(duration, { 'http.request.method': 'POST', 'error.type': 'aborted' })).toHaveLength(1);
  });

  it('skips health and metrics endpoints entirely', async () => {
    const { base } = await listen((_req, res) => res.end('ok'));
    for (const p of ['/healthz', '/readyz', '/metrics?x=1']) await (await fetch(`${base}${p}`)).text();
    await (await fetch(`${base}/real`)).text();
    const spans = await spansAfter(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(spans.map((s) => s.attributes['url.path'])).toEqual(['/real']);
  });

  it('records a synchronous throw from a request listener on the span and rethrows it', () => {
    const server = http.createServer(() => {
      throw new TypeError('listener broke');
    });
    const { req, res } = fakeExchange('PUT', '/explode');
    expect(() => server.emit('request', req, res)).toThrow('listener broke');
    const state = requestState(req)!;
    expect(state).toBeDefined();
    // Node answers a crashed request by tearing the connection down: the response closes unfinished.
    res.destroy();
    return new Promise<void>((resolve) => {
      res.once('close', () => {
        setImmediate(() => {
          const span = tel.spans.getFinishedSpans().find((s) => s.attributes['url.path'] === '/explode')!;
          expect(span.status.code).toBe(SpanStatusCode.ERROR);
          expect(span.events.find((e) => e.name === 'exception')?.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'listener broke' });
          expect(span.attributes['http.request.method']).toBe('PUT');
          resolve();
        });
      });
    });
  });

  it('patches https servers too', () => {
    expect(Object.prototype.hasOwnProperty.call(https.Server.prototype, 'emit')).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(http.Server.prototype, 'emit')).toBe(true);
  });
});

describe('server instrumentation with the middleware', () => {
  it('makes one span per request; the middleware adds the route, log mode and logger', async () => {
    const routeLogs = new MemoryDestination();
    const { createLogger } = await import('../src/index.js');
    const own = createLogger({ destination: routeLogs, serviceName: 'mw-own' });
    const { base } = await listen(
      instrumentHttpHandler(
        (req, res) => {
          logger.info('in handler');
          res.end('x');
        },
        { route: (req) => (req.url!.startsWith('/orders/') ? '/orders/:id' : undefined), logRequests: 'all', logger: own },
      ),
    );
    await (await fetch(`${base}/orders/5`, { headers: { 'x-correlation-id': 'one-span' } })).text();
    const spans = await spansAfter(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(spans).toHaveLength(1);
    expect(spans[0]!.name).toBe('GET /orders/:id');
    expect(spans[0]!.attributes['http.route']).toBe('/orders/:id');
    expect(logs.records().find((r) => r.msg === 'in handler')!.span_id).toBe(spans[0]!.spanContext().spanId);
    const [line] = routeLogs.records();
    expect(line).toMatchObject({ msg: 'request completed', service: 'mw-own', 'http.route': '/orders/:id', correlation_id: 'one-span', level: 'info' });
    const duration = await tel.metric('http.server.request.duration');
    expect(pointsWith(duration, { 'http.route': '/orders/:id' })).toHaveLength(1);
  });

  it("honours the middleware's ignorePaths for a request the server hook already began", async () => {
    const { base } = await listen(instrumentHttpHandler((_req, res) => res.end('x'), { ignorePaths: ['/private'] }));
    await (await fetch(`${base}/private`)).text();
    await new Promise((r) => setTimeout(r, 30));
    expect(tel.spans.getFinishedSpans()).toHaveLength(0);
    const active = pointsWith(await tel.metric('http.server.active_requests'), { 'http.request.method': 'GET' });
    expect(active.every((p) => p.value === 0)).toBe(true);
  });
});

describe('uninstalling', () => {
  it('restores emit: later requests get no span', async () => {
    const { base } = await listen((_req, res) => res.end('x'));
    uninstall();
    try {
      await (await fetch(`${base}/after-uninstall`)).text();
      await new Promise((r) => setTimeout(r, 30));
      expect(tel.spans.getFinishedSpans()).toHaveLength(0);
      expect(Object.prototype.hasOwnProperty.call(http.Server.prototype, 'emit')).toBe(false);
    } finally {
      uninstall = instrumentHttpServers();
    }
    await (await fetch(`${base}/reinstalled`)).text();
    expect((await spansAfter(1))[0]!.attributes['url.path']).toBe('/reinstalled');
  });
});

describe('helpers and configuration', () => {
  it.each([
    ['example.com', { address: 'example.com' }],
    ['example.com:8080', { address: 'example.com', port: 8080 }],
    ['[::1]:3000', { address: '::1', port: 3000 }],
    ['[::1]', { address: '::1' }],
    ['host:notaport', { address: 'host' }],
  ])('splitHost(%s)', (host, expected) => {
    expect(splitHost(host)).toEqual(expected);
  });

  it.each([
    ['a=1&b=2', 'a=1&b=2'],
    ['X-Goog-Signature=abc&a=1', 'X-Goog-Signature=REDACTED&a=1'],
    ['a=1&sig=s3cr3t&Signature=x&AWSAccessKeyId=AK', 'a=1&sig=REDACTED&Signature=REDACTED&AWSAccessKeyId=REDACTED'],
    ['signature=lowercase-is-not-listed', 'signature=lowercase-is-not-listed'],
  ])('redactQuery(%s)', (query, expected) => {
    expect(redactQuery(query)).toBe(expected);
  });

  it('reads the request log mode and slow threshold from options and environment, and rejects bad values', () => {
    expect(resolveConfig({}, {})).toMatchObject({ requestLog: 'errors', slowRequestMs: 1000 });
    expect(resolveConfig({}, { SIGHTLINE_REQUEST_LOG: 'ALL', SIGHTLINE_SLOW_REQUEST_MS: '250' })).toMatchObject({ requestLog: 'all', slowRequestMs: 250 });
    expect(resolveConfig({ requestLog: 'off' }, { SIGHTLINE_REQUEST_LOG: 'all' }).requestLog).toBe('off');
    expect(() => resolveConfig({}, { SIGHTLINE_REQUEST_LOG: 'some' })).toThrow(/requestLog "some"/);
    expect(() => resolveConfig({ slowRequestMs: -1 })).toThrow(/slowRequestMs/);
    expect(resolveConfig({ instrumentations: { httpServer: false } }, {}).instrumentations).toMatchObject({ http: true, httpServer: false });
  });
});
