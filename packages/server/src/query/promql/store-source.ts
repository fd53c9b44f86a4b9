// SeriesSource over the Store: one selectSeries round trip per selector. The store filters by
// the matchers (regexes in SQL with RE2); the matchers are applied again here with the
// engine's own matcher so every source agrees with the in-memory one on edge cases.
import { SightlineError } from '../../errors.js';
import type { Store } from '../../storage/store.js';
import type { LabelMatcher } from './ast.js';
import type { SeriesSource } from './engine.js';
import { PromQLError } from './errors.js';
import { matchLabelValue } from './parser.js';

/** Samples one selector may read; the engine's own maxSamples guards evaluation on top. */
const DEFAULT_MAX_SAMPLES_PER_SELECT = 50_000_000;

export function createStoreSeriesSource(store: Store, maxSamplesPerSelect = DEFAULT_MAX_SAMPLES_PER_SELECT): SeriesSource {
  return {
    async select(tenant: string, matchers: LabelMatcher[], startMs: number, endMs: number) {
      let rows;
      try {
        rows = await store.selectSeries({ tenant, matchers, startMs, endMs, maxSamples: maxSamplesPerSelect });
      } catch (err) {
        if (err instanceof SightlineError && err.code === 'SL_ERR_TOO_MANY_SAMPLES') {
          throw new PromQLError('execution', 'query processing would load too many samples into memory in query execution');
        }
        throw err;
      }
      return rows
        .filter((r) => matchers.every((m) => matchLabelValue(m, r.labels[m.name] ?? '')))
        .map((r) => ({ labels: r.labels, timestampsMs: r.timestampsMs, values: r.values }));
    },
  };
}
