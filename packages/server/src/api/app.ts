// The HTTP API (query API under /api, /metrics, health) and the web UI, as one Fastify app.
// Each area is its own plugin; they share the error handler so every failure is
// `{ error: { code, message } }` with a fitting status.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { Store } from '../storage/store.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import { SightlineError, errorBody } from '../errors.js';
import { tracesRoutes } from './traces-routes.js';
import { logsRoutes } from './logs-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { systemRoutes } from './system-routes.js';
import { promApiRoutes, type PromApiOptions } from './compat/prom-api-routes.js';
import { remoteWriteRoutes, type RemoteWriteRoutesOptions } from './remote-write-routes.js';
import type { Logger } from 'pino';
import type { CardinalityGuard } from '../pipeline/cardinality-guard.js';

export interface ApiContext {
  store: Store;
  metrics: SelfMetrics;
  clock: () => number;
  defaultRangeMs: number;
  maxLimit: number;
  tenant: string;
  /** Readiness: false while starting or shutting down. */
  isReady: () => boolean;
  info: () => { version: string; otlp: { grpcEndpoint: string; httpEndpoint: string } };
  /** The cardinality guard (absent when metrics.cardinality.enabled is false) and its active window. */
  cardinality?: { guard: CardinalityGuard | undefined; activeWindowMs: number };
}

export interface BuildApiOptions {
  ctx: ApiContext;
  logger?: Logger | false;
  /** Folder of the built web UI; served at / with SPA fallback when present. */
  webRoot?: string;
  /** Prometheus-compatible API (/api/v1/*); absent: not served. */
  promApi?: Omit<PromApiOptions, 'timer'>;
  /** Prometheus remote_write receiver (POST /api/v1/write); absent: not served. */
  remoteWrite?: RemoteWriteRoutesOptions;
}

export async function buildApi(opts: BuildApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Request lines go to debug: at info they would log every query of the UI.
    loggerInstance: (opts.logger ? opts.logger.child({}, { level: opts.logger.level === 'info' ? 'warn' : opts.logger.level }) : undefined) as FastifyBaseLogger | undefined,
    // Query strings like attr.http.route=/x must reach handlers as flat keys.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof SightlineError) {
      if (err.retryAfterMs !== undefined) reply.header('Retry-After', String(Math.ceil(err.retryAfterMs / 1000)));
      return reply.status(err.status).send(errorBody(err.code, err.message));
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send(errorBody('SL_ERR_BAD_REQUEST', (err as Error).message));
    }
    req.log.error({ err }, 'unhandled API error');
    return reply.status(500).send(errorBody('SL_ERR_INTERNAL', 'internal error; see the server log'));
  });

  const queryTimer = (endpoint: string) => opts.ctx.metrics.queryDuration.startTimer({ endpoint });
  await app.register(tracesRoutes, { ctx: opts.ctx, timer: queryTimer });
  await app.register(logsRoutes, { ctx: opts.ctx, timer: queryTimer });
  await app.register(metricsRoutes, { ctx: opts.ctx, timer: queryTimer });
  await app.register(systemRoutes, { ctx: opts.ctx });
  // Own plugins (encapsulated): each has its own body parsers and Prometheus-style errors.
  if (opts.promApi) await app.register(promApiRoutes, { ...opts.promApi, timer: queryTimer });
  if (opts.remoteWrite) await app.register(remoteWriteRoutes, opts.remoteWrite);

  if (opts.webRoot && existsSync(opts.webRoot)) {
    await app.register(fastifyStatic, { root: opts.webRoot, wildcard: false });
    app.setNotFoundHandler((req, reply) => {
      // Deep links (/traces/abc) load the SPA; unknown API paths stay JSON 404s.
      if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/v1/')) {
        return reply.type('text/html').sendFile('index.html');
      }
      return reply.status(404).send(errorBody('SL_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
    });
  } else {
    app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody('SL_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));
  }
  return app as unknown as FastifyInstance;
}
