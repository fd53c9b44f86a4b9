import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { EditorView } from '@codemirror/view';
import { closeCompletion } from '@codemirror/autocomplete';
import { api } from '../lib/api.js';
import { useTimeRange } from '../app/time-range-context.js';
import { useRangeLink, useUrlState } from '../app/url-state.js';
import { PageHeader } from '../components/page-header.js';
import { EmptyState, Loading } from '../components/states.js';
import { PromQLEditor } from '../components/promql-editor.js';
import { WorkbenchChart } from '../components/workbench-chart.js';
import { useElementWidth } from '../components/use-element-width.js';
import { queryInstant, queryRange, PromQueryError, type PromQueryResponse } from '../lib/prom-api.js';
import {
  alignStart,
  autoStepMs,
  buildGraph,
  formatStep,
  instantTable,
  parseStep,
  readQueries,
  rollupTier,
  sortRows,
  writeQueries,
  type SortKey,
  type WorkbenchQuery,
} from '../lib/workbench.js';
import { rankMetricNames } from '../lib/metrics.js';

/** More lines than this make an unreadable graph and a slow page; the legend says what was cut. */
const MAX_GRAPH_SERIES = 250;
const EMPTY: WorkbenchQuery[] = [{ expr: '', enabled: true }];

function queryError(err: unknown): { type: string; message: string } {
  if (err instanceof PromQueryError) return { type: err.errorType, message: err.message };
  return { type: 'error', message: err instanceof Error ? err.message : String(err) };
}

/**
 * The PromQL workbench: several queries, each in a CodeMirror editor with completion and lint,
 * drawn together on one graph (query_range) or listed as the instant result at the range end.
 * The executed queries, the tab, step and stacking live in the URL.
 */
