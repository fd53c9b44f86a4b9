import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { DeltaToCumulative } from '../../../src/pipeline/delta-to-cumulative.js';
import { decodeMetricsRequest, isStaleMarker, seriesFingerprint } from '../../../src/ingest/wire/index.js';
import type { SampleBatch } from '../../../src/storage/batches.js';
import { FORMATS, T0, av, concat, encodeMetrics, hexBytes, hr, json, pb, resource, type Format } from './otlp-fixtures.js';

const START = T0 - 60_000_000_000n;
const END = T0;
const END_MS = Number(END / 1_000_000n);

function rm(metrics: MetricData[], res = resource({ 'service.name': 'api', 'service.namespace': 'shop', 'service.instance.id': 'i-1', 'host.name': 'h1' })): ResourceMetrics {
  return { resource: res, scopeMetrics: [{ scope: { name: 'meter', version: '2.0' }, metrics }] } as ResourceMetrics;
}

function sum(name: string, unit: string, points: { attrs?: Record<string, unknown>; value: number }[], opts: { monotonic?: boolean; delta?: boolean; int?: boolean } = {}): MetricData {
  return {
    descriptor: { name, description: `${name} help`, unit, valueType: opts.int ? ValueType.INT : ValueType.DOUBLE, type: 'COUNTER' },
    aggregationTemporality: opts.delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: opts.monotonic ?? true,
    dataPoints: points.map((p) => ({ startTime: hr(START), endTime: hr(END), attributes: (p.attrs ?? {}) as never, value: p.value })),
  } as unknown as MetricData;
}

function gauge(name: string, unit: string, value: number, attrs: Record<string, unknown> = {}): MetricData {
  return {
    descriptor: { name, description: '', unit, valueType: ValueType.DOUBLE, type: 'GAUGE' },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: [{ startTime: hr(START), endTime: hr(END), attributes: attrs as never, value }],
  } as unknown as MetricData;
}

function histogram(name: string, unit: string, boundaries: number[], counts: number[], s: number, delta = false): MetricData {
  return {
    descriptor: { name, description: 'latency', unit, valueType: ValueType.DOUBLE, type: 'HISTOGRAM' },
    aggregationTemporality: delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [
      {
        startTime: hr(START),
        endTime: hr(END),
        attributes: { route: '/a' } as never,
        value: { buckets: { boundaries, counts }, count: counts.reduce((a, b) => a + b, 0), sum: s, min: 0.001, max: 9 },
      },
    ],
  } as unknown as MetricData;
}

function samples(b: SampleBatch): { name: string; labels: Record<string, string>; timeMs: number; value: number }[] {
  const byFp = new Map(b.series.map((s) => [s.fingerprint, s]));
  const out = [];
  for (let i = 0; i < b.length; i++) {
    const s = byFp.get(b.fingerprint[i]);
    if (!s) throw new Error(`sample ${i} references an unknown series`);
    out.push({ name: s.name, labels: s.labels, timeMs: b.timeMs[i], value: b.value[i] });
  }
  return out;
}

function find(b: SampleBatch, name: string, extra: Record<string, string> = {}): { labels: Record<string, string>; value: number; timeMs: number } {
  const all = samples(b).filter((s) => s.name === name && Object.entries(extra).every(([k, v]) => s.labels[k] === v));
  if (all.length !== 1) throw new Error(`expected one sample of ${name} ${JSON.stringify(extra)}, found ${all.length}: ${JSON.stringify(samples(b).map((s) => s.name))}`);
  return all[0];
}

