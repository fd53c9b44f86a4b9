// ExportTraceServiceRequest (protobuf) -> SpanBatch, in one pass per span with no per-span
// objects: ids become hex strings, attributes/events/links become JSON text written byte by
// byte, times go into the BigInt64 columns as two 32-bit words.
//
// Field numbers: opentelemetry-proto v1 trace.proto and collector/trace/v1/trace_service.proto.
import type { SpanBatch } from '../../storage/batches.js';
import { anyValueInteger, anyValueString, keyIs, kv, writeKeyValue, writeKeyValues } from './any-value-pb.js';
import { Location, Rejections, locate, type DecodeResult } from './decode-result.js';
import { isAllZero, spanIdHex, traceIdHex } from './hex.js';
import { JsonWriter } from './json-writer.js';
import { countItems, readResource, readScope, type ResourceInfo, type ScopeInfo } from './resource-scope-pb.js';
import { SpanBatchBuilder } from './span-batch-builder.js';
import { readUtf8 } from './utf8.js';
import { WireReader } from './wire-reader.js';

/** Span.flags is field 16 (fixed32): its tag needs two varint bytes. */
const TAG_SPAN_FLAGS = (16 << 3) | 5;

// Writers are reused across requests: decoding is synchronous, so one set per module suffices.
const resourceWriter = new JsonWriter(1024);
const attrsWriter = new JsonWriter(4096);
const eventsWriter = new JsonWriter(4096);
const linksWriter = new JsonWriter(1024);

export function decodeTracesProtobuf(body: Uint8Array, tenant: string): DecodeResult<SpanBatch> {
  const r = new WireReader(body);
  const loc = new Location('resource_spans', 'scope_spans', 'spans');
  const rej = new Rejections();
  let b: SpanBatchBuilder;
  try {
    const end = r.buf.length;
    b = new SpanBatchBuilder(tenant, countItems(r, end));
    r.pos = 0;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === 0x0a) {
        const rsEnd = r.lenEnd(end);
        loc.enterResource();
        decodeResourceSpans(r, r.pos, rsEnd, b, rej, loc);
        r.pos = rsEnd;
      } else {
        r.skip(tag, end);
      }
    }
  } catch (err) {
    throw locate(err, loc, 'SL_ERR_PROTOBUF_MALFORMED');
  }
  return { batch: b.finish(), rejected: rej.count, rejectReasons: rej.reasons };
}

function decodeResourceSpans(r: WireReader, s: number, e: number, b: SpanBatchBuilder, rej: Rejections, loc: Location): void {
  const resource = readResource(r, s, e, resourceWriter);
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === 0x12) {
      const ssEnd = r.lenEnd(e);
      loc.enterScope();
      decodeScopeSpans(r, r.pos, ssEnd, b, rej, loc, resource);
      r.pos = ssEnd;
    } else {
      r.skip(tag, e);
    }
  }
}

function decodeScopeSpans(r: WireReader, s: number, e: number, b: SpanBatchBuilder, rej: Rejections, loc: Location, resource: ResourceInfo): void {
  const scope = readScope(r, s, e, false);
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    if (tag === 0x12) {
      const spanEnd = r.lenEnd(e);
      loc.item++;
      decodeSpan(r, r.pos, spanEnd, b, rej, loc, resource, scope);
      r.pos = spanEnd;
    } else {
      r.skip(tag, e);
    }
  }
}

