// /api/metrics: metric names, series lookup and raw samples (PromQL has its own API).
import type { FastifyPluginAsync } from 'fastify';
import { SightlineError } from '../errors.js';
import type { RoutesOptions } from './traces-routes.js';
import { limit, prefixed, str, timeRange, type Query } from './params.js';
import { MAX_CARDINALITY_HOURS } from '../storage/store.js';

const MAX_SERIES_PER_READ = 500;
/** The cardinality explorer looks at the last day unless told otherwise. */
const CARDINALITY_DEFAULT_RANGE_MS = 24 * 3_600_000;
const CARDINALITY_DEFAULT_LIMIT = 20;
const MAX_METRIC_NAME_LENGTH = 1024;

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

  // Where series come from and which limits they are near: top metrics, labels and label
  // values by series over the window (from the store), active series and rejections (from the
  // cardinality guard, which counts what the limits count).
  app.get('/api/metrics/cardinality', async (req) => {
    const done = timer('metric_cardinality');
    try {
      const q = req.query as Query;
      const now = ctx.clock();
      const range = timeRange(q, now, CARDINALITY_DEFAULT_RANGE_MS);
      const top = limit(q, CARDINALITY_DEFAULT_LIMIT, ctx.maxLimit);
      const metric = str(q, 'metric');
      if (metric !== undefined && metric.length > MAX_METRIC_NAME_LENGTH) {
        throw new SightlineError('SL_ERR_INVALID_PARAM', `'metric' is ${metric.length} characters long; metric names are at most ${MAX_METRIC_NAME_LENGTH}`);
      }
      const hours = Math.floor(range.endMs / 3_600_000) - Math.floor(range.startMs / 3_600_000) + 1;
      if (hours > MAX_CARDINALITY_HOURS) {
        throw new SightlineError('SL_ERR_INVALID_PARAM', `the window from 'start' to 'end' spans ${hours} hours; at most ${MAX_CARDINALITY_HOURS} hourly buckets (about 416 days) per request`);
      }
      const stats = await ctx.store.cardinality({ tenant: ctx.tenant, startMs: range.startMs, endMs: range.endMs, metric, limit: top });
      const guard = ctx.cardinality?.guard;
      let activeSeries: number;
      if (guard) activeSeries = guard.activeSeries(ctx.tenant, metric);
      else {
        // Without the guard: series with samples in the active window, from the hourly index.
        const windowMs = ctx.cardinality?.activeWindowMs ?? 3_600_000;
        activeSeries = (await ctx.store.cardinality({ tenant: ctx.tenant, startMs: now - windowMs, endMs: now, metric, limit: 1 })).totalSeries;
      }
      const limits = guard ? guard.limitsFor(ctx.tenant, metric) : { maxSeriesPerTenant: null, maxSeriesPerMetric: null, maxLabelValuesPerLabel: null };
      return {
        window: { startMs: range.startMs, endMs: range.endMs },
        totalSeries: stats.totalSeries,
        activeSeries,
        topMetrics: stats.topMetrics,
        topLabels: stats.topLabels,
        topLabelValues: stats.topLabelValues,
        growth: stats.growth,
        limits,
        rejected: guard ? guard.rejections(ctx.tenant, metric) : [],
      };
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
