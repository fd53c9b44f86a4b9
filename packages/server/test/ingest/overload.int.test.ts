// Overload: when the writer queue is full ingest answers 429 (with Retry-After) or gRPC
// RESOURCE_EXHAUSTED (with RetryInfo), stores nothing it did not acknowledge, and recovers
// when the load stops.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  // A slow flush interval and a tiny queue make the queue fill deterministically.
  server = await startTestServer({ writer: { maxQueueRows: 1_000, flushIntervalMs: 1_500, metricsFlushIntervalMs: 1_500, maxBatchRows: 100_000 } });
});
afterAll(async () => {
  await server?.stop();
});

function logsRequest(n: number, tag: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'overload-svc' } }] },
        scopeLogs: [
          {
            logRecords: Array.from({ length: n }, (_, i) => ({
              timeUnixNano: String(now + BigInt(i)),
              severityNumber: 9,
              body: { stringValue: `${tag}-${i}` },
              attributes: [{ key: 'tag', value: { stringValue: tag } }],
            })),
          },
        ],
      },
    ],
  });
}

async function send(tag: string, n = 600): Promise<Response> {
  return fetch(`${server.otlpHttpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: logsRequest(n, tag) });
}

async function countTag(tag: string): Promise<number> {
  const res = await server.api(`/api/logs?attr.tag=${tag}&limit=10000&start=${Date.now() - 600_000}`);
  return res.body.logs.length;
}

describe('overload', () => {
  it('answers 429 with Retry-After when the queue is full, then recovers', async () => {
    // The writer commits the first request after an idle period at once; the next one waits
    // for the flush interval, so the one after that finds the queue full.
    expect((await send('warm-1')).status).toBe(200);
    const first = send('ok-1');
    await new Promise((r) => setTimeout(r, 100));
    const second = await send('rejected-1');
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body: any = await second.json();
    expect(body.error.code).toBe('SL_ERR_OVERLOADED');
    expect((await first).status).toBe(200);

    // Load stopped: the queue drained, new data is accepted again.
    const third = await send('ok-2');
    expect(third.status).toBe(200);
    expect(await countTag('ok-1')).toBe(600);
    expect(await countTag('ok-2')).toBe(600);
    expect(await countTag('rejected-1')).toBe(0);

    const metrics = (await server.api('/metrics')).body as string;
    expect(metrics).toMatch(/sightline_ingest_rejected_items_total\{signal="logs",reason="overloaded"\} 600/);
    expect(metrics).toMatch(/sightline_ingest_requests_total\{signal="logs",transport="otlp_http",code="429"\} 1/);
  });

  it('answers RESOURCE_EXHAUSTED with RetryInfo over gRPC', async () => {
    expect((await send('warm-2')).status).toBe(200);
    const first = send('ok-3');
    await new Promise((r) => setTimeout(r, 100));
    // Same content as protobuf: the JSON path was proven above; here only the status matters,
    // so a tiny hand-made ExportLogsServiceRequest with 600 records is enough.
    const record = Buffer.from([0x09, 1, 0, 0, 0, 0, 0, 0, 0]); // time_unix_nano fixed64 = 1
    const records: number[] = [];
    for (let i = 0; i < 600; i++) records.push(0x12, record.length, ...record); // ScopeLogs.log_records = 2
    const scopeLogs = [0x12, ...varint(records.length), ...records]; // ResourceLogs.scope_logs = 2
    const payload = Buffer.from([0x0a, ...varint(scopeLogs.length), ...scopeLogs]); // request.resource_logs = 1
    const client = new grpc.Client(server.otlpGrpcAddress, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest('/opentelemetry.proto.collector.logs.v1.LogsService/Export', (b: Buffer) => b, (b: Buffer) => b, payload, (e) => resolve(e)),
    );
    client.close();
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err?.details).toContain('SL_ERR_OVERLOADED');
    const details = err?.metadata.get('grpc-status-details-bin')[0] as Buffer;
    expect(details.toString('latin1')).toContain('type.googleapis.com/google.rpc.RetryInfo');
    expect((await first).status).toBe(200);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

describe('in-flight upload bound', () => {
  it('answers 429 when concurrent uploads would hold more than otlp.maxInflightBytes', async () => {
    const { request } = await import('node:http');
    const small = await startTestServer({ otlp: { httpPort: 0, grpcPort: 0, maxBodyBytes: 1024 * 1024, maxInflightBytes: 1024 * 1024 } });
    try {
      const url = new URL(small.otlpHttpUrl);
      // A slow client holds 700 KB of the budget without finishing its upload.
      const slow = request({ host: url.hostname, port: url.port, path: '/v1/logs', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(800 * 1024) } });
      slow.on('error', () => undefined);
      slow.write(Buffer.alloc(700 * 1024, 0x20));
      await new Promise((r) => setTimeout(r, 300));
      const second = await fetch(`${small.otlpHttpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ' '.repeat(500 * 1024) });
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('1');
      slow.destroy();
      await new Promise((r) => setTimeout(r, 200));
      // The aborted upload gave its bytes back: a normal request fits again.
      const third = await fetch(`${small.otlpHttpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: logsRequest(10, 'after-slow') });
      expect(third.status).toBe(200);
    } finally {
      await small.stop();
    }
  });
});
