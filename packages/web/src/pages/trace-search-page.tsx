import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api.js';
import { useTimeRange } from '../app/time-range-context.js';
import { prefixedParams, useRangeLink, useUrlState } from '../app/url-state.js';
import { PageHeader } from '../components/page-header.js';
import { ErrorState, Loading } from '../components/states.js';
import { NoData } from '../components/no-data.js';
import { ScatterPlot, type ScatterPoint } from '../components/scatter-plot.js';
import { serviceColor } from '../lib/colors.js';
import { formatClock, formatDurationNs, nanosToMs, shortId, parseDuration } from '../lib/format.js';
import { formatAttributeFilters, parseAttributeFilters } from '../lib/logs.js';

const LIMITS = ['20', '50', '100', '200', '500'];

export function TraceSearchPage() {
  const { range, zoom } = useTimeRange();
  const { params, set } = useUrlState();
  const link = useRangeLink();
  const navigate = useNavigate();
  const service = params.get('service') ?? '';
  const operation = params.get('operation') ?? '';
  const minDuration = params.get('minDuration') ?? '';
  const maxDuration = params.get('maxDuration') ?? '';
  const status = (params.get('status') ?? '') as '' | 'error' | 'ok';
  const limit = params.get('limit') ?? '100';
  const attributes = useMemo(() => prefixedParams(params, 'attr.'), [params]);

  // Text fields are edited locally and applied on submit, so typing does not fire searches.
  const [draft, setDraft] = useState({ minDuration, maxDuration, attrs: formatAttributeFilters(attributes) });
  const [formError, setFormError] = useState<string | null>(null);
  useEffect(() => setDraft({ minDuration, maxDuration, attrs: formatAttributeFilters(attributes) }), [minDuration, maxDuration, attributes]);

  const services = useQuery({ queryKey: ['services', range.start, range.end], queryFn: ({ signal }) => api.services(range, { signal }), placeholderData: (p) => p });
  const operations = useQuery({
    queryKey: ['operations', service, range.start, range.end],
    queryFn: ({ signal }) => api.operations(service, range, { signal }),
    enabled: !!service,
    placeholderData: (p) => p,
  });
  const search = { service, operation, minDuration, maxDuration, status, attributes, limit: Number(limit) || 100 };
  const traces = useQuery({
    queryKey: ['traces', range.start, range.end, search],
    queryFn: ({ signal }) =>
      api.searchTraces(
        { ...range, service: service || undefined, operation: operation || undefined, minDuration: minDuration || undefined, maxDuration: maxDuration || undefined, status: status || undefined, attributes, limit: search.limit },
        { signal },
      ),
    placeholderData: (p) => p,
  });

  const submit = () => {
    for (const [label, v] of [['Min duration', draft.minDuration], ['Max duration', draft.maxDuration]] as const) {
      if (v && parseDuration(v) === null) return setFormError(`${label} "${v}" is not a duration (try 250ms, 1.5s, 2m)`);
    }
    const attrs = parseAttributeFilters(draft.attrs);
    if (!attrs) return setFormError('Attributes must be key=value pairs separated by spaces (quote values with spaces)');
    setFormError(null);
    const changes: Record<string, string | null> = { minDuration: draft.minDuration.trim() || null, maxDuration: draft.maxDuration.trim() || null };
    for (const k of Object.keys(attributes)) changes[`attr.${k}`] = null;
    for (const [k, v] of Object.entries(attrs)) changes[`attr.${k}`] = v;
    set(changes);
  };

  const open = useCallback((id: string) => navigate(link(`/traces/${id}`)), [navigate, link]);
  const list = traces.data?.traces ?? [];
  const points = useMemo<ScatterPoint[]>(
    () => list.map((t) => ({ id: t.traceId, t: nanosToMs(t.startTimeUnixNano), durationNs: Number(t.durationNs), error: t.errorCount > 0, label: `${t.rootService}: ${t.rootOperation}` })),
    [list],
  );
  const maxDur = Math.max(1, ...list.map((t) => Number(t.durationNs)));

  return (
    <div className="page">
      <PageHeader title="Traces" subtitle={traces.data ? `${list.length} traces${list.length === search.limit ? ` (limit ${limit})` : ''}` : undefined} fetching={traces.isFetching && !traces.isLoading} />
      <form
        className="filter-bar"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label>
          Service
          <select className="input" value={service} onChange={(e) => set({ service: e.target.value, operation: null })} aria-label="Service" data-testid="filter-service">
            <option value="">All services</option>
            {service && !services.data?.services.some((s) => s.name === service) && <option value={service}>{service}</option>}
            {services.data?.services.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Operation
          <select className="input" value={operation} onChange={(e) => set({ operation: e.target.value })} disabled={!service} aria-label="Operation">
            <option value="">All operations</option>
            {operation && !operations.data?.operations.some((o) => o.name === operation) && <option value={operation}>{operation}</option>}
            {operations.data?.operations.map((o) => (
              <option key={`${o.name}-${o.spanKind}`} value={o.name}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Min duration
          <input className="input input-narrow" placeholder="e.g. 250ms" value={draft.minDuration} onChange={(e) => setDraft({ ...draft, minDuration: e.target.value })} />
        </label>
        <label>
          Max duration
          <input className="input input-narrow" placeholder="e.g. 2s" value={draft.maxDuration} onChange={(e) => setDraft({ ...draft, maxDuration: e.target.value })} />
        </label>
        <label>
          Status
          <select className="input" value={status} onChange={(e) => set({ status: e.target.value })} aria-label="Status">
            <option value="">Any</option>
            <option value="error">Error</option>
            <option value="ok">OK</option>
          </select>
        </label>
        <label className="grow">
          Attributes
          <input className="input" placeholder='http.route=/api/cart user.id="a b"' value={draft.attrs} onChange={(e) => setDraft({ ...draft, attrs: e.target.value })} data-search spellCheck={false} />
        </label>
        <label>
          Limit
          <select className="input" value={limit} onChange={(e) => set({ limit: e.target.value })}>
            {LIMITS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <button className="btn btn-primary" type="submit">
          Search
        </button>
        {formError && <div className="form-error full">{formError}</div>}
      </form>
      {traces.isLoading ? (
        <Loading label="Searching traces…" />
      ) : traces.error ? (
        <ErrorState error={traces.error} retry={() => traces.refetch()} />
      ) : list.length === 0 ? (
        <NoData title="No traces match">Try a wider time range or fewer filters.</NoData>
      ) : (
        <>
          <div className="panel">
            <div className="panel-title">Duration over time · click a point to open the trace, drag to zoom</div>
            <ScatterPlot points={points} start={range.start} end={range.end} onOpen={open} onZoom={zoom} />
          </div>
          <div className="panel table-wrap">
            <table className="table traces-table" data-testid="traces-table">
              <thead>
                <tr>
                  <th>Start</th>
                  <th>Root</th>
                  <th>Trace</th>
                  <th className="num">Duration</th>
                  <th className="num">Spans</th>
                  <th className="num">Errors</th>
                  <th>Services</th>
                </tr>
              </thead>
              <tbody>
                {list.map((t) => {
                  const dur = Number(t.durationNs);
                  return (
                    <tr key={t.traceId} className="clickable" onClick={() => open(t.traceId)} data-trace-id={t.traceId}>
                      <td className="mono nowrap">{formatClock(nanosToMs(t.startTimeUnixNano))}</td>
                      <td>
                        <Link to={link(`/traces/${t.traceId}`)} onClick={(e) => e.stopPropagation()} className="service-link">
                          <span className="service-dot" style={{ background: serviceColor(t.rootService) }} />
                          <span className="muted">{t.rootService}:</span>&nbsp;{t.rootOperation || '(missing root span)'}
                        </Link>
                      </td>
                      <td className="mono muted" title={t.traceId}>
                        {shortId(t.traceId, 12)}
                      </td>
                      <td className="num duration-cell">
                        <span className="duration-bar" style={{ width: `${(dur / maxDur) * 100}%` }} />
                        <span>{formatDurationNs(dur)}</span>
                      </td>
                      <td className="num">{t.spanCount}</td>
                      <td className={t.errorCount ? 'num text-error' : 'num muted'}>{t.errorCount}</td>
                      <td>
                        <div className="chips">
                          {t.services.slice(0, 6).map((s) => (
                            <span key={s} className="chip" style={{ borderColor: serviceColor(s) }}>
                              {s}
                            </span>
                          ))}
                          {t.services.length > 6 && <span className="chip">+{t.services.length - 6}</span>}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
