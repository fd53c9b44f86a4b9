import { describe, expect, it } from 'vitest';
import {
  createPromEngine, MemorySeriesSource, PromQLError, staleNaN, type PromResult, type SeriesSource,
} from '../../../src/query/promql/index.js';

const M = 60_000;

function source(): MemorySeriesSource {
  const s = new MemorySeriesSource();
  // Counters every 15s from t=0 to 10m.
  const counter = (labels: Record<string, string>, perSec: number) =>
    s.add({ __name__: 'http_requests_total', ...labels }, Array.from({ length: 41 }, (_, i) => [i * 15_000, i * 15 * perSec] as [number, number]));
  counter({ job: 'api', instance: 'a' }, 1);
  counter({ job: 'api', instance: 'b' }, 2);
  counter({ job: 'web', instance: 'a' }, 3);
  s.add({ __name__: 'up', job: 'api', instance: 'a' }, [[0, 1], [M, 1], [2 * M, staleNaN()]]);
  s.add({ __name__: 'up', job: 'api', instance: 'b' }, [[0, 0]]);
  s.add({ __name__: 'up', job: 'web', instance: 'a' }, [[0, 1]]);
  s.add({ __name__: 'info', job: 'api', version: '1' }, [[0, 1]]);
  s.add({ __name__: 'big', k: 'x' }, [[0, 1e21], [M, 1e-7]]);
  return s;
}

const engine = createPromEngine(source());

async function instant(expr: string, t: number): Promise<PromResult> {
  return engine.instant('default', expr, t);
}

// [expression, eval time ms, expected result (stats ignored)]
const INSTANT: Array<[string, number, unknown]> = [
  ['1 + 2', 0, { resultType: 'scalar', result: [0, '3'] }],
  ['"hello"', 5000, { resultType: 'string', result: [5, 'hello'] }],
  ['time()', 90_000, { resultType: 'scalar', result: [90, '90'] }],
  ['up{job="web"}', 4 * M, { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'web', instance: 'a' }, value: [240, '1'] }] }],
  // Lookback is 5m inclusive: the sample at 0 is seen at exactly 5m, not after.
  ['up{job="web"}', 5 * M, { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'web', instance: 'a' }, value: [300, '1'] }] }],
  ['up{job="web"}', 5 * M + 1, { resultType: 'vector', result: [] }],
  // The staleness marker at 2m ends the series at once.
  ['up{instance="a", job="api"}', 2 * M, { resultType: 'vector', result: [] }],
  ['up{instance="a", job="api"}', 2 * M - 1, { resultType: 'vector', result: [{ metric: { __name__: 'up', instance: 'a', job: 'api' }, value: [119.999, '1'] }] }],
  ['sum by (job) (rate(http_requests_total[1m]))', 5 * M, {
    resultType: 'vector',
    result: expect.arrayContaining([{ metric: { job: 'api' }, value: [300, '3'] }, { metric: { job: 'web' }, value: [300, '3'] }]),
  }],
  ['increase(http_requests_total{instance="b", job="api"}[2m])', 5 * M, { result: [{ metric: { instance: 'b', job: 'api' }, value: [300, '240'] }] }],
  ['sort_desc(http_requests_total)', 4 * M, {
    result: [
      { metric: { __name__: 'http_requests_total', job: 'web', instance: 'a' }, value: [240, '720'] },
      { metric: { __name__: 'http_requests_total', job: 'api', instance: 'b' }, value: [240, '480'] },
      { metric: { __name__: 'http_requests_total', job: 'api', instance: 'a' }, value: [240, '240'] },
    ],
  }],
  ['topk(1, http_requests_total)', 4 * M, { result: [{ metric: { __name__: 'http_requests_total', job: 'web', instance: 'a' }, value: [240, '720'] }] }],
  ['http_requests_total{instance="a"} / ignoring(job) group_left(version) info', 0, { result: [] }],
  ['up * on(job) group_left(version) info', 0, {
    result: [
      { metric: { instance: 'a', job: 'api', version: '1' }, value: [0, '1'] },
      { metric: { instance: 'b', job: 'api', version: '1' }, value: [0, '0'] },
    ],
  }],
  ['up == bool 1', 0, { result: expect.arrayContaining([{ metric: { instance: 'b', job: 'api' }, value: [0, '0'] }]) }],
  ['up > 0', 0, { result: expect.arrayContaining([{ metric: { __name__: 'up', instance: 'a', job: 'web' }, value: [0, '1'] }]) }],
  ['big', 0, { result: [{ metric: { __name__: 'big', k: 'x' }, value: [0, '1000000000000000000000'] }] }],
  ['big', M, { result: [{ metric: { __name__: 'big', k: 'x' }, value: [60, '0.0000001'] }] }],
  ['1 / 0', 0, { resultType: 'scalar', result: [0, '+Inf'] }],
  ['-1 / 0', 0, { resultType: 'scalar', result: [0, '-Inf'] }],
  ['0 / 0', 0, { resultType: 'scalar', result: [0, 'NaN'] }],
  ['absent(nope{job="x"})', 0, { result: [{ metric: { job: 'x' }, value: [0, '1'] }] }],
  ['label_replace(up{job="web"}, "svc", "$1-x", "job", "(w.*)")', 0, { result: [{ metric: { __name__: 'up', instance: 'a', job: 'web', svc: 'web-x' }, value: [0, '1'] }] }],
  ['count_values("v", up)', 0, { result: expect.arrayContaining([{ metric: { v: '1' }, value: [0, '2'] }, { metric: { v: '0' }, value: [0, '1'] }]) }],
  ['up{job="web"}[1m]', 30_000, { resultType: 'matrix', result: [{ metric: { __name__: 'up', instance: 'a', job: 'web' }, values: [[0, '1']] }] }],
  ['max_over_time(up{job="web"}[5m:1m])', 3 * M, { result: [{ metric: { instance: 'a', job: 'web' }, value: [180, '1'] }] }],
  ['last_over_time(up{job="web"}[5m])', 3 * M, { result: [{ metric: { __name__: 'up', instance: 'a', job: 'web' }, value: [180, '1'] }] }],
  ['up{job="web"} @ 0', 100 * M, { result: [{ metric: { __name__: 'up', instance: 'a', job: 'web' }, value: [6000, '1'] }] }],
  ['up{job="web"} offset 10m', 12 * M, { result: [{ metric: { __name__: 'up', instance: 'a', job: 'web' }, value: [720, '1'] }] }],
];

