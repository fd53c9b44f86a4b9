import { context, createContextKey, trace, type Context, type Span } from '@opentelemetry/api';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
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

/** Keys `trace.setSpan` and `setRPCMetadata` write under, found by asking them once (they are not exported). */
function keyWrittenBy(write: (ctx: Context) => Context): symbol {
  let key: symbol | undefined;
  const probe: Context = {
    getValue: () => undefined,
    setValue(k) {
      key = k;
      return probe;
    },
    deleteValue: () => probe,
  };
  write(probe);
  if (key === undefined) throw new Error('@sightline/sdk: context key not found');
  return key;
}

const NO_SPAN = trace.wrapSpanContext({ traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 });
const SPAN_KEY = keyWrittenBy((c) => trace.setSpan(c, NO_SPAN));
const RPC_METADATA_KEY = keyWrittenBy((c) => setRPCMetadata(c, { type: RPCType.HTTP, span: NO_SPAN }));

/**
 * The context of one inbound request: its parent (the extracted caller context) plus the
 * server span, the RPC metadata and the correlation id, in one object. The same context
 * built with `setValue` three times costs three copies of the parent's map and three closures
 * each (the API's `BaseContext`). Reads of other keys go to the parent; the first
 * `setValue`/`deleteValue` (a child span made active, baggage set in a handler) builds the
 * equivalent `BaseContext` once and derives from it.
 * @internal
 */
export class RequestContext implements Context {
  private expanded: Context | undefined = undefined;

  constructor(
    private readonly parent: Context,
    private readonly span: Span,
    private readonly rpcMetadata: RPCMetadata,
    private readonly correlationId: string,
  ) {}

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this.span;
    if (key === RPC_METADATA_KEY) return this.rpcMetadata;
    if (key === CORRELATION_KEY) return this.correlationId;
    return this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.expand().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.expand().deleteValue(key);
  }

  private expand(): Context {
    this.expanded ??= this.parent
      .setValue(SPAN_KEY, this.span)
      .setValue(RPC_METADATA_KEY, this.rpcMetadata)
      .setValue(CORRELATION_KEY, this.correlationId);
    return this.expanded;
  }
}
