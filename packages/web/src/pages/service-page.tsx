import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api.js';
import { useTimeRange } from '../app/time-range-context.js';
import { useRangeLink, useUrlState } from '../app/url-state.js';
import { PageHeader } from '../components/page-header.js';
import { EmptyState, ErrorState, Loading } from '../components/states.js';
import { TimeSeriesChart, type ChartSeries } from '../components/time-series-chart.js';
import { serviceColor } from '../lib/colors.js';
import { formatCompact, formatDurationMs, formatPercent } from '../lib/format.js';
import { SPAN_KIND_NAMES } from '../lib/trace-model.js';

const rateFormat = (v: number) => `${formatCompact(v)}/s`;
const pctFormat = (v: number) => formatPercent(v);
const msFormat = (v: number) => formatDurationMs(v);

export function ServicePage() {
  const service = useParams().service ?? '';
  const { range } = useTimeRange();
  const link = useRangeLink();
  const { params, set } = useUrlState();
  const opFilter = params.get('q') ?? '';
  const services = useQuery({ queryKey: ['services', range.start, range.end], queryFn: ({ signal }) => api.services(range, { signal }), placeholderData: (p) => p });
  const operations = useQuery({
    queryKey: ['operations', service, range.start, range.end],
    queryFn: ({ signal }) => api.operations(service, range, { signal }),
    placeholderData: (p) => p,
  });
  const stats = services.data?.services.find((s) => s.name === service);
  const color = serviceColor(service);

  const charts = useMemo(() => {
    if (!stats) return null;
    const one = (label: string, c: string, y: number[]): ChartSeries[] => [{ label, color: c, x: stats.sparkline.t, y }];
    return { rate: one('requests/s', color, stats.sparkline.rate), errors: one('error ratio', '#e5484d', stats.sparkline.errorRatio), p95: one('p95', '#f5a524', stats.sparkline.p95Ms) };
  }, [stats, color]);

  const ops = (operations.data?.operations ?? []).filter((o) => o.name.toLowerCase().includes(opFilter.toLowerCase()));

  return (
    <div className="page">
      <PageHeader
        title={
          <>
            <span className="service-dot big" style={{ background: color }} />
            {service}
          </>
        }
        subtitle={
          <Link to={link('/services')} className="muted">
            ← All services
          </Link>
        }
        fetching={services.isFetching || operations.isFetching}
        actions={
          <>
            <Link className="btn" to={link('/traces', { service })}>
              Traces
            </Link>
            <Link className="btn" to={link('/traces', { service, status: 'error' })}>
              Error traces
            </Link>
            <Link className="btn" to={link('/logs', { service })}>
              Logs
            </Link>
          </>
        }
      />
      {services.isLoading ? (
        <Loading />
      ) : services.error ? (
        <ErrorState error={services.error} retry={() => services.refetch()} />
      ) : !stats ? (
        <EmptyState title={`No spans from ${service} in this time range`}>Widen the time range or pick another service.</EmptyState>
      ) : (
        <>
          <div className="stat-row" data-testid="service-stats">
            <Stat label="Rate" value={`${formatCompact(stats.ratePerSec)}/s`} />
            <Stat label="Error ratio" value={formatPercent(stats.errorRatio)} tone={stats.errorRatio > 0.05 ? 'error' : undefined} />
            <Stat label="p50" value={formatDurationMs(stats.p50Ms)} />
            <Stat label="p95" value={formatDurationMs(stats.p95Ms)} />
            <Stat label="p99" value={formatDurationMs(stats.p99Ms)} />
            <Stat label="Spans" value={formatCompact(stats.spanCount)} />
            <Stat label="Errors" value={formatCompact(stats.errorCount)} />
          </div>
          {charts && (
            <div className="chart-grid">
              <div className="panel">
                <div className="panel-title">Request rate</div>
                <TimeSeriesChart series={charts.rate} format={rateFormat} height={160} ariaLabel="Request rate" />
              </div>
              <div className="panel">
                <div className="panel-title">Error ratio</div>
                <TimeSeriesChart series={charts.errors} format={pctFormat} height={160} ariaLabel="Error ratio" />
              </div>
              <div className="panel">
                <div className="panel-title">p95 latency</div>
                <TimeSeriesChart series={charts.p95} format={msFormat} height={160} ariaLabel="p95 latency" />
              </div>
            </div>
          )}
        </>
      )}
      <div className="panel">
        <div className="panel-title panel-title-row">
          <span>Operations {operations.data ? `(${operations.data.operations.length})` : ''}</span>
          <input className="input input-small" placeholder="Filter operations" value={opFilter} onChange={(e) => set({ q: e.target.value }, { replace: true })} aria-label="Filter operations" />
        </div>
        {operations.isLoading ? (
          <Loading />
        ) : operations.error ? (
          <ErrorState error={operations.error} retry={() => operations.refetch()} />
        ) : ops.length === 0 ? (
          <EmptyState title="No operations" />
        ) : (
          <table className="table" data-testid="operations-table">
            <thead>
              <tr>
                <th>Operation</th>
                <th>Kind</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {ops.map((o) => (
                <tr key={`${o.name}-${o.spanKind}`}>
                  <td>
                    <Link to={link('/traces', { service, operation: o.name })}>{o.name}</Link>
                  </td>
                  <td className="muted">{SPAN_KIND_NAMES[o.spanKind] ?? o.spanKind}</td>
                  <td className="row-actions">
                    <Link to={link('/traces', { service, operation: o.name })}>Traces</Link>
                    <Link to={link('/traces', { service, operation: o.name, status: 'error' })}>Errors</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

function Stat({ label, value, tone }: { label: string; value: string; tone?: 'error' }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className={tone === 'error' ? 'stat-value text-error' : 'stat-value'}>{value}</div>
    </div>
  );
}
