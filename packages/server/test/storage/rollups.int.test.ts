// Rollup tiers against a real data directory: each tier's min/max/sum/count/last equals what
// the raw samples give, builds resume across restarts without gaps or double counting, a
// crash between a slice commit and its watermark is harmless, and per-tier retention drops
// files while the tiers keep answering.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckDbStore } from '../../src/storage/index.js';
import type { RollupAggregate, RollupTierName, Store } from '../../src/storage/store.js';
import { sampleBatch, series } from './batch-helpers.js';

const DAY = 86_400_000;
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 20); // three days of data from here
const RES: Record<RollupTierName, number> = { '1m': MIN, '5m': 5 * MIN, '1h': 60 * MIN };
const GRACE = 5 * MIN;

function staleMarker(): number {
  return new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
}

function isStale(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  const b = new BigUint64Array(new Float64Array([v]).buffer)[0]!;
  return (b & ~0x0008000000000000n) === 0x7ff0000000000002n;
}

interface Point { fp: number; t: number; v: number }

/** Deterministic data: a counter, a gauge with NaNs, and a series that goes stale. */
function makeData(): { defs: ReturnType<typeof series>[]; points: Point[] } {
  const counter = series('req_total', { job: 'api' });
  const gauge = series('temp', { room: 'a' });
  const flappy = series('flappy', { job: 'x' });
  const points: Point[] = [];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let c = 0;
  for (let t = T0 + 7_000; t < T0 + 3 * DAY; t += 15_000) {
    c += Math.floor(rnd() * 10);
    points.push({ fp: counter.fingerprint, t, v: c });
    const g = Math.round(rnd() * 1000) / 8; // exact binary fractions: sums are exact
    points.push({ fp: gauge.fingerprint, t, v: rnd() < 0.01 ? NaN : g });
    // flappy: present for 10 minutes, stale marker, absent for 10 minutes.
    const phase = Math.floor((t - T0) / (10 * MIN)) % 2;
    const lastInPhase = Math.floor((t + 15_000 - T0) / (10 * MIN)) % 2 !== phase;
    if (phase === 0) points.push({ fp: flappy.fingerprint, t, v: lastInPhase ? staleMarker() : 1 });
  }
  return { defs: [counter, gauge, flappy], points };
}

/** Reference aggregation straight from the raw points (a second implementation). */
function expected(points: Point[], res: number, untilMs: number): Map<string, { count: number; sum: number; min: number; max: number; last: number; lastMs: number }> {
  const out = new Map<string, { count: number; sum: number; min: number; max: number; last: number; lastMs: number; vals: number[] }>();
  for (const p of points) {
    if (p.t >= untilMs || isStale(p.v)) continue;
    const b = Math.floor(p.t / res) * res;
    const k = `${p.fp}/${b}`;
    let e = out.get(k);
    if (!e) out.set(k, (e = { count: 0, sum: 0, min: NaN, max: NaN, last: NaN, lastMs: -1, vals: [] }));
    e.vals.push(p.v);
    e.count++;
    e.sum += p.v;
    e.last = p.v;
    e.lastMs = p.t;
  }
  for (const e of out.values()) {
    const real = e.vals.filter((v) => !Number.isNaN(v));
    e.min = real.length ? Math.min(...real) : NaN;
    e.max = real.length ? Math.max(...real) : NaN;
  }
  return out;
}

async function writeAll(store: Store, defs: ReturnType<typeof series>[], points: Point[]): Promise<void> {
  const byFp = new Map(defs.map((d) => [d.fingerprint, d]));
  for (let i = 0; i < points.length; i += 20_000) {
    const slice = points.slice(i, i + 20_000);
    const batch = sampleBatch('default', slice.map((p) => ({ series: byFp.get(p.fp)!, timeMs: p.t, value: p.v })));
    // Keep the staleness markers' exact bits.
    slice.forEach((p, j) => { if (isStale(p.v)) batch.value[j] = staleMarker(); });
    expect(await store.writeSamples([batch])).toMatchObject({ status: 'ok' });
  }
}

