// Cardinality limits over real sockets: OTLP answers partial_success naming the limit,
// remote_write answers 400 like Mimir while storing the admitted samples, scrapes keep the
// target up, the counts survive a restart, and /api/metrics/cardinality reports real data.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { loadConfig } from '../../src/config/load.js';
import { startSightline, type RunningSightline } from '../../src/server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ManualScheduler } from '../helpers/manual-scheduler.js';
import { encodeWriteRequest, postRemoteWrite, snappy } from '../helpers/remote-write-encoder.js';

const servers: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
});

async function start(cardinality: Record<string, unknown>, extra: Record<string, unknown> = {}, scheduler?: ManualScheduler): Promise<TestServer> {
  const s = await startTestServer({ metrics: { cardinality }, ...extra }, undefined, scheduler);
  servers.push(s);
  return s;
}

/** Pulls what the SDK's instruments hold, so the test sends exactly one export request. */
class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One OTLP/HTTP protobuf export of a counter with one data point per user, serialised by the official SDK. */
async function exportCounter(url: string, name: string, users: string[]): Promise<{ status: number; partialSuccess?: { rejectedDataPoints?: unknown; errorMessage?: string } }> {
  const reader = new PullReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'card-svc' }), readers: [reader] });
  const counter = provider.getMeter('card').createCounter(name);
  for (const user of users) counter.add(1, { user });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
  const res = await fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const decoded = bytes.length ? (ProtobufMetricsSerializer.deserializeResponse(bytes) as { partialSuccess?: { rejectedDataPoints?: unknown; errorMessage?: string } }) : {};
  return { status: res.status, partialSuccess: decoded.partialSuccess };
}

function rwSeries(name: string, labels: Array<Record<string, string>>, t = Date.now(), value = 1) {
  return labels.map((l) => ({ labels: { __name__: name, ...l }, samples: [{ value, timestamp: t }] }));
}

const users = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `u${from + i}`);
const range = () => `start=${Date.now() - 3_600_000}&end=${Date.now() + 60_000}`;

async function seriesOf(s: { api: TestServer['api'] }, name: string): Promise<string[]> {
  const r = await s.api(`/api/metrics/series?match=${name}&${range()}`);
  expect(r.status).toBe(200);
  return (r.body.series as Array<{ labels: Record<string, string> }>).map((x) => x.labels.user ?? x.labels.i ?? '').sort();
}

