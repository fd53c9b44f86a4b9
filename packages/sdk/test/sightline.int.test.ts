// Integration: the SDK against a real Sightline server started in the test. Services are
// separate Node processes instrumented with `--import @sightline/sdk/register`.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureService, startSightline, stopChild, waitFor, type RunningSightline } from './helpers/sightline-server.js';

let sightline: RunningSightline;
const children: ChildProcess[] = [];
let front: string;
let breakerSvc: string;

beforeAll(async () => {
  sightline = await startSightline();
  // front and back log every request (SIGHTLINE_REQUEST_LOG=all); breaker keeps the default (errors).
  const back = await startFixtureService('int-back', sightline.otlpHttp, { ROLE: 'back', SIGHTLINE_REQUEST_LOG: 'all' });
  children.push(back.child);
  const f = await startFixtureService('int-front', sightline.otlpHttp, { ROLE: 'front', BACK_URL: back.url, SIGHTLINE_REQUEST_LOG: 'all' });
  children.push(f.child);
  front = f.url;
  const b = await startFixtureService('int-breaker', sightline.otlpHttp, { ROLE: 'breaker' });
  children.push(b.child);
  breakerSvc = b.url;
});

afterAll(async () => {
  await Promise.all(children.map(stopChild));
  await sightline?.stop();
});

type Span = { spanId: string; parentSpanId?: string; name: string; serviceName: string; attributes: Record<string, unknown> };
type Log = { body: string; attributes: Record<string, unknown>; traceId: string; spanId: string; severityText: string; serviceName: string };

describe('SDK -> Sightline', () => {
  it('delivers spans, logs and metrics with the right attributes, joined across two services by trace and correlation id', async () => {
    const res = await fetch(`${front}/checkout`, { headers: { 'x-correlation-id': 'int-corr-42' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe('int-corr-42');
    expect(await res.json()).toEqual({ charged: true });

    const trace = await waitFor('a trace with spans of both services', async () => {
      const { traces } = await sightline.get<{ traces: Array<{ traceId: string }> }>('/api/traces?service=int-front&limit=20');
      for (const t of traces) {
        const full = await sightline.get<{ traceId: string; spans: Span[] }>(`/api/traces/${t.traceId}`);
        const services = new Set(full.spans.map((s) => s.serviceName));
        if (services.has('int-front') && services.has('int-back')) return full;
      }
      return undefined;
    });
    const frontServer = trace.spans.find((s) => s.serviceName === 'int-front' && s.name === 'GET /checkout')!;
    const backServer = trace.spans.find((s) => s.serviceName === 'int-back' && s.name === 'POST /charge')!;
    expect(frontServer).toBeDefined();
    expect(backServer).toBeDefined();
    expect(frontServer.attributes).toMatchObject({ 'http.route': '/checkout', 'http.response.status_code': 200, 'correlation.id': 'int-corr-42' });
    expect(backServer.attributes).toMatchObject({ 'correlation.id': 'int-corr-42' });
    // back's server span is a child of front's outgoing fetch span
    const client = trace.spans.find((s) => s.spanId === backServer.parentSpanId)!;
    expect(client.serviceName).toBe('int-front');

    const logsOf = async (service: string) =>
      (await sightline.get<{ logs: Log[] }>(`/api/logs?service=${service}&traceId=${trace.traceId}`)).logs;
    const frontLogs = await waitFor('front logs', async () => ((await logsOf('int-front')).length >= 2 ? logsOf('int-front') : undefined));
    const backLogs = await waitFor('back logs', async () => ((await logsOf('int-back')).length >= 2 ? logsOf('int-back') : undefined));
    const handling = frontLogs.find((l) => l.body === 'front handling checkout')!;
    expect(handling.attributes).toMatchObject({ 'correlation.id': 'int-corr-42', step: 'front' });
    expect(handling.traceId).toBe(trace.traceId);
    const charging = backLogs.find((l) => String(l.body).startsWith('back charging'))!;
    expect(charging.body).toBe('back charging card [REDACTED:card]');
    expect(charging.attributes['correlation.id']).toBe('int-corr-42');
    expect(charging.spanId).toBe(backServer.spanId);
    const canonical = backLogs.find((l) => l.body === 'request completed')!;
    expect(canonical.attributes).toMatchObject({ 'http.route': '/charge', 'http.status_code': 200, 'correlation.id': 'int-corr-42' });

    const names = await waitFor('RED and business metrics', async () => {
      const { names } = await sightline.get<{ names: Array<{ name: string }> }>('/api/metrics/names');
      const set = new Set(names.map((n) => n.name));
      // Histograms may be listed by base name or by their _bucket/_count/_sum series.
      const hasRed = [...set].some((n) => n === 'http_server_request_duration_seconds' || n.startsWith('http_server_request_duration_seconds_'));
      return hasRed && [...set].some((n) => n.startsWith('int_checkouts')) ? set : undefined;
    });
    expect([...names].some((n) => n.startsWith('process_cpu_time'))).toBe(true);
    expect([...names].some((n) => n.startsWith('nodejs_eventloop_utilization'))).toBe(true);
  });

  it('shows circuit breaker state changes as metrics and logs', async () => {
    for (let i = 0; i < 3; i++) await (await fetch(`${breakerSvc}/call?fail=1`)).json();
    const last = await (await fetch(`${breakerSvc}/call`)).json();
    expect(last).toEqual({ state: 'open', error: 'SL_ERR_CIRCUIT_OPEN' });
    expect((await fetch(`${breakerSvc}/missing`)).status).toBe(404);

    const breakerLogs = await waitFor('breaker logs', async () => {
      const { logs } = await sightline.get<{ logs: Log[] }>('/api/logs?service=int-breaker&limit=200');
      const done = logs.some((l) => l.body === 'circuit breaker int-dependency opened') && logs.some((l) => l.body === 'request completed');
      return done ? logs : undefined;
    });
    const opened = breakerLogs.find((l) => l.body === 'circuit breaker int-dependency opened')!;
    // Default request log mode: only the failed request (404) has a canonical line, the 200s do not.
    const canonical = breakerLogs.filter((l) => l.body === 'request completed');
    expect(canonical.map((l) => [l.severityText, l.attributes['http.status_code']])).toEqual([['WARN', 404]]);
    expect(opened.severityText).toBe('WARN');
    expect(opened.attributes).toMatchObject({ from: 'closed', to: 'open', 'circuit_breaker.name': 'int-dependency' });

    const names = await waitFor('breaker metrics', async () => {
      const { names } = await sightline.get<{ names: Array<{ name: string }> }>('/api/metrics/names');
      const list = names.map((n) => n.name);
      return list.some((n) => n.startsWith('circuit_breaker_state')) && list.some((n) => n.startsWith('circuit_breaker_transitions')) ? list : undefined;
    });
    expect(names.some((n) => n.startsWith('circuit_breaker_calls'))).toBe(true);
  });
});
