// Resource attribute sets stored once per day partition (storage/duckdb/resources.ts): the
// index's decisions, and the store reading them back wherever they live (own table, inline in
// rows of an older file), across concurrent writes, a failed write and a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RESOURCES_PER_DAY, markCommitted, resolveResources, resourceId, type DayResources } from '../../src/storage/duckdb/resources.js';
import { LOGS_V1, SPANS_V1, createTableSql } from '../../src/storage/duckdb/schema.js';
import { createDuckDbStore } from '../../src/storage/index.js';
import type { Store } from '../../src/storage/store.js';
import { hex, logBatch, ns, spanBatch } from './batch-helpers.js';

const T0 = Date.UTC(2026, 10, 23, 12);
const range = { startNs: ns(T0 - 3_600_000), endNs: ns(T0 + 3_600_000) };
const RES_A = JSON.stringify({ 'service.name': 'shop', 'host.name': 'node-1', 'service.version': '1.4.2' });
const RES_B = JSON.stringify({ 'service.name': 'cart', 'host.name': 'node-2' });

const emptyDay = (): DayResources => ({ tenants: new Map(), count: 0 });

describe('resource index', () => {
  it('gives a resource one id, marks it new once, and repeats cost nothing', () => {
    const day = emptyDay();
    const first = resolveResources(day, 't', [RES_A, RES_A, RES_B, RES_A], 4, null);
    expect([...first.ids]).toEqual([resourceId(RES_A), resourceId(RES_A), resourceId(RES_B), resourceId(RES_A)]);
    expect(first.inline).toEqual(['', '', '', '']);
    expect(first.fresh).toEqual({ tenant: ['t', 't'], id: [resourceId(RES_A), resourceId(RES_B)], text: [RES_A, RES_B] });
    // Pending until the write commits: a write that brings it meanwhile stores it too, so it
    // does not rely on a row that a failure of the first write would take away.
    expect(resolveResources(day, 't', [RES_B], 1, null).fresh.text).toEqual([RES_B]);
    markCommitted([first]);
    // Committed now: nothing new to store, same ids (also as a different string object).
    const again = resolveResources(day, 't', [JSON.stringify(JSON.parse(RES_A))], 1, null);
    expect([...again.ids]).toEqual([resourceId(RES_A)]);
    expect(again.fresh.id).toEqual([]);
    // Another tenant stores its own copy.
    expect(resolveResources(day, 'u', [RES_A], 1, null).fresh).toEqual({ tenant: ['u'], id: [resourceId(RES_A)], text: [RES_A] });
  });

  it('lists a new resource once however its rows alternate with others', () => {
    const r = resolveResources(emptyDay(), 't', [RES_A, RES_B, RES_A, RES_B, RES_A], 5, null);
    expect(r.fresh.text).toEqual([RES_A, RES_B]);
    expect([...r.ids]).toEqual([RES_A, RES_B, RES_A, RES_B, RES_A].map(resourceId));
  });

  it('resolves only the selected rows', () => {
    const r = resolveResources(emptyDay(), 't', [RES_A, RES_B, RES_B], 3, Uint32Array.of(1, 2));
    expect([...r.ids]).toEqual([0, resourceId(RES_B), resourceId(RES_B)]);
    expect(r.fresh.text).toEqual([RES_B]);
  });

  it('keeps a resource inline when its id belongs to another text, or when the day is full', () => {
    const day = emptyDay();
    // Another resource already holds RES_A's id (a hash collision, staged here).
    day.tenants.set('t', { byText: new Map([['{"other":1}', { id: resourceId(RES_A), committed: true }]]), byId: new Map([[resourceId(RES_A), '{"other":1}']]) });
    day.count = 1;
    const r = resolveResources(day, 't', [RES_A, RES_B], 2, null);
    expect([...r.ids]).toEqual([0, resourceId(RES_B)]);
    expect(r.inline).toEqual([RES_A, '']);
    markCommitted([r]);
    day.count = MAX_RESOURCES_PER_DAY;
    const full = resolveResources(day, 't', ['{"late":true}', RES_B], 2, null);
    expect([...full.ids]).toEqual([0, resourceId(RES_B)]);
    expect(full.inline).toEqual(['{"late":true}', '']);
    expect(full.fresh.id).toEqual([]);
  });

  it('keeps empty resources inline without an id', () => {
    const r = resolveResources(emptyDay(), 't', ['', '{}'], 2, null);
    expect([...r.ids]).toEqual([0, 0]);
    expect(r.inline).toEqual(['', '{}']);
    expect(r.fresh.id).toEqual([]);
  });
});

