// The decoded-block cache inside the DuckDB store: repeated reads of sealed hours come from
// memory with the same answer as a store without the cache, a block re-sealed with late
// samples is never served stale, and a day rewritten by compaction or dropped by retention is
// forgotten.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckDbStore } from '../../src/storage/index.js';
import type { Store } from '../../src/storage/store.js';
import { sampleBatch, series } from './batch-helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 20, 22); // two hours before a day boundary
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
const bits = (v: number) => new BigUint64Array(new Float64Array([v]).buffer)[0]!.toString(16);

interface Point { s: ReturnType<typeof series>; t: number; v: number }

const many = Array.from({ length: 40 }, (_, i) => series('load', { i: String(i) }));

function makePoints(hours = 5): Point[] {
  const pts: Point[] = [];
  let seed = 3;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let t = T0 + 1_000; t < T0 + hours * HOUR; t += 30_000 + Math.floor(rnd() * 20)) {
    for (const [i, s] of many.entries()) pts.push({ s, t: t + i, v: i === 3 && rnd() < 0.05 ? STALE : Math.floor(rnd() * 1e4) / 100 });
  }
  return pts;
}

async function write(store: Store, pts: Point[]): Promise<void> {
  for (let i = 0; i < pts.length; i += 5000) {
    const slice = pts.slice(i, i + 5000);
    const batch = sampleBatch('default', slice.map((p) => ({ series: p.s, timeMs: p.t, value: p.v })));
    slice.forEach((p, j) => (batch.value[j] = p.v));
    expect(await store.writeSamples([batch])).toMatchObject({ status: 'ok' });
  }
}

async function read(store: Store, startMs = T0 - HOUR, endMs = T0 + 6 * HOUR): Promise<unknown> {
  const sel = await store.selectSeries({ tenant: 'default', matchers: [{ name: '__name__', type: '=', value: 'load' }], startMs, endMs, maxSamples: 1e7 });
  return sel.map((s) => ({ fp: s.fingerprint, labels: s.labels, ts: Array.from(s.timestampsMs), vs: Array.from(s.values, bits) }));
}

