/**
 * The browser walk of the e2e test (real server, real telemetry): visits every page, follows
 * the links between them (service → traces → trace → logs → trace), asserts what is shown
 * and saves a screenshot of each page.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';

export interface WalkTargets {
  baseUrl: string;
  shotsDir: string;
  /** A service that receives requests and calls others (e.g. frontend). */
  entryService: string;
  /** An operation of `entryService`. */
  entryOperation: string;
  /** A downstream service expected in the entry service's traces. */
  downstreamService: string;
  bigTraceId: string;
  /** A span deep in the big trace, for the deep-link check. */
  deepSpanId: string;
  floodService: string;
  floodCount: number;
  metricName: string;
}

export async function shot(page: Page, dir: string, name: string) {
  // Capture a settled page: no query in flight, no loading placeholder, then two frames so
  // charts have drawn after their last layout pass. Conditions, not sleeps: a loaded machine
  // only makes this slower, never wrong.
  await page.waitForFunction(() => !document.querySelector('.fetching-bar.active, [data-testid="loading"]'), undefined, { timeout: 30_000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))));
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** URL updates from the router land a tick after the click; wait for them instead of racing. */
async function urlHas(page: Page, pattern: string | RegExp) {
  await page.waitForURL((u) => (typeof pattern === 'string' ? u.href.includes(pattern) : pattern.test(u.href)), { timeout: 10_000 });
}

