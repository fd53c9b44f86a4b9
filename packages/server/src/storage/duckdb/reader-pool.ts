// A few connections for queries, so reads run next to the writers (each query runs on the
// libuv thread pool while it waits on DuckDB) and one slow query does not queue the rest.
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResultReader } from '@duckdb/node-api';
import type { Params } from './sql.js';

export class ReaderPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiting: Array<(c: DuckDBConnection) => void> = [];
  private active = 0;
  private onIdle: (() => void) | undefined;

  constructor(connections: DuckDBConnection[]) {
    this.idle = [...connections];
  }

  query(sql: string, params?: Params): Promise<DuckDBResultReader> {
    return this.withConnection((conn) => conn.runAndReadAll(sql, params?.values, params?.types));
  }

  /**
   * Runs a query and hands each result chunk to `visit`, so large results are read column
   * vector by column vector instead of converted into arrays of JS values first.
   */
  queryChunks(sql: string, params: Params | undefined, visit: (chunk: DuckDBDataChunk) => void): Promise<void> {
    return this.withConnection(async (conn) => {
      const result = await conn.run(sql, params?.values, params?.types);
      for (let i = 0; i < result.chunkCount; i++) visit(result.getChunk(i));
    });
  }

  private async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    this.active++;
    try {
      return await fn(conn);
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
