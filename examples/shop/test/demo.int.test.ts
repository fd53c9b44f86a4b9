// The demo starts with one command and produces traces across all services within 30 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, stopChild, waitFor } from '../../../packages/sdk/test/helpers/sightline-server.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SERVICES = ['gateway', 'auth', 'catalog', 'orders', 'payments', 'inventory', 'broker', 'worker'];
let demo: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'sightline-demo-int-'));

afterAll(async () => {
  if (demo) await stopChild(demo);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('starts Sightline and the shop, and traces cover every service within 30 seconds', async () => {
    const ports = { http: await freePort(), otlpHttp: await freePort(), otlpGrpc: await freePort(), gateway: await freePort() };
    // Service ports are base+1..base+7; pick a base whose range is likely free.
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const started = Date.now();
    let out = '';
    demo = spawn(
      process.execPath,
      [
        join(ROOT, 'examples/shop/demo.mjs'),
        '--http-port', String(ports.http), '--otlp-http-port', String(ports.otlpHttp), '--otlp-grpc-port', String(ports.otlpGrpc),
        '--gateway-port', String(ports.gateway), '--base-port', String(base), '--data-dir', dataDir, '--rps', '10', '--duration', '120',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    demo.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    demo.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor('DEMO_READY', async () => {
      if (demo!.exitCode !== null) throw new Error(`demo exited: ${out}`);
      return out.includes('DEMO_READY') ? true : undefined;
    }, 60_000);

    const api = `http://127.0.0.1:${ports.http}`;
    const covered = await waitFor('a trace across all services', async () => {
      const res = await fetch(`${api}/api/traces?service=gateway&operation=${encodeURIComponent('POST /api/checkout')}&limit=20`);
      if (!res.ok) return undefined;
      const { traces } = (await res.json()) as { traces: Array<{ traceId: string }> };
      for (const t of traces) {
        const full = (await (await fetch(`${api}/api/traces/${t.traceId}`)).json()) as { spans: Array<{ serviceName: string }> };
        const services = new Set(full.spans.map((s) => s.serviceName));
        if (SERVICES.every((s) => services.has(s))) return services;
      }
      return undefined;
    }, 30_000, 1000);
    expect([...covered].sort()).toEqual([...SERVICES].sort());
    // "within 30 seconds" of the shop being up; the first run may also build packages.
    expect(Date.now() - started).toBeLessThan(90_000);
  });
});
