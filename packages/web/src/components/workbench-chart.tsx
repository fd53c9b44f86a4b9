import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { mountPlot, themedAxes, usePlotHost, zoomOnSelect } from './time-series-chart.js';
import { formatCompact } from '../lib/format.js';
import { stackValues, type GraphData } from '../lib/workbench.js';

export const SERIES_COLORS = ['#3d7bfd', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#2ca58d', '#8f6fd6', '#d4a017'];

interface WorkbenchChartProps {
  graph: GraphData;
  stacked: boolean;
  /** Prefix legend entries with the query number (several queries on one graph). */
  showQuery: boolean;
  height?: number;
}

const formatValue = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : Math.abs(v) >= 1000 || v === 0 ? formatCompact(v) : String(Number(v.toPrecision(4))));

/**
 * Every series of every enabled query on one uPlot chart, optionally stacked, with a legend
 * that shows the values under the cursor (the last values otherwise). Clicking a legend entry
 * isolates that series; clicking it again shows all. Dragging zooms the app's time range.
 */
export function WorkbenchChart({ graph, stacked, showQuery, height = 320 }: WorkbenchChartProps) {
  const { host, plot, range, theme, zoomRef } = usePlotHost();
  const [cursorIdx, setCursorIdx] = useState<number | null>(null);
  const [isolated, setIsolated] = useState<number | null>(null);
  const isolatedRef = useRef(isolated);
  isolatedRef.current = isolated;

  // A new result set (other queries, other series) starts with every series visible.
  useEffect(() => setIsolated(null), [graph.series.length]);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const columns = graph.series.map((s) => s.values);
    const drawn = stacked ? stackValues(columns) : columns;
    const data: uPlot.AlignedData = [graph.x.map((t) => t / 1000), ...drawn];
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      scales: { x: { time: true, min: range.start / 1000, max: range.end / 1000 } },
      axes: themedAxes(range.end - range.start, formatValue, 64),
      cursor: { drag: { x: true, y: false, setScale: false } },
      legend: { show: false },
      series: [
        {},
        ...graph.series.map((s, i) => {
          const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
          return { label: s.name, stroke: color, width: 1.5, fill: stacked ? `${color}40` : undefined, spanGaps: false, points: { show: false }, show: isolatedRef.current === null || isolatedRef.current === i };
        }),
      ],
      // Stacked: fill each series down to the one below it, not to zero.
      bands: stacked ? graph.series.slice(1).map((_, i) => ({ series: [i + 2, i + 1] as [number, number] })) : undefined,
      hooks: { setCursor: [(u) => setCursorIdx(u.cursor.idx ?? null)], setSelect: [zoomOnSelect(zoomRef)] },
    };
    return mountPlot(plot, opts, data, el, height);
  }, [graph, stacked, height, range.start, range.end, theme]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    graph.series.forEach((_, i) => u.setSeries(i + 1, { show: isolated === null || isolated === i }));
  }, [isolated, graph]);

  // Values under the cursor; without a cursor, each series' last value.
  const values = useMemo(
    () =>
      graph.series.map((s) => {
        if (cursorIdx !== null) return s.values[cursorIdx] ?? null;
        for (let i = s.values.length - 1; i >= 0; i--) if (s.values[i] !== null) return s.values[i]!;
        return null;
      }),
    [graph, cursorIdx],
  );

  return (
    <div className="wb-chart">
      <div ref={host} className="ts-chart" role="img" aria-label="Query graph" data-testid="wb-graph" data-series={graph.series.length} />
      <div className="wb-legend-time muted small">{cursorIdx !== null && graph.x[cursorIdx] !== undefined ? new Date(graph.x[cursorIdx]!).toLocaleString() : 'last values'}</div>
      <ul className="wb-legend" data-testid="wb-legend">
        {graph.series.map((s, i) => (
          <li key={`${s.query}:${s.name}:${i}`} className={isolated !== null && isolated !== i ? 'dimmed' : isolated === i ? 'isolated' : ''}>
            <button type="button" onClick={() => setIsolated((cur) => (cur === i ? null : i))} title={isolated === i ? 'Show all series' : 'Show only this series'}>
              <span className="swatch" style={{ background: SERIES_COLORS[i % SERIES_COLORS.length] }} />
              {showQuery && <span className="wb-legend-query">#{s.query + 1}</span>}
              <span className="mono wb-legend-name">{s.name}</span>
              <span className="num wb-legend-value">{formatValue(values[i])}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
