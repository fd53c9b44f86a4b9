import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { context } from '@opentelemetry/api';
import { beginRequest, failRequest } from './middleware/request-observer.js';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

const PATCHED = Symbol.for('sightline.sdk.httpServerEmit');

/**
 * Observes every request a `node:http` or `node:https` server receives: server span
 * (continuing an incoming `traceparent`), correlation id, RED metrics and the canonical log
 * line, with the request's context active in every `'request'` listener.
 *
 * It wraps `Server.prototype.emit` of both modules once, so servers created before or after
 * `init()`, from CommonJS or ESM, are covered without a loader hook. It replaces the server
 * half of `@opentelemetry/instrumentation-http`, whose per-request cost (URL parsing, binding
 * both emitters to the context, two attribute passes, its own metrics) was most of the SDK's
 * overhead on a small service; the client half of that instrumentation stays in use.
 *
 * Returns a function that restores the original `emit` methods.
 */
export function instrumentHttpServers(): () => void {
  const restores = [patchServer(http.Server.prototype), patchServer(https.Server.prototype)];
  return () => {
    for (const restore of restores) restore();
  };
}

function patchServer(proto: object): () => void {
  const target = proto as { emit: Emit } & Record<symbol, unknown>;
  if (Object.prototype.hasOwnProperty.call(target, PATCHED)) return () => {};
  const hadOwn = Object.prototype.hasOwnProperty.call(target, 'emit');
  const original = target.emit;
  let enabled = true;
  // context.with binds the callback to a `this` it is given (a bound function per request):
  // the server travels as an argument instead.
  const emitOn = (server: unknown, event: string, req: IncomingMessage, res: ServerResponse): boolean => original.call(server, event, req, res);
  const emit = function emit(this: unknown, event: string | symbol): boolean {
    // eslint-disable-next-line prefer-rest-params
    if (event !== 'request' || !enabled) return original.apply(this, arguments as unknown as [string]);
    const req = arguments[1] as IncomingMessage;
    const res = arguments[2] as ServerResponse;
    const state = beginRequest(req, res);
    if (state === undefined) return original.call(this, event, req, res);
    try {
      return context.with(state.context, emitOn, undefined, this, event as string, req, res);
    } catch (err) {
      // A listener threw synchronously: the span says so; Node's own handling continues.
      failRequest(state, err);
      throw err;
    }
  } as Emit;
  target.emit = emit;
  target[PATCHED] = true;
  return () => {
    enabled = false;
    if (target.emit !== emit) return; // wrapped again since: stay in their chain, disabled
    if (hadOwn) target.emit = original;
    else delete (target as Partial<typeof target>).emit;
    delete target[PATCHED];
  };
}
