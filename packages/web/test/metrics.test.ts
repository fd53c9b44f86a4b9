import { describe, expect, it } from 'vitest';
import { rankMetricNames } from '../src/lib/metrics.js';

describe('rankMetricNames', () => {
  it('prefers prefix, then word-start matches', () => {
    const names = ['process_cpu_seconds_total', 'http_server_duration_bucket', 'server_up', 'observer'].map((name) => ({ name }));
    expect(rankMetricNames(names, 'server').map((n) => n.name)).toEqual(['server_up', 'http_server_duration_bucket', 'observer']);
  });
});
