// Day partitions: one DuckDB file per signal per UTC day (dataDir/<signal>/YYYY-MM-DD.duckdb),
// attached to the one instance on first use. Retention drops a day by detaching it and
// deleting its files, which gives the space back at once; no row is deleted one by one.
//
// A partition in use (a write or a query holds it) is never detached: drop() marks it so new
// users wait, lets current users finish, then detaches. Writes for a day that is being dropped
// wait and then create the day afresh (late data), reads skip it.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quotedString } from '@duckdb/node-api';
import { SightlineError } from '../../errors.js';
import { PARTITION_MIGRATIONS, PARTITION_TABLES, STORAGE_VERSION, createTableSql, type PartitionKind } from './schema.js';
import type { SerialQueue } from './serial-queue.js';
import { dayName, parseDayName } from './time.js';

export interface Partition {
  readonly kind: PartitionKind;
  readonly day: number;
  /** SQL identifier of the attached database (generated, never user text). */
  readonly alias: string;
  readonly path: string;
  /**
   * The columns of each table of the day file, as attached: a day written by an earlier
   * version may have another layout (schema.ts, SPANS_V1), which writers and readers follow.
   */
  readonly columns: ReadonlyMap<string, ReadonlySet<string>>;
}

interface PartitionState extends Partition {
  columns: Map<string, Set<string>>;
  users: number;
  attached?: Promise<void>;
  dropping?: Promise<void>;
  /** A compaction holds the day alone: new users wait for it. */
  compacting?: Promise<boolean>;
  onIdle?: () => void;
}

const FILE = /^(\d{4}-\d{2}-\d{2})\.duckdb$/;

export class PartitionSet {
  private readonly parts = new Map<number, PartitionState>();
  readonly dir: string;

  constructor(
    readonly kind: PartitionKind,
    dataDir: string,
    private readonly admin: DuckDBConnection,
    private readonly adminQueue: SerialQueue,
    /** Called when a day is gone, before a late write can create it again. */
    private readonly onDropped: (day: number) => void = () => undefined,
    /** Called when a day's file was rewritten (compaction), before anyone reads it again. */
    private readonly onRewritten: (day: number) => void = () => undefined,
    /** Brings a day file of an earlier version up to date, after PARTITION_MIGRATIONS, before any use. */
    private readonly migrate?: (admin: DuckDBConnection, alias: string) => Promise<void>,
  ) {
    this.dir = join(dataDir, kind);
    mkdirSync(this.dir, { recursive: true });
    for (const f of readdirSync(this.dir)) {
      const m = FILE.exec(f);
      const day = m ? parseDayName(m[1]!) : undefined;
      if (day !== undefined) this.parts.set(day, this.state(day));
    }
  }

  private state(day: number): PartitionState {
    const name = dayName(day);
    return { kind: this.kind, day, alias: `${this.kind}_${name.replaceAll('-', '_')}`, path: join(this.dir, `${name}.duckdb`), users: 0, columns: new Map() };
  }

  /** Days with a partition, oldest first. */
  days(): number[] {
    return [...this.parts.keys()].sort((a, b) => a - b);
  }

  daysIn(from: number, to: number): number[] {
    return this.days().filter((d) => d >= from && d <= to);
  }

  /**
   * Holds the day's partition (attaching it if needed) until release(). With create=false a
   * missing or expiring day gives undefined.
   */
  async acquire(day: number, create: boolean): Promise<Partition | undefined> {
    for (;;) {
      let p = this.parts.get(day);
      if (p?.compacting) {
        await p.compacting;
        continue;
      }
      if (p?.dropping) {
        if (!create) return undefined;
        await p.dropping;
        continue;
      }
      if (!p) {
        if (!create) return undefined;
        p = this.state(day);
        this.parts.set(day, p);
      }
      p.users++;
      try {
        await (p.attached ??= this.attach(p));
      } catch (err) {
        p.attached = undefined;
        this.release(p);
        throw err;
      }
      return p;
    }
  }

  release(part: Partition): void {
    const p = this.parts.get(part.day);
    if (p !== part) return;
    p.users--;
    if (p.users === 0) p.onIdle?.();
  }

