// Builds JSON text as UTF-8 bytes straight from protobuf bytes. Attribute strings are copied
// (escaped and UTF-8-validated on the way) instead of being decoded into JS strings and
// re-stringified, so one span's attributes cost one native string creation in total.
// The escaping matches JSON.stringify exactly, which the OTLP/JSON path uses, so both input
// formats produce identical text.
import { invalidUtf8, latin1, utf8, utf8SequenceLength } from './utf8.js';
import { u64ToDecimal } from './u64.js';

const ESCAPE = new Uint8Array(256);
for (let i = 0; i < 0x20; i++) ESCAPE[i] = 1;
ESCAPE[0x22] = 1;
ESCAPE[0x5c] = 1;
for (let i = 0x80; i < 256; i++) ESCAPE[i] = 2;

const HEX_LOWER = '0123456789abcdef';
const B64 = new Uint8Array(64);
{
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) B64[i] = alphabet.charCodeAt(i);
}

export class JsonWriter {
  buf: Buffer;
  pos = 0;
  /** True while every byte written is ASCII: the text can then be sliced as latin1. */
  ascii = true;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  reset(): void {
    this.pos = 0;
    this.ascii = true;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Writes ASCII text (numbers, literals, fixed keys). */
  ascii7(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = text.charCodeAt(i);
    this.pos = p;
  }

  /** A JSON string from proto3 string bytes src[s, e); `field` names it if it is not UTF-8. */
  stringFromBytes(src: Uint8Array, s: number, e: number, field: string): void {
    this.ensure((e - s) * 6 + 2);
    const out = this.buf;
    let p = this.pos;
    out[p++] = 0x22;
    let i = s;
    while (i < e) {
      const b = src[i];
      const cls = ESCAPE[b];
      if (cls === 0) {
        out[p++] = b;
        i++;
      } else if (cls === 2) {
        const n = utf8SequenceLength(src, i, e);
        if (n === 0) throw invalidUtf8(field, i);
        for (let k = 0; k < n; k++) out[p++] = src[i + k];
        i += n;
        this.ascii = false;
      } else {
        p = writeEscape(out, p, b);
        i++;
      }
    }
    out[p++] = 0x22;
    this.pos = p;
  }

  /** Standard base64 (with padding) of src[s, e) as a JSON string. */
  base64FromBytes(src: Uint8Array, s: number, e: number): void {
    const len = e - s;
    this.ensure(Math.ceil(len / 3) * 4 + 2);
    const out = this.buf;
    let p = this.pos;
    out[p++] = 0x22;
    let i = s;
    for (; i + 2 < e; i += 3) {
      const v = (src[i] << 16) | (src[i + 1] << 8) | src[i + 2];
      out[p++] = B64[v >> 18];
      out[p++] = B64[(v >> 12) & 63];
      out[p++] = B64[(v >> 6) & 63];
      out[p++] = B64[v & 63];
    }
    if (i < e) {
      const v = (src[i] << 16) | (i + 1 < e ? src[i + 1] << 8 : 0);
      out[p++] = B64[v >> 18];
      out[p++] = B64[(v >> 12) & 63];
      out[p++] = i + 1 < e ? B64[(v >> 6) & 63] : 0x3d;
      out[p++] = 0x3d;
    }
    out[p++] = 0x22;
    this.pos = p;
  }

  /** A JSON number for a double; NaN and the infinities as the strings OTel specifies. */
  double(d: number): void {
    if (d === d && d !== Infinity && d !== -Infinity) this.ascii7(String(d));
    else this.ascii7(d !== d ? '"NaN"' : d > 0 ? '"Infinity"' : '"-Infinity"');
  }

  /** A signed int64 (lo/hi two's complement): a JSON number when safe, else a JSON string. */
  int64(lo: number, hi: number): void {
    if (hi === 0) this.uint32(lo);
    else this.ascii7(renderInt64(lo, hi));
  }

  /** Decimal digits of an unsigned 32-bit integer, without building a string. */
  uint32(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    if (v < 10) {
      buf[this.pos++] = 0x30 + v;
      return;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    do {
      const q = Math.floor(v / 10);
      buf[--p] = 0x30 + (v - q * 10);
      v = q;
    } while (v > 0);
  }

  /** An unsigned 64-bit value as a quoted decimal string (timestamps in ns). */
  u64String(lo: number, hi: number): void {
    this.byte(0x22);
    this.ascii7(u64ToDecimal(lo, hi));
    this.byte(0x22);
  }

  text(): string {
    return this.ascii ? latin1(this.buf, 0, this.pos) : utf8(this.buf, 0, this.pos);
  }
}

function writeEscape(out: Buffer, p: number, b: number): number {
  out[p++] = 0x5c;
  switch (b) {
    case 0x22:
      out[p++] = 0x22;
      break;
    case 0x5c:
      out[p++] = 0x5c;
      break;
    case 0x08:
      out[p++] = 0x62;
      break;
    case 0x09:
      out[p++] = 0x74;
      break;
    case 0x0a:
      out[p++] = 0x6e;
      break;
    case 0x0c:
      out[p++] = 0x66;
      break;
    case 0x0d:
      out[p++] = 0x72;
      break;
    default:
      out[p++] = 0x75;
      out[p++] = 0x30;
      out[p++] = 0x30;
      out[p++] = HEX_LOWER.charCodeAt(b >> 4);
      out[p++] = HEX_LOWER.charCodeAt(b & 15);
  }
  return p;
}

/** JSON text of a signed int64: a bare number when |v| <= 2^53 - 1, else a quoted decimal. */
export function renderInt64(lo: number, hi: number): string {
  if ((hi & 0x80000000) === 0) {
    return hi <= 0x1fffff ? String(hi * 4294967296 + lo) : '"' + u64ToDecimal(lo, hi) + '"';
  }
  const nlo = (~lo + 1) >>> 0;
  const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
  return nhi <= 0x1fffff ? String(-(nhi * 4294967296 + nlo)) : '"-' + u64ToDecimal(nlo, nhi) + '"';
}

/** The same rendering for numbers and decimal strings from OTLP/JSON. */
export function renderDouble(d: number): string {
  if (d === d && d !== Infinity && d !== -Infinity) return String(d);
  return d !== d ? '"NaN"' : d > 0 ? '"Infinity"' : '"-Infinity"';
}
