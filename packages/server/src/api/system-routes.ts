// /metrics (own metrics in Prometheus text format), /healthz, /readyz and /api/info.
import type { FastifyPluginAsync } from 'fastify';
import { errorBody } from '../errors.js';
import type { ApiContext } from './app.js';

export const systemRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/metrics', async (_req, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });

  // Liveness: the process answers. It never checks dependencies, so a slow disk does not
  // get a healthy process restarted.
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    if (!ctx.isReady()) return reply.status(503).send(errorBody('SL_ERR_NOT_READY', 'Sightline is starting or shutting down'));
    return { status: 'ready' };
  });

  app.get('/api/info', async () => {
    const now = ctx.clock();
    const day = 24 * 3600 * 1000;
    const range = { startNs: BigInt(now - 7 * day) * 1_000_000n, endNs: BigInt(now + 60_000) * 1_000_000n };
    const [services, logs, names] = await Promise.all([
      ctx.store.listServices(ctx.tenant, range),
      ctx.store.searchLogs({ tenant: ctx.tenant, ...range, limit: 1 }),
      ctx.store.metricNames(ctx.tenant, now - 7 * day, now + 60_000),
    ]);
    return { ...ctx.info(), hasData: services.length > 0 || logs.logs.length > 0 || names.length > 0 };
  });
};
