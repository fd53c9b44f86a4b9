// ExportLogsServiceRequest (protobuf) -> LogBatch. Same approach as decode-traces-pb.ts.
// Field numbers: opentelemetry-proto v1 logs.proto and collector/logs/v1/logs_service.proto.
import type { LogBatch } from '../../storage/batches.js';
import { anyValueString, writeAnyValue, writeKeyValue } from './any-value-pb.js';
import { Location, Rejections, locate, type DecodeResult } from './decode-result.js';
import { isAllZero, spanIdHex, traceIdHex } from './hex.js';
import { JsonWriter } from './json-writer.js';
import { LogBatchBuilder } from './log-batch-builder.js';
import { countItems, readResource, readScope, type ResourceInfo, type ScopeInfo } from './resource-scope-pb.js';
import { SpanBatchBuilder } from './span-batch-builder.js';
import { readUtf8 } from './utf8.js';
import { WireReader } from './wire-reader.js';

const resourceWriter = new JsonWriter(1024);
const attrsWriter = new JsonWriter(4096);
const bodyWriter = new JsonWriter(4096);

export function decodeLogsProtobuf(body: Uint8Array, tenant: string): DecodeResult<LogBatch> {
  const r = new WireReader(body);
  const loc = new Location('resource_logs', 'scope_logs', 'log_records');
  const rej = new Rejections();
  let b: LogBatchBuilder;
  try {
    const end = r.buf.length;
    b = new LogBatchBuilder(tenant, countItems(r, end));
    r.pos = 0;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag !== 0x0a) {
        r.skip(tag, end);
        continue;
      }
      const rlEnd = r.lenEnd(end);
      loc.enterResource();
      const rlStart = r.pos;
      const resource = readResource(r, rlStart, rlEnd, resourceWriter);
      r.pos = rlStart;
      while (r.pos < rlEnd) {
        const t = r.tag(rlEnd);
        if (t !== 0x12) {
          r.skip(t, rlEnd);
          continue;
        }
        const slEnd = r.lenEnd(rlEnd);
        loc.enterScope();
        const slStart = r.pos;
        const scope = readScope(r, slStart, slEnd, false);
        r.pos = slStart;
        while (r.pos < slEnd) {
          const u = r.tag(slEnd);
          if (u !== 0x12) {
            r.skip(u, slEnd);
            continue;
          }
          const recEnd = r.lenEnd(slEnd);
          loc.item++;
          decodeLogRecord(r, r.pos, recEnd, b, rej, loc, resource, scope);
          r.pos = recEnd;
        }
      }
      r.pos = rlEnd;
    }
  } catch (err) {
    throw locate(err, loc, 'SL_ERR_PROTOBUF_MALFORMED');
  }
  return { batch: b.finish(), rejected: rej.count, rejectReasons: rej.reasons };
}

function decodeLogRecord(
  r: WireReader,
  s: number,
  e: number,
  b: LogBatchBuilder,
  rej: Rejections,
  loc: Location,
  resource: ResourceInfo,
  scope: ScopeInfo,
): void {
  const buf = r.buf;
  let tlo = 0;
  let thi = 0;
  let olo = 0;
  let ohi = 0;
  let severity = 0;
  let stS = 0;
  let stE = 0;
  let bodyS = -1;
  let bodyE = -1;
  let dropped = 0;
  let flags = 0;
  let tidS = 0;
  let tidLen = 0;
  let sidS = 0;
  let sidLen = 0;
  let enS = 0;
  let enE = 0;
  const attrs = attrsWriter;
  attrs.reset();
  attrs.byte(0x7b);
  let nAttrs = 0;

  r.pos = s;
  while (r.pos < e) {
    const tag = r.tag(e);
    switch (tag) {
      case 0x09:
        tlo = r.fixed64(e);
        thi = r.hi;
        break;
      case 0x10:
        severity = r.varint32(e);
        break;
      case 0x1a: {
        const end = r.lenEnd(e);
        stS = r.pos;
        stE = end;
        r.pos = end;
        break;
      }
      case 0x2a: {
        const end = r.lenEnd(e);
        bodyS = r.pos;
        bodyE = end;
        r.pos = end;
        break;
      }
      case 0x32: {
        const end = r.lenEnd(e);
        if (nAttrs++ > 0) attrs.byte(0x2c);
        writeKeyValue(r, attrs, r.pos, end, 1);
        r.pos = end;
        break;
      }
      case 0x38:
        dropped = r.varint32(e);
        break;
      case 0x45:
        flags = r.fixed32(e);
        break;
      case 0x4a: {
        const end = r.lenEnd(e);
        tidS = r.pos;
        tidLen = end - r.pos;
        r.pos = end;
        break;
      }
      case 0x52: {
        const end = r.lenEnd(e);
        sidS = r.pos;
        sidLen = end - r.pos;
        r.pos = end;
        break;
      }
      case 0x59:
        olo = r.fixed64(e);
        ohi = r.hi;
        break;
      case 0x62: {
        const end = r.lenEnd(e);
        enS = r.pos;
        enE = end;
        r.pos = end;
        break;
      }
      default:
        r.skip(tag, e);
    }
  }

  // Trace context on a log is optional, but when present it must be a real id.
  if (tidLen !== 0 && tidLen !== 16) {
    rej.add(`${loc}: trace_id must be empty or 16 bytes (got ${tidLen} bytes)`);
    return;
  }
  if (sidLen !== 0 && sidLen !== 8) {
    rej.add(`${loc}: span_id must be empty or 8 bytes (got ${sidLen} bytes)`);
    return;
  }

  const i = b.n++;
  b.setTimes(i, tlo, thi, olo, ohi);
  b.severityNumber[i] = SpanBatchBuilder.enum8(severity);
  b.severityText[i] = stE > stS ? readUtf8(buf, stS, stE, 'log_record.severity_text') : '';
  if (bodyS < 0) {
    b.body[i] = 'null';
    b.bodyText[i] = '';
  } else {
    bodyWriter.reset();
    writeAnyValue(r, bodyWriter, bodyS, bodyE, 1);
    const json = bodyWriter.text();
    b.body[i] = json;
    const text = anyValueString(r, bodyS, bodyE);
    b.bodyText[i] = text ?? (json === 'null' ? '' : json);
  }
  if (nAttrs === 0) {
    b.attributes[i] = '{}';
  } else {
    attrs.byte(0x7d);
    b.attributes[i] = attrs.text();
  }
  b.droppedAttributesCount[i] = dropped;
  b.traceId[i] = tidLen === 16 && !isAllZero(buf, tidS, 16) ? traceIdHex(buf, tidS) : '';
  b.spanId[i] = sidLen === 8 && !isAllZero(buf, sidS, 8) ? spanIdHex(buf, sidS) : '';
  b.flags[i] = flags;
  b.eventName[i] = enE > enS ? readUtf8(buf, enS, enE, 'log_record.event_name') : '';
  b.serviceName[i] = resource.serviceName;
  b.scopeName[i] = scope.name;
  b.scopeVersion[i] = scope.version;
  b.resourceAttributes[i] = resource.attributes;
}
