import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCpuProfile, captureHeapSnapshot, compareHeapSnapshots, profilingHandler } from '../src/index.js';

let dir: string;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function burnCpuForProfile(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(i);
  return x;
}

class LeakyRecordForHeapTest {
  constructor(readonly payload: string) {}
}

describe('profiling', () => {
  it('captures a CPU profile and names the hot function', async () => {
    const pending = captureCpuProfile(300);
    setTimeout(() => burnCpuForProfile(200), 20);
    const result = await pending;
    expect(result.durationMs).toBeGreaterThan(250);
    expect(result.top.length).toBeGreaterThan(0);
    expect(result.top.slice(0, 5).map((f) => f.functionName)).toContain('burnCpuForProfile');
  });

  it('compares heap snapshots and finds the growing constructor', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sdk-heap-'));
    const before = await captureHeapSnapshot(dir);
    const leak: LeakyRecordForHeapTest[] = [];
    for (let i = 0; i < 20_000; i++) leak.push(new LeakyRecordForHeapTest(`item-${i}`));
    const after = await captureHeapSnapshot(dir);
    const growth = await compareHeapSnapshots(before, after, 50);
    const entry = growth.find((g) => g.name === 'LeakyRecordForHeapTest');
    expect(entry).toBeDefined();
    expect(entry!.countDelta).toBeGreaterThanOrEqual(20_000);
    expect(leak.length).toBe(20_000);
  }, 60_000);

  it('serves the HTTP trigger with a token', async () => {
    const handler = profilingHandler({ token: 't0k', dir: dir });
    const server = http.createServer((req, res) => handler(req, res) || res.writeHead(404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/debug/profile/cpu?seconds=0.2`)).status).toBe(401);
      const res = await fetch(`${base}/debug/profile/cpu?seconds=0.2`, { headers: { authorization: 'Bearer t0k' } });
      expect(res.status).toBe(200);
      expect(Array.isArray(((await res.json()) as any).top)).toBe(true);
      expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
