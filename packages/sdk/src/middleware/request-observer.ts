import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { getRPCMetadata, RPCType, setRPCMetadata } from '@opentelemetry/core';
import { CORRELATION_KEY, correlationIdFrom, ensureContextManager } from '../context.js';
import { CORRELATION_HEADER, isValidCorrelationId, newCorrelationId } from '../correlation.js';
import { autoServerSpan } from '../instrumentations.js';
import { logger as sharedLogger, type Logger, type LogLevel } from '../logger.js';
import { normaliseMethod, recordServerRequest, serverRequestStarted } from '../metrics/http-red.js';
import { getTracer } from '../tracing.js';

/** Options shared by the node:http, Express and Fastify middleware. */
export interface MiddlewareOptions {
  /** Logger for the canonical request line (default: the shared logger). */
  logger?: Logger;
  /** Write one canonical log line per request (default true). */
  logRequests?: boolean;
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

const DEFAULT_IGNORED = ['/healthz', '/readyz', '/metrics'];
const STATE = Symbol.for('sightline.sdk.requestState');

/** Returns the observation state of a request seen by the middleware. */
export function requestState(req: IncomingMessage): RequestState | undefined {
  return (req as unknown as Record<symbol, RequestState | undefined>)[STATE];
}

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Starts observing one request: continues the caller's trace (or enriches the span the HTTP
 * auto-instrumentation started), binds a correlation id (from `x-correlation-id` or new, echoed
 * on the response), counts it as active, and on completion records RED metrics, ends the span
 * and writes one canonical log line. Returns undefined for ignored paths.
 *
 * The framework adapters call this; use it directly only for a custom server.
 */
export function beginRequest(req: IncomingMessage, res: ServerResponse, options: MiddlewareOptions = {}): RequestState | undefined {
  ensureContextManager();
  const path = pathOf(req.url);
  if ((options.ignorePaths ?? DEFAULT_IGNORED).includes(path)) return undefined;
  const existing = requestState(req);
  if (existing) return existing;

  const start = performance.now();
  const method = normaliseMethod(req.method);
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const autoSpan = autoServerSpan(req);

  let ctx: Context;
  let span: Span;
  if (autoSpan) {
    span = autoSpan;
    ctx = context.active();
    if (trace.getSpan(ctx) !== autoSpan) ctx = trace.setSpan(ctx, autoSpan);
    // The instrumentation already extracted the correlation id if the propagator is installed.
  } else {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    span = getTracer().startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'url.path': path,
          'url.scheme': scheme,
          'server.address': req.headers.host?.split(':')[0] ?? '',
          'user_agent.original': req.headers['user-agent'] ?? '',
          'client.address': req.socket.remoteAddress ?? '',
          'network.protocol.version': req.httpVersion,
        },
      },
      parent,
    );
    ctx = setRPCMetadata(trace.setSpan(parent, span), { type: RPCType.HTTP, span });
  }

  const header = req.headers[CORRELATION_HEADER];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const correlationId = isValidCorrelationId(fromHeader) ? fromHeader : (correlationIdFrom(ctx) ?? newCorrelationId());
  ctx = ctx.setValue(CORRELATION_KEY, correlationId);
  span.setAttribute('correlation.id', correlationId);
  if (!res.headersSent) res.setHeader(CORRELATION_HEADER, correlationId);

  const state: RequestState = { span, context: ctx, correlationId };
  (req as unknown as Record<symbol, RequestState>)[STATE] = state;
  serverRequestStarted(method, scheme);

  let responseBytes = 0;
  const originalWrite = res.write;
  const originalEnd = res.end;
  let finalised = false;

  // Counting bytes here (not from content-length) covers chunked responses too.
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    responseBytes += byteLength(chunk);
    return (originalWrite as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]): ServerResponse {
    if (typeof chunk !== 'function') responseBytes += byteLength(chunk);
    // Route and status go on the span before it ends: the HTTP instrumentation ends its span
    // inside the original end().
    annotate(res.statusCode);
    return (originalEnd as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];

  const rpc = getRPCMetadata(ctx);
  function annotate(status: number): void {
    const route = state.route ?? options.route?.(req);
    if (route) {
      state.route = route;
      span.setAttribute('http.route', route);
      if (rpc) rpc.route = route;
      if (!autoSpan) span.updateName(`${method} ${route}`);
    }
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }

  const finish = (aborted: boolean): void => {
    if (finalised) return;
    finalised = true;
    const status = aborted && !res.writableFinished ? 499 : res.statusCode;
    annotate(status);
    const durationSeconds = (performance.now() - start) / 1000;
    const lengthHeader = req.headers['content-length'];
    const requestBytes = lengthHeader ? Number(lengthHeader) : 0;
    if (aborted) span.setAttribute('error.type', 'aborted');
    if (!autoSpan) span.end();
    recordServerRequest({
      method,
      route: state.route,
      status,
      durationSeconds,
      scheme,
      requestBytes,
      responseBytes,
      errorType: aborted ? 'aborted' : undefined,
    });
    if (options.logRequests !== false) {
      const log = options.logger ?? sharedLogger;
      const level: LogLevel = status >= 500 ? 'error' : status >= 400 ? 'warn' : (options.successLevel ?? 'info');
      context.with(ctx, () =>
        log.log(level, 'request completed', {
          'http.method': method,
          'http.route': state.route ?? '',
          'url.path': path,
          'http.status_code': status,
          duration_ms: Math.round(durationSeconds * 1e6) / 1e3,
          user_agent: req.headers['user-agent'] ?? '',
          request_bytes: requestBytes,
          response_bytes: responseBytes,
          aborted: aborted || undefined,
        }),
      );
    }
  };
  res.once('finish', () => finish(false));
  res.once('close', () => finish(!res.writableFinished));
  return state;
}

function byteLength(chunk: unknown): number {
  if (chunk == null) return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}
