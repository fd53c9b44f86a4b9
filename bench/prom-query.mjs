#!/usr/bin/env node
// PromQL dashboard-query latency, Sightline vs Debian's Prometheus 2.42, side by side in one run.
//
//   npm run build && node bench/prom-query.mjs               (~5 min the first time, ~3 min cached)
//   node bench/prom-query.mjs --rounds 7                    (more rounds)
//   node bench/prom-query.mjs --rebuild                     (regenerate the cached data)
//   node bench/prom-query.mjs --only-query 3                (one query; --profile adds node --cpu-prof)
//
// Data: --series series (10,000 by default; bench/lib/prom-bench.mjs layout: 5 jobs x 20
// instances, per instance 20 http_requests_total{method,status} counters, a classic histogram
// http_request_duration_seconds{method} with 12 le buckets + _sum + _count, in-flight and queue
// gauges, process_* and up) every --interval s (60) for --hours h (24, plus 15 min
// so the 24 h queries start on full windows) ending at build time: 14.4M samples by default. The same values reach both:
//   Prometheus: an OpenMetrics file -> `promtool tsdb create-blocks-from openmetrics` (2 h blocks)
//     into its data dir, then Prometheus is started on it once and left to compact the blocks
//     (as it would on its own) before the directory is cached.
//   Sightline: its real ingest path, remote_write (POST /api/v1/write, snappy WriteRequests of
//     2,000 samples, 4 concurrent shards), then stopped (checkpoint) and the data dir cached.
// The cache lives in bench/.cache/prom-query-<series>-<hours>h-<interval>s (gitignored); each
// run starts both servers on fresh copies of it.
//
// Each query runs once on both as a warm-up whose results are compared (same series, values
// within 1e-6 relative), then --rounds times, alternating which server goes first. Latency is
// the HTTP round trip to the end of the JSON body. Reported: per-query medians, the ratio
// Sightline/Prometheus and the median of the ratios.
import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compressSync } from 'snappy';
import { buildSeries, buildStream, dirBytes, median, procStats, promQuery, sendShards, sleep, startPrometheus, startSightline, tempDir, valueGenerator } from './lib/prom-bench.mjs';

