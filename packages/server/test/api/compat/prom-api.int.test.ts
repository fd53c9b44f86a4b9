// The Prometheus HTTP API against a Sightline started in-process: envelopes, error types and
// codes, parameter forms, the requests Grafana's Prometheus data source sends, and rules and
// scrapes configured in sightline.yaml running on the injected schedule.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { ManualScheduler } from '../../helpers/manual-scheduler.js';
import { encodeWriteRequest, postRemoteWrite, snappy } from '../../helpers/remote-write-encoder.js';
import { waitFor } from '../../helpers/prometheus-process.js';

let server: TestServer;
let target: Server;
let targetAddress = '';
let dir = '';
const scheduler = new ManualScheduler(Date.now());
// Ten minutes of data ending a minute ago, on a 15 s grid (seconds-aligned like Prometheus).
const END = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const START = END - 600_000;
const sec = (ms: number) => ms / 1000;

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(server.httpUrl + path);
  return { status: res.status, body: await res.json() };
}

async function postForm(path: string, form: Record<string, string | string[]>): Promise<{ status: number; body: any }> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  const res = await fetch(server.httpUrl + path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sightline-promapi-'));
  writeFileSync(
    join(dir, 'api.rules.yml'),
    `groups:
  - name: api
    interval: 10s
    rules:
      - record: code:http_requests:sum
        expr: sum by (code) (http_requests_total)
      - alert: TooManyErrors
        expr: http_requests_total{code="500"} > 1000
        for: 5m
        annotations: { summary: "errors on {{ $labels.job }}" }
`,
  );
  target = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end('# HELP scraped_items Items seen.\n# TYPE scraped_items gauge\nscraped_items 7\n');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  targetAddress = `127.0.0.1:${(target.address() as { port: number }).port}`;
  server = await startTestServer(
    {
      rule_files: [join(dir, '*.rules.yml')],
      scrape_configs: [{ job_name: 'local', scrape_interval: '5s', static_configs: [{ targets: [targetAddress] }] }],
    },
    undefined,
    scheduler,
  );
  const series = [
    { labels: { __name__: 'http_requests_total', job: 'api', code: '200' }, step: 10 },
    { labels: { __name__: 'http_requests_total', job: 'api', code: '500' }, step: 1 },
    { labels: { __name__: 'http_requests_total', job: 'web', code: '200' }, step: 5 },
  ].map((s) => ({ labels: s.labels, samples: Array.from({ length: 41 }, (_, i) => ({ value: i * s.step, timestamp: START + i * 15_000 })) }));
  const res = await postRemoteWrite(server.httpUrl, snappy(encodeWriteRequest(series, [{ type: 1, family: 'http_requests_total', help: 'Requests served.' }])));
  expect(res.status).toBe(204);
  // Prometheus sends exemplars in TimeSeries entries of their own.
  const ex = await postRemoteWrite(
    server.httpUrl,
    snappy(encodeWriteRequest([{ labels: { __name__: 'http_requests_total', job: 'api', code: '200' }, exemplars: [{ labels: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', route: '/x' }, value: 1.5, timestamp: START + 30_000 }] }])),
  );
  expect(ex.status).toBe(204);
});

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => target?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus HTTP API', () => {
  it('answers instant queries in the Prometheus envelope', async () => {
    const r = await get(`/api/v1/query?query=${encodeURIComponent('sum by (job) (http_requests_total)')}&time=${sec(END)}`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('success');
    expect(r.body.data.resultType).toBe('vector');
    const byJob = Object.fromEntries(r.body.data.result.map((x: any) => [x.metric.job, x.value]));
    expect(byJob).toEqual({ api: [sec(END), '440'], web: [sec(END), '200'] });
    // RFC 3339 times work too, and scalars come back as scalars.
    const s = await get(`/api/v1/query?query=1%2B1&time=${new Date(END).toISOString()}`);
    expect(s.body).toEqual({ status: 'success', data: { resultType: 'scalar', result: [sec(END), '2'] } });
  });

  it('answers range queries by GET and POST form', async () => {
    const q = { query: 'rate(http_requests_total{code="200",job="api"}[1m])', start: String(sec(START + 120_000)), end: String(sec(END)), step: '60' };
    const viaGet = await get(`/api/v1/query_range?${new URLSearchParams(q)}`);
    const viaPost = await postForm('/api/v1/query_range', q);
    expect(viaGet.status).toBe(200);
    expect(viaPost.body).toEqual(viaGet.body);
    expect(viaGet.body.data.resultType).toBe('matrix');
    const [series] = viaGet.body.data.result;
    expect(series.metric).toEqual({ code: '200', job: 'api' });
    expect(series.values).toHaveLength(9);
    expect(series.values[0]).toEqual([sec(START + 120_000), expect.any(String)]);
    expect(Number(series.values[0][1])).toBeCloseTo(10 / 15, 6);
    // step as a duration string.
    const d = await get(`/api/v1/query_range?${new URLSearchParams({ ...q, step: '1m' })}`);
    expect(d.body).toEqual(viaGet.body);
  });

  it.each([
    ['a bad query', `/api/v1/query?query=${encodeURIComponent('sum(')}`, 400, 'bad_data', /^invalid parameter "query": 1:5: parse error: /],
    ['a missing query', '/api/v1/query', 400, 'bad_data', /^invalid parameter "query": /],
    ['a bad time', '/api/v1/query?query=up&time=yesterday', 400, 'bad_data', /^invalid parameter "time": Invalid time value for 'time': cannot parse "yesterday" to a valid timestamp$/],
    ['a missing start', '/api/v1/query_range?query=up&end=10&step=1', 400, 'bad_data', /^invalid parameter "start": cannot parse "" to a valid timestamp$/],
    ['a bad step', '/api/v1/query_range?query=up&start=1&end=10&step=x', 400, 'bad_data', /^invalid parameter "step": cannot parse "x" to a valid duration$/],
    ['a zero step', '/api/v1/query_range?query=up&start=1&end=10&step=0', 400, 'bad_data', /zero or negative query resolution step widths are not accepted\. Try a positive integer$/],
    ['end before start', '/api/v1/query_range?query=up&start=10&end=1&step=1', 400, 'bad_data', /end timestamp must not be before start time$/],
    ['too many points', '/api/v1/query_range?query=up&start=0&end=11001&step=1', 400, 'bad_data', /^exceeded maximum resolution of 11,000 points per timeseries\. Try decreasing the query resolution \(\?step=XX\)$/],
    ['series without match[]', '/api/v1/series', 400, 'bad_data', /^no match\[\] parameter provided$/],
    ['a bad selector', `/api/v1/series?match[]=${encodeURIComponent('rate(x[5m])')}`, 400, 'bad_data', /^invalid parameter "match\[\]": /],
    ['a bad rules type', '/api/v1/rules?type=foo', 400, 'bad_data', /not supported value "foo"/],
    [
      'an execution error',
      `/api/v1/query?query=${encodeURIComponent('http_requests_total + on(job) http_requests_total')}&time=${sec(END)}`,
      422,
      'execution',
      /duplicate series|many-to-many/,
    ],
  ])('answers %s with the Prometheus error envelope', async (_name, path, status, errorType, message) => {
    const r = await get(path);
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ status: 'error', errorType, error: expect.stringMatching(message) });
  });

  it('lists series, label names and label values for match[] selectors', async () => {
    const range = `start=${sec(START)}&end=${sec(END)}`;
    const s = await get(`/api/v1/series?match[]=${encodeURIComponent('http_requests_total{code=~"2..",job!="web"}')}&${range}`);
    expect(s.body).toEqual({ status: 'success', data: [{ __name__: 'http_requests_total', code: '200', job: 'api' }] });
    const union = await get(`/api/v1/series?match[]=${encodeURIComponent('{__name__="http_requests_total",job="web"}')}&match[]=${encodeURIComponent('http_requests_total{code="500"}')}&${range}`);
    expect(union.body.data).toHaveLength(2);
    const labels = await get(`/api/v1/labels?match[]=http_requests_total&${range}`);
    expect(labels.body).toEqual({ status: 'success', data: ['__name__', 'code', 'job'] });
    const values = await get(`/api/v1/label/job/values?match[]=${encodeURIComponent('http_requests_total{code="200"}')}&${range}`);
    expect(values.body).toEqual({ status: 'success', data: ['api', 'web'] });
    const limited = await get(`/api/v1/label/code/values?${range}&limit=1`);
    expect(limited.body).toEqual({ status: 'success', data: ['200'], warnings: ['results truncated due to limit'] });
  });

  it('serves buildinfo, metadata, alerts and targets', async () => {
    const b = await get('/api/v1/status/buildinfo');
    expect(b.body).toEqual({ status: 'success', data: { version: '2.45.0', revision: expect.stringMatching(/^sightline-/), branch: 'sightline', buildUser: 'sightline', buildDate: '', goVersion: expect.any(String) } });
    const m = await get('/api/v1/metadata?metric=http_requests_total');
    expect(m.body).toEqual({ status: 'success', data: { http_requests_total: [{ type: 'counter', help: 'Requests served.', unit: '' }] } });
    expect((await get('/api/v1/alerts')).body).toEqual({ status: 'success', data: { alerts: [] } });
    const t = await get('/api/v1/targets');
    expect(t.body.data.activeTargets).toMatchObject([{ scrapePool: 'local', scrapeUrl: `http://${targetAddress}/metrics`, labels: { instance: targetAddress, job: 'local' } }]);
  });

  it('runs scrapes and recording rules from sightline.yaml on the injected schedule', async () => {
    scheduler.advance(10_000);
    const up = await waitFor('up from the scrape', async () => {
      const r = await get(`/api/v1/query?query=${encodeURIComponent('up{job="local"}')}`);
      return r.body.data.result.length === 1 ? r.body.data.result[0] : undefined;
    });
    expect(up.metric).toEqual({ __name__: 'up', instance: targetAddress, job: 'local' });
    expect(up.value[1]).toBe('1');
    const recorded = await waitFor('recording rule output', async () => {
      const r = await get(`/api/v1/query?query=${encodeURIComponent('code:http_requests:sum')}&time=${sec(scheduler.now())}`);
      return r.body.data.result.length === 2 ? r.body.data.result : undefined;
    });
    expect(recorded.map((x: any) => x.metric.code).sort()).toEqual(['200', '500']);
    const rules = await get('/api/v1/rules');
    expect(rules.body.status).toBe('success');
    const [group] = rules.body.data.groups;
    expect(group).toMatchObject({ name: 'api', file: join(dir, 'api.rules.yml'), interval: 10, limit: 0 });
    expect(group.rules[0]).toMatchObject({ name: 'code:http_requests:sum', query: 'sum by (code) (http_requests_total)', health: 'ok', type: 'recording' });
    expect(group.rules[1]).toMatchObject({ name: 'TooManyErrors', state: 'inactive', duration: 300, health: 'ok', alerts: [], type: 'alerting' });
    const records = await get('/api/v1/rules?type=record');
    expect(records.body.data.groups[0].rules).toHaveLength(1);
  });
});

describe('Grafana Prometheus data source replay', () => {
  // The requests Grafana 10/11 sends when a Prometheus data source is saved, its query editor
  // opens (metric browser) and a panel renders, in that order.
  it('answers every request with the envelope Grafana parses', async () => {
    const start = String(sec(START));
    const end = String(sec(END));
    const build = await get('/api/v1/status/buildinfo');
    expect(build.status).toBe(200);
    expect(build.body.data.version).toMatch(/^2\.\d+\.\d+$/);

    const labels = await get(`/api/v1/labels?start=${start}&end=${end}`);
    expect(labels.body.status).toBe('success');
    expect(labels.body.data).toEqual(expect.arrayContaining(['__name__', 'code', 'job']));
    const labelsPost = await postForm('/api/v1/labels', { start, end });
    expect(labelsPost.body).toEqual(labels.body);

    const names = await get(`/api/v1/label/__name__/values?start=${start}&end=${end}`);
    expect(names.body.status).toBe('success');
    expect(names.body.data).toContain('http_requests_total');
    expect([...names.body.data].sort()).toEqual(names.body.data);

    const series = await get(`/api/v1/series?${new URLSearchParams([['match[]', 'http_requests_total'], ['start', start], ['end', end]])}`);
    expect(series.body.status).toBe('success');
    expect(series.body.data).toHaveLength(3);
    const seriesPost = await postForm('/api/v1/series', { 'match[]': 'http_requests_total', start, end });
    expect(seriesPost.body.data).toHaveLength(3);

    const values = await get(`/api/v1/label/job/values?start=${start}&end=${end}&match[]=${encodeURIComponent('http_requests_total')}`);
    expect(values.body).toEqual({ status: 'success', data: ['api', 'web'] });

    const panel = await postForm('/api/v1/query_range', { query: 'sum by (job) (rate(http_requests_total[1m]))', start, end, step: '15' });
    expect(panel.status).toBe(200);
    expect(panel.body.status).toBe('success');
    expect(panel.body.data.resultType).toBe('matrix');
    expect(panel.body.data.result).toHaveLength(2);
    for (const s of panel.body.data.result) {
      for (const [t, v] of s.values) {
        expect(typeof t).toBe('number');
        expect(typeof v).toBe('string');
      }
    }

    const instant = await postForm('/api/v1/query', { query: 'http_requests_total', time: end });
    expect(instant.body.data.resultType).toBe('vector');
    expect(instant.body.data.result).toHaveLength(3);

    const exemplars = await get(`/api/v1/query_exemplars?${new URLSearchParams({ query: 'sum(rate(http_requests_total[1m]))', start, end })}`);
    expect(exemplars.body).toEqual({
      status: 'success',
      data: [
        {
          seriesLabels: { __name__: 'http_requests_total', code: '200', job: 'api' },
          exemplars: [{ labels: { route: '/x', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }, value: '1.5', timestamp: sec(START + 30_000) }],
        },
      ],
    });

    const meta = await get('/api/v1/metadata');
    expect(meta.body.status).toBe('success');
    expect(meta.body.data.http_requests_total).toEqual([{ type: 'counter', help: 'Requests served.', unit: '' }]);
  });
});
