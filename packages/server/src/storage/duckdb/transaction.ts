// Transactions and appenders on a writer connection, with cleanup that cannot leak rows: an
// appender that is dropped without clear() would flush its buffer into whatever transaction
// the connection runs next.
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';

export async function inTransaction<T>(conn: DuckDBConnection, body: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const result = await body();
    await conn.run('COMMIT');
    return result;
  } catch (err) {
    // After a failed COMMIT DuckDB has already rolled back; this ROLLBACK then fails harmlessly.
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export async function withAppender(conn: DuckDBConnection, alias: string, table: string, body: (appender: DuckDBAppender) => Promise<void> | void): Promise<void> {
  const appender = await conn.createAppender(table, 'main', alias);
  try {
    await body(appender);
    appender.closeSync();
  } catch (err) {
    try {
      appender.clear();
    } catch {
      // already unusable: nothing buffered survives either way
    }
    try {
      appender.closeSync();
    } catch {
      // closing a failed appender may fail again; the error that matters is rethrown below
    }
    throw err;
  }
}