  private attach(p: PartitionState): Promise<void> {
    return this.adminQueue.run(async () => {
      try {
        await this.admin.run(`ATTACH IF NOT EXISTS ${quotedString(p.path)} AS "${p.alias}" (STORAGE_VERSION '${STORAGE_VERSION}')`);
        for (const spec of PARTITION_TABLES[this.kind]) await this.admin.run(createTableSql(p.alias, spec));
        for (const migrate of PARTITION_MIGRATIONS[this.kind]) await this.admin.run(migrate(p.alias));
        await this.migrate?.(this.admin, p.alias);
        const cols = await this.admin.runAndReadAll(
          `SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ${quotedString(p.alias)} AND schema_name = 'main'`,
        );
        p.columns = new Map();
        for (const [table, column] of cols.getRows() as [string, string][]) {
          let set = p.columns.get(table);
          if (!set) p.columns.set(table, (set = new Set()));
          set.add(column);
        }
      } catch (err) {
        // DuckDB's messages (a corrupt block, a failed log replay) do not say which file.
        const message = err instanceof Error ? err.message : String(err);
        throw Object.assign(new SightlineError('SL_ERR_STORAGE_FAILED', `cannot open the ${this.kind} day file ${p.path}: ${message}`), { cause: err });
      }
    });
  }

  /**
   * Rewrites the day's file when more than `minFreeRatio` of it is free blocks (DuckDB reuses
   * the blocks of deleted rows for later writes but never shrinks the file; sealing a day
   * deletes ~80% of it). The day is held alone meanwhile: its queries and writes wait. The copy
   * is written beside the file and renamed over it once complete, so a crash leaves either file
   * whole (a leftover copy is removed by the next compaction). Returns whether it rewrote.
   */
  compact(day: number, minFreeRatio: number): Promise<boolean> {
    const p = this.parts.get(day);
    if (!p || p.dropping || p.compacting) return Promise.resolve(false);
    const run = (async () => {
      if (p.users > 0) await new Promise<void>((resolve) => (p.onIdle = resolve));
      p.onIdle = undefined;
      if (!p.attached) return false;
      await p.attached;
      return this.adminQueue.run(async () => {
        const alias = `"${p.alias}"`;
        // Folds the deletes in, so freed blocks show as free.
        try {
          await this.admin.run(`CHECKPOINT ${alias}`);
        } catch {
          return false;
        }
        const size = (await this.admin.runAndReadAll(`SELECT total_blocks::DOUBLE, free_blocks::DOUBLE FROM pragma_database_size() WHERE database_name = ${quotedString(p.alias)}`)).getRows()[0] as [number, number] | undefined;
        if (!size || !(size[1] > size[0] * minFreeRatio)) return false;
        const tmp = `${p.path}.compact`;
        rmSync(tmp, { force: true });
        rmSync(`${tmp}.wal`, { force: true });
        const copy = `"${p.alias}_compact"`;
        // The rewritten file is a new file: same storage format as every new day file.
        await this.admin.run(`ATTACH ${quotedString(tmp)} AS ${copy} (STORAGE_VERSION '${STORAGE_VERSION}')`);
        try {
          await this.admin.run(`COPY FROM DATABASE ${alias} TO ${copy}`);
        } finally {
          await this.admin.run(`DETACH DATABASE ${copy}`);
        }
        await this.admin.run(`DETACH DATABASE ${alias}`);
        p.attached = undefined;
        // The old file's write-ahead log goes before the copy takes the file's name: a crash
        // between the two must not leave the new file beside a log written for the old one
        // (replayed into it at the next attach). Nothing is in that log: the day was
        // checkpointed above and held alone since.
        if (existsSync(`${p.path}.wal`)) rmSync(`${p.path}.wal`);
        renameSync(tmp, p.path);
        this.onRewritten(day);
        return true;
      });
    })();
    p.compacting = run.finally(() => {
      p.compacting = undefined;
    });
    return p.compacting;
  }

  /** Detaches the day and deletes its files; resolves when the space is given back. */
  drop(day: number): Promise<void> {
    const p = this.parts.get(day);
    if (!p) return Promise.resolve();
    return (p.dropping ??= (async () => {
      await p.compacting?.catch(() => false);
      if (p.users > 0) await new Promise<void>((resolve) => (p.onIdle = resolve));
      if (p.attached) {
        await p.attached.catch(() => undefined);
        await this.adminQueue.run(() => this.admin.run(`DETACH DATABASE IF EXISTS "${p.alias}"`));
      }
      this.removeFiles(p);
      this.onDropped(day);
      this.parts.delete(day);
    })());
  }

  /** The partition file plus DuckDB's companions (write-ahead log, checkpoint leftovers). */
  private removeFiles(p: PartitionState): void {
    const base = `${dayName(p.day)}.duckdb`;
    for (const f of readdirSync(this.dir)) {
      if (f === base || f.startsWith(base + '.')) rmSync(join(this.dir, f), { force: true });
    }
  }

  /** Attached partitions, for checkpoint on close. */
  attachedAliases(): string[] {
    return [...this.parts.values()].filter((p) => p.attached && !p.dropping).map((p) => p.alias);
  }
}
