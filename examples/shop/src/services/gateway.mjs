// gateway: the public API. Checkout fans out to auth, catalog and orders; /admin/faults
// switches faults in the owning service at run time.
import { callJson, HttpError, startService } from '../lib/service.mjs';
import { FAULT_OWNERS, urlOf } from '../lib/topology.mjs';

await startService({
  name: 'gateway',
  routes: {
    'GET /api/products': async () => callJson(`${urlOf('catalog')}/products`),
    'GET /api/assistant': async ({ query }) => callJson(`${urlOf('catalog')}/assistant?q=${encodeURIComponent(query.get('q') ?? '')}`, { timeoutMs: 10_000 }),
    'POST /api/checkout': async ({ req, body }) => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      const { userId } = await callJson(`${urlOf('auth')}/verify`, { method: 'POST', body: { token } });
      const product = await callJson(`${urlOf('catalog')}/products/${encodeURIComponent(body.sku)}`);
      const qty = Math.max(1, Math.min(10, Number(body.qty) || 1));
      const order = await callJson(`${urlOf('orders')}/orders`, { method: 'POST', body: { userId, sku: product.sku, qty, price: product.price }, timeoutMs: 10_000 });
      return { status: 201, body: order };
    },
    'GET /admin/faults': async () => {
      const out = {};
      for (const owner of new Set(Object.values(FAULT_OWNERS))) Object.assign(out, await callJson(`${urlOf(owner)}/faults`));
      return out;
    },
    'POST /admin/faults/:fault': async ({ params, body }) => {
      const owner = FAULT_OWNERS[params.fault];
      if (!owner) throw new HttpError(404, 'SL_ERR_UNKNOWN_FAULT', `unknown fault ${params.fault}; known: ${Object.keys(FAULT_OWNERS).join(', ')}`);
      return callJson(`${urlOf(owner)}/faults/${params.fault}`, { method: 'POST', body: { enabled: body.enabled !== false } });
    },
  },
});
