// SeriesSource over the Store: one selectSeries round trip per selector. The store filters by
// the matchers (regexes in SQL with RE2); the matchers are applied again here with the
// engine's own matcher so every source agrees with the in-memory one on edge cases.
//
// With a hint from the engine, a selector may read a rollup tier (tier-choice.ts): the tier up
// to its watermark, raw samples after it, stitched per series. Raw samples in the stitched part
// are shaped like one-sample buckets (count 1, sum = min = max = last = the value).
import { SightlineError } from '../../errors.js';
import type { RollupAggregate, Store } from '../../storage/store.js';
import type { LabelMatcher } from './ast.js';
import type { SelectedSeries, SelectHint, SeriesSource } from './engine.js';
import { PromQLError } from './errors.js';
import { isStaleNaN } from './float-math.js';
import { labelsKey } from './labels.js';
import { matchLabelValue } from './parser.js';
import { chooseTier } from './tier-choice.js';

/** Samples one selector may read; the engine's own maxSamples guards evaluation on top. */
const DEFAULT_MAX_SAMPLES_PER_SELECT = 50_000_000;

function tooMany(err: unknown): never {
  if (err instanceof SightlineError && err.code === 'SL_ERR_TOO_MANY_SAMPLES') {
    throw new PromQLError('execution', 'query processing would load too many samples into memory in query execution');
  }
  throw err;
}

export function createStoreSeriesSource(store: Store, maxSamplesPerSelect = DEFAULT_MAX_SAMPLES_PER_SELECT): SeriesSource {
  const matches = (matchers: LabelMatcher[]) => (r: { labels: Record<string, string> }) => matchers.every((m) => matchLabelValue(m, r.labels[m.name] ?? ''));
  const raw = async (tenant: string, matchers: LabelMatcher[], startMs: number, endMs: number): Promise<SelectedSeries[]> => {
    const rows = await store.selectSeries({ tenant, matchers, startMs, endMs, maxSamples: maxSamplesPerSelect }).catch(tooMany);
    return rows.filter(matches(matchers)).map((r) => ({ labels: r.labels, timestampsMs: r.timestampsMs, values: r.values }));
  };
  return {
    async select(tenant: string, matchers: LabelMatcher[], startMs: number, endMs: number, hint?: SelectHint) {
      const tier = hint && !hint.forceRaw ? chooseTier(await store.rollupStatus(), startMs, hint) : undefined;
      if (!hint || !tier) return raw(tenant, matchers, startMs, endMs);
      const aggregate: RollupAggregate = hint.aggregate === 'raw' ? 'last' : hint.aggregate;
      const tierEnd = Math.min(endMs, tier.builtUntilMs - 1);
      const rolled = await store
        .selectRollup({ tenant, matchers, startMs, endMs: tierEnd, maxSamples: maxSamplesPerSelect, tier: tier.name as '1m' | '5m' | '1h', aggregate })
        .catch(tooMany);
      const tiers = [tier.name];
      let tail: SelectedSeries[] = [];
      if (endMs >= tier.builtUntilMs) {
        tiers.push('raw');
        tail = await raw(tenant, matchers, tier.builtUntilMs, endMs);
      }
      const series = stitch(rolled.filter(matches(matchers)), tail, aggregate);
      return { series, tiers, aggregated: hint.aggregate !== 'raw' };
    },
  };
}

/** Tier points followed by raw samples (all later), per series. */
function stitch(rolled: SelectedSeries[], tail: SelectedSeries[], aggregate: RollupAggregate): SelectedSeries[] {
  if (tail.length === 0) return rolled;
  const byKey = new Map<string, { head?: SelectedSeries; tail?: SelectedSeries }>();
  for (const s of rolled) byKey.set(labelsKey(s.labels), { head: s });
  for (const s of tail) {
    const k = labelsKey(s.labels);
    const e = byKey.get(k);
    if (e) e.tail = s;
    else byKey.set(k, { tail: s });
  }
  const out: SelectedSeries[] = [];
  for (const { head, tail: t } of byKey.values()) {
    const n0 = head?.timestampsMs.length ?? 0;
    const n = n0 + (t?.timestampsMs.length ?? 0);
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    const cs = aggregate === 'avg' ? new Float64Array(n) : undefined;
    if (head) {
      ts.set(head.timestampsMs);
      vs.set(head.values);
      if (cs && head.counts) cs.set(head.counts);
    }
    if (t) {
      ts.set(t.timestampsMs, n0);
      vs.set(t.values, n0);
      for (let i = n0; i < n; i++) {
        const stale = isStaleNaN(vs[i]!);
        if (aggregate === 'count' && !stale) vs[i] = 1;
        if (cs) cs[i] = stale ? 0 : 1;
      }
    }
    const s: SelectedSeries = { labels: (head ?? t)!.labels, timestampsMs: ts, values: vs };
    if (cs) s.counts = cs;
    out.push(s);
  }
  return out;
}
