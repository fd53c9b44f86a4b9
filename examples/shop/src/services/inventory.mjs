// inventory: stock in an in-memory table behind a pg-style query() (observed by the SDK),
// a bulkhead in front of it, and the slow-database fault.
import { bulkhead, HealthRegistry, observeQueries } from '@sightline/sdk';
import { HttpError, sleep, startService } from '../lib/service.mjs';

const faults = { 'slow-db': false };
const stock = new Map([['TEA-01', 500], ['COF-02', 500], ['MUG-03', 500], ['KET-04', 200], ['CUP-05', 300]]);

// Understands the handful of statements this service sends; the point is the query() shape.
const db = observeQueries(
  {
    async query(text, values = []) {
      await sleep(faults['slow-db'] ? 600 + Math.random() * 600 : 1 + Math.random() * 3);
      const sku = values[0];
      if (/^select/i.test(text)) return { rowCount: stock.has(sku) ? 1 : 0, rows: stock.has(sku) ? [{ sku, qty: stock.get(sku) }] : [] };
      if (/^update stock set qty = qty - /i.test(text)) {
        const have = stock.get(sku) ?? 0;
        if (have < values[1]) return { rowCount: 0, rows: [] };
        stock.set(sku, have - values[1]);
        return { rowCount: 1, rows: [] };
      }
      if (/^update stock set qty = qty \+ /i.test(text)) {
        stock.set(sku, (stock.get(sku) ?? 0) + values[1]);
        return { rowCount: 1, rows: [] };
      }
      throw Object.assign(new Error(`unsupported statement: ${text}`), { code: '42601' });
    },
  },
  { database: 'inventory', serverAddress: 'inventory-db', serverPort: 5432, slowQueryMs: 300 },
);
const pool = bulkhead({ name: 'inventory-db', maxConcurrent: 8, maxQueue: 100, queueTimeoutMs: 3000 });
const health = new HealthRegistry().register('database', () => pool.execute(() => db.query('select qty from stock where sku = $1', ['TEA-01'])), { timeoutMs: 1500, critical: false });

await startService({
  name: 'inventory',
  faults,
  health,
  routes: {
    'GET /stock/:sku': async ({ params }) => {
      const r = await pool.execute(() => db.query('select qty from stock where sku = $1', [params.sku]));
      if (r.rowCount === 0) throw new HttpError(404, 'SL_ERR_UNKNOWN_SKU', `no stock row for ${params.sku}`);
      return r.rows[0];
    },
    'POST /reserve': async ({ body }) => {
      const r = await pool.execute(() => db.query('update stock set qty = qty - $2 where sku = $1 and qty >= $2', [body.sku, body.qty]));
      if (r.rowCount === 0) throw new HttpError(409, 'SL_ERR_OUT_OF_STOCK', `not enough ${body.sku}`);
      return { reserved: true };
    },
    'POST /release': async ({ body }) => {
      await pool.execute(() => db.query('update stock set qty = qty + $2 where sku = $1', [body.sku, body.qty]));
      return { released: true };
    },
  },
});
