// Rows handed to DuckDB as a small Parquet file instead of through the appender.
//
// Why: @duckdb/node-api's appender is synchronous. Its flush (`closeSync`) plans and runs an
// INSERT and copies the rows into the transaction on the event loop, and it sleeps there
// while the other write connection commits: 20-25% of the main thread under a remote_write
// stream. `INSERT ... SELECT ... FROM read_parquet(file)` runs on a DuckDB thread like any
// other query (conn.run is asynchronous), so the event loop only copies the columns into a
// buffer and hands it to the file system. Measured in bench/parquet-stage.mjs.
//
// The file is a transport, not storage: it is written before the transaction, read by the
// INSERT and deleted after the COMMIT; the rows are durable once DuckDB committed them, as
// before. What is written is the least Parquet that DuckDB (or any reader) accepts: one row
// group, one PLAIN, uncompressed data page per column, REQUIRED columns of INT64 or DOUBLE
// (no definition levels), no statistics. The Thrift compact encoding of the page headers and
// the footer follows parquet-format's parquet.thrift (field ids noted below).
//
// A general Parquet writer (hyparquet-writer 0.17, uncompressed, no statistics) took ~2 ms for
// an 8,000-row file of three columns, as long as the appender flush this replaces; this one
// copies the columns (~20 µs) because each page is the column's bytes as they are in memory.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';

export type StageColumnType = 'int64' | 'double';

/** One column: its name in the file, its type, and a writer that fills the n values. */
export interface StageColumn {
  name: string;
  type: StageColumnType;
  /**
   * Writes the n values: for 'double', into `doubles`; for 'int64', as little-endian 32-bit
   * halves into `words` (value i at words[2i] (low) and words[2i+1] (high)), so integral
   * doubles need no BigInt (see writeInt64).
   */
  write(target: { doubles: Float64Array; words: Uint32Array }): void;
}

// parquet.thrift enums
const TYPE_INT64 = 2;
const TYPE_DOUBLE = 5;
const REQUIRED = 0;
const ENCODING_PLAIN = 0;
const ENCODING_RLE = 3;
const CODEC_UNCOMPRESSED = 0;
const PAGE_DATA = 0;

// Thrift compact protocol field types
const T_I32 = 5;
const T_I64 = 6;
const T_BINARY = 8;
const T_LIST = 9;
const T_STRUCT = 12;

/** A Thrift compact protocol writer into a growable byte array. */
class CompactWriter {
  bytes = new Uint8Array(256);
  length = 0;
  private last: number[] = [0];

  private byte(v: number): void {
    if (this.length === this.bytes.length) {
      const next = new Uint8Array(this.bytes.length * 2);
      next.set(this.bytes);
      this.bytes = next;
    }
    this.bytes[this.length++] = v;
  }

