import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { lazyInstruments } from './metrics/meter.js';

/** Overall or per-check status. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** A check returns normally (healthy), returns a result, or throws (unhealthy). */
export type HealthCheckFn = (signal: AbortSignal) => Promise<HealthCheckOutcome> | HealthCheckOutcome;

/** What a check may return: nothing (healthy) or an explicit status with details. */
export type HealthCheckOutcome = void | { status?: HealthStatus; details?: Record<string, unknown> };

/** Registration options of one check. */
export interface HealthCheckOptions {
  /** Deadline of this check (default 2000 ms); past it the check counts as failed. */
  timeoutMs?: number;
  /** A failing critical check makes the service unhealthy; a non-critical one only degraded (default true). */
  critical?: boolean;
  /** Include in readiness (`/readyz`, default true). */
  readiness?: boolean;
  /** Include in liveness (`/healthz`, default false: liveness should not depend on dependencies). */
  liveness?: boolean;
}

/** Result of one check. */
export interface CheckResult {
  name: string;
  status: HealthStatus;
  critical: boolean;
  durationMs: number;
  error?: string;
  details?: Record<string, unknown>;
}

/** Result of a run of all checks. */
export interface HealthReport {
  status: HealthStatus;
  checks: CheckResult[];
  timestamp: string;
}

interface Registered extends Required<HealthCheckOptions> {
  name: string;
  fn: HealthCheckFn;
}

const instruments = lazyInstruments((meter) => ({
  status: meter.createGauge('health.check.status', {
    description: 'Last result of a health check: 1 healthy, 0.5 degraded, 0 unhealthy.',
    unit: '1',
  }),
}));
const STATUS_VALUE: Record<HealthStatus, number> = { healthy: 1, degraded: 0.5, unhealthy: 0 };

/**
 * A registry of health checks with per-check timeouts, critical and non-critical checks, and
 * an overall status: unhealthy if any critical check fails, degraded if a non-critical one
 * fails or reports degraded, else healthy.
 *
 * @example
 * ```ts
 * const health = new HealthRegistry();
 * health.register('postgres', () => pool.query('select 1'), { critical: true, timeoutMs: 500 });
 * health.register('recommendations', () => ping(recsUrl), { critical: false });
 * const report = await health.check();
 * ```
 */
export class HealthRegistry {
  private readonly checks = new Map<string, Registered>();
  private shuttingDown = false;

  /** Adds or replaces a check. */
  register(name: string, fn: HealthCheckFn, options: HealthCheckOptions = {}): this {
    this.checks.set(name, {
      name,
      fn,
      timeoutMs: options.timeoutMs ?? 2000,
      critical: options.critical ?? true,
      readiness: options.readiness ?? true,
      liveness: options.liveness ?? false,
    });
    return this;
  }

  /** Removes a check. */
  unregister(name: string): boolean {
    return this.checks.delete(name);
  }

  /** Makes readiness fail from now on, so load balancers drain the instance before it stops. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  /** Runs the checks (all, or those of one kind) in parallel. */
  async check(kind: 'all' | 'readiness' | 'liveness' = 'all'): Promise<HealthReport> {
    const selected = [...this.checks.values()].filter((c) => kind === 'all' || (kind === 'readiness' ? c.readiness : c.liveness));
    const checks = await Promise.all(selected.map((c) => this.runOne(c)));
    let status: HealthStatus = 'healthy';
    for (const r of checks) {
      if (r.status === 'unhealthy' && r.critical) status = 'unhealthy';
      else if (r.status !== 'healthy' && status === 'healthy') status = 'degraded';
    }
    if (kind === 'readiness' && this.shuttingDown) {
      status = 'unhealthy';
      checks.push({ name: 'shutdown', status: 'unhealthy', critical: true, durationMs: 0, error: 'shutting down' });
    }
    return { status, checks, timestamp: new Date().toISOString() };
  }

  private async runOne(c: Registered): Promise<CheckResult> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let result: CheckResult;
    try {
      const outcome = await Promise.race([
        Promise.resolve().then(() => c.fn(controller.signal)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new Error(`timed out after ${c.timeoutMs} ms`));
          }, c.timeoutMs);
        }),
      ]);
      const status = (outcome && outcome.status) || 'healthy';
      result = { name: c.name, status, critical: c.critical, durationMs: 0, details: outcome ? outcome.details : undefined };
    } catch (err) {
      result = {
        name: c.name,
        status: c.critical ? 'unhealthy' : 'degraded',
        critical: c.critical,
        durationMs: 0,
        error: err instanceof Error ? err.message : String(err),
      };
      // A non-critical failure is reported as degraded for the check itself too, so the
      // overall rule is simple: any critical unhealthy check makes the service unhealthy.
    } finally {
      clearTimeout(timer);
    }
    result.durationMs = Math.round((performance.now() - started) * 100) / 100;
    instruments().status.record(STATUS_VALUE[result.status], { 'health.check.name': c.name });
    return result;
  }

  /**
   * A `node:http` handler for `/healthz` (liveness) and `/readyz` (readiness). Answers 200 for
   * healthy and degraded, 503 for unhealthy, with the JSON report. Returns false for other paths
   * so it can sit in front of an application handler.
   *
   * @example
   * ```ts
   * http.createServer((req, res) => health.handle(req, res) || app(req, res));
   * ```
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '').split('?')[0];
    const kind = path === '/healthz' ? 'liveness' : path === '/readyz' ? 'readiness' : undefined;
    if (!kind) return false;
    void this.check(kind).then((report) => {
      const body = JSON.stringify(report);
      res.writeHead(report.status === 'unhealthy' ? 503 : 200, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
    return true;
  }
}

/** Creates a {@link HealthRegistry}. */
export function healthRegistry(): HealthRegistry {
  return new HealthRegistry();
}
