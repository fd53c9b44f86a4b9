/**
 * Drives the built UI in Chromium against the test-only mock API (test/support/mock-api.ts),
 * so UI regressions are caught without the server. Needs `npm run build -w @sightline/web`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotDir } from './support/browser.js';
import { startMockApi, type MockApi } from './support/mock-api.js';
import { walkEmptyState, walkUi } from './support/walk-ui.js';
import { LOG_FLOOD_SERVICE } from './support/telemetry-gen.js';

const dist = join(import.meta.dirname, '..', 'dist');
const ready = existsSync(join(dist, 'index.html')) && existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');

describe.skipIf(!ready)('web UI against the mock API', () => {
  let api: MockApi;
  let empty: MockApi;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const shots = screenshotDir('ui-mock');

  beforeAll(async () => {
    [api, empty, browser] = await Promise.all([startMockApi({ distDir: dist }), startMockApi({ distDir: dist, empty: true }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await empty?.close();
  });

  it('shows how to send data on a new install', async () => {
    await walkEmptyState(browser.context, empty.url, shots);
  });

  it('walks every page', async () => {
    const timings = await walkUi(browser.context, {
      baseUrl: api.url,
      shotsDir: shots,
      entryService: 'frontend',
      entryOperation: 'GET /api/cart',
      downstreamService: 'payments',
      bigTraceId: api.bigTraceId,
      deepSpanId: api.deepSpanId,
      floodService: LOG_FLOOD_SERVICE,
      floodCount: 100_000,
      metricName: 'http_server_requests_total',
    });
    console.log('ui timings (mock API):', timings);
    expect(timings.bigTraceOpenMs).toBeLessThan(10_000);
  }, 180_000);
});
