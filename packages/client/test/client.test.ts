import { describe, expect, it } from 'vitest';
import { SightlineApiError, buildQuery, createSightlineClient } from '../src/index.js';

function recordingFetch(status: number, body: unknown) {
  const calls: string[] = [];
  const impl = (async (url: string | URL | Request) => {
    calls.push(String(url));
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { calls, impl };
}

describe('buildQuery', () => {
  it('skips empty values and prefixes attribute maps', () => {
    expect(buildQuery({ a: 1, b: undefined, c: '', d: 'x y' }, { attr: { 'http.route': '/a' } })).toBe('?a=1&d=x+y&attr.http.route=%2Fa');
    expect(buildQuery({})).toBe('');
  });
});

describe('SightlineClient', () => {
  it('sends the contract query parameters for trace search', async () => {
    const f = recordingFetch(200, { traces: [] });
    const client = createSightlineClient({ baseUrl: 'http://h:1/', fetch: f.impl });
    await client.searchTraces({ start: 1000.4, end: 2000.2, service: 'api', minDuration: '250ms', status: 'error', attributes: { 'k': 'v' }, limit: 20 });
    expect(f.calls[0]).toBe('http://h:1/api/traces?service=api&minDuration=250ms&status=error&limit=20&start=1000&end=2001&attr.k=v');
  });

  it('encodes path segments and series lists', async () => {
    const f = recordingFetch(200, {});
    const client = createSightlineClient({ fetch: f.impl });
    await client.operations('a/b c', { start: 1, end: 2 });
    await client.metricSamples({ series: [1, 2], start: 1, end: 2 });
    await client.searchLogs({ start: 1, end: 2, severity: 'warn', cursor: 'abc', limit: 500 });
    await client.metricSeries({ match: 'http_requests_total', labels: { job: 'x' }, start: 1, end: 2 });
    await client.metricCardinality();
    await client.metricCardinality({ start: 1.5, end: 2.5, limit: 5, metric: 'a b' });
    expect(f.calls).toEqual([
      '/api/services/a%2Fb%20c/operations?start=1&end=2',
      '/api/metrics/samples?series=1%2C2&start=1&end=2',
      '/api/logs?severity=warn&start=1&end=2&limit=500&cursor=abc',
      '/api/metrics/series?match=http_requests_total&start=1&end=2&label.job=x',
      '/api/metrics/cardinality',
      '/api/metrics/cardinality?start=1&end=3&limit=5&metric=a+b',
    ]);
  });

  it('throws SightlineApiError from the error body', async () => {
    const f = recordingFetch(404, { error: { code: 'SL_ERR_TRACE_NOT_FOUND', message: 'no such trace' } });
    const client = createSightlineClient({ fetch: f.impl });
    const err = await client.trace('abc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SightlineApiError);
    expect(err).toMatchObject({ status: 404, code: 'SL_ERR_TRACE_NOT_FOUND', message: 'no such trace' });
  });

  it('maps non-JSON errors and network failures', async () => {
    const f = recordingFetch(502, 'Bad gateway');
    await expect(createSightlineClient({ fetch: f.impl }).info()).rejects.toMatchObject({ status: 502, code: 'SL_ERR_HTTP_502' });
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(createSightlineClient({ fetch: failing }).info()).rejects.toMatchObject({ status: 0, code: 'SL_ERR_NETWORK' });
  });
});
