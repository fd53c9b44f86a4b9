// OTLP/JSON: the protobuf JSON mapping with the OTLP exceptions (trace/span ids are hex, not
// base64; enums are integers). Field names are lowerCamelCase, and the snake_case proto names
// are accepted too, as the protobuf JSON mapping requires of parsers. int64 arrives as a
// string or a number, enums as integers or their names, bytes as base64.
//
// Values are rendered to exactly the JSON text the protobuf path produces, so a request
// decodes to the same batch whichever encoding it came in.
import { DecodeError, MAX_NESTING } from './decode-error.js';
import { renderDouble } from './json-writer.js';
import { parseU64 } from './u64.js';
import { assertWellFormed, decodeJsonBody } from './utf8.js';

export type JsonObject = Record<string, unknown>;

// Where the decoder is inside the request, as a stack of segments ("resourceSpans", 0, ...).
// Pushing a segment costs a store; the text is only built when an error needs it, which keeps
// paths out of the hot loop.
const segments: (string | number)[] = [];
let depth = 0;

export function resetPath(): void {
  depth = 0;
}

export function enter(segment: string | number): void {
  segments[depth++] = segment;
}

export function leave(): void {
  depth--;
}

/** The current path, plus an optional field name: resourceSpans[0].scopeSpans[1].spans[2].name */
export function pathOf(fieldName?: string): string {
  let out = '';
  for (let i = 0; i < depth; i++) {
    const seg = segments[i];
    out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  if (fieldName !== undefined) out += out === '' ? fieldName : `.${fieldName}`;
  return out === '' ? 'request' : out;
}

export function jsonError(fieldName: string | undefined, expected: string, got: unknown): DecodeError {
  const kind = got === null ? 'null' : Array.isArray(got) ? 'array' : typeof got;
  return new DecodeError('SL_ERR_JSON_INVALID', `OTLP/JSON: ${pathOf(fieldName)} must be ${expected}, got ${kind}`);
}

export function parseJsonRequest(body: Uint8Array): JsonObject {
  resetPath();
  const text = decodeJsonBody(body);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new DecodeError('SL_ERR_JSON_INVALID', `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw new DecodeError('SL_ERR_JSON_INVALID', 'OTLP/JSON: request body must be an object');
  return root as JsonObject;
}

/** A field by its JSON name or its proto name; null counts as absent (protobuf JSON mapping). */
export function field(o: JsonObject, camel: string, snake: string): unknown {
  const v = o[camel];
  if (v !== undefined && v !== null) return v;
  const w = o[snake];
  return w === null ? undefined : w;
}

const EMPTY: unknown[] = [];

export function arrayField(o: JsonObject, camel: string, snake: string): unknown[] {
  const v = field(o, camel, snake);
  if (v === undefined) return EMPTY;
  if (!Array.isArray(v)) throw jsonError(camel, 'an array', v);
  return v;
}

export function objectField(o: JsonObject, camel: string, snake: string): JsonObject | undefined {
  const v = field(o, camel, snake);
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw jsonError(camel, 'an object', v);
  return v as JsonObject;
}

/** Element `index` of an array that must be an object. */
export function objectAt(list: unknown[], index: number): JsonObject {
  const v = list[index];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    enter(index);
    const err = jsonError(undefined, 'an object', v);
    leave();
    throw err;
  }
  return v as JsonObject;
}

export function stringField(o: JsonObject, camel: string, snake: string): string {
  const v = field(o, camel, snake);
  if (v === undefined) return '';
  if (typeof v !== 'string') throw jsonError(camel, 'a string', v);
  wellFormed(v, camel);
  return v;
}

function wellFormed(v: string, fieldName: string): void {
  if (SURROGATE.test(v)) assertWellFormed(v, pathOf(fieldName));
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** uint32 / int32 fields: a JSON number or a decimal string. */
export function u32Field(o: JsonObject, camel: string, snake: string): number {
  const v = field(o, camel, snake);
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v >>> 0;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw jsonError(camel, 'an integer', v);
  return n >>> 0;
}

/** Enum fields: an integer or the enum value's name. Unknown names read as 0 (unspecified). */
export function enumField(o: JsonObject, camel: string, snake: string, names: Readonly<Record<string, number>>): number {
  const v = field(o, camel, snake);
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    if (/^-?\d+$/.test(v)) return Number(v);
    return names[v] ?? 0;
  }
  throw jsonError(camel, 'an enum integer or name', v);
}

export function boolField(o: JsonObject, camel: string, snake: string): boolean {
  const v = field(o, camel, snake);
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw jsonError(camel, 'a boolean', v);
  return v;
}

const u64Scratch = { lo: 0, hi: 0 };

/** fixed64/uint64 fields (timestamps) as lo/hi into `out`. */
export function u64Field(o: JsonObject, camel: string, snake: string, out: { lo: number; hi: number }): void {
  const v = field(o, camel, snake);
  out.lo = 0;
  out.hi = 0;
  if (v === undefined) return;
  if (typeof v === 'string') {
    if (!parseU64(v, out)) throw jsonError(camel, 'an unsigned 64-bit integer', v);
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw jsonError(camel, 'an unsigned 64-bit integer', v);
  // Numbers above 2^53 have already lost precision in JSON.parse; take them as they are.
  if (v <= Number.MAX_SAFE_INTEGER) {
    out.lo = v % 4294967296;
    out.hi = Math.floor(v / 4294967296);
  } else if (!parseU64(BigInt(v).toString(), out)) {
    throw jsonError(camel, 'an unsigned 64-bit integer', v);
  }
}

/** A uint64 count as a JS number (bucket counts, histogram counts). */
export function u64Number(v: unknown, fieldName: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && parseU64(v, u64Scratch)) return u64Scratch.hi * 4294967296 + u64Scratch.lo;
  throw jsonError(fieldName, 'an unsigned 64-bit integer', v);
}

/** double fields: a number, or "NaN" / "Infinity" / "-Infinity" / a numeric string. */
export function doubleValue(v: unknown, fieldName: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw jsonError(fieldName, 'a number', v);
}

/** A signed int64 as a JS number if safe, else exact decimal text (from a string input). */
export function int64Value(v: unknown, fieldName: string): number | string {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw jsonError(fieldName, 'an integer', v);
    return Number.isSafeInteger(v) ? v : BigInt(v).toString();
  }
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
    const b = BigInt(v);
    if (b < -(2n ** 63n) || b >= 2n ** 63n) throw jsonError(fieldName, 'a 64-bit integer', v);
    return b.toString();
  }
  throw jsonError(fieldName, 'an integer', v);
}

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** bytes fields: standard or URL-safe base64 (padding optional), normalised to standard. */
export function bytesValue(v: unknown, fieldName: string): Buffer {
  if (typeof v !== 'string' || !BASE64.test(v)) throw jsonError(fieldName, 'base64 text', v);
  return Buffer.from(v, 'base64');
}

/** AnyValue JSON -> the attribute JSON text (see json-writer for the rules). */
export function anyValueJson(v: unknown, nesting: number): string {
  if (v === undefined || v === null) return 'null';
  if (nesting > MAX_NESTING) throw new DecodeError('SL_ERR_NESTING_TOO_DEEP', `OTLP/JSON: AnyValue nested deeper than ${MAX_NESTING} at ${pathOf()}`);
  if (typeof v !== 'object' || Array.isArray(v)) throw jsonError(undefined, 'an AnyValue object', v);
  const o = v as JsonObject;
  let x = field(o, 'stringValue', 'string_value');
  if (x !== undefined) {
    if (typeof x !== 'string') throw jsonError('stringValue', 'a string', x);
    wellFormed(x, 'stringValue');
    return JSON.stringify(x);
  }
  x = field(o, 'intValue', 'int_value');
  if (x !== undefined) {
    const n = int64Value(x, 'intValue');
    return typeof n === 'number' ? String(n) : `"${n}"`;
  }
  x = field(o, 'boolValue', 'bool_value');
  if (x !== undefined) {
    if (typeof x !== 'boolean') throw jsonError('boolValue', 'a boolean', x);
    return x ? 'true' : 'false';
  }
  x = field(o, 'doubleValue', 'double_value');
  if (x !== undefined) return renderDouble(doubleValue(x, 'doubleValue'));
  x = field(o, 'arrayValue', 'array_value');
  if (x !== undefined) {
    enter('arrayValue');
    const values = x !== null && typeof x === 'object' && !Array.isArray(x) ? arrayField(x as JsonObject, 'values', 'values') : invalidContainer(x);
    enter('values');
    let out = '[';
    for (let i = 0; i < values.length; i++) {
      if (i > 0) out += ',';
      enter(i);
      out += anyValueJson(values[i], nesting + 1);
      leave();
    }
    leave();
    leave();
    return out + ']';
  }
  x = field(o, 'kvlistValue', 'kvlist_value');
  if (x !== undefined) {
    enter('kvlistValue');
    const values = x !== null && typeof x === 'object' && !Array.isArray(x) ? arrayField(x as JsonObject, 'values', 'values') : invalidContainer(x);
    enter('values');
    const out = '{' + keyValuesJson(values, nesting + 1) + '}';
    leave();
    leave();
    return out;
  }
  x = field(o, 'bytesValue', 'bytes_value');
  if (x !== undefined) return `"${bytesValue(x, 'bytesValue').toString('base64')}"`;
  return 'null';
}

function invalidContainer(x: unknown): never {
  throw jsonError(undefined, 'an object', x);
}

/** A KeyValue list as `"k":v,...` members (no braces). The list's own segment is on the stack. */
export function keyValuesJson(list: unknown[], nesting: number): string {
  let out = '';
  for (let i = 0; i < list.length; i++) {
    const kvo = objectAt(list, i);
    enter(i);
    const key = stringField(kvo, 'key', 'key');
    if (i > 0) out += ',';
    enter('value');
    out += JSON.stringify(key) + ':' + anyValueJson(field(kvo, 'value', 'value'), nesting);
    leave();
    leave();
  }
  return out;
}

/** The `attributes`-like list field of o as a JSON object text. */
export function attributesField(o: JsonObject, camel: string, snake: string): string {
  const list = arrayField(o, camel, snake);
  if (list.length === 0) return '{}';
  enter(camel);
  const out = '{' + keyValuesJson(list, 1) + '}';
  leave();
  return out;
}

/** AnyValue JSON rendered as a Prometheus label value (see anyValueLabel in any-value-pb). */
export function anyValueLabelJson(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as JsonObject;
    const s = field(o, 'stringValue', 'string_value');
    if (s !== undefined) {
      if (typeof s !== 'string') throw jsonError('stringValue', 'a string', s);
      wellFormed(s, 'stringValue');
      return s;
    }
    const b = field(o, 'bytesValue', 'bytes_value');
    if (b !== undefined) return bytesValue(b, 'bytesValue').toString('base64');
  }
  const text = anyValueJson(v, 0);
  // Top-level scalars are bare in label values: unquote large ints and NaN/Infinity.
  return text.charCodeAt(0) === 0x22 ? text.slice(1, -1) : text === 'null' ? '' : text;
}

/** The string member of an AnyValue, or null for any other kind. */
export function anyValueStringJson(v: unknown): string | null {
  if (v === null || typeof v !== 'object') return null;
  const s = field(v as JsonObject, 'stringValue', 'string_value');
  return typeof s === 'string' ? s : null;
}

/** An integer AnyValue (int, or decimal string) as a number; NaN otherwise. */
export function anyValueIntegerJson(v: unknown): number {
  if (v === null || typeof v !== 'object') return NaN;
  const o = v as JsonObject;
  const i = field(o, 'intValue', 'int_value');
  if (typeof i === 'number') return Number.isInteger(i) ? i : NaN;
  if (typeof i === 'string') return /^-?\d{1,15}$/.test(i) ? Number(i) : NaN;
  const s = field(o, 'stringValue', 'string_value');
  return typeof s === 'string' && /^\d{1,15}$/.test(s) ? Number(s) : NaN;
}

/** The `attributes`-like list field of o as [key, label value] pairs appended to out. */
export function attributeLabelsField(o: JsonObject, camel: string, snake: string, out: string[]): void {
  const list = arrayField(o, camel, snake);
  if (list.length === 0) return;
  enter(camel);
  for (let i = 0; i < list.length; i++) {
    const kvo = objectAt(list, i);
    enter(i);
    out.push(stringField(kvo, 'key', 'key'));
    enter('value');
    out.push(anyValueLabelJson(field(kvo, 'value', 'value')));
    leave();
    leave();
  }
  leave();
}

/**
 * An id field (hex in OTLP/JSON): '' when absent, lowercase hex when valid, null when it is
 * not hex of the right length.
 */
export function idField(o: JsonObject, camel: string, snake: string, bytes: number): string | null {
  const v = field(o, camel, snake);
  if (v === undefined) return '';
  if (typeof v !== 'string') throw jsonError(camel, 'a hex string', v);
  if (v.length !== bytes * 2) return v === '' ? '' : null;
  let lower = true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) continue;
    if (c >= 0x41 && c <= 0x46) lower = false;
    else return null;
  }
  return lower ? v : v.toLowerCase();
}

/**
 * Runs a JSON decoder body: DecodeErrors already name their path; anything else escaping is
 * a decoder bug, contained as a DecodeError that says where it happened.
 */
export function containJsonErrors(err: unknown): DecodeError {
  if (err instanceof DecodeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DecodeError('SL_ERR_JSON_INVALID', `could not decode request: ${message} (at ${pathOf()})`, { cause: err });
}
