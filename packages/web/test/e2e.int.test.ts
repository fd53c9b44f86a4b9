/**
 * End-to-end: a real Sightline process, real telemetry (OpenTelemetry SDK + OTLP/JSON bulk),
 * the built UI in Debian's Chromium. Walks every page, follows links between them and saves
 * screenshots to test-output/ui/. Needs `npm run build` (server, client and web).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSightlineClient, type SightlineClient } from '@sightline/client';
import { launchBrowser, screenshotDir } from './support/browser.js';
import { SERVER_ENTRY, startSightline, type SightlineProcess } from './support/sightline-process.js';
import { sendBulk, sendShopWithSdk, type SentTelemetry } from './support/send-telemetry.js';
import { walkEmptyState, walkUi } from './support/walk-ui.js';
import { walkCardinality, walkWorkbench, type WorkbenchTargets } from './support/walk-workbench.js';
import { LOG_FLOOD_SERVICE } from './support/telemetry-gen.js';

const dist = join(import.meta.dirname, '..', 'dist', 'index.html');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = [SERVER_ENTRY, dist, chromium].filter((f) => !existsSync(f));

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('web UI end to end', () => {
  let server: SightlineProcess;
  let client: SightlineClient;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let sent: SentTelemetry;
  const shots = screenshotDir('ui');

  beforeAll(async () => {
    // Missing parts are a failure, not a skip: a skipped e2e proves nothing.
    if (missing.length) throw new Error(`e2e needs ${missing.join(', ')}: run 'npm run build' and 'apt-get install chromium' (.ci/run does both)`);
    [server, browser] = await Promise.all([startSightline(), launchBrowser()]);
    client = createSightlineClient({ baseUrl: server.httpUrl });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a new install explains how to send data', async () => {
    const info = await client.info();
    expect(info.hasData).toBe(false);
    await walkEmptyState(browser.context, server.httpUrl, shots);
  });

  it('ingests SDK and bulk telemetry', async () => {
    await sendShopWithSdk(server.otlpHttpUrl, 120);
    sent = await sendBulk(server.otlpHttpUrl, 100_000, LOG_FLOOD_SERVICE);
    const range = () => ({ start: Date.now() - 3_600_000, end: Date.now() + 60_000 });
    await until('services', async () => (await client.services(range())).services.some((s) => s.name === 'payments'));
    await until('the 10,000-span trace', async () => (await client.trace(sent.bigTraceId)).spans.length === 10_000);
    await until('100,000 logs', async () => {
      const h = await client.logHistogram({ ...range(), service: LOG_FLOOD_SERVICE });
      return h.buckets.reduce((s, b) => s + Object.values(b.counts).reduce((a, c) => a + c, 0), 0) === 100_000;
    });
    await until('metrics', async () => (await client.metricNames(range())).names.some((n) => n.name.startsWith('http_server_requests')));
  }, 240_000);

  it('walks every page with real data', async () => {
    const names = await client.metricNames({ start: Date.now() - 3_600_000, end: Date.now() });
    const metric = names.names.find((n) => n.name.startsWith('http_server_requests'))!.name;
    const timings = await walkUi(browser.context, {
      baseUrl: server.httpUrl,
      shotsDir: shots,
      entryService: 'frontend',
      entryOperation: 'GET /api/cart',
      downstreamService: 'payments',
      bigTraceId: sent.bigTraceId,
      deepSpanId: sent.deepSpanId,
      floodService: LOG_FLOOD_SERVICE,
      floodCount: sent.floodCount,
      metricName: metric,
    }).catch(async (err: unknown) => {
      // Keep what the browser showed when a step failed: test-output/ui/FAILED-<n>.png.
      await Promise.all(browser.context.pages().map((p, i) => p.screenshot({ path: join(shots, `FAILED-${i}.png`) }).catch(() => undefined)));
      console.error(`e2e failed; screenshots in ${shots}/FAILED-*.png; page: ${browser.context.pages().map((p) => p.url()).join(', ')}`);
      throw err;
    });
    console.log('ui timings (real server):', timings);
    expect(timings.bigTraceOpenMs).toBeLessThan(15_000);
  }, 300_000);

  async function workbenchTargets(): Promise<WorkbenchTargets> {
    const names = await client.metricNames({ start: Date.now() - 3_600_000, end: Date.now() });
    const metricName = names.names.find((n) => n.name.startsWith('http_server_requests'))!.name;
    return { baseUrl: server.httpUrl, shotsDir: shots, metricName, groupLabel: 'job', historyMatcher: 'job=~"checkout|payments"' };
  }

  async function keepFailure<T>(walk: Promise<T>): Promise<T> {
    return walk.catch(async (err: unknown) => {
      await Promise.all(browser.context.pages().map((p, i) => p.screenshot({ path: join(shots, `FAILED-${i}.png`) }).catch(() => undefined)));
      throw err;
    });
  }

  it('PromQL workbench: completion, graph, table, inline errors, two queries, URL state', async () => {
    await keepFailure(walkWorkbench(browser.context, await workbenchTargets()));
  }, 180_000);

  // Needs GET /api/metrics/cardinality from the server (built in parallel on another branch).
  it('cardinality explorer on the real endpoint', async () => {
    await keepFailure(walkCardinality(browser.context, await workbenchTargets()));
  }, 120_000);
});
