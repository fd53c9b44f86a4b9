// The engine over the real DuckDB store: selectors with every matcher type, the time window
// the engine asks for, and staleness markers surviving the round trip through storage.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbStore } from '../../../src/storage/index.js';
import type { Store } from '../../../src/storage/store.js';
import { createPromEngine, createStoreSeriesSource, staleNaN } from '../../../src/query/promql/index.js';
import { sampleBatch, series } from '../../storage/batch-helpers.js';

const T0 = Date.UTC(2026, 10, 23, 12);

describe('PromQL over the DuckDB store', () => {
  let dataDir: string;
  let store: Store;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sightline-promql-'));
    store = await createDuckDbStore({ dataDir, clock: () => T0, readConnections: 2 });
    const reqA = series('http_requests_total', { job: 'api', instance: 'a' });
    const reqB = series('http_requests_total', { job: 'api', instance: 'b' });
    const reqW = series('http_requests_total', { job: 'web' });
    const up = series('up', { job: 'api' });
    const points = [];
    for (let i = 0; i <= 20; i++) {
      points.push({ series: reqA, timeMs: T0 + i * 15_000, value: i * 15 });
      points.push({ series: reqB, timeMs: T0 + i * 15_000, value: i * 30 });
      points.push({ series: reqW, timeMs: T0 + i * 15_000, value: 7 });
    }
    points.push({ series: up, timeMs: T0, value: 1 });
    points.push({ series: up, timeMs: T0 + 60_000, value: staleNaN() });
    const batch = sampleBatch('default', points);
    // Write the marker's exact bits, as the wire decoders do.
    const words = new Uint32Array(batch.value.buffer);
    words[(points.length - 1) * 2] = 0x00000002;
    words[(points.length - 1) * 2 + 1] = 0x7ff00000;
    expect(await store.writeSamples([batch])).toMatchObject({ status: 'ok' });
  });

  afterAll(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('evaluates rate() with regex and negative matchers', async () => {
    const engine = createPromEngine(createStoreSeriesSource(store));
    const res = await engine.instant('default', 'sum by (job) (rate(http_requests_total{instance=~"a|b", job!="web"}[1m]))', T0 + 300_000);
    expect(res).toMatchObject({ resultType: 'vector', result: [{ metric: { job: 'api' }, value: [(T0 + 300_000) / 1000, '3'] }] });
    const absentInstance = await engine.instant('default', 'http_requests_total{instance=""}', T0 + 300_000);
    expect(absentInstance.result).toEqual([{ metric: { __name__: 'http_requests_total', job: 'web' }, value: [(T0 + 300_000) / 1000, '7'] }]);
  });

  it('ends a series at its staleness marker after the store round trip', async () => {
    const engine = createPromEngine(createStoreSeriesSource(store));
    const res = await engine.range('default', 'up', T0, T0 + 120_000, 30_000);
    expect(res).toEqual(expect.objectContaining({
      resultType: 'matrix',
      result: [{ metric: { __name__: 'up', job: 'api' }, values: [[T0 / 1000, '1'], [(T0 + 30_000) / 1000, '1']] }],
    }));
  });

  it('turns the store sample limit into the Prometheus error', async () => {
    const engine = createPromEngine(createStoreSeriesSource(store, 10));
    await expect(engine.instant('default', 'http_requests_total', T0 + 300_000)).rejects.toMatchObject({
      type: 'execution',
      message: 'query processing would load too many samples into memory in query execution',
    });
  });
});
