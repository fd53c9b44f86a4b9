// Spans into the day partitions of their start time, plus the per-hour operations index.
//
// Span rows go in as a Parquet stage file read by an INSERT on a DuckDB thread (table-stager.ts);
// a write that brings nothing else (no new operations or resources, the steady state) is that
// one statement, its own transaction. Writes run on several connections at once (one per slot,
// each with its own queue), so one batch's encoding overlaps another's INSERT and COMMIT (which
// writes ~1 KB of write-ahead log a span). The operations index is
// shared: rows are marked before their transaction commits, so a concurrent write does not add
// them again, and a failed write forgets that day's index, which is then reloaded.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SpanBatch } from '../batches.js';
import { ChunkAppender, doublesToInt64, type ColumnData } from './chunk-appender.js';
import { ExtraFields, currentLayout } from './extra-column.js';
import type { Partition, PartitionSet } from './partitions.js';
import { ResourceIndex, appendFreshResources, hasFreshResources, markCommitted, resolveResources, type ResolvedResources } from './resources.js';
import type { StageDir } from './parquet-stage.js';
import { OPERATIONS, RESOURCES, SPANS, SPANS_V1 } from './schema.js';
import { TableStager } from './table-stager.js';
import { SlottedWriter, type WriteSlot } from './write-slots.js';
import { splitByDayNs } from './time.js';
import { inTransaction, withAppender } from './transaction.js';

const HOUR_NS = 3.6e12;

/** A span batch's values in SPANS column order (exported for bench/stage-encode.mjs). */
export function spanColumns(b: SpanBatch, res: ResolvedResources): ColumnData[] {
  return [
    b.tenant, b.traceId, b.spanId, b.parentSpanId,
    b.flags, b.name, b.spanKind, b.startNs, b.endNs, b.durationNs,
    b.statusCode, b.attributes, b.events,
    b.serviceName, b.scopeName, res.inline, doublesToInt64(res.ids, b.length), spanExtra(b),
  ];
}

/** The same in SPANS_V1 column order, for a day file written before SPANS. */
function spanColumnsV1(b: SpanBatch, res: ResolvedResources): ColumnData[] {
  return [
    b.tenant, b.traceId, b.spanId, b.parentSpanId, b.traceState,
    b.flags, b.name, b.spanKind, b.startNs, b.endNs, b.durationNs,
    b.statusCode, b.statusMessage, b.attributes, b.events, b.links,
    b.droppedAttributesCount, b.droppedEventsCount, b.droppedLinksCount,
    b.serviceName, b.httpRoute, b.httpStatusCode, b.dbSystem,
    b.scopeName, b.scopeVersion, res.inline, doublesToInt64(res.ids, b.length),
  ];
}

/**
 * The `extra` column of each span (schema.ts, SPANS): '' when trace state, status message,
 * links, dropped counts and scope version are all empty or zero, else a JSON object of those
 * that are not. Spans of one scope repeat the same value, which is built once.
 */
export function spanExtra(b: SpanBatch): string[] {
  const out = new Array<string>(b.length);
  const x = new ExtraFields();
  for (let i = 0; i < b.length; i++) {
    const traceState = b.traceState[i] ?? '';
    const message = b.statusMessage[i] ?? '';
    const links = b.links[i] === '[]' ? '' : (b.links[i] ?? '');
    const version = b.scopeVersion[i] ?? '';
    const da = b.droppedAttributesCount[i]!;
    const de = b.droppedEventsCount[i]!;
    const dl = b.droppedLinksCount[i]!;
    out[i] =
      traceState === '' && message === '' && links === '' && da === 0 && de === 0 && dl === 0
        ? x.onlyScopeVersion(version)
        : x.str('traceState', traceState).str('statusMessage', message).json('links', links)
            .count('droppedAttributesCount', da).count('droppedEventsCount', de).count('droppedLinksCount', dl)
            .str('scopeVersion', version).take();
  }
  return out;
}

