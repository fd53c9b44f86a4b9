import { useCallback, useRef, useState, type PointerEvent } from 'react';

/**
 * Drag-to-select on an SVG/HTML chart area: reports the selected pixel span on release.
 * Small drags (< 4px) count as clicks so click handlers on points keep working.
 */
export function useDragSelect(onSelect: (x0: number, x1: number) => void) {
  const origin = useRef<{ x: number; left: number } | null>(null);
  const [selection, setSelection] = useState<{ x0: number; x1: number } | null>(null);

  const onPointerDown = useCallback((e: PointerEvent<Element>) => {
    if (e.button !== 0) return;
    const rect = (e.currentTarget as Element).getBoundingClientRect();
    // Capture only once a drag starts: capturing on down would retarget the click of a
    // plain press to the chart and points could no longer be clicked.
    origin.current = { x: e.clientX - rect.left, left: rect.left };
  }, []);

  const onPointerMove = useCallback((e: PointerEvent<Element>) => {
    const o = origin.current;
    if (!o) return;
    const x = e.clientX - o.left;
    if (Math.abs(x - o.x) >= 4) {
      const el = e.currentTarget as Element;
      if (!el.hasPointerCapture?.(e.pointerId)) el.setPointerCapture?.(e.pointerId);
      setSelection({ x0: Math.min(o.x, x), x1: Math.max(o.x, x) });
    }
  }, []);

  const onPointerUp = useCallback(
    (e: PointerEvent<Element>) => {
      const o = origin.current;
      origin.current = null;
      setSelection(null);
      if (!o) return;
      const x = e.clientX - o.left;
      if (Math.abs(x - o.x) >= 4) onSelect(Math.min(o.x, x), Math.max(o.x, x));
    },
    [onSelect],
  );

  return { selection, handlers: { onPointerDown, onPointerMove, onPointerUp, onPointerCancel: () => ((origin.current = null), setSelection(null)) } };
}

/** Round tick values for a linear axis between 0 and `max`. */
export function linearTicks(max: number, target = 4): number[] {
  if (!(max > 0)) return [0];
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Tick instants for a time axis: round steps in local time, about `target` of them. */
export function timeTicks(start: number, end: number, target = 6): number[] {
  const steps = [1e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3];
  const raw = (end - start) / target;
  const step = steps.find((s) => s >= raw) ?? 86400e3 * Math.ceil(raw / 86400e3);
  const offset = new Date(start).getTimezoneOffset() * 60_000;
  const first = Math.ceil((start - offset) / step) * step + offset;
  const ticks: number[] = [];
  for (let t = first; t <= end; t += step) ticks.push(t);
  return ticks;
}

export function formatTick(ms: number, rangeMs: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  if (rangeMs > 2 * 86400e3) return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  if (rangeMs < 5 * 60e3) return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return `${p(d.getHours())}:${p(d.getMinutes())}`;
}