const { values: args } = parseArgs({
  options: {
    series: { type: 'string', default: '10000' },
    hours: { type: 'string', default: '24' },
    interval: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '5' },
    rebuild: { type: 'boolean', default: false },
    'only-query': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'cache-dir': { type: 'string' },
  },
});
const SERIES = Number(args.series);
const HOURS = Number(args.hours);
const INTERVAL_S = Number(args.interval);
const ROUNDS = Number(args.rounds);
const cacheDir = args['cache-dir'] ?? new URL(`./.cache/prom-query-${SERIES}-${HOURS}h-${INTERVAL_S}s`, import.meta.url).pathname;
const manifestPath = join(cacheDir, 'manifest.json');
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---------------------------------------------------------------------------------------------
// Data (cached)
// ---------------------------------------------------------------------------------------------
async function buildCache() {
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  const series = buildSeries(SERIES);
  // 15 minutes more than --hours, so the 24 h queries' first windows are full: at the very start
  // of a series the engines' extrapolation edge cases would compare something else.
  const steps = (HOURS * 3600 + 900) / INTERVAL_S;
  const endMs = Math.floor(Date.now() / (INTERVAL_S * 1000)) * INTERVAL_S * 1000 - 60_000;
  const firstMs = endMs - (steps - 1) * INTERVAL_S * 1000;

  // Prometheus: OpenMetrics -> promtool blocks -> let Prometheus compact them.
  let t = Date.now();
  const omPath = join(cacheDir, 'data.om');
  const fd = openSync(omPath, 'w');
  const prefixes = series.map((s) => `${s.name}{${s.labels.filter(([k]) => k !== '__name__').map(([k, v]) => `${k}="${v}"`).join(',')}} `);
  const gen = valueGenerator(series);
  for (let k = 0; k < steps; k++) {
    const v = gen.next(INTERVAL_S);
    const ts = ` ${(firstMs + k * INTERVAL_S * 1000) / 1000}\n`;
    let chunk = '';
    for (let i = 0; i < series.length; i++) chunk += prefixes[i] + v[i] + ts;
    writeSync(fd, chunk);
  }
  writeSync(fd, '# EOF\n');
  closeSync(fd);
  log(`OpenMetrics file written in ${Date.now() - t} ms`);
  t = Date.now();
  const promData = join(cacheDir, 'prometheus');
  execFileSync('/usr/bin/promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', omPath, promData], { stdio: 'inherit' });
  rmSync(omPath);
  const promtoolS = (Date.now() - t) / 1000;
  log(`promtool create-blocks-from openmetrics: ${promtoolS} s`);
  const last = await compactPrometheus(promData);
  log(`Prometheus compacted to ${last} blocks`);

  // Sightline: remote_write into a fresh server.
  t = Date.now();
  const stream = buildStream({ series, steps, intervalS: INTERVAL_S, firstMs, shards: 4, perRequest: 2000, compress: compressSync });
  const slData = join(cacheDir, 'sightline');
  mkdirSync(slData);
  const sl = await startSightline({ dataDir: slData });
  const started = performance.now();
  const r = await sendShards(sl.url, stream.shards, { samplesOf: stream.samplesOf });
  const loadS = (performance.now() - started) / 1000;
  await sl.stop();
  if (r.acked !== series.length * steps) throw new Error(`Sightline acknowledged ${r.acked} of ${series.length * steps} samples: ${JSON.stringify(r.statuses)} ${r.firstError}`);
  log(`Sightline loaded ${r.acked} samples by remote_write in ${loadS.toFixed(1)} s (${Math.round(r.acked / loadS)} samples/s)`);
  const blockBytes = dirBytes(promData, (p) => /\/(chunks\/|index$)/.test(p));
  const manifest = {
    series: series.length, steps, intervalS: INTERVAL_S, firstMs, endMs, samples: series.length * steps,
    prometheusBlocks: last, prometheusBlockBytes: blockBytes, sightlineDayFileBytes: dirBytes(join(slData, 'metrics'), (p) => p.endsWith('.duckdb')),
    sightlineCatalogBytes: dirBytes(slData, (p) => p.endsWith('catalog.duckdb')), sightlineLoadS: loadS, promtoolS, prometheusCompacted: true,
  };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return manifest;
}

/**
 * Starts Prometheus on the backfilled 2 h blocks and waits until it has compacted them, as it
 * does on its own (its first compaction runs a minute after start), so that queries later
 * neither hit 13 small blocks nor race a background compaction.
 */
async function compactPrometheus(promData) {
  const prom = await startPrometheus({ dataDir: promData });
  const blocks = () => readdirSync(promData).filter((d) => existsSync(join(promData, d, 'meta.json'))).length;
  const started = Date.now();
  let last = blocks();
  let lastChange = Date.now();
  while (Date.now() - started < 90_000 || Date.now() - lastChange < 30_000) {
    await sleep(5000);
    const n = blocks();
    if (n !== last) lastChange = Date.now();
    last = n;
  }
  await prom.stop({ keep: true });
  return last;
}