// [expression, eval time, error type, message]
const FAILING: Array<[string, number, string, string]> = [
  ['http_requests_total / on(job) up', 0, 'execution',
    'found duplicate series for the match group {job="api"} on the right hand-side of the operation: [{__name__="up", instance="b", job="api"}, {__name__="up", instance="a", job="api"}];many-to-many matching not allowed: matching labels must be unique on one side'],
  ['http_requests_total + on(job) group_left info * 0 + on(instance) group_left up', 0, 'execution',
    'found duplicate series for the match group {instance="a"} on the right hand-side of the operation: [{__name__="up", instance="a", job="web"}, {__name__="up", instance="a", job="api"}];many-to-many matching not allowed: matching labels must be unique on one side'],
  ['up{job="api"} * on(job) info', 0, 'execution', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)'],
  ['rate(http_requests_total[5m]) / ignoring(instance) rate(http_requests_total[5m])', 5 * M, 'execution',
    'found duplicate series for the match group {job="api"} on the right hand-side of the operation: [{instance="b", job="api"}, {instance="a", job="api"}];many-to-many matching not allowed: matching labels must be unique on one side'],
  ['label_replace(up, "job", "x", "", "")', 0, 'execution', 'vector cannot contain metrics with the same labelset'],
  ['abs({__name__=~"up|http_requests_total"})', 0, 'execution', 'vector cannot contain metrics with the same labelset'],
  ['holt_winters(up[5m], 2, 0.5)', 0, 'execution', 'invalid smoothing factor. Expected: 0 < sf < 1, got: 2.000000'],
  ['rate(foo)', 0, 'bad_data', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
];

describe('PromQL engine', () => {
  it.each(INSTANT)('%s at %sms', async (expr, t, want) => {
    expect(await instant(expr, t)).toMatchObject(want as object);
  });

  it.each(FAILING)('fails %s', async (expr, t, type, message) => {
    await expect(instant(expr, t)).rejects.toMatchObject({ type, message });
  });

  it('answers range queries as a matrix sorted by labels, scalars as one {} series', async () => {
    const res = await engine.range('default', 'up', 0, 3 * M, M);
    expect(res).toMatchObject({
      resultType: 'matrix',
      result: [
        { metric: { __name__: 'up', instance: 'a', job: 'api' }, values: [[0, '1'], [60, '1']] },
        { metric: { __name__: 'up', instance: 'a', job: 'web' }, values: [[0, '1'], [60, '1'], [120, '1'], [180, '1']] },
        { metric: { __name__: 'up', instance: 'b', job: 'api' }, values: [[0, '0'], [60, '0'], [120, '0'], [180, '0']] },
      ],
    });
    expect(await engine.range('default', '2 * 3', 0, M, 30_000)).toMatchObject({ resultType: 'matrix', result: [{ metric: {}, values: [[0, '6'], [30, '6'], [60, '6']] }] });
  });

  it('words a topk/bottomk parameter out of int64 range as Go prints it (%v)', async () => {
    // Checked against Prometheus 2.42 by the differential test (topk(1e20, up)).
    await expect(instant('topk(1e20, up)', 0)).rejects.toMatchObject({ type: 'execution', message: 'Scalar value 1e+20 overflows int64' });
    await expect(instant('bottomk(-1e19, up)', 0)).rejects.toMatchObject({ type: 'execution', message: 'Scalar value -1e+19 overflows int64' });
    await expect(instant('topk(NaN, up)', 0)).rejects.toMatchObject({ type: 'execution', message: 'Scalar value NaN overflows int64' });
  });

  it('rejects range queries of strings and range vectors, and bad steps', async () => {
    await expect(engine.range('default', '"a"', 0, M, 1000)).rejects.toMatchObject({ type: 'bad_data', message: 'invalid expression type "string" for range query, must be Scalar or instant Vector' });
    await expect(engine.range('default', 'up[5m]', 0, M, 1000)).rejects.toMatchObject({ type: 'bad_data', message: 'invalid expression type "range vector" for range query, must be Scalar or instant Vector' });
    await expect(engine.range('default', 'up', 0, M, 0)).rejects.toBeInstanceOf(PromQLError);
  });

  it('stops at maxSamples with the Prometheus message', async () => {
    const small = createPromEngine(source(), { maxSamples: 5 });
    await expect(small.range('default', 'http_requests_total', 0, 10 * M, 15_000)).rejects.toMatchObject({
      type: 'execution', message: 'query processing would load too many samples into memory in query execution',
    });
    await expect(small.instant('default', 'up', 0)).resolves.toMatchObject({ resultType: 'vector' });
  });

  it('times out a slow source and a long evaluation', async () => {
    const slow: SeriesSource = { select: () => new Promise((r) => setTimeout(() => r([]), 200)) };
    await expect(createPromEngine(slow, { timeoutMs: 20 }).instant('default', 'up', 0)).rejects.toMatchObject({ type: 'timeout' });
    const busy = createPromEngine(source(), { timeoutMs: 0 });
    await expect(busy.range('default', 'sum(rate(http_requests_total[1m]))', 0, 10 * M, 1000)).rejects.toMatchObject({ type: 'timeout' });
  });

  it('asks the source only for the window it needs', async () => {
    const calls: Array<[number, number]> = [];
    const spy: SeriesSource = { select: async (_t, _m, a, b) => { calls.push([a, b]); return []; } };
    const e = createPromEngine(spy, { lookbackDeltaMs: 60_000 });
    await e.range('default', 'rate(x[5m] offset 1m) + y + sum_over_time(z[10m:1m] @ end())', 20 * M, 30 * M, M).catch(() => undefined);
    await e.instant('default', 'sum_over_time(z[10m:1m] @ 100)', 0);
    expect(calls).toEqual(expect.arrayContaining([
      [20 * M - M - 5 * M, 30 * M - M],
      [20 * M - 60_000, 30 * M],
      [30 * M - 10 * M - 60_000, 30 * M],
      [100_000 - 600_000 - 60_000, 100_000],
    ]));
  });
});
