// Log records into the day partitions of their (effective) time. Each record gets a sequence
// number unique within its partition: the keyset cursor orders by (time, seq). Writes run on
// one or more connections (WriteSlots); a write reserves its sequence range before its
// transaction starts, so writes running at once never share a number (a failed write leaves a
// gap, which the cursor does not mind). Record rows go in as a Parquet stage file read by an
// INSERT on a DuckDB thread (table-stager.ts); a write that stores no new resource is that one
// statement, its own transaction.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LogBatch } from '../batches.js';
import { ChunkAppender, doublesToInt64, type ColumnData } from './chunk-appender.js';
import { ExtraFields, currentLayout } from './extra-column.js';
import type { Partition, PartitionSet } from './partitions.js';
import { ResourceIndex, appendFreshResources, hasFreshResources, markCommitted, resolveResources, type ResolvedResources } from './resources.js';
import type { StageDir } from './parquet-stage.js';
import { LOGS, LOGS_V1, RESOURCES } from './schema.js';
import { TableStager } from './table-stager.js';
import { msToNs, splitByDayNs } from './time.js';
import { inTransaction, withAppender } from './transaction.js';
import { SlottedWriter, type WriteSlot } from './write-slots.js';

export interface Prepared {
  batch: LogBatch;
  time: BigInt64Array;
  bodyKind: Uint8Array;
  body: string[];
}

interface Group {
  p: Prepared;
  rows: Uint32Array | null;
}

const QUOTE = 34; // '"': a JSON string body

/**
 * Time: the record's, else its observed time, else now (OTLP's rule). Body: a string body is
 * stored once, in body_text; so is a structured body whose search text is its JSON.
 */
export function prepare(batch: LogBatch, nowNs: bigint): Prepared {
  const n = batch.length;
  let time = batch.timeNs;
  for (let i = 0; i < n; i++) {
    if (batch.timeNs[i] === 0n) {
      time = new BigInt64Array(n);
      for (let k = 0; k < n; k++) time[k] = batch.timeNs[k] || batch.observedTimeNs[k] || nowNs;
      break;
    }
  }
  const bodyKind = new Uint8Array(n);
  const body = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const json = batch.body[i] ?? '';
    if (json.charCodeAt(0) === QUOTE) {
      bodyKind[i] = 0;
      body[i] = '';
    } else if (json === batch.bodyText[i]) {
      bodyKind[i] = 1;
      body[i] = '';
    } else {
      bodyKind[i] = 2;
      body[i] = json;
    }
  }
  return { batch, time, bodyKind, body };
}

/** A prepared log batch's values in LOGS column order (exported for bench/stage-encode.mjs). */
export function columns(p: Prepared, seq: BigInt64Array, res: ResolvedResources): ColumnData[] {
  const b = p.batch;
  return [
    b.tenant, p.time, b.observedTimeNs, seq, b.severityNumber,
    b.severityText, p.bodyKind, b.bodyText, b.attributes,
    b.traceId, b.spanId, b.flags, b.serviceName, b.scopeName,
    res.inline, doublesToInt64(res.ids, b.length), logExtra(p),
  ];
}

/** The same in LOGS_V1 column order, for a day file written before LOGS. */
function columnsV1(p: Prepared, seq: BigInt64Array, res: ResolvedResources): ColumnData[] {
  const b = p.batch;
  return [
    b.tenant, p.time, b.observedTimeNs, seq, b.severityNumber,
    b.severityText, p.bodyKind, p.body, b.bodyText, b.attributes,
    b.droppedAttributesCount, b.traceId, b.spanId, b.flags,
    b.eventName, b.serviceName, b.scopeName, b.scopeVersion,
    res.inline, doublesToInt64(res.ids, b.length),
  ];
}

/**
 * The `extra` column of each record (schema.ts, LOGS): '' when it has no body of kind 2, no
 * dropped attributes, event name or scope version, else a JSON object of those it has (the
 * body as its JSON value). Records of one scope repeat the same value, which is built once.
 */
