// Bucket arithmetic and the rollup accumulator: closed buckets, staleness markers, NaN
// semantics, duplicates, and merging finer rows giving what raw samples give.
import { describe, expect, it } from 'vitest';
import { RollupAccumulator, TIERS, bucketStart, closedUntil, isStaleMarker, partitionOfDay, rowIsStale } from '../../src/storage/rollup-tiers.js';

const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
const M = 60_000;

describe('bucket math', () => {
  it.each([
    [0, M, 0],
    [59_999, M, 0],
    [60_000, M, 60_000],
    [-1, M, -60_000],
    [Date.UTC(2026, 10, 23, 13, 37, 12), 3_600_000, Date.UTC(2026, 10, 23, 13)],
    [Date.UTC(2026, 10, 23, 13, 37, 12), 300_000, Date.UTC(2026, 10, 23, 13, 35)],
  ])('bucketStart(%d, %d) = %d', (t, r, want) => {
    expect(bucketStart(t, r)).toBe(want);
  });

  it('closes a bucket only once its end plus the grace has passed', () => {
    const h = Date.UTC(2026, 10, 23, 13);
    // At 13:04:59 with a 5m grace, the 12:59 bucket is not closed yet; at 13:05 it is.
    expect(closedUntil(h + 4 * M + 59_999, M, 5 * M)).toBe(h - M);
    expect(closedUntil(h + 5 * M, M, 5 * M)).toBe(h);
    expect(closedUntil(h + 5 * M, 3_600_000, 5 * M)).toBe(h);
    expect(closedUntil(h + 4 * M, 3_600_000, 5 * M)).toBe(h - 3_600_000);
  });

  it('has tiers that nest and partitions that are whole days', () => {
    for (let i = 1; i < TIERS.length; i++) {
      expect(TIERS[i]!.resolutionMs % TIERS[i - 1]!.resolutionMs).toBe(0);
      expect(TIERS[i]!.source).toBe(TIERS[i - 1]!.name);
    }
    for (const t of TIERS) expect(t.stepMs % t.resolutionMs).toBe(0);
    expect(partitionOfDay(20_415, 7)).toBe(20_412);
    expect(partitionOfDay(20_415, 1)).toBe(20_415);
  });

  it('recognises the staleness marker, quiet bit or not, and nothing else', () => {
    expect(isStaleMarker(STALE)).toBe(true);
    expect(isStaleMarker(new Float64Array(new BigUint64Array([0x7ff8000000000002n]).buffer)[0]!)).toBe(true);
    expect(isStaleMarker(NaN)).toBe(false);
    expect(isStaleMarker(0)).toBe(false);
  });
});

describe('RollupAccumulator', () => {
  it('aggregates raw samples per series and bucket', () => {
    const acc = new RollupAccumulator(M);
    acc.addSample(1, 1_000, 5);
    acc.addSample(1, 1_000, 5); // a retried write's duplicate
    acc.addSample(1, 20_000, -2);
    acc.addSample(1, 59_000, 3);
    acc.addSample(1, 61_000, 10);
    acc.addSample(2, 30_000, 7);
    acc.flush();
    expect(acc.out).toEqual({
      fingerprint: [1, 1, 2], bucketMs: [0, 60_000, 0], count: [3, 1, 1], sum: [6, 10, 7], min: [-2, 10, 7], max: [5, 10, 7],
      last: [3, 10, 7], lastMs: [59_000, 61_000, 30_000], staleMs: [59_000, 61_000, 30_000],
    });
  });

  it('keeps staleness markers out of the aggregates and records them after the last sample', () => {
    const acc = new RollupAccumulator(M);
    acc.addSample(1, 1_000, 4);
    acc.addSample(1, 2_000, STALE);
    acc.addSample(1, 61_000, STALE); // a bucket with only a marker
    acc.addSample(1, 121_000, STALE);
    acc.addSample(1, 122_000, 8); // back again: not stale at the end of its bucket
    acc.flush();
    expect(acc.out.count).toEqual([1, 0, 1]);
    expect(acc.out.sum).toEqual([4, NaN, 8]);
    expect(acc.out.last).toEqual([4, NaN, 8]);
    const stale = acc.out.count.map((c, i) => rowIsStale(c, acc.out.lastMs[i]!, acc.out.staleMs[i]!));
    expect(stale).toEqual([true, true, false]);
    expect(acc.out.staleMs.slice(0, 2)).toEqual([2_000, 61_000]);
  });

  it('gives NaN values Prometheus *_over_time semantics', () => {
    const acc = new RollupAccumulator(M);
    acc.addSample(1, 1_000, NaN);
    acc.addSample(1, 2_000, 3);
    acc.addSample(1, 3_000, 1);
    acc.addSample(2, 1_000, NaN);
    acc.flush();
    expect(acc.out.count).toEqual([3, 1]);
    expect(acc.out.sum).toEqual([NaN, NaN]);
    expect(acc.out.min).toEqual([1, NaN]);
    expect(acc.out.max).toEqual([3, NaN]);
    expect(acc.out.last).toEqual([1, NaN]);
  });

  it('merges finer rows into what the raw samples give directly', () => {
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const samples: Array<[number, number, number]> = [];
    for (const fp of [11, 12]) {
      for (let t = 500; t < 3 * 3_600_000; t += 15_000) {
        const r = rnd();
        samples.push([fp, t, r < 0.02 ? STALE : r < 0.03 ? NaN : Math.round(r * 1000) / 4]);
      }
    }
    const direct = new RollupAccumulator(3_600_000);
    const fine = new RollupAccumulator(M);
    for (const [fp, t, v] of samples) {
      direct.addSample(fp, t, v);
      fine.addSample(fp, t, v);
    }
    direct.flush();
    fine.flush();
    const mid = new RollupAccumulator(5 * M);
    const f = fine.out;
    for (let i = 0; i < f.fingerprint.length; i++) mid.addRow(f.fingerprint[i]!, f.bucketMs[i]!, f.count[i]!, f.sum[i]!, f.min[i]!, f.max[i]!, f.last[i]!, f.lastMs[i]!, f.staleMs[i]!);
    mid.flush();
    const coarse = new RollupAccumulator(3_600_000);
    const m = mid.out;
    for (let i = 0; i < m.fingerprint.length; i++) coarse.addRow(m.fingerprint[i]!, m.bucketMs[i]!, m.count[i]!, m.sum[i]!, m.min[i]!, m.max[i]!, m.last[i]!, m.lastMs[i]!, m.staleMs[i]!);
    coarse.flush();
    expect(coarse.out).toEqual(direct.out);
    expect(direct.out.fingerprint).toEqual([11, 11, 11, 12, 12, 12]);
  });
});
