// Trace reads: one trace, trace search with summaries, services and operations, RED stats.
import type { DuckDBListValue } from '@duckdb/node-api';
import { SightlineError } from '../../errors.js';
import type { ServiceStats, SpanRow, TimeRangeNs, TraceSearchQuery, TraceSummary } from '../store.js';
import { currentLayout, extraCount, extraJson, extraString } from './extra-column.js';
import { parseArray, parseObject } from './json-text.js';
import { daysForNs, unionAll, withPartitions } from './partition-query.js';
import type { Partition, PartitionSet } from './partitions.js';
import type { ReaderPool } from './reader-pool.js';
import { resourcesMatching, withResourceText } from './resources.js';
import { Params, TRACE_ID_HEX, attributeEquals, spanIdText, traceIdText } from './sql.js';

const HOUR_NS = 3_600_000_000_000n;
const MAX_LIMIT = 100_000;

/** A span's fields in SpanTuple order, from a day file of the SPANS layout (schema.ts). */
const SPAN_COLUMNS = `${traceIdText('trace_id')}, ${spanIdText('span_id')}, ${spanIdText('parent_span_id')}, ${extraString('traceState')},
  flags, name, kind, start_ns, end_ns, duration_ns,
  status_code, ${extraString('statusMessage')}, attributes, events, ${extraJson('links', '[]')}, ${extraCount('droppedAttributesCount')},
  ${extraCount('droppedEventsCount')}, ${extraCount('droppedLinksCount')}, service_name, scope_name, ${extraString('scopeVersion')},
  resource_attributes, resource_id`;

/** The same from a day file of the SPANS_V1 layout. */
const SPAN_COLUMNS_V1 = `trace_id, span_id, parent_span_id, trace_state, flags, name, kind, start_ns, end_ns, duration_ns,
  status_code, status_message, attributes, events, links, dropped_attributes_count, dropped_events_count,
  dropped_links_count, service_name, scope_name, scope_version, resource_attributes, resource_id`;

/** SQL of a span row's trace id as a 16-byte BLOB, in either layout. */
function traceIdBlob(p: Partition): string {
  return currentLayout(p, 'spans') ? 'trace_id' : 'unhex(trace_id)';
}

/** SQL that is true for a root span (no parent), in either layout. */
function isRoot(p: Partition): string {
  return currentLayout(p, 'spans') ? 'parent_span_id = 0' : `parent_span_id = ''`;
}

type SpanTuple = [
  string, string, string, string, number, string, number, bigint, bigint, bigint,
  number, string, string, string, string, number, number,
  number, string, string, string, string,
];

function toSpanRow(r: SpanTuple): SpanRow {
  return {
    traceId: r[0],
    spanId: r[1],
    parentSpanId: r[2],
    traceState: r[3],
    flags: r[4],
    name: r[5],
    kind: r[6],
    startTimeUnixNano: r[7].toString(),
    endTimeUnixNano: r[8].toString(),
    durationNs: r[9].toString(),
    statusCode: r[10],
    statusMessage: r[11],
    attributes: parseObject(r[12]),
    events: parseArray(r[13]),
    links: parseArray(r[14]),
    droppedAttributesCount: r[15],
    droppedEventsCount: r[16],
    droppedLinksCount: r[17],
    serviceName: r[18],
    scopeName: r[19],
    scopeVersion: r[20],
    resourceAttributes: parseObject(r[21]),
  };
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new SightlineError('SL_ERR_INVALID_PARAM', `limit must be a positive integer, got ${limit}`);
  return Math.min(limit, MAX_LIMIT);
}

export function hourOfNs(ns: bigint): bigint {
  const q = ns / HOUR_NS;
  return ns < 0n && q * HOUR_NS !== ns ? q - 1n : q;
}

export class TraceQueries {
  constructor(
    private readonly set: PartitionSet,
    private readonly pool: ReaderPool,
    private readonly defaultRange: () => TimeRangeNs,
  ) {}

