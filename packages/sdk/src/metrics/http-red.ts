import type { Attributes } from '@opentelemetry/api';
import { CardinalityGuard } from './cardinality-guard.js';
import { LocalHistogram, type HistogramSeries } from './local-histogram.js';
import { lazyInstruments } from './meter.js';

// Boundaries from the HTTP semantic conventions (seconds).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const SERVER_DURATION_DESCRIPTION = 'Duration of HTTP server requests.';
const SIZE_BUCKETS = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

const serverInstruments = lazyInstruments((meter) => ({
  duration: meter.createHistogram('http.server.request.duration', {
    description: SERVER_DURATION_DESCRIPTION,
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  }),
  active: (() => {
    // Observed from a local map at collection time instead of two synchronous updates per
    // request: attribute hashing in the metrics SDK was a large share of per-request cost.
    const counter = meter.createObservableUpDownCounter('http.server.active_requests', {
      description: 'Number of active HTTP server requests.',
      unit: '{request}',
    });
    counter.addCallback((result) => {
      for (const [scheme, counts] of activeByScheme) {
        for (const [method, n] of counts) result.observe(n, { 'http.request.method': method, 'url.scheme': scheme });
      }
    });
    return counter;
  })(),
  requestSize: meter.createHistogram('http.server.request.body.size', {
    description: 'Size of HTTP server request bodies.',
    unit: 'By',
    advice: { explicitBucketBoundaries: SIZE_BUCKETS },
  }),
  responseSize: meter.createHistogram('http.server.response.body.size', {
    description: 'Size of HTTP server response bodies.',
    unit: 'By',
    advice: { explicitBucketBoundaries: SIZE_BUCKETS },
  }),
}));