function decodeSpan(
  r: WireReader,
  s: number,
  e: number,
  b: SpanBatchBuilder,
  rej: Rejections,
  loc: Location,
  resource: ResourceInfo,
  scope: ScopeInfo,
): void {
  const buf = r.buf;
  let tidS = 0;
  let tidLen = 0;
  let sidS = 0;
  let sidLen = 0;
  let pidS = 0;
  let pidLen = 0;
  let tsS = 0;
  let tsE = 0;
  let nameS = 0;
  let nameE = 0;
  let smS = 0;
  let smE = 0;
  let kind = 0;
  let statusCode = 0;
  let flags = 0;
  let slo = 0;
  let shi = 0;
  let elo = 0;
  let ehi = 0;
  let droppedAttrs = 0;
  let droppedEvents = 0;
  let droppedLinks = 0;
  let badLinks = 0;
  let route = '';
  let httpStatus = NaN;
  let httpStatusOld = NaN;
  let dbSystem = '';
  let dbSystemName = '';
  const attrs = attrsWriter;
  const events = eventsWriter;
  const links = linksWriter;
  attrs.reset();
  attrs.byte(0x7b);
  events.reset();
  links.reset();
  let nAttrs = 0;
  let nEvents = 0;
  let nLinks = 0;

  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    switch (tag) {
      case 0x0a: {
        const end = r.lenEnd(e);
        tidS = r.pos;
        tidLen = end - r.pos;
        r.pos = end;
        break;
      }
      case 0x12: {
        const end = r.lenEnd(e);
        sidS = r.pos;
        sidLen = end - r.pos;
        r.pos = end;
        break;
      }
      case 0x1a: {
        const end = r.lenEnd(e);
        tsS = r.pos;
        tsE = end;
        r.pos = end;
        break;
      }
      case 0x22: {
        const end = r.lenEnd(e);
        pidS = r.pos;
        pidLen = end - r.pos;
        r.pos = end;
        break;
      }
      case 0x2a: {
        const end = r.lenEnd(e);
        nameS = r.pos;
        nameE = end;
        r.pos = end;
        break;
      }
      case 0x30:
        kind = r.varint32(e);
        break;
      case 0x39:
        slo = r.fixed64(e);
        shi = r.hi;
        break;
      case 0x41:
        elo = r.fixed64(e);
        ehi = r.hi;
        break;
      case 0x4a: {
        const end = r.lenEnd(e);
        if (nAttrs++ > 0) attrs.byte(0x2c);
        writeKeyValue(r, attrs, r.pos, end, 1);
        // Promoted columns: a length switch rejects almost every key without comparing bytes.
        const ks = kv.keyStart;
        const ke = kv.keyEnd;
        if (kv.valueStart >= 0) {
          switch (ke - ks) {
            case 10:
              if (keyIs(buf, ks, ke, 'http.route')) route = anyValueString(r, kv.valueStart, kv.valueEnd) ?? '';
              break;
            case 25:
              if (keyIs(buf, ks, ke, 'http.response.status_code')) httpStatus = anyValueInteger(r, kv.valueStart, kv.valueEnd);
              break;
            case 16:
              if (keyIs(buf, ks, ke, 'http.status_code')) httpStatusOld = anyValueInteger(r, kv.valueStart, kv.valueEnd);
              break;
            case 9:
              if (keyIs(buf, ks, ke, 'db.system')) dbSystem = anyValueString(r, kv.valueStart, kv.valueEnd) ?? '';
              break;
            case 14:
              if (keyIs(buf, ks, ke, 'db.system.name')) dbSystemName = anyValueString(r, kv.valueStart, kv.valueEnd) ?? '';
              break;
          }
        }
        r.pos = end;
        break;
      }
      case 0x50:
        droppedAttrs = r.varint32(e);
        break;
      case 0x5a: {
        const end = r.lenEnd(e);
        events.byte(nEvents++ > 0 ? 0x2c : 0x5b);
        writeEvent(r, events, r.pos, end);
        r.pos = end;
        break;
      }
      case 0x60:
        droppedEvents = r.varint32(e);
        break;
      case 0x6a: {
        const end = r.lenEnd(e);
        const before = links.pos;
        links.byte(nLinks > 0 ? 0x2c : 0x5b);
        if (writeLink(r, links, r.pos, end)) {
          nLinks++;
        } else {
          links.pos = before;
          badLinks++;
        }
        r.pos = end;
        break;
      }
      case 0x70:
        droppedLinks = r.varint32(e);
        break;
      case 0x7a: {
        const end = r.lenEnd(e);
        while (r.pos < end) {
          const t = r.tag(end);
          if (t === 0x12) {
            const me = r.lenEnd(end);
            smS = r.pos;
            smE = me;
            r.pos = me;
          } else if (t === 0x18) {
            statusCode = r.varint32(end);
          } else {
            r.skip(t, end);
          }
        }
        break;
      }
      case TAG_SPAN_FLAGS:
        flags = r.fixed32(e);
        break;
      default:
        r.skip(tag, e);
    }
  }

  if (tidLen !== 16 || isAllZero(buf, tidS, 16)) {
    rej.add(`${loc}: trace_id must be 16 bytes and not all zero (got ${tidLen} bytes)`);
    return;
  }
  if (sidLen !== 8 || isAllZero(buf, sidS, 8)) {
    rej.add(`${loc}: span_id must be 8 bytes and not all zero (got ${sidLen} bytes)`);
    return;
  }
  if (pidLen !== 0 && pidLen !== 8) {
    rej.add(`${loc}: parent_span_id must be empty or 8 bytes (got ${pidLen} bytes)`);
    return;
  }

  const i = b.n++;
  b.traceId[i] = traceIdHex(buf, tidS);
  b.spanId[i] = spanIdHex(buf, sidS);
  // Some SDKs send eight zero bytes for "no parent"; that is a root span, not a reference.
  b.parentSpanId[i] = pidLen === 8 && !isAllZero(buf, pidS, 8) ? spanIdHex(buf, pidS) : '';
  b.traceState[i] = tsE > tsS ? readUtf8(buf, tsS, tsE, 'span.trace_state') : '';
  b.flags[i] = flags;
  b.name[i] = readUtf8(buf, nameS, nameE, 'span.name');
  b.spanKind[i] = SpanBatchBuilder.enum8(kind);
  b.setTimes(i, slo, shi, elo, ehi);
  b.statusCode[i] = SpanBatchBuilder.enum8(statusCode);
  b.statusMessage[i] = smE > smS ? readUtf8(buf, smS, smE, 'span.status.message') : '';
  if (nAttrs === 0) {
    b.attributes[i] = '{}';
  } else {
    attrs.byte(0x7d);
    b.attributes[i] = attrs.text();
  }
  if (nEvents === 0) {
    b.events[i] = '[]';
  } else {
    events.byte(0x5d);
    b.events[i] = events.text();
  }
  if (nLinks === 0) {
    b.links[i] = '[]';
  } else {
    links.byte(0x5d);
    b.links[i] = links.text();
  }
  b.droppedAttributesCount[i] = droppedAttrs;
  b.droppedEventsCount[i] = droppedEvents;
  // Links whose ids are unusable are left out and counted as dropped, keeping the span.
  b.droppedLinksCount[i] = droppedLinks + badLinks;
  b.serviceName[i] = resource.serviceName;
  b.httpRoute[i] = route;
  b.httpStatusCode[i] = SpanBatchBuilder.httpStatus(httpStatus === httpStatus ? httpStatus : httpStatusOld);
  b.dbSystem[i] = dbSystemName !== '' ? dbSystemName : dbSystem;
  b.scopeName[i] = scope.name;
  b.scopeVersion[i] = scope.version;
  b.resourceAttributes[i] = resource.attributes;
}