export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function walkEmptyState(context: BrowserContext, baseUrl: string, shotsDir: string) {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.getByTestId('getting-started').waitFor();
  await urlHas(page, '/services');
  const http = await page.getByTestId('otlp-http-endpoint').textContent();
  expect(http).toMatch(/^https?:\/\//);
  for (const tab of ['Node.js', 'Python', 'Go', 'Java']) await expect(page.getByRole('tab', { name: tab }).count()).resolves.toBe(1);
  await page.getByRole('tab', { name: 'Node.js' }).click();
  await expect(page.locator('.code-block pre').textContent()).resolves.toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
  await shot(page, shotsDir, '00-getting-started');
  await page.close();
}

export async function walkUi(context: BrowserContext, t: WalkTargets) {
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  const timings: Record<string, number> = {};

  // ---- Services ----
  await page.goto(`${t.baseUrl}/`);
  await page.getByTestId('services-table').waitFor();
  await urlHas(page, '/services');
  const serviceRow = page.locator(`tr[data-service="${t.entryService}"]`);
  await serviceRow.waitFor();
  await expect(page.locator(`tr[data-service="${t.downstreamService}"]`).count()).resolves.toBe(1);
  // Navigation only offers areas that exist.
  const navLabels = await page.locator('.sidebar .nav-link').allTextContents();
  expect(navLabels.map((s) => s.trim())).toEqual(['Traces', 'Logs', 'Metrics', 'Cardinality', 'Services']);
  await shot(page, t.shotsDir, '01-services');

  // Every area also opens from its URL (a reload or a pasted link), which reaches the server
  // first: a path the server answers itself (/metrics is its Prometheus text) would fail here.
  const hrefs = await page.locator('.sidebar .nav-link').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).pathname));
  for (const path of hrefs) {
    await page.goto(`${t.baseUrl}${path}`);
    await page.locator('.sidebar .nav-link.active').waitFor();
    expect(new URL(page.url()).pathname).toBe(path);
  }
  await page.goto(`${t.baseUrl}/services`);
  await serviceRow.waitFor();

  // Sort by p95 and filter: both land in the URL.
  await page.getByRole('button', { name: /^p95/ }).click();
  await urlHas(page, 'sort=p95');
  await page.getByLabel('Filter services').fill(t.entryService.slice(0, 4));
  await urlHas(page, `q=${t.entryService.slice(0, 4)}`);
  await page.getByLabel('Filter services').fill('');

  // Light theme of the same page.
  await page.getByTestId('theme-toggle').click();
  await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('light');
  await shot(page, t.shotsDir, '01-services-light');
  await page.getByTestId('theme-toggle').click();

  // ---- Service → operations ----
  await serviceRow.getByRole('link', { name: t.entryService }).click();
  await page.getByTestId('operations-table').waitFor();
  await page.getByTestId('service-stats').waitFor();
  await page.locator('.ts-chart canvas').first().waitFor();
  await expect(page.getByTestId('operations-table').textContent()).resolves.toContain(t.entryOperation);
  await shot(page, t.shotsDir, '02-service');

  // ---- Service → its traces ----
  await page.getByTestId('operations-table').getByRole('link', { name: t.entryOperation }).first().click();
  await page.getByTestId('traces-table').waitFor();
  await urlHas(page, /\/traces\?.*service=/);
  await page.getByTestId('trace-scatter').locator('circle').first().waitFor();
  const rows = page.locator('[data-testid="traces-table"] tbody tr');
  expect(await rows.count()).toBeGreaterThan(0);
  await expect(rows.first().textContent()).resolves.toContain(t.entryService);
  await shot(page, t.shotsDir, '03-trace-search');

  // Error filter is a URL parameter too.
  await page.getByLabel('Status').selectOption('error');
  await urlHas(page, 'status=error');
  await page.getByTestId('traces-table').waitFor();
  await page.getByLabel('Status').selectOption('');

  // ---- A click on the scatter opens a trace ----
  await page.getByTestId('trace-scatter').locator('circle').first().click();
  await page.getByTestId('waterfall').waitFor();
  await urlHas(page, /\/traces\/[0-9a-f]{32}/);
  await page.goBack();
  await page.getByTestId('traces-table').waitFor();

  // ---- Trace view from the table ----
  await rows.first().click();
  await page.getByTestId('waterfall').waitFor();
  await expect(page.getByTestId('waterfall').textContent()).resolves.toContain(t.downstreamService);
  await page.locator('.wf-row').nth(1).click();
  await page.getByTestId('span-details').waitFor();
  await urlHas(page, /span=[0-9a-f]{16}/);
  expect(await page.locator('.wf-row.critical').count()).toBeGreaterThan(0);
  await shot(page, t.shotsDir, '04-trace');

  await page.getByRole('tab', { name: 'Flame graph' }).click();
  await page.getByTestId('flame-graph').locator('canvas').waitFor();
  await shot(page, t.shotsDir, '05-trace-flame-graph');

  await page.getByRole('tab', { name: /^Logs \(/ }).click();
  await page.getByTestId('trace-logs').locator('.log-line').first().waitFor();
  await shot(page, t.shotsDir, '06-trace-logs');

  // ---- Trace → its logs in the explorer → back to the trace ----
  await page.getByRole('link', { name: 'Open logs in explorer' }).click();
  await page.getByTestId('log-list').waitFor();
  await urlHas(page, /\/logs\?.*traceId=[0-9a-f]{32}/);
  await page.locator('.log-summary').first().click();
  await page.getByTestId('log-details').waitFor();
  await shot(page, t.shotsDir, '07-logs-of-trace');
  await page.getByTestId('log-trace-link').click();
  await page.getByTestId('waterfall').waitFor();

  // ---- 10,000-span trace: opens, scrolls, deep link to a span ----
  let started = Date.now();
  await page.goto(`${t.baseUrl}/traces/${t.bigTraceId}`);
  await page.getByTestId('waterfall').waitFor();
  await expect(page.getByTestId('span-count').textContent()).resolves.toBe('10,000');
  timings.bigTraceOpenMs = Date.now() - started;
  await page.getByRole('button', { name: 'Expand all' }).click();
  const body = page.locator('.wf-body');
  started = Date.now();
  const frames = await body.evaluate(async (el) => {
    // Scroll through the whole trace in steps and count the frames the browser painted.
    let painted = 0;
    const step = el.clientHeight * 3;
    for (let y = 0; y < el.scrollHeight; y += step) {
      el.scrollTop = y;
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      painted++;
    }
    return { painted, rowsInDom: el.querySelectorAll('.wf-row').length, scrollHeight: el.scrollHeight };
  });
  timings.bigTraceScrollMs = Date.now() - started;
  expect(frames.scrollHeight).toBeGreaterThan(26 * 9_000);
  expect(frames.rowsInDom).toBeLessThan(200); // virtualised
  await shot(page, t.shotsDir, '08-trace-10k-spans-bottom');
  await page.goto(`${t.baseUrl}/traces/${t.bigTraceId}?span=${t.deepSpanId}`);
  await page.getByTestId('span-details').waitFor();
  await page.locator(`.wf-row[data-span-id="${t.deepSpanId}"]`).waitFor();
  await expect(page.locator(`.wf-row[data-span-id="${t.deepSpanId}"]`).getAttribute('aria-selected')).resolves.toBe('true');
  await shot(page, t.shotsDir, '09-trace-10k-deep-link');
  await page.getByLabel('Find in trace').fill('INSERT rows');
  await page.getByTestId('find-count').filter({ hasText: '/' }).waitFor();
  await page.getByRole('tab', { name: 'Flame graph' }).click();
  await page.getByTestId('flame-graph').locator('canvas').waitFor();
  await shot(page, t.shotsDir, '10-trace-10k-flame-graph');

  // ---- Logs explorer over 100,000 records ----
  started = Date.now();
  await page.goto(`${t.baseUrl}/logs?service=${t.floodService}`);
  await page.getByTestId('log-list').locator('.log-summary').first().waitFor();
  await page.getByTestId('log-histogram').locator('rect').first().waitFor();
  timings.logsFirstPageMs = Date.now() - started;
  await page.getByText(`${t.floodCount.toLocaleString('en-US')} records in range`).waitFor({ timeout: 30_000 });
  const list = page.getByTestId('log-list');
  started = Date.now();
  // Keep scrolling to the bottom until at least 2,000 records (four pages) have loaded: each
  // scroll asks for the next page once the previous one has arrived, however long that takes.
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="log-list"]');
      if (el) el.scrollTop = el.scrollHeight;
      const m = /([\d,]+) loaded/.exec(document.querySelector('.page-subtitle')?.textContent ?? '');
      return m && Number(m[1]!.replace(/,/g, '')) >= 2_000;
    },
    undefined,
    { polling: 100, timeout: 60_000 },
  );
  timings.logsPagingMs = Date.now() - started;
  expect(await list.locator('.log-summary').count()).toBeLessThan(300); // virtualised
  await list.evaluate((el) => (el.scrollTop = 0));
  const jsonRow = list.locator('.log-summary', { hasText: '"event":"batch.row"' }).first();
  await jsonRow.click();
  await expect(page.getByTestId('log-details').locator('.log-body-full').textContent()).resolves.toContain('\n  "event": "batch.row"');
  await shot(page, t.shotsDir, '11-logs-100k');
  await page.getByLabel('Minimum severity').selectOption('error');
  await urlHas(page, 'severity=error');
  await page.getByTestId('log-list').locator('.sev-error').first().waitFor();

  // ---- Metrics workbench (walked in detail by walk-workbench.ts) ----
  // A full page load, not a client-side navigation: the path must reach the UI, not one of
  // the server's own routes (it used to be /metrics, which is the server's Prometheus text).
  await page.goto(`${t.baseUrl}/explore/metrics?q=${encodeURIComponent(`rate(${t.metricName}[5m])`)}`);
  await page.getByTestId('wb-graph').locator('canvas').waitFor();
  expect(Number(await page.getByTestId('wb-graph').getAttribute('data-series'))).toBeGreaterThan(0);

  // ---- Shell: time picker, palette, unknown page ----
  await page.getByTestId('time-picker').click();
  await page.getByRole('button', { name: 'Last 6 hours' }).click();
  await urlHas(page, 'from=now-6h');
  await page.getByTestId('time-picker').click();
  await shot(page, t.shotsDir, '14-time-picker');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+k');
  await page.getByLabel('Search Sightline').fill(t.bigTraceId);
  await shot(page, t.shotsDir, '15-command-palette');
  await page.keyboard.press('Enter');
  await page.getByTestId('waterfall').waitFor();
  await urlHas(page, `/traces/${t.bigTraceId}`);
  await page.goto(`${t.baseUrl}/traces/${'0'.repeat(31)}1`);
  await page.getByText('not found').first().waitFor();

  expect(errors.filter((e) => !/404|Not Found/i.test(e))).toEqual([]);
  await page.close();
  return timings;
}
