// A day file DuckDB cannot open (a corrupt block) fails the reads and writes of that day with a
// storage error that names the file, and leaves the other days working.
import { openSync, writeSync, closeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createDuckDbStore } from '../../src/storage/index.js';
import type { Store } from '../../src/storage/store.js';
import { sampleBatch, series } from './batch-helpers.js';

const DAY = 86_400_000;
const D1 = Date.UTC(2026, 10, 20);
let dir: string | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('names the day file it cannot open and keeps serving the other days', async () => {
  dir = await mkdtemp(join(tmpdir(), 'sightline-corrupt-'));
  const s = series('up', { job: 'a' });
  store = await createDuckDbStore({ dataDir: dir, clock: () => D1 + 2 * DAY });
  for (const t of [D1 + 1000, D1 + DAY + 1000]) expect(await store.writeSamples([sampleBatch('default', [{ series: s, timeMs: t, value: 1 }])])).toMatchObject({ status: 'ok' });
  await store.close();
  // The first block after DuckDB's three headers, overwritten.
  const path = join(dir, 'metrics', '2026-11-20.duckdb');
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 12288);
  closeSync(fd);

  store = await createDuckDbStore({ dataDir: dir, clock: () => D1 + 2 * DAY });
  const read = (from: number, to: number) => store!.selectSeries({ tenant: 'default', matchers: [{ name: '__name__', type: '=', value: 'up' }], startMs: from, endMs: to, maxSamples: 10 });
  const err = await read(D1, D1 + DAY - 1).then(() => undefined, (e: unknown) => e);
  expect(err).toMatchObject({ code: 'SL_ERR_STORAGE_FAILED' });
  expect((err as Error).message).toContain(`cannot open the metrics day file ${path}: `);
  expect((err as Error).message).toMatch(/checksum|Corrupt|corrupt/);
  expect((await read(D1 + DAY, D1 + 2 * DAY - 1)).map((x) => Array.from(x.values))).toEqual([[1]]);
  expect(await store.writeSamples([sampleBatch('default', [{ series: s, timeMs: D1 + DAY + 2000, value: 2 }])])).toMatchObject({ status: 'ok' });
  expect(await store.writeSamples([sampleBatch('default', [{ series: s, timeMs: D1 + 2000, value: 2 }])])).toMatchObject({ status: 'failed' });
});