describe('decodeMetricsRequest: official serializers, Prometheus mapping', () => {
  const cases: { name: string; metrics: MetricData[]; check: (b: SampleBatch) => void }[] = [
    {
      name: 'monotonic cumulative sum -> counter with _total, unit suffix, job/instance/scope labels',
      metrics: [sum('http.server.requests', '{request}', [{ attrs: { 'http.request.method': 'GET', 'http.response.status_code': 200 }, value: 42 }], { int: true })],
      check: (b) => {
        const s = find(b, 'http_server_requests_total');
        expect(s.value).toBe(42);
        expect(s.timeMs).toBe(END_MS);
        expect(s.labels).toEqual({
          __name__: 'http_server_requests_total',
          http_request_method: 'GET',
          http_response_status_code: '200',
          job: 'shop/api',
          instance: 'i-1',
          otel_scope_name: 'meter',
          otel_scope_version: '2.0',
        });
        expect(b.metadata).toContainEqual({ name: 'http_server_requests_total', type: 'counter', unit: '', help: 'http.server.requests help' });
      },
    },
    {
      name: 'unit words: seconds, bytes, rates; name already containing the unit',
      metrics: [
        sum('process.cpu.time', 's', [{ value: 1.5 }]),
        sum('network.io', 'By', [{ value: 10 }]),
        sum('disk.throughput', 'By/s', [{ value: 3 }], { monotonic: false }),
        sum('queue.wait.seconds', 's', [{ value: 2 }]),
      ],
      check: (b) => {
        expect(find(b, 'process_cpu_time_seconds_total').value).toBe(1.5);
        expect(find(b, 'network_io_bytes_total').value).toBe(10);
        expect(find(b, 'disk_throughput_bytes_per_second').value).toBe(3);
        expect(find(b, 'queue_wait_seconds_total').value).toBe(2);
        expect(b.metadata).toContainEqual({ name: 'process_cpu_time_seconds_total', type: 'counter', unit: 'seconds', help: 'process.cpu.time help' });
        expect(b.metadata).toContainEqual({ name: 'disk_throughput_bytes_per_second', type: 'gauge', unit: 'bytes_per_second', help: 'disk.throughput help' });
      },
    },
    {
      name: 'non-monotonic sum -> gauge without _total',
      metrics: [sum('db.connections.active', '{connection}', [{ value: 7 }], { monotonic: false })],
      check: (b) => {
        expect(find(b, 'db_connections_active').value).toBe(7);
        expect(b.metadata).toContainEqual(expect.objectContaining({ name: 'db_connections_active', type: 'gauge' }));
      },
    },
    {
      name: 'gauge with unit 1 -> _ratio',
      metrics: [gauge('system.cpu.utilization', '1', 0.25), gauge('temperature', 'Cel', 21.5)],
      check: (b) => {
        expect(find(b, 'system_cpu_utilization_ratio').value).toBe(0.25);
        expect(find(b, 'temperature_celsius').value).toBe(21.5);
        expect(b.metadata).toContainEqual({ name: 'system_cpu_utilization_ratio', type: 'gauge', unit: '', help: '' });
      },
    },
    {
      name: 'attribute names are sanitised; colliding keys are joined with ; in key order',
      metrics: [gauge('g', '', 1, { 'a.b': 'dot', 'a-b': 'dash', '9lives': 'cat', 'ok_name': 'x', empty: '' })],
      check: (b) => {
        const s = find(b, 'g');
        expect(s.labels.a_b).toBe('dash;dot');
        expect(s.labels.key_9lives).toBe('cat');
        expect(s.labels.ok_name).toBe('x');
        expect('empty' in s.labels).toBe(false);
      },
    },
    {
      name: 'non-string attribute values become label text',
      metrics: [gauge('g2', '', 1, { b: true, i: -3, d: 2.5, arr: ['x', 1], big: 2 ** 60 })],
      check: (b) => {
        expect(find(b, 'g2').labels).toMatchObject({ b: 'true', i: '-3', d: '2.5', arr: '["x",1]', big: '1152921504606846976' });
      },
    },
    {
      name: 'histogram -> cumulative _bucket series with le, +Inf, _sum, _count',
      metrics: [histogram('http.server.request.duration', 's', [0.1, 0.5, 1], [3, 2, 4, 1], 12.5)],
      check: (b) => {
        const base = 'http_server_request_duration_seconds';
        expect(find(b, `${base}_bucket`, { le: '0.1' }).value).toBe(3);
        expect(find(b, `${base}_bucket`, { le: '0.5' }).value).toBe(5);
        expect(find(b, `${base}_bucket`, { le: '1' }).value).toBe(9);
        expect(find(b, `${base}_bucket`, { le: '+Inf' }).value).toBe(10);
        expect(find(b, `${base}_sum`).value).toBe(12.5);
        expect(find(b, `${base}_count`).value).toBe(10);
        expect(find(b, `${base}_count`).labels.route).toBe('/a');
        expect(b.metadata).toContainEqual({ name: base, type: 'histogram', unit: 'seconds', help: 'latency' });
      },
    },
    {
      name: 'target_info carries the non-identifying resource attributes once per resource',
      metrics: [gauge('a', '', 1), gauge('b', '', 2)],
      check: (b) => {
        const t = find(b, 'target_info');
        expect(t.value).toBe(1);
        expect(t.timeMs).toBe(END_MS);
        expect(t.labels).toEqual({ __name__: 'target_info', job: 'shop/api', instance: 'i-1', host_name: 'h1' });
        expect(b.metadata).toContainEqual({ name: 'target_info', type: 'gauge', unit: '', help: 'Target metadata' });
      },
    },
  ];

  for (const c of cases) {
    for (const format of FORMATS) {
      it(`${c.name} (${format})`, () => {
        const res = decodeMetricsRequest(encodeMetrics(rm(c.metrics), format), format, 'acme');
        expect(res.rejected).toBe(0);
        expect(res.batch.kind).toBe('samples');
        expect(res.batch.tenant).toBe('acme');
        c.check(res.batch);
      });
    }
  }

  it('every series fingerprint equals seriesFingerprint(labels); series are unique; protobuf == JSON', () => {
    const metrics = cases.flatMap((c) => c.metrics);
    const a = decodeMetricsRequest(encodeMetrics(rm(metrics), 'protobuf'), 'protobuf', 't').batch;
    const b = decodeMetricsRequest(encodeMetrics(rm(metrics), 'json'), 'json', 't').batch;
    for (const s of a.series) expect(s.fingerprint).toBe(seriesFingerprint(s.labels));
    expect(new Set(a.series.map((s) => s.fingerprint)).size).toBe(a.series.length);
    for (let i = 0; i < a.length; i++) expect(a.series.some((s) => s.fingerprint === a.fingerprint[i])).toBe(true);
    expect(samples(a)).toEqual(samples(b));
    expect(a.metadata).toEqual(b.metadata);
  });

  it('a resource without service.name has no job; without service.instance.id no instance', () => {
    const res = decodeMetricsRequest(encodeMetrics(rm([gauge('g', '', 1)], resource({ 'host.name': 'h' })), 'protobuf'), 'protobuf', 't');
    expect(find(res.batch, 'g').labels).toEqual({ __name__: 'g', otel_scope_name: 'meter', otel_scope_version: '2.0' });
    expect(find(res.batch, 'target_info').labels).toEqual({ __name__: 'target_info', host_name: 'h' });
  });

  it('exponential histograms are kept as rows, plus _sum and _count series', () => {
    for (const format of FORMATS) {
      const metric = {
        descriptor: { name: 'rpc.duration', description: '', unit: 'ms', valueType: ValueType.DOUBLE, type: 'HISTOGRAM' },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
        dataPoints: [
          {
            startTime: hr(START),
            endTime: hr(END),
            attributes: { m: 'get' },
            value: { count: 7, sum: 40.5, scale: 3, zeroCount: 1, positive: { offset: -2, bucketCounts: [1, 0, 3] }, negative: { offset: 1, bucketCounts: [2] }, min: -1, max: 20 },
          },
        ],
      } as unknown as MetricData;
      const { batch, rejected } = decodeMetricsRequest(encodeMetrics(rm([metric]), format), format, 't');
      expect(rejected).toBe(0);
      expect(batch.expHistograms).toHaveLength(1);
      const row = batch.expHistograms[0];
      expect(row).toMatchObject({ timeMs: END_MS, startTimeMs: Number(START / 1_000_000n), count: 7, sum: 40.5, min: -1, max: 20, scale: 3, zeroCount: 1, positiveOffset: -2, positiveCounts: [1, 0, 3], negativeOffset: 1, negativeCounts: [2], flags: 0 });
      const def = batch.series.find((s) => s.fingerprint === row.fingerprint);
      expect(def?.labels).toMatchObject({ __name__: 'rpc_duration_milliseconds', m: 'get' });
      expect(find(batch, 'rpc_duration_milliseconds_sum').value).toBe(40.5);
      expect(find(batch, 'rpc_duration_milliseconds_count').value).toBe(7);
      expect(batch.metadata).toContainEqual(expect.objectContaining({ name: 'rpc_duration_milliseconds', type: 'exponentialhistogram' }));
    }
  });
});