export function logExtra(p: Prepared): string[] {
  const b = p.batch;
  const out = new Array<string>(b.length);
  const x = new ExtraFields();
  for (let i = 0; i < b.length; i++) {
    const body = p.body[i] ?? '';
    const dropped = b.droppedAttributesCount[i]!;
    const event = b.eventName[i] ?? '';
    const version = b.scopeVersion[i] ?? '';
    out[i] =
      body === '' && dropped === 0 && event === ''
        ? x.onlyScopeVersion(version)
        : x.json('body', body).count('droppedAttributesCount', dropped).str('eventName', event).str('scopeVersion', version).take();
  }
  return out;
}

interface Appenders {
  resources: ChunkAppender;
}

export class LogWriter extends SlottedWriter<Appenders, LogBatch> {
  /** Next unreserved sequence number per partition day (read from the partition on first write). */
  private readonly nextSeq = new Map<number, number>();
  private readonly resources = new ResourceIndex();
  private readonly logs = new TableStager(LOGS);
  private readonly logsV1 = new TableStager(LOGS_V1);

  constructor(
    conns: readonly DuckDBConnection[],
    private readonly parts: PartitionSet,
    private readonly clock: () => number,
    /** Log rows go to DuckDB as Parquet stage files (see table-stager.ts). */
    private readonly stageDir: StageDir,
  ) {
    super(conns, () => ({ resources: new ChunkAppender(RESOURCES) }));
  }

  forgetDay(day: number): void {
    this.nextSeq.delete(day);
    this.resources.forgetDay(day);
  }

  protected async writeOn(slot: WriteSlot<Appenders>, batches: readonly LogBatch[]): Promise<number> {
    const conn = slot.conn;
    const nowNs = msToNs(this.clock());
    const byDay = new Map<number, Group[]>();
    for (const batch of batches) {
      if (batch.length === 0) continue;
      const p = prepare(batch, nowNs);
      for (const { day, rows } of splitByDayNs(p.time, batch.length)) {
        let groups = byDay.get(day);
        if (!groups) byDay.set(day, (groups = []));
        groups.push({ p, rows });
      }
    }
    let written = 0;
    for (const day of [...byDay.keys()].sort((a, b) => a - b)) {
      const groups = byDay.get(day)!;
      const part = (await this.parts.acquire(day, true))!;
      try {
        let count = 0;
        for (const g of groups) count += g.rows ? g.rows.length : g.p.batch.length;
        let seq = await this.reserveSeq(conn, part, count);
        const known = await this.resources.forDay(conn, part);
        const resolved = groups.map((g) => resolveResources(known, g.p.batch.tenant, g.p.batch.resourceAttributes, g.p.batch.length, g.rows));
        // A day file written before LOGS keeps its layout.
        const v1 = !currentLayout(part, 'logs');
        const stage = groups.map((g, k) => {
          const n = g.p.batch.length;
          const values = new Float64Array(n);
          if (g.rows) for (const r of g.rows) values[r] = seq++;
          else for (let i = 0; i < n; i++) values[i] = seq++;
          return { data: (v1 ? columnsV1 : columns)(g.p, doublesToInt64(values, n), resolved[k]!), length: n, rows: g.rows };
        });
        const insert = () => (v1 ? this.logsV1 : this.logs).insert(this.stageDir, (sql) => conn.run(sql), part.alias, stage);
        // Nothing but the records (the steady state): one statement is its own transaction.
        if (!hasFreshResources(resolved)) await insert();
        else {
          await inTransaction(conn, async () => {
            await insert();
            await appendFreshResources(conn, part.alias, slot.state.resources, resolved);
          });
        }
        markCommitted(resolved);
        written += count;
      } finally {
        this.parts.release(part);
      }
    }
    return written;
  }

  /** The first of `count` sequence numbers of the partition, taken for this write alone. */
  private async reserveSeq(conn: DuckDBConnection, part: Partition, count: number): Promise<number> {
    if (!this.nextSeq.has(part.day)) {
      const r = await conn.runAndReadAll(`SELECT coalesce(max(seq), -1)::DOUBLE + 1 FROM "${part.alias}".main.logs`);
      // Two first writes of a day may both read; the first to get here sets the number.
      if (!this.nextSeq.has(part.day)) this.nextSeq.set(part.day, Number(r.getRows()[0]![0]));
    }
    const first = this.nextSeq.get(part.day)!;
    this.nextSeq.set(part.day, first + count);
    return first;
  }
}
