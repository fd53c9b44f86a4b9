// OTLP decode throughput (single thread): protobuf and OTLP/JSON requests straight into
// columnar batches, as packages/server/src/ingest/wire does on the ingest path.
//
//   npx tsc -p packages/server/tsconfig.build.json && node bench/decode.mjs [seconds-per-case]
//
// Requests are encoded once, up front, with the official OpenTelemetry JS serializers:
//   traces: 500 spans, 10 services, ~15 attributes a span, an event on every 5th span
//   logs:   500 records with structured (map) bodies and 6 attributes each
//   metrics: 1,000 series (400 counter, 400 gauge, 200 histogram points with 10 buckets)
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
// SIGHTLINE_DIST=<dir>: decode with another build's dist (A/B runs against a copied build).
const dist = process.env.SIGHTLINE_DIST ? new URL(`file://${process.env.SIGHTLINE_DIST.startsWith('/') ? '' : process.cwd() + '/'}${process.env.SIGHTLINE_DIST}/`) : new URL('../packages/server/dist/', import.meta.url);
const { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } = await import(new URL('ingest/wire/index.js', dist).href);
const { DeltaToCumulative } = await import(new URL('pipeline/delta-to-cumulative.js', dist).href);

const SECONDS = Number(process.argv[2] ?? 3);

