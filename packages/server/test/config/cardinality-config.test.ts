import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

describe('metrics.cardinality config', () => {
  it('has generous limits on by default', () => {
    expect(loadConfig({ env: {} }).metrics.cardinality).toEqual({
      enabled: true,
      activeWindowMinutes: 60,
      maxSeriesPerTenant: 1_000_000,
      maxSeriesPerMetric: 100_000,
      maxLabelValuesPerLabel: 10_000,
      metricOverrides: {},
      tenantOverrides: {},
    });
  });

  it('takes null to lift a limit, overrides per metric and tenant, and env numbers', () => {
    const c = loadConfig({
      env: { SIGHTLINE_METRICS_CARDINALITY_MAX_SERIES_PER_TENANT: '5000', SIGHTLINE_METRICS_CARDINALITY_ENABLED: 'false' },
      overrides: { metrics: { cardinality: { maxLabelValuesPerLabel: null, metricOverrides: { a: { maxSeriesPerMetric: null } }, tenantOverrides: { t: { maxSeriesPerTenant: 10 } } } } },
    }).metrics.cardinality;
    expect(c).toMatchObject({ enabled: false, maxSeriesPerTenant: 5000, maxSeriesPerMetric: 100_000, maxLabelValuesPerLabel: null, metricOverrides: { a: { maxSeriesPerMetric: null } }, tenantOverrides: { t: { maxSeriesPerTenant: 10 } } });
  });

  it('names the offending key for bad values', () => {
    expect(() => loadConfig({ env: {}, overrides: { metrics: { cardinality: { maxSeriesPerMetric: 0 } } } })).toThrow(/metrics\.cardinality\.maxSeriesPerMetric/);
    expect(() => loadConfig({ env: {}, overrides: { metrics: { cardinality: { metricOverrides: { a: { maxSeriesPerTenant: 5 } } } } } })).toThrow(/maxSeriesPerTenant/);
    expect(() => loadConfig({ env: {}, overrides: { metrics: { cardinality: { maxSeries: 5 } } } })).toThrow(/unknown config key 'metrics\.cardinality\.maxSeries'/);
    expect(() => loadConfig({ env: { SIGHTLINE_METRICS_CARDINALITY_MAX_SERIES_PER_METRIC: 'lots' } })).toThrow(/SIGHTLINE_METRICS_CARDINALITY_MAX_SERIES_PER_METRIC="lots": expected a number/);
  });
});
