import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLogger, MemoryDestination, observeQueries, parseSql, sanitiseSql, traced } from '../src/index.js';
import { installTestTelemetry, pointsWith, type TestTelemetry } from './helpers/telemetry.js';

let tel: TestTelemetry;
const logs = new MemoryDestination();
beforeAll(() => {
  tel = installTestTelemetry();
  configureLogger({ destination: logs, otlp: false });
});
beforeEach(() => {
  tel.reset();
  logs.clear();
});

// A pg-style client: same call shapes as pg (text or config, values, optional callback).
class PgStyleClient {
  delayMs = 0;
  calls: unknown[][] = [];
  query(...args: any[]): any {
    this.calls.push(args);
    const text: string = typeof args[0] === 'string' ? args[0] : args[0].text;
    const cb = typeof args.at(-1) === 'function' ? args.at(-1) : undefined;
    const run = new Promise<{ rowCount: number; rows: unknown[] }>((resolve, reject) =>
      setTimeout(() => (text.includes('broken') ? reject(Object.assign(new Error('syntax error'), { code: '42601' })) : resolve({ rowCount: 2, rows: [{}, {}] })), this.delayMs),
    );
    if (cb) {
      run.then((r) => cb(null, r), (e) => cb(e));
      return undefined;
    }
    return run;
  }
}

describe('sanitiseSql / parseSql', () => {
  it.each([
    ["SELECT * FROM users WHERE email = 'a@b.c' AND age > 30", 'SELECT * FROM users WHERE email = ? AND age > ?'],
    ['select id from t where id in (1, 2, 3) -- note', 'select id from t where id IN (?)'],
    ["insert into orders(id, note) values ($1, 'it''s')", 'insert into orders(id, note) values ($1, ?)'],
    ['UPDATE  stock\n SET qty = qty - 1.5 WHERE sku = $2', 'UPDATE stock SET qty = qty - ? WHERE sku = $2'],
    ['select col1, t2.x from t2', 'select col1, t2.x from t2'],
  ])('%s', (sql, expected) => expect(sanitiseSql(sql)).toBe(expected));

  it.each([
    ['SELECT * FROM public.orders o JOIN x ON 1=1', 'SELECT', 'public.orders'],
    ['insert into "stock" values (1)', 'INSERT', 'stock'],
    ['update inventory set q=1', 'UPDATE', 'inventory'],
    ['delete from carts where id=1', 'DELETE', 'carts'],
    ['/* hint */ BEGIN', 'BEGIN', undefined],
  ])('%s', (sql, op, table) => expect(parseSql(sql)).toEqual({ operation: op, table }));
});

describe('observeQueries', () => {
  it('creates a db span with sanitised statement and records duration by operation and table', async () => {
    const client = observeQueries(new PgStyleClient(), { database: 'shop', serverAddress: 'db', serverPort: 5432 });
    const res = await traced('handler', () => client.query("select * from orders where customer = 'bob@x.io'"));
    expect(res.rowCount).toBe(2);
    const span = tel.spans.getFinishedSpans().find((s) => s.name === 'SELECT orders')!;
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'db.collection.name': 'orders', 'db.namespace': 'shop',
      'db.query.text': 'select * from orders where customer = ?', 'server.address': 'db', 'server.port': 5432, 'db.response.returned_rows': 2,
    });
    const handler = tel.spans.getFinishedSpans().find((s) => s.name === 'handler')!;
    expect(span.parentSpanContext?.spanId).toBe(handler.spanContext().spanId);
    const h = pointsWith(await tel.metric('db.client.operation.duration'), { 'db.operation.name': 'SELECT', 'db.collection.name': 'orders' });
    expect((h[0]!.value as any).count).toBe(1);
  });

  it('records errors, supports callbacks and query configs, and logs slow queries', async () => {
    const raw = new PgStyleClient();
    const client = observeQueries(raw, { slowQueryMs: 20 });
    await expect(client.query({ text: 'select broken from t' })).rejects.toThrow('syntax error');
    const err = tel.spans.getFinishedSpans()[0]!;
    expect(err.status.code).toBe(SpanStatusCode.ERROR);
    expect(err.attributes['error.type']).toBe('42601');

    const viaCallback = await new Promise((resolve) => client.query('insert into t values ($1)', [1], (_e: unknown, r: unknown) => resolve(r)));
    expect((viaCallback as { rowCount: number }).rowCount).toBe(2);
    expect(tel.spans.getFinishedSpans()[1]!.name).toBe('INSERT t');

    raw.delayMs = 40;
    await client.query('update stock set qty = 0 where sku = $1', ['A']);
    const slow = logs.records().find((r) => r.msg === 'slow query')!;
    expect(slow).toMatchObject({ level: 'warn', 'db.operation.name': 'UPDATE', 'db.collection.name': 'stock', threshold_ms: 20 });
    expect(slow.duration_ms as number).toBeGreaterThanOrEqual(20);
    expect(slow.trace_id).toBe(tel.spans.getFinishedSpans()[2]!.spanContext().traceId);
    expect(observeQueries(client)).toBe(client); // idempotent
  });
});
