// /api/logs: log search (newest first, keyset cursor) and the severity histogram.
import type { FastifyPluginAsync } from 'fastify';
import { SightlineError } from '../errors.js';
import type { LogSearchQuery } from '../storage/store.js';
import type { ApiContext } from './app.js';
import type { RoutesOptions } from './traces-routes.js';
import { limit, prefixed, severityParam, str, timeRange, traceIdParam, type Query } from './params.js';

function logQuery(ctx: ApiContext, q: Query): LogSearchQuery {
  const range = timeRange(q, ctx.clock(), ctx.defaultRangeMs);
  const traceRaw = str(q, 'traceId');
  return {
    tenant: ctx.tenant,
    startNs: range.startNs,
    endNs: range.endNs,
    service: str(q, 'service'),
    severityMin: severityParam(str(q, 'severity')),
    traceId: traceRaw !== undefined ? traceIdParam(traceRaw) : undefined,
    text: str(q, 'q'),
    attributes: prefixed(q, 'attr.'),
    limit: limit(q, 100, ctx.maxLimit),
    cursor: str(q, 'cursor'),
  };
}

export const logsRoutes: FastifyPluginAsync<RoutesOptions> = async (app, { ctx, timer }) => {
  app.get('/api/logs', async (req) => {
    const done = timer('logs');
    try {
      return await ctx.store.searchLogs(logQuery(ctx, req.query as Query));
    } finally {
      done();
    }
  });

  app.get('/api/logs/histogram', async (req) => {
    const done = timer('logs_histogram');
    try {
      const q = req.query as Query;
      const raw = str(q, 'buckets');
      const buckets = raw === undefined ? 60 : Number(raw);
      if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1000) {
        throw new SightlineError('SL_ERR_INVALID_PARAM', `'buckets' must be an integer from 1 to 1000, got ${JSON.stringify(raw)}`);
      }
      return await ctx.store.logHistogram(logQuery(ctx, q), buckets);
    } finally {
      done();
    }
  });
};
