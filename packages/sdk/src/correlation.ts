import { randomUUID } from 'node:crypto';
import {
  context,
  propagation,
  trace,
  defaultTextMapSetter,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { CORRELATION_KEY, correlationIdFrom, ensureContextManager } from './context.js';

/** The header that carries the correlation id between services and through queues. */
export const CORRELATION_HEADER = 'x-correlation-id';

// Ids arrive from the outside world; anything longer or stranger than this is not an id we
// want in every log line (and could be an injection attempt into log pipelines).
const VALID_ID = /^[A-Za-z0-9._:\-]{1,128}$/;

/** Creates a new random correlation id. */
export function newCorrelationId(): string {
  return randomUUID();
}

/** Returns the correlation id of the current async context, or `undefined`. */
export function getCorrelationId(): string | undefined {
  return correlationIdFrom(context.active());
}

/**
 * Runs `fn` with a correlation id bound to the current async context (AsyncLocalStorage).
 *
 * Every log line written inside `fn`, every outbound HTTP request (through the propagator
 * installed by `init()`) and every `injectContext()` call sees the id.
 *
 * @param id - the id to use; when omitted or invalid, the current id is kept or a new one is made
 * @param fn - the function to run; its return value (or promise) is returned
 * @example
 * ```ts
 * await withCorrelation(req.headers['x-correlation-id'], async () => handle(req));
 * await withCorrelation(async () => runNightlyJob()); // fresh id
 * ```
 */
export function withCorrelation<T>(fn: () => T): T;
export function withCorrelation<T>(id: string | undefined | null, fn: () => T): T;
export function withCorrelation<T>(idOrFn: string | undefined | null | (() => T), maybeFn?: () => T): T {
  ensureContextManager();
  const fn = typeof idOrFn === 'function' ? idOrFn : maybeFn!;
  const requested = typeof idOrFn === 'function' ? undefined : idOrFn;
  const id = isValidCorrelationId(requested) ? requested : (getCorrelationId() ?? newCorrelationId());
  return context.with(context.active().setValue(CORRELATION_KEY, id), fn);
}

/** True when `id` is acceptable as a correlation id (1-128 chars of `[A-Za-z0-9._:-]`). */
export function isValidCorrelationId(id: unknown): id is string {
  return typeof id === 'string' && VALID_ID.test(id);
}

/**
 * A W3C-style propagator for `x-correlation-id`. `init()` composes it with trace context and
 * baggage, so the HTTP and undici instrumentations carry the id on every outbound request.
 */
export class CorrelationPropagator implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const id = correlationIdFrom(ctx);
    if (id !== undefined) setter.set(carrier, CORRELATION_HEADER, id);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    let value = getter.get(carrier, CORRELATION_HEADER);
    if (Array.isArray(value)) value = value[0];
    return isValidCorrelationId(value) ? ctx.setValue(CORRELATION_KEY, value) : ctx;
  }

  fields(): string[] {
    return [CORRELATION_HEADER];
  }
}

/** Header map of a message: Kafka, RabbitMQ and NATS clients all accept one of these shapes. */
export type MessageHeaders = Record<string, string | string[] | Buffer | undefined>;

// Kafka delivers header values as Buffers; read them as UTF-8 text.
const messageGetter: TextMapGetter<MessageHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const direct = carrier[key] ?? findCaseInsensitive(carrier, key);
    if (direct === undefined) return undefined;
    if (Buffer.isBuffer(direct)) return direct.toString('utf8');
    return direct;
  },
};

function findCaseInsensitive(carrier: MessageHeaders, key: string): MessageHeaders[string] {
  const lower = key.toLowerCase();
  for (const k of Object.keys(carrier)) if (k.toLowerCase() === lower) return carrier[k];
  return undefined;
}

/**
 * Writes the current trace context, baggage and correlation id into a header map, for a
 * message you are about to publish (Kafka, RabbitMQ, NATS, ...) or a job you are enqueuing.
 *
 * The correlation id is written even when tracing was not initialised.
 *
 * @param headers - the header object to fill (returned for chaining); a new one by default
 * @example
 * ```ts
 * channel.publish('orders', key, body, { headers: injectContext() });
 * ```
 */
export function injectContext<T extends Record<string, unknown> = Record<string, string>>(headers: T = {} as T): T {
  const ctx = context.active();
  propagation.inject(ctx, headers, defaultTextMapSetter);
  const id = correlationIdFrom(ctx);
  if (id !== undefined && (headers as Record<string, unknown>)[CORRELATION_HEADER] === undefined) {
    (headers as Record<string, unknown>)[CORRELATION_HEADER] = id;
  }
  return headers;
}

/**
 * Reads trace context, baggage and the correlation id from a message's headers and returns
 * the resulting context. Use {@link withExtractedContext} to run a handler inside it.
 */
export function extractContext(headers: MessageHeaders | undefined, base: Context = context.active()): Context {
  if (!headers) return base;
  let ctx = propagation.extract(base, headers, messageGetter);
  if (correlationIdFrom(ctx) === undefined) {
    const raw = messageGetter.get(headers, CORRELATION_HEADER);
    const id = Array.isArray(raw) ? raw[0] : raw;
    if (isValidCorrelationId(id)) ctx = ctx.setValue(CORRELATION_KEY, id);
  }
  return ctx;
}

/**
 * Runs a message or job handler inside the context carried by `headers`: the producer's
 * trace becomes the parent of spans created in `fn`, and its correlation id is bound (a new
 * one is made if the message had none).
 *
 * @example
 * ```ts
 * consumer.on('message', (msg) =>
 *   withExtractedContext(msg.headers, () => traced('orders.process', () => handle(msg))));
 * ```
 */
export function withExtractedContext<T>(headers: MessageHeaders | undefined, fn: () => T): T {
  ensureContextManager();
  const ctx = extractContext(headers);
  return context.with(ctx, () => withCorrelation(correlationIdFrom(ctx), fn));
}

/** A serialisable snapshot of the current context, for background jobs stored in a database. */
export interface JobContext {
  traceparent?: string;
  tracestate?: string;
  baggage?: string;
  correlationId?: string;
}

/** Captures the current context as a plain object to store with a background job. */
export function captureJobContext(): JobContext {
  const headers = injectContext<Record<string, string>>({});
  const out: JobContext = {};
  if (headers.traceparent) out.traceparent = headers.traceparent;
  if (headers.tracestate) out.tracestate = headers.tracestate;
  if (headers.baggage) out.baggage = headers.baggage;
  if (headers[CORRELATION_HEADER]) out.correlationId = headers[CORRELATION_HEADER];
  return out;
}

/** Runs a background job inside the context captured by {@link captureJobContext}. */
export function runWithJobContext<T>(job: JobContext | undefined, fn: () => T): T {
  const headers: MessageHeaders = {};
  if (job?.traceparent) headers.traceparent = job.traceparent;
  if (job?.tracestate) headers.tracestate = job.tracestate;
  if (job?.baggage) headers.baggage = job.baggage;
  if (job?.correlationId) headers[CORRELATION_HEADER] = job.correlationId;
  return withExtractedContext(headers, fn);
}

/** The trace id of the active span, if a span is recording in this context. */
export function getTraceId(): string | undefined {
  const sc = trace.getSpanContext(context.active());
  return sc && sc.traceId !== '00000000000000000000000000000000' ? sc.traceId : undefined;
}