// ---- hand-built requests: summaries, exemplars, flags, delta, packed/unpacked ----

function metricsRequest(metrics: Uint8Array[], resourceAttrs: Uint8Array[] = [av.kv('service.name', av.str('svc'))]): Uint8Array {
  return pb.message(1, pb.message(1, ...resourceAttrs.map((a) => pb.message(1, a))), pb.message(2, pb.message(1, pb.string(1, 'sc')), ...metrics.map((m) => pb.message(2, m))));
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

function numberPoint(value: number, opts: { start?: bigint; time?: bigint; flags?: number; attrs?: Uint8Array[]; exemplars?: Uint8Array[] } = {}): Uint8Array {
  return concat(
    pb.fixed64(2, opts.start ?? START),
    pb.fixed64(3, opts.time ?? END),
    pb.double(4, value),
    ...(opts.attrs ?? []).map((a) => pb.message(7, a)),
    ...(opts.exemplars ?? []).map((e) => pb.message(5, e)),
    opts.flags === undefined ? [] : pb.varint(8, opts.flags),
  );
}

function sumMetric(name: string, temporality: number, monotonic: boolean, points: Uint8Array[]): Uint8Array {
  return concat(pb.string(1, name), pb.message(7, ...points.map((p) => pb.message(1, p)), pb.varint(2, temporality), pb.varint(3, monotonic ? 1 : 0)));
}

function jsonMetrics(metrics: unknown[]): Uint8Array {
  return json({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeMetrics: [{ scope: { name: 'sc' }, metrics }] }] });
}

