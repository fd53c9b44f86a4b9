import { describe, expect, it } from 'vitest';
import { formatPromFloat, prometheusMetricName, prometheusUnit, sanitizeLabelName, seriesFingerprint } from '../../../src/ingest/wire/index.js';

describe('prometheusMetricName (OTel -> Prometheus compatibility spec)', () => {
  const cases: [string, string, 'counter' | 'gauge' | 'other', string][] = [
    ['http.server.request.duration', 's', 'other', 'http_server_request_duration_seconds'],
    ['http.server.requests', '{request}', 'counter', 'http_server_requests_total'],
    ['requests_total', '1', 'counter', 'requests_total'],
    ['system.cpu.utilization', '1', 'gauge', 'system_cpu_utilization_ratio'],
    ['cpu.ratio', '1', 'gauge', 'cpu_ratio'],
    ['system.cpu.utilization', '1', 'other', 'system_cpu_utilization'],
    ['memory.usage', 'By', 'gauge', 'memory_usage_bytes'],
    ['network.io', 'By/s', 'gauge', 'network_io_bytes_per_second'],
    ['packets', '{packet}/s', 'gauge', 'packets_per_second'],
    ['latency.seconds', 's', 'other', 'latency_seconds'],
    ['queue__depth..x', '', 'gauge', 'queue_depth_x'],
    ['5xx.errors', '', 'counter', '_5xx_errors_total'],
    ['weird-name/with spaces', 'ms', 'gauge', 'weird_name_with_spaces_milliseconds'],
    ['ns:metric', 'us', 'gauge', 'ns:metric_microseconds'],
    ['total.requests.total', '', 'counter', 'requests_total'],
    ['disk', 'MiBy', 'gauge', 'disk_mebibytes'],
    ['temp', 'Cel', 'gauge', 'temp_celsius'],
    ['fuel', 'l/h', 'gauge', 'fuel_l_per_hour'],
    ['...', 's', 'gauge', ''],
  ];
  for (const [name, unit, kind, expected] of cases) {
    it(`${name} [${unit}] (${kind}) -> ${expected || "'' (rejected)"}`, () => {
      expect(prometheusMetricName(name, unit, kind)).toBe(expected);
    });
  }
});

describe('prometheusUnit', () => {
  const cases: [string, string][] = [
    ['s', 'seconds'],
    ['By/s', 'bytes_per_second'],
    ['1', ''],
    ['{request}', ''],
    ['%', 'percent'],
    ['m/s', 'meters_per_second'],
    ['', ''],
  ];
  for (const [unit, expected] of cases) it(`${unit} -> ${expected}`, () => expect(prometheusUnit(unit)).toBe(expected));
});

describe('sanitizeLabelName', () => {
  const cases: [string, string][] = [
    ['http.method', 'http_method'],
    ['ok_name', 'ok_name'],
    ['9lives', 'key_9lives'],
    ['__name__', '_name_'],
    ['a..b', 'a_b'],
    ['ünï', '_n_'],
    ['...', ''],
    ['', ''],
  ];
  for (const [key, expected] of cases) it(`${JSON.stringify(key)} -> ${JSON.stringify(expected)}`, () => expect(sanitizeLabelName(key)).toBe(expected));
});

describe('formatPromFloat (le / quantile values)', () => {
  const cases: [number, string][] = [
    [0.5, '0.5'],
    [1, '1'],
    [100, '100'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
    [1e-7, '0.0000001'],
    [2.5e-9, '0.0000000025'],
    [1e21, '1000000000000000000000'],
    [-1.25e22, '-12500000000000000000000'],
  ];
  for (const [v, expected] of cases) it(`${v} -> ${expected}`, () => expect(formatPromFloat(v)).toBe(expected));
});

describe('seriesFingerprint', () => {
  it('is a non-negative safe integer of at most 53 bits', () => {
    for (let i = 0; i < 1000; i++) {
      const fp = seriesFingerprint({ __name__: 'm', i: String(i) });
      expect(Number.isSafeInteger(fp)).toBe(true);
      expect(fp).toBeGreaterThanOrEqual(0);
    }
  });

  it('does not depend on label order and ignores empty labels', () => {
    const a = seriesFingerprint({ __name__: 'up', job: 'api', instance: 'i-1' });
    expect(seriesFingerprint({ instance: 'i-1', job: 'api', __name__: 'up' })).toBe(a);
    expect(seriesFingerprint({ instance: 'i-1', job: 'api', __name__: 'up', zone: '' })).toBe(a);
  });

  it('distinguishes where a name ends and a value starts, and label moves', () => {
    const fps = new Set([
      seriesFingerprint({ __name__: 'm', ab: 'c' }),
      seriesFingerprint({ __name__: 'm', a: 'bc' }),
      seriesFingerprint({ __name__: 'm', a: 'b', c: '' }),
      seriesFingerprint({ __name__: 'm', x: '1', y: '2' }),
      seriesFingerprint({ __name__: 'm', x: '2', y: '1' }),
      seriesFingerprint({ __name__: 'mx', x: '1' }),
    ]);
    expect(fps.size).toBe(6);
  });

  it('has no collisions across 200,000 similar series', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(seriesFingerprint({ __name__: `metric_${i % 100}`, pod: `pod-${i}`, le: String(i % 13) }));
    expect(seen.size).toBe(200_000);
  });
});
