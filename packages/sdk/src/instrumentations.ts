import type { IncomingMessage } from 'node:http';
import { createNoopMeter, type Meter, type MeterOptions, type MeterProvider, type Span } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { ResolvedConfig } from './config.js';

const IGNORED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Incoming requests that the HTTP instrumentation already wrapped in a server span carry that
 * span under this symbol, so the SDK middleware enriches it instead of starting a second one.
 */
export const SERVER_SPAN = Symbol.for('sightline.sdk.serverSpan');

/** Reads the server span the HTTP auto-instrumentation attached to a request, if any. */
export function autoServerSpan(req: IncomingMessage): Span | undefined {
  return (req as unknown as Record<symbol, Span | undefined>)[SERVER_SPAN];
}

// The SDK middleware records http.server.* with the route template; the HTTP instrumentation
// would record the same metric names without the route, doubling every rate in queries.
// Client metrics from the instrumentation are kept.
function withoutServerHttpMetrics(provider: MeterProvider): MeterProvider {
  const noop = createNoopMeter();
  return {
    getMeter(name: string, version?: string, options?: MeterOptions): Meter {
      const meter = provider.getMeter(name, version, options);
      return new Proxy(meter, {
        get(target, prop, receiver) {
          if (prop === 'createHistogram') {
            return (metricName: string, opts?: Parameters<Meter['createHistogram']>[1]) =>
              metricName.startsWith('http.server.') ? noop.createHistogram(metricName, opts) : target.createHistogram(metricName, opts);
          }
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}

/**
 * Creates the auto-instrumentations that have releases for Node 20 compatible with
 * `@opentelemetry/instrumentation` 0.223 (http, undici/fetch, express, pg). Fastify has none
 * (see docs/sdk.md); the SDK's `fastifyPlugin` covers it.
 */
export function createInstrumentations(cfg: ResolvedConfig, otlpHosts: Set<string>): Instrumentation[] {
  const list: Instrumentation[] = [];
  if (cfg.instrumentations.http) {
    list.push(
      new HttpInstrumentation({
        requestHook(span, request) {
          // Incoming requests are IncomingMessage; outgoing ones are ClientRequest (has setHeader).
          if (typeof (request as { setHeader?: unknown }).setHeader !== 'function') {
            (request as unknown as Record<symbol, Span>)[SERVER_SPAN] = span;
          }
        },
        // Probes hit these every few seconds; a trace per probe would drown the real traffic.
        ignoreIncomingRequestHook: (req) => IGNORED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
        ignoreOutgoingRequestHook: (options) => otlpHosts.has(`${options.hostname ?? options.host}:${options.port ?? ''}`),
      }),
    );
  }
  if (cfg.instrumentations.undici) list.push(new UndiciInstrumentation());
  if (cfg.instrumentations.express) list.push(new ExpressInstrumentation());
  if (cfg.instrumentations.pg) list.push(new PgInstrumentation({ enhancedDatabaseReporting: false }));
  return list;
}

export { withoutServerHttpMetrics };
