import { useCallback, useMemo, useRef, useState } from 'react';
import { useDragSelect, formatTick, linearTicks, timeTicks } from './drag-select.js';
import { formatDurationNs } from '../lib/format.js';
import { useElementWidth } from './use-element-width.js';

export interface ScatterPoint {
  id: string;
  /** Epoch ms. */
  t: number;
  /** Duration, ns. */
  durationNs: number;
  error: boolean;
  label: string;
}

interface ScatterPlotProps {
  points: ScatterPoint[];
  start: number;
  end: number;
  onOpen: (id: string) => void;
  onZoom: (startMs: number, endMs: number) => void;
  height?: number;
}

const M = { top: 10, right: 16, bottom: 22, left: 56 };

/** Duration-over-time scatter of trace search results; click opens a trace, drag zooms. */
export function ScatterPlot({ points, start, end, onOpen, onZoom, height = 180 }: ScatterPlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useElementWidth(ref);
  const [hover, setHover] = useState<ScatterPoint | null>(null);
  const innerW = Math.max(10, width - M.left - M.right);
  const innerH = height - M.top - M.bottom;
  const maxDur = useMemo(() => Math.max(1, ...points.map((p) => p.durationNs)) * 1.1, [points]);
  const yTicks = linearTicks(maxDur, 4);
  const yMax = yTicks[yTicks.length - 1]! || maxDur;
  const x = (t: number) => ((t - start) / (end - start)) * innerW;
  const y = (d: number) => innerH - (d / yMax) * innerH;
  const onSelect = useCallback((x0: number, x1: number) => {
    const toTime = (px: number) => start + ((px - M.left) / innerW) * (end - start);
    onZoom(toTime(x0), toTime(x1));
  }, [start, end, innerW, onZoom]);
  const drag = useDragSelect(onSelect);

  return (
    <div ref={ref} className="scatter" data-testid="trace-scatter">
      {width > 0 && (
        <svg width={width} height={height} {...drag.handlers} className="chart-svg">
          <g transform={`translate(${M.left},${M.top})`}>
            {yTicks.map((v) => (
              <g key={v}>
                <line x1={0} x2={innerW} y1={y(v)} y2={y(v)} className="grid" />
                <text x={-6} y={y(v)} className="axis-label" textAnchor="end" dominantBaseline="middle">
                  {formatDurationNs(v)}
                </text>
              </g>
            ))}
            {timeTicks(start, end, Math.max(2, Math.floor(innerW / 90))).map((t) => (
              <text key={t} x={x(t)} y={innerH + 15} className="axis-label" textAnchor="middle">
                {formatTick(t, end - start)}
              </text>
            ))}
            {points.map((p) => (
              <circle
                key={p.id}
                cx={x(p.t)}
                cy={y(p.durationNs)}
                r={hover?.id === p.id ? 6 : 4}
                className={p.error ? 'dot dot-error' : 'dot'}
                onPointerEnter={() => setHover(p)}
                onPointerLeave={() => setHover((h) => (h?.id === p.id ? null : h))}
                onClick={() => onOpen(p.id)}
                data-trace-id={p.id}
              />
            ))}
            {drag.selection && <rect x={drag.selection.x0 - M.left} width={drag.selection.x1 - drag.selection.x0} y={0} height={innerH} className="drag-selection" />}
          </g>
        </svg>
      )}
      {hover && (
        <div className="chart-tooltip" style={{ left: Math.min(width - 220, M.left + x(hover.t) + 10), top: M.top + y(hover.durationNs) - 10 }}>
          <div className="tooltip-title">{hover.label}</div>
          <div>{formatDurationNs(hover.durationNs)}{hover.error ? ' · error' : ''}</div>
          <div className="muted">{new Date(hover.t).toLocaleTimeString()}</div>
        </div>
      )}
    </div>
  );
}
