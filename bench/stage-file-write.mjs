#!/usr/bin/env node
// Writing a stage file (storage/duckdb/parquet-stage.ts) two ways, file system only: a new file
// per write (create, write, delete: what StageDir did before) against one open file rewritten in
// place (pwrite from the start, then ftruncate: what it does now). Reported per write: wall
// time and process CPU. Run it on the file system of the data directory.
//
//   node bench/stage-file-write.mjs [directory, default bench/.cache/stage-file-write] [bytes, default 110000] [writes, default 3000]
//
// 110,000 bytes is a 4,500-sample remote_write commit; a span commit is ~1 MB.
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? new URL('.cache/stage-file-write', import.meta.url).pathname;
const bytes = Buffer.alloc(Number(process.argv[3] ?? 110_000), 3);
const N = Number(process.argv[4] ?? 3000);
mkdirSync(dir, { recursive: true });
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const report = (label, t0, c0) =>
  console.log(`${label.padEnd(28)} ${(((performance.now() - t0) * 1000) / N).toFixed(1).padStart(8)} µs wall ${(((cpuMs() - c0) * 1000) / N).toFixed(1).padStart(8)} µs CPU a write`);

for (let round = 0; round < 2; round++) {
  let t0 = performance.now();
  let c0 = cpuMs();
  for (let i = 0; i < N; i++) {
    const p = join(dir, `s-${i}.parquet`);
    writeFileSync(p, bytes);
    unlinkSync(p);
  }
  report('new file, write, delete', t0, c0);
  const path = join(dir, 'slot.parquet');
  const fd = openSync(path, 'w');
  t0 = performance.now();
  c0 = cpuMs();
  for (let i = 0; i < N; i++) {
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
  }
  report('one file, rewritten', t0, c0);
  closeSync(fd);
}
rmSync(dir, { recursive: true, force: true });
