/**
 * Browser walk of the PromQL workbench and the cardinality explorer against the real server:
 * completion from /api/v1, query_range on the graph, instant results in the table, inline
 * errors, two queries on one graph, and a reload that reproduces the view from the URL.
 */
import { expect } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { collectPageErrors, shot } from './walk-ui.js';

export interface WorkbenchTargets {
  baseUrl: string;
  shotsDir: string;
  /** A counter the e2e ingested, with several series (e.g. http_server_requests_total). */
  metricName: string;
  /** A label of that metric with more than one value (for `sum by`). */
  groupLabel: string;
  /**
   * A matcher for the series with 20 minutes of history (the bulk data). The SDK's few
   * points per series come and go from `rate` as `now` moves, so counts would not be stable.
   */
  historyMatcher: string;
}

const editor = (page: Page, i: number) => page.getByTestId('wb-query').nth(i).locator('.cm-content');

/** Replaces the text of a CodeMirror editor by typing, as a user would. */
async function typeInto(page: Page, target: Locator, text: string) {
  await target.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Backspace');
  // insertText: one edit, no auto-closed brackets or completion popups in the way.
  await page.keyboard.insertText(text);
}

async function legendNames(page: Page): Promise<string[]> {
  return page.getByTestId('wb-legend').locator('li').allTextContents();
}

