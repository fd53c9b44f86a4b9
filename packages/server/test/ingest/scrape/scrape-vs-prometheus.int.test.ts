// Debian's Prometheus as the reference: the same scrape config, scraping the same target,
// must produce the same series (label sets) in Prometheus and in Sightline.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { startPrometheus, waitFor, type PrometheusProcess } from '../../helpers/prometheus-process.js';

let sightline: TestServer | undefined;
let prometheus: PrometheusProcess | undefined;
let target: Server;
let address = '';

const EXPOSITION = [
  '# HELP shop_orders_total Orders.',
  '# TYPE shop_orders_total counter',
  'shop_orders_total{job="checkout",status="ok"} 10',
  'shop_orders_total{status="failed",instance="pod-1"} 2',
  'shop_debug_enabled 1',
  'shop_queue_length{queue="a b",path="C:\\\\tmp"} 3',
  'shop_temp{env="lab"} 4',
  '',
].join('\n');

const OPENMETRICS = [
  '# TYPE om_requests counter',
  '# HELP om_requests Requests.',
  'om_requests_total{code="200"} 5 # {trace_id="abc"} 1.0',
  'om_requests_created{code="200"} 1700000000.5',
  '# TYPE om_latency_seconds histogram',
  '# UNIT om_latency_seconds seconds',
  'om_latency_seconds_bucket{le="0.1"} 1',
  'om_latency_seconds_bucket{le="+Inf"} 3',
  'om_latency_seconds_sum 0.7',
  'om_latency_seconds_count 3',
  '# TYPE om_build info',
  'om_build_info{version="1.2.3"} 1',
  '# TYPE om_state stateset',
  'om_state{om_state="ready"} 1',
  'om_state{om_state="broken"} 0',
  '# TYPE om_temp gauge',
  'om_temp 21.5',
  '# EOF',
  '',
].join('\n');

// Written once, used verbatim by both (Prometheus: prometheus.yml, Sightline: sightline.yaml).
function scrapeConfig() {
  return [
    {
      job_name: 'shop',
      scrape_interval: '1s',
      scrape_timeout: '1s',
      static_configs: [{ targets: [address], labels: { env: 'prod', region: 'eu-west-1' } }],
      relabel_configs: [
        { source_labels: ['region'], regex: '([a-z]+)-.*', target_label: 'area', replacement: '$1' },
        { source_labels: ['__address__'], target_label: 'shard', modulus: 8, action: 'hashmod' },
        { regex: 'region', action: 'labeldrop' },
      ],
      metric_relabel_configs: [
        { source_labels: ['__name__'], regex: 'shop_debug_.*', action: 'drop' },
        { source_labels: ['queue'], regex: '(.+)', target_label: 'queue_name', replacement: 'q-$1' },
        { regex: 'path', action: 'labeldrop' },
      ],
    },
    { job_name: 'om', scrape_interval: '1s', scrape_timeout: '1s', metrics_path: '/om', static_configs: [{ targets: [address] }] },
  ];
}

beforeAll(async () => {
  target = createServer((req, res) => {
    if (req.url?.startsWith('/om')) {
      res.writeHead(200, { 'Content-Type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
      res.end(OPENMETRICS);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(EXPOSITION);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  address = `127.0.0.1:${(target.address() as { port: number }).port}`;
  // JSON is YAML: the same object is the Prometheus config.
  prometheus = await startPrometheus(JSON.stringify({ global: { scrape_interval: '1s' }, scrape_configs: scrapeConfig() }));
  sightline = await startTestServer({ scrape_configs: scrapeConfig() });
});

afterAll(async () => {
  await prometheus?.stop();
  await sightline?.stop();
  await new Promise((r) => target?.close(r));
});

type LabelSet = Record<string, string>;
const key = (l: LabelSet) => JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));

async function seriesOf(url: string): Promise<LabelSet[]> {
  const now = Date.now() / 1000;
  const res = await fetch(`${url}/api/v1/series?${new URLSearchParams([['match[]', '{job=~"shop|om"}'], ['match[]', '{exported_job="checkout"}'], ['start', String(now - 300)], ['end', String(now + 10)]])}`);
  const body = (await res.json()) as { data: LabelSet[] };
  return body.data.sort((a, b) => key(a).localeCompare(key(b)));
}

describe('scrape results match Prometheus', () => {
  it('produces the same series from the same scrape_configs', async () => {
    const reference = await waitFor('Prometheus to scrape', async () => {
      const s = await seriesOf(prometheus!.url);
      // Prometheus staggers each job's first scrape within its interval: wait for both.
      const has = (job: string, name: string) => s.some((l) => l.job === job && l.__name__ === name);
      return has('om', 'om_temp') && has('shop', 'shop_queue_length') && has('shop', 'scrape_series_added') ? s : undefined;
    });
    const ours = await waitFor('Sightline to scrape', async () => {
      const s = await seriesOf(sightline!.httpUrl);
      return s.length >= reference.length ? s : undefined;
    });
    expect(ours).toEqual(reference);
    // Spot checks on what the comparison covers.
    expect(reference.map((l) => l.__name__)).toEqual(expect.arrayContaining(['up', 'scrape_series_added', 'shop_orders_total', 'shop_queue_length']));
    expect(reference.some((l) => l.__name__ === 'shop_debug_enabled')).toBe(false);
  });

  it('agrees on values through PromQL', async () => {
    const q = encodeURIComponent('sum by (__name__, status, exported_instance) ({job="shop",__name__=~"shop_.*"})');
    const [a, b] = await Promise.all([prometheus!.url, sightline!.httpUrl].map(async (u) => ((await (await fetch(`${u}/api/v1/query?query=${q}`)).json()) as any).data.result));
    const norm = (r: Array<{ metric: LabelSet; value: [number, string] }>) => r.map((x) => [key(x.metric), x.value[1]]).sort();
    expect(norm(b)).toEqual(norm(a));
  });
});
