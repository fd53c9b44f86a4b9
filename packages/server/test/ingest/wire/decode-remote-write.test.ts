import { describe, expect, it } from 'vitest';
import { decodeRemoteWrite } from '../../../src/ingest/wire/decode-remote-write.js';
import { DecodeError, isStaleMarker, seriesFingerprint, STALE_NAN_HI, STALE_NAN_LO } from '../../../src/ingest/wire/index.js';
import { encodeNativeHistogram, encodeWriteRequest } from '../../helpers/remote-write-encoder.js';

describe('decodeRemoteWrite', () => {
  it('decodes series, samples, stale markers, exemplars and metadata into a SampleBatch', () => {
    const body = encodeWriteRequest(
      [
        {
          labels: { __name__: 'http_requests_total', job: 'api', instance: 'a:9090' },
          samples: [
            { value: 1, timestamp: 1_700_000_000_000 },
            { value: 2.5, timestamp: 1_700_000_015_000 },
            { value: 0, timestamp: 1_700_000_030_000, bits: [STALE_NAN_LO, STALE_NAN_HI] },
          ],
          exemplars: [{ labels: { trace_id: 'ABCDEF0123456789abcdef0123456789', user: 'u1' }, value: 1, timestamp: 1_700_000_001_000 }],
        },
        { labels: { job: 'api', __name__: 'temperature', empty: '' }, samples: [{ value: -3, timestamp: -5 }] },
      ],
      [
        { type: 1, family: 'http_requests', help: 'Requests.', unit: '' },
        { type: 2, family: 'temperature', help: 'Temp.', unit: 'celsius' },
      ],
    );
    const { batch } = decodeRemoteWrite(body, 't1');
    expect(batch.tenant).toBe('t1');
    expect(batch.length).toBe(4);
    const fp = seriesFingerprint({ __name__: 'http_requests_total', job: 'api', instance: 'a:9090' });
    expect(Array.from(batch.fingerprint)).toEqual([fp, fp, fp, seriesFingerprint({ __name__: 'temperature', job: 'api' })]);
    expect(Array.from(batch.timeMs)).toEqual([1_700_000_000_000, 1_700_000_015_000, 1_700_000_030_000, -5]);
    expect(batch.value[1]).toBe(2.5);
    expect(isStaleMarker(batch.value, 2)).toBe(true);
    expect(isStaleMarker(batch.value, 0)).toBe(false);
    expect(batch.series).toEqual([
      { fingerprint: fp, name: 'http_requests_total', labels: { __name__: 'http_requests_total', instance: 'a:9090', job: 'api' } },
      { fingerprint: batch.fingerprint[3], name: 'temperature', labels: { __name__: 'temperature', job: 'api' } },
    ]);
    // Keys come out sorted.
    expect(Object.keys(batch.series[0].labels)).toEqual(['__name__', 'instance', 'job']);
    expect(batch.exemplars).toEqual([{ fingerprint: fp, timeMs: 1_700_000_001_000, value: 1, traceId: 'abcdef0123456789abcdef0123456789', spanId: '', attributes: '{"user":"u1"}' }]);
    expect(batch.metadata).toEqual([
      { name: 'http_requests', type: 'counter', unit: '', help: 'Requests.' },
      { name: 'temperature', type: 'gauge', unit: 'celsius', help: 'Temp.' },
    ]);
  });

  it('converts integer native histograms to exponential histogram rows', () => {
    const h = encodeNativeHistogram({ count: 6, sum: 10.5, schema: 1, zeroThreshold: 0.001, zeroCount: 1, spans: [[0, 2], [2, 1]], deltas: [2, 1, -2], timestamp: 1000 });
    const { batch } = decodeRemoteWrite(encodeWriteRequest([{ labels: { __name__: 'latency' }, histograms: [h] }]), 't');
    expect(batch.length).toBe(0);
    expect(batch.expHistograms).toHaveLength(1);
    const row = batch.expHistograms[0];
    expect(row).toMatchObject({ count: 6, sum: 10.5, scale: 1, zeroCount: 1, zeroThreshold: 0.001, timeMs: 1000 });
    // Prometheus bucket 0 is OTLP bucket -1; counts 2, 3, then a gap of two, then 1.
    expect(row.positiveOffset).toBe(-1);
    expect(row.positiveCounts).toEqual([2, 3, 0, 0, 1]);
  });

  it.each([
    ['no metric name', [{ labels: { job: 'x' }, samples: [{ value: 1, timestamp: 1 }] }], /timeseries\[0\]: the series has no __name__ label/],
    ['invalid metric name', [{ labels: { __name__: '1abc' }, samples: [{ value: 1, timestamp: 1 }] }], /metric name "1abc" must match/],
    ['invalid label name', [{ labels: { __name__: 'ok', 'a-b': 'x' }, samples: [{ value: 1, timestamp: 1 }] }], /label name "a-b" must match/],
    ['empty label name', [{ labels: { __name__: 'ok', '': 'x' }, samples: [{ value: 1, timestamp: 1 }] }], /empty name/],
  ])('rejects a request with %s', (_name, series, message) => {
    expect(() => decodeRemoteWrite(encodeWriteRequest(series), 't')).toThrow(message);
  });

  it('rejects duplicate label names and truncated messages with a DecodeError', () => {
    // Two labels named "a" in one series, written by hand.
    const dup = encodeWriteRequest([{ labels: { __name__: 'x', a: '1' }, samples: [{ value: 1, timestamp: 1 }] }]);
    const withDup = Buffer.concat([Buffer.from(dup)]);
    // Append a second "a" label to the series: rebuild with raw bytes.
    const label = Buffer.from([0x0a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x32]);
    const inner = Buffer.concat([withDup.subarray(2), label]);
    const req = Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
    expect(() => decodeRemoteWrite(req, 't')).toThrow(/duplicate label name "a"/);
    expect(() => decodeRemoteWrite(dup.subarray(0, dup.length - 3), 't')).toThrow(DecodeError);
  });

  it('keeps exemplars sent in a TimeSeries of their own (as Prometheus sends them)', () => {
    const body = encodeWriteRequest([{ labels: { __name__: 'req_total', job: 'a' }, exemplars: [{ labels: { trace_id: 'aa', span_id: 'bb' }, value: 3, timestamp: 5 }] }]);
    const { batch } = decodeRemoteWrite(body, 't');
    expect(batch.length).toBe(0);
    expect(batch.exemplars).toEqual([{ fingerprint: seriesFingerprint({ __name__: 'req_total', job: 'a' }), timeMs: 5, value: 3, traceId: 'aa', spanId: 'bb', attributes: '{}' }]);
    expect(batch.series).toHaveLength(1);
  });

  it('decodes a repeated series the same way from its cached label bytes', () => {
    const labels = { __name__: 'cached_metric', job: 'a', zone: 'z1' };
    const first = decodeRemoteWrite(encodeWriteRequest([{ labels, samples: [{ value: 1, timestamp: 1 }] }]), 't').batch;
    const second = decodeRemoteWrite(encodeWriteRequest([{ labels, samples: [{ value: 2, timestamp: 2 }] }]), 't').batch;
    expect(second.series).toEqual(first.series);
    expect(second.fingerprint[0]).toBe(seriesFingerprint(labels));
    expect(second.value[0]).toBe(2);
    // Same leading label bytes, but one more label after the sample: a different series.
    const body = Buffer.from(encodeWriteRequest([{ labels, samples: [{ value: 3, timestamp: 3 }] }]));
    const extra = Buffer.from([0x0a, 0x07, 0x0a, 0x02, 0x7a, 0x7a, 0x12, 0x01, 0x31]);
    const inner = Buffer.concat([body.subarray(2), extra]);
    const third = decodeRemoteWrite(Buffer.concat([Buffer.from([0x0a, inner.length]), inner]), 't').batch;
    expect(third.series[0].labels).toEqual({ ...labels, zz: '1' });
    expect(third.fingerprint[0]).toBe(seriesFingerprint({ ...labels, zz: '1' }));
    // The cached series is still itself afterwards.
    const fourth = decodeRemoteWrite(encodeWriteRequest([{ labels, samples: [{ value: 4, timestamp: 4 }] }]), 't').batch;
    expect(fourth.series).toEqual(first.series);
    expect(fourth.fingerprint[0]).toBe(seriesFingerprint(labels));
    // Label bytes that differ only in their last byte: another series.
    const near = decodeRemoteWrite(encodeWriteRequest([{ labels: { ...labels, zone: 'z2' }, samples: [{ value: 5, timestamp: 5 }] }]), 't').batch;
    expect(near.fingerprint[0]).toBe(seriesFingerprint({ ...labels, zone: 'z2' }));
    expect(near.series[0].labels.zone).toBe('z2');
  });

  it('ignores series without samples and metadata without a family name', () => {
    const { batch } = decodeRemoteWrite(encodeWriteRequest([{ labels: { __name__: 'idle' } }], [{ type: 2, family: '' }]), 't');
    expect(batch.length).toBe(0);
    expect(batch.series).toEqual([]);
    expect(batch.metadata).toEqual([]);
  });
});

describe('decodeRemoteWrite robustness', () => {
  it('only ever throws DecodeError on mutated and truncated input', () => {
    const valid = Buffer.from(
      encodeWriteRequest(
        [
          { labels: { __name__: 'a', job: 'x' }, samples: [{ value: 1, timestamp: 10 }], exemplars: [{ labels: { trace_id: 'ab' }, value: 1, timestamp: 5 }] },
          { labels: { __name__: 'h' }, histograms: [encodeNativeHistogram({ count: 3, sum: 1, schema: 0, zeroThreshold: 0, zeroCount: 0, spans: [[1, 2]], deltas: [1, 1], timestamp: 9 })] },
        ],
        [{ type: 1, family: 'a', help: 'h' }],
      ),
    );
    // Deterministic pseudo-random mutations.
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.from(valid);
      const flips = 1 + rand(4);
      for (let f = 0; f < flips; f++) buf[rand(buf.length)] = rand(256);
      const input = rand(4) === 0 ? buf.subarray(0, rand(buf.length)) : buf;
      try {
        decodeRemoteWrite(input, 't');
      } catch (err) {
        if (!(err instanceof DecodeError)) throw new Error(`iteration ${i}: ${String(err)}`);
      }
    }
  });
});
