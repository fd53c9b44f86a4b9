// Rows handed to DuckDB as a small Parquet file instead of through the appender.
//
// Why: @duckdb/node-api's appender is synchronous. Its flush (`closeSync`) plans and runs an
// INSERT and copies the rows into the transaction on the event loop, and it sleeps there
// while the other write connection commits: 20-25% of the main thread under a remote_write
// stream, 22-31% under span and log ingest. `INSERT ... SELECT ... FROM read_parquet(file)`
// runs on a DuckDB thread like any other query (conn.run is asynchronous), so the event loop
// only encodes the rows into a buffer and hands it to the file system.
//
// The file is a transport, not storage: written before the statement, read by the INSERT and
// rewritten by a later write; the rows are durable once DuckDB committed them. What is
// written is the least Parquet that DuckDB (or any reader) accepts: one row group, one PLAIN,
// uncompressed data page per column, REQUIRED columns (no definition levels) of INT64, DOUBLE,
// INT32 (with UINT_8/16/32 annotations) or UTF-8 BYTE_ARRAY, no statistics. The Thrift compact
// encoding of the page headers and the footer follows parquet-format's parquet.thrift (field
// ids noted below). Callers: table-stager.ts (spans, logs) and sample-writer.ts.
//
// A general Parquet writer (hyparquet-writer 0.17, uncompressed, no statistics) took ~2 ms for
// an 8,000-row file of three numeric columns, as long as the appender flush this replaces;
// this one copies the columns (~20 µs), each page being the column's bytes as in memory
// (bench/parquet-stage.mjs measures the path).
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

// parquet.thrift enums (Type, ConvertedType, FieldRepetitionType, Encoding, CompressionCodec, PageType)
const TYPE_INT32 = 1;
const TYPE_INT64 = 2;
const TYPE_DOUBLE = 5;
const TYPE_BYTE_ARRAY = 6;
const CONVERTED_UTF8 = 0;
const CONVERTED_UINT_8 = 11;
const CONVERTED_UINT_16 = 12;
const CONVERTED_UINT_32 = 13;
const CONVERTED_UINT_64 = 14;
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
 * Buffer's UTF-8 writer without the argument handling of the documented buf.write() (a
 * third of the cost for short strings; Node has had it since 0.x and uses it for write()).
 */
type Utf8Writable = Buffer & { utf8Write(s: string, offset: number): number };

/**
 * Strings up to this many UTF-16 units are copied by a JavaScript loop when they are ASCII (ids,
 * names, short values): cheaper than a call into the native UTF-8 encoder, which wins on long
 * text (bench/stage-encode.mjs).
 */
const SHORT_STRING = 40;

/** Writes ASCII `s` at `at`; returns its length, or -1 (nothing to rely on written) when it is not ASCII. */
function ascii(s: string, bytes: Uint8Array, at: number): number {
  const n = s.length;
  for (let j = 0; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c > 0x7f) return -1;
    bytes[at + j] = c;
  }
  return n;
}

/** Writes a BYTE_ARRAY value's length prefix (4 bytes, little-endian) at `at`. */
function lengthAt(bytes: Uint8Array, at: number, n: number): void {
  bytes[at] = n & 0xff;
  bytes[at + 1] = (n >>> 8) & 0xff;
  bytes[at + 2] = (n >>> 16) & 0xff;
  bytes[at + 3] = n >>> 24;
}

/** Value of each hex digit's char code (lowercase and uppercase), 255 for any other code. */
const HEX_VALUE = new Uint8Array(128).fill(255);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Value of the hex digit at s[j]; throws for anything else (ids come from the decoders, always hex). */
function hexDigit(s: string, j: number): number {
  const v = HEX_VALUE[s.charCodeAt(j)] ?? 255;
  if (v === 255) throw new Error(`ParquetBuilder: ${JSON.stringify(s)} is not hex`);
  return v;
}

/** Room kept before a page's values for its header (a data page header is ~15-25 bytes). */
const HEADER_ROOM = 48;

interface PlacedColumn {
  name: string;
  physical: number;
  converted: number | undefined;
  headerAt: number;
  chunkBytes: number;
}

/**
 * Builds a Parquet file column by column into one growing buffer: each column is one PLAIN,
 * uncompressed data page of REQUIRED values. A page's values start 8-byte aligned (numeric
 * writers fill typed arrays over the buffer) and its header is placed right before them once
 * their size is known; the gap before a header is allowed, readers seek to the offsets the
 * footer gives.
 */
