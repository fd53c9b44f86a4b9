import { ServerResponse, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { correlationIdFrom, ensureContextManager, RequestContext } from '../context.js';
import { CORRELATION_HEADER, isValidCorrelationId, newCorrelationId } from '../correlation.js';
import { logger as sharedLogger, type Logger, type LogLevel } from '../logger.js';
import { normaliseMethod, recordObservedServerRequest, serverRequestEnded, serverRequestStarted } from '../metrics/http-red.js';
import { leanServerSpansFor, startServerSpan, ServerSpan } from '../server-span.js';
import { getTracer, recordError } from '../tracing.js';

/**
 * Which requests get the canonical `request completed` log line:
 * `all` — every request; `errors` — 4xx, 5xx, aborted and slow requests (see `slowRequestMs`);
 * `off` — none. Spans and metrics cover every request in all modes.
 */
export type RequestLogMode = 'all' | 'errors' | 'off';

/** Options shared by the node:http, Express and Fastify middleware. */
export interface MiddlewareOptions {
  /** Logger for the canonical request line (default: the shared logger). */
  logger?: Logger;
  /**
   * Canonical log line per request: `true`/`'all'`, `'errors'` (4xx, 5xx, aborted, slow) or
   * `false`/`'off'`. Default: the process-wide setting of `init({ requestLog })`, `'errors'`.
   */
  logRequests?: boolean | RequestLogMode;
  /** In `'errors'` mode, requests at least this slow (ms) are logged too. Default: `init({ slowRequestMs })`, 1000. */
  slowRequestMs?: number;
  /** Paths that get no span, metrics or log line (default: `/healthz`, `/readyz`, `/metrics`). */
  ignorePaths?: string[];
  /** Resolves the route template when the framework cannot (node:http). */
  route?: (req: IncomingMessage) => string | undefined;
  /** Level of the canonical line for successful requests (default `info`). */
  successLevel?: LogLevel;
}

/** Per-request state; framework adapters fill in `route`. */
export interface RequestState {
  route?: string;
  readonly span: Span;
  readonly context: Context;
  readonly correlationId: string;
}

/**
 * Which attributes server spans get:
 * `default` — the stable HTTP semantic conventions' required and conditionally required ones
 * (`http.request.method`, `url.scheme`, `url.path`, `url.query`, `http.route`,
 * `http.response.status_code`, `error.type`, `http.request.method_original`) plus
 * `server.address`, `server.port`, `network.protocol.version` and `correlation.id`;
 * `full` — also the per-connection recommended ones: `client.address`,
 * `network.peer.address`, `network.peer.port`, `user_agent.original`.
 */
export type HttpServerSpanAttributes = 'default' | 'full';

/** Process-wide defaults of the request observer (house rule 5: one defaults object). */
export const REQUEST_OBSERVER_DEFAULTS = {
  /** `errors`: a line per failed or slow request; the server span and RED metrics cover the rest. */
  requestLog: 'errors' as RequestLogMode,
  slowRequestMs: 1000,
  ignorePaths: ['/healthz', '/readyz', '/metrics'] as readonly string[],
  /** `default`: required and conditionally required attributes (see {@link HttpServerSpanAttributes}). */
  spanAttributes: 'default' as HttpServerSpanAttributes,
};

const settings = {
  requestLog: REQUEST_OBSERVER_DEFAULTS.requestLog,
  slowRequestMs: REQUEST_OBSERVER_DEFAULTS.slowRequestMs,
  spanAttributes: REQUEST_OBSERVER_DEFAULTS.spanAttributes,
  // Start attributes are for samplers that look at them. The samplers init() installs
  // (always-on, trace-id ratio, parent-based) do not, so it turns them off: the same
  // attributes are then set once, at the end, with the others.
  startAttributes: true,
};

/**
 * Sets the process-wide request log mode, slow threshold and server span attributes
 * (`init()` calls this).
 */
export function configureRequestObserver(options: {
  requestLog?: RequestLogMode;
  slowRequestMs?: number;
  spanAttributes?: HttpServerSpanAttributes;
  /** @internal false when the installed sampler ignores span attributes */
  samplerUsesAttributes?: boolean;
}): void {
  if (options.requestLog !== undefined) settings.requestLog = options.requestLog;
  if (options.slowRequestMs !== undefined) settings.slowRequestMs = options.slowRequestMs;
  if (options.spanAttributes !== undefined) settings.spanAttributes = options.spanAttributes;
  if (options.samplerUsesAttributes !== undefined) settings.startAttributes = options.samplerUsesAttributes;
}

const DEFAULT_IGNORED = new Set(REQUEST_OBSERVER_DEFAULTS.ignorePaths);
const STATE = Symbol.for('sightline.sdk.requestState');

function logModeOf(option: boolean | RequestLogMode | undefined): RequestLogMode | undefined {
  if (option === undefined) return undefined;
  if (option === true) return 'all';
  if (option === false) return 'off';
  return option;
}

/**
 * One observed request. A class (not an object literal) so every request has the same
 * hidden class, and so the response listener can be one shared function instead of a
 * closure per request.
 */
class RequestObservation implements RequestState {
  route: string | undefined = undefined;
  responseBytes = 0;
  finished = false;
  ignored = false;
  error: unknown = undefined;
  routeResolver: ((req: IncomingMessage) => string | undefined) | undefined = undefined;
  logger: Logger | undefined = undefined;
  logMode: RequestLogMode | undefined = undefined;
  slowRequestMs: number | undefined = undefined;
  successLevel: LogLevel | undefined = undefined;
  constructor(
    readonly startMs: number,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly span: Span,
    readonly context: Context,
    readonly correlationId: string,
    readonly method: string,
    readonly path: string,
    readonly scheme: string,
  ) {}

  /** Takes over what a middleware knows better than the server hook (route, logger, log mode). */
  adopt(options: MiddlewareOptions): void {
    if (options.route) this.routeResolver = options.route;
    if (options.logger) this.logger = options.logger;
    if (options.logRequests !== undefined) this.logMode = logModeOf(options.logRequests);
    if (options.slowRequestMs !== undefined) this.slowRequestMs = options.slowRequestMs;
    if (options.successLevel) this.successLevel = options.successLevel;
    if (options.ignorePaths?.includes(this.path)) this.ignored = true;
  }
}

/** Returns the observation state of a request seen by the middleware or the server instrumentation. */
export function requestState(req: IncomingMessage): RequestState | undefined {
  return (req as unknown as Record<symbol, RequestObservation | undefined>)[STATE];
}

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Starts observing one request: continues the caller's trace (W3C `traceparent`), binds a
 * correlation id (from `x-correlation-id` or new, echoed on the response), counts it as
 * active, and when the response closes records RED metrics, ends the server span and writes
 * the canonical log line (per the log mode). Returns undefined for ignored paths.
 *
 * `init()` calls this for every request a `node:http`/`https` server receives; the framework
 * adapters call it again with their options (route template, logger), which are merged into
 * the running observation. Use it directly only for a custom server.
 */
export function beginRequest(req: IncomingMessage, res: ServerResponse, options?: MiddlewareOptions): RequestState | undefined {
  const existing = (req as unknown as Record<symbol, RequestObservation | undefined>)[STATE];
  if (existing !== undefined) {
    if (options !== undefined) existing.adopt(options);
    return existing.ignored ? undefined : existing;
  }
  const path = pathOf(req.url);
  if (options?.ignorePaths ? options.ignorePaths.includes(path) : DEFAULT_IGNORED.has(path)) return undefined;
  ensureContextManager();
  ensureResponseByteCounting();

  const method = normaliseMethod(req.method);
  const scheme = (req.socket as { encrypted?: boolean } | null)?.encrypted ? 'https' : 'http';
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  // Only what a sampler may want is set at start (and only for samplers that look); the
  // rest is added at the end, and only when the span is recording (unsampled requests never
  // build those attributes).
  const startMs = performance.now();
  const tracer = getTracer();
  // Under init()'s own provider (whose samplers ignore attributes) the server span is the
  // SDK's lean span, handed to the same span processors; otherwise the tracer makes it.
  const span =
    !settings.startAttributes && leanServerSpansFor(tracer)
      ? startServerSpan(method, parent, startMs)
      : tracer.startSpan(
          method,
          settings.startAttributes
            ? { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.scheme': scheme, 'url.path': path } }
            : SERVER_SPAN_OPTIONS,
          parent,
        );
  // With init()'s propagator the id was extracted already; without it, read the header here.
  let correlationId = correlationIdFrom(parent);
  if (correlationId === undefined) {
    const header = req.headers[CORRELATION_HEADER];
    const fromHeader = Array.isArray(header) ? header[0] : header;
    correlationId = isValidCorrelationId(fromHeader) ? fromHeader : correlationIdForTrace(span.spanContext().traceId);
  }
  // Span, RPC metadata (the Express instrumentation writes the route there) and correlation id
  // on top of the caller's context, in one object.
  const ctx = new RequestContext(parent, span, { type: RPCType.HTTP, span }, correlationId);
  if (!res.headersSent) res.setHeader(CORRELATION_HEADER, correlationId);

  const state = new RequestObservation(startMs, req, res, span, ctx, correlationId, method, path, scheme);
  if (options !== undefined) state.adopt(options);
  (req as unknown as Record<symbol, RequestObservation>)[STATE] = state;
  (res as unknown as Record<symbol, RequestObservation>)[STATE] = state;
  serverRequestStarted(method, scheme);
  // 'close' follows 'finish' on every ServerResponse and is also the only event of an
  // aborted one, so it sees every outcome. node:http responses are caught by the prototype
  // `emit` wrapper (no listener to add per request); other response objects get a listener.
  if (!(res instanceof ServerResponse)) (res as ServerResponse).on('close', onResponseClose);
  return state;
}

const SERVER_SPAN_OPTIONS = { kind: SpanKind.SERVER };
const INVALID_TRACE_ID = '00000000000000000000000000000000';

/**
 * A new request's correlation id: its trace id in UUID form (8-4-4-4-12 hex) when the
 * request has a trace, a random UUID otherwise (tracing off). The id then names the same unit
 * of work as the trace, costs no randomness of its own, and keeps the UUID shape.
 */
function correlationIdForTrace(traceId: string): string {
  if (traceId.length !== 32 || traceId === INVALID_TRACE_ID) return newCorrelationId();
  return `${traceId.slice(0, 8)}-${traceId.slice(8, 12)}-${traceId.slice(12, 16)}-${traceId.slice(16, 20)}-${traceId.slice(20)}`;
}

/**
 * Marks the request as failed with `err` (a handler threw): exception event and ERROR status
 * on the server span, `error.type` on the metrics. The caller rethrows.
 * @internal
 */
export function failRequest(state: RequestState, err: unknown): void {
  const obs = state as RequestObservation;
  if (obs.finished || obs.error !== undefined) return;
  obs.error = err;
  recordError(obs.span, err);
}

function onResponseClose(this: ServerResponse): void {
  const state = (this as unknown as Record<symbol, RequestObservation | undefined>)[STATE];
  if (state !== undefined) finish(state);
}

function finish(state: RequestObservation): void {
  if (state.finished) return;
  state.finished = true;
  const { req, res, span, method } = state;
  if (state.ignored) {
    // A middleware's ignorePaths matched after the server hook began the request: give the
    // active count back, record nothing else (the span is dropped unended, never exported).
    serverRequestEnded(state.method, state.scheme);
    return;
  }
  const aborted = !res.writableFinished;
  const status = aborted ? 499 : res.statusCode;
  const endMs = performance.now();
  const durationMs = endMs - state.startMs;
  const route = resolveRoute(state);
  const errorType = aborted ? 'aborted' : state.error !== undefined ? errorName(state.error) : status >= 500 ? String(status) : undefined;

  if (span.isRecording()) {
    const attrs = endAttributes(state, status, route, errorType);
    if (span instanceof ServerSpan) span.adoptAttributes(attrs);
    else span.setAttributes(attrs);
    if (route !== undefined) span.updateName(`${method} ${route}`);
    if (status >= 500) span.setStatus(ERROR_STATUS);
  }
  // The lean span ends at the observer's own clock reading (one per request end).
  if (span instanceof ServerSpan) span.endAt(endMs);
  else span.end();

  const lengthHeader = req.headers['content-length'];
  const requestBytes = lengthHeader ? Number(lengthHeader) : 0;
  recordObservedServerRequest(method, state.scheme, status, route, errorType, durationMs / 1000, requestBytes, state.responseBytes);

  const mode = state.logMode ?? settings.requestLog;
  if (mode === 'off') return;
  const failed = status >= 400 || aborted || state.error !== undefined;
  if (mode === 'errors' && !failed && durationMs < (state.slowRequestMs ?? settings.slowRequestMs)) return;
  const level: LogLevel = status >= 500 || state.error !== undefined ? 'error' : status >= 400 ? 'warn' : (state.successLevel ?? 'info');
  (state.logger ?? sharedLogger).logIn(state.context, level, 'request completed', {
    'http.method': method,
    'http.route': route ?? '',
    'url.path': state.path,
    'http.status_code': status,
    duration_ms: Math.round(durationMs * 1e3) / 1e3,
    user_agent: req.headers['user-agent'] ?? '',
    request_bytes: requestBytes,
    response_bytes: state.responseBytes,
    aborted: aborted || undefined,
  });
}

function resolveRoute(state: RequestObservation): string | undefined {
  let route = state.route;
  if (route === undefined && state.routeResolver !== undefined) {
    try {
      route = state.routeResolver(state.req);
    } catch {
      // A failing route resolver must not break the response path (house rule 3).
    }
  }
  // Framework instrumentations (express) put the matched route on the RPC metadata.
  if (route === undefined) route = getRPCMetadata(state.context)?.route;
  if (route !== undefined) state.route = route;
  return route;
}

const ERROR_STATUS = { code: SpanStatusCode.ERROR };

/**
 * The end attributes as one object: the ones every request has in an object literal of a
 * fixed shape, the conditional ones after. The lean span takes the object as its attribute
 * map when nothing set attributes before (see `ServerSpan.adoptAttributes`).
 */
function endAttributes(state: RequestObservation, status: number, route: string | undefined, errorType: string | undefined): Attributes {
  const { req } = state;
  const attrs: Attributes = settings.startAttributes
    ? {
        'http.response.status_code': status,
        'network.protocol.version': req.httpVersion,
        'correlation.id': state.correlationId,
      }
    : {
        'http.response.status_code': status,
        'network.protocol.version': req.httpVersion,
        'correlation.id': state.correlationId,
        'http.request.method': state.method,
        'url.scheme': state.scheme,
        'url.path': state.path,
      };
  if (route !== undefined) attrs['http.route'] = route;
  if (errorType !== undefined) attrs['error.type'] = errorType;
  const host = req.headers.host;
  if (host) {
    const { address, port } = cachedSplitHost(host);
    attrs['server.address'] = address;
    if (port !== undefined) attrs['server.port'] = port;
  }
  if (req.method !== state.method) attrs['http.request.method_original'] = req.method ?? '';
  const url = req.url;
  if (url !== undefined) {
    const q = url.indexOf('?');
    if (q !== -1 && q < url.length - 1) attrs['url.query'] = redactQuery(url.slice(q + 1));
  }
  if (settings.spanAttributes === 'full') {
    // Reading the peer address is a getpeername() call per request: only when asked for.
    const socket = req.socket as { remoteAddress?: string; remotePort?: number } | null;
    const ua = req.headers['user-agent'];
    if (ua !== undefined) attrs['user_agent.original'] = ua;
    const peer = socket?.remoteAddress;
    if (peer !== undefined) {
      attrs['network.peer.address'] = peer;
      attrs['client.address'] = clientAddress(req) ?? peer;
    }
    if (socket?.remotePort !== undefined) attrs['network.peer.port'] = socket.remotePort;
  }
  return attrs;
}

// A server answers under one or a few Host names: the last split is kept.
let lastHost = '';
let lastSplit: { address: string; port?: number } = { address: '' };
function cachedSplitHost(host: string): { address: string; port?: number } {
  if (host !== lastHost) {
    lastSplit = splitHost(host);
    lastHost = host;
  }
  return lastSplit;
}

// Query parameters that carry signatures or credentials in pre-signed URLs; their values are
// replaced, as @opentelemetry/instrumentation-http does by default.
const SENSITIVE_QUERY_PARAMS = ['sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature'];

/** Replaces the values of signature/credential query parameters with `REDACTED`. */
export function redactQuery(query: string): string {
  if (!SENSITIVE_QUERY_PARAMS.some((p) => query.includes(p))) return query;
  let out = '';
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    out += (out ? '&' : '') + (eq !== -1 && SENSITIVE_QUERY_PARAMS.includes(name) ? `${name}=REDACTED` : part);
  }
  return out;
}

/** Splits a Host header into address and port (`[::1]:8080` → `::1`, 8080). */
export function splitHost(host: string): { address: string; port?: number } {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close === -1) return { address: host };
    const port = host.charCodeAt(close + 1) === 58 ? Number(host.slice(close + 2)) : undefined;
    return { address: host.slice(1, close), port: Number.isInteger(port) ? port : undefined };
  }
  const colon = host.lastIndexOf(':');
  if (colon === -1) return { address: host };
  const port = Number(host.slice(colon + 1));
  return { address: host.slice(0, colon), port: Number.isInteger(port) ? port : undefined };
}

