/**
 * Deterministic bulk telemetry for the e2e test, posted to the real server as OTLP/JSON the
 * way a Collector batches it: a 10,000-span trace, a flood of log records and metric history.
 */

export interface GenSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  error: boolean;
  attributes: Record<string, string | number | boolean>;
}

export interface GenLog {
  timeNs: bigint;
  severityNumber: number;
  severityText: string;
  body: string;
  service: string;
  traceId: string;
  spanId: string;
  attributes: Record<string, string | number | boolean>;
}

/** Small seeded PRNG so every run produces the same shapes. */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hexId(rand: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += Math.floor(rand() * 256).toString(16).padStart(2, '0');
  return out;
}

export const BIG_TRACE_SERVICE = 'batch-importer';
export const LOG_FLOOD_SERVICE = 'log-generator';

/**
 * A trace of `count` spans: a root with 20 workers, each with 10 steps, each step with
 * leaf calls, plus one deep chain of 300 nested spans so depth handling is exercised.
 */
export function bigTrace(count: number, startNs: bigint, seed = 7): GenSpan[] {
  const rand = rng(seed);
  const traceId = hexId(rand, 16);
  const spans: GenSpan[] = [];
  const ms = 1_000_000n;
  const root: GenSpan = { traceId, spanId: hexId(rand, 8), parentSpanId: '', name: 'import batch', service: BIG_TRACE_SERVICE, kind: 2, startNs, endNs: startNs + 9_000n * ms, error: false, attributes: { 'batch.size': count } };
  spans.push(root);
  let chainParent = root;
  for (let d = 0; d < 300 && spans.length < count; d++) {
    const s: GenSpan = { traceId, spanId: hexId(rand, 8), parentSpanId: chainParent.spanId, name: `resolve level ${d}`, service: 'resolver', kind: 1, startNs: chainParent.startNs + 1n * ms, endNs: chainParent.endNs - 1n * ms, error: false, attributes: { depth: d } };
    if (s.endNs <= s.startNs) s.endNs = s.startNs + 1000n;
    spans.push(s);
    chainParent = s;
  }
  let worker = 0;
  while (spans.length < count) {
    const wStart = startNs + BigInt(worker * 200) * ms;
    const w: GenSpan = { traceId, spanId: hexId(rand, 8), parentSpanId: root.spanId, name: 'process chunk', service: 'worker', kind: 1, startNs: wStart, endNs: wStart + 4_000n * ms, error: false, attributes: { 'chunk.index': worker } };
    spans.push(w);
    for (let step = 0; step < 25 && spans.length < count; step++) {
      const sStart = wStart + BigInt(step * 150) * ms;
      const st: GenSpan = { traceId, spanId: hexId(rand, 8), parentSpanId: w.spanId, name: 'INSERT rows', service: 'postgres', kind: 3, startNs: sStart, endNs: sStart + BigInt(20 + Math.floor(rand() * 120)) * ms, error: rand() < 0.01, attributes: { 'db.system': 'postgresql', 'db.statement': 'INSERT INTO items VALUES ($1, $2)' } };
      spans.push(st);
      for (let leaf = 0; leaf < 15 && spans.length < count; leaf++) {
        const lStart = sStart + BigInt(leaf) * ms;
        spans.push({ traceId, spanId: hexId(rand, 8), parentSpanId: st.spanId, name: 'encode row', service: 'worker', kind: 1, startNs: lStart, endNs: lStart + 800_000n, error: false, attributes: {} });
      }
    }
    worker++;
  }
  return spans;
}

const FLOOD_LEVELS: Array<[number, string]> = [
  [5, 'DEBUG'],
  [9, 'INFO'],
  [9, 'INFO'],
  [9, 'INFO'],
  [13, 'WARN'],
  [17, 'ERROR'],
];

/** The i-th of the flood logs: spread evenly over `spreadMs` before `endNs`, newest last. */
export function floodLog(i: number, total: number, endNs: bigint, spreadMs: number): GenLog {
  const [severityNumber, severityText] = FLOOD_LEVELS[i % FLOOD_LEVELS.length]!;
  const offsetNs = BigInt(Math.floor(((total - i) / total) * spreadMs * 1e6));
  return {
    timeNs: endNs - offsetNs,
    severityNumber,
    severityText,
    body: i % 10 === 0 ? JSON.stringify({ event: 'batch.row', row: i, ok: severityNumber < 17 }) : `processed row ${i} of ${total}`,
    service: LOG_FLOOD_SERVICE,
    traceId: '',
    spanId: '',
    attributes: { 'row.index': i, shard: `s${i % 8}` },
  };
}

export interface GenCounterSeries {
  service: string;
  attributes: Record<string, string | number>;
  /** Cumulative value at each of `timesNs`. */
  values: number[];
}

export interface GenCounter {
  name: string;
  description: string;
  startNs: bigint;
  timesNs: bigint[];
  series: GenCounterSeries[];
}

