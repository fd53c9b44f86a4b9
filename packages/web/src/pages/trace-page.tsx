import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { isApiError, type LogRecord } from '@sightline/client';
import { api } from '../lib/api.js';
import { useRangeLink, useUrlState } from '../app/url-state.js';
import { ancestorIds, buildTraceModel, collapseBelowDepth, searchSpans, visibleRows } from '../lib/trace-model.js';
import { computeCriticalPath } from '../lib/critical-path.js';
import { buildFlameGraph } from '../lib/flame-graph.js';
import { serviceColor } from '../lib/colors.js';
import { formatClock, formatDurationNs } from '../lib/format.js';
import { PageHeader } from '../components/page-header.js';
import { EmptyState, ErrorState, Loading } from '../components/states.js';
import { Waterfall } from '../components/waterfall.js';
import { SpanDetails } from '../components/span-details.js';
import { FlameGraphView } from '../components/flame-graph-view.js';
import { LogLine } from '../components/log-line.js';
import { CopyButton } from '../components/copy-button.js';

type View = 'waterfall' | 'flame' | 'logs';

export function TracePage() {
  const traceId = (useParams().traceId ?? '').toLowerCase();
  const { params, set } = useUrlState();
  const link = useRangeLink();
  const view = (params.get('view') as View | null) ?? 'waterfall';
  const selectedId = params.get('span');
  const find = params.get('find') ?? '';
  const showCritical = params.get('cp') !== '0';

  const trace = useQuery({ queryKey: ['trace', traceId], queryFn: ({ signal }) => api.trace(traceId, { signal }), staleTime: 60_000 });
  const correlated = useQuery({ queryKey: ['correlate', traceId], queryFn: ({ signal }) => api.correlate(traceId, { signal }), staleTime: 60_000 });

  const model = useMemo(() => (trace.data ? buildTraceModel(traceId, trace.data.spans) : null), [trace.data, traceId]);
  const critical = useMemo(() => (model ? computeCriticalPath(model) : null), [model]);
  const flame = useMemo(() => (model && view === 'flame' ? buildFlameGraph(model) : null), [model, view]);
  const logs = useMemo(() => (correlated.data?.items ?? []).filter((i): i is { type: 'log' } & LogRecord => i.type === 'log'), [correlated.data]);
  const logsBySpan = useMemo(() => {
    const m = new Map<string, LogRecord[]>();
    for (const l of logs) {
      if (!l.spanId) continue;
      let list = m.get(l.spanId);
      if (!list) m.set(l.spanId, (list = []));
      list.push(l);
    }
    return m;
  }, [logs]);
  const logCounts = useMemo(() => new Map([...logsBySpan].map(([k, v]) => [k, v.length])), [logsBySpan]);

  // Big traces open collapsed below a few levels so the first screen is readable.
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const initialised = useRef<string | null>(null);
  useEffect(() => {
    if (!model || initialised.current === traceId) return;
    initialised.current = traceId;
    setCollapsed(model.nodes.length > 2_000 ? collapseBelowDepth(model, 6) : new Set());
  }, [model, traceId]);

  const [scrollTo, setScrollTo] = useState<{ id: string; seq: number } | null>(null);
  const reveal = useCallback(
    (id: string) => {
      const node = model?.byId.get(id);
      if (!node) return;
      const ancestors = ancestorIds(node);
      setCollapsed((prev) => {
        if (!ancestors.some((a) => prev.has(a))) return prev;
        const next = new Set(prev);
        for (const a of ancestors) next.delete(a);
        return next;
      });
      setScrollTo((s) => ({ id, seq: (s?.seq ?? 0) + 1 }));
    },
    [model],
  );

  // Deep link: open with ?span= expanded and scrolled into view.
  const revealedDeepLink = useRef(false);
  useEffect(() => {
    if (model && selectedId && !revealedDeepLink.current) {
      revealedDeepLink.current = true;
      reveal(selectedId);
    }
  }, [model, selectedId, reveal]);

  const select = useCallback((id: string) => set({ span: id }, { replace: true }), [set]);
  const selectAndReveal = useCallback(
    (id: string) => {
      set({ span: id, view: null }, { replace: true });
      reveal(id);
    },
    [set, reveal],
  );
  const toggle = useCallback((id: string) => {
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);

  const [findDraft, setFindDraft] = useState(find);
  useEffect(() => {
    const t = setTimeout(() => findDraft !== find && set({ find: findDraft }, { replace: true }), 200);
    return () => clearTimeout(t);
  }, [findDraft, find, set]);
  const matches = useMemo(() => (model ? searchSpans(model, find) : []), [model, find]);
  const matchIds = useMemo(() => new Set(matches.map((m) => m.id)), [matches]);
  const matchIndex = selectedId ? matches.findIndex((m) => m.id === selectedId) : -1;
  const step = useCallback(
    (delta: number) => {
      if (!matches.length) return;
      const i = matchIndex < 0 ? (delta > 0 ? 0 : matches.length - 1) : (matchIndex + delta + matches.length) % matches.length;
      selectAndReveal(matches[i]!.id);
    },
    [matches, matchIndex, selectAndReveal],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = (e.target as HTMLElement)?.tagName === 'INPUT';
      if (e.key === 'Escape' && selectedId && !typing) set({ span: null }, { replace: true });
      if (!typing && (e.key === 'n' || e.key === 'N') && !e.ctrlKey && !e.metaKey) step(e.key === 'n' ? 1 : -1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selectedId, set, step]);

  const rows = useMemo(() => (model ? visibleRows(model, collapsed) : []), [model, collapsed]);

  if (trace.isLoading) return <Loading label="Loading trace…" />;
  if (trace.error) {
    if (isApiError(trace.error, 'SL_ERR_TRACE_NOT_FOUND'))
      return (
        <div className="page">
          <EmptyState title={`Trace ${traceId} not found`}>
            It may not have arrived yet, or it is older than the retention. <Link to={link('/traces')}>Search traces</Link>
          </EmptyState>
        </div>
      );
    return (
      <div className="page">
        <ErrorState error={trace.error} retry={() => trace.refetch()} />
      </div>
    );
  }
  if (!model || model.nodes.length === 0) return <EmptyState title="This trace has no spans" />;

  const root = model.roots[0]!;
  const selected = selectedId ? model.byId.get(selectedId) : undefined;
  const startMs = Number(model.startUnixNs / 1_000_000n);

  return (
    <div className="page trace-page">
      <PageHeader
        title={
          <>
            <span className="service-dot big" style={{ background: serviceColor(root.span.serviceName) }} />
            <span className="muted">{root.span.serviceName}:</span>&nbsp;{root.span.name}
          </>
        }
        subtitle={
          <span className="trace-meta">
            <span className="mono">{traceId}</span>
            <CopyButton text={traceId} label="Copy id" className="btn btn-ghost btn-small" />
            <span>{formatClock(startMs, true)}</span>
            <span>
              Duration <strong>{formatDurationNs(model.durationNs)}</strong>
            </span>
            <span>
              <strong data-testid="span-count">{model.nodes.length.toLocaleString()}</strong> spans
            </span>
            <span>{model.services.length} services</span>
            <span>depth {model.maxDepth + 1}</span>
            {model.errorCount > 0 && <span className="text-error">{model.errorCount} errors</span>}
          </span>
        }
        actions={
          <Link className="btn" to={link('/logs', { traceId })}>
            Open logs in explorer
          </Link>
        }
      />
      <div className="trace-toolbar">
        <div className="tabs" role="tablist">
          {(
            [
              ['waterfall', 'Waterfall'],
              ['flame', 'Flame graph'],
              ['logs', `Logs (${logs.length})`],
            ] as const
          ).map(([k, label]) => (
            <button key={k} role="tab" aria-selected={view === k} className={view === k ? 'tab active' : 'tab'} onClick={() => set({ view: k === 'waterfall' ? null : k }, { replace: true })}>
              {label}
            </button>
          ))}
        </div>
        <div className="service-legend">
          {model.services.map((s) => (
            <span key={s} className="legend-item">
              <span className="service-dot" style={{ background: serviceColor(s) }} />
              {s}
            </span>
          ))}
        </div>
        {view === 'waterfall' && (
          <div className="trace-find">
            <input
              className="input input-small"
              placeholder="Find in trace  /"
              value={findDraft}
              onChange={(e) => setFindDraft(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && (set({ find: findDraft }, { replace: true }), step(e.shiftKey ? -1 : 1))}
              data-search
              aria-label="Find in trace"
            />
            {find && (
              <span className="muted small nowrap" data-testid="find-count">
                {matches.length ? `${matchIndex >= 0 ? matchIndex + 1 : '–'} / ${matches.length}` : 'no matches'}
              </span>
            )}
            <button className="btn btn-small" onClick={() => step(-1)} disabled={!matches.length} title="Previous match (N)">
              ↑
            </button>
            <button className="btn btn-small" onClick={() => step(1)} disabled={!matches.length} title="Next match (n)">
              ↓
            </button>
            <label className="check" title="Highlight the chain of work that determined the trace's latency">
              <input type="checkbox" checked={showCritical} onChange={(e) => set({ cp: e.target.checked ? null : '0' }, { replace: true })} /> Critical path
            </label>
            <button className="btn btn-small" onClick={() => setCollapsed(collapseBelowDepth(model, 1))}>
              Collapse
            </button>
            <button className="btn btn-small" onClick={() => setCollapsed(new Set())}>
              Expand all
            </button>
          </div>
        )}
      </div>
      <div className={selected ? 'trace-body with-details' : 'trace-body'}>
        <div className="trace-main panel">
          {view === 'waterfall' && (
            <Waterfall
              model={model}
              rows={rows}
              critical={showCritical ? critical : null}
              selectedId={selectedId}
              matches={matchIds}
              collapsed={collapsed}
              logCounts={logCounts}
              onSelect={select}
              onToggle={toggle}
              scrollTo={scrollTo}
            />
          )}
          {view === 'flame' && flame && <FlameGraphView graph={flame} onOpenSpan={selectAndReveal} />}
          {view === 'logs' && (
            <div className="trace-logs" data-testid="trace-logs">
              {correlated.isLoading ? (
                <Loading />
              ) : correlated.error ? (
                <ErrorState error={correlated.error} retry={() => correlated.refetch()} />
              ) : logs.length === 0 ? (
                <EmptyState title="No logs carry this trace id">Logs correlate when the SDK's log bridge records the active span context.</EmptyState>
              ) : (
                logs.map((l, i) => <LogLine key={i} log={l} onSpan={selectAndReveal} />)
              )}
            </div>
          )}
        </div>
        {selected && (
          <SpanDetails node={selected} model={model} critical={critical?.get(selected.id)} logs={logsBySpan.get(selected.id) ?? []} onSelect={selectAndReveal} onClose={() => set({ span: null }, { replace: true })} />
        )}
      </div>
    </div>
  );
}
