// A few connections for queries, so reads run next to the writers (each query runs on the
// libuv thread pool while it waits on DuckDB) and one slow query does not queue the rest.
import type { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api';
import type { Params } from './sql.js';

export class ReaderPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiting: Array<(c: DuckDBConnection) => void> = [];
  private active = 0;
  private onIdle: (() => void) | undefined;

  constructor(connections: DuckDBConnection[]) {
    this.idle = [...connections];
  }

  async query(sql: string, params?: Params): Promise<DuckDBResultReader> {
    const conn = this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    this.active++;
    try {
      return await conn.runAndReadAll(sql, params?.values, params?.types);
    } finally {
      this.active--;
      const next = this.waiting.shift();
      if (next) next(conn);
      else this.idle.push(conn);
      if (this.active === 0) this.onIdle?.();
    }
  }

  /** Resolves when no query is running. */
  async drain(): Promise<void> {
    while (this.active > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    this.onIdle = undefined;
  }

  closeAll(): void {
    for (const c of this.idle) c.disconnectSync();
    this.idle.length = 0;
  }
}