// The first hop of X-Forwarded-For names the original client behind proxies.
function clientAddress(req: IncomingMessage): string | undefined {
  const xff = req.headers['x-forwarded-for'];
  if (xff === undefined) return undefined;
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  return first ? first : undefined;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'Error';
}

let responsePatched = false;

// Response body bytes are counted by wrapping write/end once on the prototype instead of per
// response: one symbol lookup per call, no closures per request. Counting (not content-length)
// covers chunked responses too. The same way, `emit('close')` ends the observation before the
// response's own 'close' listeners run, without a listener added per request.
function ensureResponseByteCounting(): void {
  if (responsePatched) return;
  responsePatched = true;
  const proto = ServerResponse.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originalWrite = proto.write!;
  const originalEnd = proto.end!;
  const originalEmit = proto.emit!;
  proto.emit = function emit(this: ServerResponse, event: unknown) {
    if (event === 'close') {
      const state = (this as unknown as Record<symbol, RequestObservation | undefined>)[STATE];
      if (state !== undefined) finish(state);
    }
    // eslint-disable-next-line prefer-rest-params
    return originalEmit.apply(this, arguments as unknown as unknown[]);
  };
  proto.write = function write(this: ServerResponse, chunk: unknown) {
    const state = (this as unknown as Record<symbol, RequestObservation | undefined>)[STATE];
    if (state !== undefined) state.responseBytes += byteLength(chunk);
    // eslint-disable-next-line prefer-rest-params
    return originalWrite.apply(this, arguments as unknown as unknown[]);
  };
  proto.end = function end(this: ServerResponse, chunk: unknown) {
    const state = (this as unknown as Record<symbol, RequestObservation | undefined>)[STATE];
    if (state !== undefined && typeof chunk !== 'function' && !this.writableEnded) state.responseBytes += byteLength(chunk);
    // eslint-disable-next-line prefer-rest-params
    return originalEnd.apply(this, arguments as unknown as unknown[]);
  };
}

function byteLength(chunk: unknown): number {
  if (chunk == null) return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}
