import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..', '..');
export const SERVER_ENTRY = join(REPO_ROOT, 'packages', 'server', 'dist', 'main.js');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface SightlineProcess {
  httpUrl: string;
  otlpHttpUrl: string;
  otlpGrpcPort: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `sightline start` as a child process on free ports with a fresh data dir. */
export async function startSightline(): Promise<SightlineProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sightline-e2e-'));
  const [http, otlpHttp, otlpGrpc] = [await freePort(), await freePort(), await freePort()];
  let log = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [SERVER_ENTRY, 'start', '--data-dir', dataDir, '--http-port', String(http), '--otlp-http-port', String(otlpHttp), '--otlp-grpc-port', String(otlpGrpc)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const httpUrl = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sightline exited with ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${httpUrl}/api/info`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`sightline did not answer /api/info within 60s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    httpUrl,
    otlpHttpUrl: `http://127.0.0.1:${otlpHttp}`,
    otlpGrpcPort: otlpGrpc,
    output: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
