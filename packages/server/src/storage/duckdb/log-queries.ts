// Log reads: search with a keyset cursor, severity histogram, logs of one trace.
import { SightlineError } from '../../errors.js';
import type { LogHistogram, LogPage, LogRow, LogSearchQuery, SeverityCounts, TimeRangeNs } from '../store.js';
import { currentLayout, extraCount, extraJson, extraString } from './extra-column.js';
import { parseObject, parseValue } from './json-text.js';
import { daysForNs, unionAll, withPartitions } from './partition-query.js';
import type { Partition, PartitionSet } from './partitions.js';
import type { ReaderPool } from './reader-pool.js';
import { resourcesMatching, withResourceText } from './resources.js';
import { Params, TRACE_ID_HEX, attributeEquals, containsPattern, spanIdText, traceIdText } from './sql.js';
import { checkLimit } from './trace-queries.js';

/** A record's fields in LogTuple order, from a day file of the LOGS layout (schema.ts). */
const LOG_COLUMNS = `time_ns, observed_time_ns, seq, severity_number, severity_text, body_kind, ${extraJson('body', '')}, body_text,
  attributes, ${extraCount('droppedAttributesCount')}, ${traceIdText('trace_id')}, ${spanIdText('span_id')}, flags, ${extraString('eventName')},
  service_name, scope_name, ${extraString('scopeVersion')}, resource_attributes, resource_id`;

/** The same from a day file of the LOGS_V1 layout. */
const LOG_COLUMNS_V1 = `time_ns, observed_time_ns, seq, severity_number, severity_text, body_kind, body, body_text, attributes,
  dropped_attributes_count, trace_id, span_id, flags, event_name, service_name, scope_name, scope_version, resource_attributes, resource_id`;

function logColumns(part: Partition): string {
  return currentLayout(part, 'logs') ? LOG_COLUMNS : LOG_COLUMNS_V1;
}

/** SQL that is true for the records of trace `id` (lowercase) in the day's layout; false for an id that is not hex. */
function traceIs(p: Params, part: Partition, id: string): string {
  if (!TRACE_ID_HEX.test(id)) return 'false';
  return currentLayout(part, 'logs') ? `trace_id = unhex(${p.varchar(id)})` : `trace_id = ${p.varchar(id)}`;
}

type LogTuple = [bigint, bigint, bigint, number, string, number, string, string, string, number, string, string, number, string, string, string, string, string];

function toLogRow(r: LogTuple): LogRow {
  const kind = r[5];
  return {
    timeUnixNano: r[0].toString(),
    observedTimeUnixNano: r[1].toString(),
    severityNumber: r[3],
    severityText: r[4],
    body: kind === 0 ? r[7] : parseValue(kind === 1 ? r[7] : r[6]),
    attributes: parseObject(r[8]),
    droppedAttributesCount: r[9],
    traceId: r[10],
    spanId: r[11],
    flags: r[12],
    eventName: r[13],
    serviceName: r[14],
    scopeName: r[15],
    scopeVersion: r[16],
    resourceAttributes: parseObject(r[17]),
  };
}

interface Cursor {
  timeNs: bigint;
  seq: bigint;
}

function encodeCursor(timeNs: bigint, seq: bigint): string {
  return Buffer.from(`${timeNs}:${seq}`).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  const m = /^(-?\d{1,20}):(\d{1,20})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!m) throw new SightlineError('SL_ERR_INVALID_PARAM', 'cursor is not one this server issued; start again without it');
  return { timeNs: BigInt(m[1]!), seq: BigInt(m[2]!) };
}

/** `matching`: per attribute filter, the partition's resources that match (resourcesMatching). */
function filters(p: Params, part: Partition, q: LogSearchQuery, endNs: bigint, matching: readonly bigint[][]): string {
  const conds = [`tenant = ${p.varchar(q.tenant)}`, `time_ns >= ${p.bigint(q.startNs)}`, `time_ns < ${p.bigint(endNs)}`];
  if (q.service) conds.push(`service_name = ${p.varchar(q.service)}`);
  if (q.severityMin !== undefined) conds.push(`severity_number >= ${p.bigint(q.severityMin)}`);
  if (q.severityText) conds.push(`lower(severity_text) = lower(${p.varchar(q.severityText)})`);
  if (q.traceId) conds.push(traceIs(p, part, q.traceId.toLowerCase()));
  if (q.text) conds.push(`body_text ILIKE ${p.varchar(containsPattern(q.text))} ESCAPE '\\'`);
  Object.entries(q.attributes ?? {}).forEach(([k, v], i) => conds.push(attributeEquals(p, k, v, matching[i]!)));
  return conds.join(' AND ');
}

export class LogQueries {
  constructor(
    private readonly set: PartitionSet,
    private readonly pool: ReaderPool,
    private readonly defaultRange: () => TimeRangeNs,
  ) {}

