#!/usr/bin/env node
// Where Sightline's PromQL time goes, query by query, on the data bench/prom-query.mjs caches:
// the store (selectSeries: series lookup in the catalog + samples from the day files) against
// the engine's own evaluation (the same query over the same series held in memory), in process,
// without HTTP. Then EXPLAIN ANALYZE of the two SQL statements behind the biggest selector.
//
//   npx tsc -p packages/server/tsconfig.build.json && node bench/prom-query-profile.mjs [cache dir] [rounds]
//   DISTS=bench/.cache/dist-old,packages/server/dist node bench/prom-query-profile.mjs
//     (A/B: two builds of the server, alternating per round, each on its own copy of the data;
//      the store/engine split is printed per build, and the builds' answers are compared)
//   DATA=/tmp/unsealed,/tmp/sealed node bench/prom-query-profile.mjs
//     (A/B: one build on copies of two Sightline data dirs, e.g. before and after
//      bench/seal-data-dir.mjs; with DISTS too, build i reads data dir i)
//   node bench/prom-query-profile.mjs bench/.cache/prom-query-10000-24h-60s-sealed 5
//     (the sealed copy `prom-query.mjs --sealed` caches; rounds after the first read sealed
//      blocks from the store's decoded-block cache, so medians of 3+ rounds are warm)
import { DuckDBInstance } from '@duckdb/node-api';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './lib/prom-bench.mjs';

const cacheDir = process.argv[2] ?? new URL('./.cache/prom-query-10000-24h-60s', import.meta.url).pathname;
const ROUNDS = Number(process.argv[3] ?? 3);
const manifest = JSON.parse(readFileSync(join(cacheDir, 'manifest.json'), 'utf8'));
const END = manifest.endMs;
const H = 3_600_000;
const QUERIES = [
  ['sum by (job) (rate(http_requests_total[5m]))', 24, 300],
  ['sum by (job) (rate(http_requests_total[5m]))', 24, 60],
  ['histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))', 24, 300],
  ['avg_over_time(process_resident_memory_bytes[10m])', 24, 300],
  ['max by (job) (queue_depth)', 6, 60],
  ['count by (job) (http_requests_total)', 0, 0],
];

const dists = (process.env.DISTS ?? new URL('../packages/server/dist', import.meta.url).pathname).split(',');
const datas = process.env.DATA ? process.env.DATA.split(',') : dists.map(() => join(cacheDir, 'sightline'));
const builds = [];
for (const [i, data] of datas.entries()) {
  const dist = dists[Math.min(i, dists.length - 1)];
  const label = process.env.DATA ? data : dist;
  const abs = pathToFileURL(resolve(dist) + '/').href;
  const { createDuckDbStore } = await import(new URL('storage/duckdb/duckdb-store.js', abs));
  const { createPromEngine, createStoreSeriesSource } = await import(new URL('query/promql/index.js', abs));
  const dir = mkdtempSync(join(tmpdir(), 'promperf-profile-'));
  cpSync(data, dir, { recursive: true });
  builds.push({ dist: label, dir, store: await createDuckDbStore({ dataDir: dir }), createPromEngine, createStoreSeriesSource });
}
const work = builds[0].dir;
const rowsOut = [];
try {
  for (const [q, hours, step] of QUERIES) {
    const perBuild = builds.map(() => ({ totals: [], selects: [], engines: [], samples: 0 }));
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < builds.length; k++) {
        const b = (r % 2 === 0 ? k : builds.length - 1 - k);
        await profileOnce(builds[b], q, hours, step, perBuild[b]);
      }
    }
    // A/B: every build must give the same answer (same series, same values, bit for bit; stats but evalMs).
    const answers = perBuild.map((m) => JSON.stringify({ ...m.result, stats: { ...m.result.stats, evalMs: undefined } }));
    const same = answers.every((a) => a === answers[0]);
    if (builds.length > 1) console.error(`${q} ${hours}h/${step}s: results ${same ? 'identical' : 'DIFFER'} across builds (${answers[0].length} chars of JSON)`);
    if (!same) process.exitCode = 1;
    builds.forEach((b, i) => {
      const m = perBuild[i];
      rowsOut.push(`| ${builds.length > 1 ? `${b.dist} | ` : ''}\`${q}\` | ${hours ? `${hours}h / ${step}s` : 'instant'} | ${median(m.totals).toFixed(0)} | ${median(m.selects).toFixed(0)} | ${median(m.engines).toFixed(0)} | ${m.samples} |`);
    });
  }
  console.log(`| ${builds.length > 1 ? 'build | ' : ''}query | range/step | total ms | store selectSeries ms | engine ms (same series in memory) | samples loaded |`);
  console.log(`|${builds.length > 1 ? '---|' : ''}---|---|---:|---:|---:|---:|`);
  for (const r of rowsOut) console.log(r);
} finally {
  for (const b of builds) await b.store.close();
  for (const b of builds.slice(1)) rmSync(b.dir, { recursive: true, force: true });
}

