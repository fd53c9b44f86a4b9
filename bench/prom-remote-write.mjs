#!/usr/bin/env node
// remote_write ingest, Sightline vs Debian's Prometheus 2.42, side by side in one run.
//
//   npm run build && node bench/prom-remote-write.mjs                     (~3 min)
//   node bench/prom-remote-write.mjs --series 10000 --steps 360 --rounds 5 --connections 8
//   node bench/prom-remote-write.mjs --dists base=bench/.cache/dist-base,new=packages/server/dist --skip-disk
//     (A/B: every round runs Prometheus and each listed Sightline build, order rotating per round;
//      a build must live inside the repository so it resolves node_modules; label=dist@KEY=VALUE
//      also sets an environment variable for that server, e.g. @SIGHTLINE_INGEST_DECODE_WORKERS=0)
//
// The stream is encoded once, before any server starts: --series series (bench/lib/prom-bench.mjs
// layout: counters, a classic histogram, gauges; 100 series per instance, 5 jobs) scraped every
// --interval seconds for --steps scrapes ending now. As Prometheus' queue manager does, the
// series are split into --connections shards (series i -> shard i % connections); each shard
// sends WriteRequests of --per-request samples (one TimeSeries per sample), snappy-compressed,
// with one request in flight, in time order, so Prometheus never sees an out-of-order sample.
//
// Each round starts a fresh Prometheus and a fresh Sightline (alternating which goes first),
// sends the whole stream, and records acknowledged samples/s (wall time from the first request
// to the last acknowledgement), the server's CPU seconds during the stream and its peak RSS
// (VmHWM). Then it checks that every sample is queryable (sum(count_over_time(...))) and
// measures bytes on disk:
//   Prometheus: a TSDB snapshot with the head (POST /api/v1/admin/tsdb/snapshot) writes the
//     head as a compacted block; counted: the block's chunks/ + index (meta.json, tombstones
//     left out). The WAL + head chunks before the snapshot are reported too (not compressed form).
//   Sightline: stopped (SIGTERM checkpoints every database), then the metrics day file(s)
//     metrics/*.duckdb alone, and with catalog.duckdb (series labels) added. Then every sample
//     is sealed into compact per-series blocks (store.sealSamples, the day files rewritten) and
//     measured again: the counterpart of Prometheus' snapshot, which compacts its head.
import { compressSync } from 'snappy';
import { parseArgs } from 'node:util';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSeries, buildStream, dirBytes, median, procStats, promQuery, sendShards, startPrometheus, startSightline } from './lib/prom-bench.mjs';

const { createDuckDbStore } = await import(new URL('../packages/server/dist/storage/duckdb/duckdb-store.js', import.meta.url));

const { values: args } = parseArgs({
  options: {
    series: { type: 'string', default: '10000' },
    steps: { type: 'string', default: '240' },
    interval: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    'per-request': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    /** label=dist,label=dist: Sightline builds to run side by side (default: packages/server/dist). */
    dists: { type: 'string' },
    /** Skip the disk measurement and sealing after each Sightline run (faster A/B throughput runs). */
    'skip-disk': { type: 'boolean', default: false },
  },
});
const SERIES = Number(args.series);
const STEPS = Number(args.steps);
const INTERVAL_S = Number(args.interval);
const CONNS = Number(args.connections);
const PER_REQ = Number(args['per-request']);
const ROUNDS = Number(args.rounds);

// ---- encode the stream once ----
const t0 = Date.now();
const series = buildSeries(SERIES);
const endMs = Math.floor(Date.now() / (INTERVAL_S * 1000)) * INTERVAL_S * 1000;
const firstMs = endMs - (STEPS - 1) * INTERVAL_S * 1000;
const { shards, samplesOf, rawBytes, compressedBytes, requests } = buildStream({ series, steps: STEPS, intervalS: INTERVAL_S, firstMs, shards: CONNS, perRequest: PER_REQ, compress: compressSync });
const totalSamples = SERIES * STEPS;
console.error(
  `stream: ${SERIES} series x ${STEPS} scrapes every ${INTERVAL_S}s = ${totalSamples} samples in ${requests} requests over ${CONNS} shards; ` +
    `${(rawBytes / totalSamples).toFixed(1)} raw / ${(compressedBytes / totalSamples).toFixed(1)} snappy bytes per sample; encoded in ${Date.now() - t0} ms`,
);

// count_over_time drops the name, so series of different metrics would collide: one query a name.
const metricNames = [...new Set(series.map((s) => s.name))];
async function storedSamples(url) {
  let n = 0;
  for (const name of metricNames) {
    const data = await promQuery(url, '/api/v1/query', { query: `sum(count_over_time(${name}[1h]))`, time: String((endMs + 1000) / 1000) });
    n += Number(data.result[0]?.value[1] ?? 0);
  }
  return n;
}

