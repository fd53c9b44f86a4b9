// Bad input never crashes the server and never vanishes silently: each case gets a clear
// answer over real sockets, is counted in /metrics, and the server keeps serving.
import { gzipSync } from 'node:zlib';
import { request } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ otlp: { httpPort: 0, grpcPort: 0, maxBodyBytes: 1024 * 1024 } });
});
afterAll(async () => {
  await server?.stop();
});

function post(path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.otlpHttpUrl + path);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const hex = (n: number, fill = 'ab') => fill.repeat(n);

function jsonTrace(traceId: string, spanId: string, name = 'op') {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bad-input-svc' } }] },
        scopeSpans: [
          {
            scope: { name: 's' },
            spans: [{ traceId, spanId, name, kind: 1, startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n), endTimeUnixNano: String(BigInt(Date.now() + 1) * 1_000_000n) }],
          },
        ],
      },
    ],
  };
}

// A minimal protobuf encoder for hand-made requests.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
function ld(field: number, bytes: number[] | Uint8Array): number[] {
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}
function protoSpan(traceId: number[], spanId: number[], nameBytes: number[], extra: number[] = []): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  const fixed64 = (field: number, v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return [(field << 3) | 1, ...b];
  };
  const span = [...ld(1, traceId), ...ld(2, spanId), ...ld(5, nameBytes), ...fixed64(7, now), ...fixed64(8, now + 1000n), ...extra];
  const scopeSpans = ld(2, span);
  const resourceSpans = ld(2, scopeSpans);
  return Uint8Array.from(ld(1, resourceSpans));
}
const bytes = (n: number, v = 7) => new Array(n).fill(v);

