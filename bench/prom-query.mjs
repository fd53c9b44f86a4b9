#!/usr/bin/env node
// PromQL dashboard-query latency, Sightline vs Debian's Prometheus 2.42, side by side in one run.
//
//   npm run build && node bench/prom-query.mjs               (~5 min the first time, ~3 min cached)
//   node bench/prom-query.mjs --rounds 7                    (more rounds)
//   node bench/prom-query.mjs --rebuild                     (regenerate the cached data)
//   node bench/prom-query.mjs --only-query 3                (one query; --profile adds node --cpu-prof)
//   node bench/prom-query.mjs --sealed                      (Sightline on a sealed copy of its data, see below)
//   node bench/prom-query.mjs --dists bench/.cache/dist-base,packages/server/dist
//                                                           (A/B: one Sightline per build, side by side)
//
// --sealed: every sample of the cached Sightline data dir sealed into blocks and the day files
// rewritten (bench/seal-data-dir.mjs --compact), as the sealing job leaves closed hours. The
// sealed copy is cached next to this script in bench/.cache/<cache name>-sealed (made on first
// use with the current build; --cache-dir may point into another checkout, it is only read).
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
import { loadavg } from 'node:os';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
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
    sealed: { type: 'boolean', default: false },
    dists: { type: 'string' },
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

// Sealed copy of the Sightline data dir (cached beside this script, never written into cacheDir).
let slSource = join(cacheDir, 'sightline');
if (args.sealed) {
  const sealedDir = new URL(`./.cache/${basename(cacheDir)}-sealed`, import.meta.url).pathname;
  const marker = join(sealedDir, 'sealed.json');
  const fresh = existsSync(marker) && JSON.parse(readFileSync(marker, 'utf8')).endMs === manifest.endMs;
  if (!fresh) {
    log(`sealing a copy of ${slSource} into ${sealedDir}`);
    rmSync(sealedDir, { recursive: true, force: true });
    mkdirSync(sealedDir, { recursive: true });
    cpSync(slSource, join(sealedDir, 'sightline'), { recursive: true });
    execFileSync(process.execPath, [new URL('./seal-data-dir.mjs', import.meta.url).pathname, join(sealedDir, 'sightline'), '--compact'], { stdio: 'inherit' });
    writeFileSync(marker, JSON.stringify({ endMs: manifest.endMs, sealedAt: new Date().toISOString() }));
  }
  slSource = join(sealedDir, 'sightline');
}
const DISTS = args.dists ? args.dists.split(',') : [undefined];
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
const prom = await startPrometheus({ dataDir: join(work, 'prometheus') });
const sls = [];
try {
  for (const [i, dist] of DISTS.entries()) {
    cpSync(slSource, join(work, `sightline-${i}`), { recursive: true });
    const s = await startSightline({ dataDir: join(work, `sightline-${i}`), dist, nodeArgs: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${process.cwd()}`] : [] });
    s.label = dist ?? 'packages/server/dist';
    sls.push(s);
  }
  log(`Prometheus ${prom.url}, Sightline ${sls.map((s) => `${s.url} (${s.label})`).join(', ')}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const results = [];
  for (const q of selected) {
    const p = await timed(prom, q);
    const r = { q, cmp: [], first: { prometheus: p.ms, sightline: [] }, prometheus: [], sightline: sls.map(() => []) };
    for (const sl of sls) {
      const s = await timed(sl, q);
      const cmp = compare(p.data, s.data);
      r.cmp.push(cmp);
      r.first.sightline.push(s.ms);
      log(`warm-up (cold) ${q.name}: prometheus ${p.ms.toFixed(0)} ms, sightline ${sl.label} ${s.ms.toFixed(0)} ms; ${cmp.ok ? 'same result' : 'DIFFERENT: ' + cmp.why} (${cmp.series} series, ${cmp.points} points)`);
    }
    results.push(r);
  }
  const servers = [['prometheus', prom, -1], ...sls.map((s, i) => [s.label, s, i])];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [qi, r] of results.entries()) {
      // Rotate which server goes first, per round and per query.
      const shift = (round + qi) % servers.length;
      for (const [, server, i] of [...servers.slice(shift), ...servers.slice(0, shift)]) {
        const ms = (await timed(server, r.q)).ms;
        if (i < 0) r.prometheus.push(ms);
        else r.sightline[i].push(ms);
      }
    }
    log(`round ${round + 1}/${ROUNDS} done; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  }
  const rows = results.map((r) => {
    const pm = median(r.prometheus);
    const sm = r.sightline.map((xs) => median(xs));
    return {
      query: r.q.name, promql: r.q.query, step: r.q.step, prometheusMs: +pm.toFixed(1), prometheusFirstMs: +r.first.prometheus.toFixed(1),
      sightline: sls.map((s, i) => ({ build: s.label, ms: +sm[i].toFixed(1), firstMs: +r.first.sightline[i].toFixed(1), ratio: +(sm[i] / pm).toFixed(2), sameResult: r.cmp[i].ok, series: r.cmp[i].series, points: r.cmp[i].points, difference: r.cmp[i].ok ? undefined : r.cmp[i].why })),
    };
  });
  const many = sls.length > 1;
  console.log(`| # | query | Prometheus ms (cold) | ${sls.map((s) => `Sightline${many ? ` ${s.label}` : ''} ms (cold) | S/P`).join(' | ')} | same result |`);
  console.log(`|---|---|---:|${sls.map(() => '---:|---:|').join('')}---|`);
  rows.forEach((r, i) => console.log(`| ${i + 1} | ${r.query} | ${r.prometheusMs} (${r.prometheusFirstMs}) | ${r.sightline.map((s) => `${s.ms} (${s.firstMs}) | ${s.ratio}`).join(' | ')} | ${r.sightline.map((s) => (s.sameResult ? `yes (${s.series} series, ${s.points} points)` : `no: ${s.difference}`)).join('; ')} |`));
  const medians = sls.map((s, i) => +median(rows.map((r) => r.sightline[i].ratio)).toFixed(2));
  for (const [i, s] of sls.entries()) console.log(`median ratio Sightline${many ? ` ${s.label}` : ''}/Prometheus: ${medians[i].toFixed(2)} (target <= 1.0); rounds ${ROUNDS}${args.sealed ? ', sealed data' : ''}`);
  console.log(JSON.stringify({ manifest, rounds: ROUNDS, sealed: args.sealed, medianRatios: medians, rows, prometheusPeakRssMiB: Math.round(procStats(prom.proc.pid).peakRssBytes / 2 ** 20), sightlinePeakRssMiB: sls.map((s) => Math.round(procStats(s.proc.pid).peakRssBytes / 2 ** 20)) }, null, 2));
} finally {
  await prom.stop();
  for (const s of sls) await s.stop();
  rmSync(work, { recursive: true, force: true });
}
