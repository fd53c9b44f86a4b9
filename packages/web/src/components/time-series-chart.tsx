import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTheme, cssVar } from '../app/theme.js';
import { useTimeRange } from '../app/time-range-context.js';
import { formatTick } from './drag-select.js';

/**
 * What every uPlot chart of the app needs: its host element, the plot, the global range,
 * the theme (charts redraw on a switch) and the app's zoom, kept current for uPlot's hooks.
 */
export function usePlotHost() {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { range, zoom } = useTimeRange();
  const [theme] = useTheme();
  const zoomRef = useRef(zoom);
  zoomRef.current = zoom;
  return { host, plot, range, theme, zoomRef };
}

/** A time x-axis over `rangeMs` and a value y-axis, in the theme's colours (read at draw time). */
export function themedAxes(rangeMs: number, format: (v: number) => string, ySize = 60): uPlot.Axis[] {
  const axisColor = cssVar('--text-muted');
  const gridColor = cssVar('--grid');
  return [
    { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor }, values: (_u, vals) => vals.map((v) => formatTick(v * 1000, rangeMs)) },
    { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor }, values: (_u, vals) => vals.map((v) => format(v)), size: ySize },
  ];
}

/** setSelect hook: a drag across the plot zooms the whole app's time range to it. */
export function zoomOnSelect(zoom: { current: (startMs: number, endMs: number) => void }): (u: uPlot) => void {
  return (u) => {
    if (u.select.width < 4) return;
    const a = u.posToVal(u.select.left, 'x') * 1000;
    const b = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    zoom.current(a, b);
  };
}

/** (Re)creates the plot in `el`, keeps it as wide as `el`, and returns the effect cleanup. */
export function mountPlot(plot: { current: uPlot | null }, opts: uPlot.Options, data: uPlot.AlignedData, el: HTMLElement, height: number): () => void {
  plot.current?.destroy();
  plot.current = new uPlot(opts, data, el);
  const ro = new ResizeObserver(() => {
    if (plot.current && el.clientWidth > 0) plot.current.setSize({ width: el.clientWidth, height });
  });
  ro.observe(el);
  return () => {
    ro.disconnect();
    plot.current?.destroy();
    plot.current = null;
  };
}

export interface ChartSeries {
  label: string;
  color: string;
  /** Epoch ms. */
  x: number[];
  y: Array<number | null>;
}

interface TimeSeriesChartProps {
  series: ChartSeries[];
  height?: number;
  /** Formats values on the y axis and in the legend. */
  format?: (v: number) => string;
  /** Draw bars/points instead of lines for sparse data. */
  points?: boolean;
  ariaLabel?: string;
}

/**
 * uPlot line chart over the global time range. Dragging selects a window and zooms the
 * whole app to it (the selection is applied to the URL, not only to this chart).
 */
export function TimeSeriesChart({ series, height = 220, format = (v) => String(v), points = false, ariaLabel }: TimeSeriesChartProps) {
  const { host, plot, range, theme, zoomRef } = usePlotHost();

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    // uPlot wants one shared x array: merge the series' timestamps (in seconds).
    const tables = series.map((s) => [s.x.map((t) => t / 1000), s.y] as uPlot.AlignedData);
    const data: uPlot.AlignedData = tables.length ? uPlot.join(tables as [uPlot.AlignedData, ...uPlot.AlignedData[]]) : [[]];
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      scales: { x: { time: true, min: range.start / 1000, max: range.end / 1000 }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] } },
      axes: themedAxes(range.end - range.start, format),
      cursor: { drag: { x: true, y: false, setScale: false } },
      // A one-series legend only repeats the panel title.
      legend: { show: series.length > 1 && series.length <= 25 },
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          fill: series.length === 1 ? `${s.color}22` : undefined,
          spanGaps: false,
          points: { show: points },
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : format(v)),
        })),
      ],
      hooks: { setSelect: [zoomOnSelect(zoomRef)] },
    };
    return mountPlot(plot, opts, data, el, height);
  }, [series, height, format, points, range.start, range.end, theme]);

  return <div ref={host} className="ts-chart" role="img" aria-label={ariaLabel} />;
}
