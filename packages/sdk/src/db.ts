import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode, context, trace, type Attributes } from '@opentelemetry/api';
import { logger as sharedLogger, type Logger } from './logger.js';
import { lazyInstruments } from './metrics/meter.js';
import { CardinalityGuard } from './metrics/cardinality-guard.js';
import { getTracer } from './tracing.js';

/** Options of {@link observeQueries}. */
export interface ObserveQueriesOptions {
  /** `db.system.name` (default `postgresql`). */
  system?: string;
  /** `db.namespace`: the database name. */
  database?: string;
  serverAddress?: string;
  serverPort?: number;
  /** Queries slower than this are logged at warn (default 500 ms). */
  slowQueryMs?: number;
  logger?: Logger;
}

/** Anything with a pg-style `query(text | {text}, values?, callback?)` method (pg Client, Pool, PoolClient). */
export interface QueryableClient {
  query: (...args: any[]) => any;
}

const instruments = lazyInstruments((meter) => ({
  duration: meter.createHistogram('db.client.operation.duration', {
    description: 'Duration of database client operations.',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] },
  }),
}));
const guard = new CardinalityGuard('db.client.operation.duration', 500);

/**
 * Replaces literals in SQL with `?` so statements can be grouped and carry no personal data:
 * strings, numbers, and `IN (...)` lists (collapsed to one `?`). Comments are removed.
 */
export function sanitiseSql(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\$[\s\S]*?\$\$/g, '?')
    .replace(/(?<![\w$.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?')
    .replace(/\bIN\s*\(\s*(?:\?|\$\d+)(?:\s*,\s*(?:\?|\$\d+))*\s*\)/gi, 'IN (?)')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Operation (first keyword) and main table of a statement, for span names and metric labels. */
export function parseSql(sql: string): { operation: string; table?: string } {
  const s = sql.replace(/^\s*(?:--[^\n]*\n|\/\*[\s\S]*?\*\/|\s)*/, '');
  const operation = (/^(\w+)/.exec(s)?.[1] ?? 'QUERY').toUpperCase();
  let m: RegExpExecArray | null = null;
  if (operation === 'SELECT' || operation === 'DELETE') m = /\bFROM\s+("?[\w.]+"?)/i.exec(s);
  else if (operation === 'INSERT') m = /\bINTO\s+("?[\w.]+"?)/i.exec(s);
  else if (operation === 'UPDATE') m = /^UPDATE\s+(?:ONLY\s+)?("?[\w.]+"?)/i.exec(s);
  else if (operation === 'WITH') m = /\bFROM\s+("?[\w.]+"?)/i.exec(s);
  const table = m?.[1]?.replace(/"/g, '');
  return { operation, table };
}

/**
 * Instruments a pg-style client in place and returns it: each query gets a CLIENT span named
 * `<operation> <table>` with the `db.*` semantic-convention attributes (the statement sanitised),
 * a `db.client.operation.duration` measurement by operation and table, and a warn log line when
 * slower than `slowQueryMs`. Works for promise and callback calls.
 *
 * If you enable the pg auto-instrumentation too, you get two spans per query; pick one.
 *
 * @example
 * ```ts
 * const pool = observeQueries(new pg.Pool(), { database: 'shop', slowQueryMs: 200 });
 * await pool.query('select * from orders where id = $1', [id]);
 * ```
 */
export function observeQueries<C extends QueryableClient>(client: C, options: ObserveQueriesOptions = {}): C {
  const original = client.query.bind(client);
  const system = options.system ?? 'postgresql';
  const slowMs = options.slowQueryMs ?? 500;
  const log = options.logger ?? sharedLogger;
  if ((client as unknown as Record<symbol, boolean>)[OBSERVED]) return client;

  const observed = function (this: unknown, ...args: any[]): any {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const { operation, table } = parseSql(text);
    const statement = sanitiseSql(text);
    const attributes: Attributes = {
      'db.system.name': system,
      'db.operation.name': operation,
      'db.query.text': statement,
    };
    if (table) attributes['db.collection.name'] = table;
    if (options.database) attributes['db.namespace'] = options.database;
    if (options.serverAddress) attributes['server.address'] = options.serverAddress;
    if (options.serverPort) attributes['server.port'] = options.serverPort;
    const span = getTracer().startSpan(table ? `${operation} ${table}` : operation, { kind: SpanKind.CLIENT, attributes });
    const ctx = trace.setSpan(context.active(), span);
    const started = performance.now();

    const finish = (err: unknown, result?: { rowCount?: number | null }): void => {
      const ms = performance.now() - started;
      const metricAttrs: Attributes = { 'db.system.name': system, 'db.operation.name': operation };
      if (table) metricAttrs['db.collection.name'] = table;
      if (err) {
        const type = (err as { code?: string }).code ?? (err as Error).name ?? 'Error';
        metricAttrs['error.type'] = type;
        span.setAttribute('error.type', type);
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      } else if (result && typeof result.rowCount === 'number') {
        span.setAttribute('db.response.returned_rows', result.rowCount);
      }
      span.end();
      if (guard.admit(metricAttrs)) instruments().duration.record(ms / 1000, metricAttrs);
      if (ms >= slowMs) {
        context.with(ctx, () =>
          log.warn('slow query', {
            'db.operation.name': operation,
            'db.collection.name': table,
            'db.query.text': statement,
            duration_ms: Math.round(ms * 1000) / 1000,
            threshold_ms: slowMs,
            logKey: `slow-query:${statement}`,
          }),
        );
      }
    };

    const lastIndex = args.length - 1;
    if (typeof args[lastIndex] === 'function') {
      const callback = args[lastIndex] as (err: unknown, res: unknown) => void;
      args[lastIndex] = (err: unknown, res: { rowCount?: number }) => {
        finish(err, res);
        callback(err, res);
      };
      return context.with(ctx, () => original(...args));
    }
    let out: unknown;
    try {
      out = context.with(ctx, () => original(...args));
    } catch (err) {
      finish(err);
      throw err;
    }
    if (out && typeof (out as Promise<unknown>).then === 'function') {
      return (out as Promise<{ rowCount?: number }>).then(
        (res) => {
          finish(undefined, res);
          return res;
        },
        (err: unknown) => {
          finish(err);
          throw err;
        },
      );
    }
    finish(undefined);
    return out;
  };
  client.query = observed as C['query'];
  (client as unknown as Record<symbol, boolean>)[OBSERVED] = true;
  return client;
}

const OBSERVED = Symbol.for('sightline.sdk.observedQueries');
