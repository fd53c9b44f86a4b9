import { useMemo } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import type { ServiceSummary } from '@sightline/client';
import { api } from '../lib/api.js';
import { useTimeRange } from '../app/time-range-context.js';
import { useRangeLink, useUrlState } from '../app/url-state.js';
import { PageHeader } from '../components/page-header.js';
import { ErrorState, Loading } from '../components/states.js';
import { NoData } from '../components/no-data.js';
import { Sparkline } from '../components/sparkline.js';
import { serviceColor } from '../lib/colors.js';
import { formatCompact, formatDurationMs, formatPercent } from '../lib/format.js';

type SortKey = 'name' | 'rate' | 'errors' | 'p50' | 'p95' | 'p99' | 'spans';

const SORTERS: Record<SortKey, (s: ServiceSummary) => number | string> = {
  name: (s) => s.name,
  rate: (s) => s.ratePerSec,
  errors: (s) => s.errorRatio,
  p50: (s) => s.p50Ms,
  p95: (s) => s.p95Ms,
  p99: (s) => s.p99Ms,
  spans: (s) => s.spanCount,
};

export function ServicesPage() {
  const { range } = useTimeRange();
  const { params, set } = useUrlState();
  const link = useRangeLink();
  const filter = params.get('q') ?? '';
  const sort = (params.get('sort') as SortKey | null) ?? 'rate';
  const dir = params.get('dir') === 'asc' ? 'asc' : 'desc';
  const query = useQuery({
    queryKey: ['services', range.start, range.end],
    queryFn: ({ signal }) => api.services(range, { signal }),
    placeholderData: (prev) => prev,
  });

  const rows = useMemo(() => {
    const list = (query.data?.services ?? []).filter((s) => s.name.toLowerCase().includes(filter.toLowerCase()));
    const key = SORTERS[sort] ?? SORTERS.rate;
    const sign = dir === 'asc' ? 1 : -1;
    return list.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return (typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number)) * sign;
    });
  }, [query.data, filter, sort, dir]);

  const header = (key: SortKey, label: string, numeric = true) => (
    <th className={numeric ? 'num sortable' : 'sortable'} aria-sort={sort === key ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button onClick={() => set({ sort: key, dir: sort === key && dir === 'desc' ? 'asc' : 'desc' }, { replace: true })}>
        {label}
        {sort === key ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );

  return (
    <div className="page">
      <PageHeader
        title="Services"
        subtitle={query.data?.services.length ? `${rows.length} of ${query.data.services.length} services · server and root spans` : undefined}
        fetching={query.isFetching && !query.isLoading}
        actions={
          <input
            className="input filter-input"
            placeholder="Filter services  /"
            value={filter}
            onChange={(e) => set({ q: e.target.value }, { replace: true })}
            data-search
            aria-label="Filter services"
          />
        }
      />
      {query.isLoading ? (
        <Loading label="Loading services…" />
      ) : query.error ? (
        <ErrorState error={query.error} retry={() => query.refetch()} />
      ) : !query.data?.services.length ? (
        <NoData title="No services in this time range">Widen the time range, or check that your SDKs export to this server.</NoData>
      ) : (
        <div className="panel table-wrap">
          <table className="table services-table" data-testid="services-table">
            <thead>
              <tr>
                {header('name', 'Service', false)}
                {header('rate', 'Rate')}
                <th className="spark-col">Requests/s</th>
                {header('errors', 'Errors')}
                <th className="spark-col">Error ratio</th>
                {header('p50', 'p50')}
                {header('p95', 'p95')}
                <th className="spark-col">p95 latency</th>
                {header('p99', 'p99')}
                {header('spans', 'Spans')}
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.name} data-service={s.name}>
                  <td>
                    <Link to={link(`/services/${encodeURIComponent(s.name)}`)} className="service-link">
                      <span className="service-dot" style={{ background: serviceColor(s.name) }} />
                      {s.name}
                    </Link>
                  </td>
                  <td className="num">{formatCompact(s.ratePerSec)}/s</td>
                  <td className="spark-col">
                    <Sparkline values={s.sparkline.rate} color={serviceColor(s.name)} title={`${s.name} request rate`} />
                  </td>
                  <td className={s.errorRatio > 0.05 ? 'num text-error' : 'num'}>{formatPercent(s.errorRatio)}</td>
                  <td className="spark-col">
                    <Sparkline values={s.sparkline.errorRatio} color="var(--error)" area={false} title={`${s.name} error ratio`} />
                  </td>
                  <td className="num">{formatDurationMs(s.p50Ms)}</td>
                  <td className="num">{formatDurationMs(s.p95Ms)}</td>
                  <td className="spark-col">
                    <Sparkline values={s.sparkline.p95Ms} color="var(--warn)" area={false} title={`${s.name} p95 latency`} />
                  </td>
                  <td className="num">{formatDurationMs(s.p99Ms)}</td>
                  <td className="num">{formatCompact(s.spanCount)}</td>
                  <td className="row-actions">
                    <Link to={link('/traces', { service: s.name })}>Traces</Link>
                    <Link to={link('/logs', { service: s.name })}>Logs</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <div className="table-empty">No service matches “{filter}”.</div>}
        </div>
      )}
    </div>
  );
}