async function rejectedCounter(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^sightline_ingest_rejected_items_total\\{signal="metrics",reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('OTLP metrics over a cardinality limit', () => {
  it('answers partial_success with the count and a message naming the limit, the metric and the code; earlier series still flow', async () => {
    const s = await start({ maxSeriesPerMetric: 5 });
    expect(await exportCounter(s.otlpHttpUrl, 'card.requests', users(0, 3))).toEqual({ status: 200, partialSuccess: undefined });
    const over = await exportCounter(s.otlpHttpUrl, 'card.requests', users(0, 8));
    expect(over.status).toBe(200);
    expect(Number(over.partialSuccess?.rejectedDataPoints)).toBe(3);
    expect(over.partialSuccess?.errorMessage).toMatch(/^SL_ERR_CARDINALITY_LIMIT: 3 data point\(s\) of 3 new series rejected: metric 'card_requests_total' has 5 active series, its limit \(maxSeriesPerMetric 5\)/);
    expect(await seriesOf(s, 'card_requests_total')).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    // The first series received their second sample: known series are never refused.
    const fps = (await s.api(`/api/metrics/series?match=card_requests_total&label.user=u0&${range()}`)).body.series.map((x: any) => x.fingerprint);
    const samples = await s.api(`/api/metrics/samples?series=${fps.join(',')}&${range()}`);
    expect(samples.body.series[0].values).toHaveLength(2);
    expect(await rejectedCounter(s.httpUrl, 'cardinality_metric')).toBe(3);
    const card = await s.api('/api/metrics/cardinality?metric=card_requests_total');
    expect(card.body.rejected).toEqual([{ reason: 'cardinality_metric', metric: 'card_requests_total', count: 3 }]);
    expect(card.body.activeSeries).toBe(5);
  });
});

describe('remote_write over a cardinality limit', () => {
  it('answers 400 SL_ERR_CARDINALITY_LIMIT (not retried by Prometheus) and stores the admitted samples of the same request', async () => {
    const s = await start({ maxSeriesPerMetric: null, maxSeriesPerTenant: null, metricOverrides: { rw_card: { maxSeriesPerMetric: 5 } } });
    const first = await postRemoteWrite(s.httpUrl, snappy(encodeWriteRequest(rwSeries('rw_card', users(0, 4).map((user) => ({ user }))))));
    expect(first.status).toBe(204);
    const t = Date.now() + 1;
    const res = await postRemoteWrite(s.httpUrl, snappy(encodeWriteRequest([...rwSeries('rw_card', users(0, 7).map((user) => ({ user })), t, 2), ...rwSeries('rw_other', [{ user: 'z' }], t)])));
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe('SL_ERR_CARDINALITY_LIMIT');
    expect(body.error.message).toMatch(/2 data point\(s\) of 2 new series rejected: metric 'rw_card' has 5 active series, its limit \(maxSeriesPerMetric 5\)/);
    expect(await seriesOf(s, 'rw_card')).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    expect(await seriesOf(s, 'rw_other')).toEqual(['z']);
    const fp = (await s.api(`/api/metrics/series?match=rw_card&label.user=u1&${range()}`)).body.series[0].fingerprint;
    expect((await s.api(`/api/metrics/samples?series=${fp}&${range()}`)).body.series[0].values).toEqual([1, 2]);
    const requests = await (await fetch(`${s.httpUrl}/metrics`)).text();
    expect(requests).toMatch(/sightline_ingest_requests_total\{signal="metrics",transport="remote_write",code="400"\} 1/);
  });

  it('limits distinct values per label and per tenant', async () => {
    const s = await start({ maxSeriesPerTenant: 6, maxLabelValuesPerLabel: 3 });
    const res = await postRemoteWrite(s.httpUrl, snappy(encodeWriteRequest(rwSeries('rw_vals', users(0, 5).map((user) => ({ user, method: 'GET' }))))));
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain("label 'user' of metric 'rw_vals' has 3 distinct values, its limit (maxLabelValuesPerLabel 3)");
    expect(await seriesOf(s, 'rw_vals')).toEqual(['u0', 'u1', 'u2']);
    const tenant = await postRemoteWrite(s.httpUrl, snappy(encodeWriteRequest(rwSeries('rw_more', [{ i: 'a' }, { i: 'b' }, { i: 'c' }, { i: 'd' }]))));
    expect(tenant.status).toBe(400);
    expect(((await tenant.json()) as any).error.message).toContain("tenant 'default' has 6 active series, its limit (maxSeriesPerTenant 6)");
    expect(await rejectedCounter(s.httpUrl, 'cardinality_label_values')).toBe(2);
    expect(await rejectedCounter(s.httpUrl, 'cardinality_tenant')).toBe(1);
  });
});

describe('scrapes over a cardinality limit', () => {
  let target: Server | undefined;
  afterAll(() => target?.close());

  it('stores the admitted series, counts the rest and keeps the target up', async () => {
    target = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(Array.from({ length: 10 }, (_, i) => `scr_many{i="${i}"} ${i}\n`).join(''));
    });
    await new Promise<void>((r) => target!.listen(0, '127.0.0.1', r));
    const address = `127.0.0.1:${(target.address() as AddressInfo).port}`;
    const scheduler = new ManualScheduler(Date.now());
    const s = await start({ metricOverrides: { scr_many: { maxSeriesPerMetric: 4 } } }, { scrape_configs: [{ job_name: 'card', static_configs: [{ targets: [address] }] }] }, scheduler);
    scheduler.nowMs = Date.now();
    const [result] = await s.scrape.scrapeAll();
    expect(result).toMatchObject({ status: 'ok' });
    expect(s.scrape.activeTargets()[0]).toMatchObject({ health: 'up', lastError: '' });
    expect((await seriesOf(s, 'scr_many')).length).toBe(4);
    expect(await seriesOf(s, 'up')).toEqual(['']);
    expect(await rejectedCounter(s.httpUrl, 'cardinality_metric')).toBe(6);
  });
});

