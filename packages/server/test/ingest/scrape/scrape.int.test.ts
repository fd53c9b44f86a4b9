// Scraping real HTTP targets on 127.0.0.1 with an injected clock: labels, relabelling,
// synthetic series, staleness markers, failures, file_sd reloads and the schedule.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scrapeConfigsSchema } from '../../../src/config/prometheus-schema.js';
import { ScrapeManager } from '../../../src/ingest/scrape/index.js';
import { CaptureWriter } from '../../helpers/capture-writer.js';
import { ManualScheduler } from '../../helpers/manual-scheduler.js';

interface Target {
  body: string;
  contentType: string;
  status: number;
  delayMs: number;
  requests: Array<{ url: string; headers: Record<string, string | string[] | undefined> }>;
}

let server: Server;
let address = '';
const target: Target = { body: '', contentType: 'text/plain; version=0.0.4', status: 200, delayMs: 0, requests: [] };
let dir = '';
const T0 = 1_700_000_000_000;

beforeAll(async () => {
  server = createServer((req, res) => {
    target.requests.push({ url: req.url ?? '', headers: req.headers });
    setTimeout(() => {
      res.writeHead(target.status, { 'Content-Type': target.contentType });
      res.end(target.body);
    }, target.delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'sightline-scrape-'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

let managers: ScrapeManager[] = [];
afterEach(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  managers = [];
  Object.assign(target, { body: '', contentType: 'text/plain; version=0.0.4', status: 200, delayMs: 0, requests: [] });
});

function manager(jobs: unknown[], writer: CaptureWriter, scheduler = new ManualScheduler(T0), watchFiles = false) {
  const m = new ScrapeManager({
    jobs: scrapeConfigsSchema.parse(jobs),
    defaults: { scrapeIntervalMs: 15_000, scrapeTimeoutMs: 10_000 },
    writer,
    tenant: 'default',
    scheduler,
    userAgent: 'Sightline/test',
    watchFiles,
  });
  managers.push(m);
  m.start();
  return { m, scheduler };
}

describe('scrape', () => {
  it('labels samples with the target, relabels metrics and writes the synthetic series', async () => {
    target.body = ['# TYPE app_requests_total counter', 'app_requests_total{job="inner",code="200"} 5', 'app_requests_total{code="500"} 1', 'app_debug_info 1', 'app_temp 20 1234', ''].join('\n');
    const w = new CaptureWriter();
    const { m } = manager(
      [
        {
          job_name: 'app',
          scrape_interval: '15s',
          static_configs: [{ targets: [address], labels: { env: 'prod' } }],
          metric_relabel_configs: [{ source_labels: ['__name__'], regex: 'app_debug_.*', action: 'drop' }],
        },
      ],
      w,
    );
    const [result] = await m.scrapeAll();
    expect(result).toMatchObject({ status: 'ok', samples: 4, postRelabel: 3, seriesAdded: 3 });
    const base = { env: 'prod', instance: address, job: 'app' };
    // The exposed job label conflicts with the target's and moves to exported_job.
    expect(w.of('app_requests_total')).toEqual([
      [{ ...base, code: '200', exported_job: 'inner' }, T0, 5],
      [{ ...base, code: '500' }, T0, 1],
    ]);
    expect(w.of('app_debug_info')).toEqual([]);
    // honor_timestamps defaults to true.
    expect(w.of('app_temp')).toEqual([[base, 1234, 20]]);
    expect(w.of('up')).toEqual([[base, T0, 1]]);
    expect(w.of('scrape_samples_scraped')).toEqual([[base, T0, 4]]);
    expect(w.of('scrape_samples_post_metric_relabeling')).toEqual([[base, T0, 3]]);
    expect(w.of('scrape_series_added')).toEqual([[base, T0, 3]]);
    expect(w.of('scrape_duration_seconds')).toEqual([[base, T0, 0]]);
    expect(w.batches[0].metadata).toEqual([{ name: 'app_requests_total', type: 'counter', unit: '', help: '' }]);
    const req = target.requests[0];
    expect(req.url).toBe('/metrics');
    expect(req.headers.accept).toMatch(/^application\/openmetrics-text;version=1.0.0/);
    expect(req.headers['x-prometheus-scrape-timeout-seconds']).toBe('10');
    expect(m.activeTargets()).toMatchObject([{ scrapePool: 'app', scrapeUrl: `http://${address}/metrics`, health: 'up', lastError: '', lastScrapeMs: T0 }]);
  });

  it('honor_labels keeps the exposed labels; honor_timestamps false uses the scrape time', async () => {
    target.body = 'm{job="inner"} 1 1234\n';
    const w = new CaptureWriter();
    const { m } = manager([{ job_name: 'h', honor_labels: true, honor_timestamps: false, static_configs: [{ targets: [address] }] }], w);
    await m.scrapeAll();
    expect(w.of('m')).toEqual([[{ instance: address, job: 'inner' }, T0, 1]]);
  });

  it('writes stale markers for series that disappear and for everything when a scrape fails', async () => {
    target.body = 'a 1\nb{x="1"} 2\nb{x="2"} 3\n';
    const w = new CaptureWriter();
    const scheduler = new ManualScheduler(T0);
    const { m } = manager([{ job_name: 's', static_configs: [{ targets: [address] }] }], w, scheduler);
    await m.scrapeAll();
    target.body = 'a 1\nb{x="1"} 2\n';
    scheduler.nowMs = T0 + 15_000;
    w.clear();
    const [second] = await m.scrapeAll();
    expect(second).toMatchObject({ status: 'ok', seriesAdded: 0 });
    const base = { instance: address, job: 's' };
    expect(w.of('b')).toEqual([
      [{ ...base, x: '1' }, T0 + 15_000, 2],
      [{ ...base, x: '2' }, T0 + 15_000, 'stale'],
    ]);

    target.status = 500;
    scheduler.nowMs = T0 + 30_000;
    w.clear();
    const [failed] = await m.scrapeAll();
    expect(failed).toMatchObject({ status: 'failed', error: 'server returned HTTP status 500 Internal Server Error' });
    expect(w.of('a')).toEqual([[base, T0 + 30_000, 'stale']]);
    expect(w.of('b')).toEqual([[{ ...base, x: '1' }, T0 + 30_000, 'stale']]);
    expect(w.of('up')).toEqual([[base, T0 + 30_000, 0]]);
    expect(w.of('scrape_samples_scraped')).toEqual([[base, T0 + 30_000, 0]]);
    expect(m.activeTargets()[0]).toMatchObject({ health: 'down', lastError: 'server returned HTTP status 500 Internal Server Error' });

    // A parse error fails the scrape the same way, with the line in the reason.
    target.status = 200;
    target.body = 'a 1\nb{ 2\n';
    scheduler.nowMs = T0 + 45_000;
    const [bad] = await m.scrapeAll();
    expect(bad).toMatchObject({ status: 'failed' });
    expect((bad as { error: string }).error).toMatch(/^line 2: /);
  });

  it('fails a scrape that exceeds its timeout', async () => {
    target.body = 'a 1\n';
    target.delayMs = 1_500;
    const w = new CaptureWriter();
    const { m } = manager([{ job_name: 't', scrape_interval: '2s', scrape_timeout: '500ms', static_configs: [{ targets: [address] }] }], w);
    const [r] = await m.scrapeAll();
    expect(r).toMatchObject({ status: 'failed', error: 'context deadline exceeded (scrape timeout 0.5s)' });
    expect(w.of('up')[0][2]).toBe(0);
  });

  it('parses OpenMetrics responses and keeps exemplars', async () => {
    target.contentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
    target.body = '# TYPE req counter\n# UNIT req requests\nreq_total 7 # {trace_id="0123456789abcdef0123456789abcdef"} 1\n# EOF\n';
    const w = new CaptureWriter();
    const { m } = manager([{ job_name: 'om', static_configs: [{ targets: [address] }] }], w);
    await m.scrapeAll();
    expect(w.of('req_total')).toEqual([[{ instance: address, job: 'om' }, T0, 7]]);
    expect(w.batches[0].exemplars).toMatchObject([{ traceId: '0123456789abcdef0123456789abcdef', value: 1, timeMs: T0 }]);
    expect(w.batches[0].metadata).toEqual([{ name: 'req', type: 'counter', unit: 'requests', help: '' }]);
  });

  it('applies relabel_configs to targets: params, metrics path, dropped targets, hashmod', async () => {
    target.body = 'a 1\n';
    const w = new CaptureWriter();
    const { m } = manager(
      [
        {
          job_name: 'r',
          metrics_path: '/probe',
          params: { module: ['http_2xx'], extra: ['1', '2'] },
          static_configs: [{ targets: ['https://example.org', 'skip.me'] }],
          relabel_configs: [
            { source_labels: ['__address__'], regex: 'skip.*', action: 'drop' },
            { source_labels: ['__address__'], target_label: '__param_target' },
            { source_labels: ['__param_target'], target_label: 'instance' },
            { target_label: '__address__', replacement: address },
            { source_labels: ['instance'], target_label: 'shard', modulus: 4, action: 'hashmod' },
          ],
        },
      ],
      w,
    );
    await m.scrapeAll();
    const t = m.activeTargets();
    expect(t).toHaveLength(1);
    expect(t[0].scrapeUrl).toBe(`http://${address}/probe?extra=1&extra=2&module=http_2xx&target=https%3A%2F%2Fexample.org`);
    expect(t[0].labels).toEqual({ instance: 'https://example.org', job: 'r', shard: expect.stringMatching(/^[0-3]$/) });
    expect(target.requests[0].url).toBe('/probe?extra=1&extra=2&module=http_2xx&target=https%3A%2F%2Fexample.org');
  });

  it('follows file_sd changes: new targets are scraped, removed ones get stale markers', async () => {
    target.body = 'a 1\n';
    const file = join(dir, 'targets.json');
    writeFileSync(file, JSON.stringify([{ targets: [address], labels: { team: 'x' } }]));
    const w = new CaptureWriter();
    const scheduler = new ManualScheduler(T0);
    const { m } = manager([{ job_name: 'f', scrape_interval: '10s', file_sd_configs: [{ files: [join(dir, '*.json')] }] }], w, scheduler);
    await m.settled();
    expect(m.activeTargets().map((t) => t.labels)).toEqual([{ instance: address, job: 'f', team: 'x' }]);
    // The scrape runs at the target's offset inside the interval, then every interval.
    scheduler.advance(10_000);
    await m.settled();
    const first = w.of('a');
    expect(first).toHaveLength(1);
    const t1 = first[0][1];
    expect(t1).toBeGreaterThanOrEqual(T0);
    expect(t1).toBeLessThan(T0 + 10_000);
    // One interval at a time: a scrape still in flight when the next is due is not stacked.
    scheduler.advance(10_000);
    await m.settled();
    scheduler.advance(10_000);
    await m.settled();
    expect(w.of('a').map((s) => s[1])).toEqual([t1, t1 + 10_000, t1 + 20_000]);

    // A file that does not parse keeps the old targets.
    writeFileSync(file, '[{"targets": [');
    await m.refreshFileSd();
    expect(m.activeTargets()).toHaveLength(1);

    w.clear();
    writeFileSync(file, '[]');
    await m.refreshFileSd();
    expect(m.activeTargets()).toEqual([]);
    const stale = w.samples();
    expect(stale.every((s) => s.stale)).toBe(true);
    expect(stale.map((s) => s.labels.__name__).sort()).toEqual(['a', 'scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'scrape_series_added', 'up']);
  });

  it('reloads file_sd files when they change on disk (fs.watch)', async () => {
    const sub = mkdtempSync(join(dir, 'watch-'));
    const file = join(sub, 'targets.yml');
    writeFileSync(file, `- targets: ['${address}']\n  labels: { color: red }\n`);
    const w = new CaptureWriter();
    const { m } = manager([{ job_name: 'w', file_sd_configs: [{ files: [join(sub, '*.yml')] }] }], w, new ManualScheduler(T0), true);
    await m.settled();
    expect(m.activeTargets().map((t) => t.labels.color)).toEqual(['red']);
    writeFileSync(file, `- targets: ['${address}']\n  labels: { color: blue }\n`);
    const deadline = Date.now() + 5_000;
    while (m.activeTargets()[0]?.labels.color !== 'blue' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(m.activeTargets().map((t) => t.labels)).toEqual([{ color: 'blue', instance: address, job: 'w' }]);
    expect(m.activeTargets()[0].discoveredLabels).toMatchObject({ __address__: address, __meta_filepath: file, color: 'blue' });
  });

  it('marks every series stale when the manager stops', async () => {
    target.body = 'a 1\n';
    const w = new CaptureWriter();
    const scheduler = new ManualScheduler(T0);
    const { m } = manager([{ job_name: 'stop', static_configs: [{ targets: [address] }] }], w, scheduler);
    await m.scrapeAll();
    w.clear();
    scheduler.nowMs = T0 + 5_000;
    await m.stop();
    expect(w.of('a')).toEqual([[{ instance: address, job: 'stop' }, T0 + 5_000, 'stale']]);
    expect(w.of('up')).toEqual([[{ instance: address, job: 'stop' }, T0 + 5_000, 'stale']]);
    expect(scheduler.pending()).toEqual([]);
  });

  it('sends basic_auth, authorization and bearer_token_file credentials', async () => {
    target.body = 'a 1\n';
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'file-token\n');
    const w = new CaptureWriter();
    const { m } = manager(
      [
        { job_name: 'basic', basic_auth: { username: 'user', password: 'p@ss' }, static_configs: [{ targets: [address] }] },
        { job_name: 'authz', authorization: { credentials: 'secret' }, static_configs: [{ targets: [address] }] },
        { job_name: 'bearer', bearer_token_file: tokenFile, static_configs: [{ targets: [address] }] },
        { job_name: 'missing', bearer_token_file: join(dir, 'nope'), static_configs: [{ targets: [address] }] },
      ],
      w,
    );
    const results = await m.scrapeAll();
    expect(target.requests.map((r) => r.headers.authorization).sort()).toEqual([`Basic ${Buffer.from('user:p@ss').toString('base64')}`, 'Bearer file-token', 'Bearer secret']);
    expect(results.filter((r) => r.status === 'failed')).toEqual([{ status: 'failed', durationMs: expect.any(Number), error: expect.stringMatching(/^unable to read bearer token file .*nope: ENOENT/) }]);
  });

  it('enforces sample_limit', async () => {
    target.body = 'a 1\nb 2\nc 3\n';
    const w = new CaptureWriter();
    const { m } = manager([{ job_name: 'lim', sample_limit: 2, static_configs: [{ targets: [address] }] }], w);
    const [r] = await m.scrapeAll();
    expect(r).toMatchObject({ status: 'failed', error: 'sample limit exceeded: more than 2 samples after metric relabelling' });
    expect(w.of('a')).toEqual([]);
  });
});
