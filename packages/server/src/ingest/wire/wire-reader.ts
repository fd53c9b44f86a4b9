// Protobuf wire-format primitives. Every read takes the end of the enclosing message and
// checks against it, so a truncated or hostile buffer ends in a DecodeError and never in a
// RangeError, an out-of-bounds read that yields undefined, or a loop that does not advance.
import { DecodeError, MAX_NESTING } from './decode-error.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

export class WireReader {
  readonly buf: Buffer;
  readonly view: DataView;
  pos = 0;
  /** High 32 bits of the last 64-bit read (fixed64 / varint64); the low half is returned. */
  hi = 0;

  constructor(body: Uint8Array) {
    // A Buffer view (no copy) gives us native latin1/utf8 slicing for string fields.
    this.buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  fail(what: string, at: number = this.pos): never {
    throw new DecodeError('SL_ERR_PROTOBUF_MALFORMED', `protobuf: ${what} at byte offset ${at}`);
  }

  /** Reads a field tag; returns it whole (field << 3 | wire type) so callers can switch on it. */
  tag(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) this.fail('truncated tag');
    const b0 = buf[pos++];
    if (b0 < 0x80) {
      this.pos = pos;
      if (b0 < 8) this.fail('field number 0', pos - 1);
      return b0;
    }
    this.pos = pos - 1;
    const t = this.varint32(end);
    if (t >>> 3 === 0) this.fail('field number 0', pos - 1);
    return t;
  }

  /** Low 32 bits of a varint as an unsigned number (protobuf truncates for uint32/int32/enum). */
  varint32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) this.fail('truncated varint');
    let b = buf[pos++];
    let v = b & 0x7f;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    let shift = 7;
    while (true) {
      if (pos >= end) this.fail('truncated varint');
      b = buf[pos++];
      if (shift < 28) v |= (b & 0x7f) << shift;
      else if (shift === 28) v |= (b & 0x0f) << 28;
      if (b < 0x80) break;
      shift += 7;
      if (shift >= 70) this.fail('varint longer than 10 bytes', pos - 1);
    }
    this.pos = pos;
    return v >>> 0;
  }

  /** Full 64-bit varint: returns the low 32 bits (unsigned), high 32 bits in `this.hi`. */
  varint64(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    let i = 0;
    for (; i < 4; i++) {
      if (pos >= end) this.fail('truncated varint');
      b = buf[pos++];
      lo |= (b & 0x7f) << (i * 7);
      if (b < 0x80) {
        this.pos = pos;
        this.hi = 0;
        return lo >>> 0;
      }
    }
    // Fifth byte straddles the 32-bit boundary: 4 bits low, 3 bits high.
    if (pos >= end) this.fail('truncated varint');
    b = buf[pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (i = 0; i < 5; i++) {
        if (pos >= end) this.fail('truncated varint');
        b = buf[pos++];
        hi |= (b & 0x7f) << (i * 7 + 3);
        if (b < 0x80) break;
      }
      if (b >= 0x80) this.fail('varint longer than 10 bytes', pos - 1);
    }
    this.pos = pos;
    this.hi = hi >>> 0;
    return lo >>> 0;
  }

  /** Reads a length prefix and returns the end offset of the delimited payload. */
  lenEnd(end: number): number {
    const start = this.pos;
    const buf = this.buf;
    let len: number;
    if (start < end && buf[start] < 0x80) {
      len = buf[start];
      this.pos = start + 1;
    } else {
      len = this.varint64(end);
      if (this.hi !== 0) this.fail('length prefix larger than 2^32', start);
    }
    if (len > end - this.pos) this.fail(`length ${len} past the end of the enclosing message`, start);
    return this.pos + len;
  }

  fixed32(end: number): number {
    const pos = this.pos;
    if (end - pos < 4) this.fail('truncated fixed32');
    const buf = this.buf;
    this.pos = pos + 4;
    return (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
  }

  /** Returns the low 32 bits; high 32 bits in `this.hi`. */
  fixed64(end: number): number {
    const pos = this.pos;
    if (end - pos < 8) this.fail('truncated fixed64');
    const buf = this.buf;
    this.pos = pos + 8;
    this.hi = (buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16) | (buf[pos + 7] << 24)) >>> 0;
    return (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
  }

  double(end: number): number {
    const pos = this.pos;
    if (end - pos < 8) this.fail('truncated double');
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Skips the value of a field whose tag was just read, whatever its wire type. */
  skip(tag: number, end: number): void {
    switch (tag & 7) {
      case WIRE_VARINT:
        this.varint64(end);
        return;
      case WIRE_FIXED64:
        if (end - this.pos < 8) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lenEnd(end);
        return;
      case WIRE_FIXED32:
        if (end - this.pos < 4) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      case WIRE_START_GROUP:
        this.skipGroup(tag >>> 3, end);
        return;
      case WIRE_END_GROUP:
        this.fail(`unexpected end-group for field ${tag >>> 3}`);
      // falls through (fail never returns)
      default:
        this.fail(`invalid wire type ${tag & 7} for field ${tag >>> 3}`);
    }
  }

  /** Deprecated groups still have to be skippable; nested groups are tracked without recursion. */
  private skipGroup(field: number, end: number): void {
    const open: number[] = [field];
    while (open.length > 0) {
      if (open.length > MAX_NESTING) {
        throw new DecodeError('SL_ERR_NESTING_TOO_DEEP', `protobuf: groups nested deeper than ${MAX_NESTING} at byte offset ${this.pos}`);
      }
      const at = this.pos;
      const t = this.tag(end);
      const wt = t & 7;
      if (wt === WIRE_END_GROUP) {
        if (t >>> 3 !== open[open.length - 1]) this.fail(`end-group for field ${t >>> 3} does not match open group ${open[open.length - 1]}`, at);
        open.pop();
      } else if (wt === WIRE_START_GROUP) {
        open.push(t >>> 3);
      } else {
        this.skip(t, end);
      }
    }
  }
}
