// UTF-8 for proto3 string fields. proto3 requires strings to be valid UTF-8 and the
// reference parsers reject the whole message otherwise, so we do the same. Pure ASCII (the
// overwhelming majority of telemetry text) never reaches TextDecoder: a byte scan plus a
// native latin1 slice is several times cheaper than a decoder call.
import { DecodeError } from './decode-error.js';

const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Offset of the first byte that starts an invalid UTF-8 sequence in [s, e), or -1. */
export function findInvalidUtf8(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i < e) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const n = utf8SequenceLength(buf, i, e);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

/**
 * Length of the valid multi-byte sequence starting at i (lead byte >= 0x80), or 0 when it is
 * invalid: stray continuation byte, overlong form, surrogate code point, > U+10FFFF, or cut off.
 */
export function utf8SequenceLength(buf: Uint8Array, i: number, e: number): number {
  const b = buf[i];
  if (b < 0xc2) return 0;
  if (b < 0xe0) {
    return i + 1 < e && (buf[i + 1] & 0xc0) === 0x80 ? 2 : 0;
  }
  if (b < 0xf0) {
    if (i + 2 >= e) return 0;
    const b1 = buf[i + 1];
    if ((b1 & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80) return 0;
    if (b === 0xe0 && b1 < 0xa0) return 0;
    if (b === 0xed && b1 >= 0xa0) return 0;
    return 3;
  }
  if (b < 0xf5) {
    if (i + 3 >= e) return 0;
    const b1 = buf[i + 1];
    if ((b1 & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80 || (buf[i + 3] & 0xc0) !== 0x80) return 0;
    if (b === 0xf0 && b1 < 0x90) return 0;
    if (b === 0xf4 && b1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

export function invalidUtf8(field: string, at: number): DecodeError {
  return new DecodeError('SL_ERR_INVALID_UTF8', `invalid UTF-8 in string field ${field} at byte offset ${at}`);
}

type Slice = (this: Buffer, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { latin1Slice?: Slice; utf8Slice?: Slice };
// Buffer#toString(enc, s, e) validates its arguments in JS before calling these natives; on
// the hot path that wrapper costs as much as the copy. Fall back to it if they ever go away.
const nativeLatin1: Slice =
  typeof proto.latin1Slice === 'function'
    ? proto.latin1Slice
    : function (this: Buffer, s: number, e: number) {
        return this.toString('latin1', s, e);
      };
const nativeUtf8: Slice =
  typeof proto.utf8Slice === 'function'
    ? proto.utf8Slice
    : function (this: Buffer, s: number, e: number) {
        return this.toString('utf8', s, e);
      };

/** Bytes [s, e) as a string, one char per byte (callers ensure they are ASCII). */
export function latin1(buf: Buffer, s: number, e: number): string {
  return nativeLatin1.call(buf, s, e);
}

/** Bytes [s, e) decoded as UTF-8 (callers ensure they are valid). */
export function utf8(buf: Buffer, s: number, e: number): string {
  return nativeUtf8.call(buf, s, e);
}

// Short strings repeat (span names, severity texts, scope names, attribute-derived columns):
// a direct-mapped cache keyed by their bytes returns the string built last time. Hashing the
// bytes costs less than creating a string natively.
const CACHE_SLOTS = 4096;
const CACHE_MAX_LEN = 48;
const cacheBytes = new Uint8Array(CACHE_SLOTS * CACHE_MAX_LEN);
const cacheLen = new Uint8Array(CACHE_SLOTS);
const cacheStr: string[] = new Array<string>(CACHE_SLOTS).fill('');

/** Decodes a proto3 string field; `field` names it in the error when the bytes are not UTF-8. */
export function readUtf8(buf: Buffer, s: number, e: number, field: string): string {
  const n = e - s;
  if (n === 0) return '';
  if (n <= CACHE_MAX_LEN) {
    let h = n;
    let any = 0;
    for (let i = s; i < e; i++) {
      const b = buf[i];
      h = Math.imul(h ^ b, 0x01000193);
      any |= b;
    }
    const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
    const base = slot * CACHE_MAX_LEN;
    if (cacheLen[slot] === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (cacheBytes[base + i] !== buf[s + i]) {
          same = false;
          break;
        }
      }
      if (same) return cacheStr[slot];
    }
    const str = any < 0x80 ? nativeLatin1.call(buf, s, e) : decodeNonAscii(buf, s, e, field);
    for (let i = 0; i < n; i++) cacheBytes[base + i] = buf[s + i];
    cacheLen[slot] = n;
    cacheStr[slot] = str;
    return str;
  }
  for (let i = s; i < e; i++) {
    if (buf[i] >= 0x80) return decodeNonAscii(buf, s, e, field);
  }
  return nativeLatin1.call(buf, s, e);
}

function decodeNonAscii(buf: Buffer, s: number, e: number, field: string): string {
  try {
    return fatalDecoder.decode(buf.subarray(s, e));
  } catch {
    throw invalidUtf8(field, findInvalidUtf8(buf, s, e));
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * A JS string from JSON.parse can hold lone surrogates ("\ud800" escapes), which have no
 * UTF-8 form; the protobuf JSON mapping rejects them like invalid UTF-8 on the wire.
 */
export function assertWellFormed(s: string, field: string): void {
  if (!SURROGATE.test(s)) return;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) throw loneSurrogate(field, i);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw loneSurrogate(field, i);
    }
  }
}

function loneSurrogate(field: string, index: number): DecodeError {
  return new DecodeError('SL_ERR_INVALID_UTF8', `invalid UTF-8 in string field ${field}: lone surrogate at character ${index}`);
}

const bodyDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes a whole JSON request body (a leading BOM is dropped, as JSON parsers may). */
export function decodeJsonBody(body: Uint8Array): string {
  try {
    return bodyDecoder.decode(body);
  } catch {
    throw new DecodeError(
      'SL_ERR_INVALID_UTF8',
      `request body is not valid UTF-8 (first bad byte at offset ${findInvalidUtf8(body, 0, body.length)})`,
    );
  }
}