export async function walkWorkbench(context: BrowserContext, t: WorkbenchTargets) {
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname} ${r.request().postData() ?? ''}`);
  });
  const m = t.metricName;

  await page.goto(`${t.baseUrl}/explore/metrics`);
  const first = editor(page, 0);
  await first.waitFor();
  await page.getByTestId('metric-browser').getByRole('button', { name: m, exact: true }).waitFor();

  // ---- Completion offers the metric name from the server ----
  await first.click();
  await page.keyboard.type(m.slice(0, 9), { delay: 30 });
  const options = page.locator('.cm-tooltip-autocomplete li');
  await options.filter({ hasText: m }).first().waitFor({ timeout: 15_000 });
  // Highlighting: the typed identifier is a styled token, not plain text.
  expect(await first.locator('span').count()).toBeGreaterThan(0);
  await shot(page, t.shotsDir, '12-workbench-autocomplete');
  await options.filter({ hasText: new RegExp(`^${m}`) }).first().click();
  await expect(first.textContent()).resolves.toBe(m);

  // ---- Run with Shift+Enter: the graph has series, the step is shown ----
  const q1 = `rate(${m}{${t.historyMatcher}}[10m])`;
  await typeInto(page, first, q1);
  await page.keyboard.press('Shift+Enter');
  await page.waitForURL((u) => u.searchParams.getAll('q')[0] === q1, { timeout: 10_000 });
  await page.getByTestId('wb-graph').locator('canvas').waitFor();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="wb-graph"]')?.getAttribute('data-series')) > 1, undefined, { timeout: 30_000 });
  const seriesOne = (await legendNames(page)).length;
  expect(seriesOne).toBeGreaterThan(1);
  await expect(page.getByTestId('wb-step').textContent()).resolves.toMatch(/step \d+\w* \(auto\)/);
  await expect(page.getByTestId('wb-query-info').first().textContent()).resolves.toMatch(new RegExp(`${seriesOne} series · step`));
  // The legend shows a number for each series (the last value without a cursor).
  const legendValues = await page.getByTestId('wb-legend').locator('.wb-legend-value').allTextContents();
  expect(legendValues.some((v) => /^\d/.test(v) && v !== '0')).toBe(true);

  // ---- A bad query shows its error inline; the other query keeps its graph ----
  await page.getByTestId('wb-add').click();
  await editor(page, 1).waitFor();
  await typeInto(page, editor(page, 1), `sum by (${t.groupLabel}) (${m} +`);
  await page.keyboard.press('Control+Enter');
  const queryTwo = page.getByTestId('wb-query').nth(1);
  const err = queryTwo.getByTestId('wb-query-error');
  await err.waitFor();
  await expect(err.textContent()).resolves.toMatch(/^bad_data .*parse error/);
  // The editor's own lint marks the same mistake in place.
  await queryTwo.locator('.cm-lintRange-error, .cm-lintPoint-error').first().waitFor({ state: 'attached', timeout: 10_000 });
  expect(await page.getByTestId('wb-query').first().getByTestId('wb-query-error').count()).toBe(0);
  await shot(page, t.shotsDir, '13-workbench-error');

  // ---- Two queries on one graph ----
  const q2 = `sum by (${t.groupLabel}) (rate(${m}{${t.historyMatcher}}[10m]))`;
  await typeInto(page, editor(page, 1), q2);
  await page.getByTestId('wb-run').click();
  await page.waitForURL((u) => u.searchParams.getAll('q')[1] === q2);
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="wb-graph"]')?.getAttribute('data-series')) > n, seriesOne, { timeout: 30_000 });
  // Fixed, the lint mark goes away too.
  await page.waitForFunction(() => !document.querySelectorAll('[data-testid="wb-query"]')[1]?.querySelector('.cm-lintPoint, .cm-lintRange'), undefined, { timeout: 10_000 });
  expect(await queryTwo.getByTestId('wb-query-error').count()).toBe(0);
  const both = await legendNames(page);
  expect(both.filter((s) => s.startsWith('#1')).length).toBe(seriesOne);
  expect(both.filter((s) => s.startsWith('#2')).length).toBeGreaterThan(1);

  // The legend follows the cursor: hovering the plot shows the values at that instant.
  await expect(page.locator('.wb-legend-time').textContent()).resolves.toBe('last values');
  const plot = page.getByTestId('wb-graph').locator('.u-over');
  const box = (await plot.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.97, box.y + box.height / 2);
  await page.waitForFunction(() => document.querySelector('.wb-legend-time')?.textContent !== 'last values');
  await page.mouse.move(box.x + box.width / 2, box.y - 60);

  // Click a legend entry: only that series stays; click again: all of them.
  const entries = page.getByTestId('wb-legend').locator('li');
  await entries.first().locator('button').click();
  await expect(entries.first().getAttribute('class')).resolves.toBe('isolated');
  expect(await page.getByTestId('wb-legend').locator('li.dimmed').count()).toBe(both.length - 1);
  await entries.first().locator('button').click();
  expect(await page.getByTestId('wb-legend').locator('li.dimmed').count()).toBe(0);

  await page.keyboard.press('Escape');
  await page.getByLabel('Stacked').check();
  await page.waitForURL((u) => u.searchParams.get('stacked') === '1');
  await shot(page, t.shotsDir, '16-workbench-graph');

  // Manual step override.
  await page.getByLabel('Step').fill('1m');
  await page.getByLabel('Step').press('Enter');
  await page.waitForURL((u) => u.searchParams.get('step') === '1m');
  // The URL changes first; the label and the re-run query follow (on a loaded machine, later).
  await page.waitForFunction(() => document.querySelector('[data-testid="wb-step"]')?.textContent === 'step 1m (manual)', undefined, { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="wb-query-info"]')?.textContent?.includes('step 1m'), undefined, { timeout: 10_000 });

  // ---- Table: the instant result at the range end, sortable ----
  await page.getByRole('tab', { name: 'Table' }).click();
  await page.waitForURL((u) => u.searchParams.get('tab') === 'table');
  const tables = page.getByTestId('wb-table');
  await tables.nth(1).locator('tbody tr').first().waitFor();
  expect(await tables.count()).toBe(2);
  expect(await tables.first().locator('tbody tr').count()).toBe(seriesOne);
  const values = async () => (await tables.first().locator('tbody td.wb-value').allTextContents()).map(Number);
  await tables.first().getByRole('button', { name: /^Value/ }).click(); // value desc is the default; this flips to asc
  await page.waitForURL((u) => u.searchParams.get('dir') === 'asc');
  const asc = await values();
  expect(asc.every((v) => Number.isFinite(v))).toBe(true);
  expect([...asc].sort((a, b) => a - b)).toEqual(asc);
  await shot(page, t.shotsDir, '17-workbench-table');

  // ---- The URL reproduces the view after a reload ----
  const before = page.url();
  await page.reload();
  await tables.nth(1).locator('tbody tr').first().waitFor();
  expect(page.url()).toBe(before);
  await expect(editor(page, 0).textContent()).resolves.toBe(q1);
  await expect(editor(page, 1).textContent()).resolves.toBe(q2);
  // Same series, still sorted ascending (values move on: `now` is later after the reload).
  const afterReload = await values();
  expect(afterReload.length).toBe(asc.length);
  expect([...afterReload].sort((a, b) => a - b)).toEqual(afterReload);
  await page.getByRole('tab', { name: 'Graph' }).click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="wb-graph"]')?.getAttribute('data-series')) === n, both.length, { timeout: 30_000 });
  await expect(page.getByLabel('Stacked').isChecked()).resolves.toBe(true);

  // Disabling a query takes it off the graph (and records it in the URL).
  await page.getByLabel('Enable query 2').uncheck();
  await page.waitForURL((u) => u.searchParams.get('off') === '1');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="wb-graph"]')?.getAttribute('data-series')) === n, seriesOne, { timeout: 30_000 });

  // The metric browser inserts a name at the cursor of the focused editor.
  await page.getByTestId('wb-add').click();
  await editor(page, 2).click();
  await page.getByLabel('Filter metric names').fill(m.slice(0, 12));
  await page.getByTestId('metric-browser').getByRole('button', { name: m, exact: true }).click();
  await expect(editor(page, 2).textContent()).resolves.toBe(m);

  // Scalar and string results in the table.
  await page.goto(`${t.baseUrl}/explore/metrics?q=${encodeURIComponent('time()')}&q=${encodeURIComponent('"hello"')}&tab=table`);
  await page.getByTestId('wb-scalar').nth(1).waitFor();
  const scalars = (await page.getByTestId('wb-scalar').allTextContents()).map((s) => s.trim());
  expect(scalars[0]).toMatch(/^scalar \d{10}/);
  expect(scalars[1]).toBe('string hello');

  // The only failed requests are the bad query's (the browser logs them as console errors).
  console.log('workbench failed requests', failed);
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.filter((f) => !/^400 POST \/api\/v1\/query(_range)? .*%2B/.test(f))).toEqual([]);
  expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  await page.close();
}

/**
 * The cardinality explorer on GET /api/metrics/cardinality (server side built separately):
 * totals, the ingested metric among the top metrics, focus on it, and a link to query it.
 */
export async function walkCardinality(context: BrowserContext, t: WorkbenchTargets) {
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${t.baseUrl}/explore/metrics`);
  await page.getByTestId('cardinality-link').click();
  await page.waitForURL((u) => u.pathname === '/explore/metrics/cardinality');
  await page.locator('.sidebar .nav-link.active', { hasText: 'Cardinality' }).waitFor();
  expect(await page.locator('.sidebar .nav-link.active').count()).toBe(1);
  const row = page.getByTestId('card-top-metrics').locator(`tr[data-metric="${t.metricName}"]`);
  await row.waitFor({ timeout: 30_000 });
  expect(Number((await page.getByTestId('card-total-series').textContent())!.replace(/,/g, ''))).toBeGreaterThan(1);
  expect(await page.getByTestId('card-top-labels').locator('tbody tr').count()).toBeGreaterThan(0);
  await page.getByTestId('card-growth').locator('canvas').waitFor();
  await page.getByTestId('card-limits').locator('tbody tr').nth(2).waitFor();
  await shot(page, t.shotsDir, '18-cardinality');

  await row.getByRole('button', { name: t.metricName }).click();
  await page.waitForURL((u) => u.searchParams.get('metric') === t.metricName);
  await page.getByTestId('card-top-labels').locator('tbody tr', { hasText: t.groupLabel }).waitFor();
  await shot(page, t.shotsDir, '19-cardinality-metric');
  await page.getByTestId('card-query-focused').click();
  await page.waitForURL((u) => u.pathname === '/explore/metrics' && u.searchParams.getAll('q')[0] === t.metricName);
  await page.getByTestId('wb-graph').locator('canvas').waitFor();

  // A metric with no series: zero totals and empty lists that say so, not a broken page.
  await page.goto(`${t.baseUrl}/explore/metrics/cardinality?metric=no_such_metric_e2e`);
  await page.getByTestId('card-top-metrics').getByText('No series in this window.').waitFor();
  await expect(page.getByTestId('card-total-series').textContent()).resolves.toBe('0');

  expect(errors.filter((e) => !/404|Not Found/i.test(e))).toEqual([]);
  await page.close();
}
