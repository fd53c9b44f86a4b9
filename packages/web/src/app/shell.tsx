import { Suspense, useEffect, useRef, useState, type ComponentType } from 'react';
import { NavLink, Outlet, useNavigate, useNavigation } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api.js';
import { matchesExactly, NAV_AREAS, NAV_GROUPS } from './nav.js';
import { TimeRangeProvider, useTimeRange } from './time-range-context.js';
import { useRangeLink } from './url-state.js';
import { useTheme } from './theme.js';
import { TimeRangePicker, OPEN_TIME_PICKER_EVENT } from '../components/time-range-picker.js';
import { CommandPalette, ShortcutsHelp } from '../components/command-palette.js';
import { IconKeyboard, IconLogs, IconCardinality, IconMetrics, IconMoon, IconSearch, IconServices, IconSun, IconTraces } from '../components/icons.js';
import { Loading } from '../components/states.js';

const NAV_ICONS: Record<string, ComponentType> = { services: IconServices, traces: IconTraces, logs: IconLogs, metrics: IconMetrics, cardinality: IconCardinality };

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

function useGlobalShortcuts(openPalette: () => void, openHelp: () => void) {
  const navigate = useNavigate();
  const link = useRangeLink();
  const tr = useTimeRange();
  const pendingG = useRef(0);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        openPalette();
        return;
      }
      if (e.metaKey || e.ctrlKey || e.altKey || isTyping(e.target)) return;
      if (Date.now() - pendingG.current < 1200) {
        pendingG.current = 0;
        const to = NAV_AREAS.find((a) => a.available && a.shortcut === `g ${e.key}`)?.path;
        if (to) {
          e.preventDefault();
          navigate(link(to));
        }
        return;
      }
      switch (e.key) {
        case 'g':
          pendingG.current = Date.now();
          break;
        case '/': {
          const box = document.querySelector<HTMLInputElement>('[data-search]');
          if (box) {
            e.preventDefault();
            box.focus();
            box.select();
          }
          break;
        }
        case 't':
          e.preventDefault();
          window.dispatchEvent(new Event(OPEN_TIME_PICKER_EVENT));
          break;
        case 'z':
          tr.zoomOut();
          break;
        case 'r':
          tr.refreshNow();
          break;
        case '?':
          openHelp();
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate, link, tr, openPalette, openHelp]);
}

function Sidebar({ onSearch, onHelp }: { onSearch: () => void; onHelp: () => void }) {
  const link = useRangeLink();
  const [theme, toggleTheme] = useTheme();
  const info = useQuery({ queryKey: ['info'], queryFn: ({ signal }) => api.info({ signal }), staleTime: 60_000 });
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true">
          <circle cx="16" cy="16" r="14" fill="var(--accent)" />
          <path d="M6 16h5l3-7 4 14 3-7h5" stroke="white" strokeWidth="2.5" fill="none" strokeLinejoin="round" />
        </svg>
        <span>Sightline</span>
      </div>
      <button className="nav-search" onClick={onSearch} title="Search (Ctrl/⌘ K)">
        <IconSearch /> <span>Search</span> <kbd>⌘K</kbd>
      </button>
      {NAV_GROUPS.map((group) => {
        const areas = NAV_AREAS.filter((a) => a.group === group.key && a.available);
        if (!areas.length) return null;
        return (
          <div className="nav-group" key={group.key}>
            <div className="nav-group-label">{group.label}</div>
            {areas.map((a) => {
              const Icon = NAV_ICONS[a.key];
              return (
                <NavLink key={a.key} to={link(a.path)} end={matchesExactly(a)} className={({ isActive }) => (isActive ? 'nav-link active' : 'nav-link')} title={a.shortcut ? `${a.label} (${a.shortcut})` : a.label}>
                  {Icon && <Icon />}
                  <span>{a.label}</span>
                </NavLink>
              );
            })}
          </div>
        );
      })}
      <div className="sidebar-footer">
        <button className="btn btn-ghost" onClick={toggleTheme} title="Toggle theme" data-testid="theme-toggle">
          {theme === 'dark' ? <IconSun /> : <IconMoon />} <span>{theme === 'dark' ? 'Light' : 'Dark'} theme</span>
        </button>
        <button className="btn btn-ghost" onClick={onHelp} title="Keyboard shortcuts (?)">
          <IconKeyboard /> <span>Shortcuts</span>
        </button>
        {info.data && <div className="version">v{info.data.version}</div>}
      </div>
    </nav>
  );
}

function ShellFrame() {
  const [palette, setPalette] = useState(false);
  const [help, setHelp] = useState(false);
  const navigation = useNavigation();
  useGlobalShortcuts(
    () => setPalette(true),
    () => setHelp(true),
  );
  return (
    <div className="shell">
      <Sidebar onSearch={() => setPalette(true)} onHelp={() => setHelp(true)} />
      <div className="main">
        <header className="topbar">
          <div className={navigation.state === 'loading' ? 'route-progress active' : 'route-progress'} />
          <div className="topbar-spacer" />
          <TimeRangePicker />
        </header>
        <main className="content">
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
      {palette && <CommandPalette onClose={() => setPalette(false)} />}
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

export function Shell() {
  return (
    <TimeRangeProvider>
      <ShellFrame />
    </TimeRangeProvider>
  );
}