export function MetricsPage() {
  const { range } = useTimeRange();
  const [params, setParams] = useSearchParams();
  const { set } = useUrlState();
  const rangeLink = useRangeLink();
  const queryClient = useQueryClient();

  const tab = params.get('tab') === 'table' ? 'table' : 'graph';
  const stacked = params.get('stacked') === '1';
  const stepText = params.get('step') ?? '';
  const manualStepMs = stepText ? parseStep(stepText) : null;

  // The committed list (URL) and the one being edited; they meet on Run.
  const urlKey = `${params.getAll('q').join('\u0000')}|${params.get('off') ?? ''}`;
  const committed = useMemo(() => {
    const q = readQueries(params);
    return q.length ? q : EMPTY;
    // urlKey is the part of params this depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [urlKey]);
  const [list, setList] = useState<WorkbenchQuery[]>(committed);
  useEffect(() => setList(committed), [committed]);

  const views = useRef<Array<EditorView | null>>([]);
  const [active, setActive] = useState(0);

  const commit = useCallback(
    (next: WorkbenchQuery[]) => {
      setList(next);
      const nextParams = writeQueries(params, next);
      // Unchanged queries run again (the data may have changed); changed ones run as new keys.
      if (nextParams.toString() === params.toString()) void queryClient.invalidateQueries({ queryKey: ['promql'] });
      else setParams(nextParams);
    },
    [params, setParams, queryClient],
  );
  const listRef = useRef(list);
  listRef.current = list;
  const run = useCallback(() => {
    // A completion list left open over the graph after running only hides the result.
    for (const v of views.current) if (v) closeCompletion(v);
    commit(listRef.current);
  }, [commit]);

  const chartBox = useRef<HTMLDivElement>(null);
  const width = useElementWidth(chartBox);
  const autoStep = autoStepMs(range.end - range.start, width || 1000);
  const stepMs = manualStepMs ?? autoStep;
  const startMs = alignStart(range.start, stepMs);
  const endMs = Math.floor(range.end);

  const runnable = committed.map((q, i) => ({ ...q, index: i })).filter((q) => q.enabled && q.expr.trim() !== '');
  const rangeResults = useQueries({
    queries: runnable.map((q) => ({
      queryKey: ['promql', 'range', q.expr, startMs, endMs, stepMs],
      queryFn: ({ signal }: { signal: AbortSignal }) => queryRange({ expr: q.expr, startMs, endMs, stepMs }, { signal }),
      enabled: tab === 'graph' && width > 0,
      placeholderData: (p: PromQueryResponse | undefined) => p,
      retry: false,
    })),
  });
  const instantResults = useQueries({
    queries: runnable.map((q) => ({
      queryKey: ['promql', 'instant', q.expr, endMs],
      queryFn: ({ signal }: { signal: AbortSignal }) => queryInstant(q.expr, endMs, { signal }),
      enabled: tab === 'table',
      placeholderData: (p: PromQueryResponse | undefined) => p,
      retry: false,
    })),
  });
  const results = tab === 'graph' ? rangeResults : instantResults;
  const resultOf = (index: number) => {
    const k = runnable.findIndex((q) => q.index === index);
    return k < 0 ? undefined : results[k];
  };

  const graph = useMemo(() => {
    const matrices = runnable.flatMap((q, k) => {
      const d = rangeResults[k]?.data?.data;
      return d && d.resultType === 'matrix' ? [{ query: q.index, series: d.result }] : [];
    });
    const full = buildGraph(matrices, startMs, endMs, stepMs);
    return { ...full, total: full.series.length, series: full.series.slice(0, MAX_GRAPH_SERIES) };
    // rangeResults is a new array every render; its data objects are stable.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rangeResults.map((r) => r.dataUpdatedAt).join(), runnable.map((q) => q.index).join(), startMs, endMs, stepMs]);

  const fetching = results.some((r) => r.isFetching);

  const names = useQuery({ queryKey: ['metric-names', range.start, range.end], queryFn: ({ signal }) => api.metricNames(range, { signal }), placeholderData: (p) => p });

  const insertMetric = (name: string) => {
    const i = Math.min(active, list.length - 1);
    const view = views.current[i];
    if (view) {
      view.dispatch(view.state.replaceSelection(name));
      view.focus();
    } else {
      setList((l) => l.map((q, k) => (k === i ? { ...q, expr: q.expr + name } : q)));
    }
  };

  const update = (i: number, change: Partial<WorkbenchQuery>) => setList((l) => l.map((q, k) => (k === i ? { ...q, ...change } : q)));

  return (
    <div className="page">
      <PageHeader
        title="Metrics"
        subtitle="PromQL workbench"
        fetching={fetching}
        actions={
          <Link className="btn" to={rangeLink('/explore/metrics/cardinality')} data-testid="cardinality-link">
            Cardinality explorer
          </Link>
        }
      />
      <div className="wb-layout">
        <div className="wb-main">
          <div className="wb-queries" data-testid="wb-queries">
            {list.map((q, i) => {
              const r = resultOf(i);
              const isCommitted = committed[i]?.expr === q.expr && q.expr.trim() !== '';
              const data = r?.data?.data;
              const tier = data ? rollupTier(data.stats) : null;
              const count = data ? (data.resultType === 'matrix' || data.resultType === 'vector' ? `${data.result.length} series` : data.resultType) : null;
              return (
                <div key={i} className={q.enabled ? 'wb-query' : 'wb-query disabled'} data-testid="wb-query" data-index={i}>
                  <div className="wb-query-row">
                    <label className="wb-query-toggle" title={q.enabled ? 'Disable this query' : 'Enable this query'}>
                      <input type="checkbox" checked={q.enabled} aria-label={`Enable query ${i + 1}`} onChange={(e) => commit(list.map((x, k) => (k === i ? { ...x, enabled: e.target.checked } : x)))} />
                      <span className="wb-query-number">#{i + 1}</span>
                    </label>
                    <div className="wb-editor">
                      <PromQLEditor
                        value={q.expr}
                        onChange={(expr) => update(i, { expr })}
                        onRun={run}
                        onFocus={() => setActive(i)}
                        onView={(v) => (views.current[i] = v)}
                        ariaLabel={`PromQL query ${i + 1}`}
                        autoFocus={i === 0 && committed.length === 1 && !committed[0]!.expr}
                      />
                    </div>
                    <div className="wb-query-actions">
                      <button type="button" className="btn btn-small" onClick={() => commit([...list.slice(0, i + 1), { ...q }, ...list.slice(i + 1)])} aria-label={`Duplicate query ${i + 1}`}>
                        Duplicate
                      </button>
                      <button type="button" className="btn btn-small" disabled={list.length === 1} onClick={() => commit(list.filter((_, k) => k !== i))} aria-label={`Remove query ${i + 1}`}>
                        Remove
                      </button>
                    </div>
                  </div>
                  {r?.error && isCommitted ? (
                    <div className="wb-query-error" role="alert" data-testid="wb-query-error">
                      <code>{queryError(r.error).type}</code> {queryError(r.error).message}
                    </div>
                  ) : r?.data && isCommitted ? (
                    <div className="wb-query-info muted small" data-testid="wb-query-info">
                      {count}
                      {tab === 'graph' && ` · step ${formatStep(stepMs)}`}
                      {tier && <span data-testid="wb-tier"> · tier {tier}</span>}
                      {r.data.warnings.map((w) => (
                        <span key={w} className="wb-warning">
                          {' '}
                          · ⚠ {w}
                        </span>
                      ))}
                    </div>
                  ) : null}
                </div>
              );
            })}
          </div>
          <div className="filter-bar wb-options">
            <button type="button" className="btn btn-primary" onClick={run} data-testid="wb-run" title="Shift+Enter or Ctrl+Enter in an editor">
              Run
            </button>
            <button type="button" className="btn" onClick={() => commit([...list, { expr: '', enabled: true }])} data-testid="wb-add">
              Add query
            </button>
            <div className="tabs" role="tablist">
              <button role="tab" aria-selected={tab === 'graph'} className={tab === 'graph' ? 'tab active' : 'tab'} onClick={() => set({ tab: null })}>
                Graph
              </button>
              <button role="tab" aria-selected={tab === 'table'} className={tab === 'table' ? 'tab active' : 'tab'} onClick={() => set({ tab: 'table' })}>
                Table
              </button>
            </div>
            {tab === 'graph' && (
              <>
                <label>
                  Step
                  <input
                    className="input input-narrow mono"
                    defaultValue={stepText}
                    key={stepText}
                    placeholder={`auto (${formatStep(autoStep)})`}
                    aria-label="Step"
                    onKeyDown={(e) => e.key === 'Enter' && set({ step: e.currentTarget.value.trim() })}
                    onBlur={(e) => e.currentTarget.value.trim() !== stepText && set({ step: e.currentTarget.value.trim() })}
                  />
                </label>
                <label className="check wb-stacked">
                  <input type="checkbox" checked={stacked} onChange={(e) => set({ stacked: e.target.checked ? '1' : null })} /> Stacked
                </label>
                <span className="muted small" data-testid="wb-step">
                  step {formatStep(stepMs)} {manualStepMs ? '(manual)' : '(auto)'}
                </span>
                {stepText && manualStepMs === null && <span className="form-error">Step “{stepText}” is not a duration like 30s or 1m; using auto.</span>}
              </>
            )}
            {tab === 'table' && <span className="muted small">instant query at {new Date(endMs).toLocaleString()}</span>}
          </div>
          <div ref={chartBox} className="wb-result">
            {runnable.length === 0 ? (
              <EmptyState title="Type a PromQL expression and press Shift+Enter">Pick a metric on the right to start from it, or type; completion offers metrics, labels, values and functions.</EmptyState>
            ) : tab === 'graph' ? (
              graph.total === 0 ? (
                results.some((r) => r.isLoading) ? (
                  <Loading label="Running queries…" />
                ) : results.every((r) => r.error) ? null : (
                  <EmptyState title="No series in this time range">The queries returned no data; widen the time range or check the label matchers.</EmptyState>
                )
              ) : (
                <div className="panel">
                  {graph.total > graph.series.length && (
                    <div className="panel-title">
                      showing {graph.series.length} of {graph.total} series; narrow the queries with label matchers or aggregations
                    </div>
                  )}
                  <WorkbenchChart graph={graph} stacked={stacked} showQuery={runnable.length > 1} />
                </div>
              )
            ) : (
              <InstantTables runnable={runnable} results={instantResults} />
            )}
          </div>
        </div>
        <MetricBrowser names={names.data?.names ?? []} loading={names.isLoading} onPick={insertMetric} />
      </div>
    </div>
  );
}

function InstantTables({ runnable, results }: { runnable: Array<WorkbenchQuery & { index: number }>; results: Array<{ data?: PromQueryResponse; isLoading: boolean }> }) {
  const { params, set } = useUrlState();
  const sort: SortKey = params.get('sort') === 'series' ? 'series' : 'value';
  const dir = params.get('dir') === 'asc' ? 'asc' : 'desc';
  const header = (key: SortKey, label: string, className = '') => (
    <th className={`sortable ${className}`} aria-sort={sort === key ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" onClick={() => set({ sort: key, dir: sort === key && dir === 'desc' ? 'asc' : 'desc' })}>
        {label} {sort === key ? (dir === 'asc' ? '▲' : '▼') : ''}
      </button>
    </th>
  );
  return (
    <div className="wb-tables">
      {runnable.map((q, k) => {
        const r = results[k];
        const data = r?.data?.data;
        if (!data) return r?.isLoading ? <Loading key={q.index} /> : null;
        const table = instantTable(data);
        return (
          <div key={q.index} className="panel table-wrap" data-testid="wb-table" data-query={q.index}>
            <div className="panel-title wb-table-title">
              #{q.index + 1} <span className="mono">{q.expr}</span>
            </div>
            {table.kind === 'rows' ? (
              table.rows.length === 0 ? (
                <div className="table-empty">Empty result: no series matched at this instant.</div>
              ) : (
                <table className="table">
                  <thead>
                    <tr>
                      {header('series', 'Series')}
                      {header('value', 'Value', 'num')}
                    </tr>
                  </thead>
                  <tbody>
                    {sortRows(table.rows, sort, dir).map((row, i) => (
                      <tr key={`${row.name}:${i}`}>
                        <td className="mono">{row.name}</td>
                        <td className="num mono wb-value">{row.value}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            ) : (
              <div className="wb-scalar" data-testid="wb-scalar">
                <span className="muted small">{table.kind}</span> <span className="mono">{table.value}</span>
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

function MetricBrowser({ names, loading, onPick }: { names: Array<{ name: string; type: string; unit: string; help: string }>; loading: boolean; onPick: (name: string) => void }) {
  const [text, setText] = useState('');
  const shown = useMemo(() => rankMetricNames(names, text, 300), [names, text]);
  return (
    <aside className="panel wb-browser" data-testid="metric-browser">
      <div className="panel-title">Metrics ({names.length})</div>
      <input className="input mono" value={text} onChange={(e) => setText(e.target.value)} placeholder="Filter metric names  /" aria-label="Filter metric names" data-search data-testid="metric-search" spellCheck={false} />
      {loading ? (
        <Loading />
      ) : names.length === 0 ? (
        <div className="table-empty">No metrics in this time range.</div>
      ) : (
        <ul className="wb-browser-list">
          {shown.map((n) => (
            <li key={n.name}>
              <button type="button" className="link-button mono" onClick={() => onPick(n.name)} title={`${n.type}${n.unit ? ` · ${n.unit}` : ''}${n.help ? ` — ${n.help}` : ''}\nClick to insert into the editor`}>
                {n.name}
              </button>
              <span className="muted small">{n.type}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="hint">Click a name to insert it at the cursor of the focused query.</p>
    </aside>
  );
}
