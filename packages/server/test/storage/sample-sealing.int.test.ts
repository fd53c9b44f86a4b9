// Sealing raw samples into compact per-series blocks, against real DuckDB files: every read
// answers the same before and after a seal, late and retried samples merge into sealed blocks
// the way raw reads treat them, re-runs and restarts are harmless, and rollup tiers built over
// sealed data equal those built over raw data.
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckDbStore } from '../../src/storage/index.js';
import type { RollupAggregate, RollupTierName, Store } from '../../src/storage/store.js';
import { sampleBatch, series } from './batch-helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 20, 22); // two hours before a day boundary
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

function bits(v: number): string {
  return new BigUint64Array(new Float64Array([v]).buffer)[0]!.toString(16);
}

const counter = series('req_total', { job: 'api' });
const gauge = series('temp', { room: 'a' });
const flappy = series('flappy', { job: 'x' });
const other = series('req_total', { job: 'other' });

interface Point { s: typeof counter; t: number; v: number; tenant?: string }

function makePoints(): Point[] {
  const pts: Point[] = [];
  let seed = 9;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let c = 0;
  for (let t = T0 + 3_000; t < T0 + 5 * HOUR; t += 15_000 + Math.floor(rnd() * 40)) {
    c += Math.floor(rnd() * 10);
    pts.push({ s: counter, t, v: c });
    pts.push({ s: gauge, t, v: rnd() < 0.02 ? NaN : (rnd() - 0.5) * 1e3 });
    const phase = Math.floor((t - T0) / 600_000) % 2;
    if (phase === 0) pts.push({ s: flappy, t, v: rnd() < 0.1 ? STALE : -0 });
    pts.push({ s: other, t, v: 0.1 * Math.floor(rnd() * 100), tenant: 'acme' });
  }
  return pts;
}

async function write(store: Store, pts: Point[]): Promise<void> {
  for (const tenant of ['default', 'acme']) {
    const mine = pts.filter((p) => (p.tenant ?? 'default') === tenant);
    for (let i = 0; i < mine.length; i += 5000) {
      const slice = mine.slice(i, i + 5000);
      const batch = sampleBatch(tenant, slice.map((p) => ({ series: p.s, timeMs: p.t, value: p.v })));
      slice.forEach((p, j) => (batch.value[j] = p.v)); // keep NaN payloads
      expect(await store.writeSamples([batch])).toMatchObject({ status: 'ok' });
    }
  }
}

/** Everything the readers return, with values as bit patterns. */
async function snapshot(store: Store, startMs = T0 - HOUR, endMs = T0 + 6 * HOUR, withStats = true): Promise<unknown> {
  const out: unknown[] = [];
  for (const tenant of ['default', 'acme']) {
    const sel = await store.selectSeries({ tenant, matchers: [{ name: '__name__', type: '=~', value: '.+' }], startMs, endMs, maxSamples: 1e7 });
    out.push(sel.map((s) => ({ fp: s.fingerprint, labels: s.labels, ts: Array.from(s.timestampsMs), vs: Array.from(s.values, bits) })));
    const raw = await store.readSamples({ tenant, fingerprints: sel.map((s) => s.fingerprint), startMs, endMs, limit: 1e6 });
    out.push(raw.map((s) => ({ fp: s.fingerprint, ts: s.timestampsMs, vs: s.values.map(bits) })));
  }
  if (withStats) out.push((await store.stats()).samples);
  return out;
}

async function rawRows(dir: string): Promise<number> {
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  let n = 0;
  for (const d of [T0, T0 + DAY]) {
    const day = new Date(d).toISOString().slice(0, 10);
    await c.run(`ATTACH '${join(dir, 'metrics', day + '.duckdb')}' AS p (READ_ONLY)`);
    n += Number((await c.runAndReadAll('SELECT count(*)::DOUBLE FROM p.main.samples')).getRows()[0]![0]);
    await c.run('DETACH p');
  }
  c.disconnectSync();
  inst.closeSync();
  return n;
}

