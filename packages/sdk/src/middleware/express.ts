import type { IncomingMessage, ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import { beginRequest, type MiddlewareOptions } from './request-observer.js';

interface ExpressLikeRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: string | RegExp };
}

/** The shape of an Express middleware, without depending on Express types. */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Express middleware: server span, RED metrics, correlation id, canonical log line. Mount it
 * first (`app.use(expressMiddleware())`). The route template comes from `req.baseUrl +
 * req.route.path`, so metrics are labelled `/orders/:id`, never `/orders/42`.
 *
 * @example
 * ```ts
 * const app = express();
 * app.use(expressMiddleware());
 * app.get('/orders/:id', handler);
 * ```
 */
export function expressMiddleware(options: MiddlewareOptions = {}): ExpressMiddleware {
  const resolveRoute = (req: IncomingMessage): string | undefined => {
    const r = req as ExpressLikeRequest;
    const path = r.route?.path;
    if (path === undefined) return options.route?.(req);
    return `${r.baseUrl ?? ''}${typeof path === 'string' ? path : path.toString()}`;
  };
  const opts: MiddlewareOptions = { ...options, route: resolveRoute };
  return (req, res, next) => {
    const state = beginRequest(req, res, opts);
    if (!state || context.active() === state.context) return next();
    context.with(state.context, next);
  };
}
