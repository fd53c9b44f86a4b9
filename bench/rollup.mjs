// Metric rollups: how fast the background job builds the 1m/5m/1h tiers, and what a 24 h
// PromQL query at step 1h costs from raw samples against the tier it picks.
//
//   npx tsc -p packages/server/tsconfig.build.json && node bench/rollup.mjs [scale]
//
// Data: 1,000 x scale series (half counters, half gauges) scraped every 15 s for 25 h, written
// straight into the store. Build throughput counts raw samples read per second of the whole
// build (1m from raw, then 5m from 1m and 1h from 5m). Queries: median of 5 runs each, warm,
// with sightline_tier=raw (engine option tier: 'raw') against the automatic choice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbStore } from '../packages/server/dist/storage/index.js';
import { createPromEngine, createStoreSeriesSource } from '../packages/server/dist/query/promql/index.js';

const SCALE = Number(process.argv[2] ?? 1);
const SERIES_N = 1000 * SCALE;
const T0 = Date.UTC(2026, 10, 20);
const HOURS = 25;
const STEP = 15_000;
const NOW = T0 + HOURS * 3_600_000 + 10 * 60_000;

const series = Array.from({ length: SERIES_N }, (_, i) => {
  const name = i % 2 ? 'http_requests_total' : 'temperature';
  const labels = { __name__: name, instance: `10.0.${(i >> 8) & 255}.${i & 255}:9100`, job: `job-${i % 20}` };
  return { fingerprint: 1e12 + i * 7919, name, labels };
});

let seed = 0x2545f491;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};

const dir = mkdtempSync(join(tmpdir(), 'sightline-bench-rollup-'));
const store = await createDuckDbStore({ dataDir: dir, clock: () => NOW });
try {
  // ---- data ----
  const ticks = (HOURS * 3_600_000) / STEP;
  const counters = new Float64Array(SERIES_N);
  const TICKS_PER_WRITE = 50;
  let written = 0;
  const w0 = performance.now();
  for (let tick = 0; tick < ticks; tick += TICKS_PER_WRITE) {
    const k = Math.min(TICKS_PER_WRITE, ticks - tick);
    const n = k * SERIES_N;
    const b = { kind: 'samples', tenant: 'default', length: n, fingerprint: new Float64Array(n), timeMs: new Float64Array(n), value: new Float64Array(n), series, metadata: [], expHistograms: [], exemplars: [] };
    let r = 0;
    for (let j = 0; j < k; j++) {
      const t = T0 + (tick + j) * STEP + 3_000;
      for (let i = 0; i < SERIES_N; i++, r++) {
        b.fingerprint[r] = series[i].fingerprint;
        b.timeMs[r] = t;
        if (i % 2) b.value[r] = counters[i] += Math.floor(rnd() * 20);
        else b.value[r] = 20 + rnd() * 5;
      }
    }
    const res = await store.writeSamples([b]);
    if (res.status !== 'ok') throw new Error(`write failed: ${res.status}`);
    written += n;
  }
  const writeS = (performance.now() - w0) / 1000;
  console.log(`data: ${SERIES_N} series x ${ticks} scrapes = ${(written / 1e6).toFixed(2)}M samples written in ${writeS.toFixed(1)} s`);

  // ---- build ----
  const cpu0 = process.cpuUsage();
  const b0 = performance.now();
  const built = await store.buildRollups(NOW, 5 * 60_000);
  const buildS = (performance.now() - b0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const raw = built.tiers.find((t) => t.tier === '1m').sourceRows;
  for (const t of built.tiers) console.log(`  tier ${t.tier}: ${t.sourceRows.toLocaleString('en-US')} source rows -> ${t.rows.toLocaleString('en-US')} rows`);
  console.log(
    `build: ${(raw / 1e6).toFixed(2)}M raw samples in ${buildS.toFixed(2)} s = ${((raw / buildS) / 1e6).toFixed(2)}M samples/s (all three tiers), ` +
      `process CPU ${(((cpu.user + cpu.system) / 1000) / (raw / 1000)).toFixed(2)} µs/sample`,
  );
  const again0 = performance.now();
  await store.buildRollups(NOW, 5 * 60_000);
  console.log(`build again with nothing new: ${(performance.now() - again0).toFixed(1)} ms`);

  // ---- queries ----
  const source = createStoreSeriesSource(store);
  const auto = createPromEngine(source);
  const raw_ = createPromEngine(source, { tier: 'raw' });
  const end = T0 + 24 * 3_600_000 + 3_600_000;
  const start = end - 24 * 3_600_000;
  const queries = ['max_over_time(temperature[1h])', 'sum by (job) (rate(http_requests_total[2h]))', 'avg_over_time(temperature[1h])'];
  console.log(`\nquery_range over 24 h at step 1h, ${SERIES_N / 2} series per selector (median of 5, warm):`);
  for (const q of queries) {
    const row = [];
    for (const [label, engine] of [['raw', raw_], ['auto', auto]]) {
      await engine.range('default', q, start, end, 3_600_000);
      const times = [];
      let stats;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const r = await engine.range('default', q, start, end, 3_600_000);
        times.push(performance.now() - t0);
        stats = r.stats;
      }
      times.sort((a, b) => a - b);
      row.push(`${label}: ${times[2].toFixed(1)} ms, ${stats.samplesLoaded.toLocaleString('en-US')} samples [${stats.tiers.join(',')}]`);
    }
    console.log(`  ${q}\n    ${row.join('\n    ')}`);
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
