// remote_write receiver answers: 204 stored, 400 bad input, 413 over the limits, 415 wrong
// encoding, 429 + Retry-After when the writer queue is full.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { encodeWriteRequest, postRemoteWrite, snappy } from '../helpers/remote-write-encoder.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    remoteWrite: { maxBodyBytes: 64 * 1024, maxDecompressedBytes: 256 * 1024 },
    // A slow flush and a small queue make the 429 deterministic (see overload.int.test.ts).
    writer: { maxQueueRows: 1_000, flushIntervalMs: 1_500, metricsFlushIntervalMs: 1_500, maxBatchRows: 100_000 },
  });
});
afterAll(async () => {
  await server?.stop();
});

function series(n: number, name: string, t = Date.now()) {
  return Array.from({ length: n }, (_, i) => ({ labels: { __name__: name, i: String(i) }, samples: [{ value: i, timestamp: t }] }));
}

describe('POST /api/v1/write', () => {
  it('stores samples and answers 204 without a body', async () => {
    const res = await postRemoteWrite(server.httpUrl, snappy(encodeWriteRequest(series(3, 'rw_ok'))));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const found = await server.api(`/api/metrics/series?match=rw_ok&start=${Date.now() - 60_000}`);
    expect(found.body.series).toHaveLength(3);
  });

  it('answers 400 with a message for undecodable or invalid requests', async () => {
    const notSnappy = await postRemoteWrite(server.httpUrl, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(notSnappy.status).toBe(400);
    expect(((await notSnappy.json()) as any).error.code).toBe('SL_ERR_BAD_ENCODING');

    const garbage = await postRemoteWrite(server.httpUrl, snappy(Buffer.from([0x0a, 0x50, 0x01])));
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as any).error.message).toMatch(/protobuf: length 80 past the end/);

    const noName = await postRemoteWrite(server.httpUrl, snappy(encodeWriteRequest([{ labels: { job: 'x' }, samples: [{ value: 1, timestamp: Date.now() }] }])));
    expect(noName.status).toBe(400);
    expect(((await noName.json()) as any).error.message).toBe('timeseries[0]: the series has no __name__ label');
  });

  it('answers 415 for another content encoding or a Remote-Write 2.0 message', async () => {
    const res = await postRemoteWrite(server.httpUrl, Buffer.from('x'), { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(415);
    const v2 = await postRemoteWrite(server.httpUrl, snappy(encodeWriteRequest(series(1, 'rw_v2'))), { 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' });
    expect(v2.status).toBe(415);
    expect(((await v2.json()) as any).error.message).toMatch(/io\.prometheus\.write\.v2\.Request is not supported/);
    const v1 = await postRemoteWrite(server.httpUrl, snappy(encodeWriteRequest(series(1, 'rw_v1_named'))), { 'Content-Type': 'application/x-protobuf;proto=prometheus.WriteRequest' });
    expect(v1.status).toBe(204);
  });

  it('answers 413 over the compressed and the decompressed body limit', async () => {
    const big = Buffer.alloc(80 * 1024, 1);
    const tooBig = await postRemoteWrite(server.httpUrl, big);
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as any).error.code).toBe('SL_ERR_PAYLOAD_TOO_LARGE');
    // Compresses to a few KiB but declares more than 256 KiB once decompressed.
    const bomb = snappy(Buffer.alloc(300 * 1024, 0));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await postRemoteWrite(server.httpUrl, bomb);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.message).toMatch(/decompresses to 307200 bytes, over the limit of 262144 bytes \(remoteWrite.maxDecompressedBytes\)/);
  });

  it('answers 429 with Retry-After when the writer queue is full', async () => {
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await postRemoteWrite(server.httpUrl, snappy(encodeWriteRequest(series(600, 'rw_warm'))))).status).toBe(204);
    const first = postRemoteWrite(server.httpUrl, snappy(encodeWriteRequest(series(600, 'rw_first'))));
    await new Promise((r) => setTimeout(r, 100));
    const second = await postRemoteWrite(server.httpUrl, snappy(encodeWriteRequest(series(600, 'rw_rejected'))));
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await second.json()) as any).error.code).toBe('SL_ERR_OVERLOADED');
    expect((await first).status).toBe(204);
    const rejected = await server.api(`/api/metrics/series?match=rw_rejected&start=${Date.now() - 60_000}`);
    expect(rejected.body.series).toHaveLength(0);
  });
});
