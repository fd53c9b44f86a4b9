// Raw sample rows name their tenant by an id from the catalog (storage/duckdb/tenants.ts).
// Against real DuckDB files: tenants stay apart through reads, rollups and sealing, ids survive a
// restart, and a day file written before the ids existed (samples.tenant VARCHAR) is migrated
// when attached, also when an earlier attach stopped half-way through the migration.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, quotedString } from '@duckdb/node-api';
import { afterEach, expect, it } from 'vitest';
import { createDuckDbStore } from '../../src/storage/index.js';
import type { Store } from '../../src/storage/store.js';
import { sampleBatch, series } from './batch-helpers.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 1);
const DAY_FILE = '2026-11-20.duckdb';
const NOW = T0 + 30 * HOUR;

// The same series (same fingerprint) in two tenants, with different values.
const shared = series('req_total', { job: 'api' });
const own = series('temp', { room: 'b' });
const TENANTS = { default: [shared], acme: [shared, own], 'o\'brien "ltd"': [own] } as const;
type Tenant = keyof typeof TENANTS;
const valueOf = (tenant: Tenant, k: number, i: number) => (tenant === 'default' ? i : tenant === 'acme' ? 1000 + 10 * k + i : -i);
const POINTS = 240; // one a minute for four hours

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

async function newDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sightline-tenant-ids-'));
  dirs.push(d);
  return d;
}

const open = (dataDir: string) => createDuckDbStore({ dataDir, clock: () => NOW });

async function writeAll(store: Store): Promise<void> {
  for (const [tenant, list] of Object.entries(TENANTS) as [Tenant, readonly (typeof shared)[]][]) {
    const points = list.flatMap((s, k) => Array.from({ length: POINTS }, (_, i) => ({ series: s, timeMs: T0 + i * 60_000, value: valueOf(tenant, k, i) })));
    expect(await store.writeSamples([sampleBatch(tenant, points)])).toMatchObject({ status: 'ok' });
  }
}

/** Every tenant's series and samples, as plain values. */
async function snapshot(store: Store): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const tenant of [...Object.keys(TENANTS), 'nobody']) {
    const sel = await store.selectSeries({ tenant, matchers: [{ name: '__name__', type: '=~', value: '.+' }], startMs: T0 - HOUR, endMs: T0 + 5 * HOUR, maxSamples: 1e6 });
    out[tenant] = sel
      .map((s) => ({ fp: s.fingerprint, ts: Array.from(s.timestampsMs), vs: Array.from(s.values) }))
      .sort((a, b) => a.fp - b.fp);
  }
  return out;
}

function expectedSnapshot(): Record<string, unknown> {
  const out: Record<string, unknown> = { nobody: [] };
  for (const [tenant, list] of Object.entries(TENANTS) as [Tenant, readonly (typeof shared)[]][]) {
    out[tenant] = list
      .map((s, k) => ({ fp: s.fingerprint, ts: Array.from({ length: POINTS }, (_, i) => T0 + i * 60_000), vs: Array.from({ length: POINTS }, (_, i) => valueOf(tenant, k, i)) }))
      .sort((a, b) => a.fp - b.fp);
  }
  return out;
}

/** Runs statements on the store's files while no store has them open. */
async function onFiles(dataDir: string, statements: string[]): Promise<unknown[][]> {
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  try {
    await c.run(`ATTACH ${quotedString(join(dataDir, 'metrics', DAY_FILE))} AS p`);
    await c.run(`ATTACH ${quotedString(join(dataDir, 'catalog.duckdb'))} AS catalog`);
    let last: unknown[][] = [];
    for (const s of statements) last = (await c.runAndReadAll(s)).getRows();
    return last;
  } finally {
    c.disconnectSync();
    inst.closeSync();
  }
}

const columns = (dataDir: string) =>
  onFiles(dataDir, [`SELECT column_name || ' ' || data_type FROM duckdb_columns() WHERE database_name = 'p' AND table_name = 'samples' ORDER BY column_index`]).then((r) => r.map((x) => x[0]));

/** Turns the day file back into the layout of earlier versions (tenant VARCHAR first) and forgets the ids. */
const OLD_LAYOUT = [
  `CREATE TABLE p.main.samples_old AS SELECT catalog.main.tenants.tenant AS tenant, fingerprint, t_ms, value
     FROM p.main.samples JOIN catalog.main.tenants ON catalog.main.tenants.id = p.main.samples.tenant_id`,
  'DROP TABLE p.main.samples',
  'ALTER TABLE p.main.samples_old RENAME TO samples',
  'DROP TABLE catalog.main.tenants',
];

