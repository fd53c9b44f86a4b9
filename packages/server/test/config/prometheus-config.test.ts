import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { formatPromDuration, parsePromDuration } from '../../src/config/prom-duration.js';

describe('Prometheus configuration', () => {
  it('has documented defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.remoteWrite).toEqual({ enabled: true, maxBodyBytes: 10 * 1024 * 1024, maxDecompressedBytes: 64 * 1024 * 1024 });
    expect(c.prometheus).toEqual({
      scrapeInterval: '1m',
      scrapeTimeout: '10s',
      evaluationInterval: '1m',
      lookbackDelta: '5m',
      queryTimeout: '2m',
      maxSamples: 50_000_000,
      maxPointsPerSeries: 11_000,
      compatVersion: '2.45.0',
    });
    expect(c.scrape_configs).toEqual([]);
    expect(c.rule_files).toEqual([]);
  });

  it('fills prometheus.yml defaults into scrape jobs', () => {
    const c = loadConfig({ env: {}, overrides: { scrape_configs: [{ job_name: 'a', static_configs: [{ targets: ['h:1'] }] }] } });
    expect(c.scrape_configs[0]).toEqual({
      job_name: 'a',
      metrics_path: '/metrics',
      scheme: 'http',
      params: {},
      honor_labels: false,
      honor_timestamps: true,
      sample_limit: 0,
      static_configs: [{ targets: ['h:1'], labels: {} }],
      file_sd_configs: [],
      relabel_configs: [],
      metric_relabel_configs: [],
    });
  });

  it('takes env overrides of the Prometheus settings', () => {
    const c = loadConfig({ env: { SIGHTLINE_PROMETHEUS_SCRAPE_INTERVAL: '15s', SIGHTLINE_REMOTE_WRITE_ENABLED: 'false' } });
    expect(c.prometheus.scrapeInterval).toBe('15s');
    expect(c.remoteWrite.enabled).toBe(false);
  });

  it.each([
    [{ prometheus: { scrapeInterval: '15' } }, /config key 'prometheus\.scrapeInterval': not a Prometheus duration/],
    [{ prometheus: { evaluationInterval: '0s' } }, /config key 'prometheus\.evaluationInterval': must be longer than 0s/],
    [{ scrape_configs: [{ static_configs: [] }] }, /config key 'scrape_configs\.0\.job_name'/],
    [{ scrape_configs: [{ job_name: 'a' }, { job_name: 'a' }] }, /config key 'scrape_configs\.1\.job_name': found multiple scrape configs with job name "a"/],
    [{ scrape_configs: [{ job_name: 'a', relabel_configs: [{ action: 'replace', source_labels: ['x'] }] }] }, /config key 'scrape_configs\.0\.relabel_configs\.0\.target_label': relabel configuration for replace action requires 'target_label' value/],
    [{ scrape_configs: [{ job_name: 'a', tls_config: { insecure_skip_verify: true } }] }, /unknown config key 'scrape_configs\.0\.tls_config'/],
    [{ scrape_configs: [{ job_name: 'a', basic_auth: { username: 'x' }, bearer_token: 't' }] }, /at most one of basic_auth, authorization, bearer_token & bearer_token_file must be configured/],
    [{ scrape_configs: [{ job_name: 'a', authorization: { type: 'Basic', credentials: 'x' } }] }, /authorization type cannot be set to "basic"/],
    [{ scrape_configs: [{ job_name: 'a', file_sd_configs: [{ files: ['targets.txt'] }] }] }, /file_sd files must end in \.json, \.yml or \.yaml/],
  ])('rejects %j with a message naming the key', (overrides, message) => {
    expect(() => loadConfig({ env: {}, overrides })).toThrow(message);
  });
});

describe('job timing', () => {
  it('treats 0s like an unset interval (Prometheus) and caps the default timeout at the interval', async () => {
    const { jobTiming } = await import('../../src/ingest/scrape/targets.js');
    const c = loadConfig({ env: {}, overrides: { scrape_configs: [{ job_name: 'a', scrape_interval: '0s' }, { job_name: 'b', scrape_interval: '5s' }] } });
    const defaults = { scrapeIntervalMs: 60_000, scrapeTimeoutMs: 10_000 };
    expect(jobTiming(c.scrape_configs[0], defaults)).toEqual({ intervalMs: 60_000, timeoutMs: 10_000 });
    expect(jobTiming(c.scrape_configs[1], defaults)).toEqual({ intervalMs: 5_000, timeoutMs: 5_000 });
  });
});

describe('Prometheus durations', () => {
  it.each([
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['500ms', 500],
    ['0', 0],
    ['1h1m1s1ms', 3_661_001],
  ])('%s = %d ms', (text, ms) => {
    expect(parsePromDuration(text)).toBe(ms);
  });

  it.each(['', '15', '1.5s', 's', '1m1h', '-1s', '1 s'])('rejects %j', (text) => {
    expect(parsePromDuration(text)).toBeUndefined();
  });

  it('formats like Prometheus', () => {
    expect(formatPromDuration(90_000)).toBe('1m30s');
    expect(formatPromDuration(0)).toBe('0s');
    expect(formatPromDuration(86_400_000)).toBe('1d');
  });
});
