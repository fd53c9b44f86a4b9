import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthRegistry } from '../src/index.js';

describe('HealthRegistry', () => {
  it('is healthy when all checks pass', async () => {
    const h = new HealthRegistry().register('db', async () => {}).register('cache', () => ({ details: { hits: 3 } }));
    const r = await h.check();
    expect(r.status).toBe('healthy');
    expect(r.checks.map((c) => [c.name, c.status])).toEqual([['db', 'healthy'], ['cache', 'healthy']]);
    expect(r.checks[1]!.details).toEqual({ hits: 3 });
  });

  it('is degraded when a non-critical check fails, unhealthy when a critical one does', async () => {
    const h = new HealthRegistry()
      .register('db', async () => {})
      .register('recs', async () => { throw new Error('recs down'); }, { critical: false });
    expect((await h.check()).status).toBe('degraded');
    h.register('db', async () => { throw new Error('db down'); });
    const r = await h.check();
    expect(r.status).toBe('unhealthy');
    expect(r.checks.find((c) => c.name === 'db')).toMatchObject({ status: 'unhealthy', error: 'db down' });
  });

  it('applies per-check timeouts and aborts the check', async () => {
    let aborted = false;
    const h = new HealthRegistry().register(
      'slow',
      (signal) => new Promise((r) => { signal.addEventListener('abort', () => { aborted = true; }); setTimeout(r, 1000).unref(); }),
      { timeoutMs: 30 },
    );
    const started = Date.now();
    const r = await h.check();
    expect(Date.now() - started).toBeLessThan(500);
    expect(r.status).toBe('unhealthy');
    expect(r.checks[0]!.error).toBe('timed out after 30 ms');
    expect(aborted).toBe(true);
  });

  it('reports a check-declared degraded status', async () => {
    const h = new HealthRegistry().register('pool', () => ({ status: 'degraded' as const, details: { free: 0 } }));
    expect((await h.check()).status).toBe('degraded');
  });

  describe('HTTP handler', () => {
    const h = new HealthRegistry()
      .register('db', async () => {}, { liveness: false })
      .register('event-loop', async () => {}, { liveness: true, readiness: false });
    let failDb = false;
    h.register('db', async () => { if (failDb) throw new Error('db down'); });
    const server = http.createServer((req, res) => {
      if (!h.handle(req, res)) res.writeHead(404).end();
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('serves /healthz (liveness) and /readyz (readiness) with 200/503', async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      let res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).checks.map((c: { name: string }) => c.name)).toEqual(['db']);
      failDb = true;
      res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as any).status).toBe('unhealthy');
      res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(200); // liveness ignores the database
      expect(((await res.json()) as any).checks.map((c: { name: string }) => c.name)).toEqual(['event-loop']);
      failDb = false;
      h.markShuttingDown();
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      expect((await fetch(`${base}/other`)).status).toBe(404);
    });
  });
});