// Deterministic pseudo-random numbers so runs are comparable.
let seed = 42;
function rand() {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
function hex(bytes) {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(rand() * 256).toString(16).padStart(2, '0');
  return s;
}
const T0 = 1_700_000_000;
const hr = (sec, ns) => [T0 + sec, ns];

const services = Array.from({ length: 10 }, (_, i) => ({
  resource: resourceFromAttributes({
    'service.name': `service-${i}`,
    'service.namespace': 'shop',
    'service.version': '1.4.2',
    'service.instance.id': `instance-${i}-7f9c`,
    'deployment.environment': 'production',
    'host.name': `ip-10-0-${i}-17.ec2.internal`,
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.12.0',
  }),
  scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0' },
}));

function makeSpans(n) {
  const spans = [];
  let traceId = hex(16);
  let parent;
  for (let i = 0; i < n; i++) {
    if (i % 8 === 0) {
      traceId = hex(16);
      parent = undefined;
    }
    const svc = services[i % services.length];
    const spanId = hex(8);
    const route = `/api/v1/${['orders', 'users', 'carts', 'items'][i % 4]}/{id}`;
    const ctx = { traceId, spanId, traceFlags: 1 };
    const parentCtx = parent ? { traceId, spanId: parent, traceFlags: 1, isRemote: i % 3 === 0 } : undefined;
    parent = spanId;
    const start = hr(i % 60, Math.floor(rand() * 1e9));
    const end = [start[0], Math.min(999_999_999, start[1] + Math.floor(rand() * 5e7))];
    spans.push({
      name: `GET ${route}`,
      kind: i % 2,
      spanContext: () => ctx,
      parentSpanContext: parentCtx,
      startTime: start,
      endTime: end,
      duration: [0, end[1] - start[1]],
      status: { code: i % 17 === 0 ? 2 : 0, message: i % 17 === 0 ? 'upstream timed out' : undefined },
      attributes: {
        'http.request.method': 'GET',
        'http.route': route,
        'http.response.status_code': i % 17 === 0 ? 504 : 200,
        'url.full': `https://shop.example.com${route.replace('{id}', String(1000 + i))}?page=2`,
        'url.scheme': 'https',
        'server.address': 'shop.example.com',
        'server.port': 443,
        'network.protocol.version': '1.1',
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
        'client.address': `10.0.${i % 256}.${(i * 7) % 256}`,
        'http.request.body.size': 512 + i,
        'http.response.body.size': 2048 + i * 3,
        'app.cache.hit': i % 2 === 0,
        'app.retry.count': i % 3,
        'app.latency.ratio': 0.125 * (i % 8),
      },
      links: [],
      events: i % 5 === 0 ? [{ name: 'exception', time: end, attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'request timed out after 30s', 'exception.escaped': false } }] : [],
      ended: true,
      resource: svc.resource,
      instrumentationScope: svc.scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
  }
  return spans;
}

function makeLogs(n) {
  const logs = [];
  for (let i = 0; i < n; i++) {
    const svc = services[i % services.length];
    logs.push({
      hrTime: hr(i % 60, i * 1000),
      hrTimeObserved: hr(i % 60, i * 1000 + 50),
      spanContext: i % 2 === 0 ? { traceId: hex(16), spanId: hex(8), traceFlags: 1 } : undefined,
      severityText: i % 10 === 0 ? 'ERROR' : 'INFO',
      severityNumber: i % 10 === 0 ? 17 : 9,
      body: {
        msg: `order ${1000 + i} processed`,
        orderId: 1000 + i,
        amount: 19.99 + i,
        items: ['sku-1', 'sku-2'],
        customer: { id: `c-${i}`, tier: 'gold' },
      },
      resource: svc.resource,
      instrumentationScope: { name: 'pino', version: '9.0.0' },
      attributes: { 'code.function': 'processOrder', 'code.filepath': 'src/orders.ts', 'code.lineno': 120 + (i % 40), 'thread.id': i % 4, 'log.iostream': 'stdout', 'app.tenant': 'eu-1' },
      droppedAttributesCount: 0,
    });
  }
  return logs;
}

function makeMetrics(temporality = AggregationTemporality.CUMULATIVE, window = 0) {
  const scopeMetrics = [];
  const start = temporality === AggregationTemporality.DELTA ? hr(window * 10, 0) : hr(0, 0);
  const end = temporality === AggregationTemporality.DELTA ? hr(window * 10 + 10, 0) : hr(60, 0);
  const metrics = [];
  const attrs = (m, k) => ({ 'http.request.method': ['GET', 'POST'][k % 2], 'http.route': `/api/v1/r${k}`, 'http.response.status_code': 200 + (k % 2) * 300, 'metric.idx': m });
  for (let m = 0; m < 20; m++) {
    metrics.push({
      descriptor: { name: `app.requests.m${m}`, description: 'requests served', unit: '{request}', valueType: 0 },
      aggregationTemporality: temporality,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: Array.from({ length: 20 }, (_, k) => ({ startTime: start, endTime: end, attributes: attrs(m, k), value: 1000 + k })),
    });
    metrics.push({
      descriptor: { name: `process.memory.m${m}`, description: 'memory in use', unit: 'By', valueType: 1 },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: Array.from({ length: 20 }, (_, k) => ({ startTime: start, endTime: end, attributes: attrs(m, k), value: 1.5e8 + k })),
    });
  }
  for (let m = 0; m < 10; m++) {
    const boundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
    metrics.push({
      descriptor: { name: `http.server.request.duration.m${m}`, description: 'duration', unit: 's', valueType: 1 },
      aggregationTemporality: temporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: Array.from({ length: 20 }, (_, k) => ({
        startTime: start,
        endTime: end,
        attributes: attrs(m, k),
        value: { buckets: { boundaries, counts: boundaries.map((_, b) => b + k).concat([1]) }, count: 100 + k, sum: 12.5, min: 0.001, max: 3 },
      })),
    });
  }
  scopeMetrics.push({ scope: { name: 'app', version: '1.0.0' }, metrics });
  return { resource: services[0].resource, scopeMetrics };
}

// Rates are per CPU second of this process (process.cpuUsage), measured in rounds of ~250 ms;
// the median and the best round are printed, so other load on the machine distorts them less.
function bench(label, unit, perCall, fn) {
  for (let i = 0; i < 200; i++) fn(); // warm-up: let the JIT settle
  const rates = [];
  const rounds = Math.max(3, Math.round(SECONDS * 4));
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (performance.now() - t0 < 250) {
      for (let i = 0; i < 5; i++) fn();
      calls += 5;
    }
    const cpu = process.cpuUsage(c0);
    rates.push((calls * perCall) / ((cpu.user + cpu.system) / 1e6));
  }
  rates.sort((x, y) => x - y);
  const median = rates[Math.floor(rates.length / 2)];
  const best = rates[rates.length - 1];
  const fmt = (v) => Math.round(v).toLocaleString('en-US').padStart(10);
  console.log(`${label.padEnd(44)} ${fmt(median)} ${unit}/cpu-s median  ${fmt(best)} best   (${(1e6 / median).toFixed(2)} us per ${unit.replace(/s$/, '')})`);
}

/** A plain byte-summing loop: says how fast this machine runs tight JS loops right now. */
function calibrate() {
  const a = new Uint8Array(1 << 20).map((_, i) => i);
  let s = 0;
  const c0 = process.cpuUsage();
  for (let k = 0; k < 100; k++) for (let i = 0; i < a.length; i++) s = (s + a[i]) | 0;
  const cpu = process.cpuUsage(c0);
  return { nsPerByte: ((cpu.user + cpu.system) * 1e3) / (100 * a.length), s };
}

const spans = makeSpans(500);
const tracePb = ProtobufTraceSerializer.serializeRequest(spans);
const traceJson = JsonTraceSerializer.serializeRequest(spans);
const logs = makeLogs(500);
const logsPb = ProtobufLogsSerializer.serializeRequest(logs);
const logsJson = JsonLogsSerializer.serializeRequest(logs);
const rm = makeMetrics();
const metricsPb = ProtobufMetricsSerializer.serializeRequest(rm);
const metricsJson = JsonMetricsSerializer.serializeRequest(rm);

// Sanity: every item decodes and nothing is rejected.
const check = [
  [decodeTraceRequest(tracePb, 'protobuf', 'bench'), 500],
  [decodeTraceRequest(traceJson, 'json', 'bench'), 500],
  [decodeLogsRequest(logsPb, 'protobuf', 'bench'), 500],
  [decodeLogsRequest(logsJson, 'json', 'bench'), 500],
];
for (const [res, n] of check) {
  if (res.batch.length !== n || res.rejected !== 0) throw new Error(`bench input did not decode cleanly: ${res.batch.length} rows, ${res.rejected} rejected`);
}
const samplesPerRequest = decodeMetricsRequest(metricsPb, 'protobuf', 'bench').batch.length;

const cal = calibrate();
console.log(`calibration: byte-sum loop ${cal.nsPerByte.toFixed(2)} ns/byte of CPU; load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
console.log(`node ${process.version}, ${SECONDS}s per case; request sizes: traces ${tracePb.length} B protobuf / ${traceJson.length} B JSON, ` + `logs ${logsPb.length} / ${logsJson.length} B, metrics ${metricsPb.length} / ${metricsJson.length} B`);
bench('traces  protobuf  (500 spans/request)', 'spans', 500, () => decodeTraceRequest(tracePb, 'protobuf', 'bench'));
bench('traces  OTLP/JSON (500 spans/request)', 'spans', 500, () => decodeTraceRequest(traceJson, 'json', 'bench'));
bench('logs    protobuf  (500 records, map bodies)', 'records', 500, () => decodeLogsRequest(logsPb, 'protobuf', 'bench'));
bench('logs    OTLP/JSON (500 records, map bodies)', 'records', 500, () => decodeLogsRequest(logsJson, 'json', 'bench'));
bench('metrics protobuf  (1,000 series/request)', 'points', 1000, () => decodeMetricsRequest(metricsPb, 'protobuf', 'bench'));
bench('metrics OTLP/JSON (1,000 series/request)', 'points', 1000, () => decodeMetricsRequest(metricsJson, 'json', 'bench'));
// Delta sums and histograms: consecutive 10 s windows, so every point continues its series.
const deltaWindows = Array.from({ length: 64 }, (_, w) => ProtobufMetricsSerializer.serializeRequest(makeMetrics(AggregationTemporality.DELTA, w)));
let delta = new DeltaToCumulative();
let window = 0;
bench('metrics protobuf  (delta -> cumulative)', 'points', 1000, () => {
  if (window === deltaWindows.length) {
    window = 0;
    delta = new DeltaToCumulative();
  }
  const res = decodeMetricsRequest(deltaWindows[window++], 'protobuf', 'bench', delta);
  if (res.rejected !== 0) throw new Error(`delta bench rejected ${res.rejected} points: ${res.rejectReasons[0]}`);
});
console.log(`(metrics: ${samplesPerRequest} samples per request after histogram expansion)`);