export class ParquetBuilder {
  private bytes: Uint8Array;
  private buf: Buffer;
  private p = 4;
  private readonly columns: PlacedColumn[] = [];

  constructor(
    private readonly rows: number,
    capacity = 1 << 16,
  ) {
    if (!Number.isInteger(rows) || rows < 0) throw new Error(`ParquetBuilder: row count ${rows}`);
    this.bytes = new Uint8Array(capacity);
    this.buf = Buffer.from(this.bytes.buffer, 0, capacity);
  }

  private ensure(end: number): void {
    if (end <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < end) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.p));
    this.bytes = next;
    this.buf = Buffer.from(next.buffer, 0, size);
  }

  /** Starts a page: returns where its values go (8-aligned, room for the header before). */
  private open(valueBytes: number): number {
    const at = Math.ceil((this.p + HEADER_ROOM) / 8) * 8;
    this.ensure(at + valueBytes);
    return at;
  }

  private close(name: string, physical: number, converted: number | undefined, valuesAt: number, valueBytes: number): void {
    const header = new CompactWriter()
      .i32(1, PAGE_DATA)
      .i32(2, valueBytes) // uncompressed_page_size
      .i32(3, valueBytes) // compressed_page_size
      .struct(5) // data_page_header
      .i32(1, this.rows) // num_values
      .i32(2, ENCODING_PLAIN)
      .i32(3, ENCODING_RLE) // definition_level_encoding (none are written: REQUIRED)
      .i32(4, ENCODING_RLE) // repetition_level_encoding
      .end()
      .finish();
    const headerAt = valuesAt - header.length;
    this.bytes.set(header, headerAt);
    this.columns.push({ name, physical, converted, headerAt, chunkBytes: header.length + valueBytes });
    this.p = valuesAt + valueBytes;
  }

  /** INT64 values, written by `write` as little-endian 32-bit halves (see writeInt64). */
  int64(name: string, write: (words: Uint32Array) => void): this {
    const at = this.open(this.rows * 8);
    write(new Uint32Array(this.bytes.buffer, at, this.rows * 2));
    this.close(name, TYPE_INT64, undefined, at, this.rows * 8);
    return this;
  }

  /** DOUBLE values; write into `doubles`, or copy bits through `words`. */
  double(name: string, write: (doubles: Float64Array, words: Uint32Array) => void): this {
    const at = this.open(this.rows * 8);
    write(new Float64Array(this.bytes.buffer, at, this.rows), new Uint32Array(this.bytes.buffer, at, this.rows * 2));
    this.close(name, TYPE_DOUBLE, undefined, at, this.rows * 8);
    return this;
  }

  /** INT32 values; `unsigned` bits read back as UTINYINT/USMALLINT/UINTEGER. */
  int32(name: string, unsigned: 8 | 16 | 32 | undefined, write: (ints: Int32Array, uints: Uint32Array) => void): this {
    const at = this.open(this.rows * 4);
    write(new Int32Array(this.bytes.buffer, at, this.rows), new Uint32Array(this.bytes.buffer, at, this.rows));
    const converted = unsigned === 8 ? CONVERTED_UINT_8 : unsigned === 16 ? CONVERTED_UINT_16 : unsigned === 32 ? CONVERTED_UINT_32 : undefined;
    this.close(name, TYPE_INT32, converted, at, this.rows * 4);
    return this;
  }

  /** UTF-8 strings (VARCHAR): `each` calls add() once per row, in order. */
  utf8(name: string, each: (add: (s: string) => void) => void): this {
    const at = this.open(0);
    let p = at;
    let count = 0;
    // The previous value and where its bytes are: a column repeats values row after row
    // (service, scope and operation names, '' and '[]'), and a copy is cheaper than encoding.
    let prev: string | undefined;
    let prevAt = 0;
    let prevLen = 0;
    each((s) => {
      count++;
      // A UTF-16 code unit takes at most three UTF-8 bytes.
      if (p + 4 + 3 * s.length > this.bytes.length) {
        this.p = p;
        this.ensure(p + 4 + 3 * s.length);
      }
      const bytes = this.bytes;
      let n: number;
      if (s === prev) {
        n = prevLen;
        if (n <= SHORT_STRING) for (let j = 0; j < n; j++) bytes[p + 4 + j] = bytes[prevAt + j]!;
        else bytes.copyWithin(p + 4, prevAt, prevAt + n);
      } else {
        n = s.length <= SHORT_STRING ? ascii(s, bytes, p + 4) : -1;
        // Not ASCII, or long: the native encoder (its per-call cost is what the loop avoids).
        if (n < 0) n = (this.buf as Utf8Writable).utf8Write(s, p + 4);
        prev = s;
        prevLen = n;
      }
      prevAt = p + 4;
      lengthAt(bytes, p, n);
      p += 4 + n;
    });
    if (count !== this.rows) throw new Error(`ParquetBuilder: ${count} strings for ${this.rows} rows in ${name}`);
    this.close(name, TYPE_BYTE_ARRAY, CONVERTED_UTF8, at, p - at);
    return this;
  }

  /** Bytes given as hex text, read back as BLOB ('' is an empty BLOB): `each` calls add() once per row. */
  hexBytes(name: string, each: (add: (hex: string) => void) => void): this {
    const at = this.open(0);
    let p = at;
    let count = 0;
    each((s) => {
      count++;
      if (s.length % 2 !== 0) throw new Error(`ParquetBuilder: ${JSON.stringify(s)} is not hex`);
      const n = s.length >> 1;
      if (p + 4 + n > this.bytes.length) {
        this.p = p;
        this.ensure(p + 4 + n);
      }
      const bytes = this.bytes;
      lengthAt(bytes, p, n);
      for (let j = 0; j < n; j++) bytes[p + 4 + j] = (hexDigit(s, 2 * j) << 4) | hexDigit(s, 2 * j + 1);
      p += 4 + n;
    });
    if (count !== this.rows) throw new Error(`ParquetBuilder: ${count} values for ${this.rows} rows in ${name}`);
    this.close(name, TYPE_BYTE_ARRAY, undefined, at, p - at);
    return this;
  }

  /** 64-bit ids given as 16 hex digits, read back as UBIGINT ('' is 0): `each` calls add() once per row. */
  hexUint64(name: string, each: (add: (hex: string) => void) => void): this {
    const at = this.open(this.rows * 8);
    const words = new Uint32Array(this.bytes.buffer, at, this.rows * 2);
    let i = 0;
    each((s) => {
      if (i >= this.rows) throw new Error(`ParquetBuilder: more than ${this.rows} values in ${name}`);
      if (s === '') words[2 * i] = words[2 * i + 1] = 0;
      else {
        if (s.length !== 16) throw new Error(`ParquetBuilder: ${JSON.stringify(s)} is not a 16-digit hex id`);
        let hi = 0;
        let lo = 0;
        for (let j = 0; j < 8; j++) hi = (hi << 4) | hexDigit(s, j);
        for (let j = 8; j < 16; j++) lo = (lo << 4) | hexDigit(s, j);
        words[2 * i] = lo >>> 0;
        words[2 * i + 1] = hi >>> 0;
      }
      i++;
    });
    if (i !== this.rows) throw new Error(`ParquetBuilder: ${i} values for ${this.rows} rows in ${name}`);
    this.close(name, TYPE_INT64, CONVERTED_UINT_64, at, this.rows * 8);
    return this;
  }

  /** No column added yet. */
  isEmpty(): boolean {
    return this.columns.length === 0;
  }

  /** The finished file: the pages written so far and the footer. */
  finish(): Uint8Array {
    if (this.columns.length === 0) throw new Error('ParquetBuilder: no columns');
    const footer = new CompactWriter().i32(1, 1); // FileMetaData.version
    footer.list(2, 'struct', this.columns.length + 1); // schema: the root, then one leaf per column
    footer.struct(0).string(4, 'schema').i32(5, this.columns.length).end();
    for (const c of this.columns) {
      footer.struct(0).i32(1, c.physical).i32(3, REQUIRED).string(4, c.name);
      if (c.converted !== undefined) footer.i32(6, c.converted);
      footer.end();
    }
    footer.i64(3, this.rows); // num_rows
    footer.list(4, 'struct', 1).struct(0); // row_groups: one
    footer.list(1, 'struct', this.columns.length);
    let total = 0;
    for (const c of this.columns) {
      total += c.chunkBytes;
      footer
        .struct(0) // ColumnChunk
        .i64(2, c.headerAt) // file_offset
        .struct(3) // meta_data: ColumnMetaData
        .i32(1, c.physical)
        .list(2, 'i32', 1)
        .i32Element(ENCODING_PLAIN)
        .list(3, 'binary', 1)
        .stringElement(c.name)
        .i32(4, CODEC_UNCOMPRESSED)
        .i64(5, this.rows) // num_values
        .i64(6, c.chunkBytes) // total_uncompressed_size
        .i64(7, c.chunkBytes) // total_compressed_size
        .i64(9, c.headerAt) // data_page_offset
        .end()
        .end();
    }
    footer.i64(2, total).i64(3, this.rows).end(); // RowGroup total_byte_size, num_rows
    const meta = footer.finish();
    const end = this.p + meta.length + 8;
    this.ensure(end);
    this.bytes.set([0x50, 0x41, 0x52, 0x31], 0); // "PAR1"
    this.bytes.set(meta, this.p);
    new DataView(this.bytes.buffer).setUint32(this.p + meta.length, meta.length, true);
    this.bytes.set([0x50, 0x41, 0x52, 0x31], this.p + meta.length + 4);
    return this.bytes.subarray(0, end);
  }
}

