import { context, createContextKey, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/** Context key under which the correlation id travels with the OpenTelemetry context. */
export const CORRELATION_KEY = createContextKey('sightline.correlation_id');

let contextManagerEnsured = false;

/**
 * Makes sure an AsyncLocalStorage-backed context manager is registered.
 *
 * Correlation ids and log bindings ride on the OpenTelemetry context, so they must work even
 * when `init()` was never called (unit tests, scripts, libraries). If the application already
 * registered its own context manager, registration fails quietly and theirs is used.
 */
export function ensureContextManager(): void {
  if (contextManagerEnsured) return;
  contextManagerEnsured = true;
  const manager = new AsyncLocalStorageContextManager();
  manager.enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
}

/** Returns the correlation id stored in `ctx`, if any. */
export function correlationIdFrom(ctx: Context): string | undefined {
  return ctx.getValue(CORRELATION_KEY) as string | undefined;
}
