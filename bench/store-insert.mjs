// Storage insert throughput and bytes on disk (DuckDB backend), storage only: batches are
// generated up front in the shape the OTLP decoders produce (bench/decode.mjs measures
// decoding). Two parts:
//   1. insert paths: the same spans through each way @duckdb/node-api can load data, in
//      transactions of 12,500 rows (50 ms of data at 250k spans/s);
//   2. the store end to end: writer (group commit) -> DuckDB store, 64 concurrent producers
//      (like many clients: each waits for its acknowledgement before sending again),
//      then the files are checkpointed and measured (bytes per span / log record / sample).
//
//   npx tsc -p packages/server/tsconfig.build.json && node bench/store-insert.mjs [scale]
//
// `scale` multiplies the row counts (default 1: 100k spans per path; 300k spans, 300k logs
// and 2M samples end to end). Reported CPU is process CPU (all threads) per row, including
// the final checkpoint that compresses whatever is still only in the write-ahead log.
// BENCH_ONLY=paths|spans|logs|samples runs one part; BENCH_STORE='{"threads":2}' passes store
// options. Results and their reading: docs/storage.md.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, BIGINT, UINTEGER, USMALLINT, UTINYINT, VARCHAR, version } from '@duckdb/node-api';
// SIGHTLINE_DIST: another build of packages/server/dist (relative to the repository root), to
// compare builds side by side.
const DIST = resolve(new URL('../', import.meta.url).pathname, process.env.SIGHTLINE_DIST ?? 'packages/server/dist');
const { createDuckDbStore, createWriter } = await import(join(DIST, 'storage/index.js'));
const { ChunkAppender } = await import(join(DIST, 'storage/duckdb/chunk-appender.js'));
const { SPANS, createTableSql } = await import(join(DIST, 'storage/duckdb/schema.js'));
import { T0, logBatch, sampleBatch, spanBatch } from './lib/telemetry-batches.mjs';

const SCALE = Number(process.argv[2] ?? 1);
const PRODUCERS = 64;
/** Extra store options as JSON, e.g. BENCH_STORE='{"threads":1}'. */
const STORE_OPTIONS = JSON.parse(process.env.BENCH_STORE ?? '{}');

// ---- helpers ----
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function dirBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : 0;
};

// ---- part 1: insert paths ----
const SPAN_FIELDS = [
  ['tenant'], ['traceId'], ['spanId'], ['parentSpanId'], ['traceState'], ['flags', 'u32'], ['name'], ['spanKind', 'u8'], ['startNs', 'i64'], ['endNs', 'i64'], ['durationNs', 'i64'],
  ['statusCode', 'u8'], ['statusMessage'], ['attributes'], ['events'], ['links'], ['droppedAttributesCount', 'u32'], ['droppedEventsCount', 'u32'], ['droppedLinksCount', 'u32'],
  ['serviceName'], ['httpRoute'], ['httpStatusCode', 'u16'], ['dbSystem'], ['scopeName'], ['scopeVersion'], ['resourceAttributes'], ['resourceId', 'i64'],
];
const TYPE = { u8: UTINYINT, u16: USMALLINT, u32: UINTEGER, i64: BIGINT };
// The paths keep every span's resource inline (resource_id 0): they compare ways of loading rows.
const column = (b, f) => (f === 'tenant' ? b.tenant : f === 'resourceId' ? (b.resourceId ??= new BigInt64Array(b.length)) : b[f]);
const value = (b, f, i) => (f === 'tenant' ? b.tenant : column(b, f)[i]);

