// Long, varied text columns (span attributes and events) are stored ZSTD-compressed in new day files,
// and day files written by an earlier Sightline (DuckDB's default, older storage format) still
// open, take writes and answer reads.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckDbStore } from '../../src/storage/index.js';
import { LOGS_V1, SPANS_V1, createTableSql } from '../../src/storage/duckdb/schema.js';
import { hex, logBatch, spanBatch } from './batch-helpers.js';

const T0 = Date.UTC(2026, 10, 20, 12);
const DAY_FILE = '2026-11-20.duckdb';

function spans(n: number, offset = 0) {
  return spanBatch(
    'default',
    Array.from({ length: n }, (_, i) => ({
      traceId: hex(offset + i + 1, 32),
      spanId: hex(offset + i + 1, 16),
      startMs: T0 + i,
      attributes: { 'http.route': `/orders/${i % 7}`, 'app.user.id': `u-${(i * 7919) % 5000}`, 'url.full': `https://shop.example.com/orders/${i}?q=${i * 31}` },
      resource: { 'service.name': 'checkout', 'host.name': 'node-1' },
    })),
  );
}

/** Compression DuckDB chose per column of `table` in the file (after a checkpoint). */
async function compressions(file: string, table: string): Promise<Map<string, Set<string>>> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    await conn.run(`ATTACH '${file}' AS f (READ_ONLY)`);
    const rows = (await conn.runAndReadAll(`SELECT column_name, compression FROM pragma_storage_info('f.main.${table}') WHERE segment_type = 'VARCHAR'`)).getRows() as [string, string][];
    const out = new Map<string, Set<string>>();
    for (const [col, c] of rows) {
      if (!out.has(col)) out.set(col, new Set());
      out.get(col)!.add(c);
    }
    return out;
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

describe('text column compression in day files', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const tempDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'sightline-colcomp-'));
    dirs.push(d);
    return d;
  };

  it('stores span attributes and events with ZSTD, other text as DuckDB chooses, and reads them back', async () => {
    const dir = await tempDir();
    const store = await createDuckDbStore({ dataDir: dir, clock: () => T0 });
    expect(await store.writeSpans([spans(5000)])).toMatchObject({ status: 'ok' });
    const logs = logBatch('default', Array.from({ length: 3000 }, (_, i) => ({ timeMs: T0 + i, body: `order ${i} shipped to warehouse ${i % 13}`, attributes: { 'app.user.id': `u-${i}` } })));
    expect(await store.writeLogs([logs])).toMatchObject({ status: 'ok' });
    await store.close();

    const spanCols = await compressions(join(dir, 'traces', DAY_FILE), 'spans');
    expect([...spanCols.get('attributes')!]).toEqual(['ZSTD']);
    expect([...spanCols.get('events')!]).toEqual(['ZSTD']);
    // Short or repetitive text stays with DuckDB's own choice.
    expect(spanCols.get('resource_attributes')!.has('ZSTD')).toBe(false);
    expect(spanCols.get('name')!.has('ZSTD')).toBe(false);
    // Ids are numbers, not text (schema.ts, SPANS).
    expect(spanCols.has('trace_id')).toBe(false);
    const logCols = await compressions(join(dir, 'logs', DAY_FILE), 'logs');
    // Log text stays with DuckDB's choice (ZSTD measured no smaller there), never stored raw.
    for (const col of ['body_text', 'attributes']) expect(logCols.get(col)!.has('ZSTD') || logCols.get(col)!.has('Uncompressed')).toBe(false);

    const reopened = await createDuckDbStore({ dataDir: dir, clock: () => T0 });
    try {
      const range = { startNs: BigInt(T0 - 1000) * 1_000_000n, endNs: BigInt(T0 + 10_000) * 1_000_000n };
      const trace = await reopened.getTrace('default', hex(4321, 32), range);
      expect(trace).toHaveLength(1);
      expect(trace[0]!.attributes).toMatchObject({ 'http.route': '/orders/1', 'url.full': 'https://shop.example.com/orders/4320?q=133920' });
      expect(trace[0]!.resourceAttributes).toMatchObject({ 'service.name': 'checkout' });
      const page = await reopened.searchLogs({ tenant: 'default', ...range, text: 'warehouse 12', limit: 1000 });
      expect(page.logs.length).toBe(Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 13 === 12).length);
      const byAttr = await reopened.searchLogs({ tenant: 'default', ...range, attributes: { 'app.user.id': 'u-2999' }, limit: 10 });
      expect(byAttr.logs.map((r) => r.body)).toEqual(['order 2999 shipped to warehouse 9']);
    } finally {
      await reopened.close();
    }
  });

  it('opens a day file in the older storage format, appends to it and reads old and new rows', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'traces'), { recursive: true });
    await mkdir(join(dir, 'logs'), { recursive: true });
    // What an earlier Sightline wrote: DuckDB's default storage version, no column compression.
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    await conn.run(`ATTACH '${join(dir, 'traces', DAY_FILE)}' AS old`);
    await conn.run(createTableSql('old', SPANS_V1).replaceAll(' USING COMPRESSION zstd', ''));
    await conn.run(`ATTACH '${join(dir, 'logs', DAY_FILE)}' AS oldlogs`);
    await conn.run(createTableSql('oldlogs', LOGS_V1).replaceAll(' USING COMPRESSION zstd', ''));
    conn.closeSync();
    inst.closeSync();

    let store = await createDuckDbStore({ dataDir: dir, clock: () => T0 });
    expect(await store.writeSpans([spans(2000)])).toMatchObject({ status: 'ok' });
    await store.close();
    store = await createDuckDbStore({ dataDir: dir, clock: () => T0 });
    try {
      expect(await store.writeSpans([spans(2000, 10_000)])).toMatchObject({ status: 'ok' });
      const range = { startNs: BigInt(T0 - 1000) * 1_000_000n, endNs: BigInt(T0 + 10_000) * 1_000_000n };
      expect(await store.getTrace('default', hex(7, 32), range)).toHaveLength(1);
      expect(await store.getTrace('default', hex(10_007, 32), range)).toHaveLength(1);
    } finally {
      await store.close();
    }
    // The old file kept its format: DuckDB chose the text compression, nothing is stored raw.
    const cols = await compressions(join(dir, 'traces', DAY_FILE), 'spans');
    expect(cols.get('attributes')!.has('Uncompressed')).toBe(false);
  });
});
