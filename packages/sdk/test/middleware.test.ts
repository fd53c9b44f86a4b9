import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLogger, configureRequestObserver, setBodySizeMetrics, expressMiddleware, fastifyPlugin, getCorrelationId, instrumentHttpHandler, logger, MemoryDestination } from '../src/index.js';
import { installTestTelemetry, pointsWith, type TestTelemetry } from './helpers/telemetry.js';

let tel: TestTelemetry;
const logs = new MemoryDestination();
const servers: http.Server[] = [];
beforeAll(() => {
  tel = installTestTelemetry();
  configureLogger({ destination: logs, otlp: false, serviceName: 'mw' });
  // These tests check the content of the canonical line for every request (the default mode,
  // `errors`, is covered in http-server-instrumentation.test.ts).
  configureRequestObserver({ requestLog: 'all' });
  setBodySizeMetrics(true);
});
beforeEach(() => {
  tel.reset();
  logs.clear();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: http.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function requestLines() {
  return logs.records().filter((r) => r.msg === 'request completed');
}

async function waitForSpans(n: number) {
  for (let i = 0; i < 50 && tel.spans.getFinishedSpans().length < n; i++) await new Promise((r) => setTimeout(r, 10));
  return tel.spans.getFinishedSpans();
}

describe('node:http middleware', () => {
  it('creates a server span continuing the caller trace, echoes the correlation id, logs one line', async () => {
    const base = await listen(
      http.createServer(
        instrumentHttpHandler(
          (req, res) => {
            logger.info('inside handler', { cid: getCorrelationId() });
            res.writeHead(req.url === '/fail' ? 503 : 200, { 'content-type': 'text/plain' });
            res.write('hello ');
            res.end('world');
          },
          { route: (req) => (req.url?.startsWith('/items/') ? '/items/:id' : req.url) },
        ),
      ),
    );
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${base}/items/17?q=1`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-correlation-id': 'abc-1', 'user-agent': 'ua/1' },
    });
    expect(await res.text()).toBe('hello world');
    expect(res.headers.get('x-correlation-id')).toBe('abc-1');
    const [span] = await waitForSpans(1);
    expect(span!.name).toBe('GET /items/:id');
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(span!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span!.attributes).toMatchObject({ 'http.route': '/items/:id', 'http.response.status_code': 200, 'url.path': '/items/17', 'correlation.id': 'abc-1' });

    const inside = logs.records().find((r) => r.msg === 'inside handler')!;
    expect(inside).toMatchObject({ cid: 'abc-1', correlation_id: 'abc-1', trace_id: traceId });
    const [line] = requestLines();
    expect(line).toMatchObject({
      level: 'info', 'http.method': 'GET', 'http.route': '/items/:id', 'url.path': '/items/17', 'http.status_code': 200,
      user_agent: 'ua/1', correlation_id: 'abc-1', response_bytes: 11, request_bytes: 0, trace_id: traceId,
    });
    expect(typeof line!.duration_ms).toBe('number');

    const fail = await fetch(`${base}/fail`);
    await fail.text();
    const spans = await waitForSpans(2);
    expect(spans[1]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(requestLines()[1]).toMatchObject({ level: 'error', 'http.status_code': 503 });
    expect(fail.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);

    const duration = await tel.metric('http.server.request.duration');
    expect(pointsWith(duration, { 'http.route': '/items/:id', 'http.response.status_code': 200, 'http.request.method': 'GET' })).toHaveLength(1);
    expect(pointsWith(duration, { 'http.route': '/fail', 'error.type': '503' })).toHaveLength(1);
    const size = pointsWith(await tel.metric('http.server.response.body.size'), { 'http.route': '/items/:id' })[0]!.value as any;
    expect(size.sum).toBe(11);
    const active = pointsWith(await tel.metric('http.server.active_requests'), { 'http.request.method': 'GET' })[0]!;
    expect(active.value).toBe(0);
  });

  it('skips health endpoints', async () => {
    const base = await listen(http.createServer(instrumentHttpHandler((_req, res) => res.end('ok'))));
    await (await fetch(`${base}/healthz`)).text();
    await new Promise((r) => setTimeout(r, 20));
    expect(tel.spans.getFinishedSpans()).toHaveLength(0);
    expect(requestLines()).toHaveLength(0);
  });
});

describe('express middleware', () => {
  it('names spans and metrics by the route template, including mounted routers', async () => {
    const app = express();
    app.use(expressMiddleware());
    const router = express.Router();
    router.get('/:id', (req, res) => {
      res.json({ id: req.params.id, cid: getCorrelationId() });
    });
    app.use('/orders', router);
    app.post('/boom', () => {
      throw new Error('handler failed');
    });
    const base = await listen(http.createServer(app));
    const res = await fetch(`${base}/orders/42`, { headers: { 'x-correlation-id': 'ex-1' } });
    expect(await res.json()).toEqual({ id: '42', cid: 'ex-1' });
    const boom = await fetch(`${base}/boom`, { method: 'POST', body: 'x' });
    expect(boom.status).toBe(500);
    await boom.text();
    const spans = await waitForSpans(2);
    expect(spans.map((s) => s.name).sort()).toEqual(['GET /orders/:id', 'POST /boom']);
    const lines = requestLines();
    expect(lines.find((l) => l['http.route'] === '/orders/:id')).toMatchObject({ correlation_id: 'ex-1', 'http.status_code': 200 });
    expect(lines.find((l) => l['http.route'] === '/boom')).toMatchObject({ level: 'error', 'http.status_code': 500, request_bytes: 1 });
    const duration = await tel.metric('http.server.request.duration');
    expect(pointsWith(duration, { 'http.route': '/orders/:id' })).toHaveLength(1);
    expect(pointsWith(duration, { 'http.route': '/boom', 'error.type': '500' })).toHaveLength(1);
  });
});

describe('fastify plugin', () => {
  it('observes requests with the route template and keeps context in handlers', async () => {
    const app = Fastify();
    await app.register(fastifyPlugin());
    app.get('/users/:id', async (req) => {
      await new Promise((r) => setTimeout(r, 2));
      logger.info('fastify handler');
      return { id: (req.params as { id: string }).id, cid: getCorrelationId() };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app.server);
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const res = await fetch(`${base}/users/7`, { headers: { 'x-correlation-id': 'fy-1' } });
    expect(await res.json()).toEqual({ id: '7', cid: 'fy-1' });
    const [span] = await waitForSpans(1);
    expect(span!.name).toBe('GET /users/:id');
    const inHandler = logs.records().find((r) => r.msg === 'fastify handler')!;
    expect(inHandler.trace_id).toBe(span!.spanContext().traceId);
    expect(requestLines()[0]).toMatchObject({ 'http.route': '/users/:id', correlation_id: 'fy-1' });
  });
});
