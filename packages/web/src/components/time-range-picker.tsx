import { useEffect, useRef, useState } from 'react';
import { useTimeRange } from '../app/time-range-context.js';
import { QUICK_RANGES, REFRESH_INTERVALS, describeRange, formatInstant, parseTimeExpression, resolveRange } from '../lib/time-range.js';
import { IconChevronLeft, IconChevronRight, IconClock, IconRefresh, IconZoomOut } from './icons.js';

/** Shows an absolute instant in the editable format, keeps relative expressions as typed. */
function editable(expr: string): string {
  return /^\d{10,16}$/.test(expr) ? formatInstant(Number(expr)) : expr;
}

/** Stores typed dates as epoch ms so the URL is independent of the viewer's time zone. */
function toUrlForm(expr: string): string {
  const t = expr.trim();
  if (t.startsWith('now')) return t.replace(/\s+/g, '');
  const ms = parseTimeExpression(t, Date.now());
  return ms === null ? t : String(ms);
}

export const OPEN_TIME_PICKER_EVENT = 'sightline:open-time-picker';

export function TimeRangePicker() {
  const tr = useTimeRange();
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const fromRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!open) return;
    setFrom(editable(tr.spec.from));
    setTo(editable(tr.spec.to));
    setError(null);
    requestAnimationFrame(() => fromRef.current?.select());
    const onDown = (e: MouseEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open, tr.spec.from, tr.spec.to]);

  useEffect(() => {
    const onOpen = () => setOpen(true);
    window.addEventListener(OPEN_TIME_PICKER_EVENT, onOpen);
    return () => window.removeEventListener(OPEN_TIME_PICKER_EVENT, onOpen);
  }, []);

  const apply = () => {
    const spec = { from: toUrlForm(from), to: toUrlForm(to) };
    const resolved = resolveRange(spec, Date.now());
    if (!resolved.ok) {
      setError(resolved.error);
      return;
    }
    tr.setSpec(spec);
    setOpen(false);
  };

  return (
    <div className="time-controls" ref={rootRef}>
      <button className="btn btn-icon" title="Move back (half the range)" onClick={() => tr.shift(-0.5)} aria-label="Earlier">
        <IconChevronLeft />
      </button>
      <button
        className={`btn time-picker-button${tr.error ? ' invalid' : ''}`}
        onClick={() => setOpen((o) => !o)}
        aria-haspopup="dialog"
        aria-expanded={open}
        title={tr.error ?? 'Time range (t)'}
        data-testid="time-picker"
      >
        <IconClock />
        <span>{describeRange(tr.spec, Date.now())}</span>
      </button>
      <button className="btn btn-icon" title="Move forward" onClick={() => tr.shift(0.5)} aria-label="Later">
        <IconChevronRight />
      </button>
      <button className="btn btn-icon" title="Zoom out (z)" onClick={tr.zoomOut} aria-label="Zoom out">
        <IconZoomOut />
      </button>
      <div className="refresh-group">
        <button className="btn btn-icon" title="Refresh (r)" onClick={tr.refreshNow} aria-label="Refresh" data-testid="refresh">
          <IconRefresh />
        </button>
        <select className="refresh-select" value={tr.refresh} onChange={(e) => tr.setRefresh(e.target.value)} aria-label="Auto-refresh" title="Auto-refresh">
          {REFRESH_INTERVALS.map((r) => (
            <option key={r} value={r}>
              {r === 'off' ? 'Auto off' : `Every ${r}`}
            </option>
          ))}
        </select>
      </div>
      {open && (
        <div className="popover time-picker" role="dialog" aria-label="Time range">
          <form
            className="time-picker-custom"
            onSubmit={(e) => {
              e.preventDefault();
              apply();
            }}
          >
            <div className="popover-title">Range</div>
            <label>
              From
              <input ref={fromRef} value={from} onChange={(e) => setFrom(e.target.value)} placeholder="now-1h or 2026-01-31 14:00" spellCheck={false} />
            </label>
            <label>
              To
              <input value={to} onChange={(e) => setTo(e.target.value)} placeholder="now" spellCheck={false} />
            </label>
            {error && <div className="form-error">{error}</div>}
            <button className="btn btn-primary" type="submit">
              Apply
            </button>
            <p className="hint">
              Relative: <code>now-30m</code>, <code>now-2d</code>. Absolute: <code>2026-01-31 14:00</code>. Drag across any chart to zoom.
            </p>
          </form>
          <div className="time-picker-quick">
            <div className="popover-title">Quick ranges</div>
            {QUICK_RANGES.map((q) => (
              <button
                key={q.key}
                className={q.from === tr.spec.from && q.to === tr.spec.to ? 'quick active' : 'quick'}
                onClick={() => {
                  tr.setSpec({ from: q.from, to: q.to });
                  setOpen(false);
                }}
              >
                {q.label}
              </button>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
