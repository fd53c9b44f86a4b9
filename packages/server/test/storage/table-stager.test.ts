import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBInstance as Instance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StageDir } from '../../src/storage/duckdb/parquet-stage.js';
import { createTableSql, table } from '../../src/storage/duckdb/schema.js';
import { TableStager, type StageGroup } from '../../src/storage/duckdb/table-stager.js';

const ALL = table(
  'all_kinds',
  `tenant varchar, a utinyint, b usmallint, c uinteger, d integer, e bigint, f double, g varchar, h varchar`,
);

let dir: string;
let inst: Instance;
let conn: DuckDBConnection;
let stage: StageDir;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sightline-stager-'));
  inst = await DuckDBInstance.create(':memory:');
  conn = await inst.connect();
  await conn.run(`ATTACH '${join(dir, 'day.duckdb')}' AS d`);
  await conn.run(createTableSql('d', ALL));
  stage = new StageDir(join(dir, '.stage'));
});
afterEach(() => {
  conn.closeSync();
  inst.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function bits(v: number): string {
  return Buffer.from(new Float64Array([v]).buffer).toString('hex');
}

function group(tenant: string, n: number, offset: number, rows: Uint32Array | null = null): StageGroup {
  const range = <T,>(f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i + offset));
  return {
    length: n,
    rows,
    data: [
      tenant,
      Uint8Array.from(range((i) => (i * 37) % 256)),
      Uint16Array.from(range((i) => 65_535 - i)),
      Uint32Array.from(range((i) => 4_294_967_295 - i)),
      Int32Array.from(range((i) => -2_147_483_648 + i)),
      BigInt64Array.from(range((i) => i), (i) => BigInt(i) * -1_000_000_007n),
      Float64Array.from(range((i) => i / 3)),
      range((i) => ['', 'plain', 'ünïcödé', '日本語', '😀 emoji', "quote ' and \" and \\", 'x'.repeat(5_000)][i % 7]!),
      'constant',
    ],
  };
}

const read = async () =>
  (await conn.runAndReadAll(`SELECT tenant, a, b, c, d, e::VARCHAR, f, g, h FROM d.main.all_kinds ORDER BY d`)).getRows();

describe('TableStager', () => {
  it('stages every column kind and reads back the same values, strings in any script and length', async () => {
    const stager = new TableStager(ALL);
    const g = group('acme', 20, 0);
    expect(await stager.insert(stage, (sql) => conn.run(sql), 'd', [g])).toBe(20);
    const rows = await read();
    expect(rows).toHaveLength(20);
    rows.forEach((r, i) => {
      expect(r).toEqual([
        'acme',
        (i * 37) % 256,
        65_535 - i,
        4_294_967_295 - i,
        -2_147_483_648 + i,
        String(BigInt(i) * -1_000_000_007n),
        i / 3,
        ['', 'plain', 'ünïcödé', '日本語', '😀 emoji', "quote ' and \" and \\", 'x'.repeat(5_000)][i % 7],
        'constant',
      ]);
    });
    // One stage file, kept for the next insert until the stage directory closes.
    expect(readdirSync(join(dir, '.stage'))).toHaveLength(1);
    stage.close();
    expect(readdirSync(join(dir, '.stage'))).toEqual([]);
  });

  it('writes constant columns as literals, and as values when the groups disagree', () => {
    const stager = new TableStager(ALL);
    const same = stager.encode([group("o'brien", 3, 0), group("o'brien", 2, 3)]);
    expect(same.select).toContain(`'o''brien' AS tenant`);
    expect(same.select).toContain(`'constant' AS h`);
    const mixed = stager.encode([group('acme', 3, 0), group('globex', 2, 3)]);
    expect(mixed.select).not.toMatch(/'acme'|'globex'/);
    expect(mixed.select.startsWith('c0 AS tenant')).toBe(true);
    expect(mixed.select).toContain(`'constant' AS h`);
  });

  it('takes the selected rows of each group in order, several groups after one another', async () => {
    const stager = new TableStager(ALL);
    await stager.insert(stage, (sql) => conn.run(sql), 'd', [group('acme', 10, 0, Uint32Array.from([9, 2, 5])), group('globex', 4, 100)]);
    const rows = await read();
    expect(rows.map((r) => [r[0], r[4]])).toEqual([
      ['acme', -2_147_483_648 + 2],
      ['acme', -2_147_483_648 + 5],
      ['acme', -2_147_483_648 + 9],
      ['globex', -2_147_483_648 + 100],
      ['globex', -2_147_483_648 + 101],
      ['globex', -2_147_483_648 + 102],
      ['globex', -2_147_483_648 + 103],
    ]);
    expect(rows[0]![1]).toBe((2 * 37) % 256);
  });

  it('keeps NaN, negative zero and infinities in double columns (copied as bits, read in any row order)', async () => {
    const T = table('doubles', 'v double');
    await conn.run(createTableSql('d', T));
    const v = new Float64Array(4);
    const w = new Uint32Array(v.buffer);
    w[0] = 2; // Prometheus' stale marker 0x7ff0000000000002 (its bits through the store: parquet-stage.test.ts)
    w[1] = 0x7ff00000;
    v[1] = -0;
    v[2] = Infinity;
    v[3] = -1.5;
    await new TableStager(T).insert(stage, (sql) => conn.run(sql), 'd', [{ data: [v], length: 4, rows: Uint32Array.from([3, 2, 1, 0]) }]);
    const back = (await conn.runAndReadAll(`SELECT v FROM d.main.doubles`)).getRows().map((r) => r[0] as number);
    expect(back.map(bits)).toEqual([bits(-1.5), bits(Infinity), bits(-0), back[3] !== back[3] ? bits(back[3]!) : 'not NaN']);
    expect(Number.isNaN(back[3])).toBe(true);
  });

  it('stages a table whose every column is a constant, and nothing for no rows', async () => {
    const T = table('consts', 'a varchar, b varchar');
    await conn.run(createTableSql('d', T));
    const stager = new TableStager(T);
    expect(await stager.insert(stage, (sql) => conn.run(sql), 'd', [{ data: ['x', 'y'], length: 3, rows: null }])).toBe(3);
    expect(await stager.insert(stage, (sql) => conn.run(sql), 'd', [{ data: ['x', 'y'], length: 0, rows: null }])).toBe(0);
    expect((await conn.runAndReadAll(`SELECT a, b FROM d.main.consts`)).getRows()).toEqual([
      ['x', 'y'],
      ['x', 'y'],
      ['x', 'y'],
    ]);
  });

  it('refuses columns of the wrong kind or too short, and a selection past the end, before writing anything', () => {
    const stager = new TableStager(ALL);
    const good = group('acme', 3, 0);
    const wrongKind = { ...good, data: good.data.map((d, i) => (i === 1 ? new Uint16Array(3) : d)) };
    const short = { ...good, data: good.data.map((d, i) => (i === 7 ? ['a'] : d)) };
    expect(() => stager.encode([wrongKind])).toThrow(/all_kinds\.a: expected Uint8Array/);
    expect(() => stager.encode([short])).toThrow(/all_kinds\.g: 1 values for 3 rows/);
    expect(() => stager.encode([{ ...good, rows: Uint32Array.from([3]) }])).toThrow(/row 3 selected of 3/);
    expect(() => stager.encode([{ ...good, data: good.data.slice(1) }])).toThrow(/8 columns given, table has 9/);
    expect(readdirSync(join(dir, '.stage'))).toEqual([]);
  });
});