  /**
   * Newest first by (time, seq). Day partitions are read newest first and reading stops once
   * the page is full, so a search over a week usually reads one day. The cursor is the last
   * row's (time, seq): rows that arrive later sort after it only if they are older, so pages
   * never repeat or skip a row that existed when the first page was read.
   */
  async searchLogs(q: LogSearchQuery): Promise<LogPage> {
    const limit = checkLimit(q.limit);
    const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
    const endNs = cursor && cursor.timeNs + 1n < q.endNs ? cursor.timeNs + 1n : q.endNs;
    const out: [LogRow, bigint, bigint][] = [];
    for (const day of daysForNs(this.set, q.startNs, endNs).reverse()) {
      const need = limit + 1 - out.length;
      if (need <= 0) break;
      const rows = await withPartitions(this.set, [day], [] as LogTuple[], async ([part]) => {
        const p = new Params();
        let where = filters(p, part!, q, endNs, await resourcesMatching(this.pool, part!.alias, q.tenant, Object.entries(q.attributes ?? {})));
        if (cursor) where += ` AND (time_ns < ${p.bigint(cursor.timeNs)} OR (time_ns = ${p.bigint(cursor.timeNs)} AND seq < ${p.bigint(cursor.seq)}))`;
        const sql = `SELECT ${logColumns(part!)} FROM "${part!.alias}".main.logs WHERE ${where} ORDER BY time_ns DESC, seq DESC LIMIT ${p.bigint(need)}`;
        return (await withResourceText(this.pool, part!.alias, q.tenant, (await this.pool.query(sql, p)).getRows() as unknown[][])) as LogTuple[];
      });
      for (const r of rows) out.push([toLogRow(r), r[0], r[2]]);
    }
    const page = out.slice(0, limit);
    const last = page[page.length - 1];
    return out.length > limit && last ? { logs: page.map((e) => e[0]), nextCursor: encodeCursor(last[1], last[2]) } : { logs: page.map((e) => e[0]) };
  }

  async logHistogram(q: LogSearchQuery, buckets: number): Promise<LogHistogram> {
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 10_000) {
      throw new SightlineError('SL_ERR_INVALID_PARAM', `buckets must be an integer from 1 to 10000, got ${buckets}`);
    }
    const rangeNs = q.endNs - q.startNs;
    const stepMs = Math.max(1, Math.ceil(Number(rangeNs > 0n ? rangeNs : 1n) / 1e6 / buckets));
    const startMs = Number(q.startNs / 1_000_000n);
    const empty = (): SeverityCounts => ({ trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unspecified: 0 });
    const result: LogHistogram = { stepMs, buckets: Array.from({ length: buckets }, (_, i) => ({ t: startMs + i * stepMs, counts: empty() })) };
    const rows = await withPartitions(this.set, daysForNs(this.set, q.startNs, q.endNs), [], async (parts) => {
      const p = new Params();
      const matching = await Promise.all(parts.map((part) => resourcesMatching(this.pool, part.alias, q.tenant, Object.entries(q.attributes ?? {}))));
      const bucket = `(time_ns - ${p.bigint(q.startNs)}) // ${p.bigint(BigInt(stepMs) * 1_000_000n)}`;
      const sev = (lo: number, hi: number) => `count(*) FILTER (WHERE severity_number BETWEEN ${lo} AND ${hi})::DOUBLE`;
      const sql = `SELECT b, ${sev(1, 4)}, ${sev(5, 8)}, ${sev(9, 12)}, ${sev(13, 16)}, ${sev(17, 20)}, ${sev(21, 24)},
          count(*) FILTER (WHERE severity_number = 0 OR severity_number > 24)::DOUBLE
        FROM (${unionAll(parts, 'logs', (from, k) => `SELECT severity_number, ${bucket} AS b FROM ${from} WHERE ${filters(p, parts[k]!, q, q.endNs, matching[k]!)}`)})
        GROUP BY b`;
      return (await this.pool.query(sql, p)).getRows() as [bigint, number, number, number, number, number, number, number][];
    });
    for (const [b, trace, debug, info, warn, error, fatal, unspecified] of rows) {
      const slot = result.buckets[Number(b)];
      if (slot) slot.counts = { trace, debug, info, warn, error, fatal, unspecified };
    }
    return result;
  }

  /** Same newest-first probing as getTrace: stops at the first empty day after a day with hits. */
  async logsForTrace(tenant: string, traceId: string, range?: TimeRangeNs): Promise<LogRow[]> {
    const r = range ?? this.defaultRange();
    const id = traceId.toLowerCase();
    const found: LogTuple[] = [];
    let hit = false;
    for (const day of daysForNs(this.set, r.startNs, r.endNs).reverse()) {
      const rows = await withPartitions(this.set, [day], [] as LogTuple[], async ([part]) => {
        const p = new Params();
        const sql = `SELECT ${logColumns(part!)} FROM "${part!.alias}".main.logs
          WHERE tenant = ${p.varchar(tenant)} AND ${traceIs(p, part!, id)} AND time_ns >= ${p.bigint(r.startNs)} AND time_ns < ${p.bigint(r.endNs)}`;
        return (await withResourceText(this.pool, part!.alias, tenant, (await this.pool.query(sql, p)).getRows() as unknown[][])) as LogTuple[];
      });
      if (rows.length === 0 && hit) break;
      if (rows.length > 0) hit = true;
      found.push(...rows);
    }
    found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
    return found.map(toLogRow);
  }
}