async function tierRows(store: Store, tier: RollupTierName, agg: RollupAggregate, startMs: number, endMs: number) {
  const rows = await store.selectRollup({ tenant: 'default', matchers: [{ name: '__name__', type: '=~', value: '.+' }], startMs, endMs, maxSamples: 10_000_000, tier, aggregate: agg });
  const out = new Map<string, number>();
  for (const s of rows) {
    s.timestampsMs.forEach((t, i) => {
      const v = s.values[i]!;
      if (isStale(v)) return;
      out.set(`${s.fingerprint}/${Math.floor(t / RES[tier]) * RES[tier]}`, v);
    });
  }
  return out;
}

function sameNumber(a: number | undefined, b: number): boolean {
  return a !== undefined && (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
}

async function checkTier(store: Store, points: Point[], tier: RollupTierName, untilMs: number): Promise<number> {
  const exp = expected(points, RES[tier], untilMs);
  const got = {
    count: await tierRows(store, tier, 'count', T0, untilMs),
    sum: await tierRows(store, tier, 'sum', T0, untilMs),
    min: await tierRows(store, tier, 'min', T0, untilMs),
    max: await tierRows(store, tier, 'max', T0, untilMs),
    last: await tierRows(store, tier, 'last', T0, untilMs),
  };
  expect(got.count.size).toBe(exp.size);
  let bad = 0;
  for (const [k, e] of exp) {
    if (!sameNumber(got.count.get(k), e.count) || !sameNumber(got.sum.get(k), e.sum) || !sameNumber(got.min.get(k), e.min)
      || !sameNumber(got.max.get(k), e.max) || !sameNumber(got.last.get(k), e.last)) {
      if (bad++ < 3) console.error(tier, k, e, [got.count.get(k), got.sum.get(k), got.min.get(k), got.max.get(k), got.last.get(k)]);
    }
  }
  expect(bad).toBe(0);
  return exp.size;
}

describe('metric rollup tiers (DuckDB)', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  const open = async (dir: string, now: number) => {
    const s = await createDuckDbStore({ dataDir: dir, clock: () => now, readConnections: 2 });
    stores.push(s);
    return s;
  };
  const tempDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'sightline-rollup-'));
    dirs.push(d);
    return d;
  };

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('builds 1m, 5m and 1h rows equal to the raw aggregates, in files per tier', async () => {
    const dir = await tempDir();
    const now = T0 + 3 * DAY + 10 * MIN;
    const store = await open(dir, now);
    const { defs, points } = makeData();
    // A retried request: the same samples twice must count once.
    await writeAll(store, defs, points);
    await writeAll(store, defs, points.slice(0, 5000));
    const built = await store.buildRollups(now, GRACE);
    expect(built.tiers.map((t) => [t.tier, t.toMs])).toEqual([
      ['1m', T0 + 3 * DAY + 5 * MIN],
      ['5m', T0 + 3 * DAY + 5 * MIN],
      ['1h', T0 + 3 * DAY],
    ]);
    expect(await checkTier(store, points, '1m', T0 + 3 * DAY)).toBeGreaterThan(3 * 3 * 1440 * 0.8);
    await checkTier(store, points, '5m', T0 + 3 * DAY);
    await checkTier(store, points, '1h', T0 + 3 * DAY);
    const status = await store.rollupStatus();
    expect(status.tiers.map((t) => t.builtUntilMs)).toEqual([T0 + 3 * DAY + 5 * MIN, T0 + 3 * DAY + 5 * MIN, T0 + 3 * DAY]);
    expect((await readdir(join(dir, 'metrics_1m'))).filter((f) => f.endsWith('.duckdb')).length).toBe(3);
    // A second build with nothing new closed changes nothing.
    expect((await store.buildRollups(now, GRACE)).tiers).toEqual([]);
    await checkTier(store, points, '1m', T0 + 3 * DAY);
  });

  it('rebuilds the buckets of samples that arrive behind the watermark (backfill, a sender catching up)', async () => {
    const dir = await tempDir();
    const now = T0 + 3 * DAY + 10 * MIN;
    const store = await open(dir, now);
    const { defs, points } = makeData();
    // The first two days arrive, the tiers are built past them, then day three arrives late,
    // and a backfilled series for day one.
    const early = points.filter((p) => p.t < T0 + 2 * DAY);
    await writeAll(store, defs, early);
    await store.buildRollups(now, GRACE);
    expect((await store.rollupStatus()).tiers[0]!.builtUntilMs).toBe(T0 + 3 * DAY + 5 * MIN);
    const late = points.filter((p) => p.t >= T0 + 2 * DAY);
    const backfill = series('backfilled', { job: 'b' });
    const old = Array.from({ length: 240 }, (_, i) => ({ fp: backfill.fingerprint, t: T0 + 6 * 3_600_000 + i * 15_000, v: i }));
    await writeAll(store, [...defs, backfill], [...late, ...old]);
    // Queries stop reading the tiers where they are now incomplete, at once ...
    const status = await store.rollupStatus();
    expect(status.tiers.map((t) => t.builtUntilMs)).toEqual([T0 + 6 * 3_600_000, T0 + 6 * 3_600_000, T0 + 6 * 3_600_000]);
    // ... and the next build makes every tier equal to the raw aggregates again.
    await store.buildRollups(now, GRACE);
    expect((await store.rollupStatus()).tiers.map((t) => t.builtUntilMs)).toEqual([T0 + 3 * DAY + 5 * MIN, T0 + 3 * DAY + 5 * MIN, T0 + 3 * DAY]);
    const all = [...points, ...old];
    for (const tier of ['1m', '5m', '1h'] as const) await checkTier(store, all, tier, T0 + 3 * DAY);
  });

  it('marks where a series went stale, so instant lookups end it', async () => {
    const dir = await tempDir();
    const now = T0 + DAY;
    const store = await open(dir, now);
    const { defs, points } = makeData();
    await writeAll(store, defs, points.filter((p) => p.t < T0 + DAY));
    await store.buildRollups(now, GRACE);
    const flappy = defs[2]!;
    const rows = await store.selectRollup({ tenant: 'default', matchers: [{ name: '__name__', type: '=', value: 'flappy' }], startMs: T0, endMs: T0 + 30 * MIN, maxSamples: 1000, tier: '5m', aggregate: 'last' });
    expect(rows.map((r) => r.fingerprint)).toEqual([flappy.fingerprint]);
    const staleAt = Array.from(rows[0]!.timestampsMs).filter((_, i) => isStale(rows[0]!.values[i]!));
    // The marker was written at the last sample time of each 10-minute phase.
    expect(staleAt).toEqual([T0 + 10 * MIN - 8_000, T0 + 30 * MIN - 8_000].filter((t) => t <= T0 + 30 * MIN));
  });

  it('resumes after a restart and after a crash between a slice and its watermark, without gaps or double counting', async () => {
    const dir = await tempDir();
    const { defs, points } = makeData();
    const mid = T0 + DAY + 7 * 3_600_000 + 13 * MIN;
    let store = await open(dir, mid);
    await writeAll(store, defs, points.filter((p) => p.t < mid));
    await store.buildRollups(mid, GRACE);
    expect((await store.rollupStatus()).tiers[0]!.builtUntilMs).toBe(mid - 13 * MIN + 8 * MIN);
    await store.close();

    // Crash simulation: the watermark of 1m falls back two hours as if the last slices had
    // committed their rows but not their watermark.
    const db = await DuckDBInstance.create(join(dir, 'catalog.duckdb'));
    const c = await db.connect();
    await c.run(`UPDATE rollup_watermarks SET watermark_ms = ${mid - 3 * 3_600_000} WHERE tier = '1m'`);
    c.disconnectSync();
    db.closeSync();

    const end = T0 + 3 * DAY + GRACE;
    store = await open(dir, end);
    await writeAll(store, defs, points.filter((p) => p.t >= mid));
    await store.buildRollups(end, GRACE);
    await checkTier(store, points, '1m', T0 + 3 * DAY);
    await checkTier(store, points, '5m', T0 + 3 * DAY);
    await checkTier(store, points, '1h', T0 + 3 * DAY);
  });

  it('stops a long build at close and finishes it after reopening', async () => {
    const dir = await tempDir();
    const { defs, points } = makeData();
    const end = T0 + 3 * DAY + GRACE;
    let store = await open(dir, end);
    await writeAll(store, defs, points);
    const building = store.buildRollups(end, GRACE);
    // Let the first slice start, then close while the build is under way.
    await new Promise((r) => setTimeout(r, 50));
    await store.close();
    const partial = await building;
    const reached = partial.tiers.find((t) => t.tier === '1m')?.toMs;
    expect(reached ?? T0).toBeLessThan(T0 + 3 * DAY);
    store = await open(dir, end);
    expect((await store.rollupStatus()).tiers[0]!.builtUntilMs).toBe(reached ?? -Infinity);
    await store.buildRollups(end, GRACE);
    await checkTier(store, points, '1m', T0 + 3 * DAY);
    await checkTier(store, points, '1h', T0 + 3 * DAY);
  });

  it('keeps raw days that are not rolled up, but not past the 1m retention', async () => {
    const dir = await tempDir();
    const { defs, points } = makeData();
    const now = T0 + 3 * DAY + 10 * MIN;
    const store = await open(dir, now);
    await writeAll(store, defs, points);
    // No build ran (a build that keeps failing): day 1 is past the 1m tier's two days and goes,
    // day 2 is past the raw retention of one day but waits for the tiers.
    const res = await store.applyRetention({ tracesDays: 7, logsDays: 7, metricsDays: 1, rollupDays: { '1m': 2, '5m': 90, '1h': 365 } }, now);
    expect(res.find((r) => r.signal === 'metrics')!.droppedPartitions).toEqual(['2026-11-20']);
  });

  it('per-tier retention drops whole files, keeps raw until rolled up, and records horizons', async () => {
    const dir = await tempDir();
    const { defs, points } = makeData();
    const now = T0 + 3 * DAY + 10 * MIN;
    const store = await open(dir, now);
    await writeAll(store, defs, points);
    // Not rolled up yet: raw older than one day must stay.
    const early = await store.applyRetention({ tracesDays: 7, logsDays: 7, metricsDays: 1, rollupDays: { '1m': 5, '5m': 90, '1h': 365 } }, now);
    expect(early.find((r) => r.signal === 'metrics')!.droppedPartitions).toEqual([]);
    await store.buildRollups(now, GRACE);
    const res = await store.applyRetention({ tracesDays: 7, logsDays: 7, metricsDays: 1, rollupDays: { '1m': 2, '5m': 90, '1h': 365 } }, now);
    expect(res.find((r) => r.signal === 'metrics')!.droppedPartitions).toEqual(['2026-11-20', '2026-11-21', '1m/2026-11-20']);
    const status = await store.rollupStatus();
    expect(status.rawAvailableFromMs).toBe(T0 + 2 * DAY);
    expect(status.tiers.find((t) => t.name === '1m')!.availableFromMs).toBe(T0 + DAY);
    expect(status.tiers.find((t) => t.name === '1h')!.availableFromMs).toBe(-Infinity);
    // Raw samples of the first day are gone; the 1h tier still has them, with series labels.
    const raw = await store.selectSeries({ tenant: 'default', matchers: [{ name: '__name__', type: '=', value: 'req_total' }], startMs: T0, endMs: T0 + DAY - 1, maxSamples: 1e6 });
    expect(raw).toEqual([]);
    const hourly = await store.selectRollup({ tenant: 'default', matchers: [{ name: '__name__', type: '=', value: 'req_total' }], startMs: T0, endMs: T0 + DAY - 1, maxSamples: 1e6, tier: '1h', aggregate: 'count' });
    expect(hourly[0]!.labels).toEqual({ __name__: 'req_total', job: 'api' });
    expect(Array.from(hourly[0]!.values)).toEqual(new Array(24).fill(240));
    // The series APIs still list them for that day (from the tiers' series lists), as queries
    // still find them; a range wholly before every tier's data lists nothing.
    const day1 = { tenant: 'default', startMs: T0, endMs: T0 + DAY - 1, limit: 100 };
    const found = await store.findSeries(day1);
    expect(found.map((s) => s.labels.__name__).sort()).toEqual(['flappy', 'req_total', 'temp']);
    expect((await store.findSeries({ ...day1, name: 'req_total', labels: { job: 'api' } })).map((s) => s.labels)).toEqual([{ __name__: 'req_total', job: 'api' }]);
    expect((await store.findSeries({ ...day1, labels: { job: 'nope' } }))).toEqual([]);
    expect((await store.metricNames('default', T0, T0 + DAY - 1)).map((m) => m.name)).toEqual(['flappy', 'req_total', 'temp']);
    expect(await store.findSeries({ ...day1, startMs: T0 - 40 * DAY, endMs: T0 - 39 * DAY })).toEqual([]);
    expect(await store.findSeries({ ...day1, tenant: 'other' })).toEqual([]);
  });
});
