import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api.js';
import { availableAreas } from '../app/nav.js';
import { useTimeRange } from '../app/time-range-context.js';
import { useRangeLink } from '../app/url-state.js';
import { IconSearch } from './icons.js';

interface Command {
  id: string;
  label: string;
  hint: string;
  to: string;
}

const TRACE_ID = /^[0-9a-f]{16,32}$/i;

/** Ctrl/⌘-K: jump to a page, a service or a trace id, or search logs for the text typed. */
export function CommandPalette({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const navigate = useNavigate();
  const link = useRangeLink();
  const { range } = useTimeRange();
  const input = useRef<HTMLInputElement>(null);
  const services = useQuery({ queryKey: ['services', range.start, range.end], queryFn: ({ signal }) => api.services(range, { signal }) });

  const commands = useMemo<Command[]>(() => {
    const t = text.trim();
    const needle = t.toLowerCase();
    const list: Command[] = [];
    if (TRACE_ID.test(t)) list.push({ id: 'trace', label: `Open trace ${t}`, hint: 'Trace', to: link(`/traces/${t.toLowerCase()}`) });
    for (const a of availableAreas()) if (!needle || a.label.toLowerCase().includes(needle)) list.push({ id: `nav-${a.key}`, label: a.label, hint: 'Go to', to: link(a.path) });
    for (const s of services.data?.services ?? []) {
      if (needle && !s.name.toLowerCase().includes(needle)) continue;
      list.push({ id: `svc-${s.name}`, label: s.name, hint: 'Service', to: link(`/services/${encodeURIComponent(s.name)}`) });
      if (list.length > 30) break;
    }
    if (t) list.push({ id: 'logs', label: `Search logs for “${t}”`, hint: 'Logs', to: link('/logs', { q: t }) });
    return list;
  }, [text, services.data, link]);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => setActive(0), [text]);

  const run = (c: Command | undefined) => {
    if (!c) return;
    onClose();
    navigate(c.to);
  };

  return (
    <div className="modal-backdrop" onMouseDown={onClose}>
      <div className="palette" role="dialog" aria-label="Search" onMouseDown={(e) => e.stopPropagation()}>
        <div className="palette-input">
          <IconSearch />
          <input
            ref={input}
            value={text}
            placeholder="Go to a page or service, paste a trace id, or search logs…"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') onClose();
              else if (e.key === 'ArrowDown') (e.preventDefault(), setActive((a) => Math.min(commands.length - 1, a + 1)));
              else if (e.key === 'ArrowUp') (e.preventDefault(), setActive((a) => Math.max(0, a - 1)));
              else if (e.key === 'Enter') run(commands[active]);
            }}
            aria-label="Search Sightline"
          />
        </div>
        <ul className="palette-list" role="listbox">
          {commands.map((c, i) => (
            <li key={c.id} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseEnter={() => setActive(i)} onClick={() => run(c)}>
              <span>{c.label}</span>
              <span className="muted">{c.hint}</span>
            </li>
          ))}
          {commands.length === 0 && <li className="muted">No matches</li>}
        </ul>
      </div>
    </div>
  );
}

export const SHORTCUTS: Array<[string, string]> = [
  ['Ctrl/⌘ K', 'Search pages, services, trace ids, logs'],
  ['/', 'Focus the search box of the page'],
  ['t', 'Open the time range picker'],
  ['z', 'Zoom out the time range'],
  ['r', 'Refresh'],
  ['g s / g t / g l / g m / g c', 'Go to Services / Traces / Logs / Metrics / Cardinality'],
  ['n / N', 'Next / previous match (trace search)'],
  ['?', 'Show this help'],
  ['Esc', 'Close dialogs and panels'],
];

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="modal-backdrop" onMouseDown={onClose}>
      <div className="modal" role="dialog" aria-label="Keyboard shortcuts" onMouseDown={(e) => e.stopPropagation()}>
        <h3>Keyboard shortcuts</h3>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([k, d]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{d}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
