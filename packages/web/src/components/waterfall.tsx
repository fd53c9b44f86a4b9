import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { CriticalSection } from '../lib/critical-path.js';
import { axisTicks, type SpanNode, type TraceModel } from '../lib/trace-model.js';
import { serviceColor } from '../lib/colors.js';
import { formatDurationNs } from '../lib/format.js';
import { IconAlert, IconChevronDown, IconChevronRight } from './icons.js';

const ROW_HEIGHT = 26;
const INDENT = 12;
// Past this depth the indent stops growing; the depth number is shown instead.
const MAX_INDENT_DEPTH = 14;

interface WaterfallProps {
  model: TraceModel;
  rows: SpanNode[];
  critical: Map<string, CriticalSection[]> | null;
  selectedId: string | null;
  matches: ReadonlySet<string>;
  collapsed: ReadonlySet<string>;
  logCounts: Map<string, number>;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
  /** Row to bring into view; changes of the value trigger the scroll. */
  scrollTo: { id: string; seq: number } | null;
}

/** Time not covered by children, as [start,end] pairs relative to the trace. */
function selfSegments(node: SpanNode): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let cursor = node.startNs;
  for (const c of node.children) {
    if (c.startNs > cursor) out.push([cursor, Math.min(c.startNs, node.endNs)]);
    cursor = Math.max(cursor, Math.min(c.endNs, node.endNs));
    if (cursor >= node.endNs) break;
  }
  if (cursor < node.endNs) out.push([cursor, node.endNs]);
  return out;
}

export function Waterfall(props: WaterfallProps) {
  const { model, rows, scrollTo } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [nameWidth, setNameWidth] = useState(340);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });

  useEffect(() => {
    if (!scrollTo) return;
    const index = rows.findIndex((r) => r.id === scrollTo.id);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'center' });
    // Only a new request should scroll, not every re-render of the rows.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scrollTo]);

  const startResize = useCallback((e: React.PointerEvent) => {
    const startX = e.clientX;
    const startW = nameWidth;
    const move = (ev: PointerEvent) => setNameWidth(Math.max(160, Math.min(900, startW + ev.clientX - startX)));
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }, [nameWidth]);

  const duration = model.durationNs || 1;
  const ticks = axisTicks(duration, 5);

  return (
    <div className="waterfall" data-testid="waterfall" style={{ ['--name-width' as string]: `${nameWidth}px` }}>
      <div className="wf-header">
        <div className="wf-name-cell wf-header-name">
          Service &amp; operation
          <span className="wf-resize" onPointerDown={startResize} title="Drag to resize" />
        </div>
        <div className="wf-timeline wf-axis">
          {ticks.map((t) => (
            <span key={t} className="wf-tick" style={{ left: `${(t / duration) * 100}%` }}>
              {t === 0 ? '0' : formatDurationNs(t)}
            </span>
          ))}
        </div>
      </div>
      <div className="wf-body" ref={scrollRef} tabIndex={0} aria-label="Spans" role="tree">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          <div className="wf-gridlines" aria-hidden="true">
            {ticks.map((t) => (
              <span key={t} style={{ left: `calc(var(--name-width) + (100% - var(--name-width)) * ${t / duration})` }} />
            ))}
          </div>
          {virtualizer.getVirtualItems().map((item) => {
            const node = rows[item.index]!;
            return (
              <WaterfallRow
                key={node.id}
                node={node}
                top={item.start}
                duration={duration}
                critical={props.critical?.get(node.id)}
                showCritical={props.critical !== null}
                selected={props.selectedId === node.id}
                match={props.matches.has(node.id)}
                collapsed={props.collapsed.has(node.id)}
                logCount={props.logCounts.get(node.id) ?? 0}
                onSelect={props.onSelect}
                onToggle={props.onToggle}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

interface RowProps {
  node: SpanNode;
  top: number;
  duration: number;
  critical: CriticalSection[] | undefined;
  showCritical: boolean;
  selected: boolean;
  match: boolean;
  collapsed: boolean;
  logCount: number;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
}

const WaterfallRow = memo(function WaterfallRow({ node, top, duration, critical, showCritical, selected, match, collapsed, logCount, onSelect, onToggle }: RowProps) {
  const span = node.span;
  const color = serviceColor(span.serviceName);
  const left = (node.startNs / duration) * 100;
  const width = (node.durationNs / duration) * 100;
  const pct = (ns: number) => (node.durationNs > 0 ? ((ns - node.startNs) / node.durationNs) * 100 : 0);
  // Wide bars carry their label inside; narrow ones beside them, on whichever side has room.
  const labelPlace = width > 40 ? 'inside' : left + width > 75 ? 'left' : 'right';
  const indentDepth = Math.min(node.depth, MAX_INDENT_DEPTH);
  const cls = ['wf-row', selected && 'selected', match && 'match', node.isError && 'error', showCritical && critical && 'critical'].filter(Boolean).join(' ');
  return (
    <div
      className={cls}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      onClick={() => onSelect(node.id)}
      role="treeitem"
      aria-selected={selected}
      aria-expanded={node.children.length ? !collapsed : undefined}
      aria-level={node.depth + 1}
      data-span-id={node.id}
    >
      <div className="wf-name-cell" style={{ paddingLeft: 6 + indentDepth * INDENT }}>
        {node.children.length > 0 ? (
          <button
            className="wf-toggle"
            onClick={(e) => {
              e.stopPropagation();
              onToggle(node.id);
            }}
            aria-label={collapsed ? 'Expand' : 'Collapse'}
            title={`${collapsed ? 'Expand' : 'Collapse'} (${node.descendants} spans below)`}
          >
            {collapsed ? <IconChevronRight width={12} height={12} /> : <IconChevronDown width={12} height={12} />}
          </button>
        ) : (
          <span className="wf-toggle-space" />
        )}
        <span className="wf-service-mark" style={{ background: color }} />
        {node.depth > MAX_INDENT_DEPTH && <span className="wf-depth">{node.depth}</span>}
        <span className="wf-service">{span.serviceName}</span>
        <span className="wf-op" title={span.name}>
          {span.name}
        </span>
        {node.isError && <IconAlert width={12} height={12} className="wf-error-icon" />}
        {collapsed && <span className="wf-hidden-count">+{node.descendants}</span>}
        {logCount > 0 && (
          <span className="wf-log-count" title={`${logCount} log records`}>
            {logCount} log{logCount === 1 ? '' : 's'}
          </span>
        )}
      </div>
      <div className="wf-timeline">
        <div className="wf-bar" style={{ left: `${left}%`, width: `${width}%`, ['--bar-color' as string]: node.isError ? 'var(--error)' : color }}>
          {selfSegments(node).map(([a, b]) => (
            <span key={a} className="wf-self" style={{ left: `${pct(a)}%`, width: `${pct(b) - pct(a)}%` }} />
          ))}
          {showCritical &&
            critical?.map((s) => <span key={s.startNs} className="wf-critical" style={{ left: `${pct(s.startNs)}%`, width: `${pct(s.endNs) - pct(s.startNs)}%` }} />)}
        </div>
        <span
          className={`wf-bar-label ${labelPlace}`}
          style={labelPlace === 'inside' ? { left: `${left}%` } : labelPlace === 'left' ? { right: `${100 - left}%` } : { left: `${left + width}%` }}
        >
          {formatDurationNs(node.durationNs)}
          {node.children.length > 0 && node.selfNs !== node.durationNs && <span className="muted"> · self {formatDurationNs(node.selfNs)}</span>}
        </span>
      </div>
    </div>
  );
});