describe('OTLP/HTTP bad input', () => {
  it('truncated protobuf -> 400 with a message', async () => {
    const full = protoSpan(bytes(16), bytes(8), [...Buffer.from('op')]);
    const res = await post('/v1/traces', full.subarray(0, full.length - 5), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    expect(res.body.toString('latin1')).toContain('SL_ERR_PROTOBUF_MALFORMED');
  });

  it('random bytes never crash the server', async () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 200; i++) {
      const buf = Uint8Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256));
      const res = await post(['/v1/traces', '/v1/logs', '/v1/metrics'][i % 3], buf, { 'content-type': 'application/x-protobuf' });
      expect([200, 400]).toContain(res.status);
    }
    const health = await server.api('/healthz');
    expect(health.status).toBe(200);
  });

  it('invalid JSON -> 400 SL_ERR_JSON_INVALID', async () => {
    const res = await post('/v1/logs', '{"resourceLogs": [', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body.toString());
    expect(body.error.code).toBe('SL_ERR_JSON_INVALID');
    expect(body.code).toBe(3);
  });

  it('wrong content type -> 415', async () => {
    const res = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body.toString()).error.code).toBe('SL_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('unsupported content encoding -> 415', async () => {
    const res = await post('/v1/traces', 'x', { 'content-type': 'application/json', 'content-encoding': 'br' });
    expect(res.status).toBe(415);
  });

  it('corrupt gzip -> 400', async () => {
    const res = await post('/v1/traces', Buffer.from('not gzip at all'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString()).error.code).toBe('SL_ERR_BAD_ENCODING');
  });

  it('body over the limit -> 413', async () => {
    const res = await post('/v1/traces', Buffer.alloc(2 * 1024 * 1024, 1), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(413);
  });

  it('gzip bomb stops at the decompressed limit -> 413', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const res = await post('/v1/traces', bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(res.body.toString('latin1')).toContain('after decompression');
  });

  it('gzip request accepted', async () => {
    const body = gzipSync(JSON.stringify(jsonTrace(hex(16, 'cd'), hex(8, 'cd'))));
    const res = await post('/v1/traces', body, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
  });

  it('invalid UTF-8 in a string field -> 400', async () => {
    const res = await post('/v1/traces', protoSpan(bytes(16), bytes(8), [0x6f, 0xff, 0xfe]), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    expect(res.body.toString('latin1')).toMatch(/SL_ERR_INVALID_UTF8|UTF-8/);
  });

  it('wrong id lengths -> partial success, the rest is stored', async () => {
    const good = jsonTrace(hex(16, '1f'), hex(8, '1f'), 'good-span');
    const badTrace = jsonTrace('abcd', hex(8, '2f'), 'bad-trace-id');
    const badSpan = jsonTrace(hex(16, '3f'), 'abc', 'bad-span-id');
    good.resourceSpans[0].scopeSpans[0].spans.push(badTrace.resourceSpans[0].scopeSpans[0].spans[0], badSpan.resourceSpans[0].scopeSpans[0].spans[0]);
    const res = await post('/v1/traces', JSON.stringify(good), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body.toString());
    expect(Number(body.partialSuccess.rejectedSpans)).toBe(2);
    expect(body.partialSuccess.errorMessage).toMatch(/trace.?id|span.?id/i);
    const stored = await server.api(`/api/traces/${hex(16, '1f')}`);
    expect(stored.status).toBe(200);
    expect(stored.body.spans[0].name).toBe('good-span');
  });

  it('unknown protobuf fields are ignored per protobuf rules', async () => {
    // field 99 varint, field 98 fixed32, field 97 length-delimited, field 96 fixed64 inside the span
    const extra = [...varint((99 << 3) | 0), 5, ...varint((98 << 3) | 5), 1, 2, 3, 4, ...ld(97, [1, 2, 3]), ...varint((96 << 3) | 1), 1, 2, 3, 4, 5, 6, 7, 8];
    const traceId = bytes(16, 0x42);
    const res = await post('/v1/traces', protoSpan(traceId, bytes(8, 0x42), [...Buffer.from('with-unknown')], extra), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    const stored = await server.api(`/api/traces/${'42'.repeat(16)}`);
    expect(stored.body.spans[0].name).toBe('with-unknown');
  });

  it('GET on an export path -> 405, unknown path -> 404', async () => {
    const res = await fetch(`${server.otlpHttpUrl}/v1/traces`);
    expect(res.status).toBe(405);
    const res2 = await post('/v2/nothing', '{}', { 'content-type': 'application/json' });
    expect(res2.status).toBe(404);
  });

  it('counts rejections by signal and reason in /metrics', async () => {
    const m = await server.api('/metrics');
    const text = m.body as string;
    expect(text).toMatch(/sightline_ingest_rejected_items_total\{signal="traces",reason="too_large"\} [1-9]/);
    expect(text).toMatch(/sightline_ingest_rejected_items_total\{signal="traces",reason="invalid_id"\} [1-9]/);
    expect(text).toMatch(/sightline_ingest_rejected_items_total\{signal="logs",reason="invalid_json"\} [1-9]/);
    expect(text).toMatch(/sightline_ingest_rejected_items_total\{signal="traces",reason="unsupported_media_type"\} [1-9]/);
  });
});

describe('OTLP/gRPC bad input', () => {
  function call(path: string, payload: Buffer): Promise<{ code: number; details: string }> {
    const client = new grpc.Client(server.otlpGrpcAddress, grpc.credentials.createInsecure());
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        payload,
        (err) => {
          client.close();
          resolve({ code: err ? err.code : 0, details: err ? err.details : '' });
        },
      );
    });
  }

  it('malformed protobuf -> INVALID_ARGUMENT with the reason', async () => {
    const res = await call('/opentelemetry.proto.collector.trace.v1.TraceService/Export', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    expect(res.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(res.details).toContain('SL_ERR_PROTOBUF_MALFORMED');
  });

  it('message over the size limit -> RESOURCE_EXHAUSTED', async () => {
    const res = await call('/opentelemetry.proto.collector.logs.v1.LogsService/Export', Buffer.alloc(2 * 1024 * 1024, 0));
    expect(res.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('valid empty request -> OK', async () => {
    const res = await call('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', Buffer.alloc(0));
    expect(res.code).toBe(0);
  });
});
