// Starts a real Sightline in-process on ephemeral 127.0.0.1 ports with a fresh data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { startSightline, type RunningSightline } from '../../src/server.js';
import type { Scheduler } from '../../src/scheduler.js';

export interface TestServer extends RunningSightline {
  dataDir: string;
  api<T = any>(path: string): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startTestServer(overrides: Record<string, unknown> = {}, clock?: () => number, scheduler?: Scheduler): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sightline-test-'));
  const config = loadConfig({
    env: {},
    overrides: { dataDir, http: { port: 0 }, otlp: { httpPort: 0, grpcPort: 0 }, log: { level: 'warn' }, ...overrides },
  });
  const running = await startSightline({ config, clock, scheduler, logger: pino({ level: 'warn' }), webRoot: join(dataDir, 'no-ui') });
  return Object.assign(Object.create(running) as RunningSightline, running, {
    dataDir,
    async api(path: string) {
      const res = await fetch(running.httpUrl + path);
      const text = await res.text();
      let body: any;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      return { status: res.status, body };
    },
    async stop() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  }) as TestServer;
}
