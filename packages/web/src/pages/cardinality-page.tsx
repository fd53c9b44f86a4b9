import { useMemo } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import type { MetricCardinalityResponse } from '@sightline/client';
import { api } from '../lib/api.js';
import { useTimeRange } from '../app/time-range-context.js';
import { useRangeLink, useUrlState } from '../app/url-state.js';
import { PageHeader } from '../components/page-header.js';
import { EmptyState, ErrorState, Loading } from '../components/states.js';
import { TimeSeriesChart, type ChartSeries } from '../components/time-series-chart.js';
import { barWidth, limitUsage, usageLevel, workbenchHref } from '../lib/cardinality.js';
import { formatPercent } from '../lib/format.js';

const TOP_LIMIT = 20;
const num = (n: number) => n.toLocaleString('en-US');

/**
 * Where the series come from: totals, the metrics, labels and label values that make most
 * series, growth per hour, the configured limits with their usage, and rejected samples.
 * `?metric=` focuses every list on one metric.
 */
export function CardinalityPage() {
  const { range } = useTimeRange();
  const { params, set } = useUrlState();
  const link = useRangeLink();
  const metric = params.get('metric') ?? '';
  const query = useQuery({
    queryKey: ['cardinality', range.start, range.end, metric],
    queryFn: ({ signal }) => api.metricCardinality({ start: Math.floor(range.start), end: Math.ceil(range.end), limit: TOP_LIMIT, metric: metric || undefined }, { signal }),
    placeholderData: (p) => p,
  });
  const c = query.data;

  return (
    <div className="page">
      <PageHeader
        title={
          <>
            <Link to={link('/explore/metrics')} className="muted">
              Metrics
            </Link>{' '}
            / Cardinality
          </>
        }
        subtitle={metric ? <>focused on <span className="mono">{metric}</span></> : 'series by metric, label and value'}
        fetching={query.isFetching}
        actions={
          metric ? (
            <>
              <Link className="btn" to={workbenchHref(metric, params)} data-testid="card-query-focused">
                Query {metric}
              </Link>
              <button className="btn" onClick={() => set({ metric: null })} data-testid="card-clear-focus">
                All metrics
              </button>
            </>
          ) : undefined
        }
      />
      {query.isLoading ? (
        <Loading />
      ) : query.error && !c ? (
        <ErrorState error={query.error} retry={() => query.refetch()} title="Cannot load cardinality" />
      ) : c ? (
        <>
          {/* A failed refresh keeps the last answer on screen but says it is stale. */}
          {query.error && <ErrorState error={query.error} retry={() => query.refetch()} title="Refresh failed; showing the previous answer" />}
          <CardinalityView c={c} metric={metric} params={params} onFocus={(m) => set({ metric: m })} />
        </>
      ) : null}
    </div>
  );
}

