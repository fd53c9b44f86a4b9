import type { Attributes } from '@opentelemetry/api';
import { logger } from '../logger.js';
import { lazyInstruments } from './meter.js';

/** Default number of distinct label sets a metric may have before new ones are dropped. */
export const DEFAULT_MAX_CARDINALITY = 1000;

const dropCounter = lazyInstruments((meter) =>
  meter.createCounter('sightline.sdk.metric.cardinality.dropped', {
    description: 'Measurements dropped because their metric exceeded its label-set limit.',
    unit: '{measurement}',
  }),
);

/**
 * Caps the number of distinct attribute sets one metric records. Past the limit, measurements
 * with new attribute sets are dropped (existing sets keep working), every drop is counted in
 * `sightline.sdk.metric.cardinality.dropped{metric.name}`, and one warning is logged.
 *
 * Unbounded labels (user ids, raw URLs) are the usual way a metrics bill explodes; dropping is
 * safer than folding into an overflow series that silently skews every rate.
 */
export class CardinalityGuard {
  private readonly seen = new Set<string>();
  private warned = false;
  /** Measurements dropped so far. */
  dropped = 0;

  constructor(
    readonly metricName: string,
    readonly limit: number = DEFAULT_MAX_CARDINALITY,
  ) {}

  /** Returns true when a measurement with `attributes` may be recorded. */
  admit(attributes: Attributes | undefined): boolean {
    const key = attributesKey(attributes);
    if (this.seen.has(key)) return true;
    if (this.seen.size < this.limit) {
      this.seen.add(key);
      return true;
    }
    this.dropped++;
    dropCounter().add(1, { 'metric.name': this.metricName });
    if (!this.warned) {
      this.warned = true;
      logger.warn('metric label cardinality limit reached; new label sets are dropped', {
        metric: this.metricName,
        limit: this.limit,
        logKey: 'sightline.cardinality',
      });
    }
    return false;
  }

  /** Number of distinct label sets admitted. */
  get size(): number {
    return this.seen.size;
  }
}

/** A stable key for an attribute set (order of keys does not matter). */
export function attributesKey(attributes: Attributes | undefined): string {
  if (!attributes) return '';
  const keys = Object.keys(attributes);
  if (keys.length === 0) return '';
  if (keys.length > 1) keys.sort();
  let out = '';
  for (const k of keys) out += `${k}\u0000${String(attributes[k])}\u0001`;
  return out;
}
