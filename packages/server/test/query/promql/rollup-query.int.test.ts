// PromQL over rollup tiers, through the HTTP API of a Sightline started in-process with an
// injected clock: the engine picks the coarsest tier the step allows and says so, aligned
// *_over_time answers equal the raw ones exactly, rate() stays close, a 15 s step reads raw,
// and once raw retention removed a day, queries over it still answer from a tier.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { sampleBatch, series } from '../../storage/batch-helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 20);
let now = T0 + 3 * DAY + 10 * MIN;
let server: TestServer;

const counter = series('req_total', { job: 'api' });
const gauge = series('temp', { room: 'a' });

interface Answer { status: number; tiers: string | null; body: any }

async function query(path: string, params: Record<string, string | number>): Promise<Answer> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  const res = await fetch(`${server.httpUrl}${path}?${qs}`);
  return { status: res.status, tiers: res.headers.get('x-sightline-tiers'), body: await res.json() };
}

// `auto`: the coarsest fitting tier wherever one is built (the default reads tiers only where raw samples are gone).
const range = (q: string, start: number, end: number, step: string, extra: Record<string, string> = {}) =>
  query('/api/v1/query_range', { query: q, start: start / 1000, end: end / 1000, step, stats: 'all', sightline_tier: 'auto', ...extra });

function values(a: Answer): Array<[number, number]> {
  expect(a.status).toBe(200);
  expect(a.body.data.result).toHaveLength(1);
  return a.body.data.result[0].values.map(([t, v]: [number, string]) => [t, Number(v)]);
}

beforeAll(async () => {
  server = await startTestServer({ retention: { metricsDays: 1, metrics1mDays: 2 } }, () => now);
  // The tests drive both jobs themselves.
  server.retention.stop();
  server.rollups!.stop();
  server.sealing!.stop();
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let c = 0;
  let points = [];
  for (let t = T0 + 7_000; t < now; t += 15_000) {
    c += 1 + Math.floor(rnd() * 9);
    points.push({ series: counter, timeMs: t, value: c });
    points.push({ series: gauge, timeMs: t, value: Math.round(rnd() * 4000) / 16 });
    if (points.length >= 20_000) {
      expect(await server.store.writeSamples([sampleBatch('default', points)])).toMatchObject({ status: 'ok' });
      points = [];
    }
  }
  expect(await server.store.writeSamples([sampleBatch('default', points)])).toMatchObject({ status: 'ok' });
  const built = await server.rollups!.runOnce();
  expect(built.tiers.map((t) => t.tier)).toEqual(['1m', '5m', '1h']);
});

afterAll(async () => {
  await server?.stop();
});

