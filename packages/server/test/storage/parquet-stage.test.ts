import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, quotedString, type DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStaleMarker, STALE_NAN_HI, STALE_NAN_LO } from '../../src/ingest/wire/sample-batch-builder.js';
import { createDuckDbStore } from '../../src/storage/duckdb/duckdb-store.js';
import type { Store } from '../../src/storage/store.js';
import { ParquetBuilder, StageDir, writeInt64 } from '../../src/storage/duckdb/parquet-stage.js';
import { sampleBatch, series } from './batch-helpers.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const DAY = 86_400_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sightline-stage-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function withDuck<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

function staleValue(): number {
  const v = new Float64Array(1);
  const w = new Uint32Array(v.buffer);
  w[0] = STALE_NAN_LO;
  w[1] = STALE_NAN_HI;
  return v[0]!;
}

describe('ParquetBuilder', () => {
  it('writes a file DuckDB reads back column for column: int64 from integral doubles, doubles as they are', async () => {
    const ints = [0, 1, -1, -5, 2 ** 32, -(2 ** 32) - 7, 2 ** 53 - 1, -(2 ** 53 - 1), 1_763_900_000_123];
    const doubles = [0.5, -0, Infinity, -Infinity, 1e-300, 123456.789, Number.MAX_VALUE, -2.5, 7];
    const n = ints.length;
    // A small start buffer, so it grows on the way.
    const file = new ParquetBuilder(n, 64)
      .int64('a', (words) => ints.forEach((v, i) => writeInt64(words, i, v)))
      .double('b', (d) => d.set(doubles))
      .int64('c', (words) => ints.forEach((v, i) => writeInt64(words, i, -v)))
      .finish();
    const path = join(dir, 'x.parquet');
    writeFileSync(path, file);
    await withDuck(async (c) => {
      const types = await c.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${quotedString(path)}))`);
      expect(types.getRows()).toEqual([
        ['a', 'BIGINT'],
        ['b', 'DOUBLE'],
        ['c', 'BIGINT'],
      ]);
      const r = await c.runAndReadAll(`SELECT a::VARCHAR, b, c::VARCHAR FROM read_parquet(${quotedString(path)})`);
      const rows = r.getRows();
      expect(rows.map((x) => x[0])).toEqual(ints.map(String));
      expect(rows.map((x) => x[1])).toEqual(doubles);
      expect(Object.is(rows[1]![1], -0)).toBe(true);
      expect(rows.map((x) => x[2])).toEqual(ints.map((v) => String(v === 0 ? 0 : -v)));
    });
  });

  it('writes empty files, and files with more than 15 columns (the long list header) and many rows', async () => {
    const wide = (rows: number, columns: number) => {
      const b = new ParquetBuilder(rows);
      for (let k = 0; k < columns; k++) b.double(`c${k}`, (doubles) => doubles.forEach((_, i) => (doubles[i] = i * 100 + k)));
      return b.finish();
    };
    const many = 70_000;
    writeFileSync(join(dir, 'wide.parquet'), wide(many, 17));
    writeFileSync(join(dir, 'empty.parquet'), wide(0, 2));
    await withDuck(async (c) => {
      const r = await c.runAndReadAll(`SELECT count(*)::INTEGER, sum(c0)::DOUBLE, max(c16)::DOUBLE FROM read_parquet(${quotedString(join(dir, 'wide.parquet'))})`);
      expect(r.getRows()).toEqual([[many, (100 * (many - 1) * many) / 2, 100 * (many - 1) + 16]]);
      const e = await c.runAndReadAll(`SELECT count(*)::INTEGER FROM read_parquet(${quotedString(join(dir, 'empty.parquet'))})`);
      expect(e.getRows()).toEqual([[0]]);
    });
  });

  it('writes INT32 pages with their unsigned annotations and UTF-8 strings of any length', async () => {
    const strs = ['', 'a', 'ünïcödé', '😀', 'y'.repeat(70_000)];
    const file = new ParquetBuilder(strs.length, 16)
      .int32('u8', 8, (_i, u) => u.set([0, 1, 127, 128, 255]))
      .int32('u32', 32, (_i, u) => u.set([0, 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1]))
      .int32('i32', undefined, (i) => i.set([-(2 ** 31), -1, 0, 1, 2 ** 31 - 1]))
      .utf8('s', (add) => strs.forEach(add))
      .finish();
    const path = join(dir, 'ints.parquet');
    writeFileSync(path, file);
    await withDuck(async (c) => {
      const types = await c.runAndReadAll(`SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet(${quotedString(path)}))`);
      expect(types.getRows().map((r) => r[0])).toEqual(['UTINYINT', 'UINTEGER', 'INTEGER', 'VARCHAR']);
      const r = await c.runAndReadAll(`SELECT u8, u32, i32, s FROM read_parquet(${quotedString(path)})`);
      expect(r.getRows()).toEqual(strs.map((s, i) => [[0, 1, 127, 128, 255][i], [0, 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1][i], [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1][i], s]));
    });
  });

  it('writes repeated, short, long, non-ASCII and unpaired-surrogate strings exactly, also across buffer growth', async () => {
    const long = 'x'.repeat(300) + 'é';
    const strs = [
      'svc', 'svc', 'svc', '', '', '[]', '[]',
      'a'.repeat(40), 'a'.repeat(40), 'b'.repeat(41), // at and past the ASCII-loop length
      'abcé', 'abcé', 'é', '€uro', '😀😀', 'ascii then ü at the end',
      long, long, long, 'svc', // a long value repeated (block copy), then an earlier value again
      '\ud800', 'a\udc00b', // unpaired surrogates: the native encoder's replacement character
      ...Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? `id-${i}` : i % 3 === 1 ? `id-${i - 1}` : 'ü'.repeat(i % 50))),
    ];
    // 16 bytes to start with: the page grows many times while strings are copied from earlier rows.
    const file = new ParquetBuilder(strs.length, 16).utf8('s', (add) => strs.forEach(add)).finish();
    const path = join(dir, 'strings.parquet');
    writeFileSync(path, file);
    await withDuck(async (c) => {
      const r = await c.runAndReadAll(`SELECT s FROM read_parquet(${quotedString(path)})`);
      const expected = strs.map((s) => Buffer.from(s, 'utf8').toString('utf8'));
      expect(expected[strs.indexOf('\ud800')]).toBe('\ufffd');
      expect(r.getRows().map((row) => row[0])).toEqual(expected);
    });
  });

  it('writes ids given as hex as a BLOB and a UBIGINT, and refuses text that is not hex', async () => {
    const traceIds = ['00000000000000000000000000000001', 'ffffffffffffffffffffffffffffffff', '0af7651916cd43dd8448eb211c80319c', '', 'ABCDEF00000000000000000000000000'];
    const spanIds = ['0000000000000001', 'ffffffffffffffff', 'b7ad6b7169203331', '', '00f067aa0ba902b7'];
    const file = new ParquetBuilder(5, 16)
      .hexBytes('t', (add) => traceIds.forEach(add))
      .hexUint64('s', (add) => spanIds.forEach(add))
      .finish();
    const path = join(dir, 'ids.parquet');
    writeFileSync(path, file);
    await withDuck(async (c) => {
      const types = await c.runAndReadAll(`SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet(${quotedString(path)}))`);
      expect(types.getRows().map((r) => r[0])).toEqual(['BLOB', 'UBIGINT']);
      const r = await c.runAndReadAll(`SELECT lower(hex(t)), s FROM read_parquet(${quotedString(path)})`);
      expect(r.getRows()).toEqual(traceIds.map((t, i) => [t.toLowerCase(), spanIds[i] === '' ? 0n : BigInt(`0x${spanIds[i]}`)]));
    });
    expect(() => new ParquetBuilder(1).hexBytes('t', (add) => add('0g'))).toThrow(/not hex/);
    expect(() => new ParquetBuilder(1).hexBytes('t', (add) => add('abc'))).toThrow(/not hex/);
    expect(() => new ParquetBuilder(1).hexUint64('s', (add) => add('00000000000000'))).toThrow(/16-digit/);
    expect(() => new ParquetBuilder(1).hexUint64('s', (add) => add('000000000000000x'))).toThrow(/not hex/);
    expect(() => new ParquetBuilder(2).hexUint64('s', (add) => add('0000000000000001'))).toThrow(/1 values for 2 rows/);
  });

  it('refuses a negative or fractional row count, no columns, and a string count that is not the row count', () => {
    expect(() => new ParquetBuilder(-1)).toThrow(/row count/);
    expect(() => new ParquetBuilder(1.5)).toThrow(/row count/);
    expect(() => new ParquetBuilder(1).finish()).toThrow(/no columns/);
    expect(() => new ParquetBuilder(2).utf8('s', (add) => add('only one'))).toThrow(/1 strings for 2 rows in s/);
  });
});

describe('StageDir', () => {
  const contents = (path: string) => Array.from(readFileSync(path));

  it('gives each write a file of its own, rewrites it in place for the next write, and removes what a crash left behind', async () => {
    const stage = join(dir, '.stage');
    const first = new StageDir(stage);
    let paths: string[] = [];
    // Two writes of a kind at once get two files, each holding exactly its bytes.
    await Promise.all([
      first.with('samples', new Uint8Array([1, 2, 3, 4, 5]), async (p) => {
        await new Promise((r) => setTimeout(r, 5));
        paths.push(p);
        expect(contents(p)).toEqual([1, 2, 3, 4, 5]);
      }),
      first.with('samples', new Uint8Array([9]), async (p) => {
        paths.push(p);
        expect(contents(p)).toEqual([9]);
      }),
    ]);
    expect(new Set(paths).size).toBe(2);
    // The next write reuses a free file: a shorter content leaves no tail of the longer one.
    const reused = await first.with('samples', new Uint8Array([7, 7]), async (p) => {
      expect(contents(p)).toEqual([7, 7]);
      return p;
    });
    expect(paths).toContain(reused);
    // Another kind has its own files.
    const spans = await first.with('spans', new Uint8Array([8]), async (p) => p);
    expect(paths).not.toContain(spans);
    // A failed statement gives the file back too; the error is the statement's.
    await expect(first.with('samples', new Uint8Array([6]), async () => Promise.reject(new Error('statement failed')))).rejects.toThrow('statement failed');
    writeFileSync(join(stage, 'notes.txt'), 'kept');
    // Another store on the same directory later (after a crash: nobody closed the first).
    paths = readdirSync(stage);
    expect(paths.filter((f) => f.endsWith('.parquet')).length).toBe(3);
    const second = new StageDir(stage);
    expect(readdirSync(stage)).toEqual(['notes.txt']);
    await second.with('samples', new Uint8Array([3]), async (p) => expect(contents(p)).toEqual([3]));
    second.close();
    expect(readdirSync(stage)).toEqual(['notes.txt']);
    // After close a write still works but leaves nothing behind.
    await second.with('samples', new Uint8Array([4]), async (p) => expect(contents(p)).toEqual([4]));
    expect(readdirSync(stage)).toEqual(['notes.txt']);
  });
});

describe('StageDir failures', () => {
  it('makes its directory again when it was removed while running, and throws a clear error when it cannot', async () => {
    const stage = join(dir, '.stage');
    const s = new StageDir(stage);
    await s.with('samples', new Uint8Array([1]), async () => undefined);
    rmSync(stage, { recursive: true, force: true });
    // The free file went with the directory: the next write makes both again.
    await s.with('samples', new Uint8Array([1, 2, 3]), async (p) => expect(Array.from(readFileSync(p))).toEqual([1, 2, 3]));
    // A file where the directory should be: neither the write nor making the directory can work,
    // and the statement never runs.
    rmSync(stage, { recursive: true, force: true });
    writeFileSync(stage, 'not a directory');
    let ran = false;
    await expect(s.with('samples', new Uint8Array([1]), async () => void (ran = true))).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(ran).toBe(false);
  });
});

describe('sample rows through stage files', () => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });

  it('keeps the stale marker bits, negative times and every tenant apart, also for a batch split across days', async () => {
    store = await createDuckDbStore({ dataDir: join(dir, 'data'), clock: () => T0 });
    const s = series('staged_metric', { job: 'x' });
    const stale = staleValue();
    // One batch over two days (rows are selected per day), two tenants in one write.
    const write = await store.writeSamples([
      sampleBatch('acme', [
        { series: s, timeMs: T0, value: 1.25 },
        { series: s, timeMs: T0 + DAY, value: stale },
        { series: s, timeMs: T0 + 1_000, value: stale },
        { series: s, timeMs: T0 + DAY + 1_000, value: -0 },
      ]),
      sampleBatch('globex', [{ series: s, timeMs: T0 + 2_000, value: 42 }]),
    ]);
    expect(write).toEqual({ status: 'ok', rows: 5 });
    // selectSeries hands the engine the values as DuckDB stored them (a Float64Array: bits intact).
    const read = async (tenant: string) =>
      (await store.selectSeries({ tenant, matchers: [{ name: '__name__', type: '=', value: 'staged_metric' }], startMs: T0 - DAY, endMs: T0 + 2 * DAY, maxSamples: 100 }))[0]!;
    const acme = await read('acme');
    expect(Array.from(acme.timestampsMs)).toEqual([T0, T0 + 1_000, T0 + DAY, T0 + DAY + 1_000]);
    expect(acme.values).toBeInstanceOf(Float64Array);
    const values = acme.values as Float64Array;
    expect([0, 1, 2, 3].map((i) => isStaleMarker(values, i))).toEqual([false, true, true, false]);
    expect(values[0]).toBe(1.25);
    expect(Object.is(values[3], -0)).toBe(true);
    expect(Array.from((await read('globex')).values)).toEqual([42]);
    // The stage files stay for the next writes while the store runs, and go when it closes.
    expect(readdirSync(join(dir, 'data', '.stage')).length).toBeGreaterThan(0);
    await store.close();
    expect(readdirSync(join(dir, 'data', '.stage'))).toEqual([]);
  });

  it('stages in a given directory, under a subdirectory of its own data directory, and cleans up only its own leftovers', async () => {
    const shared = join(dir, 'shared-stage');
    const dataA = join(dir, 'a');
    store = await createDuckDbStore({ dataDir: dataA, clock: () => T0, stageDir: shared });
    await store.close();
    const [own] = readdirSync(shared);
    expect(own).toMatch(/^sightline-[0-9a-f]{16}$/);
    // Leftovers: one of this data directory, one of another.
    writeFileSync(join(shared, own!, 'samples-dead-1.parquet'), 'x');
    mkdirSync(join(shared, 'sightline-0000000000000000'), { recursive: true });
    writeFileSync(join(shared, 'sightline-0000000000000000', 'samples-other-1.parquet'), 'y');
    store = await createDuckDbStore({ dataDir: dataA, clock: () => T0, stageDir: shared });
    expect(readdirSync(join(shared, own!))).toEqual([]);
    expect(readdirSync(join(shared, 'sightline-0000000000000000'))).toEqual(['samples-other-1.parquet']);
    const s = series('shared_stage');
    expect(await store.writeSamples([sampleBatch('default', [{ series: s, timeMs: T0, value: 7 }])])).toEqual({ status: 'ok', rows: 1 });
    expect(existsSync(join(dataA, '.stage'))).toBe(false);
  });

  it('answers failed, writes nothing and leaves no stage file when a batch is inconsistent', async () => {
    store = await createDuckDbStore({ dataDir: join(dir, 'data'), clock: () => T0 });
    const s = series('bad_metric');
    const bad = sampleBatch('default', [
      { series: s, timeMs: T0, value: 1 },
      { series: s, timeMs: T0 + 1_000, value: 2 },
    ]);
    bad.timeMs = new Float64Array([T0]);
    expect(await store.writeSamples([bad])).toMatchObject({ status: 'failed' });
    expect(await store.readSamples({ tenant: 'default', fingerprints: [s.fingerprint], startMs: T0 - DAY, endMs: T0 + DAY, limit: 10 })).toEqual([]);
    expect(readdirSync(join(dir, 'data', '.stage'))).toEqual([]);
  });
});
