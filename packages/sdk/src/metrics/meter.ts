import { metrics, type Meter, type MeterProvider } from '@opentelemetry/api';
import { SDK_SCOPE, SDK_VERSION } from '../tracing.js';

/** The SDK's meter from the current global MeterProvider. */
export function getMeter(): Meter {
  return metrics.getMeter(SDK_SCOPE, SDK_VERSION);
}

/**
 * Creates instruments on first use and again whenever the global MeterProvider changes.
 *
 * `@opentelemetry/api` 1.9 has no proxy MeterProvider: an instrument created before `init()`
 * stays a no-op forever. Keying the cache on the provider keeps module-level helpers correct
 * whatever the order of imports and `init()`.
 */
export function lazyInstruments<T>(factory: (meter: Meter) => T): () => T {
  let provider: MeterProvider | undefined;
  let cached: T | undefined;
  return () => {
    const current = metrics.getMeterProvider();
    if (cached === undefined || current !== provider) {
      provider = current;
      cached = factory(current.getMeter(SDK_SCOPE, SDK_VERSION));
    }
    return cached;
  };
}