const PATHS = {
  async 'appender, row by row'(conn, batches) {
    for (const b of batches) {
      await conn.run('BEGIN');
      const m = performance.now();
      const ap = await conn.createAppender('spans', 'main', 'p');
      for (let i = 0; i < b.length; i++) {
        for (const [f, t] of SPAN_FIELDS) {
          const v = value(b, f, i);
          if (!t) ap.appendVarchar(v);
          else if (t === 'i64') ap.appendBigInt(v);
          else if (t === 'u8') ap.appendUTinyInt(v);
          else if (t === 'u16') ap.appendUSmallInt(v);
          else ap.appendUInteger(v);
        }
        ap.endRow();
      }
      ap.closeSync();
      main += performance.now() - m;
      await conn.run('COMMIT');
    }
  },
  async 'data chunks, node-api vectors'(conn, batches) {
    const types = SPAN_FIELDS.map(([, t]) => (t ? TYPE[t] : VARCHAR));
    for (const b of batches) {
      await conn.run('BEGIN');
      const m = performance.now();
      const ap = await conn.createAppender('spans', 'main', 'p');
      for (let off = 0; off < b.length; off += 2048) {
        const n = Math.min(2048, b.length - off);
        const chunk = DuckDBDataChunk.create(types, n);
        SPAN_FIELDS.forEach(([f], c) => {
          const v = chunk.getColumnVector(c);
          for (let i = 0; i < n; i++) v.setItem(i, value(b, f, off + i));
          v.flush();
        });
        ap.appendDataChunk(chunk);
      }
      ap.closeSync();
      main += performance.now() - m;
      await conn.run('COMMIT');
    }
  },
  async 'data chunks, direct vector writes (the store)'(conn, batches) {
    const chunks = new ChunkAppender(SPANS);
    for (const b of batches) {
      await conn.run('BEGIN');
      const m = performance.now();
      const ap = await conn.createAppender('spans', 'main', 'p');
      await chunks.append(ap, SPAN_FIELDS.map(([f]) => column(b, f)), b.length, null);
      ap.closeSync();
      main += performance.now() - m;
      await conn.run('COMMIT');
    }
  },
  async 'prepared multi-row INSERT (200 rows)'(conn, batches) {
    const rows = 200;
    const placeholders = Array.from({ length: rows }, (_, r) => `(${SPAN_FIELDS.map((_, c) => `$${r * SPAN_FIELDS.length + c + 1}`).join(',')})`).join(',');
    const stmt = await conn.prepare(`INSERT INTO p.spans VALUES ${placeholders}`);
    for (const b of batches) {
      await conn.run('BEGIN');
      for (let off = 0; off + rows <= b.length; off += rows) {
        const m = performance.now();
        let k = 1;
        for (let r = 0; r < rows; r++) {
          for (const [f, t] of SPAN_FIELDS) {
            const v = value(b, f, off + r);
            if (!t) stmt.bindVarchar(k++, v);
            else if (t === 'i64') stmt.bindBigInt(k++, v);
            else stmt.bindUInteger(k++, v);
          }
        }
        main += performance.now() - m;
        await stmt.run();
      }
      await conn.run('COMMIT');
    }
  },
  async 'CSV file + COPY inside the transaction'(conn, batches, dir) {
    const q = (s) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    const file = join(dir, 'batch.csv');
    const cols = SPANS.columns.map((c) => `'${c.name}': '${c.kind.toUpperCase()}'`).join(', ');
    for (const b of batches) {
      await conn.run('BEGIN');
      const m = performance.now();
      const lines = [];
      for (let i = 0; i < b.length; i++) lines.push(SPAN_FIELDS.map(([f, t]) => (t ? String(value(b, f, i)) : q(value(b, f, i)))).join(','));
      writeFileSync(file, lines.join('\n'));
      main += performance.now() - m;
      await conn.run(`INSERT INTO p.spans SELECT * FROM read_csv('${file}', header = false, auto_detect = false, quote = '"', escape = '"', nullstr = chr(1), columns = {${cols}})`);
      await conn.run('COMMIT');
    }
  },
};
let main = 0;

