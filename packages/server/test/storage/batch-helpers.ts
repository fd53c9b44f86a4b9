// Small builders for columnar batches in tests (the real decoders live in ingest/wire).
import type { ExemplarPoint, ExpHistogramPoint, LogBatch, MetricMetadata, SampleBatch, SeriesDef, SpanBatch } from '../../src/storage/batches.js';

export const MS = 1_000_000n;

export function ns(ms: number): bigint {
  return BigInt(ms) * MS;
}

export interface SpanInput {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name?: string;
  service?: string;
  startMs: number;
  durationMs?: number;
  kind?: number;
  statusCode?: number;
  statusMessage?: string;
  attributes?: Record<string, unknown>;
  events?: unknown[];
  links?: unknown[];
  resource?: Record<string, unknown>;
  traceState?: string;
  flags?: number;
  scopeName?: string;
  scopeVersion?: string;
  httpRoute?: string;
  httpStatusCode?: number;
  dbSystem?: string;
  dropped?: [number, number, number];
}

export function spanBatch(tenant: string, spans: SpanInput[]): SpanBatch {
  const n = spans.length;
  const b: SpanBatch = {
    kind: 'spans', tenant, length: n,
    traceId: [], spanId: [], parentSpanId: [], traceState: [], flags: new Uint32Array(n), name: [], spanKind: new Uint8Array(n),
    startNs: new BigInt64Array(n), endNs: new BigInt64Array(n), durationNs: new BigInt64Array(n), statusCode: new Uint8Array(n), statusMessage: [],
    attributes: [], events: [], links: [], droppedAttributesCount: new Uint32Array(n), droppedEventsCount: new Uint32Array(n), droppedLinksCount: new Uint32Array(n),
    serviceName: [], httpRoute: [], httpStatusCode: new Uint16Array(n), dbSystem: [], scopeName: [], scopeVersion: [], resourceAttributes: [],
  };
  spans.forEach((s, i) => {
    const service = s.service ?? 'svc';
    b.traceId.push(s.traceId);
    b.spanId.push(s.spanId);
    b.parentSpanId.push(s.parentSpanId ?? '');
    b.traceState.push(s.traceState ?? '');
    b.flags[i] = s.flags ?? 1;
    b.name.push(s.name ?? 'op');
    b.spanKind[i] = s.kind ?? 2;
    b.startNs[i] = ns(s.startMs);
    b.durationNs[i] = ns(s.durationMs ?? 10);
    b.endNs[i] = b.startNs[i]! + b.durationNs[i]!;
    b.statusCode[i] = s.statusCode ?? 0;
    b.statusMessage.push(s.statusMessage ?? '');
    b.attributes.push(JSON.stringify(s.attributes ?? {}));
    b.events.push(JSON.stringify(s.events ?? []));
    b.links.push(JSON.stringify(s.links ?? []));
    [b.droppedAttributesCount[i], b.droppedEventsCount[i], b.droppedLinksCount[i]] = s.dropped ?? [0, 0, 0];
    b.serviceName.push(service);
    b.httpRoute.push(s.httpRoute ?? '');
    b.httpStatusCode[i] = s.httpStatusCode ?? 0;
    b.dbSystem.push(s.dbSystem ?? '');
    b.scopeName.push(s.scopeName ?? 'test-scope');
    b.scopeVersion.push(s.scopeVersion ?? '1.0.0');
    b.resourceAttributes.push(JSON.stringify(s.resource ?? { 'service.name': service }));
  });
  return b;
}

export interface LogInput {
  timeMs: number;
  observedMs?: number;
  /** Raw ns time, for records without a time (0n). */
  timeNs?: bigint;
  severityNumber?: number;
  severityText?: string;
  body?: unknown;
  attributes?: Record<string, unknown>;
  traceId?: string;
  spanId?: string;
  flags?: number;
  eventName?: string;
  service?: string;
  scopeName?: string;
  scopeVersion?: string;
  resource?: Record<string, unknown>;
  droppedAttributes?: number;
}

export function logBatch(tenant: string, logs: LogInput[]): LogBatch {
  const n = logs.length;
  const b: LogBatch = {
    kind: 'logs', tenant, length: n,
    timeNs: new BigInt64Array(n), observedTimeNs: new BigInt64Array(n), severityNumber: new Uint8Array(n), severityText: [],
    body: [], bodyText: [], attributes: [], droppedAttributesCount: new Uint32Array(n), traceId: [], spanId: [], flags: new Uint32Array(n),
    eventName: [], serviceName: [], scopeName: [], scopeVersion: [], resourceAttributes: [],
  };
  logs.forEach((l, i) => {
    const service = l.service ?? 'svc';
    const body = l.body ?? 'hello';
    b.timeNs[i] = l.timeNs ?? ns(l.timeMs);
    b.observedTimeNs[i] = ns(l.observedMs ?? l.timeMs);
    b.severityNumber[i] = l.severityNumber ?? 9;
    b.severityText.push(l.severityText ?? 'INFO');
    b.body.push(JSON.stringify(body));
    b.bodyText.push(typeof body === 'string' ? body : JSON.stringify(body));
    b.attributes.push(JSON.stringify(l.attributes ?? {}));
    b.droppedAttributesCount[i] = l.droppedAttributes ?? 0;
    b.traceId.push(l.traceId ?? '');
    b.spanId.push(l.spanId ?? '');
    b.flags[i] = l.flags ?? 0;
    b.eventName.push(l.eventName ?? '');
    b.serviceName.push(service);
    b.scopeName.push(l.scopeName ?? 'test-scope');
    b.scopeVersion.push(l.scopeVersion ?? '1.0.0');
    b.resourceAttributes.push(JSON.stringify(l.resource ?? { 'service.name': service }));
  });
  return b;
}

/** 53-bit FNV-1a over name and sorted labels: stable and safe as a JS number. */
export function fingerprint(labels: Record<string, string>): number {
  let h = 0xcbf29ce484222325n;
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  for (const ch of Buffer.from(text)) h = ((h ^ BigInt(ch)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return Number(h & 0x1fffffffffffffn);
}

export function series(name: string, labels: Record<string, string> = {}): SeriesDef {
  const all: Record<string, string> = { __name__: name, ...labels };
  const sorted = Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]!]));
  return { fingerprint: fingerprint(sorted), name, labels: sorted };
}

export interface SampleInput {
  series: SeriesDef;
  timeMs: number;
  value: number;
}

export function sampleBatch(
  tenant: string,
  points: SampleInput[],
  extra: { metadata?: MetricMetadata[]; expHistograms?: ExpHistogramPoint[]; exemplars?: ExemplarPoint[]; series?: SeriesDef[] } = {},
): SampleBatch {
  const n = points.length;
  const defs = new Map<number, SeriesDef>();
  for (const p of points) defs.set(p.series.fingerprint, p.series);
  for (const s of extra.series ?? []) defs.set(s.fingerprint, s);
  return {
    kind: 'samples',
    tenant,
    length: n,
    fingerprint: Float64Array.from(points, (p) => p.series.fingerprint),
    timeMs: Float64Array.from(points, (p) => p.timeMs),
    value: Float64Array.from(points, (p) => p.value),
    series: [...defs.values()],
    metadata: extra.metadata ?? [],
    expHistograms: extra.expHistograms ?? [],
    exemplars: extra.exemplars ?? [],
  };
}

export function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
