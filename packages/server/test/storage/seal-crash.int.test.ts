// kill -9 while samples are being sealed loses and duplicates nothing. A child process runs the
// real store: it seals two closed days over and over (merging late samples into blocks sealed
// before, rewriting the day files once sealed) while it keeps writing late samples into those
// days and prints each acknowledgement. It is killed without warning at several moments, then
// restarted on the same data directory. At the end every sample written before, and every
// acknowledged late sample, reads back once with its value, and what is stored holds no repeats.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { prepareStorageChild, runUntilKilled } from '../helpers/storage-child.js';
import { createDuckDbStore } from '../../src/storage/index.js';
import type { Store } from '../../src/storage/store.js';
import { sampleBatch, series } from './batch-helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const D1 = Date.UTC(2026, 10, 20);
const NOW = D1 + 2 * DAY + 2 * HOUR;
/** Late samples of cycle c take indices [c * PER_CYCLE, (c + 1) * PER_CYCLE), one second apart. */
const PER_CYCLE = 25_000;
/** When each child is killed, in ms after it reported ready: early, mid-seal, during rewrites. */
const KILL_AFTER_MS = [250, 1_400, 700, 2_600, 450, 1_900];
const BASE_SERIES = 60;
const PER_BASE_SERIES = 2 * 5760;
let work: string | undefined;

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const CHILD = `
import { createDuckDbStore, createWriter } from './build/storage/index.js';
const dataDir = process.argv[2];
const [now, d1, from, to] = process.argv.slice(3, 7).map(Number);
const late = { fingerprint: Number(process.argv[7]), name: 'late', labels: { __name__: 'late' } };
const store = await createDuckDbStore({ dataDir, clock: () => now });
const writer = createWriter(store, { flushIntervalMs: 10 });
process.stdout.write('READY\\n');
async function writeLate() {
  for (let i = from; i < to; i += 50) {
    const n = Math.min(50, to - i);
    const timeMs = new Float64Array(n), value = new Float64Array(n);
    for (let k = 0; k < n; k++) { timeMs[k] = d1 + (i + k) * 1000 + 500; value[k] = i + k; }
    const r = await writer.write({ kind: 'samples', tenant: 'default', length: n, fingerprint: new Float64Array(n).fill(late.fingerprint),
      timeMs, value, series: [late], metadata: [], expHistograms: [], exemplars: [] });
    if (r.status === 'ok') process.stdout.write('ACK ' + i + ' ' + (i + n) + '\\n');
  }
}
async function sealForever() {
  for (;;) {
    const r = await store.sealSamples(d1 + 2 * 86400000);
    process.stdout.write('SEAL ' + JSON.stringify(r) + '\\n');
  }
}
void writeLate();
void sealForever();
`;

async function readAll(store: Store, fps: number[]): Promise<Map<number, { ts: Float64Array; vs: Float64Array }>> {
  const sel = await store.selectSeries({
    tenant: 'default',
    matchers: [{ name: '__name__', type: '=~', value: '.+' }],
    startMs: D1,
    endMs: D1 + 2 * DAY,
    maxSamples: 1e7,
  });
  expect(sel.map((s) => s.fingerprint).sort()).toEqual([...fps].sort());
  return new Map(sel.map((s) => [s.fingerprint, { ts: Float64Array.from(s.timestampsMs), vs: Float64Array.from(s.values) }]));
}

it('loses and repeats no sample when killed during sealing and day-file rewrites', async () => {
  work = await mkdtemp(join(tmpdir(), 'sightline-seal-crash-'));
  const dataDir = join(work, 'data');
  const childScript = await prepareStorageChild(work, CHILD);

  // Two closed days of BASE_SERIES series every 15 s, written before any sealing: enough raw
  // rows that a sealed day file is mostly free blocks, so sealing rewrites it.
  const base = Array.from({ length: BASE_SERIES }, (_, k) => series('base', { k: String(k) }));
  const late = series('late');
  let store = await createDuckDbStore({ dataDir, clock: () => NOW });
  for (let t0 = D1; t0 < D1 + 2 * DAY; t0 += 6 * HOUR) {
    const points = [];
    for (let t = t0 + 10_000; t < t0 + 6 * HOUR; t += 15_000) for (const [k, s] of base.entries()) points.push({ series: s, timeMs: t, value: t / 1000 + k });
    expect(await store.writeSamples([sampleBatch('default', points)])).toMatchObject({ status: 'ok' });
  }
  await store.close();

  const acked = new Set<number>();
  const seals: Array<{ samples: number; compacted: number }> = [];
  for (const [cycle, killAfter] of KILL_AFTER_MS.entries()) {
    const args = [dataDir, NOW, D1, cycle * PER_CYCLE, (cycle + 1) * PER_CYCLE, late.fingerprint].map(String);
    await runUntilKilled(childScript, args, (line, child) => {
      if (line === 'READY') setTimeout(() => child.kill('SIGKILL'), killAfter);
      else if (line.startsWith('ACK ')) {
        const [a, b] = line.slice(4).split(' ').map(Number) as [number, number];
        for (let i = a; i < b; i++) acked.add(i);
      } else if (line.startsWith('SEAL ')) seals.push(JSON.parse(line.slice(5)));
    });
  }
  // The kills came while work was going on: the children sealed, and acknowledged late samples.
  expect(seals.length).toBeGreaterThan(0);
  expect(seals.some((r) => r.compacted > 0)).toBe(true);
  expect(acked.size).toBeGreaterThan(500);

  store = await createDuckDbStore({ dataDir, clock: () => NOW });
  try {
    const check = async () => {
      const got = await readAll(store, [...base.map((s) => s.fingerprint), late.fingerprint]);
      for (const [k, s] of base.entries()) {
        const { ts, vs } = got.get(s.fingerprint)!;
        expect(ts.length).toBe(PER_BASE_SERIES);
        for (let i = 0; i < ts.length; i++) {
          const t = D1 + 10_000 + Math.floor(i / 1440) * 6 * HOUR + (i % 1440) * 15_000;
          if (ts[i] !== t || vs[i] !== t / 1000 + k) expect([ts[i], vs[i]]).toEqual([t, t / 1000 + k]);
        }
      }
      const { ts, vs } = got.get(late.fingerprint)!;
      const present = new Set<number>();
      for (let i = 0; i < ts.length; i++) {
        const idx = (ts[i]! - D1 - 500) / 1000;
        if (vs[i] !== idx) expect([ts[i], vs[i]]).toEqual([ts[i], idx]);
        present.add(idx);
      }
      const lost = [...acked].filter((i) => !present.has(i));
      expect(lost.slice(0, 10)).toEqual([]);
      // Stored rows (raw and inside sealed blocks) are exactly the distinct samples read back:
      // a seal that committed twice, or a rewrite that kept both files' rows, would show here.
      expect((await store.stats()).samples).toBe(BASE_SERIES * PER_BASE_SERIES + ts.length);
      return ts.length;
    };
    const lateSamples = await check();
    // What the killed runs left half done, a run to the end finishes: all sealed, same answers.
    await store.sealSamples(D1 + 2 * DAY);
    expect(await check()).toBe(lateSamples);
    // The two day files are still the only ones (a rewrite renames its copy over the original).
    const files = readdirSync(join(dataDir, 'metrics')).filter((f) => !f.endsWith('.wal'));
    expect(files.filter((f) => /^\d{4}-\d{2}-\d{2}\.duckdb$/.test(f)).sort()).toEqual(['2026-11-20.duckdb', '2026-11-21.duckdb']);
  } finally {
    await store.close();
  }
});