/** Span.Event -> {"timeUnixNano":"..","name":"..","attributes":{..},"droppedAttributesCount":n} */
function writeEvent(r: WireReader, w: JsonWriter, s: number, e: number): void {
  let tlo = 0;
  let thi = 0;
  let nameS = 0;
  let nameE = 0;
  let dropped = 0;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    switch (tag) {
      case 0x09:
        tlo = r.fixed64(e);
        thi = r.hi;
        break;
      case 0x12: {
        const end = r.lenEnd(e);
        nameS = r.pos;
        nameE = end;
        r.pos = end;
        break;
      }
      case 0x20:
        dropped = r.varint32(e);
        break;
      default:
        r.skip(tag, e);
    }
  }
  w.ascii7('{"timeUnixNano":');
  w.u64String(tlo, thi);
  w.ascii7(',"name":');
  w.stringFromBytes(r.buf, nameS, nameE, 'span.events.name');
  w.ascii7(',"attributes":{');
  writeKeyValues(r, w, s, e, 0x1a, 1);
  w.ascii7('},"droppedAttributesCount":');
  w.ascii7(String(dropped));
  w.byte(0x7d);
}

/**
 * Span.Link -> {"traceId":"..","spanId":"..","traceState":"..","flags":n,"attributes":{..},
 * "droppedAttributesCount":n}. Returns false (writing garbage the caller rewinds) when the
 * link's ids are not a valid 16-byte trace id and 8-byte span id.
 */
function writeLink(r: WireReader, w: JsonWriter, s: number, e: number): boolean {
  let tidS = 0;
  let tidLen = 0;
  let sidS = 0;
  let sidLen = 0;
  let tsS = 0;
  let tsE = 0;
  let dropped = 0;
  let flags = 0;
  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    switch (tag) {
      case 0x0a: {
        const end = r.lenEnd(e);
        tidS = r.pos;
        tidLen = end - r.pos;
        r.pos = end;
        break;
      }
      case 0x12: {
        const end = r.lenEnd(e);
        sidS = r.pos;
        sidLen = end - r.pos;
        r.pos = end;
        break;
      }
      case 0x1a: {
        const end = r.lenEnd(e);
        tsS = r.pos;
        tsE = end;
        r.pos = end;
        break;
      }
      case 0x28:
        dropped = r.varint32(e);
        break;
      case 0x35:
        flags = r.fixed32(e);
        break;
      default:
        r.skip(tag, e);
    }
  }
  const buf = r.buf;
  if (tidLen !== 16 || sidLen !== 8 || isAllZero(buf, tidS, 16) || isAllZero(buf, sidS, 8)) return false;
  w.ascii7('{"traceId":"');
  w.ascii7(traceIdHex(buf, tidS));
  w.ascii7('","spanId":"');
  w.ascii7(spanIdHex(buf, sidS));
  w.ascii7('","traceState":');
  w.stringFromBytes(buf, tsS, tsE, 'span.links.trace_state');
  w.ascii7(',"flags":');
  w.ascii7(String(flags));
  w.ascii7(',"attributes":{');
  writeKeyValues(r, w, s, e, 0x22, 1);
  w.ascii7('},"droppedAttributesCount":');
  w.ascii7(String(dropped));
  w.byte(0x7d);
  return true;
}
