import type { IncomingMessage, ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import { beginRequest, type MiddlewareOptions } from './request-observer.js';

interface FastifyLikeRequest {
  raw: IncomingMessage;
  routeOptions?: { url?: string };
}
interface FastifyLikeReply {
  raw: ServerResponse;
}
interface FastifyLikeInstance {
  addHook(name: 'onRequest', hook: (req: FastifyLikeRequest, reply: FastifyLikeReply, done: (err?: Error) => void) => void): unknown;
}

/** A Fastify plugin function (callback style), typed loosely to avoid a Fastify dependency. */
export type FastifyPlugin = ((instance: FastifyLikeInstance, opts: unknown, done: (err?: Error) => void) => void) & {
  [key: symbol]: unknown;
};

/**
 * Fastify plugin: server span, RED metrics, correlation id, canonical log line, with the
 * route template from `request.routeOptions.url`. Register it before your routes. It is
 * global (not encapsulated), like plugins wrapped with `fastify-plugin`.
 *
 * No release of `@fastify/otel` or `@opentelemetry/instrumentation-fastify` supports Node 20
 * with `@opentelemetry/instrumentation` 0.223, so this plugin is the Fastify integration.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * await app.register(fastifyPlugin());
 * app.get('/orders/:id', handler);
 * ```
 */
export function fastifyPlugin(options: MiddlewareOptions = {}): FastifyPlugin {
  const plugin = ((instance: FastifyLikeInstance, _opts: unknown, done: (err?: Error) => void) => {
    instance.addHook('onRequest', (request, reply, next) => {
      const state = beginRequest(request.raw, reply.raw, options);
      if (!state) return next();
      state.route = request.routeOptions?.url;
      if (context.active() === state.context) return next();
      context.with(state.context, () => next());
    });
    done();
  }) as FastifyPlugin;
  // Same effect as wrapping with fastify-plugin: hooks apply to the whole app.
  plugin[Symbol.for('skip-override')] = true;
  plugin[Symbol.for('fastify.display-name')] = '@sightline/sdk';
  return plugin;
}
