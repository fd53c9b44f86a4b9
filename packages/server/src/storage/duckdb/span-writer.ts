// Spans into the day partitions of their start time, plus the per-hour operations index.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SpanBatch } from '../batches.js';
import { ChunkAppender, type ColumnData } from './chunk-appender.js';
import type { Partition, PartitionSet } from './partitions.js';
import { OPERATIONS, SPANS } from './schema.js';
import { splitByDayNs } from './time.js';
import { inTransaction, withAppender } from './transaction.js';

const HOUR_NS = 3.6e12;

function spanColumns(b: SpanBatch): ColumnData[] {
  return [
    b.tenant, b.traceId, b.spanId, b.parentSpanId, b.traceState,
    b.flags, b.name, b.spanKind, b.startNs, b.endNs, b.durationNs,
    b.statusCode, b.statusMessage, b.attributes, b.events, b.links,
    b.droppedAttributesCount, b.droppedEventsCount, b.droppedLinksCount,
    b.serviceName, b.httpRoute, b.httpStatusCode, b.dbSystem,
    b.scopeName, b.scopeVersion, b.resourceAttributes,
  ];
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

export class SpanWriter {
  private readonly spans = new ChunkAppender(SPANS);
  private readonly operations = new ChunkAppender(OPERATIONS);
  /** Operations already indexed, per partition day (loaded from the partition on first write). */
  private readonly indexed = new Map<number, OpsTree>();

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly parts: PartitionSet,
  ) {}

  forgetDay(day: number): void {
    this.indexed.delete(day);
  }

  /** Commits one transaction per day touched; returns the rows written. */
  async write(batches: readonly SpanBatch[]): Promise<number> {
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
        const tree = await this.index(part);
        const fresh = collectOperations(tree, groups);
        await inTransaction(this.conn, async () => {
          await withAppender(this.conn, part.alias, SPANS.name, async (ap) => {
            for (const g of groups) await this.spans.append(ap, spanColumns(g.batch), g.batch.length, g.rows);
          });
          if (fresh.count > 0) {
            await withAppender(this.conn, part.alias, OPERATIONS.name, (ap) =>
              this.operations.append(ap, [fresh.tenant, fresh.service, fresh.name, fresh.kind, fresh.hour], fresh.count, null),
            );
          }
        });
        for (let i = 0; i < fresh.count; i++) add(tree, fresh.tenant[i]!, fresh.service[i]!, fresh.name[i]!, Number(fresh.hour[i]!) * 8 + fresh.kind[i]!);
      } finally {
        this.parts.release(part);
      }
      for (const g of groups) written += g.rows ? g.rows.length : g.batch.length;
    }
    return written;
  }

  private async index(part: Partition): Promise<OpsTree> {
    let tree = this.indexed.get(part.day);
    if (tree) return tree;
    tree = new Map();
    const r = await this.conn.runAndReadAll(`SELECT DISTINCT tenant, service_name, name, kind, hour FROM "${part.alias}".main.operations`);
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
