import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
// SIGHTLINE_SERVER_MAIN points the tests at another build of the server entry.
export const SERVER_MAIN = process.env.SIGHTLINE_SERVER_MAIN ?? join(REPO_ROOT, 'packages/server/dist/main.js');
export const SDK_DIST = join(REPO_ROOT, 'packages/sdk/dist/index.js');

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => res(port));
    });
  });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** A real Sightline server started as a child process on free 127.0.0.1 ports. */
export interface RunningSightline {
  api: string;
  otlpHttp: string;
  get<T = any>(path: string): Promise<T>;
  stop(): Promise<void>;
  output(): string;
}

export async function startSightline(): Promise<RunningSightline> {
  if (!existsSync(SERVER_MAIN)) {
    throw new Error(`${SERVER_MAIN} is missing: build the server first (npm run build)`);
  }
  if (!existsSync(SDK_DIST)) throw new Error(`${SDK_DIST} is missing: build the SDK first (npm run build)`);
  const [httpPort, otlpHttpPort, otlpGrpcPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'sightline-sdk-int-'));
  let out = '';
  const child = spawn(
    process.execPath,
    [SERVER_MAIN, 'start', '--data-dir', dataDir, '--http-port', String(httpPort), '--otlp-http-port', String(otlpHttpPort), '--otlp-grpc-port', String(otlpGrpcPort)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const api = `http://127.0.0.1:${httpPort}`;
  await waitFor('Sightline readiness', async () => {
    if (child.exitCode !== null) throw new Error(`server exited: ${out.slice(-2000)}`);
    const r = await fetch(`${api}/readyz`);
    return r.ok ? true : undefined;
  }, 60_000);
  return {
    api,
    otlpHttp: `http://127.0.0.1:${otlpHttpPort}`,
    output: () => out,
    async get<T>(path: string): Promise<T> {
      const r = await fetch(`${api}${path}`);
      if (!r.ok) throw new Error(`GET ${path} -> ${r.status}: ${await r.text()}`);
      return (await r.json()) as T;
    },
    async stop() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise<void>((r) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      r();
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(t);
      r();
    });
  });
}

/** Starts the integration fixture service instrumented with the SDK; resolves with its URL. */
export async function startFixtureService(name: string, endpoint: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', '@sightline/sdk/register', join(import.meta.dirname, '../fixtures/int-service.mjs')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...env,
      OTEL_SERVICE_NAME: name,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
    },
  });
  let out = '';
  const url = await new Promise<string>((res, rej) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) res(`http://127.0.0.1:${m[1]}`);
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => rej(new Error(`${name} exited with ${code}: ${out}`)));
  });
  return { url, child };
}
