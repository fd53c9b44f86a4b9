// Decode worker pool (ingest.decodeWorkers): the same batches and the same errors as inline
// decoding, no lost or hanging requests when a worker dies, workers gone after close().
// The workers run the built dist/ingest/decode-worker.js (`npm test` builds first).
import { afterEach, describe, expect, it } from 'vitest';
import { DecodePool } from '../../src/ingest/decode-pool.js';
import { decodeRemoteWriteBody, type RemoteWriteBodyResult } from '../../src/ingest/remote-write-body.js';
import { RemoteWriteService } from '../../src/ingest/remote-write.js';
import { STALE_NAN_HI, STALE_NAN_LO } from '../../src/ingest/wire/sample-batch-builder.js';
import type { SampleBatch } from '../../src/storage/batches.js';
import { createSelfMetrics } from '../../src/telemetry/self-metrics.js';
import { CaptureWriter } from '../helpers/capture-writer.js';
import { encodeNativeHistogram, encodeWriteRequest, snappy, type TestSeries } from '../helpers/remote-write-encoder.js';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ExportService } from '../../src/ingest/export-service.js';
import { decodeMetricsRequest } from '../../src/ingest/wire/index.js';
import { FORMATS, T0, encodeMetrics, hr, resource } from './wire/otlp-fixtures.js';

const pools: DecodePool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function pool(size = 1, maxQueuedBytes?: number): DecodePool {
  const p = new DecodePool({ size, maxQueuedBytes });
  pools.push(p);
  return p;
}

/** A request of `n` series named by `prefix`, with a stale marker, an exemplar, a native histogram and metadata. */
function request(prefix: string, n: number, t: number): Buffer {
  const series: TestSeries[] = [];
  for (let i = 0; i < n; i++) {
    series.push({
      labels: { __name__: `${prefix}_total`, job: 'j', instance: `i${i % 7}`, idx: String(i) },
      samples: [
        { value: i * 1.5, timestamp: t },
        i % 5 === 0 ? { value: 0, timestamp: t + 1, bits: [STALE_NAN_LO, STALE_NAN_HI] } : { value: -i, timestamp: t + 1 },
      ],
      exemplars: i === 3 ? [{ labels: { trace_id: 'AB12', user: 'u' }, value: 2, timestamp: t }] : undefined,
    });
  }
  series.push({
    labels: { __name__: `${prefix}_latency` },
    histograms: [encodeNativeHistogram({ count: 3, sum: 1.25, schema: 1, zeroThreshold: 0.001, zeroCount: 1, spans: [[1, 2]], deltas: [1, 1], timestamp: t })],
  });
  return snappy(encodeWriteRequest(series, [{ type: 1, family: `${prefix}_total`, help: 'h', unit: 'u' }]));
}

/** A batch as plain data, values as their raw words (NaN payloads must survive the hand-over). */
function plain(r: RemoteWriteBodyResult | undefined) {
  if (!r) return r;
  if (!r.ok) return r;
  const b: SampleBatch = r.batch;
  const words = new Uint32Array(b.value.buffer, b.value.byteOffset, b.length * 2);
  return {
    rawBytes: r.rawBytes,
    tenant: b.tenant,
    length: b.length,
    fingerprint: [...b.fingerprint],
    timeMs: [...b.timeMs],
    valueWords: [...words],
    series: b.series.map((s) => ({ ...s })),
    metadata: b.metadata,
    expHistograms: b.expHistograms,
    exemplars: b.exemplars,
  };
}