describe('sealed sample blocks (DuckDB)', () => {
  const dirs: string[] = [];
  const open: Store[] = [];
  const newStore = async (dir?: string) => {
    const d = dir ?? (await mkdtemp(join(tmpdir(), 'sightline-seal-')));
    if (!dir) dirs.push(d);
    const s = await createDuckDbStore({ dataDir: d, clock: () => T0 + 6 * HOUR, readConnections: 2 });
    open.push(s);
    return { store: s, dir: d };
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('answers the same before and after sealing, partly and fully, and across a restart', async () => {
    const { store, dir } = await newStore();
    const pts = makePoints();
    await write(store, pts);
    const before = await snapshot(store);
    const narrow = await snapshot(store, T0 + HOUR + 1234, T0 + 2 * HOUR + 5678);
    const r1 = await store.sealSamples(T0 + 2 * HOUR);
    expect(r1.samples).toBeGreaterThan(0);
    expect(await snapshot(store)).toEqual(before);
    expect(await snapshot(store, T0 + HOUR + 1234, T0 + 2 * HOUR + 5678)).toEqual(narrow);
    // A second run with the same bound finds nothing left to seal.
    expect(await store.sealSamples(T0 + 2 * HOUR)).toMatchObject({ partitions: 0, blocks: 0, samples: 0, compacted: 0 });
    const r2 = await store.sealSamples(T0 + 5 * HOUR);
    expect(r1.samples + r2.samples).toBe(pts.length);
    expect(await snapshot(store)).toEqual(before);
    await store.close();
    expect(await rawRows(dir)).toBe(0);
    const { store: again } = await newStore(dir);
    expect(await snapshot(again)).toEqual(before);
    expect(await snapshot(again, T0 + HOUR + 1234, T0 + 2 * HOUR + 5678)).toEqual(narrow);
  });

  it('merges late and retried samples into sealed blocks like raw reads do', async () => {
    const { store: sealed } = await newStore();
    const { store: raw } = await newStore();
    const pts = makePoints();
    await write(sealed, pts);
    await write(raw, pts);
    await sealed.sealSamples(T0 + 3 * HOUR);
    // Late: a new time inside a sealed hour; retried: an existing (series, time) with another
    // value (the first arrival wins, as for raw rows); and a sample of a new series.
    const c0 = pts.find((p) => p.s === counter && p.t > T0 + HOUR)!;
    const late: Point[] = [
      { s: counter, t: c0.t + 1, v: 123.5 },
      { s: counter, t: c0.t, v: -1 },
      { s: series('late_only', { a: 'b' }), t: T0 + HOUR + 7, v: STALE },
    ];
    await write(sealed, late);
    await write(raw, late);
    // Stats count stored rows: the raw store keeps the retried row, a seal drops it.
    const want = await snapshot(raw, undefined, undefined, false);
    expect(await snapshot(sealed, undefined, undefined, false)).toEqual(want);
    // Sealing the late rows merges them into the existing blocks.
    const r = await sealed.sealSamples(T0 + 5 * HOUR);
    expect(r.samples).toBeGreaterThan(0);
    expect(await snapshot(sealed, undefined, undefined, false)).toEqual(want);
    await sealed.sealSamples(T0 + 5 * HOUR);
    expect(await snapshot(sealed, undefined, undefined, false)).toEqual(want);
    expect((await sealed.stats()).samples).toBe((await raw.stats()).samples - 1);
  });

  it('builds the same rollup tiers over sealed data, also after late data', async () => {
    const { store: sealed } = await newStore();
    const { store: raw } = await newStore();
    const pts = makePoints();
    await write(sealed, pts);
    await write(raw, pts);
    await sealed.sealSamples(T0 + 2 * HOUR + 30 * 60_000); // mid-hour: a block sealed while open
    const now = T0 + 6 * HOUR;
    await sealed.buildRollups(now, 0);
    await raw.buildRollups(now, 0);
    const tiers = async (store: Store) => {
      const out: unknown[] = [];
      for (const tier of ['1m', '5m', '1h'] as RollupTierName[]) {
        for (const aggregate of ['count', 'sum', 'min', 'max', 'last'] as RollupAggregate[]) {
          const rows = await store.selectRollup({ tenant: 'default', matchers: [{ name: '__name__', type: '=~', value: '.+' }], startMs: T0 - HOUR, endMs: now, maxSamples: 1e7, tier, aggregate });
          out.push(rows.map((s) => ({ fp: s.fingerprint, ts: Array.from(s.timestampsMs), vs: Array.from(s.values, (v) => (Number.isNaN(v) ? bits(v) : Math.round(v * 1e6) / 1e6)) })));
        }
      }
      return out;
    };
    expect(await tiers(sealed)).toEqual(await tiers(raw));
    // Late data behind the watermark, then a seal of it and a rebuild.
    const late: Point[] = [{ s: counter, t: T0 + HOUR + 11, v: 5 }, { s: gauge, t: T0 + 3 * HOUR + 13, v: NaN }];
    await write(sealed, late);
    await write(raw, late);
    await sealed.sealSamples(T0 + 5 * HOUR);
    await sealed.buildRollups(now, 0);
    await raw.buildRollups(now, 0);
    expect(await tiers(sealed)).toEqual(await tiers(raw));
  });

  it('rewrites a sealed closed day file to give the raw rows\' space back, and keeps taking writes', async () => {
    const { store, dir } = await newStore();
    const many = Array.from({ length: 500 }, (_, i) => series('load', { i: String(i) }));
    const pts: Point[] = [];
    for (let t = T0; t < T0 + 2 * HOUR; t += 15_000) for (const [i, s] of many.entries()) pts.push({ s, t: t + i, v: (t / 15_000 + i) % 1000 });
    await write(store, pts);
    const day = join(dir, 'metrics', new Date(T0).toISOString().slice(0, 10) + '.duckdb');
    const before = await snapshot(store);
    await store.close();
    const { store: s2 } = await newStore(dir);
    const rawSize = statSync(day).size;
    const r = await s2.sealSamples(T0 + 2 * HOUR);
    expect(r).toMatchObject({ samples: pts.length, compacted: 1 });
    expect(statSync(day).size).toBeLessThan(rawSize / 2);
    expect(await snapshot(s2)).toEqual(before);
    // Late data for the compacted day is taken, read, and sealed again.
    const late: Point[] = [{ s: many[3]!, t: T0 + 7_003, v: 42 }];
    await write(s2, late);
    const sel = await s2.selectSeries({ tenant: 'default', matchers: [{ name: 'i', type: '=', value: '3' }], startMs: T0 + 5_000, endMs: T0 + 10_000, maxSamples: 100 });
    expect(Array.from(sel[0]!.values)).toEqual([42]);
    expect((await s2.sealSamples(T0 + 2 * HOUR)).samples).toBe(1);
  });
});
