import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api.js';
import { useTimeRange } from '../app/time-range-context.js';
import { prefixedParams, useUrlState } from '../app/url-state.js';
import { PageHeader } from '../components/page-header.js';
import { EmptyState, ErrorState, Loading } from '../components/states.js';
import { NoData } from '../components/no-data.js';
import { TimeSeriesChart, type ChartSeries } from '../components/time-series-chart.js';
import { commonLabels, counterRate, isCumulative, labelValues, rankMetricNames, seriesLabel, seriesStats } from '../lib/metrics.js';
import { formatCompact } from '../lib/format.js';

const MAX_CHART_SERIES = 25;
const COLORS = ['#3d7bfd', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#2ca58d', '#8f6fd6', '#d4a017'];

export function MetricsPage() {
  const { range } = useTimeRange();
  const { params, set } = useUrlState();
  const metric = params.get('metric') ?? '';
  const view = params.get('view') === 'table' ? 'table' : 'chart';
  const labelFilter = useMemo(() => prefixedParams(params, 'label.'), [params]);

  const names = useQuery({ queryKey: ['metric-names', range.start, range.end], queryFn: ({ signal }) => api.metricNames(range, { signal }), placeholderData: (p) => p });
  const meta = names.data?.names.find((n) => n.name === metric);
  const cumulative = meta ? isCumulative(meta.type, meta.name) : false;
  const fn = params.get('fn') ?? (cumulative ? 'rate' : 'raw');

  // All series of the metric (for the label dropdowns), then the filtered ones.
  const allSeries = useQuery({
    queryKey: ['metric-series', metric, range.start, range.end],
    queryFn: ({ signal }) => api.metricSeries({ ...range, match: metric, limit: 1000 }, { signal }),
    enabled: !!metric,
    placeholderData: (p) => p,
  });
  const series = useQuery({
    queryKey: ['metric-series', metric, labelFilter, range.start, range.end],
    queryFn: ({ signal }) => api.metricSeries({ ...range, match: metric, labels: labelFilter, limit: 1000 }, { signal }),
    enabled: !!metric,
    placeholderData: (p) => p,
  });
  const shown = useMemo(() => (series.data?.series ?? []).slice(0, MAX_CHART_SERIES), [series.data]);
  const samples = useQuery({
    queryKey: ['metric-samples', shown.map((s) => s.fingerprint), range.start, range.end],
    queryFn: ({ signal }) => api.metricSamples({ ...range, series: shown.map((s) => s.fingerprint) }, { signal }),
    enabled: shown.length > 0,
    placeholderData: (p) => p,
  });

  const labels = useMemo(() => labelValues(allSeries.data?.series ?? []), [allSeries.data]);
  const common = useMemo(() => commonLabels(series.data?.series ?? []), [series.data]);
  const chartSeries = useMemo<ChartSeries[]>(
    () =>
      (samples.data?.series ?? []).map((s, i) => {
        const data = fn === 'rate' ? counterRate(s.timestampsMs, s.values) : { x: s.timestampsMs, y: s.values };
        return { label: seriesLabel(s.labels, common), color: COLORS[i % COLORS.length]!, x: data.x, y: data.y };
      }),
    [samples.data, fn, common],
  );
  const unit = meta?.unit ? ` ${meta.unit}` : '';
  const format = useMemo(() => (fn === 'rate' ? (v: number) => `${formatCompact(v)}/s` : (v: number) => formatCompact(v)), [fn]);

  return (
    <div className="page">
      <PageHeader title="Metrics" subtitle={names.data ? `${names.data.names.length} metric names in range` : undefined} fetching={samples.isFetching || series.isFetching} />
      <div className="filter-bar">
        <MetricPicker names={names.data?.names ?? []} value={metric} onChange={(m) => set({ metric: m, fn: null, ...Object.fromEntries(Object.keys(labelFilter).map((k) => [`label.${k}`, null])) })} />
        {metric &&
          [...labels].map(([key, values]) => (
            <label key={key}>
              {key}
              <select className="input" value={labelFilter[key] ?? ''} onChange={(e) => set({ [`label.${key}`]: e.target.value })}>
                <option value="">any ({values.length})</option>
                {values.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
          ))}
        {metric && (
          <>
            <label>
              Show
              <select className="input" value={fn} onChange={(e) => set({ fn: e.target.value })}>
                <option value="raw">Raw values</option>
                <option value="rate">Rate per second</option>
              </select>
            </label>
            <div className="tabs" role="tablist">
              <button role="tab" aria-selected={view === 'chart'} className={view === 'chart' ? 'tab active' : 'tab'} onClick={() => set({ view: null })}>
                Chart
              </button>
              <button role="tab" aria-selected={view === 'table'} className={view === 'table' ? 'tab active' : 'tab'} onClick={() => set({ view: 'table' })}>
                Table
              </button>
            </div>
          </>
        )}
      </div>
      {names.isLoading ? (
        <Loading />
      ) : names.error ? (
        <ErrorState error={names.error} retry={() => names.refetch()} />
      ) : !names.data?.names.length ? (
        <NoData title="No metrics in this time range" />
      ) : !metric ? (
        <MetricCatalog names={names.data.names} onPick={(m) => set({ metric: m })} />
      ) : series.isLoading || (samples.isLoading && shown.length > 0) ? (
        <Loading label="Loading series…" />
      ) : series.error || samples.error ? (
        <ErrorState error={series.error ?? samples.error} retry={() => (series.refetch(), samples.refetch())} />
      ) : !shown.length ? (
        <EmptyState title={`No series of ${metric} match the label filters`} />
      ) : (
        <div className="panel">
          <div className="panel-title">
            {metric}
            {meta && (
              <span className="muted">
                {' '}
                · {meta.type}
                {unit} {meta.help && `· ${meta.help}`}
              </span>
            )}
            {(series.data?.series.length ?? 0) > MAX_CHART_SERIES && <span className="muted"> · showing {MAX_CHART_SERIES} of {series.data!.series.length} series, narrow with labels</span>}
          </div>
          {view === 'chart' ? (
            <div data-testid="metric-chart">
              <TimeSeriesChart series={chartSeries} format={format} height={320} ariaLabel={`${metric} chart`} />
            </div>
          ) : (
            <table className="table" data-testid="metric-table">
              <thead>
                <tr>
                  <th>Series</th>
                  <th className="num">Last</th>
                  <th className="num">Min</th>
                  <th className="num">Max</th>
                  <th className="num">Avg</th>
                  <th className="num">Points</th>
                </tr>
              </thead>
              <tbody>
                {chartSeries.map((s) => {
                  const st = seriesStats(s.y);
                  const f = (v: number | null) => (v === null ? '–' : format(v));
                  return (
                    <tr key={s.label}>
                      <td className="mono">
                        <span className="swatch" style={{ background: s.color }} /> {s.label}
                      </td>
                      <td className="num">{f(st.last)}</td>
                      <td className="num">{f(st.min)}</td>
                      <td className="num">{f(st.max)}</td>
                      <td className="num">{f(st.avg)}</td>
                      <td className="num">{st.count}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>
      )}
    </div>
  );
}

function MetricPicker({ names, value, onChange }: { names: Array<{ name: string; type: string; unit: string; help: string }>; value: string; onChange: (name: string) => void }) {
  const [text, setText] = useState(value);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => setText(value), [value]);
  const options = useMemo(() => rankMetricNames(names, text === value ? '' : text, 50), [names, text, value]);
  useEffect(() => {
    const onDown = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, []);
  const pick = (name: string) => {
    setOpen(false);
    setText(name);
    onChange(name);
  };
  return (
    <div className="combo grow" ref={ref}>
      <label>
        Metric
        <input
          className="input mono"
          value={text}
          placeholder="Search metric names  /"
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
            setActive(0);
          }}
          onFocus={() => setOpen(true)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') (e.preventDefault(), setOpen(true), setActive((a) => Math.min(options.length - 1, a + 1)));
            else if (e.key === 'ArrowUp') (e.preventDefault(), setActive((a) => Math.max(0, a - 1)));
            else if (e.key === 'Enter' && options[active]) (e.preventDefault(), pick(options[active].name));
            else if (e.key === 'Escape') setOpen(false);
          }}
          role="combobox"
          aria-expanded={open}
          aria-autocomplete="list"
          data-search
          data-testid="metric-search"
          spellCheck={false}
        />
      </label>
      {open && options.length > 0 && (
        <ul className="combo-list" role="listbox">
          {options.map((o, i) => (
            <li key={o.name} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseDown={(e) => (e.preventDefault(), pick(o.name))} onMouseEnter={() => setActive(i)}>
              <span className="mono">{o.name}</span>
              <span className="muted small">
                {o.type}
                {o.unit && ` · ${o.unit}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function MetricCatalog({ names, onPick }: { names: Array<{ name: string; type: string; unit: string; help: string }>; onPick: (name: string) => void }) {
  return (
    <div className="panel table-wrap">
      <div className="panel-title">Pick a metric</div>
      <table className="table" data-testid="metric-catalog">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Unit</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {names.map((n) => (
            <tr key={n.name} className="clickable" onClick={() => onPick(n.name)}>
              <td className="mono">
                <button className="link-button" onClick={() => onPick(n.name)}>
                  {n.name}
                </button>
              </td>
              <td className="muted">{n.type}</td>
              <td className="muted">{n.unit}</td>
              <td className="muted">{n.help}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
