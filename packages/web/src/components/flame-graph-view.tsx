import { useEffect, useMemo, useRef, useState } from 'react';
import type { FlameFrame, FlameGraph } from '../lib/flame-graph.js';
import { serviceColor } from '../lib/colors.js';
import { formatDurationNs } from '../lib/format.js';
import { cssVar, useTheme } from '../app/theme.js';
import { useElementWidth } from './use-element-width.js';

const FRAME_H = 20;

/**
 * Canvas flame graph (icicle, root on top). Canvas because a large trace has thousands of
 * frames; only the rows in view are drawn, so a 10,000-deep chain still scrolls. Click a
 * frame to zoom into it, click the root (or Reset) to zoom out.
 */
export function FlameGraphView({ graph, onOpenSpan }: { graph: FlameGraph; onOpenSpan: (spanId: string) => void }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const width = useElementWidth(hostRef);
  const [theme] = useTheme();
  const [focus, setFocus] = useState<FlameFrame | null>(null);
  const [hover, setHover] = useState<{ frame: FlameFrame; x: number; y: number } | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const viewHeight = Math.min(560, (graph.maxDepth + 1) * FRAME_H + 2);

  const byDepth = useMemo(() => {
    const rows: FlameFrame[][] = Array.from({ length: graph.maxDepth + 1 }, () => []);
    for (const f of graph.frames) rows[f.depth]!.push(f);
    return rows;
  }, [graph]);

  const view = focus ? { x0: focus.x0, x1: focus.x1, depth: focus.depth } : { x0: 0, x1: 1, depth: 0 };
  const isInFocus = (f: FlameFrame) => !focus || f.key === focus.key || f.key.startsWith(`${focus.key}\u0001`) || focus.key.startsWith(`${f.key}\u0001`);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = viewHeight * dpr;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${viewHeight}px`;
    const ctx = canvas.getContext('2d')!;
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, width, viewHeight);
    ctx.font = '11px ui-sans-serif, system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const textColor = '#fff';
    const dim = cssVar('--surface-2') || '#333';
    const firstRow = Math.floor(scrollTop / FRAME_H);
    const lastRow = Math.min(byDepth.length - 1, Math.ceil((scrollTop + viewHeight) / FRAME_H));
    const scale = width / (view.x1 - view.x0);
    for (let d = firstRow; d <= lastRow; d++) {
      const y = d * FRAME_H - scrollTop;
      for (const f of byDepth[d]!) {
        const x = (f.x0 - view.x0) * scale;
        const w = (f.x1 - f.x0) * scale;
        if (x + w < 0 || x > width || w < 0.5) continue;
        const inFocus = isInFocus(f);
        ctx.fillStyle = !inFocus ? dim : serviceColor(f.service);
        ctx.globalAlpha = d < view.depth ? 0.45 : 1;
        const drawX = Math.max(0, x);
        const drawW = Math.min(x + w, width) - drawX - 1;
        ctx.fillRect(drawX, y, drawW, FRAME_H - 1);
        if (f.errorCount && inFocus) {
          // Errors mark the frame without hiding which service it belongs to.
          ctx.fillStyle = '#e5484d';
          ctx.fillRect(drawX, y + FRAME_H - 4, drawW, 3);
        }
        if (drawW > 40) {
          ctx.fillStyle = textColor;
          const label = `${f.name}${f.count > 1 ? ` ×${f.count}` : ''}`;
          const maxChars = Math.floor((drawW - 8) / 6.2);
          ctx.fillText(label.length > maxChars ? `${label.slice(0, Math.max(0, maxChars - 1))}…` : label, drawX + 4, y + FRAME_H / 2);
        }
      }
    }
    ctx.globalAlpha = 1;
    // `isInFocus` and `view` derive from `focus`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [width, viewHeight, byDepth, focus, scrollTop, theme]);

  const frameAt = (clientX: number, clientY: number): FlameFrame | null => {
    const rect = canvasRef.current!.getBoundingClientRect();
    const depth = Math.floor((clientY - rect.top + scrollTop) / FRAME_H);
    const fx = view.x0 + ((clientX - rect.left) / width) * (view.x1 - view.x0);
    return byDepth[depth]?.find((f) => f.x0 <= fx && fx < f.x1) ?? null;
  };

  return (
    <div className="flame" ref={hostRef} data-testid="flame-graph">
      <div className="flame-toolbar">
        <span className="muted">
          {graph.frames.length.toLocaleString()} frames · widths are total time; same service and operation under the same parent are merged
        </span>
        {focus && (
          <button className="btn btn-small" onClick={() => setFocus(null)}>
            Reset zoom
          </button>
        )}
      </div>
      <div className="flame-scroll" ref={scrollRef} style={{ height: viewHeight }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div style={{ height: (graph.maxDepth + 1) * FRAME_H, position: 'relative' }}>
          <canvas
            ref={canvasRef}
            className="flame-canvas"
            style={{ position: 'sticky', top: 0 }}
            onMouseMove={(e) => {
              const f = frameAt(e.clientX, e.clientY);
              const rect = hostRef.current!.getBoundingClientRect();
              setHover(f ? { frame: f, x: e.clientX - rect.left, y: e.clientY - rect.top } : null);
            }}
            onMouseLeave={() => setHover(null)}
            onClick={(e) => {
              const f = frameAt(e.clientX, e.clientY);
              if (!f) return;
              setFocus(focus?.key === f.key || f.depth === 0 ? null : f);
            }}
            onDoubleClick={(e) => {
              const f = frameAt(e.clientX, e.clientY);
              if (f) onOpenSpan(f.spanIds[0]!);
            }}
          />
        </div>
      </div>
      {hover && (
        <div className="chart-tooltip" style={{ left: Math.min(width - 260, hover.x + 12), top: hover.y + 12 }}>
          <div className="tooltip-title">{hover.frame.name}</div>
          <div className="muted">{hover.frame.service}</div>
          <div>
            total {formatDurationNs(hover.frame.totalNs)} · self {formatDurationNs(hover.frame.selfNs)}
          </div>
          <div>
            {hover.frame.count} span{hover.frame.count === 1 ? '' : 's'}
            {hover.frame.errorCount ? ` · ${hover.frame.errorCount} errors` : ''} · {((hover.frame.totalNs / graph.totalNs) * 100).toFixed(1)}%
          </div>
          <div className="muted small">click to zoom · double-click to open in waterfall</div>
        </div>
      )}
    </div>
  );
}
