import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { LogFilterParams, LogRecord, SeverityName } from '@sightline/client';
import { api } from '../lib/api.js';
import { useTimeRange } from '../app/time-range-context.js';
import { prefixedParams, useRangeLink, useUrlState } from '../app/url-state.js';
import { PageHeader } from '../components/page-header.js';
import { ErrorState, Loading, Spinner } from '../components/states.js';
import { NoData } from '../components/no-data.js';
import { SeverityHistogram } from '../components/severity-histogram.js';
import { AttributeTable } from '../components/attribute-table.js';
import { CopyButton } from '../components/copy-button.js';
import { serviceColor } from '../lib/colors.js';
import { formatClock, nanosToMs } from '../lib/format.js';
import { formatAttributeFilters, formatLogBody, parseAttributeFilters, severityBucket, severityLabel } from '../lib/logs.js';

const PAGE_SIZE = 500;
const SEVERITIES: Array<[string, string]> = [
  ['', 'Any severity'],
  ['debug', 'Debug and up'],
  ['info', 'Info and up'],
  ['warn', 'Warn and up'],
  ['error', 'Error and up'],
  ['fatal', 'Fatal'],
];

export function LogsPage() {
  const { range, zoom } = useTimeRange();
  const { params, set } = useUrlState();
  const q = params.get('q') ?? '';
  const service = params.get('service') ?? '';
  const severity = params.get('severity') ?? '';
  const traceId = params.get('traceId') ?? '';
  const attributes = useMemo(() => prefixedParams(params, 'attr.'), [params]);
  const [draft, setDraft] = useState({ q, traceId, attrs: formatAttributeFilters(attributes) });
  const [formError, setFormError] = useState<string | null>(null);
  useEffect(() => setDraft({ q, traceId, attrs: formatAttributeFilters(attributes) }), [q, traceId, attributes]);

  const filters: LogFilterParams = {
    ...range,
    q: q || undefined,
    service: service || undefined,
    severity: (severity || undefined) as SeverityName | undefined,
    traceId: traceId || undefined,
    attributes,
  };
  const services = useQuery({ queryKey: ['services', range.start, range.end], queryFn: ({ signal }) => api.services(range, { signal }), placeholderData: (p) => p });
  const histogram = useQuery({
    queryKey: ['logs-histogram', filters],
    queryFn: ({ signal }) => api.logHistogram({ ...filters, buckets: 60 }, { signal }),
    placeholderData: (p) => p,
  });
  const logs = useInfiniteQuery({
    queryKey: ['logs', filters],
    queryFn: ({ signal, pageParam }) => api.searchLogs({ ...filters, limit: PAGE_SIZE, cursor: pageParam }, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor || undefined,
    // Keeps a 100,000-record scroll-back in memory bounded to the pages actually visited.
    maxPages: 400,
  });
  const records = useMemo(() => logs.data?.pages.flatMap((p) => p.logs) ?? [], [logs.data]);
  const total = useMemo(
    () => histogram.data?.buckets.reduce((s, b) => s + Object.values(b.counts).reduce((a, c) => a + c, 0), 0),
    [histogram.data],
  );

  const submit = () => {
    const attrs = parseAttributeFilters(draft.attrs);
    if (!attrs) return setFormError('Attributes must be key=value pairs separated by spaces (quote values with spaces)');
    setFormError(null);
    const changes: Record<string, string | null> = { q: draft.q.trim() || null, traceId: draft.traceId.trim().toLowerCase() || null };
    for (const k of Object.keys(attributes)) changes[`attr.${k}`] = null;
    for (const [k, v] of Object.entries(attrs)) changes[`attr.${k}`] = v;
    set(changes);
  };

  return (
    <div className="page logs-page">
      <PageHeader
        title="Logs"
        subtitle={total !== undefined ? `${total.toLocaleString()} records in range · ${records.length.toLocaleString()} loaded` : undefined}
        fetching={(logs.isFetching && !logs.isFetchingNextPage && !logs.isLoading) || (histogram.isFetching && !histogram.isLoading)}
      />
      <form
        className="filter-bar"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label className="grow">
          Search
          <input className="input" placeholder="Text in the body  /" value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} data-search aria-label="Search log text" />
        </label>
        <label>
          Service
          <select className="input" value={service} onChange={(e) => set({ service: e.target.value })} aria-label="Service">
            <option value="">All services</option>
            {service && !services.data?.services.some((s) => s.name === service) && <option value={service}>{service}</option>}
            {services.data?.services.map((s) => (
              <option key={s.name}>{s.name}</option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select className="input" value={severity} onChange={(e) => set({ severity: e.target.value })} aria-label="Minimum severity">
            {SEVERITIES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Trace ID
          <input className="input mono input-wide" placeholder="32 hex characters" value={draft.traceId} onChange={(e) => setDraft({ ...draft, traceId: e.target.value })} spellCheck={false} />
        </label>
        <label className="grow">
          Attributes
          <input className="input" placeholder="http.route=/cart k=v" value={draft.attrs} onChange={(e) => setDraft({ ...draft, attrs: e.target.value })} spellCheck={false} />
        </label>
        <button className="btn btn-primary" type="submit">
          Run
        </button>
        {formError && <div className="form-error full">{formError}</div>}
      </form>
      <div className="panel histogram-panel">
        {histogram.error ? (
          <ErrorState error={histogram.error} retry={() => histogram.refetch()} />
        ) : histogram.data ? (
          <SeverityHistogram data={histogram.data} start={range.start} end={range.end} onZoom={zoom} />
        ) : (
          <div className="histogram-placeholder">
            <Spinner />
          </div>
        )}
      </div>
      {logs.isLoading ? (
        <Loading label="Searching logs…" />
      ) : logs.error ? (
        <ErrorState error={logs.error} retry={() => logs.refetch()} />
      ) : records.length === 0 ? (
        <NoData title="No logs match">Try a wider time range or fewer filters.</NoData>
      ) : (
        <LogList records={records} hasMore={!!logs.hasNextPage} loadingMore={logs.isFetchingNextPage} loadMore={() => void logs.fetchNextPage()} />
      )}
    </div>
  );
}

function LogList({ records, hasMore, loadingMore, loadMore }: { records: LogRecord[]; hasMore: boolean; loadingMore: boolean; loadMore: () => void }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const virtualizer = useVirtualizer({
    count: records.length + (hasMore ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 24,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    // Prefetch the next page while a couple of screens are still left to scroll.
    if (last && hasMore && !loadingMore && last.index >= records.length - 60) loadMore();
  }, [last?.index, hasMore, loadingMore, records.length, loadMore]);

  return (
    <div className="panel log-list" ref={scrollRef} data-testid="log-list" role="list">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((item) => {
          if (item.index >= records.length)
            return (
              <div key="more" className="log-more" style={{ transform: `translateY(${item.start}px)` }} ref={virtualizer.measureElement} data-index={item.index}>
                <Spinner /> Loading more…
              </div>
            );
          const log = records[item.index]!;
          return (
            <div key={item.key} data-index={item.index} ref={virtualizer.measureElement} className="log-row-wrap" style={{ transform: `translateY(${item.start}px)` }}>
              <LogRow
                log={log}
                expanded={expanded.has(item.index)}
                onToggle={() =>
                  setExpanded((prev) => {
                    const next = new Set(prev);
                    if (next.has(item.index)) next.delete(item.index);
                    else next.add(item.index);
                    return next;
                  })
                }
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}

const LogRow = memo(function LogRow({ log, expanded, onToggle }: { log: LogRecord; expanded: boolean; onToggle: () => void }) {
  const link = useRangeLink();
  const body = formatLogBody(log.body);
  const sev = severityBucket(log.severityNumber);
  return (
    <div className={expanded ? 'log-row expanded' : 'log-row'} role="listitem">
      <div className="log-summary" onClick={onToggle} aria-expanded={expanded}>
        <span className={`sev-bar sev-bg-${sev}`} />
        <span className="mono muted nowrap log-time">{formatClock(nanosToMs(log.timeUnixNano), true)}</span>
        <span className={`sev sev-${sev}`}>{severityLabel(log.severityNumber, log.severityText)}</span>
        <span className="log-service nowrap">
          <span className="service-dot" style={{ background: serviceColor(log.serviceName) }} />
          {log.serviceName}
        </span>
        <span className="log-body">{body.line}</span>
      </div>
      {expanded && (
        <div className="log-details" data-testid="log-details">
          <div className="log-details-actions">
            {log.traceId && (
              <Link className="btn btn-small" to={link(`/traces/${log.traceId}`, { span: log.spanId || undefined })} data-testid="log-trace-link">
                Open trace {log.traceId.slice(0, 8)}
                {log.spanId ? ` / span ${log.spanId.slice(0, 8)}` : ''}
              </Link>
            )}
            {log.traceId && (
              <Link className="btn btn-small" to={link('/logs', { traceId: log.traceId })}>
                All logs of this trace
              </Link>
            )}
            <CopyButton text={body.full} label="Copy body" />
          </div>
          <div className="log-details-grid">
            <div>
              <div className="panel-title">Body{body.isJson ? ' (JSON)' : ''}</div>
              <pre className="log-body-full">{body.full}</pre>
            </div>
            <div>
              <div className="panel-title">Attributes</div>
              <AttributeTable attributes={log.attributes} />
              <div className="panel-title">Resource</div>
              <AttributeTable attributes={log.resourceAttributes} />
              <div className="panel-title">Record</div>
              <AttributeTable
                attributes={{
                  time: formatClock(nanosToMs(log.timeUnixNano), true),
                  severityNumber: log.severityNumber,
                  ...(log.eventName ? { eventName: log.eventName } : {}),
                  ...(log.traceId ? { traceId: log.traceId, spanId: log.spanId } : {}),
                  ...(log.scopeName ? { scope: `${log.scopeName} ${log.scopeVersion}`.trim() } : {}),
                }}
              />
            </div>
          </div>
        </div>
      )}
    </div>
  );
});
