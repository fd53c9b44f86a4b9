import { describe, expect, it } from 'vitest';
import { ExpositionError, formatOfContentType, parseExposition } from '../../../src/ingest/scrape/exposition-parser.js';

describe('parseExposition: Prometheus text format 0.0.4', () => {
  it('parses samples, labels with escapes, special values, timestamps and metadata', () => {
    const text = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      '',
      '# A free comment',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      'metric_without_timestamp_and_labels 12.47',
      'something_weird{problem="division by zero"} +Inf -3982045',
      'nan_metric NaN',
      'neg_inf -Inf',
      '# HELP help_escapes A \\\\ backslash and\\nnewline.',
      '# TYPE rpc_duration_seconds summary',
      'rpc_duration_seconds{quantile="0.5"} 4773',
      'rpc_duration_seconds_sum 1.7560473e+07',
      'trailing_comma{a="b",} 1',
    ].join('\n');
    const { samples, metadata } = parseExposition(text, 'prometheus-text');
    expect(samples.map((s) => [s.name, s.labels, s.value, s.timestampMs])).toEqual([
      ['http_requests_total', { method: 'post', code: '200' }, 1027, 1395066363000],
      ['http_requests_total', { method: 'post', code: '400' }, 3, 1395066363000],
      ['msdos_file_access_time_seconds', { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' }, 1.458255915e9, undefined],
      ['metric_without_timestamp_and_labels', {}, 12.47, undefined],
      ['something_weird', { problem: 'division by zero' }, Infinity, -3982045],
      ['nan_metric', {}, NaN, undefined],
      ['neg_inf', {}, -Infinity, undefined],
      ['rpc_duration_seconds', { quantile: '0.5' }, 4773, undefined],
      ['rpc_duration_seconds_sum', {}, 1.7560473e7, undefined],
      ['trailing_comma', { a: 'b' }, 1, undefined],
    ]);
    expect(metadata).toEqual([
      { name: 'http_requests_total', type: 'counter', help: 'The total number of HTTP requests.', unit: '' },
      { name: 'help_escapes', type: 'unknown', help: 'A \\ backslash and\nnewline.', unit: '' },
      { name: 'rpc_duration_seconds', type: 'summary', help: '', unit: '' },
    ]);
  });

  it.each([
    ['bad metric name', '0abc 1', /line 1: invalid metric name "0abc"/],
    ['missing value', 'foo{a="b"}', /line 1: sample foo has no value/],
    ['bad value', 'foo 1x', /line 1: invalid value "1x" for foo/],
    ['unterminated labels', 'foo{a="b" 1', /line 1: expected ',' or '}'/],
    ['unterminated value', 'foo{a="b} 1', /unterminated label value/],
    ['bad escape', 'foo{a="\\x"} 1', /invalid escape sequence/],
    ['duplicate label', 'foo{a="1",a="2"} 1', /duplicate label name "a"/],
    ['float timestamp', 'foo 1 1.5', /text format timestamps are integer milliseconds/],
    ['bad type', '# TYPE foo countr', /invalid metric type "countr"/],
    ['second line', 'ok 1\nbad{', /line 2:/],
  ])('rejects %s', (_n, text, err) => {
    expect(() => parseExposition(text, 'prometheus-text')).toThrow(err);
    expect(() => parseExposition(text, 'prometheus-text')).toThrow(ExpositionError);
  });
});

describe('parseExposition: OpenMetrics 1.0', () => {
  it('parses units, second timestamps, exemplars and needs # EOF', () => {
    const text = [
      '# TYPE acme_http_router_request_seconds summary',
      '# UNIT acme_http_router_request_seconds seconds',
      '# HELP acme_http_router_request_seconds Latency though all of ACME\'s HTTP request router.',
      'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32 1520879607.789',
      'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
      '# TYPE foo counter',
      'foo_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67',
      'foo_created 1520430000.123',
      '# TYPE build info',
      'build_info{version="1.0"} 1',
      '# EOF',
      '',
    ].join('\n');
    const { samples, metadata } = parseExposition(text, 'openmetrics');
    expect(samples[0]).toMatchObject({ name: 'acme_http_router_request_seconds_sum', value: 9036.32, timestampMs: 1520879607789 });
    expect(samples[1].timestampMs).toBeUndefined();
    expect(samples[2]).toMatchObject({ name: 'foo_total', value: 17, timestampMs: 1520879607789, exemplar: { labels: { trace_id: 'KOO5S4vxi0o' }, value: 0.67, timestampMs: undefined } });
    expect(samples.map((s) => s.name)).toEqual(['acme_http_router_request_seconds_sum', 'acme_http_router_request_seconds_count', 'foo_total', 'foo_created', 'build_info']);
    expect(metadata).toEqual([
      { name: 'acme_http_router_request_seconds', type: 'summary', unit: 'seconds', help: "Latency though all of ACME's HTTP request router." },
      { name: 'foo', type: 'counter', unit: '', help: '' },
      { name: 'build', type: 'gauge', unit: '', help: '' },
    ]);
  });

  it.each([
    ['missing # EOF', 'foo 1\n', /does not end with # EOF/],
    ['data after # EOF', 'foo 1\n# EOF\nbar 2\n', /data after # EOF/],
    ['empty line', 'foo 1\n\nbar 2\n# EOF\n', /empty line/],
    ['free comment', '# hello\n# EOF\n', /invalid comment line/],
    ['exemplar without braces', 'foo_total 1 # 0.5\n# EOF\n', /expected '\{' to start exemplar labels/],
  ])('rejects %s', (_n, text, err) => {
    expect(() => parseExposition(text, 'openmetrics')).toThrow(err);
  });
});

describe('formatOfContentType', () => {
  it.each([
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['text/plain; version=0.0.4', 'prometheus-text'],
    ['', 'prometheus-text'],
    [null, 'prometheus-text'],
  ])('%s -> %s', (ct, f) => expect(formatOfContentType(ct)).toBe(f));
});
