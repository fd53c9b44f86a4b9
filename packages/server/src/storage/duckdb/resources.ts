// Resource attribute sets stored once per day partition (table `resources`), referenced from
// spans and log records by resource_id: a content hash of the resource's JSON text, so every
// write connection, and the server after a restart, gives the same resource the same id
// without asking the others.
//
// The index of a day's resources is shared by the write connections of a signal. A resource is
// pending from the write that first brings it until that write commits, and every write that
// brings a pending resource stores it too: a write never relies on another one's uncommitted
// row, which a failure could take away (two copies of a row are harmless, readers fold them).
// A failed write leaves its resources pending, so the next write that brings them stores them.
// A resource whose id is taken by another text (a 48-bit hash collision) or that comes after
// the day's bound stays on its rows (resource_id 0), so no row ever points at a resource that
// is not its own. Readers look resources up with withResourceText() and filter on them with
// resourcesMatching(), below.
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ReaderPool } from './reader-pool.js';
import { Params, jsonPointer } from './sql.js';
import type { Partition } from './partitions.js';
import { doublesToInt64, type ChunkAppender } from './chunk-appender.js';
import { RESOURCES } from './schema.js';
import { withAppender } from './transaction.js';

/** Distinct resources indexed per day partition (all tenants); later ones stay on their rows. */
export const MAX_RESOURCES_PER_DAY = 10_000;

interface Entry {
  readonly id: number;
  /** Stored by a committed write; until then every write that brings it stores it too. */
  committed: boolean;
}

interface TenantResources {
  byText: Map<string, Entry>;
  byId: Map<number, string>;
}

export interface DayResources {
  tenants: Map<string, TenantResources>;
  count: number;
}

/** What one group of rows stores: ids and inline texts per row, plus resources new to the day. */
export interface ResolvedResources {
  /** Per row of the batch (only the group's rows are set): the resource id, 0 for inline. */
  ids: Float64Array;
  /** Per row of the batch: '' for a referenced resource, the JSON text for an inline one. */
  inline: string[];
  /** Resources this write stores (new to the day, or not yet committed by another write). */
  fresh: { tenant: string[]; id: number[]; text: string[] };
  /** Their index entries, for markCommitted() once the write committed. */
  entries: Entry[];
}

/** 48 bits of SHA-256 of the text (never 0, which means "inline"). */
export function resourceId(text: string): number {
  return createHash('sha256').update(text).digest().readUIntLE(0, 6) || 1;
}

export class ResourceIndex {
  private readonly days = new Map<number, Promise<DayResources>>();

  /** The day's index, loaded from the partition once and shared by concurrent writes. */
  forDay(conn: DuckDBConnection, part: Partition): Promise<DayResources> {
    let load = this.days.get(part.day);
    if (!load) {
      load = loadDay(conn, part);
      this.days.set(part.day, load);
      // A failed load is dropped, so the next write tries again.
      load.catch(() => {
        if (this.days.get(part.day) === load) this.days.delete(part.day);
      });
    }
    return load;
  }

  forgetDay(day: number): void {
    this.days.delete(day);
  }
}

async function loadDay(conn: DuckDBConnection, part: Partition): Promise<DayResources> {
  const day: DayResources = { tenants: new Map(), count: 0 };
  const r = await conn.runAndReadAll(`SELECT tenant, resource_id, any_value(attributes) FROM "${part.alias}".main.${RESOURCES.name} GROUP BY ALL`);
  for (const [tenant, id, text] of r.getRows() as [string, bigint, string][]) {
    const t = tenantOf(day, tenant);
    t.byText.set(text, { id: Number(id), committed: true });
    t.byId.set(Number(id), text);
    day.count++;
  }
  return day;
}

function tenantOf(day: DayResources, tenant: string): TenantResources {
  let t = day.tenants.get(tenant);
  if (!t) day.tenants.set(tenant, (t = { byText: new Map(), byId: new Map() }));
  return t;
}

/**
 * Resolves the resources of rows `rows` (or all `length` rows) of one batch against the day's
 * index; a resource new to the day enters it as pending at once. Consecutive rows of one
 * resource cost one string comparison (usually of the same object).
 */
export function resolveResources(day: DayResources, tenant: string, texts: readonly string[], length: number, rows: Uint32Array | null): ResolvedResources {
  const ids = new Float64Array(length);
  const inline = new Array<string>(length).fill('');
  const out: Resolving = { fresh: { tenant: [], id: [], text: [] }, entries: [], mine: new Set() };
  const t = tenantOf(day, tenant);
  const n = rows ? rows.length : length;
  let prevText: string | undefined;
  let prevId = 0;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    const text = texts[i] ?? '';
    if (text !== prevText) {
      prevText = text;
      prevId = idFor(day, t, tenant, text, out);
    }
    ids[i] = prevId;
    if (prevId === 0) inline[i] = text;
  }
  return { ids, inline, fresh: out.fresh, entries: out.entries };
}

