// Text column compression, side by side: the same spans and log records through the store
// (writer group commit -> DuckDB day files) of two or more builds, alternating, then bytes on
// disk per row and typical reads after reopening. Made to compare DuckDB's own choice for text
// columns (FSST / dictionary) with ZSTD on the long, varied ones (schema.ts `zstd` columns).
//
//   npm run build
//   cp -r packages/server/dist /tmp/dist-old      # from the build to compare against
//   DISTS=/tmp/dist-old,packages/server/dist node bench/column-compression.mjs [rows] [rounds]
//
// rows: spans and log records per run (default 200,000); rounds: default 3. Reported CPU is
// process CPU (all threads) per row, including the final checkpoint that compresses the data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dirBytes } from './lib/prom-bench.mjs';
import { T0, logBatch, spanBatch } from './lib/telemetry-batches.mjs';

const ROWS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const DISTS = (process.env.DISTS ?? 'packages/server/dist').split(',');

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const builds = [];
for (const d of DISTS) builds.push({ dist: d, mod: await import(pathToFileURL(resolve(d, 'storage/index.js')).href) });

const data = {
  spans: Array.from({ length: Math.ceil(ROWS / 500) }, (_, i) => spanBatch(i)),
  logs: Array.from({ length: Math.ceil(ROWS / 500) }, (_, i) => logBatch(i)),
};

async function run(build, signal) {
  const { createDuckDbStore, createWriter } = build.mod;
  const batches = data[signal];
  const dir = mkdtempSync(join(tmpdir(), 'sl-colcomp-'));
  try {
    let store = await createDuckDbStore({ dataDir: dir });
    const writer = createWriter(store, {});
    let next = 0;
    globalThis.gc?.();
    const c0 = cpuMs();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let i = next++; i < batches.length; i = next++) {
          for (;;) {
            const r = await writer.write(batches[i]);
            if (r.status === 'ok') break;
            if (r.status === 'failed') throw r.error;
            await new Promise((res) => setTimeout(res, r.afterMs));
          }
        }
      }),
    );
    const wallMs = performance.now() - t0;
    await writer.close();
    await store.close();
    const cpu = cpuMs() - c0;
    const n = batches.length * 500;
    const bytes = dirBytes(join(dir, signal === 'spans' ? 'traces' : 'logs'));
    // Reads after reopening (median of 3 each).
    store = await createDuckDbStore({ dataDir: dir });
    const range = { startNs: BigInt(T0 - 60_000) * 1_000_000n, endNs: BigInt(T0 + 3_600_000) * 1_000_000n };
    const q = { tenant: 'default', ...range };
    const cases =
      signal === 'spans'
        ? {
            getTrace: () => store.getTrace('default', batches[Math.floor(batches.length / 2)].traceId[0], range),
            'searchTraces(all)': () => store.searchTraces({ ...q, limit: 20 }),
            'searchTraces(attr)': () => store.searchTraces({ ...q, service: 'service-3', attributes: { 'app.region': 'eu-west-1' }, limit: 20 }),
            serviceStats: () => store.serviceStats('default', range, 30),
          }
        : {
            'searchLogs(page)': () => store.searchLogs({ ...q, limit: 100 }),
            'searchLogs(text)': () => store.searchLogs({ ...q, text: 'timeout retry', limit: 100 }),
            'searchLogs(attr)': () => store.searchLogs({ ...q, attributes: { 'app.user.id': 'u-123' }, limit: 100 }),
            logHistogram: () => store.logHistogram({ ...q, limit: 1 }, 60),
          };
    const reads = {};
    for (const [name, fn] of Object.entries(cases)) {
      const times = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await fn();
        times.push(performance.now() - t);
      }
      reads[name] = median(times);
    }
    await store.close();
    return { rowsPerS: (n / wallMs) * 1000, cpuUsPerRow: (cpu * 1000) / n, bytesPerRow: bytes / n, reads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const signal of ['spans', 'logs']) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) {
      const r = await run(b, signal);
      const key = `${signal} ${b.dist}`;
      if (!results.has(key)) results.set(key, []);
      results.get(key).push(r);
      console.error(`round ${round + 1} ${key}: ${Math.round(r.rowsPerS)} rows/s, ${r.cpuUsPerRow.toFixed(2)} µs CPU/row, ${r.bytesPerRow.toFixed(1)} B/row, reads ${JSON.stringify(r.reads, (k, v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v))}`);
    }
  }
}
console.log(`\n${ROWS} rows per run, ${ROUNDS} rounds, medians:`);
console.log('| signal | build | rows/s | CPU µs/row | bytes/row | reads (ms) |');
console.log('|---|---|---:|---:|---:|---|');
for (const [key, rs] of results) {
  const [signal, dist] = key.split(' ');
  const names = Object.keys(rs[0].reads);
  const reads = names.map((n) => `${n} ${median(rs.map((r) => r.reads[n])).toFixed(1)}`).join(', ');
  console.log(`| ${signal} | ${dist} | ${Math.round(median(rs.map((r) => r.rowsPerS))).toLocaleString('en-US')} | ${median(rs.map((r) => r.cpuUsPerRow)).toFixed(2)} | ${median(rs.map((r) => r.bytesPerRow)).toFixed(1)} | ${reads} |`);
}