/** tenant -> service -> operation -> set of (hour * 8 + kind). */
type OpsTree = Map<string, Map<string, Map<string, Set<number>>>>;

function has(tree: OpsTree, tenant: string, service: string, name: string, key: number): boolean {
  return tree.get(tenant)?.get(service)?.get(name)?.has(key) === true;
}

function add(tree: OpsTree, tenant: string, service: string, name: string, key: number): void {
  let bySvc = tree.get(tenant);
  if (!bySvc) tree.set(tenant, (bySvc = new Map()));
  let byName = bySvc.get(service);
  if (!byName) bySvc.set(service, (byName = new Map()));
  let keys = byName.get(name);
  if (!keys) byName.set(name, (keys = new Set()));
  keys.add(key);
}

interface Group {
  batch: SpanBatch;
  rows: Uint32Array | null;
}

interface Appenders {
  operations: ChunkAppender;
  resources: ChunkAppender;
}

export class SpanWriter extends SlottedWriter<Appenders, SpanBatch> {
  /** Operations already indexed, per partition day (loaded from the partition on first write). */
  private readonly indexed = new Map<number, OpsTree>();
  private readonly indexLoads = new Map<number, Promise<OpsTree>>();
  private readonly resources = new ResourceIndex();
  private readonly spans = new TableStager(SPANS);
  private readonly spansV1 = new TableStager(SPANS_V1);

  constructor(
    conns: readonly DuckDBConnection[],
    private readonly parts: PartitionSet,
    /** Span rows go to DuckDB as Parquet stage files (see table-stager.ts). */
    private readonly stageDir: StageDir,
  ) {
    super(conns, () => ({ operations: new ChunkAppender(OPERATIONS), resources: new ChunkAppender(RESOURCES) }));
  }

  /** The day is gone or was rewritten: its indexes are read again on its next write. */
  forgetDay(day: number): void {
    this.forgetOperations(day);
    this.resources.forgetDay(day);
  }

  private forgetOperations(day: number): void {
    this.indexed.delete(day);
    this.indexLoads.delete(day);
  }

  /** Commits one transaction per day touched; returns the rows written. */
  protected async writeOn(slot: WriteSlot<Appenders>, batches: readonly SpanBatch[]): Promise<number> {
    const conn = slot.conn;
    const byDay = new Map<number, Group[]>();
    for (const batch of batches) {
      for (const { day, rows } of splitByDayNs(batch.startNs, batch.length)) {
        let groups = byDay.get(day);
        if (!groups) byDay.set(day, (groups = []));
        groups.push({ batch, rows });
      }
    }
    let written = 0;
    for (const day of [...byDay.keys()].sort((a, b) => a - b)) {
      const groups = byDay.get(day)!;
      const part = (await this.parts.acquire(day, true))!;
      try {
        const tree = await this.index(slot, part);
        const known = await this.resources.forDay(conn, part);
        const fresh = collectOperations(tree, groups);
        // Marked now, so a write running concurrently does not add these rows too.
        for (let i = 0; i < fresh.count; i++) add(tree, fresh.tenant[i]!, fresh.service[i]!, fresh.name[i]!, Number(fresh.hour[i]!) * 8 + fresh.kind[i]!);
        const resolved = groups.map((g) => resolveResources(known, g.batch.tenant, g.batch.resourceAttributes, g.batch.length, g.rows));
        try {
          // A day file written before SPANS keeps its layout.
          const v1 = !currentLayout(part, 'spans');
          const insert = () =>
            (v1 ? this.spansV1 : this.spans).insert(
              this.stageDir,
              (sql) => conn.run(sql),
              part.alias,
              groups.map((g, k) => ({ data: (v1 ? spanColumnsV1 : spanColumns)(g.batch, resolved[k]!), length: g.batch.length, rows: g.rows })),
            );
          // Nothing but the spans (the steady state): one statement is its own transaction.
          if (fresh.count === 0 && !hasFreshResources(resolved)) await insert();
          else {
            await inTransaction(conn, async () => {
              await insert();
              if (fresh.count > 0) {
                await withAppender(conn, part.alias, OPERATIONS.name, (ap) =>
                  slot.state.operations.append(ap, [fresh.tenant, fresh.service, fresh.name, fresh.kind, fresh.hour], fresh.count, null),
                );
              }
              await appendFreshResources(conn, part.alias, slot.state.resources, resolved);
            });
          }
          markCommitted(resolved);
        } catch (err) {
          // The operations marked above were not written: reload the day's index from what was.
          // (Resources stay pending: the next write that brings them stores them.)
          if (this.indexed.get(part.day) === tree) this.forgetOperations(part.day);
          throw err;
        }
      } finally {
        this.parts.release(part);
      }
      for (const g of groups) written += g.rows ? g.rows.length : g.batch.length;
    }
    return written;
  }

