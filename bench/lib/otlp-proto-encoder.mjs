// A small OTLP protobuf encoder for the load generator: builds realistic requests once, up
// front, so the generator spends its CPU on sending, not encoding. Field numbers follow
// opentelemetry-proto v1.x.
class Writer {
  constructor() {
    this.buf = new Uint8Array(1 << 16);
    this.pos = 0;
    this.view = new DataView(this.buf.buffer);
  }
  ensure(n) {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  varint(v) {
    this.ensure(10);
    let n = typeof v === 'bigint' ? v : BigInt(v);
    if (n < 0n) n = BigInt.asUintN(64, n);
    while (n > 0x7fn) {
      this.buf[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.pos++] = Number(n);
  }
  tag(field, wire) {
    this.varint((field << 3) | wire);
  }
  fixed64(field, v) {
    this.tag(field, 1);
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, BigInt(v)), true);
    this.pos += 8;
  }
  fixed32(field, v) {
    this.tag(field, 5);
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  double(field, v) {
    this.tag(field, 1);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  uint(field, v) {
    this.tag(field, 0);
    this.varint(v);
  }
  bytes(field, b) {
    this.tag(field, 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  string(field, s) {
    this.bytes(field, encoder.encode(s));
  }
  message(field, fn) {
    const inner = new Writer();
    fn(inner);
    this.bytes(field, inner.finish());
  }
  finish() {
    return this.buf.slice(0, this.pos);
  }
}
const encoder = new TextEncoder();

function anyValue(w, v) {
  if (typeof v === 'string') w.string(1, v);
  else if (typeof v === 'boolean') w.uint(2, v ? 1 : 0);
  else if (Number.isInteger(v)) w.uint(3, v);
  else if (typeof v === 'number') w.double(4, v);
  else if (Array.isArray(v)) w.message(5, (a) => v.forEach((x) => a.message(1, (av) => anyValue(av, x))));
  else if (v && typeof v === 'object') w.message(6, (kv) => Object.entries(v).forEach(([k, x]) => kv.message(1, (e) => keyValue(e, k, x))));
}
function keyValue(w, k, v) {
  w.string(1, k);
  w.message(2, (av) => anyValue(av, v));
}
function attributes(w, field, attrs) {
  for (const [k, v] of Object.entries(attrs)) w.message(field, (kv) => keyValue(kv, k, v));
}

export function randomBytes(n, rnd) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

export function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = ['gateway', 'auth', 'catalog', 'orders', 'payments', 'inventory', 'shipping', 'search', 'users', 'notifications'];
const ROUTES = ['/api/orders', '/api/orders/{id}', '/api/cart', '/api/checkout', '/api/products', '/api/products/{id}', '/api/login', '/api/search'];

/** ExportTraceServiceRequest: `spans` spans across 10 services, ~15 attributes each, events on some. */
export function encodeTraceRequest({ spans = 500, seed = 1, baseTimeNs = BigInt(Date.now()) * 1_000_000n } = {}) {
  const rnd = seeded(seed);
  const w = new Writer();
  const perService = Math.ceil(spans / SERVICES.length);
  let made = 0;
  for (const service of SERVICES) {
    if (made >= spans) break;
    w.message(1, (rs) => {
      rs.message(1, (res) => attributes(res, 1, { 'service.name': service, 'service.version': '1.4.2', 'service.instance.id': `${service}-7d9f8-x2k4p`, 'host.name': `node-${Math.floor(rnd() * 20)}`, 'deployment.environment.name': 'production', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.12.0' }));
      rs.message(2, (ss) => {
        ss.message(1, (sc) => {
          sc.string(1, '@opentelemetry/instrumentation-http');
          sc.string(2, '0.223.0');
        });
        const n = Math.min(perService, spans - made);
        let traceId = randomBytes(16, rnd);
        let parent = new Uint8Array(0);
        for (let i = 0; i < n; i++) {
          if (i % 10 === 0) {
            traceId = randomBytes(16, rnd);
            parent = new Uint8Array(0);
          }
          const spanId = randomBytes(8, rnd);
          const start = baseTimeNs + BigInt(Math.floor(rnd() * 1e9));
          const dur = BigInt(Math.floor(rnd() * 200e6) + 100_000);
          const route = ROUTES[Math.floor(rnd() * ROUTES.length)];
          const status = rnd() < 0.03 ? 500 : 200;
          ss.message(2, (s) => {
            s.bytes(1, traceId);
            s.bytes(2, spanId);
            if (parent.length) s.bytes(4, parent);
            s.string(5, i % 10 === 0 ? `GET ${route}` : i % 3 === 0 ? 'SELECT orders' : `HTTP GET ${route}`);
            s.uint(6, i % 10 === 0 ? 2 : 3);
            s.fixed64(7, start);
            s.fixed64(8, start + dur);
            attributes(s, 9, {
              'http.request.method': 'GET',
              'http.route': route,
              'http.response.status_code': status,
              'url.path': route.replace('{id}', String(Math.floor(rnd() * 100000))),
              'url.scheme': 'http',
              'server.address': `${service}.svc.cluster.local`,
              'server.port': 8080,
              'network.protocol.version': '1.1',
              'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
              'client.address': `10.0.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}`,
              'db.system': i % 3 === 0 ? 'postgresql' : '',
              'app.tenant.id': `tenant-${Math.floor(rnd() * 50)}`,
              'app.request.size': Math.floor(rnd() * 10000),
              'app.cache.hit': rnd() < 0.5,
              'app.cart.value': Math.round(rnd() * 10000) / 100,
            });
            if (i % 5 === 0) {
              s.message(11, (e) => {
                e.fixed64(1, start + dur / 2n);
                e.string(2, status === 500 ? 'exception' : 'cache.miss');
                attributes(e, 3, status === 500 ? { 'exception.type': 'Error', 'exception.message': 'upstream timeout after 2000ms', 'exception.stacktrace': 'Error: upstream timeout\n    at handler (/app/src/handler.js:42:11)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)' } : { 'cache.key': `product:${Math.floor(rnd() * 1000)}` });
              });
            }
            s.message(15, (st) => {
              if (status === 500) st.string(2, 'Internal Server Error');
              st.uint(3, status === 500 ? 2 : 0);
            });
            s.fixed32(16, 0x301);
          });
          if (i % 10 === 0) parent = spanId;
          made++;
        }
      });
    });
  }
  return w.finish();
}

/** ExportLogsServiceRequest: `records` log records with JSON bodies, trace context on most. */
export function encodeLogsRequest({ records = 1000, seed = 1, baseTimeNs = BigInt(Date.now()) * 1_000_000n } = {}) {
  const rnd = seeded(seed);
  const w = new Writer();
  const per = Math.ceil(records / SERVICES.length);
  let made = 0;
  for (const service of SERVICES) {
    if (made >= records) break;
    w.message(1, (rl) => {
      rl.message(1, (res) => attributes(res, 1, { 'service.name': service, 'service.version': '1.4.2', 'host.name': `node-${Math.floor(rnd() * 20)}`, 'deployment.environment.name': 'production' }));
      rl.message(2, (sl) => {
        sl.message(1, (sc) => sc.string(1, 'app-logger'));
        const n = Math.min(per, records - made);
        for (let i = 0; i < n; i++) {
          const sev = rnd() < 0.05 ? 17 : rnd() < 0.2 ? 13 : 9;
          const t = baseTimeNs + BigInt(Math.floor(rnd() * 1e9));
          sl.message(2, (lr) => {
            lr.fixed64(1, t);
            lr.uint(2, sev);
            lr.string(3, sev === 17 ? 'ERROR' : sev === 13 ? 'WARN' : 'INFO');
            lr.message(5, (b) => anyValue(b, JSON.stringify({ msg: sev === 17 ? 'payment failed' : 'request handled', orderId: Math.floor(rnd() * 1e6), durationMs: Math.floor(rnd() * 500), route: ROUTES[Math.floor(rnd() * ROUTES.length)], userId: `u-${Math.floor(rnd() * 1e5)}` })));
            attributes(lr, 6, { 'log.logger': 'orders.handler', 'code.function': 'handleRequest', 'app.tenant.id': `tenant-${Math.floor(rnd() * 50)}`, 'http.route': ROUTES[Math.floor(rnd() * ROUTES.length)] });
            lr.fixed32(8, 1);
            if (rnd() < 0.8) {
              lr.bytes(9, randomBytes(16, rnd));
              lr.bytes(10, randomBytes(8, rnd));
            }
            lr.fixed64(11, t + 1000n);
          });
          made++;
        }
      });
    });
  }
  return w.finish();
}

/** ExportMetricsServiceRequest: `series` cumulative counter/gauge points, one per series. */
export function encodeMetricsRequest({ series = 1000, seed = 1, timeNs = BigInt(Date.now()) * 1_000_000n, startNs = timeNs - 60_000_000_000n, step = 0 } = {}) {
  const rnd = seeded(seed);
  const w = new Writer();
  const metrics = 10;
  const perMetric = Math.ceil(series / metrics);
  w.message(1, (rm) => {
    rm.message(1, (res) => attributes(res, 1, { 'service.name': 'metrics-load', 'service.instance.id': 'load-1' }));
    rm.message(2, (sm) => {
      sm.message(1, (sc) => sc.string(1, 'load-meter'));
      for (let m = 0; m < metrics; m++) {
        sm.message(2, (metric) => {
          metric.string(1, `app.requests.m${m}`);
          metric.string(2, 'Requests handled');
          metric.string(3, '{request}');
          metric.message(7, (sum) => {
            for (let i = 0; i < perMetric; i++) {
              sum.message(1, (dp) => {
                dp.fixed64(2, startNs);
                dp.fixed64(3, timeNs);
                dp.double(4, (step + 1) * (i + 1) + Math.floor(rnd() * 10));
                attributes(dp, 7, { 'http.route': ROUTES[i % ROUTES.length], pod: `pod-${i}`, method: 'GET' });
              });
            }
            sum.uint(2, 2);
            sum.uint(3, 1);
          });
        });
      }
    });
  });
  return w.finish();
}
