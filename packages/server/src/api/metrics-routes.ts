// /api/metrics: metric names, series lookup and raw samples (PromQL has its own API).
import type { FastifyPluginAsync } from 'fastify';
import { SightlineError } from '../errors.js';
import type { RoutesOptions } from './traces-routes.js';
import { limit, prefixed, str, timeRange, type Query } from './params.js';

const MAX_SERIES_PER_READ = 500;

export const metricsRoutes: FastifyPluginAsync<RoutesOptions> = async (app, { ctx, timer }) => {
  app.get('/api/metrics/names', async (req) => {
    const done = timer('metric_names');
    try {
      const range = timeRange(req.query as Query, ctx.clock(), ctx.defaultRangeMs);
      return { names: await ctx.store.metricNames(ctx.tenant, range.startMs, range.endMs) };
    } finally {
      done();
    }
  });

  app.get('/api/metrics/series', async (req) => {
    const done = timer('metric_series');
    try {
      const q = req.query as Query;
      const range = timeRange(q, ctx.clock(), ctx.defaultRangeMs);
      const name = str(q, 'match');
      const labels = { ...prefixed(q, 'label.'), ...parseLabelParams(q) };
      if (!name && Object.keys(labels).length === 0) {
        throw new SightlineError('SL_ERR_INVALID_PARAM', "give 'match=<metric name>' and/or 'label.<name>=<value>' filters");
      }
      const series = await ctx.store.findSeries({
        tenant: ctx.tenant,
        name,
        labels: Object.keys(labels).length ? labels : undefined,
        startMs: range.startMs,
        endMs: range.endMs,
        limit: limit(q, 1000, ctx.maxLimit),
      });
      return { series };
    } finally {
      done();
    }
  });

  app.get('/api/metrics/samples', async (req) => {
    const done = timer('metric_samples');
    try {
      const q = req.query as Query;
      const range = timeRange(q, ctx.clock(), ctx.defaultRangeMs);
      const raw = str(q, 'series');
      if (!raw) throw new SightlineError('SL_ERR_INVALID_PARAM', "'series' is required: a comma-separated list of series fingerprints from /api/metrics/series");
      const fingerprints = raw.split(',').map((s) => {
        const n = Number(s.trim());
        if (!Number.isSafeInteger(n)) throw new SightlineError('SL_ERR_INVALID_PARAM', `'series' contains ${JSON.stringify(s)}, which is not a series fingerprint`);
        return n;
      });
      if (fingerprints.length > MAX_SERIES_PER_READ) {
        throw new SightlineError('SL_ERR_INVALID_PARAM', `at most ${MAX_SERIES_PER_READ} series per request, got ${fingerprints.length}`);
      }
      const series = await ctx.store.readSamples({
        tenant: ctx.tenant,
        fingerprints,
        startMs: range.startMs,
        endMs: range.endMs,
        limit: 1_000_000,
      });
      return { series };
    } finally {
      done();
    }
  });
};

/** `label=k=v` (repeatable) as an alternative to `label.k=v`. */
function parseLabelParams(q: Query): Record<string, string> {
  const raw = q.label;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new SightlineError('SL_ERR_INVALID_PARAM', `'label'=${JSON.stringify(item)} must look like name=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
