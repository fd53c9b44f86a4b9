// Span and log rows in two layouts (schema.ts): new day files get SPANS and LOGS, whose nearly
// always empty fields share the `extra` column; day files written before keep SPANS_V1 and
// LOGS_V1. The store writes each day in its own layout and reads both the same.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logExtra, prepare } from '../../src/storage/duckdb/log-writer.js';
import { spanExtra } from '../../src/storage/duckdb/span-writer.js';
import { LOGS, LOGS_V1, SPANS, SPANS_V1, createTableSql } from '../../src/storage/duckdb/schema.js';
import { createDuckDbStore } from '../../src/storage/index.js';
import type { LogBatch } from '../../src/storage/batches.js';
import type { LogRow, SpanRow, Store } from '../../src/storage/store.js';
import { hex, logBatch, ns, spanBatch, type LogInput, type SpanInput } from './batch-helpers.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 23, 12); // a day written before SPANS (the file is made below)
const T1 = T0 + DAY; // a day the store creates
const range = { startNs: ns(T0 - 3_600_000), endNs: ns(T1 + 3_600_000) };

const full = (startMs: number, n: number): SpanInput => ({
  traceId: hex(1, 32), spanId: hex(n, 16), parentSpanId: hex(7, 16), name: 'GET /cart/{id}', service: 'cärt ✓', startMs, durationMs: 42,
  kind: 3, statusCode: 2, statusMessage: 'it\'s "broken"\nbadly ✗', attributes: { 'http.route': '/cart/{id}', n: 1 },
  events: [{ timeUnixNano: String(ns(startMs + 1)), name: 'exception', attributes: { k: 'v' }, droppedAttributesCount: 0 }],
  links: [{ traceId: hex(9, 32), spanId: hex(9, 16), traceState: 'k=v', flags: 1, attributes: { why: 'fan-in' }, droppedAttributesCount: 2 }],
  resource: { 'service.name': 'cärt ✓', 'host.name': 'h1' }, traceState: 'rojo=00f067aa0ba902b7', flags: 257,
  scopeName: '@opentelemetry/instrumentation-http', scopeVersion: '0.57.0', httpRoute: '/cart/{id}', httpStatusCode: 503, dbSystem: 'postgresql', dropped: [1, 2, 3],
});
const plain = (startMs: number, n: number): SpanInput => ({ traceId: hex(1, 32), spanId: hex(n, 16), startMs, scopeVersion: '', flags: 0 });

function expected(s: SpanInput): SpanRow {
  return {
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', traceState: s.traceState ?? '', flags: s.flags ?? 1, name: s.name ?? 'op',
    kind: s.kind ?? 2, startTimeUnixNano: String(ns(s.startMs)), endTimeUnixNano: String(ns(s.startMs + (s.durationMs ?? 10))), durationNs: String(ns(s.durationMs ?? 10)),
    statusCode: s.statusCode ?? 0, statusMessage: s.statusMessage ?? '', attributes: s.attributes ?? {}, events: s.events ?? [], links: s.links ?? [],
    droppedAttributesCount: s.dropped?.[0] ?? 0, droppedEventsCount: s.dropped?.[1] ?? 0, droppedLinksCount: s.dropped?.[2] ?? 0, serviceName: s.service ?? 'svc',
    scopeName: s.scopeName ?? 'test-scope', scopeVersion: s.scopeVersion ?? '1.0.0', resourceAttributes: s.resource ?? { 'service.name': s.service ?? 'svc' },
  };
}

describe('the extra column', () => {
  it('is empty when every folded field is, and otherwise holds exactly the fields that are set', () => {
    const b = spanBatch('t', [
      plain(T0, 1),
      { ...plain(T0, 2), scopeVersion: '1.2' },
      { ...plain(T0, 3), scopeVersion: '1.2' },
      full(T0, 4),
      { ...plain(T0, 5), dropped: [0, 0, 4] },
      { ...plain(T0, 6), statusMessage: 'only this' },
    ]);
    const extra = spanExtra(b);
    expect(extra[0]).toBe('');
    expect(extra[1]).toBe('{"scopeVersion":"1.2"}');
    expect(extra[2]).toBe(extra[1]);
    expect(JSON.parse(extra[3]!)).toEqual({
      traceState: 'rojo=00f067aa0ba902b7', statusMessage: 'it\'s "broken"\nbadly ✗', links: full(T0, 4).links, droppedAttributesCount: 1,
      droppedEventsCount: 2, droppedLinksCount: 3, scopeVersion: '0.57.0',
    });
    expect(JSON.parse(extra[4]!)).toEqual({ droppedLinksCount: 4 });
    expect(JSON.parse(extra[5]!)).toEqual({ statusMessage: 'only this' });
  });
});

