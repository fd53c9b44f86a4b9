import { describe, expect, it } from 'vitest';
import { createPromEngine, MemorySeriesSource, staleNaN } from '../../../src/query/promql/index.js';

// The engine folds `agg by (...) (range_fn(x[r]))` straight from the range function's points
// into the groups (no series per input), aggregates other inputs one group at a time, and walks
// range windows with moving indices. `* 1` keeps every value bit for bit but takes the general
// path (a binary operator between the aggregation and the range call), so both spellings must
// give identical answers, including NaN, ±Inf, -0, counter resets, gaps and stale markers.
// stddev/stdvar are left out: their fold depends on input order, which the binary operator
// changes (the old build was compared with the new one on those in bench-style A/B runs).

const S = 1000;

function source(): MemorySeriesSource {
  const s = new MemorySeriesSource();
  let seed = 7;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 24; i++) {
    const points: Array<[number, number]> = [];
    let v = rnd() * 100;
    // Irregular scrapes with gaps; series start and end at different times.
    for (let t = (i % 5) * 20 * S; t < 1800 * S - (i % 3) * 200 * S; t += (10 + Math.floor(rnd() * 25)) * S) {
      if (rnd() < 0.05) continue;
      v += rnd() * 10;
      if (rnd() < 0.03) v = rnd() * 5; // counter reset
      let x = v;
      const r = rnd();
      if (i === 3 && r < 0.1) x = NaN;
      else if (i === 4 && r < 0.05) x = Infinity;
      else if (i === 5 && r < 0.05) x = -Infinity;
      else if (i === 6 && r < 0.1) x = -0;
      else if (i === 7 && r < 0.1) x = staleNaN();
      else if (i === 8) x = v * 1e300; // overflows sums: avg switches to its incremental mean
      points.push([t, x]);
    }
    s.add({ __name__: 'm', job: `j${i % 3}`, instance: `i${i}`, zone: i % 2 ? 'a' : 'b' }, points);
  }
  return s;
}

const engine = createPromEngine(source());

const AGGS = ['sum', 'avg', 'min', 'max', 'count', 'group'];
const FNS = [
  'rate', 'increase', 'delta', 'irate', 'idelta', 'deriv', 'changes', 'resets', 'avg_over_time', 'sum_over_time',
  'count_over_time', 'min_over_time', 'max_over_time', 'last_over_time', 'present_over_time', 'stddev_over_time',
  'stdvar_over_time', 'mad_over_time',
];
// Not by (__name__): `* 1` drops the name that last_over_time keeps.
const GROUPINGS = ['by (job)', 'without (instance)', 'by (job, zone)', ''];

function body(r: unknown): string {
  return JSON.stringify({ ...(r as object), stats: undefined }, (_k, v) => (typeof v === 'number' && Object.is(v, -0) ? '-0' : v));
}

describe('fused and group-at-a-time aggregation', () => {
  for (const agg of AGGS) {
    it(`${agg} over every range function, every grouping: same as the general path`, async () => {
      for (const fn of FNS) {
        for (const g of GROUPINGS) {
          for (const sel of ['m[2m]', 'm[5m] offset 1m', 'm[3m] @ 900']) {
            const fast = `${agg} ${g} (${fn}(${sel}))`;
            const slow = `${agg} ${g} (${fn}(${sel}) * 1)`;
            const a = await engine.range('default', fast, 0, 1800 * S, 37 * S);
            const b = await engine.range('default', slow, 0, 1800 * S, 37 * S);
            expect(body(a), fast).toBe(body(b));
            const ia = await engine.instant('default', fast, 1000 * S);
            const ib = await engine.instant('default', slow, 1000 * S);
            expect(body(ia), fast).toBe(body(ib));
          }
        }
      }
    });
  }

  it('aggregations of instant selectors (group at a time) agree with the general path', async () => {
    for (const agg of AGGS) {
      for (const g of GROUPINGS) {
        const a = await engine.range('default', `${agg} ${g} (m)`, 0, 1800 * S, 23 * S);
        const b = await engine.range('default', `${agg} ${g} (m * 1)`, 0, 1800 * S, 23 * S);
        expect(body(a), `${agg} ${g}`).toBe(body(b));
      }
    }
  });

  it('duplicate output label sets of a fused range call are still an error', async () => {
    const s = new MemorySeriesSource();
    s.add({ __name__: 'a', x: '1' }, [[0, 1], [60 * S, 2]]);
    s.add({ __name__: 'b', x: '1' }, [[0, 1], [60 * S, 2]]);
    const e = createPromEngine(s);
    await expect(e.range('default', 'sum by (x) (rate({x="1"}[5m]))', 60 * S, 120 * S, 60 * S)).rejects.toThrow(/same labelset/);
  });
});
