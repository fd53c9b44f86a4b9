// The CLI as a user runs it: help, config errors, start-up output, graceful SIGTERM.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIN_JS, assertBuilt, startChild } from '../helpers/child-server.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sightline-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  assertBuilt();
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN_JS, ...args], { env: { ...process.env, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('sightline CLI', () => {
  it('--help documents every command and the env overrides', async () => {
    const res = await cli(['--help']);
    expect(res.code).toBe(0);
    for (const word of ['start', 'check-config', 'SIGHTLINE_DATA_DIR', 'SIGHTLINE_OTLP_HTTP_PORT']) expect(res.stdout).toContain(word);
    const start = await cli(['start', '--help']);
    for (const flag of ['--config', '--data-dir', '--http-port', '--otlp-grpc-port', '--otlp-http-port']) expect(start.stdout).toContain(flag);
  });

  it('an invalid config stops start-up naming the key and what is allowed', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'otlp:\n  httpPort: 99999\nretention:\n  spansDays: 3\n');
    const res = await cli(['start', '--config', file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("otlp.httpPort");
    expect(res.stderr).toMatch(/unknown config key 'retention\.spansDays' \(allowed here: tracesDays/);
  });

  it('a bad env override is named', async () => {
    const res = await cli(['check-config'], { SIGHTLINE_HTTP_PORT: 'eighty' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('SIGHTLINE_HTTP_PORT');
  });

  it('a bad flag value is named', async () => {
    const res = await cli(['start', '--http-port', 'x']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/--http-port/);
  });

  it('check-config layers file, env and flags', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'dataDir: /tmp/from-file\nretention:\n  tracesDays: 14\n');
    const res = await cli(['check-config', '--config', file, '--otlp-http-port', '5555'], { SIGHTLINE_RETENTION_LOGS_DAYS: '2' });
    expect(res.code).toBe(0);
    const cfg = JSON.parse(res.stdout);
    expect(cfg).toMatchObject({ dataDir: '/tmp/from-file', otlp: { httpPort: 5555 }, retention: { tracesDays: 14, logsDays: 2 } });
  });

  it('start prints its URLs, serves, and SIGTERM flushes and exits 0', async () => {
    const child = await startChild(['--data-dir', join(dir, 'data')]);
    expect(child.output()).toMatch(/UI and API\s+http:\/\/127\.0\.0\.1:\d+/);
    const ready = await fetch(`${child.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    const now = BigInt(Date.now()) * 1_000_000n;
    const res = await fetch(`${child.otlpHttpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: String(now), body: { stringValue: 'before sigterm' } }] }] }] }),
    });
    expect(res.status).toBe(200);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const again = await startChild(['--data-dir', join(dir, 'data')]);
    const logs: any = await (await fetch(`${again.httpUrl}/api/logs?q=before%20sigterm&start=${Date.now() - 600_000}`)).json();
    expect(logs.logs).toHaveLength(1);
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
