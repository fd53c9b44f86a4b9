import { describe, expect, it } from 'vitest';
import { alignStart, autoStepMs, buildGraph, formatStep, instantTable, parseSampleValue, parseStep, readQueries, rollupTier, seriesName, sortRows, stackValues, writeQueries } from '../src/lib/workbench.js';
import { PromQueryError, queryInstant, queryRange } from '../src/lib/prom-api.js';

describe('queries in the URL', () => {
  it('round-trips order, empty queries and disabled flags, keeping other parameters', () => {
    const queries = [
      { expr: 'rate(x[5m])', enabled: true },
      { expr: 'up{job="a&b"}', enabled: false },
      { expr: '', enabled: true },
    ];
    const params = writeQueries(new URLSearchParams('from=now-6h&q=old&off=0&tab=table'), queries);
    expect(params.get('from')).toBe('now-6h');
    expect(params.get('tab')).toBe('table');
    expect(params.get('off')).toBe('1');
    expect(readQueries(new URLSearchParams(params.toString()))).toEqual(queries);
  });
  it('drops `off` when everything is enabled', () => {
    expect(writeQueries(new URLSearchParams('off=0'), [{ expr: 'up', enabled: true }]).toString()).toBe('q=up');
  });
});

describe('step', () => {
  it('picks a round step of about one point per 2 px', () => {
    expect(autoStepMs(3_600_000, 800)).toBe(10_000); // 9s raw
    expect(autoStepMs(86_400_000, 1000)).toBe(300_000); // 172.8s raw
    expect(autoStepMs(60_000, 1000)).toBe(1_000);
  });
  it('never asks for more points than the server allows', () => {
    const step = autoStepMs(365 * 86_400_000, 100_000);
    expect(365 * 86_400_000 / step).toBeLessThanOrEqual(11_000);
  });
  it('parses durations and seconds, rejects the rest', () => {
    expect(['30s', '1m30s', '500ms', '15', '0.5', '2h', ''].map(parseStep)).toEqual([30_000, 90_000, 500, 15_000, 500, 7_200_000, null]);
    expect(['abc', '1x', '0', '-5s', '5s junk'].map(parseStep)).toEqual([null, null, null, null, null]);
    expect([90_000, 15_000, 500, 3_600_000, 86_400_000 + 60_000].map(formatStep)).toEqual(['1m30s', '15s', '500ms', '1h', '1d1m']);
  });
  it('aligns the grid start to the step', () => {
    expect(alignStart(1_000_123, 10_000)).toBe(1_000_000);
  });
});

