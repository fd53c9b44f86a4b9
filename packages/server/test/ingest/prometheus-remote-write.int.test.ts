// Debian's real Prometheus scrapes a tiny /metrics endpoint and remote-writes into Sightline;
// the series, their labels, values and metadata must arrive and be queryable.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startPrometheus, waitFor, type PrometheusProcess } from '../helpers/prometheus-process.js';

let sightline: TestServer;
let prometheus: PrometheusProcess | undefined;
let target: Server;
let targetPort = 0;
let hits = 0;

beforeAll(async () => {
  sightline = await startTestServer();
  target = createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# HELP demo_requests_total Requests served by the demo.',
        '# TYPE demo_requests_total counter',
        `demo_requests_total{path="/a",code="200"} ${hits * 3}`,
        `demo_requests_total{path="/b",code="500"} ${hits}`,
        '# HELP demo_temperature_celsius Room temperature.',
        '# TYPE demo_temperature_celsius gauge',
        'demo_temperature_celsius 21.5',
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  targetPort = (target.address() as { port: number }).port;
  prometheus = await startPrometheus(`
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: demo
    static_configs:
      - targets: ['127.0.0.1:${targetPort}']
        labels: { env: test }
remote_write:
  - url: ${sightline.httpUrl}/api/v1/write
    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }
    metadata_config: { send: true, send_interval: 1s }
`);
});

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((r) => target?.close(r));
  await sightline?.stop();
});

describe('remote_write from a real Prometheus 2.42', () => {
  it('delivers scraped series with their labels and values', async () => {
    const series = await waitFor('demo_requests_total in Sightline', async () => {
      const res = await sightline.api(`/api/metrics/series?match=demo_requests_total&start=${Date.now() - 600_000}`);
      return res.status === 200 && res.body.series.length === 2 ? res.body.series : undefined;
    });
    const labels = series.map((s: { labels: Record<string, string> }) => s.labels).sort((a: any, b: any) => a.path.localeCompare(b.path));
    expect(labels).toEqual([
      { __name__: 'demo_requests_total', code: '200', env: 'test', instance: `127.0.0.1:${targetPort}`, job: 'demo', path: '/a' },
      { __name__: 'demo_requests_total', code: '500', env: 'test', instance: `127.0.0.1:${targetPort}`, job: 'demo', path: '/b' },
    ]);
    // Prometheus' own synthetic series travel too.
    const up = await sightline.api(`/api/metrics/series?match=up&label.job=demo&start=${Date.now() - 600_000}`);
    expect(up.body.series).toHaveLength(1);
    const samples = await waitFor('temperature samples', async () => {
      const s = await sightline.api(`/api/metrics/series?match=demo_temperature_celsius&start=${Date.now() - 600_000}`);
      if (s.body.series.length !== 1) return undefined;
      const r = await sightline.api(`/api/metrics/samples?series=${s.body.series[0].fingerprint}&start=${Date.now() - 600_000}`);
      return r.body.series[0]?.values.length > 0 ? r.body.series[0] : undefined;
    });
    expect(samples.values.every((v: number) => v === 21.5)).toBe(true);
  });

  it('honours metadata sent by Prometheus', async () => {
    const meta = await waitFor('metadata', async () => {
      const r = await sightline.api('/api/v1/metadata?metric=demo_temperature_celsius');
      return r.body.data?.demo_temperature_celsius ? r.body.data : undefined;
    });
    expect(meta.demo_temperature_celsius).toEqual([{ type: 'gauge', help: 'Room temperature.', unit: '' }]);
    const names = await sightline.api(`/api/metrics/names?start=${Date.now() - 600_000}`);
    const counter = names.body.names.find((n: { name: string }) => n.name === 'demo_requests_total');
    expect(counter).toMatchObject({ type: 'counter', help: 'Requests served by the demo.' });
  });

  it('answers PromQL over the remote-written data', async () => {
    const r = await waitFor('instant query', async () => {
      const res = await sightline.api(`/api/v1/query?query=${encodeURIComponent('sum by (code) (demo_requests_total)')}`);
      return res.body.data?.result?.length === 2 ? res.body : undefined;
    });
    expect(r.status).toBe('success');
    expect(r.data.resultType).toBe('vector');
  });
});