  private varint(v: number): void {
    // v is a non-negative integer below 2^53
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  private zigzag(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  private field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }

  i32(id: number, v: number): this {
    this.field(id, T_I32);
    this.zigzag(v);
    return this;
  }

  i64(id: number, v: number): this {
    this.field(id, T_I64);
    this.zigzag(v);
    return this;
  }

  string(id: number, s: string): this {
    this.field(id, T_BINARY);
    this.rawString(s);
    return this;
  }

  private rawString(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.varint(b.length);
    for (const x of b) this.byte(x);
  }

  /** Opens a struct field (or, with id 0, a struct element of a list); close with end(). */
  struct(id: number): this {
    if (id !== 0) this.field(id, T_STRUCT);
    this.last.push(0);
    return this;
  }

  end(): this {
    this.byte(0); // STOP
    this.last.pop();
    return this;
  }

  list(id: number, elementType: 'i32' | 'binary' | 'struct', n: number): this {
    this.field(id, T_LIST);
    const t = elementType === 'i32' ? T_I32 : elementType === 'binary' ? T_BINARY : T_STRUCT;
    if (n < 15) this.byte((n << 4) | t);
    else {
      this.byte(0xf0 | t);
      this.varint(n);
    }
    return this;
  }

  i32Element(v: number): this {
    this.zigzag(v);
    return this;
  }

  stringElement(s: string): this {
    this.rawString(s);
    return this;
  }

  /** The finished struct (the writer starts inside the outermost one). */
  finish(): Uint8Array {
    this.byte(0);
    return this.bytes.subarray(0, this.length);
  }
}

/**
 * The Parquet file for n rows of `columns`. Each data page starts 8-byte aligned (a gap before
 * a page header is allowed: readers seek to the offsets the footer gives), so the column
 * writers fill typed arrays over the file's own buffer.
 */
export function encodeParquet(columns: readonly StageColumn[], n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`encodeParquet: row count ${n}`);
  if (columns.length === 0) throw new Error('encodeParquet: no columns');
  const bodyBytes = n * 8;
  const headers = columns.map(() =>
    new CompactWriter()
      .i32(1, PAGE_DATA)
      .i32(2, bodyBytes) // uncompressed_page_size
      .i32(3, bodyBytes) // compressed_page_size
      .struct(5) // data_page_header
      .i32(1, n) // num_values
      .i32(2, ENCODING_PLAIN)
      .i32(3, ENCODING_RLE) // definition_level_encoding (none are written: REQUIRED)
      .i32(4, ENCODING_RLE) // repetition_level_encoding
      .end()
      .finish(),
  );
  // Layout: "PAR1", then per column [gap][page header][values, 8-aligned], then the footer.
  const placed: { headerAt: number; bodyAt: number }[] = [];
  let p = 4;
  for (const h of headers) {
    let headerAt = p;
    const misalign = (headerAt + h.length) % 8;
    if (misalign !== 0) headerAt += 8 - misalign;
    placed.push({ headerAt, bodyAt: headerAt + h.length });
    p = headerAt + h.length + bodyBytes;
  }
  const dataEnd = p;
  const footer = new CompactWriter().i32(1, 1); // FileMetaData.version
  footer.list(2, 'struct', columns.length + 1); // schema: the root, then one leaf per column
  footer.struct(0).string(4, 'schema').i32(5, columns.length).end();
  for (const c of columns) footer.struct(0).i32(1, c.type === 'int64' ? TYPE_INT64 : TYPE_DOUBLE).i32(3, REQUIRED).string(4, c.name).end();
  footer.i64(3, n); // num_rows
  footer.list(4, 'struct', 1).struct(0); // row_groups: one
  footer.list(1, 'struct', columns.length);
  columns.forEach((c, i) => {
    const { headerAt } = placed[i]!;
    const chunkBytes = headers[i]!.length + bodyBytes;
    footer
      .struct(0) // ColumnChunk
      .i64(2, headerAt) // file_offset
      .struct(3) // meta_data: ColumnMetaData
      .i32(1, c.type === 'int64' ? TYPE_INT64 : TYPE_DOUBLE)
      .list(2, 'i32', 1)
      .i32Element(ENCODING_PLAIN)
      .list(3, 'binary', 1)
      .stringElement(c.name)
      .i32(4, CODEC_UNCOMPRESSED)
      .i64(5, n) // num_values
      .i64(6, chunkBytes) // total_uncompressed_size
      .i64(7, chunkBytes) // total_compressed_size
      .i64(9, headerAt) // data_page_offset
      .end()
      .end();
  });
  footer.i64(2, dataEnd - 4).i64(3, n).end(); // RowGroup total_byte_size, num_rows
  const meta = footer.finish();

  const file = new Uint8Array(dataEnd + meta.length + 8);
  const magic = [0x50, 0x41, 0x52, 0x31]; // "PAR1"
  file.set(magic, 0);
  columns.forEach((c, i) => {
    const { headerAt, bodyAt } = placed[i]!;
    file.set(headers[i]!, headerAt);
    const target = c.type === 'double' ? { doubles: new Float64Array(file.buffer, bodyAt, n), words: EMPTY_WORDS } : { doubles: EMPTY_DOUBLES, words: new Uint32Array(file.buffer, bodyAt, 2 * n) };
    c.write(target);
  });
  file.set(meta, dataEnd);
  new DataView(file.buffer).setUint32(dataEnd + meta.length, meta.length, true);
  file.set(magic, dataEnd + meta.length + 4);
  return file;
}

const EMPTY_WORDS = new Uint32Array(0);
const EMPTY_DOUBLES = new Float64Array(0);

/** Writes integral double v (|v| < 2^53) as int64 value i of `words`. */
export function writeInt64(words: Uint32Array, i: number, v: number): void {
  const t = Math.trunc(v);
  const hi = Math.floor(t / 4294967296);
  words[2 * i] = t - hi * 4294967296;
  words[2 * i + 1] = hi | 0;
}

/**
 * A directory of stage files. Names are unique per store (a random prefix and a counter);
 * files left by a crash are removed when the directory is opened, since nothing reads a stage
 * file after its transaction ended.
 */
export class StageDir {
  private next = 0;
  private readonly prefix = randomBytes(4).toString('hex');

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) if (name.endsWith('.parquet')) rmSync(join(dir, name), { force: true });
  }

  /**
   * Writes `bytes` to a new stage file and returns its path. Synchronous: a write into the
   * page cache (~24 bytes a sample) costs less than the event-loop turn an asynchronous one
   * would add to the commit's latency.
   */
  write(kind: string, bytes: Uint8Array): string {
    const path = join(this.dir, `${kind}-${this.prefix}-${this.next++}.parquet`);
    writeFileSync(path, bytes);
    return path;
  }

  /** Deletes a stage file; never throws (a file left behind goes at the next open). */
  async remove(path: string): Promise<void> {
    await unlink(path).catch(() => undefined);
  }
}
