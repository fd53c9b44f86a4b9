// Which tier answers a selector: the coarsest one fine enough for the step, range and
// function, built and kept over the window start; and some tier whenever raw data is gone.
import { describe, expect, it } from 'vitest';
import { chooseTier, tierFits, type TierState } from '../../../src/query/promql/tier-choice.js';
import type { SelectHint } from '../../../src/query/promql/engine.js';

const M = 60_000;
const H = 3_600_000;
const NOW = 1_000 * H;
const built = (untilMs: number, fromMs = -Infinity): TierState => ({
  rawAvailableFromMs: -Infinity,
  tiers: [
    { name: '1m', resolutionMs: M, builtUntilMs: untilMs, availableFromMs: fromMs },
    { name: '5m', resolutionMs: 5 * M, builtUntilMs: untilMs, availableFromMs: fromMs },
    { name: '1h', resolutionMs: H, builtUntilMs: untilMs, availableFromMs: fromMs },
  ],
});
const pick = (state: TierState, mint: number, hint: SelectHint) => chooseTier(state, mint, hint)?.name ?? 'raw';

describe('chooseTier', () => {
  const state = built(NOW);
  const plain = (stepMs?: number): SelectHint => ({ stepMs, lookbackMs: 5 * M, aggregate: 'last', minPoints: 1 });
  const over = (aggregate: SelectHint['aggregate'], rangeMs: number, stepMs?: number, minPoints = 1): SelectHint => ({ stepMs, rangeMs, aggregate, minPoints });

  it.each<[string, SelectHint, string]>([
    ['plain selector, step 15s', plain(15_000), 'raw'],
    ['plain selector, step 1m (approximate: needs step >= 5 buckets)', plain(M), 'raw'],
    ['plain selector, step 5m', plain(5 * M), '1m'],
    ['plain selector, step 1h (lookback 5m bounds it)', plain(H), '5m'],
    ['plain selector, instant query (approximate answers only in range queries)', plain(undefined), 'raw'],
    ['sum_over_time[1h] at step 1h', over('sum', H, H), '1h'],
    ['sum_over_time[1h] at step 5m', over('sum', H, 5 * M), '5m'],
    ['sum_over_time[90m] at step 1h (not a multiple of 1h)', over('sum', 90 * M, H), '5m'],
    ['avg_over_time[7m] at step 1h', over('avg', 7 * M, H), '1m'],
    ['rate[1h] at step 1h needs two points per window', over('last', H, H, 2), '5m'],
    ['rate[2h] at step 1h (1h buckets would be a whole step)', over('last', 2 * H, H, 2), '5m'],
    ['rate[2h] at step 6h', over('last', 2 * H, 6 * H, 2), '1h'],
    ['rate[1m] at step 15s', over('last', M, 15_000, 2), 'raw'],
    ['quantile_over_time needs raw', over('raw', H, H), 'raw'],
  ])('%s -> %s', (_name, hint, want) => {
    expect(pick(state, NOW - 24 * H, hint)).toBe(want);
  });

  it('uses exact aggregates only on windows aligned to the tier, and any window for last', () => {
    // An alert rule at 10:30 over [1h]: buckets would stick out of the window, so raw.
    expect(pick(state, NOW - 24 * H + 30 * M, over('avg', H, undefined))).toBe('5m');
    expect(pick(state, NOW - 24 * H + 7 * M, over('avg', H, undefined))).toBe('1m');
    expect(pick(state, NOW - 24 * H + 7_000, over('avg', H, undefined))).toBe('raw');
    expect(pick(state, NOW - 24 * H, over('sum', 2 * H, 90 * M))).toBe('5m');
    expect(pick(state, NOW - 24 * H + 7_000, over('last', 2 * H, 6 * H, 2))).toBe('1h');
  });

  it('uses a tier only where it is built over the window start and still held', () => {
    expect(pick(built(NOW - 48 * H), NOW - 24 * H, over('sum', H, H))).toBe('raw');
    expect(pick(built(NOW, NOW - 12 * H), NOW - 24 * H, over('sum', H, H))).toBe('raw');
  });

  it('honours forceRaw while raw data exists', () => {
    expect(pick(state, NOW - 24 * H, { ...over('sum', H, H), forceRaw: true })).toBe('raw');
  });

  it('falls back to the tier reaching furthest back (finest first) when raw data is gone', () => {
    const gone: TierState = { ...built(NOW), rawAvailableFromMs: NOW - 10 * 24 * H };
    expect(pick(gone, NOW - 20 * 24 * H, plain(15_000))).toBe('1m');
    expect(pick(gone, NOW - 20 * 24 * H, over('raw', H, H))).toBe('1m');
    const tiersDropped: TierState = {
      rawAvailableFromMs: NOW - 10 * 24 * H,
      tiers: [
        { name: '1m', resolutionMs: M, builtUntilMs: NOW, availableFromMs: NOW - 15 * 24 * H },
        { name: '5m', resolutionMs: 5 * M, builtUntilMs: NOW, availableFromMs: NOW - 90 * 24 * H },
        { name: '1h', resolutionMs: H, builtUntilMs: NOW, availableFromMs: -Infinity },
      ],
    };
    expect(pick(tiersDropped, NOW - 20 * 24 * H, plain(M))).toBe('5m');
    expect(pick(tiersDropped, NOW - 200 * 24 * H, plain(M))).toBe('1h');
    // Rules still pick the coarsest fitting tier when it holds the window.
    expect(pick(tiersDropped, NOW - 20 * 24 * H, over('sum', H, H))).toBe('1h');
  });

  it('tierFits spells out the rules', () => {
    const t = { name: '5m', resolutionMs: 5 * M, builtUntilMs: NOW, availableFromMs: -Infinity };
    expect(tierFits(t, over('max', 10 * M, 5 * M))).toBe(true);
    expect(tierFits(t, over('max', 12 * M, 5 * M))).toBe(false);
    expect(tierFits(t, over('last', 10 * M, 25 * M, 2))).toBe(true);
    expect(tierFits(t, over('last', 9 * M, 25 * M, 2))).toBe(false);
    // Bucket-last answers are approximate: only at steps of five buckets or more.
    expect(tierFits(t, over('last', 10 * M, 20 * M, 2))).toBe(false);
    expect(tierFits(t, plain(undefined))).toBe(false);
  });
});
