// What the engine tells a SeriesSource about each selector (step, range, lookback, aggregate),
// and how it evaluates points a source returns as rollup aggregates.
import { describe, expect, it } from 'vitest';
import { createPromEngine, type SelectHint, type SeriesSource } from '../../../src/query/promql/index.js';

const H = 3_600_000;

function recording(answer?: (hint?: SelectHint) => Awaited<ReturnType<SeriesSource['select']>>) {
  const hints: Array<SelectHint | undefined> = [];
  const source: SeriesSource = {
    async select(_tenant, _matchers, _start, _end, hint) {
      hints.push(hint);
      return answer ? answer(hint) : [];
    },
  };
  return { source, hints };
}

describe('selector hints', () => {
  it.each<[string, boolean, Partial<SelectHint>]>([
    ['x', true, { stepMs: undefined, lookbackMs: 300_000, aggregate: 'last', minPoints: 1 }],
    ['x', false, { stepMs: H, lookbackMs: 300_000, aggregate: 'last', minPoints: 1 }],
    ['rate(x[2h])', false, { stepMs: H, rangeMs: 2 * H, aggregate: 'last', minPoints: 2 }],
    ['sum by (a) (max_over_time(x[1h]))', false, { stepMs: H, rangeMs: H, aggregate: 'max', minPoints: 1 }],
    ['avg_over_time(x[1h]) > 3', false, { stepMs: H, rangeMs: H, aggregate: 'avg' }],
    ['count_over_time(x[1h])', false, { aggregate: 'count' }],
    ['quantile_over_time(0.9, x[1h])', false, { stepMs: H, rangeMs: H, aggregate: 'raw' }],
    ['max_over_time(rate(x[10m])[1d:5m])', false, { stepMs: 5 * 60_000, rangeMs: 10 * 60_000, aggregate: 'last', minPoints: 2 }],
    ['last_over_time(x[1h])', true, { stepMs: undefined, rangeMs: H, aggregate: 'last', minPoints: 1 }],
  ])('%s (instant: %s)', async (q, instant, want) => {
    const { source, hints } = recording();
    const engine = createPromEngine(source);
    if (instant) await engine.instant('t', q, 10 * H);
    else await engine.range('t', q, 10 * H, 20 * H, H);
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatchObject(want);
    if ('stepMs' in want && want.stepMs === undefined) expect(hints[0]!.stepMs).toBeUndefined();
  });

  it('asks for raw samples only with tier: raw', async () => {
    const { source, hints } = recording();
    await createPromEngine(source, { tier: 'raw' }).range('t', 'max_over_time(x[1h])', 10 * H, 20 * H, H);
    expect(hints[0]).toMatchObject({ aggregate: 'max', forceRaw: true });
  });
});

describe('rollup points in evaluation', () => {
  // Two hourly buckets: sums 10 and 30 over counts 4 and 2, points at each bucket's last sample.
  const bucketPoints = (hint?: SelectHint) => ({
    series: [{ labels: { __name__: 'x' }, timestampsMs: [H - 5_000, 2 * H - 5_000], values: hint?.aggregate === 'count' ? [4, 2] : [10, 30], counts: [4, 2] }],
    tiers: ['1h'],
    aggregated: true,
  });

  it('adds up counts for count_over_time and divides sums by counts for avg_over_time', async () => {
    const engine = createPromEngine(recording(bucketPoints).source);
    const count = await engine.instant('t', 'count_over_time(x[2h])', 2 * H);
    expect(count.result).toEqual([{ metric: {}, value: [7200, '6'] }]);
    expect(count.stats!.tiers).toEqual(['1h']);
    const avg = await engine.instant('t', 'avg_over_time(x[2h])', 2 * H);
    expect(avg.result).toEqual([{ metric: {}, value: [7200, String(40 / 6)] }]);
    const sum = await engine.instant('t', 'sum_over_time(x[2h])', 2 * H);
    expect(sum.result).toEqual([{ metric: {}, value: [7200, '40'] }]);
  });

  it('reports raw for sources that return plain arrays', async () => {
    const engine = createPromEngine(recording(() => [{ labels: { __name__: 'x' }, timestampsMs: [H], values: [1] }]).source);
    expect((await engine.instant('t', 'x', H)).stats!.tiers).toEqual(['raw']);
  });
});