function CardinalityView({ c, metric, params, onFocus }: { c: MetricCardinalityResponse; metric: string; params: URLSearchParams; onFocus: (metric: string) => void }) {
  const usage = useMemo(() => limitUsage(c), [c]);
  const growth = useMemo<ChartSeries[]>(
    () => [
      { label: 'series', color: '#3d7bfd', x: c.growth.map((g) => g.timeMs), y: c.growth.map((g) => g.series) },
      { label: 'new series', color: '#f28e2b', x: c.growth.map((g) => g.timeMs), y: c.growth.map((g) => g.newSeries) },
    ],
    [c],
  );
  const maxMetric = c.topMetrics[0]?.series ?? 0;
  const maxLabel = c.topLabels[0]?.distinctValues ?? 0;
  const maxValue = Math.max(0, ...c.topLabelValues.map((v) => v.series));
  const rejectedTotal = c.rejected.reduce((s, r) => s + r.count, 0);

  return (
    <>
      <div className="stat-row" data-testid="card-totals">
        <div className="stat">
          <div className="stat-label">Series in window</div>
          <div className="stat-value" data-testid="card-total-series">
            {num(c.totalSeries)}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Active now</div>
          <div className="stat-value" data-testid="card-active-series">
            {num(c.activeSeries)}
          </div>
        </div>
        {!metric && (
          <div className="stat">
            <div className="stat-label">Metrics</div>
            <div className="stat-value">{num(c.topMetrics.length)}{c.topMetrics.length >= TOP_LIMIT ? '+' : ''}</div>
          </div>
        )}
        <div className="stat">
          <div className="stat-label">Rejected samples</div>
          <div className={rejectedTotal ? 'stat-value text-error' : 'stat-value'}>{num(rejectedTotal)}</div>
        </div>
      </div>

      <div className="card-grid">
        <section className="panel" data-testid="card-top-metrics">
          <div className="panel-title">{metric ? 'This metric' : 'Top metrics by series'}</div>
          {c.topMetrics.length === 0 ? (
            <div className="table-empty">No series in this window.</div>
          ) : (
            <table className="table bar-table">
              <tbody>
                {c.topMetrics.map((m) => (
                  <tr key={m.name} data-metric={m.name}>
                    <td className="bar-cell">
                      <div className="card-bar" style={{ width: `${barWidth(m.series, maxMetric)}%` }} />
                      <button className="link-button mono" onClick={() => onFocus(m.name)} title="Focus on this metric">
                        {m.name}
                      </button>
                    </td>
                    <td className="num">{num(m.series)}</td>
                    <td className="num muted">{c.totalSeries ? formatPercent(m.series / c.totalSeries) : ''}</td>
                    <td className="row-actions">
                      <Link to={workbenchHref(m.name, params)}>Query</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" data-testid="card-top-labels">
          <div className="panel-title">Labels by distinct values{metric && ` (${metric})`}</div>
          {c.topLabels.length === 0 ? (
            <div className="table-empty">No labels.</div>
          ) : (
            <table className="table bar-table">
              <thead>
                <tr>
                  <th>Label</th>
                  <th className="num">Values</th>
                  <th className="num">Series</th>
                </tr>
              </thead>
              <tbody>
                {c.topLabels.map((l) => (
                  <tr key={l.name}>
                    <td className="bar-cell">
                      <div className="card-bar" style={{ width: `${barWidth(l.distinctValues, maxLabel)}%` }} />
                      <span className="mono">{l.name}</span>
                    </td>
                    <td className="num">{num(l.distinctValues)}</td>
                    <td className="num">{num(l.series)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" data-testid="card-top-values">
          <div className="panel-title">Label-value pairs by series</div>
          {c.topLabelValues.length === 0 ? (
            <div className="table-empty">No label values.</div>
          ) : (
            <table className="table bar-table">
              <tbody>
                {c.topLabelValues.map((v) => (
                  <tr key={`${v.name}=${v.value}`}>
                    <td className="bar-cell">
                      <div className="card-bar" style={{ width: `${barWidth(v.series, maxValue)}%` }} />
                      <span className="mono">
                        {v.name}=<span className="kv-value">{JSON.stringify(v.value)}</span>
                      </span>
                    </td>
                    <td className="num">{num(v.series)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" data-testid="card-limits">
          <div className="panel-title">Limits</div>
          <table className="table">
            <tbody>
              {usage.map((u) => (
                <tr key={u.key} data-level={usageLevel(u.ratio)}>
                  <td>
                    {u.label}
                    <div className="muted small mono">{u.subject}</div>
                  </td>
                  <td className="num">
                    {num(u.used)} / {u.limit === null ? 'no limit' : num(u.limit)}
                  </td>
                  <td className="usage-cell">
                    {u.ratio !== null && (
                      <div className={`usage usage-${usageLevel(u.ratio)}`} title={formatPercent(u.ratio)}>
                        <div style={{ width: `${Math.min(100, u.ratio * 100)}%` }} />
                      </div>
                    )}
                    <span className="muted small">{u.ratio === null ? '' : formatPercent(u.ratio)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>

      <section className="panel" data-testid="card-growth">
        <div className="panel-title">Series per hour</div>
        {c.growth.length === 0 ? <EmptyState title="No growth data in this window" /> : <TimeSeriesChart series={growth} height={200} points={c.growth.length < 3} format={(v) => num(Math.round(v))} ariaLabel="Series growth" />}
      </section>

      <section className="panel table-wrap" data-testid="card-rejected">
        <div className="panel-title" style={{ padding: '10px 12px 0' }}>
          Rejected by limits
        </div>
        {c.rejected.length === 0 ? (
          <div className="table-empty">Nothing rejected in this window.</div>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Reason</th>
                <th>Metric</th>
                <th className="num">Samples</th>
              </tr>
            </thead>
            <tbody>
              {c.rejected.map((r) => (
                <tr key={`${r.reason}:${r.metric}`}>
                  <td>{r.reason}</td>
                  <td className="mono">{r.metric}</td>
                  <td className="num">{num(r.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
