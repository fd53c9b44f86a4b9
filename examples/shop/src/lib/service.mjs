// Shared skeleton of a shop service: routing with route templates, the SDK middleware,
// health checks, fault switches, on-demand profiling and JSON helpers.
import http from 'node:http';
import {
  HealthRegistry,
  getSdk,
  instrumentHttpHandler,
  logger,
  profilingHandler,
  shutdown,
} from '@sightline/sdk';
import { portOf } from './topology.mjs';

/** An HTTP error with a status, thrown by handlers and turned into a JSON response. */
export class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function compile(pattern) {
  const names = [];
  const source = pattern.replace(/:([A-Za-z]+)/g, (_m, n) => {
    names.push(n);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${source}$`), names };
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 1_000_000) throw new HttpError(413, 'SL_ERR_TOO_LARGE', 'request body over 1 MB');
    chunks.push(c);
  }
  if (chunks.length === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'SL_ERR_BAD_JSON', 'request body is not valid JSON');
  }
}

/**
 * Starts a service. `routes` maps 'METHOD /path/:param' to async (ctx) => body | {status, body}.
 * Faults are booleans toggled with POST /faults/<name> {"enabled": true}.
 */
export async function startService({ name, routes, faults = {}, health = new HealthRegistry(), onStop }) {
  const log = logger.child({ component: name });
  const faultState = { ...faults };
  const table = Object.entries(routes).map(([key, handler]) => {
    const [method, pattern] = key.split(' ');
    return { method, pattern, handler, ...compile(pattern) };
  });
  table.push(
    { method: 'GET', pattern: '/faults', ...compile('/faults'), handler: async () => faultState },
    {
      method: 'POST',
      pattern: '/faults/:fault',
      ...compile('/faults/:fault'),
      handler: async ({ params, body }) => {
        if (!(params.fault in faultState)) throw new HttpError(404, 'SL_ERR_UNKNOWN_FAULT', `${name} has no fault "${params.fault}"; it has: ${Object.keys(faultState).join(', ') || 'none'}`);
        faultState[params.fault] = Boolean(body.enabled);
        log.warn(`fault ${params.fault} ${faultState[params.fault] ? 'enabled' : 'disabled'}`, { fault: params.fault });
        return faultState;
      },
    },
  );
  health.register('event-loop', async () => {}, { liveness: true, readiness: true });

  const match = (req) => {
    const path = (req.url ?? '/').split('?')[0];
    for (const r of table) {
      if (r.method !== req.method) continue;
      const m = r.regex.exec(path);
      if (m) return { route: r, params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
    }
    return undefined;
  };

  const profile = profilingHandler({ token: process.env.SHOP_PROFILE_TOKEN });
  const handler = instrumentHttpHandler(
    async (req, res) => {
      const found = match(req);
      try {
        if (!found) throw new HttpError(404, 'SL_ERR_NOT_FOUND', `no route ${req.method} ${req.url}`);
        const body = req.method === 'GET' ? {} : await readJson(req);
        const url = new URL(req.url ?? '/', 'http://localhost');
        const out = await found.route.handler({ req, res, params: found.params, query: url.searchParams, body, faults: faultState, log });
        if (res.writableEnded) return;
        const result = out && typeof out === 'object' && 'status' in out && 'body' in out ? out : { status: 200, body: out };
        sendJson(res, result.status, result.body);
      } catch (err) {
        const status = err instanceof HttpError ? err.status : (err.status ?? 500);
        if (status >= 500) log.error('request failed', { err });
        sendJson(res, status, { error: err.code ?? 'SL_ERR_INTERNAL', message: err.message });
      }
    },
    { route: (req) => match(req)?.route.pattern ?? 'unmatched', logger: log },
  );
  const server = http.createServer((req, res) => health.handle(req, res) || profile(req, res) || handler(req, res));
  server.keepAliveTimeout = 5000;
  const port = portOf(name);
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  log.info(`${name} listening`, { port, sdk: Boolean(getSdk()) });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    health.markShuttingDown();
    await onStop?.();
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
    await shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return { server, faults: faultState, log, stop, isStopping: () => stopping };
}

export function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Calls another service with fetch: the undici instrumentation adds traceparent and
 * x-correlation-id. Non-2xx answers become HttpError with the downstream status.
 */
export async function callJson(url, { method = 'GET', body, timeoutMs = 5000 } = {}) {
  const res = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) throw new HttpError(res.status, data.error ?? 'SL_ERR_UPSTREAM', `${method} ${url} -> ${res.status}: ${data.message ?? text}`);
  return data;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
