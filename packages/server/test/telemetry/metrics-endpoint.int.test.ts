// /metrics is valid Prometheus exposition (checked by Prometheus' own promtool) and carries
// the ingest, writer and retention series; health endpoints answer.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  const now = BigInt(Date.now()) * 1_000_000n;
  await fetch(`${server.otlpHttpUrl}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: String(now), body: { stringValue: 'x' } }] }] }] }),
  });
});
afterAll(async () => {
  await server?.stop();
});

describe('/metrics', () => {
  it('passes promtool check metrics', async () => {
    const res = await fetch(`${server.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const which = spawnSync('sh', ['-c', 'command -v promtool']);
    expect(which.status, 'promtool is required (apt-get install prometheus; .ci/run does it)').toBe(0);
    const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    // promtool exits 0 when the exposition parses; lint warnings are printed but allowed only
    // for default process metrics, never for ours.
    expect(out.status, out.stderr + out.stdout).toBe(0);
    expect((out.stdout + out.stderr).split('\n').filter((l) => l.startsWith('sightline_ingest') || l.startsWith('sightline_writer'))).toEqual([]);
    for (const name of [
      'sightline_ingest_accepted_items_total',
      'sightline_ingest_rejected_items_total',
      'sightline_writer_queue_rows',
      'sightline_writer_commit_duration_seconds_bucket',
      'sightline_storage_disk_bytes',
      'sightline_retention_runs_total',
      'sightline_ingest_request_duration_seconds_bucket',
      'sightline_block_cache_bytes',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/sightline_ingest_accepted_items_total\{signal="logs",transport="otlp_http"\} 1/);
    // Nothing sealed was read yet: the decoded-block cache is empty.
    expect(text).toMatch(/sightline_block_cache_requests_total\{result="hit"\} 0/);
    expect(text).toMatch(/sightline_block_cache_requests_total\{result="miss"\} 0/);
    expect(text).toMatch(/sightline_block_cache_removed_total\{reason="evicted"\} 0/);
  });

  it('health endpoints answer', async () => {
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });
});
