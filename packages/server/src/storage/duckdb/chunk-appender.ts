// Columnar batches into DuckDB data chunks column by column and through the appender into the
// open transaction. The big tables (spans, logs, samples) no longer come this way: their rows go
// in as Parquet stage files read by an asynchronous INSERT (table-stager.ts), because the
// appender's flush runs on the event loop. What still does: the small side tables written in
// the same transaction (resources, operations, series_hours, the catalog's stage table).
// Measured against the alternatives in bench/store-insert.mjs and docs/storage.md:
//   - numeric columns are one memcpy per column per chunk (no per-value call);
//   - a string column whose values are all the same within a chunk (tenant, resource
//     attributes, scope, empty events/links, ...) becomes one constant vector;
//   - other strings are one native call each, the remaining per-row cost.
// The binding calls used here are not wrapped by @duckdb/node-api, hence the direct import.
import bindings, { type Vector } from '@duckdb/node-bindings';
import {
  BIGINT,
  BLOB,
  DOUBLE,
  DuckDBDataChunk,
  INTEGER,
  UBIGINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBType,
} from '@duckdb/node-api';
import type { ColumnKind, TableSpec } from './schema.js';

type NumericArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | BigInt64Array | Float64Array;

/** One column's values for a batch: a constant string, strings, or the matching typed array. */
export type ColumnData = string | readonly string[] | NumericArray;

const DUCK_TYPE: Record<ColumnKind, DuckDBType> = {
  varchar: VARCHAR,
  utinyint: UTINYINT,
  usmallint: USMALLINT,
  uinteger: UINTEGER,
  integer: INTEGER,
  bigint: BIGINT,
  double: DOUBLE,
  blob: BLOB,
  traceid: BLOB,
  spanid: UBIGINT,
};

/** Kinds whose values are strings (ids as hex text, converted where they are staged). */
export function isTextKind(kind: ColumnKind): kind is 'varchar' | 'traceid' | 'spanid' {
  return kind === 'varchar' || kind === 'traceid' || kind === 'spanid';
}

type ArrayKind = Exclude<ColumnKind, 'varchar' | 'blob' | 'traceid' | 'spanid'>;

/** Kinds whose values are a typed array (everything but text and BLOBs). */
function isArrayKind(kind: ColumnKind): kind is ArrayKind {
  return !isTextKind(kind) && kind !== 'blob';
}

const ARRAY_FOR: Record<ArrayKind, { new (n: number): NumericArray; name: string }> = {
  utinyint: Uint8Array,
  usmallint: Uint16Array,
  uinteger: Uint32Array,
  integer: Int32Array,
  bigint: BigInt64Array,
  double: Float64Array,
};

const VECTOR_SIZE = bindings.vector_size();
/** Chunks appended between two yields to the event loop (~16k rows). */
const CHUNKS_PER_YIELD = 8;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ChunkAppender {
  private readonly chunk: DuckDBDataChunk;
  private readonly kinds: ColumnKind[];
  /** Gather buffers for numeric columns when appending a row selection. */
  private readonly scratch: (NumericArray | undefined)[];

  constructor(readonly spec: TableSpec) {
    this.kinds = spec.columns.map((c) => c.kind);
    this.chunk = DuckDBDataChunk.create(this.kinds.map((k) => DUCK_TYPE[k]));
    if (this.kinds.some((k) => k !== 'varchar' && !isArrayKind(k))) throw new Error(`${spec.name}: blob and id columns are not appended through ChunkAppender`);
    this.scratch = this.kinds.map((k) => (isArrayKind(k) ? new ARRAY_FOR[k](VECTOR_SIZE) : undefined));
  }

  /**
   * Appends rows [0, length) of `data`, or only the rows listed in `rows`. The caller owns the
   * transaction and the appender; this may yield to the event loop between chunks.
   */
  async append(appender: DuckDBAppender, data: readonly ColumnData[], length: number, rows: Uint32Array | null): Promise<void> {
    this.check(data, length);
    const count = rows ? rows.length : length;
    const raw = this.chunk.chunk;
    for (let off = 0, chunks = 0; off < count; off += VECTOR_SIZE) {
      const n = Math.min(VECTOR_SIZE, count - off);
      bindings.data_chunk_reset(raw);
      bindings.data_chunk_set_size(raw, n);
      for (let c = 0; c < data.length; c++) {
        const vector = bindings.data_chunk_get_vector(raw, c);
        const col = data[c]!;
        if (typeof col === 'string') bindings.vector_reference_value(vector, bindings.create_varchar(col));
        else if (Array.isArray(col)) fillStrings(vector, col as readonly string[], off, n, rows);
        else this.fillNumbers(vector, c, col as NumericArray, off, n, rows);
      }
      appender.appendDataChunk(this.chunk);
      if (++chunks % CHUNKS_PER_YIELD === 0 && off + n < count) {
        // Hand the buffered rows to the transaction now: the appender would otherwise move a
        // whole commit's rows in one synchronous call at close (~300 ms for 200k spans).
        appender.flushSync();
        await yieldToEventLoop();
      }
    }
  }

  private fillNumbers(vector: Vector, c: number, src: NumericArray, off: number, n: number, rows: Uint32Array | null): void {
    let from = src;
    let start = off;
    if (rows) {
      const dst = this.scratch[c]!;
      // Same element type by construction (checked in check()); the casts only satisfy TS.
      if (dst instanceof BigInt64Array) {
        const s = src as BigInt64Array;
        for (let i = 0; i < n; i++) dst[i] = s[rows[off + i]!]!;
      } else {
        const d = dst as Float64Array;
        const s = src as Float64Array;
        for (let i = 0; i < n; i++) d[i] = s[rows[off + i]!]!;
      }
      from = dst;
      start = 0;
    }
    const bpe = from.BYTES_PER_ELEMENT;
    bindings.copy_data_to_vector(vector, 0, from.buffer as ArrayBuffer, from.byteOffset + start * bpe, n * bpe);
  }

  private check(data: readonly ColumnData[], length: number): void {
    checkColumns(this.spec, data, length);
  }
}

