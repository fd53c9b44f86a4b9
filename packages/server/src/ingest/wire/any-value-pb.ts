// common.proto (AnyValue, KeyValue, ArrayValue, KeyValueList, InstrumentationScope) read
// from the wire and rendered as JSON text, plus small extractors for promoted columns.
//
// AnyValue is a oneof: when a (malformed but legal) message carries several members the last
// one wins, as in every protobuf runtime. We render the first member immediately and rewind
// the writer if another member follows, so the common case is a single pass.
import { DecodeError, MAX_NESTING } from './decode-error.js';
import { JsonWriter, renderInt64 } from './json-writer.js';
import { readUtf8 } from './utf8.js';
import { i64ToNumberOrString } from './u64.js';
import { WireReader } from './wire-reader.js';

// AnyValue tags (field << 3 | wire type).
export const AV_STRING = 0x0a; // 1, len
export const AV_BOOL = 0x10; // 2, varint
export const AV_INT = 0x18; // 3, varint
export const AV_DOUBLE = 0x21; // 4, fixed64
export const AV_ARRAY = 0x2a; // 5, len
export const AV_KVLIST = 0x32; // 6, len
export const AV_BYTES = 0x3a; // 7, len

/** Positions of the last KeyValue scanned by scanKeyValue (one decode at a time). */
export const kv = { keyStart: 0, keyEnd: 0, valueStart: -1, valueEnd: -1 };

/** Locates key and value of the KeyValue in [s, e) without decoding them. */
export function scanKeyValue(r: WireReader, s: number, e: number): void {
  kv.keyStart = kv.keyEnd = s;
  kv.valueStart = kv.valueEnd = -1;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === 0x0a) {
      const end = r.lenEnd(e);
      kv.keyStart = r.pos;
      kv.keyEnd = end;
      r.pos = end;
    } else if (tag === 0x12) {
      const end = r.lenEnd(e);
      // A repeated embedded message merges; for AnyValue (all oneof) that means the last wins.
      kv.valueStart = r.pos;
      kv.valueEnd = end;
      r.pos = end;
    } else {
      r.skip(tag, e);
    }
  }
}

function tooDeep(at: number): never {
  throw new DecodeError('SL_ERR_NESTING_TOO_DEEP', `protobuf: AnyValue nested deeper than ${MAX_NESTING} at byte offset ${at}`);
}

/** Writes the AnyValue in [s, e) as JSON; an empty AnyValue is null. */
export function writeAnyValue(r: WireReader, w: JsonWriter, s: number, e: number, depth: number): void {
  if (depth > MAX_NESTING) tooDeep(s);
  // Fast paths for an AnyValue that holds exactly one scalar, which is nearly all of them.
  const buf = r.buf;
  // An empty AnyValue (s === e) must not peek at the byte after it.
  const first = s < e ? buf[s] : -1;
  if (first === AV_STRING) {
    const len = buf[s + 1];
    if (len < 0x80 && s + 2 + len === e) {
      w.stringFromBytes(buf, s + 2, e, 'AnyValue.string_value');
      return;
    }
  } else if (first === AV_INT) {
    r.pos = s + 1;
    const lo = r.varint64(e);
    if (r.pos === e) {
      w.int64(lo, r.hi);
      return;
    }
  } else if (first === AV_DOUBLE) {
    if (s + 9 === e) {
      w.double(r.view.getFloat64(s + 1, true));
      return;
    }
  } else if (first === AV_BOOL) {
    r.pos = s + 1;
    const lo = r.varint64(e);
    if (r.pos === e) {
      w.ascii7(lo !== 0 || r.hi !== 0 ? 'true' : 'false');
      return;
    }
  }
  const start = w.pos;
  const startAscii = w.ascii;
  let written = false;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    switch (tag) {
      case AV_STRING: {
        const end = r.lenEnd(e);
        if (written) rewind(w, start, startAscii);
        w.stringFromBytes(r.buf, r.pos, end, 'AnyValue.string_value');
        r.pos = end;
        written = true;
        break;
      }
      case AV_BOOL: {
        const lo = r.varint64(e);
        if (written) rewind(w, start, startAscii);
        w.ascii7(lo !== 0 || r.hi !== 0 ? 'true' : 'false');
        written = true;
        break;
      }
      case AV_INT: {
        const lo = r.varint64(e);
        if (written) rewind(w, start, startAscii);
        w.int64(lo, r.hi);
        written = true;
        break;
      }
      case AV_DOUBLE: {
        const d = r.double(e);
        if (written) rewind(w, start, startAscii);
        w.double(d);
        written = true;
        break;
      }
      case AV_ARRAY: {
        const end = r.lenEnd(e);
        if (written) rewind(w, start, startAscii);
        writeArrayValue(r, w, r.pos, end, depth + 1);
        r.pos = end;
        written = true;
        break;
      }
      case AV_KVLIST: {
        const end = r.lenEnd(e);
        if (written) rewind(w, start, startAscii);
        w.byte(0x7b);
        writeKeyValues(r, w, r.pos, end, 0x0a, depth + 1);
        w.byte(0x7d);
        r.pos = end;
        written = true;
        break;
      }
      case AV_BYTES: {
        const end = r.lenEnd(e);
        if (written) rewind(w, start, startAscii);
        w.base64FromBytes(r.buf, r.pos, end);
        r.pos = end;
        written = true;
        break;
      }
      default:
        r.skip(tag, e);
    }
  }
  if (!written) w.ascii7('null');
}

