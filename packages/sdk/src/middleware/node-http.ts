import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import { beginRequest, type MiddlewareOptions } from './request-observer.js';

/**
 * Wraps a `node:http` request listener: server span, RED metrics, correlation id and the
 * canonical log line. After `init()` every server gets those anyway; the wrapper adds what only
 * the app knows: `route` names routes (otherwise the span is named by method only and metrics
 * carry no `http.route`, keeping cardinality bounded), and a logger or log mode of its own.
 * Without `init()` it does the whole job itself.
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
    // Under init() the server instrumentation already made the request's context active.
    if (!state || context.active() === state.context) return handler(req as Req, res as Res);
    return context.with(state.context, () => handler(req as Req, res as Res));
  };
}
