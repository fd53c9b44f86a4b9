import { describe, expect, it } from 'vitest';
import { sealUntil } from '../../src/storage/seal-scheduler.js';
import type { Store } from '../../src/storage/store.js';

const NOW = Date.UTC(2026, 10, 23, 15, 7);

function storeWith1mWatermark(ms: number): Store {
  return { rollupStatus: async () => ({ rawAvailableFromMs: -Infinity, tiers: [{ name: '1m', resolutionMs: 60_000, builtUntilMs: ms, availableFromMs: -Infinity }] }) } as unknown as Store;
}

describe('sealUntil', () => {
  it.each([
    ['an hour ended more than the grace ago', 0, false, -Infinity, Date.UTC(2026, 10, 23, 15)],
    ['grace reaching back into the previous hour', 10 * 60_000, false, -Infinity, Date.UTC(2026, 10, 23, 14)],
    ['behind the 1m rollup watermark (hour floor)', 0, true, NOW - 90 * 60_000, Date.UTC(2026, 10, 23, 13)],
    ['watermark ahead of the grace', 10 * 60_000, true, NOW, Date.UTC(2026, 10, 23, 14)],
  ])('%s', async (_, graceMs, afterRollups, watermark, want) => {
    expect(await sealUntil({ store: storeWith1mWatermark(watermark), clock: () => NOW, graceMs, afterRollups })).toBe(want);
  });

  it('seals nothing before the first rollup build', async () => {
    expect(await sealUntil({ store: storeWith1mWatermark(-Infinity), clock: () => NOW, graceMs: 0, afterRollups: true })).toBeLessThan(-1e15);
  });
});