describe('decoded sealed-block cache (DuckDB store)', () => {
  const dirs: string[] = [];
  const open: Store[] = [];
  const stores = new Map<Store, string>();
  const newStore = async (blockCacheBytes?: number, dir?: string) => {
    const d = dir ?? (await mkdtemp(join(tmpdir(), 'sightline-bcache-')));
    if (!dir) dirs.push(d);
    const s = await createDuckDbStore({ dataDir: d, clock: () => T0 + 6 * HOUR, readConnections: 2, blockCacheBytes });
    open.push(s);
    stores.set(s, d);
    return s;
  };
  /** Closes (checkpointing the raw rows into the day files) and opens the store again. */
  const reopen = async (s: Store, blockCacheBytes?: number) => {
    await s.close();
    open.splice(open.indexOf(s), 1);
    return newStore(blockCacheBytes, stores.get(s));
  };
  /** A store with the block cache and one without, holding the same points, sealed up to T0+5h. */
  const sealedPair = async () => {
    const cached = await newStore();
    const plain = await newStore(0);
    const pts = makePoints();
    for (const s of [cached, plain]) {
      await write(s, pts);
      await s.sealSamples(T0 + 5 * HOUR);
    }
    return { cached, plain, pts };
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('answers repeated reads of sealed hours from memory, the same as without the cache', async () => {
    const { cached, plain, pts } = await sealedPair();
    const ranges: Array<[number, number]> = [[T0 - HOUR, T0 + 6 * HOUR], [T0 + HOUR + 1234, T0 + 2 * HOUR + 5678], [T0 + 3 * HOUR - 300_000, T0 + 3 * HOUR]];
    const want = [];
    for (const [a, b] of ranges) want.push(await read(plain, a, b));
    expect(plain.blockCacheStats()).toMatchObject({ hits: 0, misses: 0, entries: 0 });
    // Cold: every block is a miss, read from the day files and kept.
    for (const [i, [a, b]] of ranges.entries()) expect(await read(cached, a, b)).toEqual(want[i]);
    const cold = cached.blockCacheStats();
    expect(cold.misses).toBe(5 * many.length);
    expect(cold.entries).toBe(5 * many.length);
    expect(cold.bytes).toBeGreaterThan(pts.length * 16);
    // Warm: the same answers with no block read again.
    for (const [i, [a, b]] of ranges.entries()) expect(await read(cached, a, b)).toEqual(want[i]);
    const warm = cached.blockCacheStats();
    expect(warm.misses).toBe(cold.misses);
    expect(warm.hits).toBeGreaterThanOrEqual(cold.hits + 5 * many.length);
    // Raw rows next to cached blocks (the open hour): still the same answer.
    const head = makePoints(6).filter((p) => p.t >= T0 + 5 * HOUR);
    await write(cached, head);
    await write(plain, head);
    expect(await read(cached)).toEqual(await read(plain));
  });

  it('never serves a block re-sealed with late samples from before', async () => {
    const { cached, plain } = await sealedPair();
    await read(cached);
    // Inside the hours (not before their first or after their last sample), so the re-sealed
    // blocks keep their start and end and only their sample count tells them apart.
    const late: Point[] = [{ s: many[5]!, t: T0 + HOUR + 20 * 60_000 + 17, v: 4242 }, { s: many[6]!, t: T0 + 2 * HOUR + 20 * 60_000 + 1, v: -7 }];
    await write(cached, late);
    await write(plain, late);
    // Raw late rows plus the cached blocks.
    const want = await read(plain);
    expect(await read(cached)).toEqual(want);
    expect(JSON.stringify(want)).toContain(String(T0 + HOUR + 20 * 60_000 + 17));
    const before = cached.blockCacheStats();
    // Re-sealed: the blocks of those hours are rewritten with one sample more.
    expect((await cached.sealSamples(T0 + 5 * HOUR)).samples).toBe(2);
    await plain.sealSamples(T0 + 5 * HOUR);
    const after = cached.blockCacheStats();
    expect(after.invalidations).toBeGreaterThan(before.invalidations);
    expect(after.entries).toBeLessThan(before.entries);
    expect(await read(cached)).toEqual(await read(plain));
    expect(cached.blockCacheStats().misses).toBeGreaterThan(after.misses);
  });

  it('forgets a day rewritten by compaction or dropped by retention', async () => {
    let cached = await newStore();
    let plain = await newStore(0);
    // Enough rows, checkpointed into the day file, that sealing the day frees most of the
    // file, so it is rewritten.
    const wide = Array.from({ length: 500 }, (_, i) => series('load', { i: String(i) }));
    const pts: Point[] = [];
    for (let t = T0; t < T0 + 5 * HOUR; t += 15_000) for (const [i, s] of wide.entries()) pts.push({ s, t: t + i, v: (t / 15_000 + i) % 1000 });
    await write(cached, pts);
    await write(plain, pts);
    cached = await reopen(cached);
    plain = await reopen(plain, 0);
    // The first day up to its last hour: sealed, not compacted (the day is not closed yet).
    expect(await cached.sealSamples(T0 + HOUR)).toMatchObject({ compacted: 0 });
    await plain.sealSamples(T0 + HOUR);
    await read(cached);
    const firstHour = cached.blockCacheStats();
    expect(firstHour.entries).toBe(wide.length);
    // Sealing the rest of the day closes it: the file is rewritten and its blocks forgotten.
    expect(await cached.sealSamples(T0 + 2 * HOUR)).toMatchObject({ compacted: 1 });
    await plain.sealSamples(T0 + 2 * HOUR);
    expect(cached.blockCacheStats()).toMatchObject({ entries: 0, invalidations: firstHour.invalidations + wide.length });
    expect(await read(cached)).toEqual(await read(plain));
    await cached.sealSamples(T0 + 5 * HOUR);
    await plain.sealSamples(T0 + 5 * HOUR);
    await read(cached);
    const both = cached.blockCacheStats();
    expect(both.entries).toBe(5 * wide.length);
    // Retention drops the first day (2 of the 5 hours); the second day's blocks stay.
    const now = T0 - 22 * HOUR + 2 * DAY + HOUR;
    await cached.applyRetention({ tracesDays: 1, logsDays: 1, metricsDays: 1 }, now);
    await plain.applyRetention({ tracesDays: 1, logsDays: 1, metricsDays: 1 }, now);
    expect(cached.blockCacheStats()).toMatchObject({ entries: 3 * wide.length, invalidations: both.invalidations + 2 * wide.length });
    expect(await read(cached)).toEqual(await read(plain));
  });
});
