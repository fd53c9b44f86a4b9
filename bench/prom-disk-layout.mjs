#!/usr/bin/env node
// Where Sightline's bytes per sample go, and what a sorted (series, time) layout would save.
// Reads a copy of a Sightline data directory (e.g. the one bench/prom-query.mjs caches) and
// prints, per metrics day file: the samples table's on-disk size per column (DuckDB
// a database file holding only that column, in the table's order) and the file size; then rewrites
// the same rows into a fresh DuckDB file ordered by (tenant, fingerprint, t_ms) — what a
// compaction of a closed day would do — and measures it again.
//
//   node bench/prom-disk-layout.mjs bench/.cache/prom-query-10000-24h-60s/sightline
import { DuckDBInstance } from '@duckdb/node-api';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const src = process.argv[2];
if (!src) throw new Error('usage: node bench/prom-disk-layout.mjs <sightline data dir>');
const work = mkdtempSync(join(tmpdir(), 'promperf-layout-'));
try {
  for (const f of readdirSync(join(src, 'metrics')).filter((f) => f.endsWith('.duckdb'))) {
    cpSync(join(src, 'metrics', f), join(work, f));
    const db = await DuckDBInstance.create(join(work, f));
    const c = await db.connect();
    const rows = Number((await c.runAndReadAll('SELECT count(*)::DOUBLE FROM samples')).getRows()[0][0]);
    // Bytes of one column: the file size of a fresh database holding only that column (copied in
    // the table's order, so it compresses as in the table) minus an empty database's size.
    let n = 0;
    const fileOf = async (sql) => {
      const path = join(work, `col-${n++}.duckdb`);
      await c.run(`ATTACH '${path}' AS col`);
      await c.run(`CREATE TABLE col.t AS ${sql}`);
      await c.run('DETACH col');
      const size = statSync(path).size;
      rmSync(path, { force: true });
      return size;
    };
    const empty = await fileOf('SELECT 1 AS x WHERE false');
    const perColumn = async (table) => {
      const out = [];
      for (const col of ['tenant', 'fingerprint', 't_ms', 'value']) out.push([col, (await fileOf(`SELECT ${col} FROM ${table}`)) - empty]);
      return out;
    };
    const show = (label, cols, fileBytes) => {
      console.log(`${label}: ${rows} samples, file ${(fileBytes / rows).toFixed(2)} bytes/sample`);
      for (const [name, bytes] of cols) console.log(`  ${name.padEnd(12)} ${(bytes / rows).toFixed(2)} bytes/sample`);
    };
    show(`${f} as written`, await perColumn('samples'), statSync(join(work, f)).size);
    const sorted = join(work, `sorted-${f}`);
    await c.run(`ATTACH '${sorted}' AS s`);
    const t0 = performance.now();
    await c.run('CREATE TABLE s.samples AS SELECT * FROM samples ORDER BY tenant, fingerprint, t_ms');
    await c.run('DETACH s');
    const ms = performance.now() - t0;
    await c.run(`ATTACH '${sorted}' AS s`);
    show(`${f} rewritten sorted by (tenant, fingerprint, t_ms) in ${(ms / 1000).toFixed(1)} s`, await perColumn('s.samples'), statSync(sorted).size);
    // What the layout does to a selector's read: the samples of every histogram bucket series
    // of this day, with the statement selectSeries runs (minus the tenant/time filters that
    // select everything here), as written against sorted; alternating, median of 3.
    await c.run(`ATTACH '${join(src, 'catalog.duckdb')}' AS cat (READ_ONLY)`);
    const fps = (await c.runAndReadAll(`SELECT fingerprint FROM cat.main.series WHERE name = 'http_request_duration_seconds_bucket'`)).getRows().map((r) => r[0]);
    if (fps.length > 0) {
      const read = async (table) => {
        const t0 = performance.now();
        const r = await c.run(`SELECT fingerprint::DOUBLE, t_ms::DOUBLE, value FROM ${table} WHERE tenant = 'default' AND fingerprint IN (SELECT unnest([${fps.join(',')}]::BIGINT[]))`);
        return [performance.now() - t0, r.rowCount];
      };
      const times = { written: [], sorted: [] };
      let rowsRead = 0;
      for (let r = 0; r < 3; r++) {
        for (const [k, table] of r % 2 ? [['sorted', 's.samples'], ['written', 'samples']] : [['written', 'samples'], ['sorted', 's.samples']]) {
          const [ms, rowsGot] = await read(table);
          times[k].push(ms);
          rowsRead = rowsGot;
        }
      }
      const med = (xs) => [...xs].sort((a, b) => a - b)[1];
      console.log(`  read ${fps.length} bucket series (${rowsRead} samples) from this day: as written ${med(times.written).toFixed(0)} ms, sorted ${med(times.sorted).toFixed(0)} ms (median of 3, DuckDB default threads)`);
    }
    c.closeSync();
    db.closeSync();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