/** Records as the decoder makes them: index 2 has no body (JSON null, no search text), index 3 a body whose search text is not its JSON. */
function logs(startMs: number): { batch: LogBatch; expected: LogRow[] } {
  const inputs: LogInput[] = [
    { timeMs: startMs, body: 'plain', scopeVersion: '' },
    { timeMs: startMs + 1, body: { message: 'structured', n: [1, 'x'] }, eventName: 'checkout.failed', droppedAttributes: 3, scopeVersion: '2.0', traceId: hex(1, 32), spanId: hex(2, 16), flags: 1 },
    { timeMs: startMs + 2, scopeVersion: '2.0' },
    { timeMs: startMs + 3, body: { a: 1, b: [true, null, 2.5] }, scopeVersion: '2.0' },
  ];
  const batch = logBatch('default', inputs);
  batch.body[2] = 'null';
  batch.bodyText[2] = '';
  batch.bodyText[3] = 'a=1';
  const expected = inputs.map((l, i): LogRow => ({
    timeUnixNano: String(ns(l.timeMs)), observedTimeUnixNano: String(ns(l.timeMs)), severityNumber: 9, severityText: 'INFO',
    body: i === 2 ? null : (l.body ?? 'hello'), attributes: {}, droppedAttributesCount: l.droppedAttributes ?? 0, traceId: l.traceId ?? '', spanId: l.spanId ?? '',
    flags: l.flags ?? 0, eventName: l.eventName ?? '', serviceName: 'svc', scopeName: 'test-scope', scopeVersion: l.scopeVersion ?? '1.0.0',
    resourceAttributes: { 'service.name': 'svc' },
  }));
  return { batch, expected };
}

describe('the extra column of log records', () => {
  it('holds a body of kind 2 as its JSON value, the dropped count, the event name and the scope version, only when set', () => {
    const extra = logExtra(prepare(logs(T0).batch, ns(T0)));
    expect(extra[0]).toBe('');
    expect(JSON.parse(extra[1]!)).toEqual({ droppedAttributesCount: 3, eventName: 'checkout.failed', scopeVersion: '2.0' });
    expect(JSON.parse(extra[2]!)).toEqual({ body: null, scopeVersion: '2.0' });
    expect(JSON.parse(extra[3]!)).toEqual({ body: { a: 1, b: [true, null, 2.5] }, scopeVersion: '2.0' });
  });
});

