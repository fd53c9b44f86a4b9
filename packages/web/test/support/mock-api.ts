/**
 * Test-only stand-in for the Sightline API, implementing the HTTP contract over generated
 * data so the UI can be driven in a browser before (and independently of) the real server.
 * Never shipped: it lives under test/ and serves the built UI from packages/web/dist.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { LogRecord, Span } from '@sightline/client';
import { BIG_TRACE_SERVICE, LOG_FLOOD_SERVICE, bigTrace, floodLog, shopTraces, type GenLog, type GenSpan } from './telemetry-gen.js';

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };
const SEV_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const SEV_MIN: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

function toSpan(s: GenSpan): Span {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: '',
    flags: 1,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: String(s.startNs),
    endTimeUnixNano: String(s.endNs),
    durationNs: String(s.endNs - s.startNs),
    statusCode: s.error ? 2 : 0,
    statusMessage: s.error ? 'failed' : '',
    attributes: s.attributes,
    events: s.error ? [{ timeUnixNano: String(s.endNs - 1000n), name: 'exception', attributes: { 'exception.type': 'CardDeclined', 'exception.message': 'card declined' }, droppedAttributesCount: 0 }] : [],
    links: [],
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    serviceName: s.service,
    scopeName: 'mock',
    scopeVersion: '1.0.0',
    resourceAttributes: { 'service.name': s.service, 'host.name': 'mock-host' },
  };
}

function toLog(l: GenLog): LogRecord {
  return {
    timeUnixNano: String(l.timeNs),
    observedTimeUnixNano: String(l.timeNs),
    severityNumber: l.severityNumber,
    severityText: l.severityText,
    body: l.body,
    attributes: l.attributes,
    droppedAttributesCount: 0,
    traceId: l.traceId,
    spanId: l.spanId,
    flags: 0,
    eventName: '',
    serviceName: l.service,
    scopeName: 'mock',
    scopeVersion: '',
    resourceAttributes: { 'service.name': l.service },
  };
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);

export interface MockApi {
  url: string;
  bigTraceId: string;
  deepSpanId: string;
  shopTraceIds: string[];
  close(): Promise<void>;
}

export async function startMockApi(options: { distDir: string; empty?: boolean; floodLogs?: number }): Promise<MockApi> {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const shop = options.empty ? { spans: [], logs: [], traceIds: [] } : shopTraces(80, nowNs, 30 * 60_000);
  const big = options.empty ? [] : bigTrace(10_000, nowNs - 20n * 60_000_000_000n);
  const floodCount = options.empty ? 0 : options.floodLogs ?? 100_000;
  const spans = [...shop.spans, ...big];
  const flood = Array.from({ length: floodCount }, (_, i) => floodLog(i, floodCount, nowNs, 25 * 60_000));
  const logs = [...shop.logs, ...flood].sort((a, b) => (a.timeNs < b.timeNs ? 1 : a.timeNs > b.timeNs ? -1 : 0));
  const byTrace = new Map<string, GenSpan[]>();
  for (const s of spans) {
    let l = byTrace.get(s.traceId);
    if (!l) byTrace.set(s.traceId, (l = []));
    l.push(s);
  }

  const inRange = (ns: bigint, q: URLSearchParams) => {
    const ms = Number(ns / 1_000_000n);
    return ms >= Number(q.get('start') ?? 0) && ms <= Number(q.get('end') ?? Infinity);
  };
  const filterLogs = (q: URLSearchParams) => {
    const service = q.get('service');
    const sev = q.get('severity');
    const min = sev ? SEV_MIN[sev] ?? Number(sev) : 0;
    const traceId = q.get('traceId');
    const text = q.get('q')?.toLowerCase();
    const attrs = [...q].filter(([k]) => k.startsWith('attr.')).map(([k, v]) => [k.slice(5), v] as const);
    return logs.filter(
      (l) =>
        inRange(l.timeNs, q) &&
        (!service || l.service === service) &&
        l.severityNumber >= min &&
        (!traceId || l.traceId === traceId) &&
        (!text || l.body.toLowerCase().includes(text)) &&
        attrs.every(([k, v]) => String(l.attributes[k]) === v),
    );
  };

  const api = (path: string, q: URLSearchParams): [number, unknown] => {
    if (path === '/api/info') return [200, { version: '0.1.0-mock', otlp: { grpcEndpoint: 'http://127.0.0.1:4317', httpEndpoint: 'http://127.0.0.1:4318' }, hasData: !options.empty }];
    if (path === '/api/services') {
      const start = Number(q.get('start'));
      const end = Number(q.get('end'));
      const services = new Map<string, GenSpan[]>();
      for (const s of spans) {
        if (!inRange(s.startNs, q) || (s.kind !== 2 && s.parentSpanId)) continue;
        let l = services.get(s.service);
        if (!l) services.set(s.service, (l = []));
        l.push(s);
      }
      const stepMs = (end - start) / 30;
      return [
        200,
        {
          services: [...services].map(([name, list]) => {
            const durs = list.map((s) => Number(s.endNs - s.startNs) / 1e6).sort((a, b) => a - b);
            const errors = list.filter((s) => s.error).length;
            const buckets = Array.from({ length: 30 }, (_, i) => list.filter((s) => Math.floor((Number(s.startNs / 1_000_000n) - start) / stepMs) === i));
            return {
              name,
              spanCount: list.length,
              errorCount: errors,
              ratePerSec: list.length / ((end - start) / 1000),
              errorRatio: errors / list.length,
              p50Ms: quantile(durs, 0.5),
              p95Ms: quantile(durs, 0.95),
              p99Ms: quantile(durs, 0.99),
              sparkline: {
                t: buckets.map((_, i) => start + i * stepMs),
                rate: buckets.map((b) => b.length / (stepMs / 1000)),
                errorRatio: buckets.map((b) => (b.length ? b.filter((s) => s.error).length / b.length : 0)),
                p95Ms: buckets.map((b) => quantile(b.map((s) => Number(s.endNs - s.startNs) / 1e6).sort((x, y) => x - y), 0.95)),
              },
            };
          }),
        },
      ];
    }
    const ops = /^\/api\/services\/([^/]+)\/operations$/.exec(path);
    if (ops) {
      const service = decodeURIComponent(ops[1]!);
      const seen = new Map<string, number>();
      for (const s of spans) if (s.service === service && inRange(s.startNs, q)) seen.set(s.name, s.kind);
      return [200, { operations: [...seen].map(([name, spanKind]) => ({ name, spanKind })) }];
    }
    if (path === '/api/traces') {
      const service = q.get('service');
      const operation = q.get('operation');
      const status = q.get('status');
      const out = [];
      for (const [traceId, list] of byTrace) {
        const root = list.find((s) => !s.parentSpanId)!;
        if (!inRange(root.startNs, q)) continue;
        if (service && !list.some((s) => s.service === service && (!operation || s.name === operation))) continue;
        const errorCount = list.filter((s) => s.error).length;
        if (status === 'error' && !errorCount) continue;
        if (status === 'ok' && errorCount) continue;
        out.push({ traceId, rootService: root.service, rootOperation: root.name, startTimeUnixNano: String(root.startNs), durationNs: String(root.endNs - root.startNs), spanCount: list.length, errorCount, services: [...new Set(list.map((s) => s.service))] });
      }
      out.sort((a, b) => (BigInt(b.startTimeUnixNano) > BigInt(a.startTimeUnixNano) ? 1 : -1));
      return [200, { traces: out.slice(0, Number(q.get('limit') ?? 20)) }];
    }
    const trace = /^\/api\/traces\/([0-9a-f]+)$/.exec(path);
    if (trace) {
      const list = byTrace.get(trace[1]!);
      if (!list) return [404, { error: { code: 'SL_ERR_TRACE_NOT_FOUND', message: `No trace ${trace[1]} in the store` } }];
      return [200, { traceId: trace[1], spans: list.map(toSpan) }];
    }
    const corr = /^\/api\/correlate\/([0-9a-f]+)$/.exec(path);
    if (corr) {
      const items = [...(byTrace.get(corr[1]!) ?? []).map((s) => ({ type: 'span', ...toSpan(s) })), ...logs.filter((l) => l.traceId === corr[1]).map((l) => ({ type: 'log', ...toLog(l) }))];
      items.sort((a, b) => {
        const ta = BigInt('startTimeUnixNano' in a ? a.startTimeUnixNano : a.timeUnixNano);
        const tb = BigInt('startTimeUnixNano' in b ? b.startTimeUnixNano : b.timeUnixNano);
        return ta < tb ? -1 : ta > tb ? 1 : 0;
      });
      return [200, { traceId: corr[1], items }];
    }
    if (path === '/api/logs') {
      const all = filterLogs(q);
      const offset = Number(q.get('cursor') ?? 0);
      const limit = Number(q.get('limit') ?? 100);
      const page = all.slice(offset, offset + limit).map(toLog);
      return [200, { logs: page, ...(offset + limit < all.length ? { nextCursor: String(offset + limit) } : {}) }];
    }
    if (path === '/api/logs/histogram') {
      const start = Number(q.get('start'));
      const end = Number(q.get('end'));
      const n = Number(q.get('buckets') ?? 60);
      const stepMs = Math.ceil((end - start) / n);
      const buckets = Array.from({ length: n }, (_, i) => ({ t: start + i * stepMs, counts: { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unspecified: 0 } }));
      for (const l of filterLogs(q)) {
        const b = buckets[Math.min(n - 1, Math.floor((Number(l.timeNs / 1_000_000n) - start) / stepMs))];
        if (b) b.counts[SEV_NAMES[Math.floor((l.severityNumber - 1) / 4)] ?? 'unspecified']++;
      }
      return [200, { stepMs, buckets }];
    }
    if (path === '/api/metrics/names') {
      if (options.empty) return [200, { names: [] }];
      return [
        200,
        {
          names: [
            { name: 'http_server_requests_total', type: 'counter', unit: '', help: 'HTTP requests served' },
            { name: 'http_server_duration_seconds_bucket', type: 'histogram', unit: 's', help: 'Request duration' },
            { name: 'process_resident_memory_bytes', type: 'gauge', unit: 'By', help: 'Resident memory' },
          ],
        },
      ];
    }
    const seriesFor = (name: string) =>
      ['frontend', 'checkout', 'payments'].flatMap((svc, i) => ['200', '500'].map((code, j) => ({ fingerprint: (name.length * 100 + i * 10 + j) | 0, labels: { __name__: name, service_name: svc, http_response_status_code: code } })));
    if (path === '/api/metrics/series') {
      const labels = [...q].filter(([k]) => k.startsWith('label.')).map(([k, v]) => [k.slice(6), v] as const);
      return [200, { series: seriesFor(q.get('match') ?? '').filter((s) => labels.every(([k, v]) => (s.labels as Record<string, string>)[k] === v)) }];
    }
    if (path === '/api/metrics/samples') {
      const fps = (q.get('series') ?? '').split(',').map(Number);
      const start = Number(q.get('start'));
      const end = Number(q.get('end'));
      const all = ['http_server_requests_total', 'process_resident_memory_bytes', 'http_server_duration_seconds_bucket'].flatMap(seriesFor);
      return [
        200,
        {
          series: all
            .filter((s) => fps.includes(s.fingerprint))
            .map((s) => {
              const timestampsMs: number[] = [];
              const values: number[] = [];
              let v = 0;
              for (let t = start; t <= end; t += 15_000) {
                timestampsMs.push(t);
                v += (s.fingerprint % 7) + 3 + Math.sin(t / 300_000) * 2;
                values.push(Math.round(v));
              }
              return { ...s, timestampsMs, values };
            }),
        },
      ];
    }
    return [404, { error: { code: 'SL_ERR_NOT_FOUND', message: `No route ${path}` } }];
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/api/')) {
      const [status, body] = api(url.pathname, url.searchParams);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    const file = normalize(join(options.distDir, url.pathname));
    const inside = file.startsWith(options.distDir) && extname(file) !== '';
    try {
      const data = await readFile(inside ? file : join(options.distDir, 'index.html'));
      res.writeHead(200, { 'content-type': MIME[inside ? extname(file) : '.html'] ?? 'application/octet-stream' });
      res.end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const bigRoot = big[0];
  return {
    url: `http://127.0.0.1:${port}`,
    bigTraceId: bigRoot?.traceId ?? '',
    deepSpanId: big[250]?.spanId ?? '',
    shopTraceIds: shop.traceIds,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export { BIG_TRACE_SERVICE, LOG_FLOOD_SERVICE };
