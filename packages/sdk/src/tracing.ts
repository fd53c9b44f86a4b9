import {
  context,
  trace,
  SpanStatusCode,
  SpanKind,
  type Attributes,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

/** Instrumentation scope name used for every span the SDK creates. */
export const SDK_SCOPE = '@sightline/sdk';
/** SDK version reported as the instrumentation scope version. */
export const SDK_VERSION = '0.1.0';

let tracerProvider: TracerProvider | undefined;
let tracer: Tracer | undefined;

/** The SDK's tracer (a proxy, so it works whether `init()` ran before or after). */
export function getTracer(): Tracer {
  // The provider's getTracer builds a cache key string per call; per-request callers reuse
  // one tracer for as long as the global provider stays the same object.
  const provider = trace.getTracerProvider();
  if (provider !== tracerProvider || tracer === undefined) {
    tracerProvider = provider;
    tracer = provider.getTracer(SDK_SCOPE, SDK_VERSION);
  }
  return tracer;
}

/** Options of {@link traced} beyond plain attributes. */
export interface TracedOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Links to other spans, e.g. every message of a batch this span processes (fan-in). */
  links?: Link[];
  /** Start a new trace instead of a child of the active span (links still connect them). */
  root?: boolean;
}

/**
 * Runs `fn` inside a new span and always ends it. Works for sync and async functions: the
 * span ends when the value is returned or the promise settles. A thrown error or rejection is
 * recorded as an exception event, the status is set to ERROR, and the error is rethrown.
 *
 * @param name - span name, low-cardinality (`orders.place`, not `orders.place o-123`)
 * @param fn - receives the span, for events and attributes
 * @param attributesOrOptions - span attributes, or {@link TracedOptions}
 * @example
 * ```ts
 * const order = await traced('orders.place', async (span) => {
 *   span.addEvent('stock.reserved', { sku });
 *   return placeOrder(sku);
 * }, { 'app.sku': sku });
 * ```
 */
export function traced<T>(name: string, fn: (span: Span) => T, attributesOrOptions?: Attributes | TracedOptions): T {
  const options = toOptions(attributesOrOptions);
  const parent = options.root ? trace.deleteSpan(context.active()) : context.active();
  const span = getTracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  let result: T;
  try {
    result = context.with(ctx, fn, undefined, span);
  } catch (err) {
    recordError(span, err);
    span.end();
    throw err;
  }
  if (isPromiseLike(result)) {
    return (result as unknown as Promise<unknown>).then(
      (value) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        recordError(span, err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}

/**
 * Wraps a function so every call runs in a span named `name`; `this` and arguments pass through.
 *
 * @example
 * ```ts
 * const chargeCard = tracedFunction('payments.charge', rawCharge);
 * ```
 */
export function tracedFunction<A extends unknown[], R>(
  name: string,
  fn: (...args: A) => R,
  attributes?: Attributes,
): (...args: A) => R {
  return function (this: unknown, ...args: A): R {
    return traced(name, () => fn.apply(this, args), attributes);
  };
}

/** Marks `span` as failed with `err`: exception event (type, message, stack) and ERROR status. */
export function recordError(span: Span, err: unknown): void {
  if (err instanceof Error) {
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  } else {
    span.recordException({ name: 'NonError', message: String(err) });
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
  }
}

/** Adds an event to the active span, if any. Returns false when no span is recording. */
export function addSpanEvent(name: string, attributes?: Attributes): boolean {
  const span = trace.getActiveSpan();
  if (!span || !span.isRecording()) return false;
  span.addEvent(name, attributes);
  return true;
}

/** Sets attributes on the active span, if any. */
export function setSpanAttributes(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * Builds links for fan-in: a span that processes work from many traces (a batch consumer, an
 * aggregation) links to each source instead of picking one parent.
 *
 * @example
 * ```ts
 * const links = linksFrom(messages.map((m) => extractContext(m.headers)));
 * await traced('batch.process', () => handle(messages), { links, root: true });
 * ```
 */
export function linksFrom(sources: Array<SpanContext | ReturnType<typeof context.active> | undefined>, attributes?: Attributes): Link[] {
  const links: Link[] = [];
  for (const source of sources) {
    if (!source) continue;
    const sc = 'traceId' in source ? source : trace.getSpanContext(source);
    if (sc && trace.isSpanContextValid(sc)) links.push({ context: sc, attributes });
  }
  return links;
}

function toOptions(a: Attributes | TracedOptions | undefined): TracedOptions {
  if (!a) return {};
  if ('attributes' in a || 'links' in a || 'kind' in a || 'root' in a) return a as TracedOptions;
  return { attributes: a as Attributes };
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}
