// Trace and log read latency on a store of generated data (storage only, no HTTP): trace by
// id, trace search with a span-attribute and a resource-attribute filter, log search with and
// without a resource-attribute filter. Used to compare builds side by side:
//
//   node bench/trace-log-query.mjs [spanBatches=400] [dist=packages/server/dist]
//
// 400 batches = 200k spans and 400k log records in one day (bench/lib/telemetry-batches.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { T0, logBatch, spanBatch } from './lib/telemetry-batches.mjs';

const BATCHES = Number(process.argv[2] ?? 400);
const dist = resolve(new URL('../', import.meta.url).pathname, process.argv[3] ?? 'packages/server/dist');
const { createDuckDbStore } = await import(join(dist, 'storage/index.js'));
const dataDir = mkdtempSync(join(tmpdir(), 'sightline-tlq-'));
const store = await createDuckDbStore({ dataDir, clock: () => T0 + 3_600_000 });
const ns = (ms) => BigInt(ms) * 1_000_000n;
const range = { startNs: ns(T0 - 3_600_000), endNs: ns(T0 + 3_600_000) };
try {
  const traceIds = [];
  for (let s = 0; s < BATCHES; s += 8) {
    const spans = Array.from({ length: Math.min(8, BATCHES - s) }, (_, k) => spanBatch(s + k));
    for (const b of spans) traceIds.push(b.traceId[250]);
    await Promise.all([store.writeSpans(spans), store.writeLogs(spans.map((_, k) => logBatch(s + k)).flatMap((b) => [b]))]);
  }
  const time = async (label, n, fn) => {
    const ms = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn(i);
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return [label, +ms[Math.floor(n / 2)].toFixed(1)];
  };
  const res = [];
  res.push(await time('getTrace', 40, (i) => store.getTrace('default', traceIds[(i * 7) % traceIds.length], range)));
  res.push(await time('searchTraces, span attribute', 10, () => store.searchTraces({ tenant: 'default', ...range, attributes: { 'http.method': 'POST' }, limit: 20 })));
  res.push(await time('searchTraces, resource attribute', 10, () => store.searchTraces({ tenant: 'default', ...range, attributes: { 'host.name': 'node-3' }, limit: 20 })));
  res.push(await time('searchLogs, first page', 20, () => store.searchLogs({ tenant: 'default', ...range, limit: 100 })));
  res.push(await time('searchLogs, resource attribute', 10, () => store.searchLogs({ tenant: 'default', ...range, attributes: { 'host.name': 'node-3' }, limit: 100 })));
  res.push(await time('logHistogram, resource attribute', 10, () => store.logHistogram({ tenant: 'default', ...range, attributes: { 'host.name': 'node-3' }, limit: 100 }, 60)));
  console.log(JSON.stringify({ dist: process.argv[3] ?? 'packages/server/dist', spans: BATCHES * 500, medianMs: Object.fromEntries(res) }));
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