it('keeps tenants apart by id through reads, rollups and sealing, and keeps the ids across a restart', async () => {
  const dataDir = await newDir();
  let store = await open(dataDir);
  await writeAll(store);
  expect(await snapshot(store)).toEqual(expectedSnapshot());
  await store.close();

  expect(await columns(dataDir)).toEqual(['fingerprint BIGINT', 't_ms BIGINT', 'value DOUBLE', 'tenant_id UINTEGER']);
  expect(await onFiles(dataDir, ['SELECT tenant, id FROM catalog.main.tenants ORDER BY id'])).toEqual([
    ['default', 0],
    ['acme', 1],
    ['o\'brien "ltd"', 2],
  ]);

  store = await open(dataDir);
  try {
    expect(await snapshot(store)).toEqual(expectedSnapshot());
    // A new tenant after the restart gets the next id, not one already given.
    expect(await store.writeSamples([sampleBatch('zeta', [{ series: shared, timeMs: T0, value: 7 }])])).toMatchObject({ status: 'ok' });
    const zeta = await store.selectSeries({ tenant: 'zeta', matchers: [{ name: '__name__', type: '=', value: 'req_total' }], startMs: T0, endMs: T0, maxSamples: 10 });
    expect(zeta.map((s) => Array.from(s.values))).toEqual([[7]]);

    // Rollups group by tenant name: acme's 1h counts are its own two series, not default's one.
    await store.buildRollups(NOW, 0);
    for (const [tenant, n] of [['default', 1], ['acme', 2]] as const) {
      const rows = await store.selectRollup({ tenant, matchers: [{ name: '__name__', type: '=~', value: '.+' }], startMs: T0, endMs: T0 + 4 * HOUR - 1, maxSamples: 1e6, tier: '1h', aggregate: 'sum' });
      expect(rows.length).toBe(n);
      const sums = rows.map((s) => Array.from(s.values)).sort();
      const want = TENANTS[tenant].map((_, k) => [0, 1, 2, 3].map((h) => Array.from({ length: 60 }, (_, j) => valueOf(tenant, k, h * 60 + j)).reduce((a, b) => a + b, 0))).sort();
      expect(sums).toEqual(want);
    }

    // Sealing moves each tenant's raw rows into that tenant's blocks.
    const sealed = await store.sealSamples(T0 + 4 * HOUR);
    expect(sealed.samples).toBe(4 * POINTS + 1);
    expect(await snapshot(store)).toEqual(expectedSnapshot());
  } finally {
    await store.close();
  }
  expect(await onFiles(dataDir, ['SELECT count(*)::INTEGER FROM p.main.samples'])).toEqual([[0]]);
});

it('migrates a day file written before tenant ids when it is attached', async () => {
  const dataDir = await newDir();
  let store = await open(dataDir);
  await writeAll(store);
  await store.close();
  await onFiles(dataDir, OLD_LAYOUT);
  expect(await columns(dataDir)).toEqual(['tenant VARCHAR', 'fingerprint BIGINT', 't_ms BIGINT', 'value DOUBLE']);

  store = await open(dataDir);
  try {
    expect(await snapshot(store)).toEqual(expectedSnapshot());
    // Writes to the migrated day go on, for old and new tenants.
    expect(await store.writeSamples([sampleBatch('acme', [{ series: own, timeMs: T0 + 5 * HOUR, value: 1.5 }])])).toMatchObject({ status: 'ok' });
    expect(await store.writeSamples([sampleBatch('new', [{ series: own, timeMs: T0 + 5 * HOUR, value: 2.5 }])])).toMatchObject({ status: 'ok' });
    const read = async (tenant: string) =>
      (await store.selectSeries({ tenant, matchers: [{ name: '__name__', type: '=', value: 'temp' }], startMs: T0 + 5 * HOUR, endMs: T0 + 5 * HOUR, maxSamples: 10 })).map((s) => Array.from(s.values));
    expect(await read('acme')).toEqual([[1.5]]);
    expect(await read('new')).toEqual([[2.5]]);
    expect(await read('default')).toEqual([]);
  } finally {
    await store.close();
  }
  expect(await columns(dataDir)).toEqual(['fingerprint BIGINT', 't_ms BIGINT', 'value DOUBLE', 'tenant_id UINTEGER']);
  const ids = await onFiles(dataDir, ['SELECT t.tenant, count(*)::INTEGER FROM p.main.samples s JOIN catalog.main.tenants t ON t.id = s.tenant_id GROUP BY ALL ORDER BY ALL']);
  expect(ids).toEqual([
    ['acme', 2 * POINTS + 1],
    ['default', POINTS],
    ['new', 1],
    ['o\'brien "ltd"', POINTS],
  ]);
});

it('finishes a migration that a crash stopped after the id column was added', async () => {
  const dataDir = await newDir();
  let store = await open(dataDir);
  await writeAll(store);
  await store.close();
  // The first step committed (every row has the default id 0), the rest did not.
  await onFiles(dataDir, [...OLD_LAYOUT, 'ALTER TABLE p.main.samples ADD COLUMN tenant_id UINTEGER DEFAULT 0']);
  store = await open(dataDir);
  try {
    expect(await snapshot(store)).toEqual(expectedSnapshot());
  } finally {
    await store.close();
  }
  expect(await columns(dataDir)).toEqual(['fingerprint BIGINT', 't_ms BIGINT', 'value DOUBLE', 'tenant_id UINTEGER']);
});