describe('the extra column, read back', () => {
  it('keeps NUL, control characters, quotes and non-BMP text in folded fields', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sightline-extra-text-'));
    const store = await createDuckDbStore({ dataDir, clock: () => T1 });
    try {
      const odd = 'a\u0000b\u0001"\\\n\t😀\u2028';
      await store.writeSpans([spanBatch('default', [{ ...plain(T1, 1), statusMessage: odd, traceState: `k=${odd}`, scopeVersion: odd }])]);
      const b = logBatch('default', [{ timeMs: T1, body: { text: odd }, eventName: odd, scopeVersion: odd }]);
      b.bodyText[0] = 'search text';
      await store.writeLogs([b]);
      const [span] = await store.getTrace('default', hex(1, 32), range);
      expect([span!.statusMessage, span!.traceState, span!.scopeVersion]).toEqual([odd, `k=${odd}`, odd]);
      const [log] = (await store.searchLogs({ tenant: 'default', ...range, limit: 5 })).logs;
      expect([log!.body, log!.eventName, log!.scopeVersion]).toEqual([{ text: odd }, odd, odd]);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('span layouts of day files', () => {
  let dataDir: string;
  let store: Store | undefined;

  async function columnsOf(day: string, signal = 'traces', table = 'spans'): Promise<string[]> {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      await c.run(`ATTACH '${join(dataDir, signal, `${day}.duckdb`)}' AS d (READ_ONLY)`);
      return (await c.runAndReadAll(`SELECT column_name FROM duckdb_columns() WHERE database_name = 'd' AND table_name = '${table}' ORDER BY column_index`)).getRows().map((r) => r[0] as string);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sightline-span-layout-'));
    // The day of T0 as the previous version wrote it: SPANS_V1, its compressions, resource ids.
    await mkdir(join(dataDir, 'traces'), { recursive: true });
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(`ATTACH '${join(dataDir, 'traces', '2026-11-23.duckdb')}' AS old (STORAGE_VERSION 'v1.2.0')`);
    await c.run(createTableSql('old', SPANS_V1));
    await mkdir(join(dataDir, 'logs'), { recursive: true });
    await c.run(`ATTACH '${join(dataDir, 'logs', '2026-11-23.duckdb')}' AS oldlogs (STORAGE_VERSION 'v1.2.0')`);
    await c.run(createTableSql('oldlogs', LOGS_V1));
    c.closeSync();
    db.closeSync();
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes each day in its own layout and reads every field back from both, also after a restart', async () => {
    store = await createDuckDbStore({ dataDir, clock: () => T1 });
    const spans = [full(T0, 1), plain(T0 + 1, 2), full(T1, 3), plain(T1 + 1, 4)];
    expect(await store.writeSpans([spanBatch('default', spans)])).toMatchObject({ status: 'ok', rows: 4 });
    const want = spans.map(expected);
    expect(await store.getTrace('default', hex(1, 32), range)).toEqual(want);
    await store.close();

    expect(await columnsOf('2026-11-23')).toEqual(SPANS_V1.columns.map((c) => c.name));
    expect(await columnsOf('2026-11-24')).toEqual(SPANS.columns.map((c) => c.name));

    store = await createDuckDbStore({ dataDir, clock: () => T1 });
    expect(await store.getTrace('default', hex(1, 32), range)).toEqual(want);
    // Both days answer searches (they read only columns both layouts have).
    const found = await store.searchTraces({ tenant: 'default', ...range, service: 'cärt ✓', attributes: { 'http.route': '/cart/{id}' }, limit: 10 });
    expect(found.map((t) => t.traceId)).toEqual([hex(1, 32)]);
    expect(found[0]!.spanCount).toBe(4);
  });

  it('writes log records of each day in its own layout and reads every field back from both, also after a restart', async () => {
    store = await createDuckDbStore({ dataDir, clock: () => T1 });
    const old = logs(T0);
    const now = logs(T1);
    expect(await store.writeLogs([old.batch, now.batch])).toMatchObject({ status: 'ok', rows: 8 });
    const want = [...old.expected, ...now.expected].reverse();
    const all = { tenant: 'default', ...range, limit: 100 };
    expect((await store.searchLogs(all)).logs).toEqual(want);
    await store.close();

    expect(await columnsOf('2026-11-23', 'logs', 'logs')).toEqual(LOGS_V1.columns.map((c) => c.name));
    expect(await columnsOf('2026-11-24', 'logs', 'logs')).toEqual(LOGS.columns.map((c) => c.name));

    store = await createDuckDbStore({ dataDir, clock: () => T1 });
    expect((await store.searchLogs(all)).logs).toEqual(want);
    // A page boundary inside each day, and the records of one trace from both days.
    const first = await store.searchLogs({ ...all, limit: 3 });
    const rest = await store.searchLogs({ ...all, limit: 100, cursor: first.nextCursor });
    expect([...first.logs, ...rest.logs]).toEqual(want);
    expect(await store.logsForTrace('default', hex(1, 32), range)).toEqual([old.expected[1], now.expected[1]]);
    expect((await store.searchLogs({ ...all, traceId: hex(1, 32) })).logs).toEqual([now.expected[1], old.expected[1]]);
    expect((await store.searchLogs({ ...all, traceId: 'not-hex' })).logs).toEqual([]);
    expect((await store.searchLogs({ ...all, text: 'a=1' })).logs).toEqual([now.expected[3], old.expected[3]]);
  });
});
