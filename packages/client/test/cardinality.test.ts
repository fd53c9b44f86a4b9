import { describe, expect, it } from 'vitest';
import { SightlineApiError, createSightlineClient } from '../src/index.js';

function fetchAnswering(status: number, body: unknown) {
  const calls: string[] = [];
  const impl = (async (url: string | URL | Request) => {
    calls.push(String(url));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { calls, impl };
}

describe('cardinality', () => {
  it('sends window, limit and metric, and omits what is not given (server defaults: last 24h)', async () => {
    const f = fetchAnswering(200, { totalSeries: 0 });
    const client = createSightlineClient({ fetch: f.impl });
    await client.metricCardinality({ start: 1000, end: 2000, limit: 20, metric: 'http_requests_total' });
    await client.metricCardinality();
    expect(f.calls).toEqual([
      '/api/metrics/cardinality?start=1000&end=2000&limit=20&metric=http_requests_total',
      '/api/metrics/cardinality',
    ]);
  });

  it('turns a 400 into an error with the server code and message', async () => {
    const f = fetchAnswering(400, { error: { code: 'SL_ERR_BAD_PARAM', message: 'start must be before end' } });
    const err = await createSightlineClient({ fetch: f.impl }).metricCardinality({ start: 2, end: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SightlineApiError);
    expect(err).toMatchObject({ status: 400, code: 'SL_ERR_BAD_PARAM', message: 'start must be before end' });
  });
});
