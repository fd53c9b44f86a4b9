// The Prometheus HTTP API (/api/v1/*) so Grafana's Prometheus data source, promtool-style
// scripts and other Prometheus clients work against Sightline unchanged. Envelopes, error
// types, HTTP codes and parameter parsing follow Prometheus' web/api/v1.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { SightlineError } from '../../errors.js';
import { formatPromFloat, parsePromQL, PromQLError, type PromResult } from '../../query/promql/index.js';
import type { Store } from '../../storage/store.js';
import { errorEnvelope, limitParam, optionalTime, param, params, parseDurationParam, parseTimeParam, PromApiError, success, type Params } from './prom-params.js';
import { MAX_SERIES_PER_LOOKUP, parseSelector, selectorsOf, selectSeries } from './series-select.js';

export interface PromEngine {
  instant(tenant: string, expr: string, timeMs: number): Promise<PromResult & { stats?: object }>;
  range(tenant: string, expr: string, startMs: number, endMs: number, stepMs: number): Promise<PromResult & { stats?: object }>;
}

export interface PromBuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildUser: string;
  buildDate: string;
  goVersion: string;
}

export interface PromApiOptions {
  store: Store;
  tenant: string;
  clock: () => number;
  engine: PromEngine;
  /** An engine with per-request limits (`timeout`, `lookback_delta` parameters). */
  engineWith: (opts: { timeoutMs?: number; lookbackDeltaMs?: number; tier?: 'auto' | 'raw' }) => PromEngine;
  defaultTimeoutMs: number;
  maxPointsPerSeries: number;
  /** Range of /series, /labels, /metadata without start/end (Prometheus: all data; here: the metric retention). */
  defaultLookupRangeMs: number;
  buildInfo: PromBuildInfo;
  rules?: (type?: 'alert' | 'record') => { groups: unknown[] };
  alerts?: () => { alerts: unknown[] };
  targets?: () => unknown[];
  timer: (endpoint: string) => () => void;
}

function merged(req: FastifyRequest): Params {
  // Prometheus reads r.Form: POST form values and the query string together.
  const q = (req.query ?? {}) as Params;
  const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Params;
  const out: Params = { ...q };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = [...(Array.isArray(v) ? v : [v as string]), ...(Array.isArray(prev) ? prev : [prev])];
  }
  return out;
}

