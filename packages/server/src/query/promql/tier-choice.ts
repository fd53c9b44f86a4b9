// Which rollup tier answers a selector. The coarsest tier that is fine enough for the query:
//   - resolution r <= the step the selector is evaluated at (instant queries: no step bound);
//   - approximate answers (plain selectors, rate() and its kin, from bucket-last samples):
//     range queries with step >= APPROX_STEP_BUCKETS * r only;
//   - instant-vector selectors: r <= the lookback delta, so every step still finds a point;
//   - range selectors: r * minPoints <= range (rate() needs two points per window), and for
//     min/max/sum/count/avg_over_time the range is a multiple of r, so a window aligned to r
//     covers whole buckets and the answer is exact;
//   - functions that need every sample (quantile_over_time, stddev_over_time, ...) read raw;
//   - min/max/sum/count/avg_over_time use a tier only when every window is aligned to r (the
//     window start and the step are multiples of r), so the answer equals raw; an alert rule
//     evaluated at an arbitrary time reads raw, not buckets that stick out of its window.
// A tier is used when it is built past the window start and still holds it; the source reads
// the tier up to its watermark and raw samples after it. Where raw samples of the window are
// gone (raw retention), a tier is used whatever the rules say: an approximate answer beats none.
import type { SelectHint } from './engine.js';

export interface TierInfo {
  name: string;
  resolutionMs: number;
  builtUntilMs: number;
  availableFromMs: number;
}

export interface TierState {
  rawAvailableFromMs: number;
  tiers: readonly TierInfo[];
}

const EXACT = new Set<SelectHint['aggregate']>(['min', 'max', 'sum', 'count', 'avg']);

/**
 * Selectors answered from bucket-last samples (plain selectors, rate() and its kin) are only
 * approximately what raw samples give: a point may come from up to one bucket earlier. They
 * read a tier only in range queries whose step is at least this many buckets, so the error
 * stays under a fifth of a step (Thanos' auto-downsampling rule); instant queries read raw.
 */
export const APPROX_STEP_BUCKETS = 5;

/** True when the tier's buckets are fine enough for the hint. */
export function tierFits(t: TierInfo, hint: SelectHint): boolean {
  const r = t.resolutionMs;
  if (hint.aggregate === 'raw') return false;
  if (hint.stepMs !== undefined && r > hint.stepMs) return false;
  if (!EXACT.has(hint.aggregate) && (hint.stepMs === undefined || r * APPROX_STEP_BUCKETS > hint.stepMs)) return false;
  if (hint.rangeMs === undefined) return r <= (hint.lookbackMs ?? 0);
  if (r * hint.minPoints > hint.rangeMs) return false;
  return !EXACT.has(hint.aggregate) || hint.rangeMs % r === 0;
}

/** The tier to read for the window [mintMs, maxtMs], or undefined for raw samples. */
export function chooseTier(state: TierState, mintMs: number, hint: SelectHint): TierInfo | undefined {
  if (hint.forceRaw) return undefined;
  if (hint.onlyWhereRawGone && mintMs >= state.rawAvailableFromMs) return undefined;
  const holds = (t: TierInfo) => t.builtUntilMs > mintMs && t.availableFromMs <= mintMs;
  const aligned = (t: TierInfo) => !EXACT.has(hint.aggregate) || (mod(mintMs, t.resolutionMs) === 0 && (hint.stepMs === undefined || hint.stepMs % t.resolutionMs === 0));
  let best: TierInfo | undefined;
  for (const t of state.tiers) {
    if (holds(t) && tierFits(t, hint) && aligned(t) && (!best || t.resolutionMs > best.resolutionMs)) best = t;
  }
  if (best || mintMs >= state.rawAvailableFromMs) return best;
  // Raw samples of the window are gone: the finest tier that holds the window start, else the
  // one that reaches back furthest.
  for (const t of state.tiers) {
    if (holds(t) && (!best || t.resolutionMs < best.resolutionMs)) best = t;
  }
  if (best) return best;
  for (const t of state.tiers) {
    if (t.builtUntilMs <= mintMs || t.availableFromMs >= state.rawAvailableFromMs) continue;
    if (!best || t.availableFromMs < best.availableFromMs) best = t;
  }
  return best;
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
