import type { Attributes } from '@opentelemetry/api';
import { CardinalityGuard } from './cardinality-guard.js';
import { lazyInstruments } from './meter.js';

// Boundaries from the HTTP semantic conventions (seconds).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const SIZE_BUCKETS = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

const serverInstruments = lazyInstruments((meter) => ({
  duration: meter.createHistogram('http.server.request.duration', {
    description: 'Duration of HTTP server requests.',
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
      for (const [key, n] of activeRequests) {
        const [method, scheme] = key.split(' ');
        result.observe(n, { 'http.request.method': method!, 'url.scheme': scheme! });
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

const activeRequests = new Map<string, number>();
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
  const m = (method ?? 'GET').toUpperCase();
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

/** Marks a request as started (`http.server.active_requests`). Call {@link recordServerRequest} when done. */
export function serverRequestStarted(method: string, scheme = 'http'): void {
  serverInstruments();
  const key = `${normaliseMethod(method)} ${scheme}`;
  activeRequests.set(key, (activeRequests.get(key) ?? 0) + 1);
}

/**
 * Records the RED metrics of one server request: `http.server.request.duration` (rate, errors
 * via `error.type`, duration), body sizes when enabled, and decrements `http.server.active_requests`.
 */
export function recordServerRequest(r: ServerRequestRecord, startedAsActive = true): void {
  const inst = serverInstruments();
  if (startedAsActive) {
    const key = `${normaliseMethod(r.method)} ${r.scheme ?? 'http'}`;
    activeRequests.set(key, Math.max(0, (activeRequests.get(key) ?? 1) - 1));
  }
  const attrs = serverMetricAttributes(r);
  if (!serverGuard.admit(attrs)) return;
  inst.duration.record(r.durationSeconds, attrs);
  if (!bodySizeMetrics) return;
  if (r.requestBytes !== undefined && r.requestBytes >= 0) inst.requestSize.record(r.requestBytes, attrs);
  if (r.responseBytes !== undefined && r.responseBytes >= 0) inst.responseSize.record(r.responseBytes, attrs);
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
