// Debian's Prometheus as the reference for the API's envelopes: the same requests must get the
// same HTTP status, errorType and error text (parameter handling; PromQL parse messages are
// the parser's and are compared in its own tests).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { startPrometheus, type PrometheusProcess } from '../../helpers/prometheus-process.js';

let sightline: TestServer | undefined;
let prometheus: PrometheusProcess | undefined;

beforeAll(async () => {
  prometheus = await startPrometheus('global: { scrape_interval: 15s }\n');
  sightline = await startTestServer();
});
afterAll(async () => {
  await prometheus?.stop();
  await sightline?.stop();
});

async function call(base: string, path: string, form?: Record<string, string>) {
  const res = form
    ? await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() })
    : await fetch(base + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const CASES: Array<[string, Record<string, string>?]> = [
  ['/api/v1/query?query=up&time=yesterday'],
  ['/api/v1/query?query=up&time=2026-01-02'],
  ['/api/v1/query?query=up&timeout=x'],
  ['/api/v1/query_range?query=up&end=10&step=1'],
  ['/api/v1/query_range?query=up&start=1&end=x&step=1'],
  ['/api/v1/query_range?query=up&start=1&end=10'],
  ['/api/v1/query_range?query=up&start=1&end=10&step=x'],
  ['/api/v1/query_range?query=up&start=1&end=10&step=0'],
  ['/api/v1/query_range?query=up&start=1&end=10&step=-5'],
  ['/api/v1/query_range?query=up&start=10&end=1&step=1'],
  ['/api/v1/query_range?query=up&start=0&end=11001&step=1'],
  ['/api/v1/query_range', { query: 'up', start: '0', end: '22002', step: '2' }],
  ['/api/v1/series'],
  ['/api/v1/series?match[]=up&start=abc'],
  ['/api/v1/labels?start=abc'],
  ['/api/v1/labels?end=abc'],
  ['/api/v1/label/a-b/values'],
  ['/api/v1/rules?type=foo'],
  ['/api/v1/query', { query: 'up', time: 'nope' }],
  ['/api/v1/query?query=1%2B1&time=100'],
  ['/api/v1/query?query=vector(3)&time=1700000000.123'],
  ['/api/v1/query_range?query=time()&start=100&end=160&step=30'],
  ['/api/v1/series?match[]=up&start=1&end=2'],
  ['/api/v1/alerts'],
];

describe('API envelopes match Prometheus 2.42', () => {
  it.each(CASES)('%s %j', async (path, form) => {
    const [theirs, ours] = await Promise.all([call(prometheus!.url, path, form), call(sightline!.httpUrl, path, form)]);
    expect(ours).toEqual(theirs);
  });
});
