// Deterministic telemetry batches in the shape the OTLP decoders produce (columnar, JSON text
// for attributes, one shared resource string per service), for storage benchmarks.
export const T0 = Date.UTC(2026, 10, 23, 10);

let seed = 0x2545f491;
function rnd() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
}
const hex = (chars) => {
  let s = '';
  while (s.length < chars) s += rnd().toString(16).padStart(8, '0');
  return s.slice(0, chars);
};
const SERVICES = Array.from({ length: 10 }, (_, i) => `service-${i}`);
const ROUTES = ['/api/cart/{id}', '/api/checkout', '/api/products', '/api/users/{id}', '/health', '/api/search'];
const RESOURCES = SERVICES.map((s, i) =>
  JSON.stringify({ 'service.name': s, 'service.version': '1.4.2', 'service.instance.id': `${s}-7f9c8-${i}`, 'host.name': `node-${i}`, 'k8s.namespace.name': 'shop', 'k8s.pod.name': `${s}-5d8f7c9b6-x2x9k`, 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.12.0' }),
);

/** A request of 500 spans: 10 services, ~15 attributes a span, an event on every 5th span. */
export function spanBatch(seq) {
  const n = 500;
  const b = {
    kind: 'spans', tenant: 'default', length: n, traceId: [], spanId: [], parentSpanId: [], traceState: [], flags: new Uint32Array(n), name: [], spanKind: new Uint8Array(n),
    startNs: new BigInt64Array(n), endNs: new BigInt64Array(n), durationNs: new BigInt64Array(n), statusCode: new Uint8Array(n), statusMessage: [], attributes: [], events: [], links: [],
    droppedAttributesCount: new Uint32Array(n), droppedEventsCount: new Uint32Array(n), droppedLinksCount: new Uint32Array(n), serviceName: [], httpRoute: [], httpStatusCode: new Uint16Array(n),
    dbSystem: [], scopeName: [], scopeVersion: [], resourceAttributes: [],
  };
  let trace = '';
  let parent = '';
  for (let i = 0; i < n; i++) {
    const svc = Math.floor((i * SERVICES.length) / n);
    if (i % 10 === 0) trace = hex(32);
    const id = hex(16);
    const route = ROUTES[rnd() % ROUTES.length];
    const status = rnd() % 40 === 0 ? 500 : 200;
    const start = BigInt(T0 + seq * 20 + (i % 20)) * 1_000_000n + BigInt(rnd() % 1_000_000);
    const dur = BigInt(rnd() % 80_000_000);
    b.traceId.push(trace);
    b.spanId.push(id);
    b.parentSpanId.push(i % 10 === 0 ? '' : parent);
    parent = id;
    b.traceState.push('');
    b.flags[i] = 1;
    b.name.push(`GET ${route}`);
    b.spanKind[i] = i % 10 === 0 ? 2 : 3;
    b.startNs[i] = start;
    b.endNs[i] = start + dur;
    b.durationNs[i] = dur;
    b.statusCode[i] = status === 500 ? 2 : 0;
    b.statusMessage.push('');
    b.attributes.push(JSON.stringify({
      'http.request.method': 'GET', 'http.route': route, 'url.full': `https://shop.example.com${route.replace('{id}', String(rnd() % 100000))}?q=${rnd() % 1000}`,
      'http.response.status_code': status, 'server.address': 'shop.example.com', 'server.port': 443, 'network.protocol.version': '1.1', 'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0',
      'client.address': `10.0.${rnd() % 256}.${rnd() % 256}`, 'app.user.id': `u-${rnd() % 50000}`, 'app.cart.items': rnd() % 12, 'app.region': 'eu-west-1', 'app.feature.flag': rnd() % 2 === 0,
      'app.request.id': hex(12), 'thread.name': 'main',
    }));
    b.events.push(i % 5 === 0 ? JSON.stringify([{ timeUnixNano: String(start + 1000n), name: 'cache.miss', attributes: { key: `k${rnd() % 1000}` }, droppedAttributesCount: 0 }]) : '[]');
    b.links.push('[]');
    b.serviceName.push(SERVICES[svc]);
    b.httpRoute.push(route);
    b.httpStatusCode[i] = status;
    b.dbSystem.push('');
    b.scopeName.push('@opentelemetry/instrumentation-http');
    b.scopeVersion.push('0.57.0');
    b.resourceAttributes.push(RESOURCES[svc]);
  }
  return b;
}

const WORDS = 'request completed user cart checkout payment inventory cache timeout retry upstream latency order shipped failed succeeded'.split(' ');
/** A request of 500 log records: string bodies of ~100 chars, 6 attributes, half with a trace. */
export function logBatch(seq) {
  const n = 500;
  const b = {
    kind: 'logs', tenant: 'default', length: n, timeNs: new BigInt64Array(n), observedTimeNs: new BigInt64Array(n), severityNumber: new Uint8Array(n), severityText: [], body: [], bodyText: [],
    attributes: [], droppedAttributesCount: new Uint32Array(n), traceId: [], spanId: [], flags: new Uint32Array(n), eventName: [], serviceName: [], scopeName: [], scopeVersion: [], resourceAttributes: [],
  };
  for (let i = 0; i < n; i++) {
    const svc = Math.floor((i * SERVICES.length) / n);
    const t = BigInt(T0 + seq * 20 + (i % 20)) * 1_000_000n + BigInt(rnd() % 1_000_000);
    const text = `${WORDS[rnd() % WORDS.length]} ${WORDS[rnd() % WORDS.length]} id=${rnd() % 1000000} took ${rnd() % 900}ms user=u-${rnd() % 50000} ${WORDS[rnd() % WORDS.length]} route=${ROUTES[rnd() % ROUTES.length]}`;
    const sev = [9, 9, 9, 9, 5, 13, 17][rnd() % 7];
    b.timeNs[i] = t;
    b.observedTimeNs[i] = t + 1000n;
    b.severityNumber[i] = sev;
    b.severityText.push(sev === 9 ? 'INFO' : sev === 5 ? 'DEBUG' : sev === 13 ? 'WARN' : 'ERROR');
    b.body.push(JSON.stringify(text));
    b.bodyText.push(text);
    b.attributes.push(JSON.stringify({ 'code.function': 'handle', 'code.lineno': rnd() % 500, 'thread.name': 'main', 'app.user.id': `u-${rnd() % 50000}`, 'app.tenant': 'acme', 'log.iostream': 'stdout' }));
    const traced = i % 2 === 0;
    b.traceId.push(traced ? hex(32) : '');
    b.spanId.push(traced ? hex(16) : '');
    b.flags[i] = traced ? 1 : 0;
    b.eventName.push('');
    b.serviceName.push(SERVICES[svc]);
    b.scopeName.push('pino');
    b.scopeVersion.push('10.4.0');
    b.resourceAttributes.push(RESOURCES[svc]);
  }
  return b;
}

/** A scrape-like request: 1,000 series, one sample each, every 15 s. */
const SERIES = Array.from({ length: 20_000 }, (_, i) => {
  const labels = { __name__: i % 2 ? 'http_requests_total' : 'process_cpu_seconds', instance: `10.0.${(i >> 8) & 255}.${i & 255}:9100`, job: `job-${i % 20}`, route: ROUTES[i % ROUTES.length] };
  return { fingerprint: 1e12 + i * 7919, name: labels.__name__, labels };
});
export function sampleBatch(seq) {
  const n = 1000;
  const first = (seq * n) % SERIES.length;
  const tick = Math.floor((seq * n) / SERIES.length);
  const series = SERIES.slice(first, first + n);
  return {
    kind: 'samples', tenant: 'default', length: n,
    fingerprint: Float64Array.from(series, (s) => s.fingerprint),
    timeMs: Float64Array.from(series, () => T0 + tick * 15_000),
    value: Float64Array.from(series, (s) => (s.fingerprint % 1000) + tick * (rnd() % 100) * 0.25),
    series,
    metadata: [{ name: 'http_requests_total', type: 'counter', unit: '', help: 'Requests.' }],
    expHistograms: [],
    exemplars: [],
  };
}

