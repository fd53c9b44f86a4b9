// /api/traces, /api/services, /api/correlate: trace search and retrieval.
import type { FastifyPluginAsync } from 'fastify';
import { SightlineError } from '../errors.js';
import { correlateTrace } from '../query/correlate.js';
import type { ApiContext } from './app.js';
import { limit, parseDurationNs, prefixed, str, timeRange, traceIdParam, type Query } from './params.js';

export interface RoutesOptions {
  ctx: ApiContext;
  timer: (endpoint: string) => () => void;
}

/** A trace lookup without a range searches this far back (the longest default retention). */
const TRACE_LOOKBACK_MS = 30 * 24 * 3600 * 1000;

export const tracesRoutes: FastifyPluginAsync<RoutesOptions> = async (app, { ctx, timer }) => {
  app.get('/api/traces/:traceId', async (req) => {
    const done = timer('trace');
    try {
      const traceId = traceIdParam((req.params as { traceId: string }).traceId);
      const q = req.query as Query;
      const range = timeRange(q, ctx.clock(), TRACE_LOOKBACK_MS);
      const spans = await ctx.store.getTrace(ctx.tenant, traceId, range);
      if (spans.length === 0) throw new SightlineError('SL_ERR_TRACE_NOT_FOUND', `trace ${traceId} was not found (it may have expired or not arrived yet)`);
      return { traceId, spans };
    } finally {
      done();
    }
  });

  app.get('/api/traces', async (req) => {
    const done = timer('trace_search');
    try {
      const q = req.query as Query;
      const range = timeRange(q, ctx.clock(), ctx.defaultRangeMs);
      const status = str(q, 'status');
      if (status !== undefined && status !== 'error' && status !== 'ok') {
        throw new SightlineError('SL_ERR_INVALID_PARAM', `'status' must be 'error' or 'ok', got ${JSON.stringify(status)}`);
      }
      const minRaw = str(q, 'minDuration');
      const maxRaw = str(q, 'maxDuration');
      const traces = await ctx.store.searchTraces({
        tenant: ctx.tenant,
        startNs: range.startNs,
        endNs: range.endNs,
        service: str(q, 'service'),
        operation: str(q, 'operation'),
        minDurationNs: minRaw ? parseDurationNs(minRaw, 'minDuration') : undefined,
        maxDurationNs: maxRaw ? parseDurationNs(maxRaw, 'maxDuration') : undefined,
        status,
        attributes: prefixed(q, 'attr.'),
        limit: limit(q, 20, ctx.maxLimit),
      });
      return { traces };
    } finally {
      done();
    }
  });

  app.get('/api/services', async (req) => {
    const done = timer('services');
    try {
      const q = req.query as Query;
      const range = timeRange(q, ctx.clock(), ctx.defaultRangeMs);
      const services = await ctx.store.serviceStats(ctx.tenant, range, 30);
      return { services };
    } finally {
      done();
    }
  });

  app.get('/api/services/:service/operations', async (req) => {
    const done = timer('operations');
    try {
      const q = req.query as Query;
      const range = timeRange(q, ctx.clock(), ctx.defaultRangeMs);
      const operations = await ctx.store.listOperations(ctx.tenant, (req.params as { service: string }).service, range);
      return { operations };
    } finally {
      done();
    }
  });

  app.get('/api/correlate/:traceId', async (req) => {
    const done = timer('correlate');
    try {
      const traceId = traceIdParam((req.params as { traceId: string }).traceId);
      const range = timeRange(req.query as Query, ctx.clock(), TRACE_LOOKBACK_MS);
      const result = await correlateTrace(ctx.store, ctx.tenant, traceId, range);
      if (result.items.length === 0) throw new SightlineError('SL_ERR_TRACE_NOT_FOUND', `no spans or logs found for trace ${traceId}`);
      return result;
    } finally {
      done();
    }
  });
};
