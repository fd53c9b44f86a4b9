// DuckDB-specific behaviour under the contract: the files on disk, the chunked insert path
// (selections across days and chunk boundaries), and failure cleanup.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDuckDbStore, rememberedSeries } from '../../src/storage/index.js';
import type { Store } from '../../src/storage/store.js';
import { hex, logBatch, ns, sampleBatch, series, spanBatch } from './batch-helpers.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 23, 12);

describe('DuckDB store', () => {
  let dataDir: string;
  let store: Store;
  let now = T0;

  beforeEach(async () => {
    now = T0;
    dataDir = await mkdtemp(join(tmpdir(), 'sightline-duckdb-'));
    store = await createDuckDbStore({ dataDir, clock: () => now, readConnections: 2 });
  });

  afterEach(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps one file per signal per UTC day and deletes a day as a whole', async () => {
    await store.writeSpans([spanBatch('default', [{ traceId: hex(1, 32), spanId: hex(1, 16), startMs: T0 - 2 * DAY }, { traceId: hex(2, 32), spanId: hex(2, 16), startMs: T0 }])]);
    await store.writeLogs([logBatch('default', [{ timeMs: T0 }])]);
    await store.writeSamples([sampleBatch('default', [{ series: series('up'), timeMs: T0, value: 1 }])]);
    const files = (signal: string) => readdirSync(join(dataDir, signal)).filter((f) => f.endsWith('.duckdb'));
    expect(files('traces')).toEqual(['2026-11-21.duckdb', '2026-11-23.duckdb']);
    expect(files('logs')).toEqual(['2026-11-23.duckdb']);
    expect(files('metrics')).toEqual(['2026-11-23.duckdb']);
    expect(existsSync(join(dataDir, 'catalog.duckdb'))).toBe(true);
    const [traces] = await store.applyRetention({ tracesDays: 1, logsDays: 1, metricsDays: 1 }, T0);
    expect(traces).toEqual({ signal: 'traces', droppedPartitions: ['2026-11-21'], deletedRows: 0 });
    // the file and its write-ahead log are gone
    expect(readdirSync(join(dataDir, 'traces')).filter((f) => f.startsWith('2026-11-21'))).toEqual([]);
    expect(files('traces')).toEqual(['2026-11-23.duckdb']);
  });

  it('keeps catalog and activity right for series that repeat with their memos (new tenant, retention, a dropped day written again)', async () => {
    // The same SeriesDef objects in every request, as the ingest caches hand them out.
    const plain = series('memo_metric', { job: 'a' });
    const def = rememberedSeries(plain.fingerprint, plain.name, plain.labels);
    const HOUR = 3_600_000;
    const write = async (tenant: string, timeMs: number) => expect(await store.writeSamples([sampleBatch(tenant, [{ series: def, timeMs, value: 1 }])])).toMatchObject({ status: 'ok' });
    const found = async (tenant: string, from: number, to: number) => (await store.findSeries({ tenant, name: 'memo_metric', startMs: from, endMs: to, limit: 10 })).map((s) => s.labels);
    await write('a', T0);
    await write('a', T0 + 1000);
    // Same labels in another tenant: its own catalog row and activity.
    await write('b', T0 + 2000);
    expect(await found('b', T0, T0 + HOUR)).toEqual([def.labels]);
    // Another hour of the same day: a new activity row.
    await write('a', T0 + 2 * HOUR);
    expect(await found('a', T0 + 2 * HOUR, T0 + 2 * HOUR + 1000)).toEqual([def.labels]);
    // Retention drops the day and the series with it; the next write must bring both back.
    now = T0 + 5 * DAY;
    await store.applyRetention({ tracesDays: 1, logsDays: 1, metricsDays: 1 }, now);
    expect(await found('a', T0 - DAY, now + DAY)).toEqual([]);
    await write('a', now);
    expect(await found('a', now - HOUR, now + HOUR)).toEqual([def.labels]);
    // A late sample for the dropped day creates it afresh, with its activity row.
    await write('a', T0 + 3000);
    expect(await found('a', T0, T0 + HOUR)).toEqual([def.labels]);
  });

  it('stores large batches that cross midnight and chunk boundaries exactly', async () => {
    const midnight = Date.UTC(2026, 10, 24);
    const n = 9_000;
    // Alternate days row by row so every chunk is a gathered selection; resource strings
    // change every 700 rows so some chunks are constant and others are not.
    const input = Array.from({ length: n }, (_, i) => ({
      traceId: hex(Math.floor(i / 10) + 1, 32),
      spanId: hex(i + 1, 16),
      startMs: i % 2 ? midnight + i : midnight - n + i,
      durationMs: i % 97,
      statusCode: i % 13 === 0 ? 2 : 0,
      service: `svc-${Math.floor(i / 700)}`,
      attributes: { i },
    }));
    expect(await store.writeSpans([spanBatch('default', input)])).toEqual({ status: 'ok', rows: n });
    const range = { startNs: ns(midnight - DAY), endNs: ns(midnight + DAY) };
    const summaries = await store.searchTraces({ tenant: 'default', ...range, limit: 10_000 });
    expect(summaries.reduce((s, t) => s + t.spanCount, 0)).toBe(n);
    expect(summaries.reduce((s, t) => s + t.errorCount, 0)).toBe(input.filter((x) => x.statusCode === 2).length);
    const trace = await store.getTrace('default', hex(500, 32), range);
    expect(trace.map((s) => [s.spanId, s.serviceName, s.attributes.i, s.durationNs])).toEqual(
      input.slice(4990, 5000).map((x, k) => [x.spanId, x.service, 4990 + k, String(ns(x.durationMs))]).sort((a, b) => {
        const ia = input[a[2] as number]!.startMs;
        const ib = input[b[2] as number]!.startMs;
        return ia - ib;
      }),
    );
    expect(await store.listServices('default', range)).toHaveLength(Math.ceil(n / 700));
  });

  it('stores samples of a batch spread over two days with their values in place', async () => {
    const midnight = Date.UTC(2026, 10, 24);
    const s = series('x');
    const points = Array.from({ length: 5_000 }, (_, i) => ({ series: s, timeMs: midnight - 2_500_000 + i * 1000, value: i * 0.5 }));
    expect(await store.writeSamples([sampleBatch('default', points)])).toEqual({ status: 'ok', rows: 5_000 });
    const [got] = await store.readSamples({ tenant: 'default', fingerprints: [s.fingerprint], startMs: midnight - DAY, endMs: midnight + DAY, limit: 100_000 });
    expect(got!.timestampsMs).toEqual(points.map((p) => p.timeMs));
    expect(got!.values).toEqual(points.map((p) => p.value));
  });

  it('fails a malformed batch without storing part of it, and keeps working', async () => {
    const bad = spanBatch('default', [{ traceId: hex(1, 32), spanId: hex(1, 16), startMs: T0 }, { traceId: hex(1, 32), spanId: hex(2, 16), startMs: T0 }]);
    bad.name.length = 1;
    bad.flags = new Uint32Array(1);
    const result = await store.writeSpans([spanBatch('default', [{ traceId: hex(9, 32), spanId: hex(9, 16), startMs: T0 }]), bad]);
    expect(result).toMatchObject({ status: 'failed' });
    expect((await store.stats()).spans).toBe(0);
    expect(await store.writeSpans([spanBatch('default', [{ traceId: hex(3, 32), spanId: hex(3, 16), startMs: T0 }])])).toEqual({ status: 'ok', rows: 1 });
    expect((await store.stats()).spans).toBe(1);
  });

  it('takes any tenant name as data', async () => {
    const tenant = `o'brien"; DROP TABLE spans; --`;
    await store.writeSpans([spanBatch(tenant, [{ traceId: hex(1, 32), spanId: hex(1, 16), startMs: T0, service: "a'b" }])]);
    const range = { startNs: ns(T0 - 1000), endNs: ns(T0 + 1000) };
    expect(await store.listServices(tenant, range)).toEqual(["a'b"]);
    expect(await store.getTrace('default', hex(1, 32), range)).toEqual([]);
  });

  it('commits span writes on two connections at once without losing rows or starving checkpoints', async () => {
    await store.close();
    store = await createDuckDbStore({ dataDir: join(dataDir, 'concurrent'), clock: () => now, readConnections: 2, checkpointThreshold: '1MB' });
    const batch = (k: number) => spanBatch('default', Array.from({ length: 2_000 }, (_, i) => ({
      traceId: hex(k * 2_000 + i + 1, 32), spanId: hex(i + 1, 16), startMs: T0 + i, name: `op${i % 7}`, service: `svc${k % 3}`, attributes: { k, i, 'http.method': 'GET' },
    })));
    const wal = () => readdirSync(join(dataDir, 'concurrent', 'traces')).filter((f) => f.endsWith('.wal')).map((f) => statSync(join(dataDir, 'concurrent', 'traces', f)).size);
    let maxWal = 0;
    for (let k = 0; k < 40; k += 2) {
      // Two writes in flight: the store runs them on its two span connections.
      const results = await Promise.all([store.writeSpans([batch(k)]), store.writeSpans([batch(k + 1)])]);
      expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
      maxWal = Math.max(maxWal, ...wal());
    }
    expect((await store.stats()).spans).toBe(80_000);
    // Auto-checkpoints still happen while transactions overlap: the log stays near its threshold.
    expect(maxWal).toBeLessThan(16 * 1024 * 1024);
    const range = { startNs: ns(T0 - 3_600_000), endNs: ns(T0 + 3_600_000) };
    expect(await store.listServices('default', range)).toEqual(['svc0', 'svc1', 'svc2']);
    expect((await store.listOperations('default', 'svc1', range)).map((o) => o.name)).toEqual(['op0', 'op1', 'op2', 'op3', 'op4', 'op5', 'op6']);
  });

  it('commits log writes on two connections at once, each record numbered once, and pages through them all', async () => {
    expect(store.writeConcurrency?.('logs')).toBe(2);
    // Same timestamp everywhere: only the sequence number orders the cursor, so two writes
    // that numbered their records alike would repeat or skip records across pages.
    const write = (k: number, n: number) => store.writeLogs([logBatch('default', Array.from({ length: n }, (_, i) => ({ timeMs: T0, body: `w${k}-${i}` })))]);
    const results = await Promise.all([write(0, 3_000), write(1, 3_000), write(2, 10), write(3, 2_500)]);
    expect(results).toEqual([{ status: 'ok', rows: 3_000 }, { status: 'ok', rows: 3_000 }, { status: 'ok', rows: 10 }, { status: 'ok', rows: 2_500 }]);
    // A store opened again continues the numbering after the highest stored one.
    await store.close();
    store = await createDuckDbStore({ dataDir, clock: () => now, readConnections: 2 });
    expect(await Promise.all([write(4, 700), write(5, 800)])).toEqual([{ status: 'ok', rows: 700 }, { status: 'ok', rows: 800 }]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.searchLogs({ tenant: 'default', startNs: ns(T0 - 1000), endNs: ns(T0 + 1000), limit: 997, cursor });
      seen.push(...page.logs.map((l) => String(l.body)));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(10_010);
    expect(new Set(seen).size).toBe(10_010);
  });

  it('commits sample writes on two connections at once: new series in several writes, activity per hour, catalog once', async () => {
    expect(store.writeConcurrency?.('metrics')).toBe(2);
    const HOUR = 3_600_000;
    // Half the series carry memos (as the ingest caches hand them out), half do not.
    const defs = Array.from({ length: 300 }, (_, i) => {
      const plain = series('concurrent_metric', { i: String(i) });
      return i % 2 === 0 ? rememberedSeries(plain.fingerprint, plain.name, plain.labels) : plain;
    });
    const write = (timeMs: number, value: number) => store.writeSamples([sampleBatch('default', defs.map((d) => ({ series: d, timeMs, value })))]);
    const found = async (from: number, to: number) => (await store.findSeries({ tenant: 'default', name: 'concurrent_metric', startMs: from, endMs: to, limit: 1_000 })).length;
    // Every series is new to all four writes, which run two at a time, and two of them open a new hour.
    const results = await Promise.all([write(T0, 1), write(T0 + 1_000, 2), write(T0 + HOUR, 3), write(T0 + HOUR + 1_000, 4)]);
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ status: 'ok', rows: 300 })));
    expect(await found(T0, T0 + 2_000)).toBe(300);
    expect(await found(T0 + HOUR, T0 + HOUR + 2_000)).toBe(300);
    expect(await store.stats()).toMatchObject({ samples: 1_200, series: 300 });
    const read = await store.readSamples({ tenant: 'default', fingerprints: defs.map((d) => d.fingerprint), startMs: T0, endMs: T0 + 2 * HOUR, limit: 10_000 });
    expect(read).toHaveLength(300);
    expect(read.every((r) => r.values.join() === '1,2,3,4')).toBe(true);
    // Opened again: the activity index is loaded once for the two writes that need it at the same time.
    await store.close();
    store = await createDuckDbStore({ dataDir, clock: () => now, readConnections: 2 });
    expect(await Promise.all([write(T0 + 2 * HOUR, 5), write(T0 + 2 * HOUR + 1_000, 6)])).toEqual([{ status: 'ok', rows: 300 }, { status: 'ok', rows: 300 }]);
    expect(await found(T0 + 2 * HOUR, T0 + 2 * HOUR + 2_000)).toBe(300);
    expect(await store.stats()).toMatchObject({ samples: 1_800, series: 300 });
  });

  it('keeps a failed sample write from marking its series active while another write commits, and takes them when written again', async () => {
    const mk = (prefix: string) => Array.from({ length: 50 }, (_, i) => series('fail_metric', { s: `${prefix}${i}` }));
    const good = mk('g');
    const later = mk('b');
    const bad = sampleBatch('default', later.map((d) => ({ series: d, timeMs: T0, value: 1 })));
    bad.value = new Float64Array(1); // too short: the append fails inside the transaction
    const [ok, failed] = await Promise.all([
      store.writeSamples([sampleBatch('default', good.map((d) => ({ series: d, timeMs: T0, value: 1 })))]),
      store.writeSamples([bad]),
    ]);
    expect(ok).toEqual({ status: 'ok', rows: 50 });
    expect(failed).toMatchObject({ status: 'failed' });
    const found = async () => (await store.findSeries({ tenant: 'default', name: 'fail_metric', startMs: T0, endMs: T0 + 1_000, limit: 1_000 })).map((x) => x.labels.s).sort();
    expect(await found()).toEqual(good.map((d) => d.labels.s).sort());
    // Written again (same hour): the series' activity rows come with it.
    expect(await store.writeSamples([sampleBatch('default', later.map((d) => ({ series: d, timeMs: T0 + 500, value: 2 })))])).toEqual({ status: 'ok', rows: 50 });
    expect(await found()).toEqual([...good, ...later].map((d) => d.labels.s).sort());
    expect((await store.stats()).samples).toBe(100);
  });

  it('indexes the operations of a span write that failed once it is written again', async () => {
    const range = { startNs: ns(T0 - 3_600_000), endNs: ns(T0 + 3_600_000) };
    const good = () => spanBatch('default', [{ traceId: hex(7, 32), spanId: hex(7, 16), startMs: T0, name: 'checkout', service: 'shop' }]);
    const broken = { ...good(), attributes: 5 } as unknown as ReturnType<typeof spanBatch>;
    expect((await store.writeSpans([broken])).status).toBe('failed');
    expect(await store.listOperations('default', 'shop', range)).toEqual([]);
    expect((await store.writeSpans([good()])).status).toBe('ok');
    expect((await store.listOperations('default', 'shop', range)).map((o) => o.name)).toEqual(['checkout']);
  });

  it('refuses a second store over the same directory in one process', async () => {
    await expect(createDuckDbStore({ dataDir })).rejects.toThrow(/already open/);
  });

  it('rejects a nonsensical limit and retention policy with a clear error', async () => {
    const range = { startNs: ns(T0 - 1000), endNs: ns(T0 + 1000) };
    await expect(store.searchTraces({ tenant: 'default', ...range, limit: 0 })).rejects.toThrow(/limit/);
    await expect(store.applyRetention({ tracesDays: 0, logsDays: 1, metricsDays: 1 }, T0)).rejects.toThrow(/retention/);
  });
});
