import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import { beginRequest, type MiddlewareOptions } from './request-observer.js';

/**
 * Wraps a `node:http` request listener: server span, RED metrics, correlation id and one
 * canonical log line per request. Pass `route` to name routes (otherwise the span is named
 * by method only and metrics carry no `http.route`, keeping cardinality bounded).
 *
 * @example
 * ```ts
 * http.createServer(instrumentHttpHandler(handler, {
 *   route: (req) => (req.url?.startsWith('/orders/') ? '/orders/:id' : req.url),
 * })).listen(8080);
 * ```
 */
export function instrumentHttpHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse>(
  handler: (req: Req, res: Res) => unknown,
  options: MiddlewareOptions = {},
): RequestListener<typeof IncomingMessage, typeof ServerResponse> {
  return (req, res) => {
    const state = beginRequest(req, res, options);
    if (!state) return handler(req as Req, res as Res);
    return context.with(state.context, () => handler(req as Req, res as Res));
  };
}
