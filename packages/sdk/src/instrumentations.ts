import { createNoopMeter, type Meter, type MeterOptions, type MeterProvider } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { ResolvedConfig } from './config.js';

// The SDK records http.server.* itself (with the route template). The HTTP instrumentation's
// server half is off, but a user-registered copy with it on would record the same names
// without the route and double every rate in queries. Client metrics are kept.
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
 * `@opentelemetry/instrumentation` 0.223 (http client, undici/fetch, express, pg). Fastify has
 * none (see docs/sdk.md); the SDK's `fastifyPlugin` covers it. Inbound HTTP is not here: the
 * SDK observes servers itself (`instrumentHttpServers`), far cheaper per request.
 */
export function createInstrumentations(cfg: ResolvedConfig, otlpHosts: Set<string>): Instrumentation[] {
  const list: Instrumentation[] = [];
  if (cfg.instrumentations.http) {
    list.push(
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: true,
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