/** Writes integral double v (|v| < 2^53) as int64 value i of `words`. */
export function writeInt64(words: Uint32Array, i: number, v: number): void {
  const t = Math.trunc(v);
  const hi = Math.floor(t / 4294967296);
  words[2 * i] = t - hi * 4294967296;
  words[2 * i + 1] = hi | 0;
}

/**
 * A directory of stage files. Each write borrows a file of its kind that no other write is
 * using, rewrites it in place and gives it back once its statement is done: rewriting the
 * cached pages of an existing file costs 10-20 µs for 110 KB where creating, writing and
 * deleting a file cost 68-160 µs (new page-cache pages and file-system metadata each time;
 * 0.28-3.5 ms at 1 MB; bench/stage-file-write.mjs). There are as many files of a kind as writes
 * of it ever ran at once (the write connections). Files left by a crash are removed when the
 * directory is opened, and close() removes the directory's own: nothing reads a stage file
 * after its statement ended.
 */
export class StageDir {
  private readonly idle = new Map<string, StageFile[]>();
  private readonly prefix = randomBytes(4).toString('hex');
  private next = 0;
  private closed = false;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) if (name.endsWith('.parquet')) rmSync(join(dir, name), { force: true });
  }

  /**
   * Writes `bytes` to a stage file of `kind` that is this call's alone, awaits `use(path)` (the
   * statement that reads it), then frees the file for the next write. The write is synchronous:
   * into the page cache (~24 bytes a sample) it costs less than the event-loop turn an
   * asynchronous one would add to the commit's latency. A file that cannot be written (disk
   * full, directory gone and not makeable) is removed and the error thrown.
   */
  async with<T>(kind: string, bytes: Uint8Array, use: (path: string) => Promise<T>): Promise<T> {
    const file = this.borrow(kind);
    try {
      file.fill(bytes);
    } catch (err) {
      file.discard();
      throw err;
    }
    try {
      return await use(file.path);
    } finally {
      if (this.closed) file.discard();
      else this.idle.get(kind)!.push(file);
    }
  }

  private borrow(kind: string): StageFile {
    let list = this.idle.get(kind);
    if (!list) this.idle.set(kind, (list = []));
    for (;;) {
      const file = list.pop();
      if (!file) break;
      // Removed behind our back (a clean-up of the data directory): DuckDB reads by path.
      if (file.linked()) return file;
      file.discard();
    }
    return new StageFile(this.dir, join(this.dir, `${kind}-${this.prefix}-${this.next++}.parquet`));
  }

  /** Removes the stage files (call once no write runs: the store's writers have drained). */
  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const file of list.splice(0)) file.discard();
  }
}

/** One stage file, held open and rewritten in place by one write at a time. */
class StageFile {
  private fd = -1;

  constructor(
    private readonly dir: string,
    readonly path: string,
  ) {}

  linked(): boolean {
    try {
      return fstatSync(this.fd).nlink > 0;
    } catch {
      return false;
    }
  }

  /** The file becomes exactly `bytes`. */
  fill(bytes: Uint8Array): void {
    if (this.fd < 0) this.fd = openCreating(this.dir, this.path);
    let at = 0;
    while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at, at);
    ftruncateSync(this.fd, bytes.length);
  }

  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.path, { force: true });
  }
}

function openCreating(dir: string, path: string): number {
  try {
    return openSync(path, 'w');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // The directory was removed while the store ran: made again, not a reason to fail every
    // write until a restart.
    mkdirSync(dir, { recursive: true });
    return openSync(path, 'w');
  }
}
