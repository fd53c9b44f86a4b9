// Runs the built `sightline` CLI as a child process, the way a user runs it, and reads the
// URLs it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN_JS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');

export interface ChildServer {
  proc: ChildProcess;
  httpUrl: string;
  otlpHttpUrl: string;
  otlpGrpcAddress: string;
  output: () => string;
  exited: Promise<number | null>;
}

export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run 'npm run build' first (npm test does)`);
}

export async function startChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  assertBuilt();
  const proc = spawn(process.execPath, [MAIN_JS, 'start', '--http-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/OTLP\/gRPC\s+\S+/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`sightline exited early (${proc.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`sightline did not start within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pick = (re: RegExp) => re.exec(out)![1];
  return {
    proc,
    httpUrl: pick(/UI and API\s+(\S+?)\/?\s/),
    otlpHttpUrl: pick(/OTLP\/HTTP\s+(\S+)/),
    otlpGrpcAddress: pick(/OTLP\/gRPC\s+(\S+)/),
    output: () => out,
    exited,
  };
}