describe('resources in the DuckDB store', () => {
  let dataDir: string;
  let store: Store;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sightline-resources-'));
    store = await createDuckDbStore({ dataDir, clock: () => T0, readConnections: 2 });
  });

  afterEach(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Rows of the day file's `resources` table, and the resource columns of its spans or logs. */
  async function onDisk(signal: 'traces' | 'logs'): Promise<{ resources: number; inline: string[]; ids: number; rows?: number }> {
    await store.close();
    const db = await DuckDBInstance.create(join(dataDir, signal, '2026-11-23.duckdb'));
    const conn = await db.connect();
    const table = signal === 'traces' ? 'spans' : 'logs';
    const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]);
    const out = {
      resources: await count('SELECT count(DISTINCT (tenant, resource_id)) FROM resources'),
      rows: await count('SELECT count(*) FROM resources'),
      inline: ((await conn.runAndReadAll(`SELECT DISTINCT resource_attributes FROM ${table} ORDER BY 1`)).getRows() as [string][]).map((r) => r[0]),
      ids: await count(`SELECT count(DISTINCT resource_id) FROM ${table} WHERE resource_id <> 0`),
    };
    conn.closeSync();
    db.closeSync();
    store = await createDuckDbStore({ dataDir, clock: () => T0, readConnections: 2 });
    return out;
  }

  const spans = (k: number, resource: string, n = 3) =>
    spanBatch('default', Array.from({ length: n }, (_, i) => ({ traceId: hex(k, 32), spanId: hex(k * 100 + i + 1, 16), startMs: T0 + i, service: 'shop', attributes: { i }, resource: JSON.parse(resource) })));

  it('stores a resource once per day and gives every span its attributes back', async () => {
    expect(await store.writeSpans([spans(1, RES_A), spans(2, RES_B)])).toEqual({ status: 'ok', rows: 6 });
    expect(await store.writeSpans([spans(3, RES_A)])).toEqual({ status: 'ok', rows: 3 });
    const trace = await store.getTrace('default', hex(3, 32), range);
    expect(trace).toHaveLength(3);
    expect(trace.every((s) => JSON.stringify(s.resourceAttributes) === RES_A)).toBe(true);
    expect((await store.getTrace('default', hex(2, 32), range))[0]!.resourceAttributes).toEqual(JSON.parse(RES_B));
    // A resource attribute filters traces; a span attribute of the same key comes first.
    const byHost = await store.searchTraces({ tenant: 'default', ...range, attributes: { 'host.name': 'node-2' }, limit: 10 });
    expect(byHost.map((t) => t.traceId)).toEqual([hex(2, 32)]);
    expect((await store.searchTraces({ tenant: 'default', ...range, attributes: { 'host.name': 'node-1' }, limit: 10 })).map((t) => t.traceId).sort()).toEqual([hex(1, 32), hex(3, 32)]);
    expect(await onDisk('traces')).toEqual({ resources: 2, rows: 2, inline: [''], ids: 2 });
    // After a restart the index is read back: the same resources are not stored again.
    expect(await store.writeSpans([spans(4, RES_B)])).toEqual({ status: 'ok', rows: 3 });
    expect(await onDisk('traces')).toEqual({ resources: 2, rows: 2, inline: [''], ids: 2 });
    expect((await store.getTrace('default', hex(4, 32), range))[0]!.resourceAttributes).toEqual(JSON.parse(RES_B));
  });

  it('gives every span of concurrent writes its resource, also when the write that brought it first fails', async () => {
    const broken = { ...spans(1, RES_A), attributes: 5 } as unknown as ReturnType<typeof spanBatch>;
    // The broken write resolves RES_A first (it is submitted first) and fails; the others run
    // two at a time with it and after it.
    const results = await Promise.all([store.writeSpans([broken]), ...[2, 3, 4].map((k) => store.writeSpans([spans(k, RES_A, 500)]))]);
    expect(results.map((r) => r.status)).toEqual(['failed', 'ok', 'ok', 'ok']);
    for (const k of [2, 3, 4]) expect((await store.getTrace('default', hex(k, 32), range)).every((s) => JSON.stringify(s.resourceAttributes) === RES_A)).toBe(true);
    // Stored by each write that brought it before one committed, read as one.
    const disk = await onDisk('traces');
    expect(disk).toMatchObject({ resources: 1, inline: [''], ids: 1 });
    expect(disk.rows).toBeLessThanOrEqual(3);
    expect((await store.getTrace('default', hex(4, 32), range))).toHaveLength(500);
    // Once committed, later writes do not store it again.
    expect(await store.writeSpans([spans(5, RES_A)])).toEqual({ status: 'ok', rows: 3 });
    expect((await onDisk('traces')).rows).toBe(disk.rows);
  });

  it('stores the resource of a failed span write when it is written again', async () => {
    const broken = { ...spans(1, RES_B), attributes: 5 } as unknown as ReturnType<typeof spanBatch>;
    expect((await store.writeSpans([broken])).status).toBe('failed');
    expect(await store.writeSpans([spans(2, RES_B)])).toEqual({ status: 'ok', rows: 3 });
    expect((await store.getTrace('default', hex(2, 32), range))[0]!.resourceAttributes).toEqual(JSON.parse(RES_B));
    expect(await onDisk('traces')).toEqual({ resources: 1, rows: 1, inline: [''], ids: 1 });
  });

  it('reads log records with their resources, filters on them, and retries a failed write', async () => {
    const logs = (tag: string, resource: string) => logBatch('default', Array.from({ length: 4 }, (_, i) => ({ timeMs: T0 + i, body: `${tag}${i}`, resource: JSON.parse(resource) })));
    const broken = { ...logs('x', RES_A), attributes: 5 } as unknown as ReturnType<typeof logBatch>;
    expect((await store.writeLogs([broken])).status).toBe('failed');
    expect(await store.writeLogs([logs('a', RES_A), logs('b', RES_B)])).toEqual({ status: 'ok', rows: 8 });
    const page = await store.searchLogs({ tenant: 'default', ...range, limit: 100 });
    expect(page.logs).toHaveLength(8);
    for (const l of page.logs) expect(JSON.stringify(l.resourceAttributes)).toBe(String(l.body).startsWith('a') ? RES_A : RES_B);
    const cart = await store.searchLogs({ tenant: 'default', ...range, attributes: { 'service.name': 'cart' }, limit: 100 });
    expect(cart.logs.map((l) => l.body).sort()).toEqual(['b0', 'b1', 'b2', 'b3']);
    const hist = await store.logHistogram({ tenant: 'default', ...range, attributes: { 'host.name': 'node-1' }, limit: 100 }, 1);
    expect(hist.buckets[0]!.counts.info).toBe(4);
    expect(await onDisk('logs')).toEqual({ resources: 2, rows: 2, inline: [''], ids: 2 });
  });

  it('reads day files written before resources had their own table, and writes on into them', async () => {
    await store.close();
    // A traces and a logs day file in the earlier layout: no resource_id, resources inline.
    for (const [signal, spec] of [['traces', SPANS_V1], ['logs', LOGS_V1]] as const) {
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      await conn.run(`ATTACH '${join(dataDir, signal, '2026-11-23.duckdb')}' AS old`);
      const columns = spec.columns.filter((c) => c.name !== 'resource_id');
      await conn.run(createTableSql('old', { name: spec.name, columns }));
      const value = (name: string, kind: string) =>
        name === 'tenant' ? "'default'"
        : name === 'trace_id' ? `'${hex(9, 32)}'`
        : name === 'span_id' ? `'${hex(9, 16)}'`
        : name === 'resource_attributes' ? `'${RES_B}'`
        : name === 'start_ns' || name === 'end_ns' || name === 'time_ns' || name === 'observed_time_ns' ? `${ns(T0)}`
        : name === 'attributes' ? "'{}'"
        : name === 'events' || name === 'links' ? "'[]'"
        : name === 'body_text' ? "'old record'"
        : kind === 'varchar' ? "''" : '0';
      await conn.run(`INSERT INTO old.main.${spec.name} VALUES (${columns.map((c) => value(c.name, c.kind)).join(', ')})`);
      conn.closeSync();
      db.closeSync();
    }
    store = await createDuckDbStore({ dataDir, clock: () => T0, readConnections: 2 });
    expect((await store.getTrace('default', hex(9, 32), range))[0]!.resourceAttributes).toEqual(JSON.parse(RES_B));
    expect(await store.writeSpans([spans(1, RES_B)])).toEqual({ status: 'ok', rows: 3 });
    const cart = await store.searchTraces({ tenant: 'default', ...range, attributes: { 'host.name': 'node-2' }, limit: 10 });
    expect(cart.map((t) => t.traceId).sort()).toEqual([hex(1, 32), hex(9, 32)]);
    expect(await store.writeLogs([logBatch('default', [{ timeMs: T0 + 5, body: 'new record', resource: JSON.parse(RES_B) }])])).toEqual({ status: 'ok', rows: 1 });
    const logs = await store.searchLogs({ tenant: 'default', ...range, attributes: { 'host.name': 'node-2' }, limit: 10 });
    expect(logs.logs.map((l) => [l.body, l.resourceAttributes])).toEqual([['new record', JSON.parse(RES_B)], ['old record', JSON.parse(RES_B)]]);
    // The old row keeps its resource inline; the new ones point at the table.
    expect(await onDisk('traces')).toEqual({ resources: 1, rows: 1, inline: ['', RES_B], ids: 1 });
  });
});
