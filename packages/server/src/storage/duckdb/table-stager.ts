// A table's rows as a Parquet stage file (parquet-stage.ts), from the same column data the
// ChunkAppender takes: a constant string, strings, or the matching typed array per column,
// several groups (batches, each with an optional row selection) after one another.
//
// A column that is one constant string in every group (the tenant, usually) is not written:
// it becomes a literal in the SELECT list. Numbers are copied as bits; strings are encoded to
// UTF-8 into the file (~0.1 µs a string, against ~0.15-0.33 µs for the native call per string
// that fills an appender's vector, which then still has to be flushed on the event loop); ids
// (`traceid`, `spanid` columns) go from hex text to bytes.
import { quotedString } from '@duckdb/node-api';
import { checkColumns, type ColumnData } from './chunk-appender.js';
import { ParquetBuilder, type StageDir } from './parquet-stage.js';
import type { TableSpec } from './schema.js';

export interface StageGroup {
  /** Values per column, in the table's column order. */
  data: readonly ColumnData[];
  /** Rows [0, length) of the data, or only the rows listed in `rows`. */
  length: number;
  rows: Uint32Array | null;
}

/** Column c's strings of every group, in row order. */
function eachString(groups: readonly StageGroup[], c: number, add: (s: string) => void): void {
  for (const g of groups) {
    const d = g.data[c]!;
    const n = g.rows ? g.rows.length : g.length;
    if (typeof d === 'string') for (let k = 0; k < n; k++) add(d);
    else {
      const strs = d as readonly string[];
      if (g.rows) for (let k = 0; k < n; k++) add(strs[g.rows[k]!] ?? '');
      else for (let i = 0; i < n; i++) add(strs[i] ?? '');
    }
  }
}

export class TableStager {
  /** Bytes a row took in the last file: the next buffer starts that large (no regrowth copies). */
  private bytesPerRow = 64;

  constructor(readonly spec: TableSpec) {
    if (spec.columns.some((c) => c.kind === 'blob')) throw new Error(`${spec.name}: blob columns are not staged`);
  }

  /** The rows as a Parquet file, and the SELECT list that reads it in the table's column order. */
  encode(groups: readonly StageGroup[]): { bytes: Uint8Array; select: string; rows: number } {
    let rows = 0;
    for (const g of groups) {
      this.check(g);
      rows += g.rows ? g.rows.length : g.length;
    }
    const b = new ParquetBuilder(rows, Math.max(1 << 12, Math.ceil(rows * this.bytesPerRow * 1.25) + 4096));
    const select: string[] = [];
    this.spec.columns.forEach((col, c) => {
      const name = `c${c}`;
      if (col.kind === 'varchar') {
        const first = groups[0]?.data[c];
        if (typeof first === 'string' && groups.every((g) => g.data[c] === first)) {
          select.push(`${quotedString(first)} AS ${col.name}`);
          return;
        }
        b.utf8(name, (add) => eachString(groups, c, add));
      } else if (col.kind === 'traceid') {
        b.hexBytes(name, (add) => eachString(groups, c, add));
      } else if (col.kind === 'spanid') {
        b.hexUint64(name, (add) => eachString(groups, c, add));
      } else if (col.kind === 'bigint' || col.kind === 'double') {
        // 64-bit values: copied as two 32-bit words (NaN payloads survive).
        const copy = (words: Uint32Array) => {
          let at = 0;
          for (const g of groups) {
            const src = g.data[c] as BigInt64Array | Float64Array;
            const w = new Uint32Array(src.buffer, src.byteOffset, src.length * 2);
            if (g.rows) {
              for (let k = 0; k < g.rows.length; k++, at++) {
                const i = g.rows[k]!;
                words[2 * at] = w[2 * i]!;
                words[2 * at + 1] = w[2 * i + 1]!;
              }
            } else {
              words.set(w.subarray(0, 2 * g.length), 2 * at);
              at += g.length;
            }
          }
        };
        if (col.kind === 'bigint') b.int64(name, copy);
        else b.double(name, (_d, words) => copy(words));
      } else {
        const unsigned = col.kind === 'utinyint' ? 8 : col.kind === 'usmallint' ? 16 : col.kind === 'uinteger' ? 32 : undefined;
        b.int32(name, unsigned, (ints, uints) => {
          let at = 0;
          for (const g of groups) {
            const src = g.data[c] as Uint8Array | Uint16Array | Uint32Array | Int32Array;
            const dst = src instanceof Int32Array ? ints : uints;
            if (g.rows) for (let k = 0; k < g.rows.length; k++) dst[at++] = src[g.rows[k]!]!;
            else {
              dst.set(src.subarray(0, g.length), at);
              at += g.length;
            }
          }
        });
      }
      select.push(`${name} AS ${col.name}`);
    });
    if (b.isEmpty()) {
      // Every column is a constant: still one column in the file, so it says how many rows.
      b.int32('n', undefined, () => undefined);
    }
    const bytes = b.finish();
    if (rows > 0) this.bytesPerRow = bytes.length / rows;
    return { bytes, select: select.join(', '), rows };
  }

  /** Stages the rows and inserts them into `alias`'s table on `run`'s connection; returns the rows. */
  async insert(stage: StageDir, run: (sql: string) => Promise<unknown>, alias: string, groups: readonly StageGroup[]): Promise<number> {
    const { bytes, select, rows } = this.encode(groups);
    if (rows === 0) return 0;
    await stage.with(this.spec.name, bytes, (path) => run(`INSERT INTO "${alias}".main.${this.spec.name} SELECT ${select} FROM read_parquet(${quotedString(path)})`));
    return rows;
  }

  private check(g: StageGroup): void {
    checkColumns(this.spec, g.data, g.length);
    if (g.rows) for (const i of g.rows) if (i >= g.length) throw new Error(`${this.spec.name}: row ${i} selected of ${g.length}`);
  }
}
