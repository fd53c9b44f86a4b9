import { afterEach, describe, expect, it, vi } from 'vitest';
import { RetentionScheduler } from '../../src/storage/retention-scheduler.js';
import type { RetentionResult, Store } from '../../src/storage/store.js';

const policy = { tracesDays: 7, logsDays: 7, metricsDays: 30 };

function fakeStore(run: (nowMs: number) => Promise<RetentionResult[]>) {
  const calls: number[] = [];
  const store = { applyRetention: (_p: unknown, nowMs: number) => (calls.push(nowMs), run(nowMs)) } as unknown as Store;
  return { store, calls };
}

describe('RetentionScheduler', () => {
  afterEach(() => vi.useRealTimers());

  it('runs soon after start and then every interval, with the injected clock', async () => {
    vi.useFakeTimers();
    const { store, calls } = fakeStore(async () => []);
    const s = new RetentionScheduler({ store, clock: () => 42, policy, intervalMs: 60_000 });
    s.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toEqual([42]);
    await vi.advanceTimersByTimeAsync(55_000);
    expect(calls).toEqual([42, 42]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([42, 42, 42]);
    s.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(3);
  });

  it('does not run after stop(), not even the first run', async () => {
    vi.useFakeTimers();
    const { store, calls } = fakeStore(async () => []);
    const s = new RetentionScheduler({ store, clock: () => 1, policy, intervalMs: 60_000 });
    s.start();
    s.stop();
    await vi.advanceTimersByTimeAsync(300_000);
    expect(calls).toEqual([]);
  });

  it('never overlaps runs and reports failures instead of throwing', async () => {
    let release!: () => void;
    const { store, calls } = fakeStore(() => new Promise((_, reject) => (release = () => reject(new Error('disk busy')))));
    const seen: unknown[] = [];
    const s = new RetentionScheduler({ store, clock: () => 7, policy, intervalMs: 60_000, onRun: (result, error) => seen.push([result, error?.message]) });
    const a = s.runOnce();
    const b = s.runOnce();
    expect(a).toBe(b);
    expect(calls).toHaveLength(1);
    release();
    expect(await a).toEqual([]);
    expect(seen).toEqual([[[], 'disk busy']]);
  });
});