function rewind(w: JsonWriter, pos: number, ascii: boolean): void {
  w.pos = pos;
  w.ascii = ascii;
}

function writeArrayValue(r: WireReader, w: JsonWriter, s: number, e: number, depth: number): void {
  if (depth > MAX_NESTING) tooDeep(s);
  w.byte(0x5b);
  let n = 0;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === 0x0a) {
      const end = r.lenEnd(e);
      if (n++ > 0) w.byte(0x2c);
      writeAnyValue(r, w, r.pos, end, depth);
      r.pos = end;
    } else {
      r.skip(tag, e);
    }
  }
  w.byte(0x5d);
}

/**
 * Writes every KeyValue with the given tag in [s, e) as `"key":value` members (no braces).
 * Returns how many were written so callers can continue the member list.
 */
export function writeKeyValues(r: WireReader, w: JsonWriter, s: number, e: number, kvTag: number, depth: number, already = 0): number {
  let n = already;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === kvTag) {
      const end = r.lenEnd(e);
      if (n++ > 0) w.byte(0x2c);
      writeKeyValue(r, w, r.pos, end, depth);
      r.pos = end;
    } else {
      r.skip(tag, e);
    }
  }
  return n;
}

/** Writes one KeyValue (bytes [s, e)) as `"key":value`; leaves its positions in `kv`. */
export function writeKeyValue(r: WireReader, w: JsonWriter, s: number, e: number, depth: number): void {
  // Fast path: key then value, both with one-byte lengths and nothing else (what every SDK
  // writes for ordinary attributes). Anything else takes the general scan below.
  const buf = r.buf;
  if (buf[s] === 0x0a && e - s >= 4) {
    const keyLen = buf[s + 1];
    const ke = s + 2 + keyLen;
    if (keyLen < 0x80 && ke + 2 <= e && buf[ke] === 0x12 && buf[ke + 1] < 0x80 && ke + 2 + buf[ke + 1] === e) {
      const vs = ke + 2;
      w.stringFromBytes(buf, s + 2, ke, 'KeyValue.key');
      w.byte(0x3a);
      writeAnyValue(r, w, vs, e, depth);
      kv.keyStart = s + 2;
      kv.keyEnd = ke;
      kv.valueStart = vs;
      kv.valueEnd = e;
      r.pos = e;
      return;
    }
  }
  scanKeyValue(r, s, e);
  const ks = kv.keyStart;
  const ke = kv.keyEnd;
  const vs = kv.valueStart;
  const ve = kv.valueEnd;
  w.stringFromBytes(r.buf, ks, ke, 'KeyValue.key');
  w.byte(0x3a);
  if (vs < 0) {
    w.ascii7('null');
  } else {
    writeAnyValue(r, w, vs, ve, depth);
    // Nested KeyValues of a kvlist overwrote kv; callers read this one's positions.
    kv.keyStart = ks;
    kv.keyEnd = ke;
    kv.valueStart = vs;
    kv.valueEnd = ve;
  }
  r.pos = e;
}