  /**
   * Probes day partitions newest first and stops at the first day without spans after a day
   * with spans: a trace lookup then reads one or two days, not the whole look-back.
   */
  async getTrace(tenant: string, traceId: string, range?: TimeRangeNs): Promise<SpanRow[]> {
    const r = range ?? this.defaultRange();
    const id = traceId.toLowerCase();
    if (!TRACE_ID_HEX.test(id)) return [];
    const days = daysForNs(this.set, r.startNs, r.endNs).reverse();
    const rows: SpanRow[] = [];
    let found = false;
    for (const day of days) {
      const part = await withPartitions(this.set, [day], [] as SpanRow[], async ([p]) => {
        const q = new Params();
        const v2 = currentLayout(p!, 'spans');
        const sql = `SELECT ${v2 ? SPAN_COLUMNS : SPAN_COLUMNS_V1} FROM "${p!.alias}".main.spans
          WHERE tenant = ${q.varchar(tenant)} AND trace_id = ${v2 ? `unhex(${q.varchar(id)})` : q.varchar(id)}
            AND start_ns >= ${q.bigint(r.startNs)} AND start_ns < ${q.bigint(r.endNs)}`;
        const found = (await this.pool.query(sql, q)).getRows() as unknown[][];
        return ((await withResourceText(this.pool, p!.alias, tenant, found)) as SpanTuple[]).map(toSpanRow);
      });
      if (part.length === 0 && found) break;
      if (part.length > 0) found = true;
      rows.push(...part);
    }
    // At-least-once writes may store a span twice; one copy is enough.
    const seen = new Set<string>();
    return rows
      .filter((s) => (seen.has(s.spanId) ? false : (seen.add(s.spanId), true)))
      .sort((a, b) => cmpNs(a.startTimeUnixNano, b.startTimeUnixNano) || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
  }

  async searchTraces(q: TraceSearchQuery): Promise<TraceSummary[]> {
    const limit = checkLimit(q.limit);
    return withPartitions(this.set, daysForNs(this.set, q.startNs, q.endNs), [], async (parts) => {
      const p = new Params();
      const where = `tenant = ${p.varchar(q.tenant)} AND start_ns >= ${p.bigint(q.startNs)} AND start_ns < ${p.bigint(q.endNs)}`;
      const spanConds: string[] = [];
      if (q.service) spanConds.push(`service_name = ${p.varchar(q.service)}`);
      if (q.operation) spanConds.push(`name = ${p.varchar(q.operation)}`);
      const attrs = Object.entries(q.attributes ?? {});
      const matching = await Promise.all(parts.map((part) => resourcesMatching(this.pool, part.alias, q.tenant, attrs)));
      const conds = (k: number) => [...spanConds, ...attrs.map(([key, v], i) => attributeEquals(p, key, v, matching[k]![i]!))];
      const having: string[] = [];
      if (q.minDurationNs !== undefined) having.push(`max(end_ns) - min(start_ns) >= ${p.bigint(q.minDurationNs)}`);
      if (q.maxDurationNs !== undefined) having.push(`max(end_ns) - min(start_ns) <= ${p.bigint(q.maxDurationNs)}`);
      if (q.status === 'error') having.push('count(*) FILTER (WHERE status_code = 2) > 0');
      if (q.status === 'ok') having.push('count(*) FILTER (WHERE status_code = 2) = 0');
      // Days of both layouts in one union: trace ids as BLOBs (hex order is byte order).
      const spans = unionAll(
        parts,
        'spans',
        (from, k) =>
          `SELECT ${traceIdBlob(parts[k]!)} AS trace_id, ${isRoot(parts[k]!)} AS is_root, name, service_name, start_ns, end_ns, status_code FROM ${from} WHERE ${where}`,
      );
      const hits =
        spanConds.length + attrs.length > 0
          ? unionAll(parts, 'spans', (from, k) => `SELECT ${traceIdBlob(parts[k]!)} FROM ${from} WHERE ${where} AND ${conds(k).join(' AND ')}`)
          : undefined;
      const sql = `SELECT ${traceIdText('trace_id')} AS trace_hex, min(start_ns) AS start_ns, max(end_ns) - min(start_ns) AS duration_ns,
          count(*)::DOUBLE AS span_count, count(*) FILTER (WHERE status_code = 2)::DOUBLE AS error_count,
          arg_min(service_name, (NOT is_root, start_ns)) AS root_service,
          arg_min(name, (NOT is_root, start_ns)) AS root_name,
          list_sort(list(DISTINCT service_name)) AS services
        FROM (${spans}) s
        ${hits ? `WHERE trace_id IN (${hits})` : ''}
        GROUP BY trace_id
        ${having.length ? `HAVING ${having.join(' AND ')}` : ''}
        ORDER BY start_ns DESC, trace_hex
        LIMIT ${p.bigint(limit)}`;
      const rows = (await this.pool.query(sql, p)).getRows() as [string, bigint, bigint, number, number, string, string, DuckDBListValue][];
      return rows.map(([traceId, start, duration, spanCount, errorCount, rootService, rootOperation, services]) => ({
        traceId,
        rootService,
        rootOperation,
        startTimeUnixNano: start.toString(),
        durationNs: duration.toString(),
        spanCount,
        errorCount,
        services: services.items as string[],
      }));
    });
  }

  async listServices(tenant: string, range: TimeRangeNs): Promise<string[]> {
    return withPartitions(this.set, daysForNs(this.set, range.startNs, range.endNs), [], async (parts) => {
      const p = new Params();
      const where = this.hourWhere(p, tenant, range);
      const sql = `SELECT DISTINCT service_name FROM (${unionAll(parts, 'operations', (from) => `SELECT service_name FROM ${from} WHERE ${where}`)}) ORDER BY 1`;
      return ((await this.pool.query(sql, p)).getRows() as [string][]).map((r) => r[0]);
    });
  }

  async listOperations(tenant: string, service: string, range: TimeRangeNs): Promise<{ name: string; spanKind: number }[]> {
    return withPartitions(this.set, daysForNs(this.set, range.startNs, range.endNs), [], async (parts) => {
      const p = new Params();
      const where = `${this.hourWhere(p, tenant, range)} AND service_name = ${p.varchar(service)}`;
      const sql = `SELECT name, kind FROM (${unionAll(parts, 'operations', (from) => `SELECT name, kind FROM ${from} WHERE ${where}`)})
        GROUP BY name, kind ORDER BY name, kind`;
      return ((await this.pool.query(sql, p)).getRows() as [string, number][]).map(([name, spanKind]) => ({ name, spanKind }));
    });
  }

  private hourWhere(p: Params, tenant: string, range: TimeRangeNs): string {
    return `tenant = ${p.varchar(tenant)} AND hour BETWEEN ${p.bigint(hourOfNs(range.startNs))} AND ${p.bigint(hourOfNs(range.endNs - 1n))}`;
  }

  async serviceStats(tenant: string, range: TimeRangeNs, buckets: number): Promise<ServiceStats[]> {
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 10_000) {
      throw new SightlineError('SL_ERR_INVALID_PARAM', `buckets must be an integer from 1 to 10000, got ${buckets}`);
    }
    const rangeNs = range.endNs - range.startNs;
    if (rangeNs <= 0n) return [];
    const stepMs = Math.max(1, Math.ceil(Number(rangeNs) / 1e6 / buckets));
    const stepNs = BigInt(stepMs) * 1_000_000n;
    const startMs = Number(range.startNs / 1_000_000n);
    const rows = await withPartitions(this.set, daysForNs(this.set, range.startNs, range.endNs), [], async (parts) => {
      const p = new Params();
      const where = `tenant = ${p.varchar(tenant)} AND start_ns >= ${p.bigint(range.startNs)} AND start_ns < ${p.bigint(range.endNs)}`;
      const bucket = `(start_ns - ${p.bigint(range.startNs)}) // ${p.bigint(stepNs)}`;
      const sql = `SELECT service_name, b, count(*)::DOUBLE AS n, count(*) FILTER (WHERE status_code = 2)::DOUBLE AS errors,
          approx_quantile(duration_ns, [0.5, 0.95, 0.99])::DOUBLE[] AS q
        FROM (${unionAll(parts, 'spans', (from, k) => `SELECT service_name, status_code, duration_ns, ${bucket} AS b FROM ${from} WHERE ${where} AND (kind IN (2, 5) OR ${isRoot(parts[k]!)})`)})
        GROUP BY GROUPING SETS ((service_name), (service_name, b))`;
      return (await this.pool.query(sql, p)).getRows() as [string, bigint | null, number, number, DuckDBListValue][];
    });
    const rangeSec = Number(rangeNs) / 1e9;
    const byName = new Map<string, ServiceStats>();
    const entry = (name: string): ServiceStats => {
      let s = byName.get(name);
      if (!s) {
        const t = Array.from({ length: buckets }, (_, i) => startMs + i * stepMs);
        s = { name, spanCount: 0, errorCount: 0, ratePerSec: 0, errorRatio: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, sparkline: { t, rate: t.map(() => 0), errorRatio: t.map(() => 0), p95Ms: t.map(() => 0) } };
        byName.set(name, s);
      }
      return s;
    };
    for (const [name, b, n, errors, q] of rows) {
      const s = entry(name);
      const [p50, p95, p99] = (q.items as number[]).map((ns) => ns / 1e6);
      if (b === null) {
        Object.assign(s, { spanCount: n, errorCount: errors, ratePerSec: n / rangeSec, errorRatio: n ? errors / n : 0, p50Ms: p50 ?? 0, p95Ms: p95 ?? 0, p99Ms: p99 ?? 0 });
      } else if (b >= 0n && b < BigInt(buckets)) {
        const i = Number(b);
        s.sparkline.rate[i] = n / (stepMs / 1000);
        s.sparkline.errorRatio[i] = n ? errors / n : 0;
        s.sparkline.p95Ms[i] = p95 ?? 0;
      }
    }
    // Services with only internal/client spans in the range still belong on the list.
    for (const name of await this.listServices(tenant, range)) entry(name);
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function cmpNs(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