/** The new resources of one resolveResources() call, and (to look them up fast) their entries. */
interface Resolving extends Pick<ResolvedResources, 'fresh' | 'entries'> {
  mine: Set<Entry>;
}

function idFor(day: DayResources, t: TenantResources, tenant: string, text: string, out: Resolving): number {
  // An empty resource costs nothing inline.
  if (text === '' || text === '{}') return 0;
  let entry = t.byText.get(text);
  if (entry === undefined) {
    if (day.count >= MAX_RESOURCES_PER_DAY) return 0;
    const id = resourceId(text);
    if (t.byId.has(id)) return 0; // another text has this id: keep this one inline
    entry = { id, committed: false };
    t.byText.set(text, entry);
    t.byId.set(id, text);
    day.count++;
  } else if (entry.committed || out.mine.has(entry)) {
    return entry.id;
  }
  out.fresh.tenant.push(tenant);
  out.fresh.id.push(entry.id);
  out.fresh.text.push(text);
  out.entries.push(entry);
  out.mine.add(entry);
  return entry.id;
}

/** After the write that resolved `resolved` committed: its resources need not be stored again. */
export function markCommitted(resolved: readonly ResolvedResources[]): void {
  for (const r of resolved) for (const e of r.entries) e.committed = true;
}

/** Appends the resources new to the day in `resolved` to the open transaction's `resources`. */
/** Whether the write brings resources to store (appendFreshResources would append rows). */
export function hasFreshResources(resolved: readonly ResolvedResources[]): boolean {
  return resolved.some((r) => r.entries.length > 0);
}

export async function appendFreshResources(conn: DuckDBConnection, alias: string, appender: ChunkAppender, resolved: readonly ResolvedResources[]): Promise<void> {
  const seen = new Set<Entry>();
  const tenant: string[] = [];
  const ids: number[] = [];
  const text: string[] = [];
  for (const r of resolved) {
    r.entries.forEach((e, i) => {
      if (seen.has(e)) return; // brought by two batches of this write
      seen.add(e);
      tenant.push(r.fresh.tenant[i]!);
      ids.push(r.fresh.id[i]!);
      text.push(r.fresh.text[i]!);
    });
  }
  if (tenant.length === 0) return;
  await withAppender(conn, alias, RESOURCES.name, (ap) => appender.append(ap, [tenant, doublesToInt64(ids, ids.length), text], tenant.length, null));
}

/**
 * Rows read from partition `alias` whose last two columns are resource_attributes and
 * resource_id, with those two replaced by the row's resource as JSON text: inline, or read from
 * the partition's `resources` in one query for the ids the rows reference (cheaper than a join
 * in the row query: a trace by id took ~2.8 ms more that way).
 */
export async function withResourceText(pool: ReaderPool, alias: string, tenant: string, rows: unknown[][]): Promise<unknown[][]> {
  const ids = new Set<bigint>();
  for (const r of rows) {
    const id = r[r.length - 1] as bigint | null;
    if (id) ids.add(id);
  }
  const texts = new Map<bigint, string>();
  if (ids.size > 0) {
    const p = new Params();
    const sql = `SELECT resource_id, any_value(attributes) FROM "${alias}".main.${RESOURCES.name}
      WHERE tenant = ${p.varchar(tenant)} AND resource_id IN (${[...ids].map((id) => id.toString()).join(', ')}) GROUP BY resource_id`;
    for (const [id, text] of (await pool.query(sql, p)).getRows() as [bigint, string][]) texts.set(id, text);
  }
  return rows.map((r) => {
    const id = r[r.length - 1] as bigint | null;
    const text = id ? (texts.get(id) ?? '{}') : (r[r.length - 2] as string);
    return [...r.slice(0, -2), text];
  });
}

/** Per attribute filter, the ids of partition `alias`'s resources of `tenant` that match it. */
export async function resourcesMatching(pool: ReaderPool, alias: string, tenant: string, attrs: readonly [string, string][]): Promise<bigint[][]> {
  return Promise.all(
    attrs.map(async ([key, value]) => {
      const p = new Params();
      const sql = `SELECT DISTINCT resource_id FROM "${alias}".main.${RESOURCES.name}
        WHERE tenant = ${p.varchar(tenant)} AND json_extract_string(attributes, ${p.varchar(jsonPointer(key))}) = ${p.varchar(value)}`;
      return ((await pool.query(sql, p)).getRows() as [bigint][]).map((r) => r[0]);
    }),
  );
}
