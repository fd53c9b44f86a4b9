import { useCallback, useMemo, useRef, useState } from 'react';
import type { LogHistogramResponse } from '@sightline/client';
import { SEVERITY_COLORS } from '../lib/colors.js';
import { SEVERITY_ORDER } from '../lib/logs.js';
import { formatCompact } from '../lib/format.js';
import { useDragSelect, formatTick, linearTicks, timeTicks } from './drag-select.js';
import { useElementWidth } from './use-element-width.js';

const M = { top: 8, right: 12, bottom: 20, left: 44 };
// Stack from the bottom in increasing severity so errors sit on top where they are seen.
const STACK = [...SEVERITY_ORDER].reverse();

/** Log counts per bucket stacked by severity; drag to zoom the global range. */
export function SeverityHistogram({ data, start, end, onZoom, height = 120 }: { data: LogHistogramResponse; start: number; end: number; onZoom: (a: number, b: number) => void; height?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useElementWidth(ref);
  const [hover, setHover] = useState<number | null>(null);
  const innerW = Math.max(10, width - M.left - M.right);
  const innerH = height - M.top - M.bottom;
  const totals = useMemo(() => data.buckets.map((b) => STACK.reduce((s, k) => s + (b.counts[k] ?? 0), 0)), [data]);
  const ticks = linearTicks(Math.max(1, ...totals), 3);
  const yMax = ticks[ticks.length - 1]!;
  const x = (t: number) => ((t - start) / (end - start)) * innerW;
  const barW = Math.max(1, (data.stepMs / (end - start)) * innerW - 1);
  const onSelect = useCallback((x0: number, x1: number) => {
    const toTime = (px: number) => start + ((px - M.left) / innerW) * (end - start);
    onZoom(toTime(x0), toTime(x1));
  }, [start, end, innerW, onZoom]);
  const drag = useDragSelect(onSelect);
  const hovered = hover !== null ? data.buckets[hover] : undefined;

  return (
    <div ref={ref} className="histogram" data-testid="log-histogram">
      {width > 0 && (
        <svg width={width} height={height} className="chart-svg" {...drag.handlers} onPointerLeave={() => setHover(null)}>
          <g transform={`translate(${M.left},${M.top})`}>
            {ticks.map((v) => (
              <g key={v}>
                <line x1={0} x2={innerW} y1={innerH - (v / yMax) * innerH} y2={innerH - (v / yMax) * innerH} className="grid" />
                <text x={-6} y={innerH - (v / yMax) * innerH} className="axis-label" textAnchor="end" dominantBaseline="middle">
                  {formatCompact(v)}
                </text>
              </g>
            ))}
            {timeTicks(start, end, Math.max(2, Math.floor(innerW / 90))).map((t) => (
              <text key={t} x={x(t)} y={innerH + 14} className="axis-label" textAnchor="middle">
                {formatTick(t, end - start)}
              </text>
            ))}
            {data.buckets.map((b, i) => {
              let acc = 0;
              return (
                <g key={b.t} onPointerEnter={() => setHover(i)} opacity={hover === null || hover === i ? 1 : 0.7}>
                  <rect x={x(b.t)} y={0} width={barW} height={innerH} fill="transparent" />
                  {STACK.map((k) => {
                    const c = b.counts[k] ?? 0;
                    if (!c) return null;
                    const h = (c / yMax) * innerH;
                    acc += h;
                    return <rect key={k} x={x(b.t)} y={innerH - acc} width={barW} height={h} fill={SEVERITY_COLORS[k]} />;
                  })}
                </g>
              );
            })}
            {drag.selection && <rect x={drag.selection.x0 - M.left} width={drag.selection.x1 - drag.selection.x0} y={0} height={innerH} className="drag-selection" />}
          </g>
        </svg>
      )}
      {hovered && hover !== null && (
        <div className="chart-tooltip" style={{ left: Math.min(width - 180, M.left + x(hovered.t) + barW + 8), top: 4 }}>
          <div className="tooltip-title">{new Date(hovered.t).toLocaleString()}</div>
          {SEVERITY_ORDER.filter((k) => hovered.counts[k]).map((k) => (
            <div key={k}>
              <span className="swatch" style={{ background: SEVERITY_COLORS[k] }} /> {k}: {hovered.counts[k].toLocaleString()}
            </div>
          ))}
          <div className="muted">total {totals[hover]!.toLocaleString()}</div>
        </div>
      )}
    </div>
  );
}
