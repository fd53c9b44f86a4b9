import type { Attributes } from '@opentelemetry/api';
import { CardinalityGuard, DEFAULT_MAX_CARDINALITY } from './cardinality-guard.js';
import { lazyInstruments } from './meter.js';

/** Options shared by business instruments. */
export interface InstrumentOptions {
  description?: string;
  /** UCUM unit, e.g. `s`, `By`, `{order}`, `USD`. */
  unit?: string;
  /** Maximum distinct label sets before new ones are dropped (default 1000). */
  maxCardinality?: number;
}

/** Options of {@link histogram}. */
export interface HistogramOptions extends InstrumentOptions {
  /** Explicit bucket boundaries (advice to the SDK). */
  buckets?: number[];
}

/** A counter protected by a cardinality guard. */
export interface GuardedCounter {
  add(value: number, attributes?: Attributes): void;
  readonly guard: CardinalityGuard;
}
/** A histogram protected by a cardinality guard. */
export interface GuardedHistogram {
  record(value: number, attributes?: Attributes): void;
  readonly guard: CardinalityGuard;
}
/** A gauge (last value wins) protected by a cardinality guard. */
export interface GuardedGauge {
  set(value: number, attributes?: Attributes): void;
  readonly guard: CardinalityGuard;
}

/**
 * A business counter (orders placed, payments captured) with a cardinality cap.
 *
 * @example
 * ```ts
 * const ordersPlaced = counter('shop.orders.placed', { unit: '{order}' });
 * ordersPlaced.add(1, { 'payment.method': 'card' });
 * ```
 */
export function counter(name: string, options: InstrumentOptions = {}): GuardedCounter {
  const guard = new CardinalityGuard(name, options.maxCardinality ?? DEFAULT_MAX_CARDINALITY);
  const get = lazyInstruments((m) => m.createCounter(name, { description: options.description, unit: options.unit }));
  return {
    guard,
    add(value, attributes) {
      if (guard.admit(attributes)) get().add(value, attributes);
    },
  };
}

/** An up-down counter (queue depth, items in cart) with a cardinality cap. */
export function upDownCounter(name: string, options: InstrumentOptions = {}): GuardedCounter {
  const guard = new CardinalityGuard(name, options.maxCardinality ?? DEFAULT_MAX_CARDINALITY);
  const get = lazyInstruments((m) => m.createUpDownCounter(name, { description: options.description, unit: options.unit }));
  return {
    guard,
    add(value, attributes) {
      if (guard.admit(attributes)) get().add(value, attributes);
    },
  };
}

/**
 * A business histogram (order value, basket size) with a cardinality cap.
 *
 * @example
 * ```ts
 * const orderValue = histogram('shop.order.value', { unit: 'USD', buckets: [5, 10, 25, 50, 100, 250] });
 * orderValue.record(42.5, { currency: 'USD' });
 * ```
 */
export function histogram(name: string, options: HistogramOptions = {}): GuardedHistogram {
  const guard = new CardinalityGuard(name, options.maxCardinality ?? DEFAULT_MAX_CARDINALITY);
  const get = lazyInstruments((m) =>
    m.createHistogram(name, {
      description: options.description,
      unit: options.unit,
      advice: options.buckets ? { explicitBucketBoundaries: options.buckets } : undefined,
    }),
  );
  return {
    guard,
    record(value, attributes) {
      if (guard.admit(attributes)) get().record(value, attributes);
    },
  };
}

/** A synchronous gauge with a cardinality cap. */
export function gauge(name: string, options: InstrumentOptions = {}): GuardedGauge {
  const guard = new CardinalityGuard(name, options.maxCardinality ?? DEFAULT_MAX_CARDINALITY);
  const get = lazyInstruments((m) => m.createGauge(name, { description: options.description, unit: options.unit }));
  return {
    guard,
    set(value, attributes) {
      if (guard.admit(attributes)) get().record(value, attributes);
    },
  };
}