describe('results', () => {
  it('names series like Prometheus', () => {
    expect(seriesName({ __name__: 'up', job: 'a', code: '2"0' })).toBe('up{code="2\\"0", job="a"}');
    expect(seriesName({ __name__: 'up' })).toBe('up');
    expect(seriesName({ job: 'a' })).toBe('{job="a"}');
    expect(seriesName({})).toBe('{}');
  });
  it('parses special values', () => {
    expect(['1.5', '+Inf', '-Inf'].map(parseSampleValue)).toEqual([1.5, Infinity, -Infinity]);
    expect(Number.isNaN(parseSampleValue('NaN'))).toBe(true);
  });
  it('puts several queries on one grid, with gaps and non-finite values as null', () => {
    const g = buildGraph(
      [
        { query: 0, series: [{ metric: { job: 'a' }, values: [[10, '1'], [30, '3']] }] },
        { query: 1, series: [{ metric: { job: 'b' }, values: [[20, '+Inf'], [30, '5']] }] },
      ],
      10_000,
      30_000,
      10_000,
    );
    expect(g.x).toEqual([10_000, 20_000, 30_000]);
    expect(g.series).toEqual([
      { query: 0, name: '{job="a"}', metric: { job: 'a' }, values: [1, null, 3] },
      { query: 1, name: '{job="b"}', metric: { job: 'b' }, values: [null, null, 5] },
    ]);
  });
  it('stacks with missing values counted as zero below and kept missing on their own line', () => {
    expect(stackValues([[1, 2, null], [10, null, 30], [100, 200, 300]])).toEqual([[1, 2, null], [11, null, 30], [111, 202, 330]]);
    expect(stackValues([])).toEqual([]);
  });
  it('tabulates every result type', () => {
    expect(instantTable({ resultType: 'scalar', result: [12, '3.5'] })).toEqual({ kind: 'scalar', value: '3.5', timeMs: 12_000 });
    expect(instantTable({ resultType: 'string', result: [12, 'hi'] })).toEqual({ kind: 'string', value: 'hi', timeMs: 12_000 });
    const v = instantTable({ resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'a' }, value: [1, '1'] }] });
    expect(v).toEqual({ kind: 'rows', rows: [{ name: 'up{job="a"}', metric: { __name__: 'up', job: 'a' }, value: '1', sortValue: 1 }] });
    const m = instantTable({ resultType: 'matrix', result: [{ metric: { job: 'a' }, values: [[1, '1'], [2, '4']] }] });
    expect(m.kind === 'rows' && m.rows[0]).toMatchObject({ value: '1 @1\n4 @2', sortValue: 4 });
  });
  it('sorts rows by value or name, NaN last', () => {
    const rows = ['3', 'NaN', '1', '2'].map((v, i) => ({ name: `s${i}`, metric: {}, value: v, sortValue: Number(v) }));
    expect(sortRows(rows, 'value', 'asc').map((r) => r.value)).toEqual(['1', '2', '3', 'NaN']);
    expect(sortRows(rows, 'value', 'desc').map((r) => r.value)).toEqual(['3', '2', '1', 'NaN']);
    expect(sortRows(rows, 'series', 'desc').map((r) => r.name)).toEqual(['s3', 's2', 's1', 's0']);
  });
  it('finds a rollup tier in stats when there is one', () => {
    expect(rollupTier(undefined)).toBeNull();
    expect(rollupTier({ timings: { evalTotalTime: 0.1 } })).toBeNull();
    expect(rollupTier({ tier: '5m' })).toBe('5m');
    expect(rollupTier({ storage: { rollupTier: 'raw' } })).toBe('raw');
  });
});

describe('prom-api', () => {
  function answering(status: number, body: string) {
    const calls: Array<{ url: string; init?: RequestInit }> = [];
    const fetch = async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return new Response(body, { status });
    };
    return { calls, fetch };
  }

  it('POSTs query_range as a form in seconds and asks for stats', async () => {
    const f = answering(200, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [], stats: { tier: 'raw' } } }));
    const r = await queryRange({ expr: 'sum(rate(x[5m])) by (job)', startMs: 1_000, endMs: 61_500, stepMs: 15_000 }, { fetch: f.fetch });
    expect(f.calls[0]!.url).toBe('/api/v1/query_range');
    expect(f.calls[0]!.init?.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(String(f.calls[0]!.init?.body)))).toEqual({ query: 'sum(rate(x[5m])) by (job)', start: '1', end: '61.5', step: '15', stats: 'all' });
    expect(r).toEqual({ data: { resultType: 'matrix', result: [], stats: { tier: 'raw' } }, warnings: [] });
  });

  it('reports the error type and message of a bad query', async () => {
    const f = answering(400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error' }));
    const err = await queryInstant('sum(', 5_000, { fetch: f.fetch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromQueryError);
    expect(err).toMatchObject({ errorType: 'bad_data', status: 400, message: 'invalid parameter "query": 1:5: parse error' });
    expect(new URLSearchParams(String(f.calls[0]!.init?.body)).get('time')).toBe('5');
  });

  it('reports server failures that are not JSON, and unreachable servers', async () => {
    const f = answering(502, '<html>Bad Gateway</html>');
    await expect(queryRange({ expr: 'up', startMs: 0, endMs: 1, stepMs: 1 }, { fetch: f.fetch })).rejects.toMatchObject({ errorType: 'bad_response', status: 502, message: expect.stringContaining('Bad Gateway') });
    const down = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(queryInstant('up', 0, { fetch: down })).rejects.toMatchObject({ errorType: 'network', status: 0 });
  });

  it('treats an error envelope with a 2xx status as an error', async () => {
    const f = answering(200, JSON.stringify({ status: 'error', errorType: 'execution', error: 'boom' }));
    await expect(queryInstant('up', 0, { fetch: f.fetch })).rejects.toMatchObject({ errorType: 'execution', message: 'boom' });
  });
});
