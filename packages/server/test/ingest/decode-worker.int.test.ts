// remote_write through the decode worker pool of a running server: every acknowledged sample is
// queryable even when a worker dies mid-stream, and stopping the server ends the workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { encodeWriteRequest, postRemoteWrite, snappy } from '../helpers/remote-write-encoder.js';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { encodeMetrics, hr, resource } from './wire/otlp-fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ingest: { decodeWorkers: 2 } });
});
afterAll(async () => {
  await server?.stop();
});

function body(name: string, series: number, t: number): Buffer {
  return snappy(encodeWriteRequest(Array.from({ length: series }, (_, i) => ({ labels: { __name__: name, job: 'dw', i: String(i) }, samples: [{ value: i, timestamp: t }] }))));
}

async function count(name: string): Promise<number> {
  const res = await server.api(`/api/v1/query?query=${encodeURIComponent(`sum(count_over_time(${name}[1h]))`)}`);
  return Number(res.body.data.result[0]?.value[1] ?? 0);
}

describe('decode workers (ingest.decodeWorkers)', () => {
  it('decodes remote_write on the workers', async () => {
    const pool = server.decodePool!;
    expect(pool.size).toBe(2);
    const before = pool.stats.decoded;
    const res = await postRemoteWrite(server.httpUrl, body('dw_basic', 10, Date.now()));
    expect(res.status).toBe(204);
    expect(pool.stats.decoded).toBe(before + 1);
    expect(await count('dw_basic')).toBe(10);
    // Errors keep their answers through the worker.
    const garbage = await postRemoteWrite(server.httpUrl, snappy(Buffer.from([0x0a, 0x50, 0x01])));
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as any).error.message).toMatch(/protobuf: length 80 past the end/);
  });

  it('decodes OTLP metrics on the workers', async () => {
    const pool = server.decodePool!;
    const before = pool.stats.decoded;
    const metric = {
      descriptor: { name: 'dw.otlp', description: '', unit: '', valueType: ValueType.DOUBLE, type: 'GAUGE' },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: [1, 2, 3].map((v) => ({ startTime: hr(BigInt(Date.now()) * 1_000_000n), endTime: hr(BigInt(Date.now()) * 1_000_000n), attributes: { k: String(v) }, value: v })),
    } as unknown as MetricData;
    const body = encodeMetrics({ resource: resource({ 'service.name': 'dw' }), scopeMetrics: [{ scope: { name: 'm' }, metrics: [metric] }] } as unknown as ResourceMetrics, 'protobuf');
    const res = await fetch(`${server.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body });
    expect(res.status).toBe(200);
    expect(pool.stats.decoded).toBe(before + 1);
    expect(await count('dw_otlp')).toBe(3);
  });

  it('stores every acknowledged sample when a worker dies with requests in flight', async () => {
    const pool = server.decodePool!;
    const t0 = Date.now() - 600_000;
    const victim = pool.workers[0];
    const sends = Array.from({ length: 60 }, (_, i) => postRemoteWrite(server.httpUrl, body('dw_crash', 500, t0 + i * 1000)));
    await new Promise((r) => setTimeout(r, 5));
    await victim.terminate();
    const statuses = await Promise.all(sends.map(async (s) => (await s).status));
    expect(statuses.every((s) => s === 204)).toBe(true);
    expect(await count('dw_crash')).toBe(60 * 500);
    expect(pool.stats.replaced).toBe(1);
    expect(pool.workers).not.toContain(victim);
    expect(pool.size).toBe(2);
    const selfMetrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(selfMetrics).toMatch(/^sightline_ingest_decode_worker_restarts_total 1$/m);
    expect(selfMetrics).toMatch(/^sightline_ingest_decode_worker_requests_total\{result="decoded"\} [1-9]/m);
  });

  it('terminates the workers on shutdown', async () => {
    const workers = [...server.decodePool!.workers];
    const exits = workers.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
    await server.stop();
    await Promise.all(exits);
    expect(server.decodePool!.workers).toHaveLength(0);
    server = undefined as unknown as TestServer;
  });
});