  private index(slot: WriteSlot<Appenders>, part: Partition): Promise<OpsTree> {
    const tree = this.indexed.get(part.day);
    if (tree) return Promise.resolve(tree);
    // One load per day, shared by concurrent writes.
    let load = this.indexLoads.get(part.day);
    if (!load) {
      load = this.loadIndex(slot, part).finally(() => {
        if (this.indexLoads.get(part.day) === load) this.indexLoads.delete(part.day);
      });
      this.indexLoads.set(part.day, load);
    }
    return load;
  }

  private async loadIndex(slot: WriteSlot<Appenders>, part: Partition): Promise<OpsTree> {
    const tree: OpsTree = new Map();
    const r = await slot.conn.runAndReadAll(`SELECT DISTINCT tenant, service_name, name, kind, hour FROM "${part.alias}".main.operations`);
    for (const [tenant, svc, name, kind, hour] of r.getRows() as [string, string, string, number, bigint][]) add(tree, tenant, svc, name, Number(hour) * 8 + kind);
    this.indexed.set(part.day, tree);
    return tree;
  }
}

interface FreshOperations {
  count: number;
  tenant: string[];
  service: string[];
  name: string[];
  kind: Uint8Array;
  hour: BigInt64Array;
}

/** Operations of these rows that the index does not know yet; consecutive repeats cost one comparison. */
function collectOperations(tree: OpsTree, groups: readonly Group[]): FreshOperations {
  const staged: OpsTree = new Map();
  const tenant: string[] = [];
  const service: string[] = [];
  const name: string[] = [];
  const kinds: number[] = [];
  const hours: number[] = [];
  for (const { batch, rows } of groups) {
    const n = rows ? rows.length : batch.length;
    let prevSvc: string | undefined;
    let prevName: string | undefined;
    let prevKey = -1;
    for (let k = 0; k < n; k++) {
      const i = rows ? rows[k]! : k;
      const svc = batch.serviceName[i] ?? '';
      const op = batch.name[i] ?? '';
      // Number() keeps ~256 ns of precision at today's epoch, plenty for an hour bucket.
      const key = Math.floor(Number(batch.startNs[i]!) / HOUR_NS) * 8 + (batch.spanKind[i]! & 7);
      if (key === prevKey && svc === prevSvc && op === prevName) continue;
      prevSvc = svc;
      prevName = op;
      prevKey = key;
      if (has(tree, batch.tenant, svc, op, key) || has(staged, batch.tenant, svc, op, key)) continue;
      add(staged, batch.tenant, svc, op, key);
      tenant.push(batch.tenant);
      service.push(svc);
      name.push(op);
      kinds.push(key & 7);
      hours.push(Math.floor(key / 8));
    }
  }
  const hour = new BigInt64Array(hours.length);
  for (let i = 0; i < hours.length; i++) hour[i] = BigInt(hours[i]!);
  return { count: tenant.length, tenant, service, name, kind: Uint8Array.from(kinds), hour };
}