let manifest = !args.rebuild && existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
if (!manifest) manifest = await buildCache();
if (!manifest.prometheusCompacted) {
  // Caches built before compaction was waited for.
  manifest.prometheusBlocks = await compactPrometheus(join(cacheDir, 'prometheus'));
  manifest.prometheusBlockBytes = dirBytes(join(cacheDir, 'prometheus'), (p) => /\/(chunks\/|index$)/.test(p));
  manifest.prometheusCompacted = true;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  log(`Prometheus compacted the backfilled blocks into ${manifest.prometheusBlocks}`);
}
const END = manifest.endMs / 1000;
log(`data: ${manifest.series} series x ${manifest.steps} samples (every ${manifest.intervalS}s), ${manifest.samples} samples ending ${new Date(manifest.endMs).toISOString()}; ` +
  `disk: Prometheus blocks ${(manifest.prometheusBlockBytes / manifest.samples).toFixed(2)} B/sample, Sightline day files ${(manifest.sightlineDayFileBytes / manifest.samples).toFixed(2)} B/sample (+catalog ${(manifest.sightlineCatalogBytes / manifest.samples).toFixed(2)})`);

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------
const range = (hours, step) => ({ start: String(END - hours * 3600), end: String(END), step: String(step) });
const QUERIES = [
  { name: 'rate sum by job, 24h step 300s', query: 'sum by (job) (rate(http_requests_total[5m]))', ...range(24, 300) },
  { name: 'rate sum by job, 24h step 60s', query: 'sum by (job) (rate(http_requests_total[5m]))', ...range(24, 60) },
  { name: 'p99 histogram_quantile, 24h step 300s', query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))', ...range(24, 300) },
  { name: 'topk(5) instances by rate, 24h step 300s', query: 'topk(5, sum by (instance) (rate(http_requests_total[5m])))', ...range(24, 300) },
  { name: 'avg_over_time memory, 24h step 300s', query: 'avg_over_time(process_resident_memory_bytes[10m])', ...range(24, 300) },
  { name: 'regex 5xx rate by job, 24h step 300s', query: 'sum by (job) (rate(http_requests_total{status=~"5.."}[5m]))', ...range(24, 300) },
  { name: 'error ratio by job, 1h step 15s', query: 'sum by (job) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))', ...range(1, 15) },
  { name: 'p90 by le for job="api", 6h step 60s', query: 'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))', ...range(6, 60) },
  { name: 'max queue depth by job, 6h step 60s', query: 'max by (job) (queue_depth)', ...range(6, 60) },
  { name: 'instant: count by (job)', query: 'count by (job) (http_requests_total)', time: String(END) },
  { name: 'instant: rate by job, method', query: 'sum by (job, method) (rate(http_requests_total[5m]))', time: String(END) },
  { name: 'instant: p99 by job over 1h', query: 'histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket[1h])))', time: String(END) },
];
const selected = args['only-query'] ? args['only-query'].split(',').map((i) => QUERIES[Number(i) - 1]) : QUERIES;

function keyOf(metric) {
  return JSON.stringify(Object.entries(metric).sort());
}

/** Compares two Prometheus API results: same series, same timestamps, values within 1e-6 relative. */
function compare(a, b) {
  if (a.resultType !== b.resultType) return { ok: false, why: `resultType ${a.resultType} vs ${b.resultType}` };
  const rows = (d) => (d.resultType === 'matrix' ? d.result.map((r) => [keyOf(r.metric), r.values]) : d.resultType === 'vector' ? d.result.map((r) => [keyOf(r.metric), [r.value]]) : [['scalar', [d.result]]]);
  const ma = new Map(rows(a));
  const mb = new Map(rows(b));
  let points = 0;
  let maxRel = 0;
  let worst = '';
  let differing = 0;
  const problems = [];
  if (ma.size !== mb.size) problems.push(`series ${ma.size} vs ${mb.size}`);
  for (const [k, va] of ma) {
    const vb = mb.get(k);
    if (!vb) {
      problems.length < 3 && problems.push(`missing in sightline: ${k}`);
      continue;
    }
    if (va.length !== vb.length) problems.length < 3 && problems.push(`${k}: ${va.length} vs ${vb.length} points`);
    const mbt = new Map(vb.map(([t, v]) => [t, v]));
    for (const [t, v] of va) {
      const w = mbt.get(t);
      if (w === undefined) continue;
      points++;
      const x = Number(v);
      const y = Number(w);
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      const rel = x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-12);
      if (!(rel <= 1e-6)) differing++;
      if (!(rel <= maxRel)) {
        maxRel = Number.isNaN(rel) ? Infinity : rel;
        worst = `${k} @${t}: ${v} vs ${w}`;
      }
    }
  }
  if (maxRel > 1e-6) problems.push(`${differing} points differ, max relative difference ${maxRel.toPrecision(3)} (prometheus vs sightline: ${worst})`);
  return { ok: problems.length === 0, series: ma.size, points, maxRel, why: problems.join('; ') };
}