/** Sends the whole stream to a running server: throughput, CPU seconds, peak RSS, samples stored. */
async function measureIngest(server) {
  const before = procStats(server.proc.pid);
  const started = performance.now();
  const r = await sendShards(server.url, shards, { samplesOf });
  const wallS = (performance.now() - started) / 1000;
  const after = procStats(server.proc.pid);
  const stored = await storedSamples(server.url);
  return { ...r, wallS, samplesPerS: r.acked / wallS, cpuS: after.cpuS - before.cpuS, peakRssMiB: after.peakRssBytes / 2 ** 20, stored };
}

async function metricCommits(url) {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  return Number(/^sightline_writer_commit_duration_seconds_count\{signal="metrics"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

async function runPrometheus() {
  const prom = await startPrometheus();
  try {
    const m = await measureIngest(prom);
    const walBytes = dirBytes(prom.dataDir, (p) => /\/(wal|chunks_head)\//.test(p));
    const snap = await fetch(`${prom.url}/api/v1/admin/tsdb/snapshot?skip_head=false`, { method: 'POST' }).then((x) => x.json());
    const snapDir = join(prom.dataDir, 'snapshots', snap.data.name);
    let blockBytes = 0;
    let blockSamples = 0;
    for (const b of readdirSync(snapDir)) {
      const dir = join(snapDir, b);
      blockBytes += dirBytes(join(dir, 'chunks')) + statSync(join(dir, 'index')).size;
      blockSamples += JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).stats.numSamples;
    }
    return { system: 'prometheus', ...m, disk: { walAndHeadBytesPerSample: walBytes / m.acked, blockBytesPerSample: blockBytes / blockSamples, blockSamples } };
  } finally {
    await prom.stop();
  }
}

async function runSightline(dist, label) {
  const [path, ...envs] = dist?.split('@') ?? [];
  const env = Object.fromEntries(envs.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const sl = await startSightline({ dist: path, env });
  try {
    const commitsBefore = await metricCommits(sl.url);
    const m = await measureIngest(sl);
    // Group commits of the metrics lane during the stream (more, smaller commits cost CPU per sample).
    m.commits = (await metricCommits(sl.url)) - commitsBefore;
    if (args['skip-disk']) return { system: label, ...m, disk: {} };
    await sl.stop({ keep: true }); // SIGTERM: checkpoints every attached database
    const days = dirBytes(join(sl.dataDir, 'metrics'), (p) => p.endsWith('.duckdb'));
    const wals = dirBytes(sl.dataDir, (p) => p.endsWith('.wal'));
    const catalog = statSync(join(sl.dataDir, 'catalog.duckdb')).size;
    // The compacted form, like Prometheus' snapshot of its head: every sample sealed into
    // per-series blocks (what the sealing job does an hour at a time, 10 minutes after the hour
    // ends), the day files rewritten without the raw rows' freed blocks.
    const store = await createDuckDbStore({ dataDir: sl.dataDir });
    const sealT = performance.now();
    const sealed = await store.sealSamples(8.64e15);
    const sealS = (performance.now() - sealT) / 1000;
    const sealedCount = (await store.stats()).samples;
    await store.close();
    if (sealedCount !== m.acked) throw new Error(`sealed store holds ${sealedCount} samples, ${m.acked} acknowledged`);
    const sealedDays = dirBytes(join(sl.dataDir, 'metrics'), (p) => p.endsWith('.duckdb'));
    return {
      system: label,
      ...m,
      disk: {
        dayFileBytesPerSample: days / m.acked,
        withCatalogBytesPerSample: (days + catalog) / m.acked,
        sealedDayFileBytesPerSample: sealedDays / m.acked,
        sealedWithCatalogBytesPerSample: (sealedDays + catalog) / m.acked,
        sealSeconds: sealS,
        sealedSamples: sealed.samples,
        catalogBytes: catalog,
        walBytesLeft: wals,
      },
    };
  } finally {
    await sl.stop();
    rmSync(sl.dataDir, { recursive: true, force: true });
  }
}

// label=dist[@KEY=VALUE...] (a bare dist is its own label): split at the first '=' only, the
// environment part has its own.
const dists = args.dists ? args.dists.split(',').map((d) => (d.includes('=') ? [d.slice(0, d.indexOf('=')), d.slice(d.indexOf('=') + 1)] : [d, d])) : [['sightline', undefined]];
const runners = [Object.assign(runPrometheus, { label: 'prometheus' }), ...dists.map(([label, dist]) => Object.assign(() => runSightline(dist, label), { label }))];
const results = Object.fromEntries(runners.map((r) => [r.label, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order so no build always runs first (or right after Prometheus).
  const order = runners.map((_, i) => runners[(i + round) % runners.length]);
  for (const run of order) {
    if (args.only && !run.label.includes(args.only)) continue;
    const r = await run();
    results[r.system].push(r);
    const d = r.disk;
    console.error(
      `round ${round + 1} ${r.system.padEnd(10)} ${Math.round(r.samplesPerS).toLocaleString('en-US').padStart(10)} samples/s  wall ${r.wallS.toFixed(1)} s  cpu ${r.cpuS.toFixed(1)} s  peak RSS ${r.peakRssMiB.toFixed(0)} MiB  ${r.commits !== undefined ? `commits ${r.commits}  ` : ''}` +
        `acked ${r.acked} stored ${r.stored}  statuses ${JSON.stringify(r.statuses)}${r.firstError ? ` first error: ${r.firstError.slice(0, 200)}` : ''}  disk ${JSON.stringify(d, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toFixed(2) : v))}`,
    );
  }
}

const summarize = (rs) =>
  rs.length === 0
    ? undefined
    : {
        samplesPerS: Math.round(median(rs.map((r) => r.samplesPerS))),
        cpuS: +median(rs.map((r) => r.cpuS)).toFixed(1),
        cpuUsPerSample: +median(rs.map((r) => (r.cpuS * 1e6) / r.acked)).toFixed(2),
        peakRssMiB: Math.round(median(rs.map((r) => r.peakRssMiB))),
        allStored: rs.every((r) => r.stored === totalSamples && r.acked === totalSamples),
        disk: Object.fromEntries(Object.keys(rs[0].disk).map((k) => [k, +median(rs.map((r) => r.disk[k])).toFixed(3)])),
      };
const p = summarize(results.prometheus);
if (dists.length > 1) {
  // A/B: per build the summary and the per-round ratios against Prometheus and the first build.
  const out = { prometheus: p };
  const [base] = dists[0];
  for (const [label] of dists) {
    const rs = results[label];
    out[label] = {
      ...summarize(rs),
      perRoundSamplesPerS: rs.map((r) => Math.round(r.samplesPerS)),
      perRoundCpuUsPerSample: rs.map((r) => +((r.cpuS * 1e6) / r.acked).toFixed(2)),
      perRoundOverPrometheus: p ? rs.map((r, i) => +(r.samplesPerS / results.prometheus[i].samplesPerS).toFixed(2)) : undefined,
      perRoundOverBase: rs.map((r, i) => +(r.samplesPerS / results[base][i].samplesPerS).toFixed(2)),
    };
  }
  console.log(JSON.stringify({ stream: { series: SERIES, steps: STEPS, samples: totalSamples, connections: CONNS, perRequest: PER_REQ }, rounds: ROUNDS, ...out }, null, 2));
  process.exit(0);
}
// One build, named or not.
const single = results[dists[0][0]];
const s = summarize(single);
const ratios = p && s && !args['skip-disk']
  ? {
      ingestSightlineOverPrometheus: +median(single.map((r, i) => r.samplesPerS / results.prometheus[i].samplesPerS)).toFixed(2),
      cpuPerSampleSightlineOverPrometheus: +median(single.map((r, i) => r.cpuS / r.acked / (results.prometheus[i].cpuS / results.prometheus[i].acked))).toFixed(2),
      bytesPerSampleDayFileOverPromBlock: +(s.disk.dayFileBytesPerSample / p.disk.blockBytesPerSample).toFixed(2),
      bytesPerSampleWithCatalogOverPromBlock: +(s.disk.withCatalogBytesPerSample / p.disk.blockBytesPerSample).toFixed(2),
      bytesPerSampleSealedDayFileOverPromBlock: +(s.disk.sealedDayFileBytesPerSample / p.disk.blockBytesPerSample).toFixed(2),
      bytesPerSampleSealedWithCatalogOverPromBlock: +(s.disk.sealedWithCatalogBytesPerSample / p.disk.blockBytesPerSample).toFixed(2),
    }
  : undefined;
console.log(JSON.stringify({ stream: { series: SERIES, steps: STEPS, intervalS: INTERVAL_S, samples: totalSamples, requests, connections: CONNS, perRequest: PER_REQ, rawBytesPerSample: +(rawBytes / totalSamples).toFixed(1), snappyBytesPerSample: +(compressedBytes / totalSamples).toFixed(1) }, rounds: ROUNDS, prometheus: p, sightline: s, ratios }, null, 2));