describe('DecodePool', () => {
  it('hands back the same batches as inline decoding, also for series it sent before', async () => {
    const p = pool(2);
    const t = 1_700_000_000_000;
    // Each body twice (known series the second time: labels not sent again), on two workers.
    const bodies = [request('eq_a', 50, t), request('eq_b', 30, t), request('eq_a', 50, t + 10_000), request('eq_b', 30, t + 10_000), request('eq_c', 200, t)];
    const viaPool = await Promise.all([...bodies, ...bodies].map((b) => p.decodeRemoteWrite(b, 'tenant-x')));
    for (let i = 0; i < viaPool.length; i++) {
      const inline = decodeRemoteWriteBody(bodies[i % bodies.length], 'tenant-x');
      expect(viaPool[i]).toBeDefined();
      expect(plain(viaPool[i])).toEqual(plain(inline));
    }
    // Stale markers kept bit-exact.
    const first = viaPool[0] as Extract<RemoteWriteBodyResult, { ok: true }>;
    const words = new Uint32Array(first.batch.value.buffer, first.batch.value.byteOffset, 4);
    expect([words[2], words[3]]).toEqual([STALE_NAN_LO, STALE_NAN_HI]);
    expect(p.stats.decoded).toBe(10);
    expect(p.stats.inlineFallbacks).toBe(0);
  });

  it('answers errors exactly as inline decoding: bad snappy, truncated protobuf, invalid labels', async () => {
    const p = pool();
    const good = encodeWriteRequest([{ labels: { __name__: 'x', a: 'b' }, samples: [{ value: 1, timestamp: 1 }] }]);
    const cases = [
      Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]), // snappy preamble, garbage after
      snappy(good.subarray(0, good.length - 3)), // truncated protobuf
      snappy(Buffer.from([0x0a, 0x50, 0x01])), // length past the end
      snappy(encodeWriteRequest([{ labels: { job: 'x' }, samples: [{ value: 1, timestamp: 1 }] }])), // no __name__
      snappy(encodeWriteRequest([{ labels: { __name__: 'x', 'bad-name': 'v' }, samples: [{ value: 1, timestamp: 1 }] }])),
    ];
    for (const body of cases) {
      const viaPool = await p.decodeRemoteWrite(body, 't');
      const inline = decodeRemoteWriteBody(body, 't');
      expect(inline.ok).toBe(false);
      expect(viaPool).toEqual(inline);
    }
    expect((await p.decodeRemoteWrite(cases[0], 't')) as { reason: string }).toMatchObject({ ok: false, reason: 'bad_encoding', code: 'SL_ERR_BAD_ENCODING' });
    expect((await p.decodeRemoteWrite(cases[3], 't')) as { message: string }).toMatchObject({ ok: false, reason: 'malformed', message: 'timeseries[0]: the series has no __name__ label' });
  });

  it('keeps the receiver answers through the pool: 400 messages, 413 before any decode, rejections by reason', async () => {
    const p = pool();
    const outcomes = async (withPool: boolean) => {
      const metrics = createSelfMetrics({ defaultMetrics: false });
      const svc = new RemoteWriteService({ writer: new CaptureWriter(), metrics, maxDecompressedBytes: 4096, pool: withPool ? p : undefined });
      const out = [
        await svc.handle(Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]), 't'),
        await svc.handle(snappy(Buffer.from([0x0a, 0x50, 0x01])), 't'),
        await svc.handle(snappy(Buffer.alloc(8192, 1)), 't'),
        await svc.handle(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 't'),
        await svc.handle(request('svc', 3, 1_700_000_000_000), 't'),
      ];
      const text = await metrics.registry.metrics();
      return { out, rejected: text.split('\n').filter((l) => l.startsWith('sightline_ingest_rejected') || l.startsWith('sightline_ingest_received')).sort() };
    };
    const before = p.stats.decoded;
    const pooled = await outcomes(true);
    expect(p.stats.decoded - before).toBe(3); // the 413 and the unreadable preamble never reach a worker
    const inline = await outcomes(false);
    expect(pooled).toEqual(inline);
    expect(pooled.out.map((o) => o.status)).toEqual(['invalid', 'invalid', 'too_large', 'invalid', 'ok']);
    expect(pooled.rejected.length).toBeGreaterThan(0);
  });

  it('loses no acknowledged sample when a worker dies with requests on it, and replaces the worker', async () => {
    const p = pool(1);
    const writer = new CaptureWriter();
    const svc = new RemoteWriteService({ writer, metrics: createSelfMetrics({ defaultMetrics: false }), maxDecompressedBytes: 64 << 20, pool: p });
    const t = 1_700_000_000_000;
    const bodies = Array.from({ length: 40 }, (_, i) => request(`crash${i % 4}`, 300, t + i * 1000));
    const dead = p.workers[0];
    const results = bodies.map((b) => svc.handle(b, 't'));
    await dead.terminate(); // requests still queued on it fall back to inline decoding
    const outcomes = await Promise.all(results);
    expect(outcomes.every((o) => o.status === 'ok')).toBe(true);
    const acked = outcomes.reduce((n, o) => n + (o.status === 'ok' ? o.accepted : 0), 0);
    expect(acked).toBe(40 * (300 * 2 + 1));
    expect(writer.samples()).toHaveLength(40 * 300 * 2);
    expect(p.stats.inlineFallbacks).toBeGreaterThan(0);
    // Replaced: later requests decode on the new worker, which sends the labels again.
    await vi_waitFor(() => p.stats.replaced === 1 && p.workers[0] !== dead);
    const decoded = p.stats.decoded;
    const again = await svc.handle(request('crash0', 300, t + 100_000), 't');
    expect(again.status).toBe('ok');
    expect(p.stats.decoded).toBe(decoded + 1);
    const last = writer.batches[writer.batches.length - 1];
    expect(last.series.every((s) => s.labels.__name__.startsWith('crash0'))).toBe(true);
  });

  it('decodes inline a request naming a series the main thread no longer knows, and the workers send labels again', async () => {
    const p = pool(1);
    const writer = new CaptureWriter();
    const svc = new RemoteWriteService({ writer, metrics: createSelfMetrics({ defaultMetrics: false }), maxDecompressedBytes: 64 << 20, pool: p });
    const t = 1_700_000_000_000;
    expect((await svc.handle(request('miss', 20, t), 't')).status).toBe('ok');
    // The catalog forgets without telling the worker (as when it is cleared with replies in flight).
    (p as unknown as { catalog: Map<number, unknown> }).catalog.clear();
    expect((await svc.handle(request('miss', 20, t + 1000), 't')).status).toBe('ok');
    expect(p.stats.catalogMisses).toBe(1);
    expect(writer.samples().filter((s) => s.timeMs === t + 1000 && s.labels.idx === '7')).toHaveLength(1);
    // A clear that tells the workers: no more misses.
    (p as unknown as { forgetAll(): void }).forgetAll();
    expect((await svc.handle(request('miss', 20, t + 2000), 't')).status).toBe('ok');
    expect(p.stats.catalogMisses).toBe(1);
    expect(writer.samples().filter((s) => s.timeMs === t + 2000)).toHaveLength(20);
  });

  it('decodes inline when the queued bytes are over the bound', async () => {
    const p = pool(1, 1);
    expect(await p.decodeRemoteWrite(request('sat', 5, 1), 't')).toBeUndefined();
    expect(p.stats.saturated).toBe(1);
  });

  it('terminates its workers on close; pending and later requests resolve undefined', async () => {
    const p = pool(2);
    const exits = p.workers.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
    const pending = p.decodeRemoteWrite(request('close', 500, 1), 't');
    await p.close();
    await Promise.all(exits);
    expect(await pending).toSatisfy((r: unknown) => r === undefined || (r as { ok: boolean }).ok === true);
    expect(await p.decodeRemoteWrite(request('close', 5, 1), 't')).toBeUndefined();
    expect(p.workers).toHaveLength(0);
  });
});

