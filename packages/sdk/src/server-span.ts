import { performance } from 'node:perf_hooks';
import {
  diag,
  SamplingDecision,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanStatus,
  type TimeInput,
  type Tracer,
} from '@opentelemetry/api';
import { isAttributeValue, isTimeInput, isTracingSuppressed, sanitizeAttributes, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { IdGenerator, ReadableSpan, Sampler, SpanLimits, SpanProcessor, TimedEvent, TracerProvider } from '@opentelemetry/sdk-trace';
import { SDK_SCOPE, SDK_VERSION } from './tracing.js';

/**
 * What a server span needs from the tracer of `init()`'s provider: the same sampler, id
 * generator, limits, resource, scope and span processors the official `Tracer` would use.
 */
interface Pipeline {
  readonly tracer: Tracer;
  readonly sampler: Sampler;
  readonly idGenerator: IdGenerator;
  readonly limits: SpanLimits;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly processor: SpanProcessor;
}

let pipeline: Pipeline | undefined;

/**
 * Turns the lean server span on for `provider` (the `TracerProvider` that `init()` built and
 * registered globally), or off (`undefined`). Server spans are then built by {@link ServerSpan}
 * from the pieces of the provider's own tracer (sampler, id generator, span limits, resource,
 * scope, span processors) instead of `Tracer.startSpan`. The tracer's fields are read by name
 * (`@opentelemetry/sdk-trace` 2.x): if one is missing (another version), nothing changes and
 * the official tracer keeps making server spans.
 * @internal
 */
export function useLeanServerSpans(provider: TracerProvider | undefined): void {
  pipeline = undefined;
  if (provider === undefined) return;
  const tracer = provider.getTracer(SDK_SCOPE, SDK_VERSION) as unknown as Record<string, unknown>;
  const { _sampler: sampler, _idGenerator: idGenerator, _spanLimits: limits, _resource: resource, instrumentationScope: scope, _spanProcessor: processor } = tracer;
  const ok =
    typeof (sampler as Sampler | undefined)?.shouldSample === 'function' &&
    typeof (idGenerator as IdGenerator | undefined)?.generateSpanId === 'function' &&
    typeof limits === 'object' &&
    limits !== null &&
    typeof resource === 'object' &&
    resource !== null &&
    typeof scope === 'object' &&
    scope !== null &&
    typeof (processor as SpanProcessor | undefined)?.onEnd === 'function';
  if (!ok) return;
  pipeline = {
    tracer: tracer as unknown as Tracer,
    sampler: sampler as Sampler,
    idGenerator: idGenerator as IdGenerator,
    limits: limits as SpanLimits,
    resource: resource as Resource,
    scope: scope as InstrumentationScope,
    processor: processor as SpanProcessor,
  };
}

/** True when server spans from `tracer` are built as {@link ServerSpan}s. @internal */
export function leanServerSpansFor(tracer: Tracer): boolean {
  return pipeline !== undefined && pipeline.tracer === tracer;
}

// Shared while empty (frozen: a write to them would be a bug); replaced by a span's own array on first use.
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
const NO_SAMPLER_ATTRIBUTES: Attributes = Object.freeze({}) as Attributes;

/**
 * Starts a server span as `Tracer.startSpan(name, { kind: SERVER }, parent)` would under the
 * registered pipeline: same suppression check, ids, sampling decision (the sampler sees no
 * attributes: `init()`'s samplers never read them), trace state, span processors' `onStart`.
 * `startMs` is a `performance.now()` reading taken by the caller: the span's start time.
 * Call only after {@link leanServerSpansFor} returned true.
 * @internal
 */
export function startServerSpan(name: string, parent: Context, startMs: number): Span {
  const p = pipeline!;
  if (isTracingSuppressed(parent)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  const parentSpanContext = trace.getSpanContext(parent);
  const spanId = p.idGenerator.generateSpanId();
  let traceId: string;
  let traceState;
  let validParent: SpanContext | undefined;
  if (parentSpanContext === undefined || !trace.isSpanContextValid(parentSpanContext)) {
    traceId = p.idGenerator.generateTraceId();
  } else {
    traceId = parentSpanContext.traceId;
    traceState = parentSpanContext.traceState;
    validParent = parentSpanContext;
  }
  const result = p.sampler.shouldSample(parent, traceId, name, SpanKind.SERVER, NO_SAMPLER_ATTRIBUTES, NO_LINKS);
  traceState = result.traceState ?? traceState;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: result.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
    traceState,
  };
  if (result.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(spanContext);
  const span = new ServerSpan(p, spanContext, validParent, name, startMs);
  if (result.attributes !== undefined) span.setAttributes(result.attributes);
  p.processor.onStart(span, parent);
  return span;
}

const INVALID_SPAN_CONTEXT: SpanContext = { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: TraceFlags.NONE };

// Wall-clock anchor of performance.now(), as whole seconds and nanoseconds: a span time is
// the anchor plus one performance.now() reading. Re-anchored against Date.now() at most once
// a second (the official span does it per span) so the monotonic clock cannot drift away
// from the wall clock over a long-running process.
let anchorSeconds = 0;
let anchorNanos = 0;
let anchoredAt = -Infinity;

function anchor(nowMs: number): void {
  const epochMs = Date.now() - nowMs; // wall-clock time at performance.now() === 0
  anchorSeconds = Math.floor(epochMs / 1000);
  anchorNanos = Math.round((epochMs - anchorSeconds * 1000) * 1e6);
  anchoredAt = nowMs;
}

/** HrTime of a `performance.now()` reading. @internal */
export function hrTimeOfPerformance(nowMs: number): HrTime {
  if (nowMs - anchoredAt > 1000 || nowMs < anchoredAt) anchor(nowMs);
  const totalNanos = anchorNanos + Math.round(nowMs * 1e6);
  const seconds = Math.floor(totalNanos / 1e9);
  return [anchorSeconds + seconds, totalNanos - seconds * 1e9];
}

function hrTimeOfMillis(epochMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000);
  return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)];
}