const clientInstruments = lazyInstruments((meter) => ({
  duration: meter.createHistogram('http.client.request.duration', {
    description: 'Duration of HTTP client requests.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  }),
}));

let bodySizeMetrics = false;

/**
 * Turns the opt-in `http.server.request.body.size` / `http.server.response.body.size`
 * histograms on or off (off by default, as in the semantic conventions: they double the
 * per-request metric cost; sizes are always in the canonical log line).
 */
export function setBodySizeMetrics(enabled: boolean): void {
  bodySizeMetrics = enabled;
}

// Routes are templates, but a misconfigured app can still pass raw paths: cap them.
const serverGuard = new CardinalityGuard('http.server.request.duration', 500);
const clientGuard = new CardinalityGuard('http.client.request.duration', 500);

/** One finished server request, as the middleware reports it. */
export interface ServerRequestRecord {
  method: string;
  /** Route template (`/orders/:id`); omit when unknown, never the raw path. */
  route?: string;
  status: number;
  durationSeconds: number;
  scheme?: string;
  requestBytes?: number;
  responseBytes?: number;
  /** Error type when the request failed (defaults to the status code for 5xx). */
  errorType?: string;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** Normalises a method to the semantic-convention set; unknown methods become `_OTHER`. */
export function normaliseMethod(method: string | undefined): string {
  const raw = method ?? 'GET';
  if (KNOWN_METHODS.has(raw)) return raw;
  const m = raw.toUpperCase();
  return KNOWN_METHODS.has(m) ? m : '_OTHER';
}

/** Attributes of the server RED metrics for one request (semantic-convention names). */
export function serverMetricAttributes(r: ServerRequestRecord): Attributes {
  const attrs: Attributes = {
    'http.request.method': normaliseMethod(r.method),
    'http.response.status_code': r.status,
    'url.scheme': r.scheme ?? 'http',
  };
  if (r.route) attrs['http.route'] = r.route;
  const errorType = r.errorType ?? (r.status >= 500 ? String(r.status) : undefined);
  if (errorType) attrs['error.type'] = errorType;
  return attrs;
}

// Active requests by scheme, then method: no key string to build per request.
const activeByScheme = new Map<string, Map<string, number>>();
function activeCounts(scheme: string): Map<string, number> {
  let m = activeByScheme.get(scheme);
  if (m === undefined) activeByScheme.set(scheme, (m = new Map()));
  return m;
}

/** Marks a request as started (`http.server.active_requests`). Call {@link recordServerRequest} when done. */
export function serverRequestStarted(method: string, scheme = 'http'): void {
  serverInstruments();
  const counts = activeCounts(scheme);
  const m = normaliseMethod(method);
  counts.set(m, (counts.get(m) ?? 0) + 1);
}

/**
 * Gives back one active request counted by {@link serverRequestStarted} (`method` normalised).
 * @internal
 */
export function serverRequestEnded(method: string, scheme: string): void {
  const counts = activeCounts(scheme);
  counts.set(method, Math.max(0, (counts.get(method) ?? 1) - 1));
}

// Attribute sets of finished requests, by a cheap key. The label space is small (method x
// route x status), so after warm-up a request costs one string key and one Map lookup here
// instead of building, sorting and guarding a fresh attribute object. Admitted sets are never
// evicted (the guard bounds them); rejected ones are, so junk routes cannot grow the map, and
// each of their measurements still goes through the guard, which counts the drop.
interface ServerSeries {
  readonly attributes: Attributes;
  local: HistogramSeries | undefined;
  localOwner: LocalHistogram | undefined;
}
const admittedSeries = new Map<string, ServerSeries>();
const rejectedSeries = new Map<string, Attributes>();
const REJECTED_KEYS_LIMIT = 2000;

// The common case (no error type, a known method, http or https) is found by route, then by
// one number, without building a key string per request.
const METHOD_INDEX = new Map([...KNOWN_METHODS, '_OTHER'].map((m, i) => [m, i]));
const seriesByRoute = new Map<string, Map<number, ServerSeries>>();

function serverSeries(method: string, scheme: string, status: number, route: string | undefined, errorType: string | undefined): ServerSeries | undefined {
  const methodIndex = METHOD_INDEX.get(method);
  const schemeBit = scheme === 'http' ? 0 : scheme === 'https' ? 1 : -1;
  const fast = errorType === undefined && methodIndex !== undefined && schemeBit !== -1 && Number.isInteger(status);
  const code = status * 32 + methodIndex! * 2 + schemeBit;
  if (fast) {
    const found = seriesByRoute.get(route ?? '')?.get(code);
    if (found !== undefined) return found;
  }
  const key = `${method} ${status} ${scheme} ${route ?? ''} ${errorType ?? ''}`;
  const found = admittedSeries.get(key);
  if (found !== undefined) return found;
  const rejected = rejectedSeries.get(key);
  if (rejected !== undefined) {
    serverGuard.admit(rejected); // false: counts this dropped measurement
    return undefined;
  }
  const attributes = serverMetricAttributes({ method, route, status, scheme, errorType, durationSeconds: 0 });
  if (!serverGuard.admit(attributes)) {
    if (rejectedSeries.size >= REJECTED_KEYS_LIMIT) rejectedSeries.clear();
    rejectedSeries.set(key, attributes);
    return undefined;
  }
  const series: ServerSeries = { attributes, local: undefined, localOwner: undefined };
  admittedSeries.set(key, series);
  if (fast) {
    let byCode = seriesByRoute.get(route ?? '');
    if (byCode === undefined) seriesByRoute.set(route ?? '', (byCode = new Map()));
    byCode.set(code, series);
  }
  return series;
}

let localDuration: LocalHistogram | undefined;

/**
 * The local aggregation of `http.server.request.duration` that `init()` exports through a
 * metric producer, or undefined to record through the metrics SDK's histogram (the default
 * without `init()`, e.g. with an application's own MeterProvider).
 * @internal
 */
export function useLocalServerDuration(histogram: LocalHistogram | undefined): void {
  localDuration = histogram;
}

/** A new local `http.server.request.duration` histogram (same name, unit, buckets as the instrument). */
export function createLocalServerDuration(): LocalHistogram {
  return new LocalHistogram('http.server.request.duration', SERVER_DURATION_DESCRIPTION, 's', DURATION_BUCKETS);
}

/**
 * Records the RED metrics of one server request: `http.server.request.duration` (rate, errors
 * via `error.type`, duration), body sizes when enabled, and decrements `http.server.active_requests`.
 */
export function recordServerRequest(r: ServerRequestRecord, startedAsActive = true): void {
  const method = normaliseMethod(r.method);
  const scheme = r.scheme ?? 'http';
  if (startedAsActive) serverRequestEnded(method, scheme);
  recordServerMeasurement(method, scheme, r.status, r.route, r.errorType, r.durationSeconds, r.requestBytes, r.responseBytes);
}

/**
 * The request observer's path: `method` is already normalised and the request was counted
 * as active by {@link serverRequestStarted}.
 * @internal
 */
export function recordObservedServerRequest(
  method: string,
  scheme: string,
  status: number,
  route: string | undefined,
  errorType: string | undefined,
  durationSeconds: number,
  requestBytes: number,
  responseBytes: number,
): void {
  serverRequestEnded(method, scheme);
  recordServerMeasurement(method, scheme, status, route, errorType, durationSeconds, requestBytes, responseBytes);
}

function recordServerMeasurement(
  method: string,
  scheme: string,
  status: number,
  route: string | undefined,
  errorType: string | undefined,
  durationSeconds: number,
  requestBytes: number | undefined,
  responseBytes: number | undefined,
): void {
  const series = serverSeries(method, scheme, status, route, errorType);
  if (series === undefined) return;
  const local = localDuration;
  if (local !== undefined) {
    if (series.localOwner !== local) {
      series.local = local.createSeries(series.attributes);
      series.localOwner = local;
    }
    series.local!.record(durationSeconds);
    if (!bodySizeMetrics) return;
  }
  const inst = serverInstruments();
  if (local === undefined) inst.duration.record(durationSeconds, series.attributes);
  if (!bodySizeMetrics) return;
  if (requestBytes !== undefined && requestBytes >= 0) inst.requestSize.record(requestBytes, series.attributes);
  if (responseBytes !== undefined && responseBytes >= 0) inst.responseSize.record(responseBytes, series.attributes);
}

/** One finished client request. */
export interface ClientRequestRecord {
  method: string;
  serverAddress: string;
  serverPort?: number;
  status?: number;
  durationSeconds: number;
  errorType?: string;
}

/**
 * Records `http.client.request.duration` for a client call made without auto-instrumentation
 * (the undici and http instrumentations already record it for `fetch` and `http.request`).
 */
export function recordClientRequest(r: ClientRequestRecord): void {
  const attrs: Attributes = {
    'http.request.method': normaliseMethod(r.method),
    'server.address': r.serverAddress,
  };
  if (r.serverPort !== undefined) attrs['server.port'] = r.serverPort;
  if (r.status !== undefined) attrs['http.response.status_code'] = r.status;
  const errorType = r.errorType ?? (r.status !== undefined && r.status >= 500 ? String(r.status) : undefined);
  if (errorType) attrs['error.type'] = errorType;
  if (clientGuard.admit(attrs)) clientInstruments().duration.record(r.durationSeconds, attrs);
}
