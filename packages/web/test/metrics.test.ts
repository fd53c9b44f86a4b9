import { describe, expect, it } from 'vitest';
import { commonLabels, counterRate, labelValues, rankMetricNames, seriesLabel, seriesStats } from '../src/lib/metrics.js';

describe('counterRate', () => {
  it('computes per-second deltas and handles resets', () => {
    expect(counterRate([0, 1000, 2000, 3000], [10, 20, 40, 5])).toEqual({ x: [1000, 2000, 3000], y: [10, 20, 5] });
  });
  it('skips duplicate timestamps', () => {
    expect(counterRate([0, 0, 2000], [1, 2, 6])).toEqual({ x: [2000], y: [2] });
  });
});

describe('labels', () => {
  const series = [
    { fingerprint: 1, labels: { __name__: 'm', job: 'api', code: '200' } },
    { fingerprint: 2, labels: { __name__: 'm', job: 'api', code: '500' } },
  ];
  it('collects values per key', () => {
    expect([...labelValues(series)]).toEqual([
      ['code', ['200', '500']],
      ['job', ['api']],
    ]);
  });
  it('labels series by what differs', () => {
    const common = commonLabels(series);
    expect([...common].sort()).toEqual(['__name__', 'job']);
    expect(seriesLabel(series[1]!.labels, common)).toBe('{code="500"}');
  });
});

describe('seriesStats', () => {
  it('ignores gaps', () => {
    expect(seriesStats([1, null, 3])).toEqual({ last: 3, min: 1, max: 3, avg: 2, count: 2 });
    expect(seriesStats([]).count).toBe(0);
  });
});

describe('rankMetricNames', () => {
  it('prefers prefix, then word-start matches', () => {
    const names = ['process_cpu_seconds_total', 'http_server_duration_bucket', 'server_up', 'observer'].map((name) => ({ name }));
    expect(rankMetricNames(names, 'server').map((n) => n.name)).toEqual(['server_up', 'http_server_duration_bucket', 'observer']);
  });
});
