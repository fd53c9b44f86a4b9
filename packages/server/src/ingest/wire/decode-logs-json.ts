// ExportLogsServiceRequest (OTLP/JSON) -> LogBatch; mirrors decode-logs-pb.ts.
import type { LogBatch } from '../../storage/batches.js';
import { Location, Rejections, type DecodeResult } from './decode-result.js';
import { countJsonItems, resourceJson, scopeJson } from './decode-traces-json.js';
import { isZeroHex } from './hex.js';
import { LogBatchBuilder } from './log-batch-builder.js';
import {
  anyValueJson,
  anyValueStringJson,
  arrayField,
  attributesField,
  containJsonErrors,
  enter,
  enumField,
  field,
  idField,
  leave,
  objectAt,
  parseJsonRequest,
  stringField,
  u32Field,
  u64Field,
  type JsonObject,
} from './otlp-json.js';
import type { ResourceInfo } from './resource-scope-pb.js';
import { SpanBatchBuilder } from './span-batch-builder.js';

export const SEVERITY_NUMBER_NAMES: Readonly<Record<string, number>> = (() => {
  const names: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  levels.forEach((level, i) => {
    names[`SEVERITY_NUMBER_${level}`] = i * 4 + 1;
    for (let k = 2; k <= 4; k++) names[`SEVERITY_NUMBER_${level}${k}`] = i * 4 + k;
  });
  return names;
})();

const time = { lo: 0, hi: 0 };
const observed = { lo: 0, hi: 0 };

export function decodeLogsJson(body: Uint8Array, tenant: string): DecodeResult<LogBatch> {
  const loc = new Location('resourceLogs', 'scopeLogs', 'logRecords');
  const rej = new Rejections();
  let b: LogBatchBuilder;
  try {
    const root = parseJsonRequest(body);
    const resourceLogs = arrayField(root, 'resourceLogs', 'resource_logs');
    b = new LogBatchBuilder(tenant, countJsonItems(resourceLogs, 'scopeLogs', 'scope_logs', 'logRecords', 'log_records'));
    enter('resourceLogs');
    for (let ri = 0; ri < resourceLogs.length; ri++) {
      loc.enterResource();
      const rl = objectAt(resourceLogs, ri);
      enter(ri);
      const resource = resourceJson(rl);
      const scopeLogs = arrayField(rl, 'scopeLogs', 'scope_logs');
      enter('scopeLogs');
      for (let si = 0; si < scopeLogs.length; si++) {
        loc.enterScope();
        const sl = objectAt(scopeLogs, si);
        enter(si);
        const scope = scopeJson(sl);
        const records = arrayField(sl, 'logRecords', 'log_records');
        enter('logRecords');
        for (let i = 0; i < records.length; i++) {
          loc.item++;
          const o = objectAt(records, i);
          enter(i);
          decodeLogRecord(o, b, rej, loc, resource, scope);
          leave();
        }
        leave();
        leave();
      }
      leave();
      leave();
    }
    leave();
  } catch (err) {
    throw containJsonErrors(err);
  }
  return { batch: b.finish(), rejected: rej.count, rejectReasons: rej.reasons };
}

function decodeLogRecord(o: JsonObject, b: LogBatchBuilder, rej: Rejections, loc: Location, resource: ResourceInfo, scope: { name: string; version: string }): void {
  const traceId = idField(o, 'traceId', 'trace_id', 16);
  if (traceId === null) {
    rej.add(`${loc}: traceId must be empty or 32 hex digits`);
    return;
  }
  const spanId = idField(o, 'spanId', 'span_id', 8);
  if (spanId === null) {
    rej.add(`${loc}: spanId must be empty or 16 hex digits`);
    return;
  }
  u64Field(o, 'timeUnixNano', 'time_unix_nano', time);
  u64Field(o, 'observedTimeUnixNano', 'observed_time_unix_nano', observed);
  const bodyValue = field(o, 'body', 'body');
  enter('body');
  const bodyJson = anyValueJson(bodyValue, 1);
  leave();
  const bodyString = anyValueStringJson(bodyValue);

  const i = b.n++;
  b.setTimes(i, time.lo, time.hi, observed.lo, observed.hi);
  b.severityNumber[i] = SpanBatchBuilder.enum8(enumField(o, 'severityNumber', 'severity_number', SEVERITY_NUMBER_NAMES) >>> 0);
  b.severityText[i] = stringField(o, 'severityText', 'severity_text');
  b.body[i] = bodyJson;
  b.bodyText[i] = bodyString ?? (bodyJson === 'null' ? '' : bodyJson);
  b.attributes[i] = attributesField(o, 'attributes', 'attributes');
  b.droppedAttributesCount[i] = u32Field(o, 'droppedAttributesCount', 'dropped_attributes_count');
  b.traceId[i] = traceId === '' || isZeroHex(traceId) ? '' : traceId;
  b.spanId[i] = spanId === '' || isZeroHex(spanId) ? '' : spanId;
  b.flags[i] = u32Field(o, 'flags', 'flags');
  b.eventName[i] = stringField(o, 'eventName', 'event_name');
  b.serviceName[i] = resource.serviceName;
  b.scopeName[i] = scope.name;
  b.scopeVersion[i] = scope.version;
  b.resourceAttributes[i] = resource.attributes;
}