/** Throws unless `data` has one column per column of `spec`, of its kind, with at least `length` values. */
export function checkColumns(spec: TableSpec, data: readonly ColumnData[], length: number): void {
  const cols = spec.columns;
  if (data.length !== cols.length) throw new Error(`${spec.name}: ${data.length} columns given, table has ${cols.length}`);
  for (let c = 0; c < data.length; c++) {
    const col = data[c]!;
    const { kind, name } = cols[c]!;
    if (kind === 'blob') throw new Error(`${spec.name}.${name}: blob columns are appended row by row`);
    if (isTextKind(kind)) {
      if (typeof col !== 'string' && !Array.isArray(col)) throw new Error(`${spec.name}.${name}: expected strings`);
      if (Array.isArray(col) && col.length < length) throw new Error(`${spec.name}.${name}: ${col.length} values for ${length} rows`);
    } else {
      const want = ARRAY_FOR[kind];
      if (!(col instanceof want)) throw new Error(`${spec.name}.${name}: expected ${want.name}`);
      if ((col as NumericArray).length < length) throw new Error(`${spec.name}.${name}: ${(col as NumericArray).length} values for ${length} rows`);
    }
  }
}

function fillStrings(vector: Vector, src: readonly string[], off: number, n: number, rows: Uint32Array | null): void {
  if (rows) {
    const first = src[rows[off]!] ?? '';
    let same = first === (src[rows[off + n - 1]!] ?? '');
    for (let i = 1; same && i < n; i++) same = src[rows[off + i]!] === first;
    if (same) {
      bindings.vector_reference_value(vector, bindings.create_varchar(first));
      return;
    }
    for (let i = 0; i < n; i++) bindings.vector_assign_string_element(vector, i, src[rows[off + i]!] ?? '');
    return;
  }
  const first = src[off] ?? '';
  let same = first === (src[off + n - 1] ?? '');
  for (let i = 1; same && i < n; i++) same = src[off + i] === first;
  if (same) {
    bindings.vector_reference_value(vector, bindings.create_varchar(first));
    return;
  }
  for (let i = 0; i < n; i++) bindings.vector_assign_string_element(vector, i, src[off + i] ?? '');
}

/**
 * Integral doubles (fingerprints, millisecond times, sequence numbers; all below 2^53) into
 * int64 storage without allocating a BigInt per value: the two 32-bit halves are written
 * through a Uint32 view of the target buffer (little-endian, like every platform DuckDB
 * ships for).
 */
export function doublesToInt64(src: ArrayLike<number>, length: number, dst = new BigInt64Array(length)): BigInt64Array {
  const words = new Uint32Array(dst.buffer, dst.byteOffset, length * 2);
  for (let i = 0; i < length; i++) {
    const v = Math.trunc(src[i]!);
    const hi = Math.floor(v / 4294967296);
    words[2 * i] = v - hi * 4294967296;
    words[2 * i + 1] = hi | 0;
  }
  return dst;
}
