import { describe, expect, it } from 'vitest';
import { DeltaToCumulative } from '../../../src/pipeline/delta-to-cumulative.js';

describe('DeltaToCumulative: sums', () => {
  // [start, time, delta] -> expected cumulative value (null = dropped) and accumulation start.
  const steps: { name: string; points: [number, number, number][]; expected: ([number, number] | null)[] }[] = [
    { name: 'contiguous points accumulate', points: [[0, 10, 1], [10, 20, 2], [20, 30, 3]].map(([s, t, v]) => [s + 1, t + 1, v]), expected: [[1, 1], [3, 1], [6, 1]] },
    { name: 'unknown start (0) continues', points: [[5, 10, 1], [0, 20, 2]], expected: [[1, 5], [3, 5]] },
    { name: 'a gap restarts the series from that point', points: [[5, 10, 1], [15, 20, 2], [20, 30, 4]], expected: [[1, 5], [2, 15], [6, 15]] },
    { name: 'an overlap (restarted producer) restarts too', points: [[5, 10, 1], [7, 12, 9]], expected: [[1, 5], [9, 7]] },
    { name: 'a point not newer than the last is dropped', points: [[5, 10, 1], [5, 10, 1], [3, 8, 1], [10, 20, 1]], expected: [[1, 5], null, null, [2, 5]] },
  ];
  for (const c of steps) {
    it(c.name, () => {
      const d = new DeltaToCumulative();
      const got = c.points.map(([s, t, v]) => {
        const st = d.sum('t', 1, s, t, v);
        return st === null ? null : [st.value, st.startNs];
      });
      expect(got).toEqual(c.expected);
    });
  }

  it('state is per tenant and per fingerprint', () => {
    const d = new DeltaToCumulative();
    d.sum('a', 1, 1, 2, 10);
    expect(d.sum('b', 1, 2, 3, 1)?.value).toBe(1);
    expect(d.sum('a', 2, 2, 3, 1)?.value).toBe(1);
    expect(d.sum('a', 1, 2, 3, 1)?.value).toBe(11);
  });

  it('evicts the least recently updated series past maxSeries', () => {
    const d = new DeltaToCumulative({ maxSeries: 2 });
    d.sum('t', 1, 1, 2, 1);
    d.sum('t', 2, 1, 2, 1);
    d.sum('t', 1, 2, 3, 1); // touches series 1
    d.sum('t', 3, 1, 2, 1); // evicts series 2
    expect(d.size).toBe(2);
    expect(d.sum('t', 1, 3, 4, 1)?.value).toBe(3);
    expect(d.sum('t', 2, 2, 3, 5)?.value).toBe(5); // forgotten: restarts
  });

  it('rejects a nonsensical limit', () => {
    expect(() => new DeltaToCumulative({ maxSeries: 0 })).toThrow(RangeError);
  });
});

describe('DeltaToCumulative: histograms', () => {
  it('adds bucket counts, count and sum; a bucket layout change restarts', () => {
    const d = new DeltaToCumulative();
    d.histogram('t', 1, 1, 2, [1, 2], [1, 1, 1], 3, 1.5);
    const st = d.histogram('t', 1, 2, 3, [1, 2], [2, 0, 1], 3, 2);
    expect(st).toMatchObject({ counts: [3, 1, 2], count: 6, sum: 3.5, startNs: 1 });
    const changed = d.histogram('t', 1, 3, 4, [1, 5], [1, 0, 0], 1, 1);
    expect(changed).toMatchObject({ bounds: [1, 5], counts: [1, 0, 0], count: 1, sum: 1, startNs: 3 });
    expect(d.histogram('t', 1, 3, 4, [1, 5], [1, 0, 0], 1, 1)).toBeNull();
  });

  it('exponential histograms merge at the coarser scale', () => {
    const d = new DeltaToCumulative();
    d.expHistogram('t', 1, 1, 2, { count: 3, sum: 6, min: 1, max: 4, scale: 1, zeroCount: 0, zeroThreshold: 0, positive: { offset: 2, counts: [1, 2] }, negative: { offset: 0, counts: [] } });
    const st = d.expHistogram('t', 1, 2, 3, { count: 2, sum: 1, min: 0.5, max: 0.6, scale: 0, zeroCount: 1, zeroThreshold: 0, positive: { offset: 0, counts: [1] }, negative: { offset: -1, counts: [4] } });
    // Scale 1 indices 2,3 map to scale 0 index 1 (2>>1 = 1, 3>>1 = 1).
    expect(st).toMatchObject({ scale: 0, count: 5, sum: 7, min: 0.5, max: 4, zeroCount: 1, positive: { offset: 0, counts: [1, 3] }, negative: { offset: -1, counts: [4] } });
  });

  it('exponential histograms too wide to merge are downscaled until they fit', () => {
    const d = new DeltaToCumulative();
    d.expHistogram('t', 1, 1, 2, { count: 1, sum: 1, min: null, max: null, scale: 4, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, counts: [1] }, negative: { offset: 0, counts: [] } });
    const st = d.expHistogram('t', 1, 2, 3, { count: 1, sum: 1, min: null, max: null, scale: 4, zeroCount: 0, zeroThreshold: 0, positive: { offset: 1000, counts: [1] }, negative: { offset: 0, counts: [] } });
    expect(st!.positive.counts.length).toBeLessThanOrEqual(160);
    expect(st!.positive.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(st!.scale).toBeLessThan(4);
  });
});
