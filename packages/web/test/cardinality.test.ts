import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricCardinalityResponse } from '@sightline/client';
import { barWidth, limitUsage, usageLevel, workbenchHref } from '../src/lib/cardinality.js';

// Same shape as GET /api/metrics/cardinality answers (see docs/ui.md).
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'cardinality.json'), 'utf8')) as MetricCardinalityResponse;

describe('limitUsage', () => {
  it('compares each limit with what comes closest to it', () => {
    expect(limitUsage(fixture)).toEqual([
      { key: 'maxSeriesPerTenant', label: 'Series per tenant', subject: 'active series', used: 980, limit: 1000, ratio: 0.98 },
      { key: 'maxSeriesPerMetric', label: 'Series per metric', subject: 'http_server_requests_total', used: 800, limit: null, ratio: null },
      { key: 'maxLabelValuesPerLabel', label: 'Values per label', subject: 'pod', used: 450, limit: 500, ratio: 0.9 },
    ]);
  });
  it('copes with an empty window', () => {
    const empty: MetricCardinalityResponse = { ...fixture, totalSeries: 0, activeSeries: 0, topMetrics: [], topLabels: [], topLabelValues: [], growth: [], rejected: [] };
    const rows = limitUsage(empty);
    expect(rows.map((r) => [r.subject, r.used])).toEqual([
      ['active series', 0],
      ['no metrics', 0],
      ['no labels', 0],
    ]);
  });
});

describe('helpers', () => {
  it('grades usage', () => {
    expect([null, 0.1, 0.7, 0.89, 0.9, 1.5].map(usageLevel)).toEqual(['none', 'ok', 'warn', 'warn', 'high', 'high']);
  });
  it('bounds bar widths', () => {
    expect([barWidth(5, 10), barWidth(20, 10), barWidth(1, 0), barWidth(-1, 10)]).toEqual([50, 100, 0, 0]);
  });
  it('links a metric to the workbench with the same range', () => {
    expect(workbenchHref('up', new URLSearchParams('from=now-6h&to=now&metric=x'))).toBe('/explore/metrics?from=now-6h&to=now&q=up');
  });
});
