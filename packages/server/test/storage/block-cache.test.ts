// The LRU of decoded sealed blocks (storage/duckdb/block-cache.ts): hits only for the same
// block (end and count too), eviction by bytes in least-recently-used order, invalidation of a
// day and of re-sealed blocks, and a size of 0 keeping nothing.
import { describe, expect, it } from 'vitest';
import { SampleBlockCache } from '../../src/storage/duckdb/block-cache.js';

const H = 3_600_000;

function block(n: number, start = 0): [Float64Array, Float64Array] {
  return [Float64Array.from({ length: n }, (_, i) => start + i * 60_000), Float64Array.from({ length: n }, (_, i) => i * 1.5)];
}

/** Bytes the cache charges for a block of n samples (two Float64Arrays plus its overhead). */
function cost(cache: SampleBlockCache, n: number): number {
  const probe = new SampleBlockCache(1e9);
  probe.put(0, 't', 1, 0, 0, n, ...block(n));
  void cache;
  return probe.stats().bytes;
}

describe('SampleBlockCache', () => {
  it('returns a block only for the same day, tenant, series, start, end and count', () => {
    const c = new SampleBlockCache(1e6);
    const [ts, vs] = block(60, 5 * H);
    c.put(20000, 'default', 42, 5 * H, 5 * H + 59 * 60_000, 60, ts, vs);
    const hit = c.get(20000, 'default', 42, 5 * H, 5 * H + 59 * 60_000, 60);
    expect(hit?.timestampsMs).toBe(ts);
    expect(hit?.values).toBe(vs);
    expect(c.get(20001, 'default', 42, 5 * H, 5 * H + 59 * 60_000, 60)).toBeUndefined();
    expect(c.get(20000, 'acme', 42, 5 * H, 5 * H + 59 * 60_000, 60)).toBeUndefined();
    expect(c.get(20000, 'default', 43, 5 * H, 5 * H + 59 * 60_000, 60)).toBeUndefined();
    expect(c.stats()).toMatchObject({ hits: 1, misses: 3, entries: 1 });
    expect(c.hasSeries(20000, 'default', 42)).toBe(true);
    expect(c.hasSeries(20000, 'default', 43)).toBe(false);
    expect(c.hasSeries(20001, 'default', 42)).toBe(false);
    expect(c.stats()).toMatchObject({ hits: 1, misses: 3 });
    // The block was re-sealed with a late sample: more samples, so the cached one is stale.
    expect(c.get(20000, 'default', 42, 5 * H, 5 * H + 59 * 60_000, 61)).toBeUndefined();
    expect(c.stats()).toMatchObject({ hits: 1, misses: 4, entries: 0, bytes: 0, invalidations: 1 });
  });

  it('evicts the least recently used blocks to stay within its bytes', () => {
    const one = cost(new SampleBlockCache(1), 60);
    const c = new SampleBlockCache(3 * one);
    for (let fp = 1; fp <= 3; fp++) c.put(1, 't', fp, 0, 1, 60, ...block(60));
    expect(c.stats()).toMatchObject({ entries: 3, bytes: 3 * one, evictions: 0 });
    // Touch 1, so 2 is now the least recently used.
    expect(c.get(1, 't', 1, 0, 1, 60)).toBeDefined();
    c.put(1, 't', 4, 0, 1, 60, ...block(60));
    expect(c.stats()).toMatchObject({ entries: 3, bytes: 3 * one, evictions: 1 });
    expect(c.get(1, 't', 2, 0, 1, 60)).toBeUndefined();
    for (const fp of [1, 3, 4]) expect(c.get(1, 't', fp, 0, 1, 60)).toBeDefined();
    // A bigger block pushes out as many as it needs.
    c.put(1, 't', 5, 0, 1, 150, ...block(150));
    expect(c.stats().bytes).toBeLessThanOrEqual(3 * one);
    expect(c.get(1, 't', 5, 0, 1, 150)).toBeDefined();
    expect(c.get(1, 't', 1, 0, 1, 60)).toBeUndefined();
    // A block larger than the whole cache is not kept (and evicts nothing).
    const before = c.stats();
    c.put(1, 't', 6, 0, 1, 1000, ...block(1000));
    expect(c.get(1, 't', 6, 0, 1, 1000)).toBeUndefined();
    expect(c.stats().entries).toBe(before.entries);
  });

  it('replaces a block put again under the same key without counting it twice', () => {
    const c = new SampleBlockCache(1e6);
    c.put(1, 't', 1, 0, 10, 60, ...block(60));
    c.put(1, 't', 1, 0, 20, 61, ...block(61));
    expect(c.stats()).toMatchObject({ entries: 1, bytes: cost(c, 61) });
    expect(c.get(1, 't', 1, 0, 20, 61)).toBeDefined();
  });

  it('forgets a whole day, or one tenant\'s blocks of a re-sealed hour', () => {
    const c = new SampleBlockCache(1e7);
    for (const day of [1, 2]) for (const tenant of ['a', 'b']) for (let h = 0; h < 3; h++) c.put(day, tenant, 7, h * H, h * H + 1, 60, ...block(60, h * H));
    expect(c.stats().entries).toBe(12);
    c.invalidateBlocks(1, 'a', H, 2 * H);
    expect(c.get(1, 'a', 7, H, H + 1, 60)).toBeUndefined();
    expect(c.get(1, 'a', 7, 0, 1, 60)).toBeDefined();
    expect(c.get(1, 'a', 7, 2 * H, 2 * H + 1, 60)).toBeDefined();
    expect(c.get(1, 'b', 7, H, H + 1, 60)).toBeDefined();
    expect(c.get(2, 'a', 7, H, H + 1, 60)).toBeDefined();
    c.invalidateDay(1);
    expect(c.stats()).toMatchObject({ entries: 6, invalidations: 1 + 5 });
    for (const tenant of ['a', 'b']) expect(c.get(1, tenant, 7, 0, 1, 60)).toBeUndefined();
    expect(c.get(2, 'b', 7, 0, 1, 60)).toBeDefined();
    c.clear();
    expect(c.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('keeps nothing with size 0 and refuses a nonsensical size', () => {
    const c = new SampleBlockCache(0);
    expect(c.enabled).toBe(false);
    c.put(1, 't', 1, 0, 1, 60, ...block(60));
    expect(c.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect(() => new SampleBlockCache(-1)).toThrow(/block cache size/);
    expect(() => new SampleBlockCache(Number.NaN)).toThrow(/block cache size/);
  });
});