describe('rollup tiers in PromQL', () => {
  const from = T0 + 2 * HOUR;
  const to = T0 + 2 * DAY;

  it('answers aligned *_over_time at step 1h from the 1h tier, exactly as raw samples do', async () => {
    for (const fn of ['sum_over_time', 'min_over_time', 'max_over_time', 'count_over_time', 'avg_over_time']) {
      const tier = await range(`${fn}(temp[1h])`, from, to, '1h');
      const raw = await range(`${fn}(temp[1h])`, from, to, '1h', { sightline_tier: 'raw' });
      expect(tier.tiers).toBe('1h');
      expect(tier.body.data.stats.tiers).toEqual(['1h']);
      expect(raw.tiers).toBe('raw');
      const [a, b] = [values(tier), values(raw)];
      expect(a.length).toBe(47);
      if (fn === 'avg_over_time') a.forEach(([t, v], i) => { expect(t).toBe(b[i]![0]); expect(v).toBeCloseTo(b[i]![1], 9); });
      else expect(a).toEqual(b);
    }
  });

  it('reads 5m at step 5m, and raw at step 15s', async () => {
    const five = await range('max_over_time(temp[5m])', from, from + 6 * HOUR, '5m');
    expect(five.tiers).toBe('5m');
    expect(values(five)).toEqual(values(await range('max_over_time(temp[5m])', from, from + 6 * HOUR, '5m', { sightline_tier: 'raw' })));
    // A plain selector is answered from bucket-last samples, so only at steps of five buckets
    // or more: 1m buckets at step 5m. Here the 1m bucket's last sample is the one the lookback finds.
    const plain = await range('temp', from, from + 6 * HOUR, '5m');
    expect(plain.tiers).toBe('1m');
    expect(values(plain)).toEqual(values(await range('temp', from, from + 6 * HOUR, '5m', { sightline_tier: 'raw' })));
    expect((await range('temp', from, from + 6 * HOUR, '4m')).tiers).toBe('raw');
    expect((await query('/api/v1/query', { query: 'temp', time: (T0 + 5 * HOUR) / 1000, sightline_tier: 'auto' })).tiers).toBe('raw');
    const fine = await range('temp', from, from + HOUR, '15s');
    expect(fine.tiers).toBe('raw');
    expect(fine.body.data.stats.tiers).toEqual(['raw']);
    expect((await range('rate(req_total[1m])', from, from + HOUR, '15s')).tiers).toBe('raw');
    // Like an alert rule at an arbitrary time: 1h buckets would stick out of the window.
    const unaligned = await query('/api/v1/query', { query: 'avg_over_time(temp[1h])', time: (T0 + 5 * HOUR + 30_000) / 1000, sightline_tier: 'auto' });
    expect(unaligned.tiers).toBe('raw');
    const aligned = await query('/api/v1/query', { query: 'avg_over_time(temp[1h])', time: (T0 + 5 * HOUR) / 1000, sightline_tier: 'auto' });
    expect(aligned.tiers).toBe('1h');
  });

  it('keeps rate() on counters close to the raw answer at step 1h', async () => {
    const tier = await range('rate(req_total[2h])', from, to, '1h');
    expect(tier.tiers).toBe('5m');
    const raw = values(await range('rate(req_total[2h])', from, to, '1h', { sightline_tier: 'raw' }));
    const got = values(tier);
    expect(got.length).toBe(raw.length);
    got.forEach(([t, v], i) => {
      expect(t).toBe(raw[i]![0]);
      expect(Math.abs(v - raw[i]![1]) / raw[i]![1]).toBeLessThan(0.1);
    });
  });

  it('stitches the tier up to its watermark with raw samples after it', async () => {
    // 5m is built until now - grace (T0 + 3d + 5m); the last step's window is raw samples only.
    expect((await server.store.rollupStatus()).tiers.find((t) => t.name === '5m')!.builtUntilMs).toBe(T0 + 3 * DAY + 5 * MIN);
    const [start, end] = [T0 + 3 * DAY - 30 * MIN, T0 + 3 * DAY + 10 * MIN];
    const a = await range('sum_over_time(temp[5m])', start, end, '5m');
    expect(a.tiers).toBe('5m,raw');
    const b = values(await range('sum_over_time(temp[5m])', start, end, '5m', { sightline_tier: 'raw' }));
    expect(values(a)).toEqual(b);
    expect(b.at(-1)![0]).toBe(end / 1000);
  });

  it('reports rollup runs on /metrics', async () => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(text).toContain('sightline_rollup_runs_total{result="ok"} 1');
    // 2 series x (3 days + 5 built minutes) of 1m buckets.
    expect(text).toContain(`sightline_rollup_rows_total{tier="1m"} ${2 * (3 * 1440 + 5)}`);
    expect(text).toContain(`sightline_rollup_built_until_seconds{tier="1h"} ${(T0 + 3 * DAY) / 1000}`);
  });

  it('reads raw samples by default while they exist, tiers only with sightline_tier=auto', async () => {
    const dflt = await range('max_over_time(temp[1h])', from, to, '1h', { sightline_tier: '' });
    expect(dflt.tiers).toBe('raw');
    const fallback = await range('max_over_time(temp[1h])', from, to, '1h', { sightline_tier: 'fallback' });
    expect(fallback.tiers).toBe('raw');
    const auto = await range('max_over_time(temp[1h])', from, to, '1h');
    expect(auto.tiers).toBe('1h');
    expect(values(auto)).toEqual(values(dflt));
  });

  it('refuses an unknown sightline_tier', async () => {
    const a = await range('temp', from, to, '1h', { sightline_tier: 'fast' });
    expect(a.status).toBe(400);
    expect(a.body).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });

  it('answers from a tier after raw retention removed the window, and says which', async () => {
    const day1 = [T0 + 2 * HOUR, T0 + 20 * HOUR] as const;
    const before = values(await range('sum_over_time(temp[1h])', ...day1, '1h', { sightline_tier: 'raw' }));
    const fineBefore = values(await range('temp', T0 + HOUR, T0 + HOUR + 10 * MIN, '1m', { sightline_tier: 'raw' }));
    const dropped = await server.retention.runOnce();
    expect(dropped.find((r) => r.signal === 'metrics')!.droppedPartitions).toEqual(['2026-11-20', '2026-11-21', '1m/2026-11-20']);
    const status = await server.store.rollupStatus();
    expect(status.rawAvailableFromMs).toBe(T0 + 2 * DAY);

    const hourly = await range('sum_over_time(temp[1h])', ...day1, '1h');
    expect(hourly.tiers).toBe('1h');
    expect(values(hourly)).toEqual(before);
    // Raw is gone and no tier is fine enough for a 1m step: the finest tier still holding the
    // window answers (5m: the 1m file of that day is gone too), rather than nothing.
    const fine = await range('temp', T0 + HOUR, T0 + HOUR + 10 * MIN, '1m');
    expect(fine.tiers).toBe('5m');
    expect(values(fine).length).toBe(fineBefore.length);
    const forcedRaw = await range('temp', T0 + HOUR, T0 + HOUR + 10 * MIN, '1m', { sightline_tier: 'raw' });
    expect(forcedRaw.body.data.result).toEqual([]);
    // Instant queries too.
    const inst = await query('/api/v1/query', { query: 'count_over_time(temp[1h])', time: (T0 + 5 * HOUR) / 1000, stats: 'all' });
    expect(inst.tiers).toBe('1h');
    expect(inst.body.data.result[0].value[1]).toBe('240');
  });

  it('seals the closed hours behind the 1m tier, answers the same after, and reports it on /metrics', async () => {
    // Raw samples are left on day 3 only (retention above); the 1m tier is built to T0 + 3d + 5m.
    const day3 = [T0 + 2 * DAY + 30 * MIN, T0 + 3 * DAY - 30 * MIN] as const;
    const before = [
      values(await range('rate(req_total[5m])', ...day3, '5m', { sightline_tier: 'raw' })),
      values(await range('temp', ...day3, '1m', { sightline_tier: 'raw' })),
    ];
    const run = await server.sealing!.runOnce();
    expect(run).toMatchObject({ untilMs: T0 + 3 * DAY, partitions: 1, samples: 2 * 5760, blocks: 2 * 24 });
    expect([
      values(await range('rate(req_total[5m])', ...day3, '5m', { sightline_tier: 'raw' })),
      values(await range('temp', ...day3, '1m', { sightline_tier: 'raw' })),
    ]).toEqual(before);
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(text).toContain('sightline_seal_runs_total{result="ok"} 1');
    expect(text).toContain(`sightline_sealed_samples_total ${2 * 5760}`);
    expect(text).toContain(`sightline_sealed_blocks_total ${2 * 24}`);
    expect(text).toContain(`sightline_seal_compacted_files_total ${run.compacted}`);
    expect(text).toContain(`sightline_sealed_until_seconds ${(T0 + 3 * DAY) / 1000}`);
    // Nothing left to seal: a second run moves nothing and the counters stay.
    expect(await server.sealing!.runOnce()).toMatchObject({ samples: 0, blocks: 0 });
    const again = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(again).toContain('sightline_seal_runs_total{result="ok"} 2');
    expect(again).toContain(`sightline_sealed_samples_total ${2 * 5760}`);
  });
});