async function timed(server, q) {
  const params = q.time ? { query: q.query, time: q.time } : { query: q.query, start: q.start, end: q.end, step: q.step };
  const started = performance.now();
  const data = await promQuery(server.url, q.time ? '/api/v1/query' : '/api/v1/query_range', params);
  return { ms: performance.now() - started, data };
}

const work = tempDir('promperf-query-');
cpSync(join(cacheDir, 'prometheus'), join(work, 'prometheus'), { recursive: true });
cpSync(join(cacheDir, 'sightline'), join(work, 'sightline'), { recursive: true });
const prom = await startPrometheus({ dataDir: join(work, 'prometheus') });
const sl = await startSightline({ dataDir: join(work, 'sightline'), nodeArgs: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${process.cwd()}`] : [] });
try {
  log(`Prometheus ${prom.url}, Sightline ${sl.url}`);
  const results = [];
  for (const q of selected) {
    const p = await timed(prom, q);
    const s = await timed(sl, q);
    const cmp = compare(p.data, s.data);
    results.push({ q, cmp, first: { prometheus: p.ms, sightline: s.ms }, prometheus: [], sightline: [] });
    log(`warm-up ${q.name}: prometheus ${p.ms.toFixed(0)} ms, sightline ${s.ms.toFixed(0)} ms; ${cmp.ok ? 'same result' : 'DIFFERENT: ' + cmp.why} (${cmp.series} series, ${cmp.points} points)`);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of results) {
      const order = (round + results.indexOf(r)) % 2 === 0 ? [['prometheus', prom], ['sightline', sl]] : [['sightline', sl], ['prometheus', prom]];
      for (const [name, server] of order) r[name].push((await timed(server, r.q)).ms);
    }
    log(`round ${round + 1}/${ROUNDS} done`);
  }
  const rows = results.map((r) => {
    const pm = median(r.prometheus);
    const sm = median(r.sightline);
    return { query: r.q.name, promql: r.q.query, step: r.q.step, prometheusMs: +pm.toFixed(1), sightlineMs: +sm.toFixed(1), ratio: +(sm / pm).toFixed(2), sameResult: r.cmp.ok, series: r.cmp.series, points: r.cmp.points, difference: r.cmp.ok ? undefined : r.cmp.why };
  });
  console.log('| # | query | Prometheus ms | Sightline ms | Sightline/Prometheus | same result |');
  console.log('|---|---|---:|---:|---:|---|');
  rows.forEach((r, i) => console.log(`| ${i + 1} | ${r.query} | ${r.prometheusMs} | ${r.sightlineMs} | ${r.ratio} | ${r.sameResult ? `yes (${r.series} series, ${r.points} points)` : `no: ${r.difference}`} |`));
  const ratios = rows.map((r) => r.ratio);
  console.log(`\nmedian ratio Sightline/Prometheus: ${median(ratios).toFixed(2)} (target <= 1.0); rounds ${ROUNDS}`);
  console.log(JSON.stringify({ manifest, rounds: ROUNDS, medianRatio: +median(ratios).toFixed(2), rows, prometheusPeakRssMiB: Math.round(procStats(prom.proc.pid).peakRssBytes / 2 ** 20), sightlinePeakRssMiB: Math.round(procStats(sl.proc.pid).peakRssBytes / 2 ** 20) }, null, 2));
} finally {
  await prom.stop();
  await sl.stop();
  rmSync(work, { recursive: true, force: true });
}