function isHrTime(v: unknown): v is HrTime {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number';
}

/**
 * The server span of one request: an `@opentelemetry/api` `Span` that is also the
 * `ReadableSpan` the span processors and exporters receive. It behaves as the official
 * `SpanImpl` does for every method (attribute validation and limits, events, links, status
 * rules, exception events, ends once) and exports the same fields; what it leaves out is
 * per-span overhead: one clock reading per start and end instead of `Date.now()` plus
 * `performance.now()` and hrtime arithmetic, no per-span `Date.now()` offset, empty event and
 * link arrays shared until used, no tracer self-metrics (`init()`'s provider has no meter
 * provider for them, so they are no-ops there).
 */
export class ServerSpan implements Span, ReadableSpan {
  readonly kind = SpanKind.SERVER;
  attributes: Attributes = {};
  links: Link[] = NO_LINKS;
  events: TimedEvent[] = NO_EVENTS;
  status: SpanStatus = STATUS_UNSET;
  readonly startTime: HrTime;
  endTime: HrTime = ZERO_TIME;
  duration: HrTime = NOT_ENDED_DURATION;
  ended = false;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  private attributeCount = 0;
  private readonly pipeline: Pipeline;

  constructor(
    p: Pipeline,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    public name: string,
    private readonly startMs: number,
  ) {
    this.pipeline = p;
    this.resource = p.resource;
    this.instrumentationScope = p.scope;
    this.startTime = hrTimeOfPerformance(startMs);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (value == null || this.endedWarn()) return this;
    if (key.length === 0) {
      diag.warn(`Invalid attribute key: ${key}`);
      return this;
    }
    if (!isAttributeValue(value)) {
      diag.warn(`Invalid attribute value set for key: ${key}`);
      return this;
    }
    const isNewKey = !Object.prototype.hasOwnProperty.call(this.attributes, key);
    const limit = this.pipeline.limits.attributeCountLimit;
    if (isNewKey && limit !== undefined && this.attributeCount >= limit) {
      this.droppedAttributesCount++;
      return this;
    }
    this.attributes[key] = this.truncate(value);
    if (isNewKey) this.attributeCount++;
    return this;
  }

