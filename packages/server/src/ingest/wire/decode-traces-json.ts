// ExportTraceServiceRequest (OTLP/JSON) -> SpanBatch. Same columns and the same JSON text as
// the protobuf path (decode-traces-pb.ts); the two are checked against each other in tests.
import type { SpanBatch } from '../../storage/batches.js';
import { Location, Rejections, type DecodeResult } from './decode-result.js';
import { isZeroHex } from './hex.js';
import {
  anyValueIntegerJson,
  anyValueLabelJson,
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
  objectField,
  parseJsonRequest,
  stringField,
  u32Field,
  u64Field,
  type JsonObject,
} from './otlp-json.js';
import { UNKNOWN_SERVICE, type ResourceInfo } from './resource-scope-pb.js';
import { SpanBatchBuilder } from './span-batch-builder.js';
import { u64ToDecimal } from './u64.js';

export const SPAN_KIND_NAMES: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

export const STATUS_CODE_NAMES: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

const start = { lo: 0, hi: 0 };
const end = { lo: 0, hi: 0 };

export function decodeTracesJson(body: Uint8Array, tenant: string): DecodeResult<SpanBatch> {
  const loc = new Location('resourceSpans', 'scopeSpans', 'spans');
  const rej = new Rejections();
  let b: SpanBatchBuilder;
  try {
    const root = parseJsonRequest(body);
    const resourceSpans = arrayField(root, 'resourceSpans', 'resource_spans');
    b = new SpanBatchBuilder(tenant, countJsonItems(resourceSpans, 'scopeSpans', 'scope_spans', 'spans', 'spans'));
    enter('resourceSpans');
    for (let ri = 0; ri < resourceSpans.length; ri++) {
      loc.enterResource();
      const rs = objectAt(resourceSpans, ri);
      enter(ri);
      const resource = resourceJson(rs);
      const scopeSpans = arrayField(rs, 'scopeSpans', 'scope_spans');
      enter('scopeSpans');
      for (let si = 0; si < scopeSpans.length; si++) {
        loc.enterScope();
        const ss = objectAt(scopeSpans, si);
        enter(si);
        const scope = scopeJson(ss);
        const spans = arrayField(ss, 'spans', 'spans');
        enter('spans');
        for (let pi = 0; pi < spans.length; pi++) {
          loc.item++;
          const o = objectAt(spans, pi);
          enter(pi);
          decodeSpan(o, b, rej, loc, resource, scope);
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

/** Items under resource -> scope lists, to size the typed columns once. Malformed parts count 0. */
export function countJsonItems(resources: unknown[], scopeCamel: string, scopeSnake: string, itemCamel: string, itemSnake: string): number {
  let total = 0;
  for (const res of resources) {
    if (res === null || typeof res !== 'object') continue;
    const scopes = field(res as JsonObject, scopeCamel, scopeSnake);
    if (!Array.isArray(scopes)) continue;
    for (const sc of scopes) {
      const items = sc !== null && typeof sc === 'object' ? field(sc as JsonObject, itemCamel, itemSnake) : undefined;
      if (Array.isArray(items)) total += items.length;
    }
  }
  return total;
}

/** Resource of a Resource{Spans,Logs} object: attributes JSON and service.name. */
export function resourceJson(container: JsonObject): ResourceInfo {
  const res = objectField(container, 'resource', 'resource');
  if (res === undefined) return { attributes: '{}', serviceName: UNKNOWN_SERVICE };
  enter('resource');
  const list = arrayField(res, 'attributes', 'attributes');
  let service = '';
  for (let i = 0; i < list.length; i++) {
    const kvo = objectAt(list, i);
    if (kvo.key === 'service.name') {
      enter('attributes');
      enter(i);
      enter('value');
      service = anyValueLabelJson(field(kvo, 'value', 'value'));
      leave();
      leave();
      leave();
    }
  }
  const attributes = attributesField(res, 'attributes', 'attributes');
  leave();
  return { attributes, serviceName: service === '' ? UNKNOWN_SERVICE : service };
}

export function scopeJson(container: JsonObject): { name: string; version: string } {
  const scope = objectField(container, 'scope', 'scope');
  if (scope === undefined) return { name: '', version: '' };
  enter('scope');
  const out = { name: stringField(scope, 'name', 'name'), version: stringField(scope, 'version', 'version') };
  leave();
  return out;
}

function decodeSpan(o: JsonObject, b: SpanBatchBuilder, rej: Rejections, loc: Location, resource: ResourceInfo, scope: { name: string; version: string }): void {
  const traceId = idField(o, 'traceId', 'trace_id', 16);
  if (traceId === null || traceId === '' || isZeroHex(traceId)) {
    rej.add(`${loc}: traceId must be 32 hex digits and not all zero`);
    return;
  }
  const spanId = idField(o, 'spanId', 'span_id', 8);
  if (spanId === null || spanId === '' || isZeroHex(spanId)) {
    rej.add(`${loc}: spanId must be 16 hex digits and not all zero`);
    return;
  }
  const parent = idField(o, 'parentSpanId', 'parent_span_id', 8);
  if (parent === null) {
    rej.add(`${loc}: parentSpanId must be empty or 16 hex digits`);
    return;
  }

  u64Field(o, 'startTimeUnixNano', 'start_time_unix_nano', start);
  u64Field(o, 'endTimeUnixNano', 'end_time_unix_nano', end);
  const attrList = arrayField(o, 'attributes', 'attributes');
  let route = '';
  let httpStatus = NaN;
  let httpStatusOld = NaN;
  let dbSystem = '';
  let dbSystemName = '';
  for (let i = 0; i < attrList.length; i++) {
    const kvo = objectAt(attrList, i);
    switch (kvo.key) {
      case 'http.route':
        route = anyValueStringJson(kvo.value) ?? '';
        break;
      case 'http.response.status_code':
        httpStatus = anyValueIntegerJson(kvo.value);
        break;
      case 'http.status_code':
        httpStatusOld = anyValueIntegerJson(kvo.value);
        break;
      case 'db.system':
        dbSystem = anyValueStringJson(kvo.value) ?? '';
        break;
      case 'db.system.name':
        dbSystemName = anyValueStringJson(kvo.value) ?? '';
        break;
    }
  }
  const attributes = attributesField(o, 'attributes', 'attributes');
  const events = eventsJson(arrayField(o, 'events', 'events'));
  const linkList = arrayField(o, 'links', 'links');
  let badLinks = 0;
  let links = '[]';
  if (linkList.length > 0) {
    enter('links');
    let text = '[';
    let n = 0;
    for (let i = 0; i < linkList.length; i++) {
      const link = objectAt(linkList, i);
      enter(i);
      const one = linkJson(link);
      leave();
      if (one === null) {
        badLinks++;
        continue;
      }
      if (n++ > 0) text += ',';
      text += one;
    }
    leave();
    if (n > 0) links = text + ']';
  }
  const status = objectField(o, 'status', 'status');

  const i = b.n++;
  b.traceId[i] = traceId;
  b.spanId[i] = spanId;
  b.parentSpanId[i] = parent === '' || isZeroHex(parent) ? '' : parent;
  b.traceState[i] = stringField(o, 'traceState', 'trace_state');
  b.flags[i] = u32Field(o, 'flags', 'flags');
  b.name[i] = stringField(o, 'name', 'name');
  b.spanKind[i] = SpanBatchBuilder.enum8(enumField(o, 'kind', 'kind', SPAN_KIND_NAMES) >>> 0);
  b.setTimes(i, start.lo, start.hi, end.lo, end.hi);
  if (status === undefined) {
    b.statusCode[i] = 0;
    b.statusMessage[i] = '';
  } else {
    enter('status');
    b.statusCode[i] = SpanBatchBuilder.enum8(enumField(status, 'code', 'code', STATUS_CODE_NAMES) >>> 0);
    b.statusMessage[i] = stringField(status, 'message', 'message');
    leave();
  }
  b.attributes[i] = attributes;
  b.events[i] = events;
  b.links[i] = links;
  b.droppedAttributesCount[i] = u32Field(o, 'droppedAttributesCount', 'dropped_attributes_count');
  b.droppedEventsCount[i] = u32Field(o, 'droppedEventsCount', 'dropped_events_count');
  b.droppedLinksCount[i] = u32Field(o, 'droppedLinksCount', 'dropped_links_count') + badLinks;
  b.serviceName[i] = resource.serviceName;
  b.httpRoute[i] = route;
  b.httpStatusCode[i] = SpanBatchBuilder.httpStatus(httpStatus === httpStatus ? httpStatus : httpStatusOld);
  b.dbSystem[i] = dbSystemName !== '' ? dbSystemName : dbSystem;
  b.scopeName[i] = scope.name;
  b.scopeVersion[i] = scope.version;
  b.resourceAttributes[i] = resource.attributes;
}

const eventTime = { lo: 0, hi: 0 };

function eventsJson(list: unknown[]): string {
  if (list.length === 0) return '[]';
  enter('events');
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const ev = objectAt(list, i);
    enter(i);
    u64Field(ev, 'timeUnixNano', 'time_unix_nano', eventTime);
    if (i > 0) out += ',';
    out +=
      `{"timeUnixNano":"${u64ToDecimal(eventTime.lo, eventTime.hi)}","name":${JSON.stringify(stringField(ev, 'name', 'name'))},` +
      `"attributes":${attributesField(ev, 'attributes', 'attributes')},` +
      `"droppedAttributesCount":${u32Field(ev, 'droppedAttributesCount', 'dropped_attributes_count')}}`;
    leave();
  }
  leave();
  return out + ']';
}

function linkJson(link: JsonObject): string | null {
  const traceId = idField(link, 'traceId', 'trace_id', 16);
  const spanId = idField(link, 'spanId', 'span_id', 8);
  if (!traceId || !spanId || isZeroHex(traceId) || isZeroHex(spanId)) return null;
  return (
    `{"traceId":"${traceId}","spanId":"${spanId}","traceState":${JSON.stringify(stringField(link, 'traceState', 'trace_state'))},` +
    `"flags":${u32Field(link, 'flags', 'flags')},` +
    `"attributes":${attributesField(link, 'attributes', 'attributes')},` +
    `"droppedAttributesCount":${u32Field(link, 'droppedAttributesCount', 'dropped_attributes_count')}}`
  );
}