/**
 * Request counters of checkout and payments as a metrics pipeline would have reported them:
 * a cumulative point every `stepMs` over `spreadMs` before `endNs`, with a rate that swings
 * over a few minutes so charts have a shape. (The SDK-instrumented frontend in the e2e only
 * exports at shutdown, so it contributes a single point per series.)
 */
export function requestCounters(name: string, endNs: bigint, spreadMs: number, stepMs: number, seed = 11): GenCounter {
  const rand = rng(seed);
  const ms = 1_000_000n;
  const steps = Math.floor(spreadMs / stepMs);
  const startNs = endNs - BigInt(spreadMs + stepMs) * ms;
  const timesNs = Array.from({ length: steps + 1 }, (_, i) => endNs - BigInt((steps - i) * stepMs) * ms);
  const shapes: Array<{ service: string; route: string; code: number; perSec: number; phase: number }> = [
    { service: 'checkout', route: '/checkout', code: 200, perSec: 4.2, phase: 0 },
    { service: 'checkout', route: '/checkout', code: 500, perSec: 0.7, phase: 1.3 },
    { service: 'payments', route: '/charge', code: 200, perSec: 3.6, phase: 0.4 },
    { service: 'payments', route: '/charge', code: 402, perSec: 0.5, phase: 2.1 },
  ];
  const series = shapes.map(({ service, route, code, perSec, phase }) => {
    let total = 0;
    const values = timesNs.map((_, i) => {
      const wave = 1 + 0.35 * Math.sin((2 * Math.PI * i * stepMs) / (8 * 60_000) + phase);
      total += Math.round(perSec * wave * (0.85 + 0.3 * rand()) * (stepMs / 1000));
      return total;
    });
    return { service, attributes: { 'http.route': route, 'http.response.status_code': code }, values };
  });
  return { name, description: 'HTTP requests served', startNs, timesNs, series };
}

// ---------- OTLP/JSON encoding (the wire format the e2e posts to /v1/traces, /v1/logs, /v1/metrics) ----------

function anyValue(v: string | number | boolean) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

function kvs(attrs: Record<string, string | number | boolean>) {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));
}

/** OTLP/JSON ExportTraceServiceRequest, one resource per service. */
export function otlpTraces(spans: GenSpan[]) {
  const byService = new Map<string, GenSpan[]>();
  for (const s of spans) {
    let list = byService.get(s.service);
    if (!list) byService.set(s.service, (list = []));
    list.push(s);
  }
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: kvs({ 'service.name': service, 'deployment.environment': 'e2e' }) },
      scopeSpans: [
        {
          scope: { name: 'sightline-e2e', version: '1.0.0' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId,
            name: s.name,
            kind: s.kind,
            startTimeUnixNano: String(s.startNs),
            endTimeUnixNano: String(s.endNs),
            attributes: kvs(s.attributes),
            status: s.error ? { code: 2, message: 'failed' } : { code: 0 },
          })),
        },
      ],
    })),
  };
}

/** OTLP/JSON ExportLogsServiceRequest, one resource per service. */
export function otlpLogs(logs: GenLog[]) {
  const byService = new Map<string, GenLog[]>();
  for (const l of logs) {
    let list = byService.get(l.service);
    if (!list) byService.set(l.service, (list = []));
    list.push(l);
  }
  return {
    resourceLogs: [...byService].map(([service, list]) => ({
      resource: { attributes: kvs({ 'service.name': service, 'deployment.environment': 'e2e' }) },
      scopeLogs: [
        {
          scope: { name: 'sightline-e2e' },
          logRecords: list.map((l) => ({
            timeUnixNano: String(l.timeNs),
            observedTimeUnixNano: String(l.timeNs),
            severityNumber: l.severityNumber,
            severityText: l.severityText,
            body: { stringValue: l.body },
            attributes: kvs(l.attributes),
            traceId: l.traceId,
            spanId: l.spanId,
          })),
        },
      ],
    })),
  };
}

/** OTLP/JSON ExportMetricsServiceRequest with one monotonic cumulative sum, one resource per service. */
export function otlpCounter(c: GenCounter) {
  const byService = new Map<string, GenCounterSeries[]>();
  for (const s of c.series) {
    let list = byService.get(s.service);
    if (!list) byService.set(s.service, (list = []));
    list.push(s);
  }
  return {
    resourceMetrics: [...byService].map(([service, list]) => ({
      resource: { attributes: kvs({ 'service.name': service, 'deployment.environment': 'e2e' }) },
      scopeMetrics: [
        {
          scope: { name: 'shop' },
          metrics: [
            {
              name: c.name,
              description: c.description,
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: list.flatMap((s) =>
                  s.values.map((v, i) => ({ attributes: kvs(s.attributes), startTimeUnixNano: String(c.startNs), timeUnixNano: String(c.timesNs[i]), asInt: String(v) })),
                ),
              },
            },
          ],
        },
      ],
    })),
  };
}
