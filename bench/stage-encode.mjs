#!/usr/bin/env node
// The event loop's cost of staging decoded rows as Parquet (storage/duckdb/table-stager.ts),
// without DuckDB: the requests of bench/ingest-load.mjs are decoded once with the server's
// decoder, then TableStager.encode turns groups of them into stage files, as the span and log
// writers do per commit (2,000 rows: the eager-flush size). Reported: µs per row, per round.
//
//   npm run build && node bench/stage-encode.mjs [seconds per round, default 2] [rounds, default 5]
//   SIGHTLINE_DIST=bench/.cache/<dist> node bench/stage-encode.mjs    (another build, for A/B runs)
import { encodeLogsRequest, encodeTraceRequest } from './lib/otlp-proto-encoder.mjs';

const dist = new URL(`file://${process.cwd()}/${process.env.SIGHTLINE_DIST ?? 'packages/server/dist'}/`);
const { decodeLogsRequest, decodeTraceRequest } = await import(new URL('ingest/wire/index.js', dist).href);
const { TableStager } = await import(new URL('storage/duckdb/table-stager.js', dist).href);
const { SPANS, LOGS } = await import(new URL('storage/duckdb/schema.js', dist).href);
const { spanColumns } = await import(new URL('storage/duckdb/span-writer.js', dist).href);
const logWriter = await import(new URL('storage/duckdb/log-writer.js', dist).href);
const { doublesToInt64 } = await import(new URL('storage/duckdb/chunk-appender.js', dist).href);

const SECONDS = Number(process.argv[2] ?? 2);
const ROUNDS = Number(process.argv[3] ?? 5);
const now = BigInt(Date.now()) * 1_000_000n;

/** The writers' steady state: every resource known to the day, none inline. */
function steadyResources(n) {
  return { ids: new Float64Array(n).fill(12345), inline: new Array(n).fill('') };
}

function decoded(signal) {
  const groups = [];
  for (let i = 0; i < 24; i++) {
    if (signal === 'spans') {
      const body = encodeTraceRequest({ spans: 500, seed: i + 1, baseTimeNs: now + BigInt(i) * 10_000_000_000n });
      const { batch } = decodeTraceRequest(body, 'protobuf', 'default');
      groups.push({ data: spanColumns(batch, steadyResources(batch.length)), length: batch.length, rows: null });
    } else {
      const body = encodeLogsRequest({ records: 1000, seed: i + 1, baseTimeNs: now + BigInt(i) * 10_000_000_000n });
      const { batch } = decodeLogsRequest(body, 'protobuf', 'default');
      const p = logWriter.prepare(batch, now);
      const seq = new Float64Array(batch.length).map((_, k) => i * 1000 + k);
      groups.push({ data: logWriter.columns(p, doublesToInt64(seq, batch.length), steadyResources(batch.length)), length: batch.length, rows: null });
    }
  }
  return groups;
}

function round(stager, groups, perFile) {
  let rows = 0;
  let bytes = 0;
  let i = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    const file = [];
    for (let k = 0; k < perFile; k++) file.push(groups[i++ % groups.length]);
    const out = stager.encode(file);
    rows += out.rows;
    bytes += out.bytes.length;
  }
  return { usPerRow: ((performance.now() - t0) * 1000) / rows, bytesPerRow: bytes / rows };
}

for (const [signal, spec, perFile] of [['spans', SPANS, 4], ['logs', LOGS, 2]]) {
  const groups = decoded(signal);
  const stager = new TableStager(spec);
  const results = [];
  for (let r = 0; r < ROUNDS; r++) results.push(round(stager, groups, perFile));
  const us = results.map((x) => x.usPerRow).sort((a, b) => a - b);
  console.log(
    `${signal}: µs per row ${results.map((x) => x.usPerRow.toFixed(3)).join(' · ')} (median ${us[us.length >> 1].toFixed(3)}), ${results[0].bytesPerRow.toFixed(0)} bytes a row in the stage file`,
  );
}
