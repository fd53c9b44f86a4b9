// Tenant ids of the `samples` table. A sample row names its tenant by a small integer instead
// of the tenant's name: a VARCHAR column, even one holding the same 'default' on every row,
// costs DuckDB a string append, string statistics and a string in the write-ahead log per row,
// about 40% of a sample's insert (docs/storage.md, "Sample rows carry a tenant id"). The other
// metrics tables keep the name: they are written a row per series or per block, not per sample.
//
// Ids are dense from 0 ('default') and never reused; the catalog's `tenants` table keeps them
// across restarts. Every registration goes through one queue, so two writers can never give
// one id to two tenants. Day files written before the ids existed are migrated when attached
// (migrateSamplesTenant).
import { quotedString, type DuckDBConnection } from '@duckdb/node-api';
import { SightlineError } from '../../errors.js';
import { CATALOG_ALIAS } from './schema.js';
import { SerialQueue } from './serial-queue.js';

const TABLE = `"${CATALOG_ALIAS}".main.tenants`;
/** Ids are UINTEGER in the tables. */
const MAX_ID = 0xffff_ffff;

export class TenantIds {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly queue = new SerialQueue();

  /** The ids registered so far (the catalog's `tenants` table, created by CATALOG_DDL). */
  static async load(conn: DuckDBConnection): Promise<TenantIds> {
    const t = new TenantIds();
    for (const [name, id] of (await conn.runAndReadAll(`SELECT tenant, id::DOUBLE FROM ${TABLE} ORDER BY id`)).getRows() as [string, number][]) t.remember(name, id);
    return t;
  }

  private remember(name: string, id: number): void {
    this.ids.set(name, id);
    this.names[id] = name;
  }

  idOf(tenant: string): number | undefined {
    return this.ids.get(tenant);
  }

  nameOf(id: number): string {
    const name = this.names[id];
    if (name === undefined) throw new SightlineError('SL_ERR_STORAGE_FAILED', `the samples table holds tenant id ${id}, which the catalog does not know`);
    return name;
  }

  /**
   * Gives each tenant without an id the next one, committed to the catalog before it is used.
   * `conn` must not be inside a transaction on another database.
   */
  ensure(conn: DuckDBConnection, tenants: Iterable<string>): Promise<void> {
    const wanted = [...new Set(tenants)];
    return this.queue.run(async () => {
      for (const name of wanted) {
        if (this.ids.has(name)) continue;
        const id = this.names.length;
        if (id > MAX_ID) throw new SightlineError('SL_ERR_STORAGE_FAILED', `no tenant id left for tenant ${JSON.stringify(name)}`);
        await conn.run(`INSERT INTO ${TABLE} VALUES (${quotedString(name)}, ${id})`);
        this.remember(name, id);
      }
    });
  }

  /**
   * SQL for the tenant name of the id in column `col` (a literal list indexed by the id). Tenant
   * names are quoted by DuckDB's own quoting, as everywhere a name is pasted into SQL.
   */
  nameSql(col: string): string {
    const list = Array.from({ length: this.names.length }, (_, i) => (this.names[i] === undefined ? 'NULL' : quotedString(this.names[i]!)));
    return `([${list.join(', ')}]::VARCHAR[])[${col} + 1]`;
  }
}

/**
 * The raw samples of an attached metrics day file with the tenant's name as column `tenant`,
 * for the statements that group or join by tenant name (rollups).
 */
export function samplesWithTenant(tenants: TenantIds, alias: string): string {
  return `(SELECT ${tenants.nameSql('tenant_id')} AS tenant, fingerprint, t_ms, value FROM "${alias}".main.samples)`;
}

/**
 * A metrics day file written before tenant ids has `samples.tenant VARCHAR`: it gets
 * `tenant_id`, set from the names, and loses `tenant`. Each step is its own statement (DuckDB
 * refuses ALTER and UPDATE of one table in one transaction) and safe to repeat, so a crash
 * half-way is finished by the next attach. Runs while the day is attached, before any use.
 */
export async function migrateSamplesTenant(admin: DuckDBConnection, alias: string, tenants: TenantIds): Promise<void> {
  const table = `"${alias}".main.samples`;
  const cols = new Set(
    (await admin.runAndReadAll(`SELECT column_name FROM duckdb_columns() WHERE database_name = ${quotedString(alias)} AND table_name = 'samples'`)).getRows().map((r) => r[0] as string),
  );
  if (!cols.has('tenant')) return;
  if (!cols.has('tenant_id')) await admin.run(`ALTER TABLE ${table} ADD COLUMN tenant_id UINTEGER DEFAULT 0`);
  const others = (await admin.runAndReadAll(`SELECT DISTINCT tenant FROM ${table} WHERE tenant <> 'default'`)).getRows().map((r) => r[0] as string);
  await tenants.ensure(admin, others);
  for (const name of others) await admin.run(`UPDATE ${table} SET tenant_id = ${tenants.idOf(name)!} WHERE tenant = ${quotedString(name)}`);
  await admin.run(`ALTER TABLE ${table} DROP COLUMN tenant`);
}