describe('rollups disabled', () => {
  it('builds no tiers, reads raw, and lets raw retention drop days without waiting for tiers', async () => {
    const clock = T0 + 3 * DAY;
    const off = await startTestServer({ retention: { metricsDays: 1 }, metrics: { rollups: { enabled: false } } }, () => clock);
    try {
      off.retention.stop();
      expect(off.rollups).toBeUndefined();
      const points = [];
      for (let t = T0 + 7_000; t < T0 + 2 * DAY; t += 60_000) points.push({ series: gauge, timeMs: t, value: 1 });
      expect(await off.store.writeSamples([sampleBatch('default', points)])).toMatchObject({ status: 'ok' });
      const res = await fetch(`${off.httpUrl}/api/v1/query_range?query=${encodeURIComponent('sum_over_time(temp[1h])')}&start=${(T0 + DAY + 2 * HOUR) / 1000}&end=${(T0 + DAY + 5 * HOUR) / 1000}&step=3600`);
      expect(res.headers.get('x-sightline-tiers')).toBe('raw');
      const dropped = await off.retention.runOnce();
      expect(dropped.find((r) => r.signal === 'metrics')!.droppedPartitions).toEqual(['2026-11-20', '2026-11-21']);
      expect((await off.store.rollupStatus()).tiers.every((t) => t.builtUntilMs === -Infinity)).toBe(true);
    } finally {
      await off.stop();
    }
  });
});

