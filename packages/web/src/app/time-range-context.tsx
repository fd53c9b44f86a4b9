import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import {
  DEFAULT_RANGE,
  isRelative,
  parseRefreshInterval,
  resolveRange,
  zoomOut as zoomOutSpec,
  shiftRange,
  zoomTo,
  type RangeSpec,
  type ResolvedRange,
} from '../lib/time-range.js';

export interface TimeRangeState {
  spec: RangeSpec;
  /** The range queries use; re-resolved for relative specs only on refresh, so query keys stay stable. */
  range: ResolvedRange;
  /** Message when the URL holds an unreadable range (the default is used meanwhile). */
  error: string | null;
  refresh: string;
  refreshMs: number;
  setSpec(spec: RangeSpec): void;
  setRefresh(interval: string): void;
  /** Re-resolves `now` and refetches every visible query. */
  refreshNow(): void;
  /** Sets an absolute range (drag-zoom on a chart). */
  zoom(startMs: number, endMs: number): void;
  zoomOut(): void;
  shift(fraction: number): void;
}

const TimeRangeContext = createContext<TimeRangeState | null>(null);

export function TimeRangeProvider({ children }: { children: ReactNode }) {
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const from = params.get('from') ?? DEFAULT_RANGE.from;
  const to = params.get('to') ?? DEFAULT_RANGE.to;
  const refresh = params.get('refresh') ?? 'off';
  const refreshMs = parseRefreshInterval(refresh);
  const [tick, setTick] = useState(0);

  const { range, error } = useMemo(() => {
    const now = Date.now();
    const resolved = resolveRange({ from, to }, now);
    if (resolved.ok) return { range: resolved.range, error: null };
    const fallback = resolveRange(DEFAULT_RANGE, now);
    return { range: fallback.ok ? fallback.range : { start: now - 3_600_000, end: now }, error: resolved.error };
    // `tick` is the clock: bumping it re-reads Date.now().
  }, [from, to, tick]);

  const update = useCallback(
    (changes: Record<string, string | null>) => {
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === null) next.delete(k);
          else next.set(k, v);
        }
        return next;
      });
    },
    [setParams],
  );

  const refreshNow = useCallback(() => {
    setTick((t) => t + 1);
    void queryClient.invalidateQueries();
  }, [queryClient]);

  useEffect(() => {
    if (!refreshMs) return;
    const id = window.setInterval(() => {
      // A hidden tab does not need fresh data; it refreshes when the user comes back.
      if (document.visibilityState === 'visible') refreshNow();
    }, refreshMs);
    return () => window.clearInterval(id);
  }, [refreshMs, refreshNow]);

  const value = useMemo<TimeRangeState>(
    () => ({
      spec: { from, to },
      range,
      error,
      refresh,
      refreshMs,
      setSpec: (spec) => {
        update({ from: spec.from, to: spec.to });
        setTick((t) => t + 1);
      },
      setRefresh: (interval) => update({ refresh: interval === 'off' ? null : interval }),
      refreshNow,
      zoom: (a, b) => {
        const spec = zoomTo(a, b);
        update({ from: spec.from, to: spec.to });
      },
      zoomOut: () => {
        const spec = zoomOutSpec(range, Date.now());
        update({ from: spec.from, to: spec.to });
      },
      shift: (fraction) => {
        const spec = shiftRange(range, fraction);
        update({ from: spec.from, to: spec.to });
      },
    }),
    [from, to, range, error, refresh, refreshMs, update, refreshNow],
  );
  return <TimeRangeContext.Provider value={value}>{children}</TimeRangeContext.Provider>;
}

export function useTimeRange(): TimeRangeState {
  const ctx = useContext(TimeRangeContext);
  if (!ctx) throw new Error('useTimeRange outside TimeRangeProvider');
  return ctx;
}

/** True when the range follows `now` (auto-refresh only makes the picture move then). */
export function useIsLive(): boolean {
  const { spec } = useTimeRange();
  return isRelative(spec);
}
