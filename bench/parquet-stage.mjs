#!/usr/bin/env node
// Sample rows into DuckDB two ways, DuckDB only (no server): through the appender (what the
// metrics writer did before) and through a Parquet stage file read by an asynchronous
// `INSERT ... SELECT ... FROM read_parquet(...)` (what it does now; storage/duckdb/parquet-stage.ts).
// Two write connections take turns like the writer's slots. Reported per row: the event loop's
// busy time (what the ingest path competes for) and the process CPU (all threads).
//
//   npm run build && node bench/parquet-stage.mjs [rows per transaction, default 5000] [transactions, default 400]
//
// The stage path does one statement per write (auto-commit), as the writer does when a write
// holds samples only; the appender path needs BEGIN, the appender and COMMIT.
import bindings from '@duckdb/node-bindings';
import { DuckDBInstance, DuckDBDataChunk, VARCHAR, BIGINT, DOUBLE, quotedString } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const { ParquetBuilder, writeInt64 } = await import(new URL('../packages/server/dist/storage/duckdb/parquet-stage.js', import.meta.url));

const ROWS = Number(process.argv[2] ?? 5000);
const TXNS = Number(process.argv[3] ?? 400);
const V = bindings.vector_size();

async function run(mode) {
  const dir = mkdtempSync(join(tmpdir(), `sightline-pq-${mode}-`));
  const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
  const admin = await inst.connect();
  await admin.run(`ATTACH ${quotedString(join(dir, 'day.duckdb'))} AS d`);
  await admin.run('CREATE TABLE d.main.samples (tenant varchar, fingerprint bigint, t_ms bigint, value double)');
  const conns = [await inst.connect(), await inst.connect()];
  const fp = new Float64Array(ROWS);
  const t = new Float64Array(ROWS);
  const v = new Float64Array(ROWS);
  const fp64 = new BigInt64Array(ROWS);
  const t64 = new BigInt64Array(ROWS);
  let seq = 0;
  let fileNo = 0;
  const fill = () => {
    for (let i = 0; i < ROWS; i++) {
      fp[i] = (i * 2654435761) % 1_000_003;
      t[i] = 1_763_900_000_000 + seq * 10_000;
      v[i] = i * 0.5 + seq;
    }
    seq++;
  };
  const viaAppender = async (conn) => {
    // The conversion the appender path needs (typed int64 columns), counted with it.
    const w1 = new Uint32Array(fp64.buffer);
    const w2 = new Uint32Array(t64.buffer);
    for (let i = 0; i < ROWS; i++) {
      writeInt64(w1, i, fp[i]);
      writeInt64(w2, i, t[i]);
    }
    await conn.run('BEGIN');
    const ap = await conn.createAppender('samples', 'main', 'd');
    const chunk = DuckDBDataChunk.create([VARCHAR, BIGINT, BIGINT, DOUBLE]);
    for (let off = 0; off < ROWS; off += V) {
      const n = Math.min(V, ROWS - off);
      const raw = chunk.chunk;
      bindings.data_chunk_reset(raw);
      bindings.data_chunk_set_size(raw, n);
      bindings.vector_reference_value(bindings.data_chunk_get_vector(raw, 0), bindings.create_varchar('default'));
      bindings.copy_data_to_vector(bindings.data_chunk_get_vector(raw, 1), 0, fp64.buffer, off * 8, n * 8);
      bindings.copy_data_to_vector(bindings.data_chunk_get_vector(raw, 2), 0, t64.buffer, off * 8, n * 8);
      bindings.copy_data_to_vector(bindings.data_chunk_get_vector(raw, 3), 0, v.buffer, off * 8, n * 8);
      ap.appendDataChunk(chunk);
    }
    ap.closeSync();
    await conn.run('COMMIT');
  };
  const viaStage = async (conn) => {
    const path = join(dir, `stage-${fileNo++}.parquet`);
    const file = new ParquetBuilder(ROWS, 24 * ROWS + 1024)
      .int64('fingerprint', (words) => fp.forEach((x, i) => writeInt64(words, i, x)))
      .int64('t_ms', (words) => t.forEach((x, i) => writeInt64(words, i, x)))
      .double('value', (doubles) => doubles.set(v))
      .finish();
    writeFileSync(path, file);
    await conn.run(`INSERT INTO d.main.samples SELECT 'default', fingerprint, t_ms, value FROM read_parquet(${quotedString(path)})`);
    unlinkSync(path);
  };
  const write = mode === 'stage' ? viaStage : viaAppender;
  fill();
  await write(conns[0]); // warm-up
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const worker = async (conn) => {
    while (next < TXNS) {
      next++;
      fill();
      await write(conn);
    }
  };
  await Promise.all(conns.map(worker));
  const wall = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  const check = await admin.runAndReadAll('SELECT count(*)::DOUBLE FROM d.main.samples');
  const stored = check.getRows()[0][0];
  for (const c of [...conns, admin]) c.closeSync();
  inst.closeSync();
  rmSync(dir, { recursive: true, force: true });
  const rows = TXNS * ROWS;
  if (stored !== rows + ROWS) throw new Error(`${mode}: ${stored} rows stored, expected ${rows + ROWS}`);
  return { mode, rowsPerS: Math.round((rows / wall) * 1000), loopUsPerRow: +((elu.active * 1000) / rows).toFixed(3), cpuUsPerRow: +((cpu.user + cpu.system) / rows).toFixed(3) };
}

const results = [];
for (let round = 0; round < 3; round++) for (const mode of round % 2 ? ['stage', 'appender'] : ['appender', 'stage']) results.push(await run(mode));
console.log(`${ROWS} rows a transaction, ${TXNS} transactions, two connections; DuckDB threads=1`);
for (const r of results) console.log(`${r.mode.padEnd(9)} ${String(r.rowsPerS).padStart(10)} rows/s  event loop ${r.loopUsPerRow} µs/row  CPU ${r.cpuUsPerRow} µs/row`);
