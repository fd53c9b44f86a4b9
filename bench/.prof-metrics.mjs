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
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from '../packages/server/dist/ingest/wire/index.js';
import { DeltaToCumulative } from '../packages/server/dist/pipeline/delta-to-cumulative.js';

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

const rm = makeMetrics();
const metricsPb = ProtobufMetricsSerializer.serializeRequest(rm);
const t0 = performance.now(); let n = 0;
while (performance.now() - t0 < 6000) { decodeMetricsRequest(metricsPb, 'protobuf', 'bench'); n++; }
console.log('requests/s', n / 6, 'points/s', n * 1000 / 6);