function parseForm(body: string): Params {
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function toApiError(err: unknown): PromApiError {
  if (err instanceof PromApiError) return err;
  if (err instanceof PromQLError) return new PromApiError(err.type, err.message);
  if (err instanceof SightlineError) return new PromApiError(err.status < 500 ? 'bad_data' : err.status === 503 ? 'unavailable' : 'internal', err.message);
  return new PromApiError('internal', err instanceof Error ? err.message : String(err));
}

function checkQuery(query: string): void {
  try {
    parsePromQL(query);
  } catch (err) {
    throw new PromApiError('bad_data', `invalid parameter "query": ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const promApiRoutes: FastifyPluginAsync<PromApiOptions> = async (app, o) => {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 * 1024 }, (_req, body, done) => {
    done(null, parseForm(body as string));
  });

  app.setErrorHandler((err, req, reply) => {
    const e = (err as { statusCode?: number }).statusCode && !(err instanceof PromApiError) ? new PromApiError((err as { statusCode: number }).statusCode < 500 ? 'bad_data' : 'internal', (err as Error).message) : toApiError(err);
    if (e.errorType === 'internal') req.log.error({ err }, 'Prometheus API error');
    return reply.status(e.status).send(errorEnvelope(e.errorType, e.message));
  });

  const engineFor = (p: Params): PromEngine => {
    const timeoutRaw = param(p, 'timeout');
    const lookbackRaw = param(p, 'lookback_delta');
    // Sightline's own parameter: `sightline_tier=raw` never reads a rollup tier, `auto` reads the
    // coarsest one that fits the step, `fallback` (the default) only where raw samples are gone.
    const tierRaw = param(p, 'sightline_tier');
    if (tierRaw !== '' && tierRaw !== 'raw' && tierRaw !== 'auto' && tierRaw !== 'fallback') {
      throw new PromApiError('bad_data', `invalid parameter "sightline_tier": ${JSON.stringify(tierRaw)} is not one of "fallback", "auto", "raw"`);
    }
    const tier = tierRaw === 'raw' || tierRaw === 'auto' ? tierRaw : undefined;
    if (timeoutRaw === '' && lookbackRaw === '' && !tier) return o.engine;
    const timeoutMs = timeoutRaw === '' ? undefined : Math.min(parseDurationParam(timeoutRaw, 'timeout'), o.defaultTimeoutMs);
    const lookbackDeltaMs = lookbackRaw === '' ? undefined : parseDurationParam(lookbackRaw, 'lookback_delta');
    if (lookbackDeltaMs !== undefined && lookbackDeltaMs < 0) throw new PromApiError('bad_data', 'invalid parameter "lookback_delta": lookback delta cannot be negative');
    return o.engineWith({ timeoutMs, lookbackDeltaMs, tier });
  };

  const shape = (r: PromResult & { stats?: object }, p: Params, reply: FastifyReply) => {
    // Stats only when asked for, as in Prometheus. Where the samples came from (raw, rollup
    // tiers) is in the stats and, always, in a header no Prometheus client minds.
    const tiers = (r.stats as { tiers?: string[] } | undefined)?.tiers;
    if (tiers) reply.header('x-sightline-tiers', tiers.join(','));
    const data: Record<string, unknown> = { resultType: r.resultType, result: r.result };
    if (param(p, 'stats') !== '' && r.stats) data.stats = r.stats;
    return data;
  };

  const instant = async (req: FastifyRequest, reply: FastifyReply) => {
    const done = o.timer('prom_query');
    try {
      const p = merged(req);
      const query = param(p, 'query');
      const timeMs = optionalTime(p, 'time', o.clock());
      checkQuery(query);
      const result = await engineFor(p).instant(o.tenant, query, timeMs);
      return success(shape(result, p, reply));
    } finally {
      done();
    }
  };

  const range = async (req: FastifyRequest, reply: FastifyReply) => {
    const done = o.timer('prom_query_range');
    try {
      const p = merged(req);
      const startMs = parseTimeParam(param(p, 'start'), 'start');
      const endMs = parseTimeParam(param(p, 'end'), 'end');
      if (endMs < startMs) throw new PromApiError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
      const stepMs = parseDurationParam(param(p, 'step'), 'step');
      if (!(stepMs > 0)) throw new PromApiError('bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
      // For safety, limit the number of returned points per timeseries (Prometheus: 11,000).
      if ((endMs - startMs) / stepMs > o.maxPointsPerSeries) {
        throw new PromApiError('bad_data', `exceeded maximum resolution of ${o.maxPointsPerSeries.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`);
      }
      const query = param(p, 'query');
      checkQuery(query);
      const result = await engineFor(p).range(o.tenant, query, startMs, endMs, stepMs);
      return success(shape(result, p, reply));
    } finally {
      done();
    }
  };

  const lookupRange = (p: Params) => {
    const endMs = optionalTime(p, 'end', o.clock());
    const startMs = optionalTime(p, 'start', endMs - o.defaultLookupRangeMs);
    if (endMs < startMs) throw new PromApiError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
    // Nothing older than the metric retention exists, and the Prometheus min/max sentinels
    // mean "everything": clamp to what the store can hold (a day of slack for partitions).
    const now = o.clock();
    return { startMs: Math.max(startMs, now - o.defaultLookupRangeMs - 86_400_000), endMs: Math.min(endMs, now + 86_400_000) };
  };

  const truncationWarning = (truncated: boolean) => (truncated ? [`results truncated: one selector matched more than ${MAX_SERIES_PER_LOOKUP} series; narrow match[]`] : undefined);

  const series = async (req: FastifyRequest) => {
    const done = o.timer('prom_series');
    try {
      const p = merged(req);
      const selectors = params(p, 'match[]');
      if (selectors.length === 0) throw new PromApiError('bad_data', 'no match[] parameter provided');
      const matchers = selectors.map((s) => parseSelector(s));
      const { startMs, endMs } = lookupRange(p);
      const limit = limitParam(p);
      const { series: found, truncated } = await selectSeries(o.store, o.tenant, matchers, startMs, endMs);
      let data = found.map((s) => s.labels);
      const warnings = truncationWarning(truncated) ?? [];
      if (limit > 0 && data.length > limit) {
        data = data.slice(0, limit);
        warnings.push('results truncated due to limit');
      }
      return success(data, warnings);
    } finally {
      done();
    }
  };

  const labelNames = async (req: FastifyRequest) => {
    const done = o.timer('prom_labels');
    try {
      const p = merged(req);
      const matchers = params(p, 'match[]').map((s) => parseSelector(s, 'match[]', false));
      const { startMs, endMs } = lookupRange(p);
      const limit = limitParam(p);
      const { series: found, truncated } = await selectSeries(o.store, o.tenant, matchers, startMs, endMs);
      const names = new Set<string>();
      for (const s of found) for (const k of Object.keys(s.labels)) names.add(k);
      let data = [...names].sort();
      const warnings = truncationWarning(truncated) ?? [];
      if (limit > 0 && data.length > limit) {
        data = data.slice(0, limit);
        warnings.push('results truncated due to limit');
      }
      return success(data, warnings);
    } finally {
      done();
    }
  };

  const labelValues = async (req: FastifyRequest<{ Params: { name: string } }>) => {
    const done = o.timer('prom_label_values');
    try {
      const p = merged(req);
      let name = req.params.name;
      // Prometheus 3 allows UTF-8 label names encoded as U__<escaped>; decode the simple form.
      if (name.startsWith('U__')) name = name.slice(3).replace(/_([0-9a-fA-F]+)_/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) && !req.params.name.startsWith('U__')) throw new PromApiError('bad_data', `invalid label name: ${JSON.stringify(name)}`);
      const selectors = params(p, 'match[]');
      const { startMs, endMs } = lookupRange(p);
      const limit = limitParam(p);
      let values: string[];
      let warnings: string[] = [];
      if (name === '__name__' && selectors.length === 0) {
        // Fast path Grafana hits on every editor load: metric names come from the series catalog.
        const names = await o.store.metricNames(o.tenant, startMs, endMs);
        values = names.map((n) => n.name);
      } else {
        const { series: found, truncated } = await selectSeries(o.store, o.tenant, selectors.map((s) => parseSelector(s, 'match[]', false)), startMs, endMs);
        warnings = truncationWarning(truncated) ?? [];
        const set = new Set<string>();
        for (const s of found) {
          const v = s.labels[name];
          if (v !== undefined && v !== '') set.add(v);
        }
        values = [...set];
      }
      values.sort();
      if (limit > 0 && values.length > limit) {
        values = values.slice(0, limit);
        warnings.push('results truncated due to limit');
      }
      return success(values, warnings);
    } finally {
      done();
    }
  };

  const metadata = async (req: FastifyRequest) => {
    const done = o.timer('prom_metadata');
    try {
      const p = merged(req);
      const limit = limitParam(p);
      const perMetric = limitParam(p, 'limit_per_metric');
      const only = param(p, 'metric');
      const now = o.clock();
      const names = await o.store.metricNames(o.tenant, now - o.defaultLookupRangeMs, now);
      const data: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
      let count = 0;
      for (const n of names) {
        if (only !== '' && n.name !== only) continue;
        // Prometheus only lists metrics it has metadata for.
        if (n.type === 'unknown' && n.help === '' && n.unit === '') continue;
        if (limit > 0 && count >= limit) break;
        const entry = { type: n.type === 'exponentialhistogram' ? 'histogram' : n.type, help: n.help, unit: n.unit };
        const list = (data[n.name] ??= []);
        if (perMetric > 0 && list.length >= perMetric) continue;
        list.push(entry);
        count++;
      }
      return success(data);
    } finally {
      done();
    }
  };

  const exemplars = async (req: FastifyRequest) => {
    const done = o.timer('prom_query_exemplars');
    try {
      const p = merged(req);
      const query = param(p, 'query');
      checkQuery(query);
      const { startMs, endMs } = lookupRange(p);
      const { series: found } = await selectSeries(o.store, o.tenant, selectorsOf(parsePromQL(query)), startMs, endMs);
      if (found.length === 0) return success([]);
      const rows = await o.store.readExemplars({ tenant: o.tenant, fingerprints: found.map((s) => s.fingerprint), startMs, endMs, limit: 100_000 });
      const bySeries = new Map<number, { seriesLabels: Record<string, string>; exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }> }>();
      for (const r of rows) {
        let entry = bySeries.get(r.fingerprint);
        if (!entry) bySeries.set(r.fingerprint, (entry = { seriesLabels: r.labels, exemplars: [] }));
        // Exemplar labels as Prometheus keeps them: trace_id/span_id plus the other attributes.
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.attributes)) labels[k] = typeof v === 'string' ? v : JSON.stringify(v);
        if (r.traceId) labels.trace_id = r.traceId;
        if (r.spanId) labels.span_id = r.spanId;
        entry.exemplars.push({ labels, value: formatPromFloat(r.value), timestamp: r.timeMs / 1000 });
      }
      return success([...bySeries.values()]);
    } finally {
      done();
    }
  };

  for (const method of ['GET', 'POST'] as const) {
    app.route({ method, url: '/api/v1/query_exemplars', handler: exemplars });
    app.route({ method, url: '/api/v1/query', handler: instant });
    app.route({ method, url: '/api/v1/query_range', handler: range });
    app.route({ method, url: '/api/v1/series', handler: series });
    app.route({ method, url: '/api/v1/labels', handler: labelNames });
    app.route({ method, url: '/api/v1/label/:name/values', handler: labelValues });
  }
  app.get('/api/v1/metadata', metadata);
  app.get('/api/v1/status/buildinfo', async () => success(o.buildInfo));
  app.get('/api/v1/rules', async (req) => {
    const type = param(merged(req), 'type');
    if (type !== '' && type !== 'alert' && type !== 'record') throw new PromApiError('bad_data', `invalid parameter "type": not supported value ${JSON.stringify(type)}`);
    return success(o.rules ? o.rules((type || undefined) as 'alert' | 'record' | undefined) : { groups: [] });
  });
  app.get('/api/v1/alerts', async () => success(o.alerts ? o.alerts() : { alerts: [] }));
  app.get('/api/v1/targets', async () => success({ activeTargets: o.targets ? o.targets() : [], droppedTargets: [] }));
};
