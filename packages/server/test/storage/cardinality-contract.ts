// Store contract, cardinality part: activeSeries (what the cardinality guard seeds from) and
// cardinality (the explorer's counts), through the Store interface only. Every backend runs it
// next to runStoreContract.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import { sampleBatch, series } from './batch-helpers.js';
import type { StoreFactory, StoreHarness } from './contract.js';

const HOUR = 3_600_000;
/** Monday 2026-11-23 12:00 UTC. */
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

export function runCardinalityContract(name: string, factory: StoreFactory): void {
  describe(`Store contract (cardinality): ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    let now = T0;

    beforeEach(async () => {
      now = T0;
      harness = await factory();
      store = await harness.open(() => now);
    });
    afterEach(async () => {
      await store.close();
      await harness.dispose();
    });

    const a = (user: string, method: string) => series('req_total', { user, method });
    async function write(tenant: string, points: Array<[ReturnType<typeof series>, number]>) {
      expect(await store.writeSamples([sampleBatch(tenant, points.map(([s, timeMs]) => ({ series: s, timeMs, value: 1 })))])).toMatchObject({ status: 'ok' });
    }

    async function seed() {
      // Hour 12: three req_total series and one db series; hour 13 (registered then): one more
      // req_total series, and u1 again. Another tenant has the same metric.
      await write('default', [[a('u1', 'GET'), T0 + 1000], [a('u2', 'GET'), T0 + 2000], [a('u3', 'POST'), T0 + 3000], [series('db_q', { method: 'GET' }), T0 + 4000]]);
      now = T0 + HOUR + 60_000;
      await write('default', [[a('u4', 'GET'), T0 + HOUR + 1000], [a('u1', 'GET'), T0 + HOUR + 2000]]);
      await write('other', [[a('x', 'GET'), T0 + HOUR + 3000]]);
    }

    it('lists the series with samples in a range, of every tenant, with the end of their last active hour', async () => {
      await seed();
      const rows = await store.activeSeries(T0, T0 + 2 * HOUR);
      const view = rows.map((r) => `${r.tenant}|${r.name}|${r.labels.user ?? r.labels.method}|${r.lastSeenMs - T0}`).sort();
      expect(view).toEqual([
        `default|db_q|GET|${HOUR - 1}`,
        `default|req_total|u1|${2 * HOUR - 1}`,
        `default|req_total|u2|${HOUR - 1}`,
        `default|req_total|u3|${HOUR - 1}`,
        `default|req_total|u4|${2 * HOUR - 1}`,
        `other|req_total|x|${2 * HOUR - 1}`,
      ]);
      expect(rows.find((r) => r.labels.user === 'u4')).toMatchObject({ fingerprint: a('u4', 'GET').fingerprint, labels: { __name__: 'req_total', user: 'u4', method: 'GET' } });
      // Only hour 13: the hour-12-only series are left out; the range end caps lastSeenMs.
      const later = await store.activeSeries(T0 + HOUR, T0 + HOUR + 10_000);
      expect(later.map((r) => r.labels.user).sort()).toEqual(['u1', 'u4', 'x']);
      expect(later.every((r) => r.lastSeenMs === T0 + HOUR + 10_000)).toBe(true);
    });

    it('counts series by metric, label and label value over a range, and per hour', async () => {
      await seed();
      const all = await store.cardinality({ tenant: 'default', startMs: T0, endMs: T0 + 2 * HOUR - 1, limit: 10 });
      expect(all.totalSeries).toBe(5);
      expect(all.topMetrics).toEqual([{ name: 'req_total', series: 4 }, { name: 'db_q', series: 1 }]);
      expect(all.topLabels).toEqual([{ name: 'user', distinctValues: 4, series: 4 }, { name: 'method', distinctValues: 2, series: 5 }]);
      expect(all.topLabelValues.slice(0, 2)).toEqual([{ name: 'method', value: 'GET', series: 4 }, { name: 'method', value: 'POST', series: 1 }]);
      expect(all.growth).toEqual([
        { timeMs: T0, series: 4, newSeries: 4 },
        { timeMs: T0 + HOUR, series: 2, newSeries: 1 },
      ]);

      const one = await store.cardinality({ tenant: 'default', startMs: T0 + HOUR, endMs: T0 + HOUR + 1, metric: 'req_total', limit: 1 });
      expect(one.totalSeries).toBe(2);
      expect(one.topMetrics).toEqual([{ name: 'req_total', series: 2 }]);
      expect(one.topLabels).toEqual([{ name: 'user', distinctValues: 2, series: 2 }]);
      expect(one.growth).toEqual([{ timeMs: T0 + HOUR, series: 2, newSeries: 1 }]);

      const other = await store.cardinality({ tenant: 'other', startMs: T0, endMs: T0 + 2 * HOUR, limit: 10 });
      expect(other.totalSeries).toBe(1);
      expect(other.topLabelValues).toEqual([{ name: 'method', value: 'GET', series: 1 }, { name: 'user', value: 'x', series: 1 }]);

      const none = await store.cardinality({ tenant: 'default', startMs: T0 - 5 * HOUR, endMs: T0 - 3 * HOUR, limit: 10 });
      expect(none).toEqual({ totalSeries: 0, topMetrics: [], topLabels: [], topLabelValues: [], growth: [0, 1, 2].map((i) => ({ timeMs: T0 - (5 - i) * HOUR, series: 0, newSeries: 0 })) });
    });

    it('treats a metric name as data, never as SQL', async () => {
      await seed();
      const r = await store.cardinality({ tenant: 'default', startMs: T0, endMs: T0 + HOUR, metric: "req_total' OR '1'='1", limit: 10 });
      expect(r.totalSeries).toBe(0);
    });
  });
}