/** True when key bytes [s, e) equal the ASCII text `key`. */
export function keyIs(buf: Uint8Array, s: number, e: number, key: string): boolean {
  if (e - s !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (buf[s + i] !== key.charCodeAt(i)) return false;
  return true;
}

/** The string member of an AnyValue, or null when the value holds another kind. */
export function anyValueString(r: WireReader, s: number, e: number): string | null {
  let out: string | null = null;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === AV_STRING) {
      const end = r.lenEnd(e);
      out = readUtf8(r.buf, r.pos, end, 'AnyValue.string_value');
      r.pos = end;
    } else {
      if (tag === AV_BOOL || tag === AV_INT || tag === AV_DOUBLE || tag === AV_ARRAY || tag === AV_KVLIST || tag === AV_BYTES) out = null;
      r.skip(tag, e);
    }
  }
  return out;
}

/** An integer-ish AnyValue (int, or a decimal string) as a number; NaN when it is neither. */
export function anyValueInteger(r: WireReader, s: number, e: number): number {
  let out = NaN;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === AV_INT) {
      const lo = r.varint64(e);
      const v = i64ToNumberOrString(lo, r.hi);
      out = typeof v === 'number' ? v : NaN;
    } else if (tag === AV_STRING) {
      const end = r.lenEnd(e);
      const text = readUtf8(r.buf, r.pos, end, 'AnyValue.string_value');
      out = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
      r.pos = end;
    } else {
      if (tag === AV_BOOL || tag === AV_DOUBLE || tag === AV_ARRAY || tag === AV_KVLIST || tag === AV_BYTES) out = NaN;
      r.skip(tag, e);
    }
  }
  return out;
}

const labelWriter = new JsonWriter(256);

/**
 * AnyValue rendered as a Prometheus label value, per the OTel "AnyValue representation for
 * non-OTLP protocols": strings as-is, bools and numbers as JSON literals (NaN/Infinity bare),
 * bytes as base64, arrays and maps as JSON, empty as ''.
 */
export function anyValueLabel(r: WireReader, s: number, e: number): string {
  let lastTag = 0;
  let lastPos = 0;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === AV_STRING || tag === AV_BOOL || tag === AV_INT || tag === AV_DOUBLE || tag === AV_ARRAY || tag === AV_KVLIST || tag === AV_BYTES) {
      lastTag = tag;
      lastPos = r.pos;
    }
    r.skip(tag, e);
  }
  if (lastTag === 0) return '';
  r.pos = lastPos;
  switch (lastTag) {
    case AV_STRING: {
      const end = r.lenEnd(e);
      return readUtf8(r.buf, r.pos, end, 'AnyValue.string_value');
    }
    case AV_BOOL:
      return r.varint64(e) !== 0 || r.hi !== 0 ? 'true' : 'false';
    case AV_INT: {
      const lo = r.varint64(e);
      const v = renderInt64(lo, r.hi);
      return v.charCodeAt(0) === 0x22 ? v.slice(1, -1) : v;
    }
    case AV_DOUBLE: {
      const d = r.double(e);
      return d === d && d !== Infinity && d !== -Infinity ? String(d) : d !== d ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity';
    }
    case AV_BYTES: {
      const end = r.lenEnd(e);
      return r.buf.toString('base64', r.pos, end);
    }
    default: {
      labelWriter.reset();
      writeAnyValue(r, labelWriter, s, e, 0);
      return labelWriter.text();
    }
  }
}

