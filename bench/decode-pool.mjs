#!/usr/bin/env node
// remote_write decode on the main thread vs on the decode worker pool (ingest.decodeWorkers),
// without HTTP or storage: the prom-remote-write stream's requests (2,000 samples each) are
// decoded inline, then through a pool, alternating per round. Reports samples/s (wall), CPU
// µs per sample of the whole process (all threads, process.cpuUsage) and of the main thread
// alone (the part the pool takes off it: main-thread µs per sample).
//
//   npm run build && node bench/decode-pool.mjs [--rounds 3] [--workers 1] [--concurrency 8] [--dist packages/server/dist]
import { compressSync } from 'snappy';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { buildSeries, buildStream, median } from './lib/prom-bench.mjs';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    series: { type: 'string', default: '10000' },
    steps: { type: 'string', default: '120' },
    dist: { type: 'string', default: 'packages/server/dist' },
  },
});
const dist = resolve(new URL('../', import.meta.url).pathname, args.dist);
const { decodeRemoteWriteBody } = await import(`${dist}/ingest/remote-write-body.js`);
const { DecodePool } = await import(`${dist}/ingest/decode-pool.js`);

const series = buildSeries(Number(args.series));
const steps = Number(args.steps);
const firstMs = Date.now() - steps * 10_000;
const { shards, samplesOf } = buildStream({ series, steps, intervalS: 10, firstMs, shards: Number(args.concurrency), perRequest: 2000, compress: compressSync });
const bodies = [];
for (let k = 0; k < Math.max(...shards.map((s) => s.length)); k++) for (const s of shards) if (s[k]) bodies.push(s[k]);
const total = bodies.reduce((n, b) => n + samplesOf(b), 0);

function threadCpuUs() {
  // All threads. process.threadCpuUsage is not in Node 20: the main thread's share is its
  // busy wall time (synchronous decode inline; event-loop utilisation with the pool).
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function runInline() {
  const c0 = threadCpuUs();
  const t0 = performance.now();
  for (const b of bodies) {
    const r = decodeRemoteWriteBody(b, 'default');
    if (!r.ok) throw new Error(r.message);
  }
  const wall = (performance.now() - t0) / 1000;
  return { samplesPerS: total / wall, cpuUsPerSample: (threadCpuUs() - c0) / total, mainBusyUsPerSample: (wall * 1e6) / total };
}

async function runPool(pool) {
  const c0 = threadCpuUs();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let next = 0;
  const conc = Number(args.concurrency);
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < bodies.length) {
        const b = bodies[next++];
        const r = await pool.decodeRemoteWrite(b, 'default');
        if (!r?.ok) throw new Error(`pool gave ${JSON.stringify(r)?.slice(0, 200)}`);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  // Main thread busy time: event-loop utilisation over the run (the rest is the worker's).
  const elu = performance.eventLoopUtilization(elu0);
  return { samplesPerS: total / wall, cpuUsPerSample: (threadCpuUs() - c0) / total, mainBusyUsPerSample: (elu.active * 1000) / total };
}

const pool = new DecodePool({ size: Number(args.workers) });
// Warm both (JIT, the decoders' label caches on either thread).
await runInline();
await runPool(pool);
const res = { inline: [], pool: [] };
for (let r = 0; r < Number(args.rounds); r++) {
  const order = r % 2 === 0 ? ['inline', 'pool'] : ['pool', 'inline'];
  for (const m of order) {
    const x = m === 'inline' ? await runInline() : await runPool(pool);
    res[m].push(x);
    console.error(`round ${r + 1} ${m.padEnd(6)} ${Math.round(x.samplesPerS).toLocaleString('en-US').padStart(10)} samples/s  ${x.cpuUsPerSample.toFixed(3)} CPU µs/sample (all threads)  ${x.mainBusyUsPerSample.toFixed(3)} main-thread busy µs/sample`);
  }
}
await pool.close();
const sum = (rs) => ({
  samplesPerS: Math.round(median(rs.map((x) => x.samplesPerS))),
  cpuUsPerSample: +median(rs.map((x) => x.cpuUsPerSample)).toFixed(3),
  mainBusyUsPerSample: +median(rs.map((x) => x.mainBusyUsPerSample)).toFixed(3),
});
console.log(JSON.stringify({ samples: total, requests: bodies.length, workers: Number(args.workers), concurrency: Number(args.concurrency), inline: sum(res.inline), pool: sum(res.pool), stats: pool.stats }, null, 2));
