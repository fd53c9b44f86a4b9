#!/usr/bin/env node
// Seals every raw sample of a Sightline data directory into compact blocks (what the sealing
// job does for closed hours, here for everything, like Prometheus' snapshot compacts its head)
// and prints the metrics day files' bytes per sample before and after.
//
//   npm run build && node bench/seal-data-dir.mjs <data dir> [--compact]
//
// --compact also rewrites each metrics day file (COPY FROM DATABASE into a fresh file), to
// show what DuckDB keeps of the deleted raw rows' space (see docs/benchmarks.md).
import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { compact: { type: 'boolean', default: false } } });
const dir = positionals[0];
if (!dir) throw new Error('usage: seal-data-dir.mjs <data dir> [--compact]');
const { createDuckDbStore } = await import(new URL('../packages/server/dist/storage/duckdb/duckdb-store.js', import.meta.url));

const metricsDir = join(dir, 'metrics');
const files = () => readdirSync(metricsDir).filter((f) => f.endsWith('.duckdb'));
const bytes = () => files().reduce((n, f) => n + statSync(join(metricsDir, f)).size, 0);
const catalogBytes = statSync(join(dir, 'catalog.duckdb')).size;

let store = await createDuckDbStore({ dataDir: dir });
const samples = (await store.stats()).samples;
const before = bytes();
const t = performance.now();
const r = await store.sealSamples(8.64e15);
const sealMs = performance.now() - t;
const after = (await store.stats()).samples;
await store.close();
const sealed = bytes();
console.log(`samples ${samples} (after sealing ${after}); sealed ${r.samples} samples into ${r.blocks} blocks in ${(sealMs / 1000).toFixed(1)} s`);
const line = (what, b) => console.log(`${what}: ${(b / 2 ** 20).toFixed(1)} MiB = ${(b / samples).toFixed(2)} B/sample (+ catalog ${(catalogBytes / samples).toFixed(2)})`);
line('metrics day files before', before);
line('after sealing + checkpoint', sealed);
if (values.compact) {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  for (const f of files()) {
    const src = join(metricsDir, f);
    const tmp = src + '.compact';
    await c.run(`ATTACH '${src}' AS s; ATTACH '${tmp}' AS d; COPY FROM DATABASE s TO d; DETACH s; DETACH d;`);
    rmSync(src);
    renameSync(tmp, src);
  }
  c.closeSync();
  db.closeSync();
  line('after rewriting the day files', bytes());
  store = await createDuckDbStore({ dataDir: dir });
  if ((await store.stats()).samples !== after) throw new Error('sample count changed by the rewrite');
  await store.close();
}