async function profileOnce(build, q, hours, step, m) {
  let selectMs = 0;
  let captured = [];
  const inner = build.createStoreSeriesSource(build.store);
  const timedSource = {
    async select(...a) {
      const t = performance.now();
      const rows = await inner.select(...a);
      selectMs += performance.now() - t;
      captured.push({ matchers: a[1], rows });
      return rows;
    },
  };
  const engine = build.createPromEngine(timedSource);
  const t = performance.now();
  const result = hours === 0 ? await engine.instant('default', q, END) : await engine.range('default', q, END - hours * H, END, step * 1000);
  m.result ??= result;
  m.totals.push(performance.now() - t);
  m.selects.push(selectMs);
  // Replays what the store returned, call by call (the engine selects in the same order).
  let call = 0;
  const replay = captured.map((c) => c.rows);
  const memEngine = build.createPromEngine({ select: async () => replay[call++] });
  m.samples = captured.reduce((n, c) => n + c.rows.reduce((k, s) => k + s.timestampsMs.length, 0), 0);
  const t2 = performance.now();
  if (hours === 0) await memEngine.instant('default', q, END);
  else await memEngine.range('default', q, END - hours * H, END, step * 1000);
  m.engines.push(performance.now() - t2);
}

if (process.env.SKIP_EXPLAIN) {
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

// EXPLAIN ANALYZE of selectSeries' two statements for http_request_duration_seconds_bucket over
// 24 h (4,800 series), written as metric-queries.ts builds them.
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`ATTACH '${join(work, 'catalog.duckdb')}' AS catalog (READ_ONLY)`);
const days = readdirSync(join(work, 'metrics')).filter((f) => f.endsWith('.duckdb'));
for (const [i, f] of days.entries()) await c.run(`ATTACH '${join(work, 'metrics', f)}' AS d${i} (READ_ONLY)`);
const start = END - 24 * H - 300_000;
const hours = `hour BETWEEN ${Math.floor(start / H)} AND ${Math.floor(END / H)}`;
const active = days.map((_, i) => `SELECT fingerprint FROM d${i}.main.series_hours WHERE tenant = 'default' AND ${hours}`).join(' UNION ALL ');
const seriesSql = `SELECT fingerprint::DOUBLE, labels FROM catalog.main.series WHERE tenant = 'default' AND name = 'http_request_duration_seconds_bucket' AND fingerprint IN (${active}) ORDER BY fingerprint`;
const fps = (await c.runAndReadAll(`SELECT fingerprint FROM catalog.main.series WHERE tenant = 'default' AND name = 'http_request_duration_seconds_bucket'`)).getRows().map((r) => r[0]);
const list = `[${fps.join(',')}]::BIGINT[]`;
const where = `tenant = 'default' AND t_ms BETWEEN ${start} AND ${END} AND fingerprint IN (SELECT unnest(${list}))`;
const samplesSql = `SELECT fingerprint::DOUBLE, t_ms::DOUBLE, value FROM (${days.map((_, i) => `SELECT fingerprint, t_ms, value FROM d${i}.main.samples WHERE ${where}`).join(' UNION ALL ')}) ORDER BY fingerprint, t_ms`;
for (const [name, sql] of [['series lookup', seriesSql], [`samples of ${fps.length} series`, samplesSql]]) {
  const t = performance.now();
  const rows = (await c.runAndReadAll(sql)).getRows().length;
  const ms = performance.now() - t;
  const plan = (await c.runAndReadAll(`EXPLAIN ANALYZE ${sql}`)).getRows().map((r) => r[1]).join('\n');
  console.log(`\n### ${name}: ${rows} rows in ${ms.toFixed(0)} ms\n`);
  console.log(plan.replace(/\[[0-9, ]{200,}\]/g, '[…]'));
}
c.closeSync();
db.closeSync();
rmSync(work, { recursive: true, force: true });