async function insertPaths() {
  const total = Math.round(100_000 * SCALE);
  const perTx = 12_500;
  const requests = Array.from({ length: Math.ceil(total / 500) }, (_, i) => spanBatch(i));
  // merge 25 requests into one 12.5k-row transaction batch
  const batches = [];
  for (let i = 0; i < requests.length; i += perTx / 500) batches.push(concatSpans(requests.slice(i, i + perTx / 500)));
  console.log(`\n1. insert paths: ${fmt(total)} spans, ${perTx.toLocaleString('en-US')} rows per transaction`);
  console.log('   path                                          rows/s   main thread µs/row   CPU µs/row');
  for (const [name, run] of Object.entries(PATHS)) {
    const dir = mkdtempSync(join(tmpdir(), 'sl-bench-path-'));
    const inst = await DuckDBInstance.create(':memory:', { checkpoint_threshold: '256MB' });
    const conn = await inst.connect();
    await conn.run(`ATTACH '${join(dir, 'p.duckdb')}' AS p`);
    await conn.run(createTableSql('p', SPANS));
    main = 0;
    const c0 = cpuMs();
    const t0 = performance.now();
    await run(conn, batches, dir);
    const wall = performance.now() - t0;
    const cpu = cpuMs() - c0;
    const n = Number((await conn.runAndReadAll('SELECT count(*) FROM p.spans')).getRows()[0][0]);
    console.log(`   ${name.padEnd(44)} ${fmt((n / wall) * 1000).padStart(8)}   ${((main * 1000) / n).toFixed(2).padStart(18)}   ${((cpu * 1000) / n).toFixed(2).padStart(10)}`);
    conn.disconnectSync();
    inst.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

function concatSpans(list) {
  const n = list.reduce((s, b) => s + b.length, 0);
  const out = { ...list[0], length: n };
  for (const [f, t] of SPAN_FIELDS) {
    if (f === 'tenant') continue;
    if (t) {
      const arr = new (column(list[0], f).constructor)(n);
      let o = 0;
      for (const b of list) {
        arr.set(column(b, f).subarray(0, b.length), o);
        o += b.length;
      }
      out[f] = arr;
    } else out[f] = list.flatMap((b) => b[f]);
  }
  return out;
}

// ---- part 2: the store end to end ----
async function endToEnd(signal, rows, make, unit) {
  const dir = mkdtempSync(join(tmpdir(), 'sl-bench-store-'));
  process.stdout.write(`   ${signal.padEnd(8)} generating… `);
  const perBatch = make(0).length;
  const batches = Array.from({ length: Math.ceil(rows / perBatch) }, (_, i) => make(i));
  globalThis.gc?.();
  const store = await createDuckDbStore({ dataDir: dir, ...STORE_OPTIONS });
  const writer = createWriter(store, {});
  let next = 0;
  let retries = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  const producer = async () => {
    for (let i = next++; i < batches.length; i = next++) {
      for (;;) {
        const r = await writer.write(batches[i]);
        if (r.status === 'ok') break;
        if (r.status === 'failed') throw r.error;
        retries++;
        await new Promise((res) => setTimeout(res, r.afterMs));
      }
    }
  };
  await Promise.all(Array.from({ length: PRODUCERS }, producer));
  const wall = performance.now() - t0;
  const stats = writer.stats();
  await writer.close();
  // The final checkpoint compresses what is still only in the write-ahead log: part of the
  // cost of every row, so it counts in CPU per row.
  await store.close();
  const cpu = cpuMs() - c0;
  const bytes = dirBytes(join(dir, signal === 'samples' ? 'metrics' : signal === 'spans' ? 'traces' : 'logs'));
  const n = batches.length * perBatch;
  const queryTimes = await timeQueries(signal, dir, batches);
  process.stdout.write('\r');
  console.log(
    `   ${signal.padEnd(8)} ${fmt(n).padStart(10)} ${fmt((n / wall) * 1000).padStart(10)}/s ${((cpu * 1000) / n).toFixed(2).padStart(8)} µs CPU/row ` +
      `${String(stats.commits).padStart(5)} commits, p50 ${pct(stats.commitLatencyMs, 0.5).toFixed(0)} ms p99 ${pct(stats.commitLatencyMs, 0.99).toFixed(0)} ms, ` +
      `${retries} retries   ${(bytes / n).toFixed(1)} bytes/${unit} on disk`,
  );
  console.log(`            queries after reopen: ${queryTimes}`);
  rmSync(dir, { recursive: true, force: true });
}

/** Reopens the checkpointed data and times typical reads (median of 3 runs each). */
async function timeQueries(signal, dir, batches) {
  const store = await createDuckDbStore({ dataDir: dir, ...STORE_OPTIONS });
  const range = { startNs: BigInt(T0 - 60_000) * 1_000_000n, endNs: BigInt(T0 + 3_600_000) * 1_000_000n };
  const q = { tenant: 'default', ...range };
  const cases = {
    spans: {
      getTrace: () => store.getTrace('default', batches[Math.floor(batches.length / 2)].traceId[0], range),
      'searchTraces(all)': () => store.searchTraces({ ...q, limit: 20 }),
      'searchTraces(service+attr)': () => store.searchTraces({ ...q, service: 'service-3', attributes: { 'app.region': 'eu-west-1' }, limit: 20 }),
      listServices: () => store.listServices('default', range),
      serviceStats: () => store.serviceStats('default', range, 30),
    },
    logs: {
      'searchLogs(page)': () => store.searchLogs({ ...q, limit: 100 }),
      'searchLogs(text)': () => store.searchLogs({ ...q, text: 'timeout retry', limit: 100 }),
      logHistogram: () => store.logHistogram({ ...q, limit: 1 }, 60),
    },
    samples: {
      findSeries: () => store.findSeries({ tenant: 'default', name: 'http_requests_total', startMs: T0, endMs: T0 + 3_600_000, limit: 10_000 }),
      'readSamples(100 series)': () => store.readSamples({ tenant: 'default', fingerprints: batches[0].series.slice(0, 100).map((x) => x.fingerprint), startMs: T0, endMs: T0 + 3_600_000, limit: 1_000_000 }),
    },
  }[signal];
  const out = [];
  for (const [name, run] of Object.entries(cases)) {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    out.push(`${name} ${pct(times, 0.5).toFixed(0)} ms`);
  }
  await store.close();
  return out.join(', ');
}

console.log(`DuckDB ${version()}, Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), scale ${SCALE}`);
const only = process.env.BENCH_ONLY; // 'paths', 'spans', 'logs' or 'samples' to run one part
if (!only || only === 'paths') await insertPaths();
console.log(`\n2. store end to end (writer defaults: 50 ms group commit, 200k rows max per commit; ${PRODUCERS} producers)`);
console.log('   signal         rows      rate        CPU            commits and latency                      disk');
if (!only || only === 'spans') await endToEnd('spans', Math.round(300_000 * SCALE), spanBatch, 'span');
if (!only || only === 'logs') await endToEnd('logs', Math.round(300_000 * SCALE), logBatch, 'log record');
if (!only || only === 'samples') await endToEnd('samples', Math.round(2_000_000 * SCALE), sampleBatch, 'sample');