  /**
   * Sets attributes the SDK made itself (valid keys and values, no nulls). When the span has
   * no attributes yet, the default limits apply (no value length limit) and they fit the count
   * limit, the object becomes the span's attribute map as it is: what `setAttributes` would
   * build key by key. Otherwise it is `setAttributes`.
   * @internal
   */
  adoptAttributes(attributes: Attributes): void {
    if (this.attributeCount === 0 && !this.ended) {
      const { attributeCountLimit, attributeValueLengthLimit } = this.pipeline.limits;
      if (attributeValueLengthLimit === Infinity) {
        let count = 0;
        for (const key in attributes) if (Object.prototype.hasOwnProperty.call(attributes, key)) count++;
        if (attributeCountLimit === undefined || count <= attributeCountLimit) {
          this.attributes = attributes;
          this.attributeCount = count;
          return;
        }
      }
    }
    this.setAttributes(attributes);
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) this.setAttribute(key, attributes[key]);
    }
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    if (this.endedWarn()) return this;
    const { eventCountLimit, attributePerEventCountLimit } = this.pipeline.limits;
    if (eventCountLimit === 0) {
      diag.warn('No events allowed.');
      this.droppedEventsCount++;
      return this;
    }
    if (this.events === NO_EVENTS) this.events = [];
    if (eventCountLimit !== undefined && this.events.length >= eventCountLimit) {
      if (this.droppedEventsCount === 0) diag.debug('Dropping extra events.');
      this.events.shift();
      this.droppedEventsCount++;
    }
    if (isTimeInput(attributesOrStartTime)) {
      if (!isTimeInput(startTime)) startTime = attributesOrStartTime;
      attributesOrStartTime = undefined;
    }
    const { attributes, dropped } = this.limited(sanitizeAttributes(attributesOrStartTime), attributePerEventCountLimit);
    this.events.push({ name, attributes, time: this.timeOf(startTime), droppedAttributesCount: dropped });
    return this;
  }

  addLink(link: Link): this {
    if (this.endedWarn()) return this;
    const { linkCountLimit, attributePerLinkCountLimit } = this.pipeline.limits;
    if (linkCountLimit === 0) {
      this.droppedLinksCount++;
      return this;
    }
    if (this.links === NO_LINKS) this.links = [];
    if (linkCountLimit !== undefined && this.links.length >= linkCountLimit) {
      if (this.droppedLinksCount === 0) diag.debug('Dropping extra links.');
      this.links.shift();
      this.droppedLinksCount++;
    }
    const { attributes, dropped, count } = this.limited(sanitizeAttributes(link.attributes), attributePerLinkCountLimit);
    const processed: Link = { context: link.context };
    if (count > 0) processed.attributes = attributes;
    if (dropped > 0) processed.droppedAttributesCount = dropped;
    this.links.push(processed);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.endedWarn()) return this;
    if (status.code === SpanStatusCode.UNSET) return this;
    if (this.status.code === SpanStatusCode.OK) return this;
    const next: SpanStatus = { code: status.code };
    if (status.code === SpanStatusCode.ERROR) {
      if (typeof status.message === 'string') next.message = status.message;
      else if (status.message != null) diag.warn(`Dropping invalid status.message of type '${typeof status.message}', expected 'string'`);
    }
    this.status = next;
    return this;
  }

  updateName(name: string): this {
    if (this.endedWarn()) return this;
    this.name = name;
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) this.addEvent('exception', attributes, time);
    else diag.warn(`Failed to record an exception ${String(exception)}`);
  }

  end(endTime?: TimeInput): void {
    if (this.ended) {
      diag.error(`${this.name} ${this.context.traceId}-${this.context.spanId} - You can only call end() on a span once.`);
      return;
    }
    if (endTime === undefined) {
      this.endAt(performance.now());
      return;
    }
    this.endTime = this.timeOf(endTime);
    const d = durationOf(this.startTime, this.endTime);
    if (d < 0) {
      diag.warn('Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.', this.startTime, this.endTime);
      this.endTime = this.startTime.slice() as HrTime;
      this.duration = [0, 0];
    } else {
      this.duration = hrDuration(d);
    }
    this.finishEnd();
  }

  /** Ends the span at a `performance.now()` reading (the request observer's own). @internal */
  endAt(nowMs: number): void {
    if (this.ended) {
      this.end(); // reports the second end() as the official span does
      return;
    }
    const nanos = Math.max(0, Math.round((nowMs - this.startMs) * 1e6));
    const start = this.startTime;
    const total = start[1] + nanos;
    const carry = Math.floor(total / 1e9);
    this.endTime = [start[0] + carry, total - carry * 1e9];
    this.duration = hrDuration(nanos);
    this.finishEnd();
  }

  private finishEnd(): void {
    if (this.droppedEventsCount > 0) diag.warn(`Dropped ${this.droppedEventsCount} events because eventCountLimit reached`);
    if (this.droppedLinksCount > 0) diag.warn(`Dropped ${this.droppedLinksCount} links because linkCountLimit reached`);
    const processor = this.pipeline.processor;
    processor.onEnding?.(this);
    this.ended = true;
    processor.onEnd(this);
  }

  private endedWarn(): boolean {
    if (this.ended) {
      const error = new Error(`Operation attempted on ended Span {traceId: ${this.context.traceId}, spanId: ${this.context.spanId}}`);
      diag.warn(`Cannot execute the operation on ended Span {traceId: ${this.context.traceId}, spanId: ${this.context.spanId}}`, error);
    }
    return this.ended;
  }

  private timeOf(input: TimeInput | undefined): HrTime {
    const now = performance.now();
    if (input === undefined) return hrTimeOfPerformance(now);
    // A number no later than performance.now() is a performance timestamp (as in SpanImpl).
    if (typeof input === 'number') return input <= now ? hrTimeOfPerformance(input) : hrTimeOfMillis(input);
    if (input instanceof Date) return hrTimeOfMillis(input.getTime());
    if (isHrTime(input)) return input;
    return hrTimeOfPerformance(now);
  }

  private truncate(value: AttributeValue): AttributeValue {
    const limit = this.pipeline.limits.attributeValueLengthLimit ?? 0;
    if (limit <= 0) {
      diag.warn(`Attribute value limit must be positive, got ${limit}`);
      return value;
    }
    if (typeof value === 'string') return value.length <= limit ? value : value.substring(0, limit);
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' && v.length > limit ? v.substring(0, limit) : v)) as AttributeValue;
    return value;
  }

  private limited(sanitized: Attributes, perItemLimit: number | undefined): { attributes: Attributes; dropped: number; count: number } {
    const attributes: Attributes = {};
    let dropped = 0;
    let count = 0;
    for (const key in sanitized) {
      if (!Object.prototype.hasOwnProperty.call(sanitized, key)) continue;
      if (perItemLimit !== undefined && count >= perItemLimit) {
        dropped++;
        continue;
      }
      attributes[key] = this.truncate(sanitized[key]!);
      count++;
    }
    return { attributes, dropped, count };
  }
}

const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];
const STATUS_UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET }) as SpanStatus;
const ZERO_TIME: HrTime = [0, 0];
const NOT_ENDED_DURATION: HrTime = [-1, -1];

function durationOf(start: HrTime, end: HrTime): number {
  return (end[0] - start[0]) * 1e9 + (end[1] - start[1]);
}

function hrDuration(nanos: number): HrTime {
  const seconds = Math.floor(nanos / 1e9);
  return [seconds, nanos - seconds * 1e9];
}
