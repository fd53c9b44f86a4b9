// Resource and InstrumentationScope from the wire. Both are read once per container and shared
// by every row under it. Protobuf allows a container's fields in any order (the scope may follow
// its spans), so callers read these in a first pass over the container before its items.
import { anyValueLabel, keyIs, kv, scanKeyValue, writeKeyValue } from './any-value-pb.js';
import { JsonWriter } from './json-writer.js';
import { readUtf8 } from './utf8.js';
import { WireReader } from './wire-reader.js';

export const UNKNOWN_SERVICE = 'unknown_service';

export interface ResourceInfo {
  /** JSON object text of the resource attributes. */
  attributes: string;
  /** service.name, or 'unknown_service' when absent or empty (OTel resource semantic conventions). */
  serviceName: string;
}

/**
 * Reads every `resource` (field 1) of the ResourceSpans/ResourceLogs message [s, e).
 * A repeated occurrence of an embedded message merges in protobuf, which for Resource means
 * the attribute lists concatenate.
 */
export function readResource(r: WireReader, s: number, e: number, w: JsonWriter): ResourceInfo {
  w.reset();
  w.byte(0x7b);
  let n = 0;
  let service = '';
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag !== 0x0a) {
      r.skip(tag, e);
      continue;
    }
    const end = r.lenEnd(e);
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === 0x0a) {
        const kvEnd = r.lenEnd(end);
        if (n++ > 0) w.byte(0x2c);
        writeKeyValue(r, w, r.pos, kvEnd, 1);
        if (kv.valueStart >= 0 && keyIs(r.buf, kv.keyStart, kv.keyEnd, 'service.name')) {
          service = anyValueLabel(r, kv.valueStart, kv.valueEnd);
        }
        r.pos = kvEnd;
      } else {
        r.skip(t, end);
      }
    }
  }
  w.byte(0x7d);
  return { attributes: n === 0 ? '{}' : w.text(), serviceName: service === '' ? UNKNOWN_SERVICE : service };
}

/** Resource attributes as [key, label value] pairs, for the Prometheus mapping of metrics. */
export function readResourceLabels(r: WireReader, s: number, e: number): string[] {
  const out: string[] = [];
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag !== 0x0a) {
      r.skip(tag, e);
      continue;
    }
    const end = r.lenEnd(e);
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === 0x0a) {
        const kvEnd = r.lenEnd(end);
        readKeyValueLabel(r, r.pos, kvEnd, out, 'resource.attributes');
        r.pos = kvEnd;
      } else {
        r.skip(t, end);
      }
    }
  }
  return out;
}

/** Appends key and label-rendered value of the KeyValue in [s, e) to out. */
export function readKeyValueLabel(r: WireReader, s: number, e: number, out: string[], field: string): void {
  scanKeyValue(r, s, e);
  const vs = kv.valueStart;
  const ve = kv.valueEnd;
  out.push(readUtf8(r.buf, kv.keyStart, kv.keyEnd, `${field}.key`));
  out.push(vs < 0 ? '' : anyValueLabel(r, vs, ve));
}

export interface ScopeInfo {
  name: string;
  version: string;
  /** Scope attributes as [key, label value] pairs (only filled for metrics). */
  labels: string[];
}

const EMPTY_SCOPE: ScopeInfo = { name: '', version: '', labels: [] };

/** Reads every `scope` (field 1) of the ScopeSpans/ScopeLogs/ScopeMetrics message [s, e). */
export function readScope(r: WireReader, s: number, e: number, withLabels: boolean): ScopeInfo {
  let name = '';
  let version = '';
  let labels: string[] | null = null;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag !== 0x0a) {
      r.skip(tag, e);
      continue;
    }
    const end = r.lenEnd(e);
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === 0x0a) {
        const fe = r.lenEnd(end);
        name = readUtf8(r.buf, r.pos, fe, 'scope.name');
        r.pos = fe;
      } else if (t === 0x12) {
        const fe = r.lenEnd(end);
        version = readUtf8(r.buf, r.pos, fe, 'scope.version');
        r.pos = fe;
      } else if (t === 0x1a && withLabels) {
        const fe = r.lenEnd(end);
        readKeyValueLabel(r, r.pos, fe, (labels ??= []), 'scope.attributes');
        r.pos = fe;
      } else {
        r.skip(t, end);
      }
    }
  }
  if (name === '' && version === '' && labels === null) return EMPTY_SCOPE;
  return { name, version, labels: labels ?? [] };
}

/** The schema_url (field 3) of a Scope* message, '' when absent. */
export function readSchemaUrl(r: WireReader, s: number, e: number): string {
  let url = '';
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === 0x1a) {
      const fe = r.lenEnd(e);
      url = readUtf8(r.buf, r.pos, fe, 'schema_url');
      r.pos = fe;
    } else {
      r.skip(tag, e);
    }
  }
  return url;
}

/**
 * Counts the items of an Export*ServiceRequest (resource_X = 1, scope_X = 2, items = 2 in all
 * three signals) so the typed columns can be allocated once at their final size.
 */
export function countItems(r: WireReader, end: number): number {
  let n = 0;
  r.pos = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag !== 0x0a) {
      r.skip(tag, end);
      continue;
    }
    const rEnd = r.lenEnd(end);
    while (r.pos < rEnd) {
      const t = r.tag(rEnd);
      if (t !== 0x12) {
        r.skip(t, rEnd);
        continue;
      }
      const sEnd = r.lenEnd(rEnd);
      while (r.pos < sEnd) {
        const u = r.tag(sEnd);
        if (u === 0x12) n++;
        r.skip(u, sEnd);
      }
    }
  }
  return n;
}