describe('restart', () => {
  it('keeps the active-series counts: the guard is seeded from the store', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sightline-card-'));
    const boot = async (): Promise<RunningSightline> => {
      const config = loadConfig({
        env: {},
        overrides: { dataDir, http: { port: 0 }, otlp: { httpPort: 0, grpcPort: 0 }, log: { level: 'warn' }, metrics: { cardinality: { maxSeriesPerMetric: 4 } } },
      });
      return startSightline({ config, logger: pino({ level: 'warn' }), webRoot: join(dataDir, 'no-ui') });
    };
    let running = await boot();
    try {
      expect((await postRemoteWrite(running.httpUrl, snappy(encodeWriteRequest(rwSeries('rs_card', users(0, 4).map((user) => ({ user }))))))).status).toBe(204);
      expect(running.cardinality?.activeSeries('default', 'rs_card')).toBe(4);
      await running.close();
      running = await boot();
      expect(running.cardinality?.activeSeries('default', 'rs_card')).toBe(4);
      // Known series still flow after the restart, a fifth is refused.
      const res = await postRemoteWrite(running.httpUrl, snappy(encodeWriteRequest(rwSeries('rs_card', users(0, 5).map((user) => ({ user })), Date.now() + 1))));
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.message).toContain("metric 'rs_card' has 4 active series");
    } finally {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('GET /api/metrics/cardinality', () => {
  it('reports top metrics, labels, label values, growth, limits and rejections of real ingested data', async () => {
    const s = await start({ maxSeriesPerMetric: 6, maxLabelValuesPerLabel: null, maxSeriesPerTenant: 1000 });
    const now = Date.now();
    // http_req: 6 series (user u0..u5 x method GET/POST alternating), db_q: 2 series, one sample each.
    const http = users(0, 6).map((user, i) => ({ user, method: i % 2 ? 'POST' : 'GET' }));
    expect((await postRemoteWrite(s.httpUrl, snappy(encodeWriteRequest([...rwSeries('http_req', http, now), ...rwSeries('db_q', [{ method: 'GET' }, { method: 'PUT' }], now)])))).status).toBe(204);
    // Two more http_req series: over maxSeriesPerMetric, rejected.
    expect((await postRemoteWrite(s.httpUrl, snappy(encodeWriteRequest(rwSeries('http_req', [{ user: 'x1', method: 'GET' }, { user: 'x2', method: 'GET' }], now))))).status).toBe(400);

    const res = await fetch(`${s.httpUrl}/api/metrics/cardinality`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as any;
    expect(body.window.endMs - body.window.startMs).toBe(24 * 3_600_000);
    expect(Math.abs(body.window.endMs - Date.now())).toBeLessThan(60_000);
    expect(body.totalSeries).toBe(8);
    expect(body.activeSeries).toBe(8);
    expect(body.topMetrics).toEqual([
      { name: 'http_req', series: 6 },
      { name: 'db_q', series: 2 },
    ]);
    expect(body.topLabels).toEqual([
      { name: 'user', distinctValues: 6, series: 6 },
      { name: 'method', distinctValues: 3, series: 8 },
    ]);
    expect(body.topLabelValues.slice(0, 3)).toEqual([
      { name: 'method', value: 'GET', series: 4 },
      { name: 'method', value: 'POST', series: 3 },
      { name: 'method', value: 'PUT', series: 1 },
    ]);
    expect(body.growth).toHaveLength(25);
    expect(body.growth.every((b: any, i: number) => i === 0 || b.timeMs - body.growth[i - 1].timeMs === 3_600_000)).toBe(true);
    const hour = Math.floor(now / 3_600_000) * 3_600_000;
    expect(body.growth.find((b: any) => b.timeMs === hour)).toEqual({ timeMs: hour, series: 8, newSeries: 8 });
    expect(body.growth.filter((b: any) => b.timeMs !== hour).every((b: any) => b.series === 0 && b.newSeries === 0)).toBe(true);
    expect(body.limits).toEqual({ maxSeriesPerTenant: 1000, maxSeriesPerMetric: 6, maxLabelValuesPerLabel: null });
    expect(body.rejected).toEqual([{ reason: 'cardinality_metric', metric: 'http_req', count: 2 }]);

    const one = (await s.api(`/api/metrics/cardinality?metric=db_q&limit=1&start=${now - 7_200_000}&end=${new Date(now + 1000).toISOString()}`)).body;
    expect(one.window).toEqual({ startMs: now - 7_200_000, endMs: now + 1000 });
    expect(one.totalSeries).toBe(2);
    expect(one.activeSeries).toBe(2);
    expect(one.topMetrics).toEqual([{ name: 'db_q', series: 2 }]);
    expect(one.topLabels).toEqual([{ name: 'method', distinctValues: 2, series: 2 }]);
    expect(one.topLabelValues).toHaveLength(1);
    expect(one.growth.reduce((n: number, b: any) => n + b.newSeries, 0)).toBe(2);
    expect(one.rejected).toEqual([]);

    // A window without data: zeros, every hour present.
    const empty = (await s.api(`/api/metrics/cardinality?start=${now - 30 * 3_600_000}&end=${now - 26 * 3_600_000}`)).body;
    expect(empty.totalSeries).toBe(0);
    expect(empty.topMetrics).toEqual([]);
    expect(empty.growth.length).toBeGreaterThanOrEqual(4);
  });

  it('answers 400 SL_ERR_INVALID_PARAM for bad parameters', async () => {
    const s = await start({});
    for (const q of ['start=yesterday', 'end=abc', 'limit=0', 'limit=-3', 'limit=1.5', 'start=2000&end=1000', `start=0&end=${Date.now()}`, `metric=${'m'.repeat(2000)}`]) {
      const r = await s.api(`/api/metrics/cardinality?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('SL_ERR_INVALID_PARAM');
    }
  });

  it('counts from the store when the guard is off', async () => {
    const s = await start({ enabled: false });
    expect((await postRemoteWrite(s.httpUrl, snappy(encodeWriteRequest(rwSeries('off_m', users(0, 3).map((user) => ({ user }))))))).status).toBe(204);
    const body = (await s.api('/api/metrics/cardinality')).body;
    expect(body.activeSeries).toBe(3);
    expect(body.totalSeries).toBe(3);
    expect(body.limits).toEqual({ maxSeriesPerTenant: null, maxSeriesPerMetric: null, maxLabelValuesPerLabel: null });
  });
});