function staleAt(b: SampleBatch, name: string, extra: Record<string, string> = {}): boolean {
  const byFp = new Map(b.series.map((s) => [s.fingerprint, s]));
  for (let i = 0; i < b.length; i++) {
    const s = byFp.get(b.fingerprint[i])!;
    if (s.name === name && Object.entries(extra).every(([k, v]) => s.labels[k] === v)) return isStaleMarker(b.value, i);
  }
  throw new Error(`no sample for ${name}`);
}

describe('decodeMetricsRequest: hand-built protobuf and OTLP/JSON', () => {
  it('summary -> quantile series, _sum, _count (protobuf and JSON)', () => {
    const pbBody = metricsRequest([
      concat(
        pb.string(1, 'rpc.latency'),
        pb.string(3, 's'),
        pb.message(
          11,
          pb.message(
            1,
            pb.fixed64(2, START),
            pb.fixed64(3, END),
            pb.fixed64(4, 100n),
            pb.double(5, 55.5),
            pb.message(6, pb.double(1, 0.5), pb.double(2, 0.2)),
            pb.message(6, pb.double(1, 0.99), pb.double(2, 1.7)),
            pb.message(7, av.kv('svc', av.str('x'))),
          ),
        ),
      ),
    ]);
    const jsonBody = jsonMetrics([
      {
        name: 'rpc.latency',
        unit: 's',
        summary: {
          dataPoints: [
            {
              startTimeUnixNano: START.toString(),
              timeUnixNano: END.toString(),
              count: '100',
              sum: 55.5,
              quantileValues: [
                { quantile: 0.5, value: 0.2 },
                { quantile: 0.99, value: 1.7 },
              ],
              attributes: [{ key: 'svc', value: { stringValue: 'x' } }],
            },
          ],
        },
      },
    ]);
    for (const [format, body] of [
      ['protobuf', pbBody],
      ['json', jsonBody],
    ] as [Format, Uint8Array][]) {
      const { batch } = decodeMetricsRequest(body, format, 't');
      expect(find(batch, 'rpc_latency_seconds', { quantile: '0.5' }).value).toBe(0.2);
      expect(find(batch, 'rpc_latency_seconds', { quantile: '0.99' }).value).toBe(1.7);
      expect(find(batch, 'rpc_latency_seconds_sum').value).toBe(55.5);
      expect(find(batch, 'rpc_latency_seconds_count').value).toBe(100);
      expect(batch.metadata).toContainEqual(expect.objectContaining({ name: 'rpc_latency_seconds', type: 'summary', unit: 'seconds' }));
    }
  });

  it('exemplars on counters keep trace context and filtered attributes; gauges drop them', () => {
    const ex = concat(pb.fixed64(2, END - 1_000_000n), pb.double(3, 7), pb.bytes(4, hexBytes(SPAN)), pb.bytes(5, hexBytes(TRACE)), pb.message(7, av.kv('user', av.str('u1'))));
    const body = metricsRequest([
      sumMetric('reqs', 2, true, [numberPoint(5, { exemplars: [ex] })]),
      concat(pb.string(1, 'temp'), pb.message(5, pb.message(1, numberPoint(1, { exemplars: [ex] })))),
    ]);
    const { batch } = decodeMetricsRequest(body, 'protobuf', 't');
    expect(batch.exemplars).toHaveLength(1);
    expect(batch.exemplars[0]).toEqual({ fingerprint: batch.fingerprint[0], timeMs: END_MS - 1, value: 7, traceId: TRACE, spanId: SPAN, attributes: '{"user":"u1"}' });
    const counter = batch.series.find((s) => s.fingerprint === batch.exemplars[0].fingerprint);
    expect(counter?.name).toBe('reqs_total');

    const jsonBody = jsonMetrics([
      {
        name: 'reqs',
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: [
            {
              asInt: '5',
              startTimeUnixNano: START.toString(),
              timeUnixNano: END.toString(),
              exemplars: [{ timeUnixNano: (END - 1_000_000n).toString(), asDouble: 7, spanId: SPAN, traceId: TRACE, filteredAttributes: [{ key: 'user', value: { stringValue: 'u1' } }] }],
            },
          ],
        },
      },
    ]);
    const fromJson = decodeMetricsRequest(jsonBody, 'json', 't').batch;
    expect(fromJson.exemplars).toEqual(batch.exemplars);
  });

  it('histogram exemplars attach to the bucket their value falls in', () => {
    const ex = (v: number) => concat(pb.fixed64(2, END), pb.double(3, v));
    const point = concat(pb.fixed64(2, START), pb.fixed64(3, END), pb.fixed64(4, 6n), pb.double(5, 3), pb.packedFixed64(6, [1, 2, 3]), pb.packedDoubles(7, [1, 2]), pb.message(8, ex(0.5)), pb.message(8, ex(2)), pb.message(8, ex(99)));
    const { batch } = decodeMetricsRequest(metricsRequest([concat(pb.string(1, 'h'), pb.message(9, pb.message(1, point), pb.varint(2, 2)))]), 'protobuf', 't');
    const le = batch.exemplars.map((e) => batch.series.find((s) => s.fingerprint === e.fingerprint)?.labels.le);
    expect(le).toEqual(['1', '2', '+Inf']);
  });

  it('histogram bucket_counts and explicit_bounds are accepted packed and unpacked', () => {
    const unpacked = concat(pb.fixed64(2, START), pb.fixed64(3, END), pb.fixed64(4, 6n), pb.double(7, 1), pb.double(7, 2), pb.fixed64(6, 1n), pb.fixed64(6, 2n), pb.fixed64(6, 3n));
    const { batch } = decodeMetricsRequest(metricsRequest([concat(pb.string(1, 'h'), pb.message(9, pb.message(1, unpacked), pb.varint(2, 2)))]), 'protobuf', 't');
    expect(find(batch, 'h_bucket', { le: '1' }).value).toBe(1);
    expect(find(batch, 'h_bucket', { le: '2' }).value).toBe(3);
    expect(find(batch, 'h_bucket', { le: '+Inf' }).value).toBe(6);
    expect(() => decodeMetricsRequest(metricsRequest([concat(pb.string(1, 'h'), pb.message(9, pb.message(1, pb.bytes(6, [1, 2, 3]))))]), 'protobuf', 't')).toThrowError(
      expect.objectContaining({ code: 'SL_ERR_PROTOBUF_MALFORMED' }),
    );
  });

  it('the no-recorded-value flag becomes a Prometheus stale marker on every series of the point', () => {
    const hist = concat(pb.fixed64(3, END), pb.fixed64(4, 0n), pb.packedFixed64(6, [0, 0]), pb.packedDoubles(7, [1]), pb.double(5, 0), pb.varint(10, 1));
    const body = metricsRequest([concat(pb.string(1, 'g'), pb.message(5, pb.message(1, numberPoint(3, { flags: 1 })))), concat(pb.string(1, 'h'), pb.message(9, pb.message(1, hist), pb.varint(2, 2)))]);
    const { batch } = decodeMetricsRequest(body, 'protobuf', 't');
    expect(staleAt(batch, 'g')).toBe(true);
    expect(staleAt(batch, 'h_bucket', { le: '1' })).toBe(true);
    expect(staleAt(batch, 'h_bucket', { le: '+Inf' })).toBe(true);
    expect(staleAt(batch, 'h_sum')).toBe(true);
    expect(staleAt(batch, 'h_count')).toBe(true);
    // The exact bits, not just any NaN.
    const i = samples(batch).findIndex((s) => s.name === 'g');
    const bits = new DataView(batch.value.buffer, batch.value.byteOffset + i * 8, 8).getBigUint64(0, true);
    expect(bits).toBe(0x7ff0000000000002n);

    const fromJson = decodeMetricsRequest(jsonMetrics([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: END.toString(), asDouble: 3, flags: 1 }] } }]), 'json', 't').batch;
    expect(staleAt(fromJson, 'g')).toBe(true);
    // An ordinary NaN value is not a stale marker.
    const nan = decodeMetricsRequest(jsonMetrics([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: END.toString(), asDouble: 'NaN' }] } }]), 'json', 't').batch;
    expect(Number.isNaN(nan.value[0])).toBe(true);
    expect(isStaleMarker(nan.value, 0)).toBe(false);
  });

  it('sample times are integer milliseconds, exact at ms boundaries', () => {
    const times = [1_700_000_000_000_000_000n, 1_700_000_000_000_999_999n, 1_700_000_000_001_000_000n, 999_999n, 0n, 18_446_744_073_709_551_615n];
    const body = metricsRequest([concat(pb.string(1, 'g'), pb.message(5, ...times.map((t, i) => pb.message(1, numberPoint(i, { time: t, attrs: [av.kv('i', av.int(i))] })))))]);
    const { batch } = decodeMetricsRequest(body, 'protobuf', 't');
    const got = samples(batch)
      .filter((s) => s.name === 'g')
      .map((s) => s.timeMs);
    expect(got).toEqual(times.map((t) => Number(t / 1_000_000n)));
  });

  it('as_int (sfixed64) values, negative included', () => {
    const point = concat(pb.fixed64(3, END), pb.sfixed64(6, -5n));
    const { batch } = decodeMetricsRequest(metricsRequest([concat(pb.string(1, 'g'), pb.message(5, pb.message(1, point)))]), 'protobuf', 't');
    expect(find(batch, 'g').value).toBe(-5);
  });

  it('delta sums are rejected without a converter and accumulated with one', () => {
    const p1 = numberPoint(5, { start: 1_000_000_000n, time: 2_000_000_000n });
    const p2 = numberPoint(3, { start: 2_000_000_000n, time: 3_000_000_000n });
    const without = decodeMetricsRequest(metricsRequest([sumMetric('d', 1, true, [p1])]), 'protobuf', 't');
    expect(without.rejected).toBe(1);
    expect(without.rejectReasons[0]).toMatch(/delta temporality/);
    expect(without.batch.length).toBe(0);

    const delta = new DeltaToCumulative();
    const first = decodeMetricsRequest(metricsRequest([sumMetric('d', 1, true, [p1])]), 'protobuf', 't', delta);
    const second = decodeMetricsRequest(metricsRequest([sumMetric('d', 1, true, [p2])]), 'protobuf', 't', delta);
    expect(find(first.batch, 'd_total').value).toBe(5);
    expect(find(second.batch, 'd_total').value).toBe(8);
    // A replay of the first point is older than what was accumulated: dropped and counted.
    const replay = decodeMetricsRequest(metricsRequest([sumMetric('d', 1, true, [p1])]), 'protobuf', 't', delta);
    expect(replay.rejected).toBe(1);
    expect(replay.rejectReasons[0]).toMatch(/not newer/);
    // Another tenant has its own state.
    const other = decodeMetricsRequest(metricsRequest([sumMetric('d', 1, true, [p2])]), 'protobuf', 'other', delta);
    expect(find(other.batch, 'd_total').value).toBe(3);
  });

  it('delta histograms accumulate per bucket (OTLP/JSON)', () => {
    const point = (start: number, time: number, counts: number[]) => ({
      startTimeUnixNano: String(start),
      timeUnixNano: String(time),
      count: String(counts.reduce((a, b) => a + b, 0)),
      sum: 1,
      bucketCounts: counts.map(String),
      explicitBounds: [1],
    });
    const delta = new DeltaToCumulative();
    const req = (p: unknown) => jsonMetrics([{ name: 'lat', histogram: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA', dataPoints: [p] } }]);
    decodeMetricsRequest(req(point(1e9, 2e9, [1, 2])), 'json', 't', delta);
    const { batch } = decodeMetricsRequest(req(point(2e9, 3e9, [4, 8])), 'json', 't', delta);
    expect(find(batch, 'lat_bucket', { le: '1' }).value).toBe(5);
    expect(find(batch, 'lat_bucket', { le: '+Inf' }).value).toBe(15);
    expect(find(batch, 'lat_count').value).toBe(15);
    expect(find(batch, 'lat_sum').value).toBe(2);
  });

  it('unspecified temporality and unusable names reject the points with a reason', () => {
    const res = decodeMetricsRequest(metricsRequest([sumMetric('x', 0, true, [numberPoint(1), numberPoint(2)]), concat(pb.string(1, '...'), pb.message(5, pb.message(1, numberPoint(1))))]), 'protobuf', 't');
    expect(res.rejected).toBe(3);
    expect(res.rejectReasons[0]).toMatch(/aggregation temporality/);
    expect(res.rejectReasons[2]).toMatch(/no characters usable/);
  });

  it('prometheus.type=unknown in Metric.metadata marks a gauge unknown', () => {
    const body = metricsRequest([concat(pb.string(1, 'legacy'), pb.message(5, pb.message(1, numberPoint(1))), pb.message(12, av.kv('prometheus.type', av.str('unknown'))))]);
    const { batch } = decodeMetricsRequest(body, 'protobuf', 't');
    expect(batch.metadata).toContainEqual(expect.objectContaining({ name: 'legacy', type: 'unknown' }));
  });

  it('scope attributes and schema_url become otel_scope_* labels; they cannot override otel_scope_name', () => {
    const scope = pb.message(1, pb.string(1, 'lib'), pb.string(2, '1'), pb.message(3, av.kv('team', av.str('core'))), pb.message(3, av.kv('name', av.str('spoof'))));
    const body = pb.message(1, pb.message(2, scope, pb.string(3, 'https://opentelemetry.io/schemas/1.26.0'), pb.message(2, concat(pb.string(1, 'g'), pb.message(5, pb.message(1, numberPoint(1)))))));
    const { batch } = decodeMetricsRequest(body, 'protobuf', 't');
    expect(find(batch, 'g').labels).toEqual({
      __name__: 'g',
      otel_scope_name: 'lib',
      otel_scope_version: '1',
      otel_scope_schema_url: 'https://opentelemetry.io/schemas/1.26.0',
      otel_scope_team: 'core',
    });
  });

  it('an attribute named le or __name__ cannot override the mapping labels', () => {
    const hist = concat(pb.fixed64(3, END), pb.fixed64(4, 1n), pb.packedFixed64(6, [1, 0]), pb.packedDoubles(7, [5]), pb.message(9, av.kv('le', av.str('attr'))), pb.message(9, av.kv('__name__', av.str('evil'))));
    const { batch } = decodeMetricsRequest(metricsRequest([concat(pb.string(1, 'h'), pb.message(9, pb.message(1, hist), pb.varint(2, 2)))]), 'protobuf', 't');
    const bucket = find(batch, 'h_bucket', { le: '5' });
    expect(bucket.labels.__name__).toBe('h_bucket');
    expect(bucket.labels._name_).toBe('evil');
    expect(bucket.labels.le).toBe('5');
    expect(bucket.labels.le).not.toBe('attr');
    expect(find(batch, 'h_count').labels.le).toBe('attr');
    for (const s of batch.series) expect(s.fingerprint).toBe(seriesFingerprint(s.labels));
  });

  // The protobuf decoder caches point labels by the raw bytes of the attribute block, per
  // resource and scope; each case runs twice so the second pass is answered from the cache.
  it('the attribute-bytes label cache keeps resources and scopes apart', () => {
    const point = sumMetric('reqs', 2, true, [numberPoint(1, { attrs: [av.kv('route', av.str('/a')), av.kv('code', av.str('200'))] })]);
    const scopeMetrics = (scope: string) => pb.message(2, pb.message(1, pb.string(1, scope)), pb.message(2, point));
    const res = (svc: string, ...scopes: Uint8Array[]) => pb.message(1, pb.message(1, pb.message(1, av.kv('service.name', av.str(svc)))), ...scopes);
    // One request: two resources, the first with two scopes, all with byte-identical points.
    const body = concat(res('svc-a', scopeMetrics('sc1'), scopeMetrics('sc2')), res('svc-b', scopeMetrics('sc1')));
    for (let pass = 0; pass < 2; pass++) {
      const { batch } = decodeMetricsRequest(body, 'protobuf', 't');
      const got = samples(batch).map((x) => x.labels);
      expect(got).toEqual([
        { __name__: 'reqs_total', code: '200', job: 'svc-a', otel_scope_name: 'sc1', route: '/a' },
        { __name__: 'reqs_total', code: '200', job: 'svc-a', otel_scope_name: 'sc2', route: '/a' },
        { __name__: 'reqs_total', code: '200', job: 'svc-b', otel_scope_name: 'sc1', route: '/a' },
      ]);
      for (const x of batch.series) expect(x.fingerprint).toBe(seriesFingerprint(x.labels));
    }
  });

  it('attributes split by other fields and attributes with bad UTF-8 decode the same on every request', () => {
    const split = concat(pb.message(7, av.kv('a', av.str('1'))), pb.fixed64(2, START), pb.fixed64(3, END), pb.double(4, 9), pb.message(7, av.kv('b', av.str('2'))));
    const bad = numberPoint(3, { attrs: [av.kv('k', pb.bytes(1, new Uint8Array([0x66, 0xff, 0xfe])))] });
    for (let pass = 0; pass < 2; pass++) {
      const { batch } = decodeMetricsRequest(metricsRequest([sumMetric('split', 2, true, [split])]), 'protobuf', 't');
      expect(find(batch, 'split_total').labels).toEqual({ __name__: 'split_total', a: '1', b: '2', job: 'svc', otel_scope_name: 'sc' });
      expect(() => decodeMetricsRequest(metricsRequest([sumMetric('bad', 2, true, [bad])]), 'protobuf', 't')).toThrow(/UTF-8/i);
    }
  });

  it('a series reached through a cached and an uncached attribute block is listed once', () => {
    const together = numberPoint(1, { attrs: [av.kv('a', av.str('1')), av.kv('b', av.str('2'))] });
    const split = concat(pb.message(7, av.kv('a', av.str('1'))), pb.fixed64(2, START), pb.fixed64(3, END + 1_000_000n), pb.double(4, 2), pb.message(7, av.kv('b', av.str('2'))));
    for (let pass = 0; pass < 3; pass++) {
      const { batch } = decodeMetricsRequest(metricsRequest([sumMetric('twice', 2, true, [together, split])]), 'protobuf', 't');
      expect(batch.series.map((x) => x.name)).toEqual(['twice_total']);
      expect(batch.length).toBe(2);
      expect(batch.fingerprint[0]).toBe(batch.fingerprint[1]);
      expect(batch.series[0]!.fingerprint).toBe(seriesFingerprint({ __name__: 'twice_total', a: '1', b: '2', job: 'svc', otel_scope_name: 'sc' }));
    }
  });
});