function otlpSum(name: string, n: number, opts: { delta?: boolean; value?: number } = {}): MetricData {
  return {
    descriptor: { name, description: `${name} help`, unit: 'By', valueType: ValueType.DOUBLE, type: 'COUNTER' },
    aggregationTemporality: opts.delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: Array.from({ length: n }, (_, i) => ({ startTime: hr(T0 - 60_000_000_000n), endTime: hr(T0), attributes: { route: `/r${i}`, code: i % 3 }, value: (opts.value ?? 1) * i })),
  } as unknown as MetricData;
}

function otlpRequest(metrics: MetricData[]): ResourceMetrics {
  return { resource: resource({ 'service.name': 'api', 'service.instance.id': 'i-1' }), scopeMetrics: [{ scope: { name: 'meter', version: '1' }, metrics }] } as unknown as ResourceMetrics;
}

describe('DecodePool, OTLP metrics', () => {
  it('hands back what decodeMetricsRequest returns inline, rejections included, in both formats', async () => {
    const p = pool(2);
    for (const format of FORMATS) {
      // '***' has no usable character for a Prometheus name: a rejection (partial_success).
      const body = encodeMetrics(otlpRequest([otlpSum('http.server.bytes', 40), otlpSum('***', 2), otlpSum('queue.depth', 5)]), format);
      for (let round = 0; round < 2; round++) {
        const viaPool = await p.decodeOtlpMetrics(body, format, 'tenant-y');
        const inline = decodeMetricsRequest(body, format, 'tenant-y');
        expect(viaPool?.ok).toBe(true);
        const r = (viaPool as { result: typeof inline }).result;
        expect(r.rejected).toBe(2);
        expect(r.rejectReasons).toEqual(inline.rejectReasons);
        expect(plain({ ok: true, rawBytes: 0, batch: r.batch })).toEqual(plain({ ok: true, rawBytes: 0, batch: inline.batch }));
      }
    }
    expect(p.stats.decoded).toBe(4);
  });

  it('leaves requests with delta points to the main thread, and rethrows decode errors unchanged', async () => {
    const p = pool(1);
    const delta = encodeMetrics(otlpRequest([otlpSum('ok.total', 3), otlpSum('d.total', 3, { delta: true })]), 'protobuf');
    expect(await p.decodeOtlpMetrics(delta, 'protobuf', 't')).toBeUndefined();
    expect(p.stats.inlineFallbacks).toBe(1);
    const good = encodeMetrics(otlpRequest([otlpSum('x.total', 3)]), 'protobuf');
    for (const [body, format] of [
      [good.subarray(0, good.length - 4), 'protobuf'],
      [Buffer.from('{"resourceMetrics": ['), 'json'],
    ] as const) {
      const viaPool = await p.decodeOtlpMetrics(body, format, 't');
      let inline: unknown;
      try {
        decodeMetricsRequest(body, format, 't');
      } catch (err) {
        inline = err;
      }
      expect(inline).toBeInstanceOf(Error);
      expect(viaPool).toMatchObject({ ok: false });
      const err = (viaPool as { error: Error & { code?: string } }).error;
      expect(err.constructor).toBe((inline as Error).constructor);
      expect([err.message, err.code]).toEqual([(inline as Error).message, (inline as { code?: string }).code]);
    }
  });

  it('ExportService answers the same with and without the pool, delta accumulation included', async () => {
    const p = pool(1);
    const run = async (withPool: boolean) => {
      const metrics = createSelfMetrics({ defaultMetrics: false });
      const writer = new CaptureWriter();
      const svc = new ExportService({ writer, metrics, pool: withPool ? p : undefined });
      const out = [];
      for (const v of [1, 2, 3]) {
        out.push(await svc.handle('metrics', encodeMetrics(otlpRequest([otlpSum('a.total', 4, { value: v }), otlpSum('***', 1)]), 'protobuf'), 'protobuf', 't', 'otlp_http'));
        out.push(await svc.handle('metrics', encodeMetrics(otlpRequest([otlpSum('d.total', 2, { delta: true, value: v })]), 'json'), 'json', 't', 'otlp_grpc'));
      }
      out.push(await svc.handle('metrics', Buffer.from([0x0a, 0x50, 0x01]), 'protobuf', 't', 'otlp_http'));
      const text = await metrics.registry.metrics();
      return { out, samples: writer.samples().map((x) => [x.labels, x.timeMs, x.value]), counters: text.split('\n').filter((l) => l.startsWith('sightline_ingest_')).sort() };
    };
    const before = p.stats.decoded;
    const pooled = await run(true);
    expect(p.stats.decoded - before).toBe(4); // 3 cumulative requests + the malformed one; the delta ones went inline
    const inline = await run(false);
    expect(pooled).toEqual(inline);
    expect(pooled.out.map((o) => o.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'invalid']);
    expect(pooled.samples.filter(([l]) => (l as Record<string, string>).__name__.startsWith('d_')).map(([, , v]) => v)).toEqual([0, 1]); // later delta points at the same time are refused (not newer), on both paths
  });
});

async function vi_waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
