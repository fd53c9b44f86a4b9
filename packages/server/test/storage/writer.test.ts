// Group-commit writer against a scripted store: commit timing, batching, back-pressure and
// failures, deterministic (the real-store behaviour is in the contract suite).
import { describe, expect, it } from 'vitest';
import type { LogBatch, SampleBatch, SpanBatch } from '../../src/storage/batches.js';
import type { Store, WriteResult } from '../../src/storage/store.js';
import { createWriter } from '../../src/storage/writer.js';
import { logBatch, sampleBatch, series, spanBatch } from './batch-helpers.js';

interface Call {
  signal: 'traces' | 'logs' | 'metrics';
  batches: unknown[];
  finish: (r: WriteResult | Error) => void;
}

/** A store whose commits complete only when the test says so. */
function scriptedStore(concurrency?: (signal: Call['signal']) => number) {
  const calls: Call[] = [];
  const waiters: Array<() => void> = [];
  const commit = (signal: Call['signal'], batches: unknown[]) =>
    new Promise<WriteResult>((resolve, reject) => {
      calls.push({ signal, batches, finish: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      waiters.splice(0).forEach((w) => w());
    });
  const store = {
    writeSpans: (b: SpanBatch[]) => commit('traces', b),
    writeLogs: (b: LogBatch[]) => commit('logs', b),
    writeSamples: (b: SampleBatch[]) => commit('metrics', b),
    ...(concurrency ? { writeConcurrency: concurrency } : {}),
  } as unknown as Store;
  const nextCall = async (index: number): Promise<Call> => {
    while (calls.length <= index) await new Promise<void>((r) => waiters.push(r));
    return calls[index]!;
  };
  return { store, calls, nextCall };
}

const spans = (n: number) => spanBatch('default', Array.from({ length: n }, (_, i) => ({ traceId: 'a'.repeat(32), spanId: i.toString(16).padStart(16, '0'), startMs: 1_000 + i })));
const logs = (n: number) => logBatch('default', Array.from({ length: n }, (_, i) => ({ timeMs: 1_000 + i })));
const ok = (rows: number): WriteResult => ({ status: 'ok', rows });

/** Settles pending promise callbacks so "not yet resolved" can be observed. */
const tick = () => new Promise((r) => setImmediate(r));

describe('group-commit writer', () => {
  it('batches requests that arrive within one interval into one commit', async () => {
    const { store, calls, nextCall } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 20, maxQueueRows: 1000, maxBatchRows: 1000 });
    const results = [writer.write(spans(2)), writer.write(spans(3)), writer.write(spans(1))];
    const call = await nextCall(0);
    expect(call.batches).toHaveLength(3);
    call.finish(ok(6));
    expect(await Promise.all(results)).toEqual([ok(2), ok(3), ok(1)]);
    expect(calls).toHaveLength(1);
    await writer.close();
  });

  it('resolves a request only after its commit finished', async () => {
    const { store, nextCall } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 5 });
    let settled = false;
    const result = writer.write(spans(1)).then((r) => ((settled = true), r));
    const call = await nextCall(0);
    await tick();
    expect(settled).toBe(false);
    expect(writer.stats().queueRows).toBe(1);
    call.finish(ok(1));
    expect(await result).toEqual(ok(1));
    expect(writer.stats().queueRows).toBe(0);
    await writer.close();
  });

  it('flushes early once maxBatchRows are waiting, and never takes more than that', async () => {
    const { store, nextCall } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 60_000, maxQueueRows: 1000, maxBatchRows: 10 });
    const a = writer.write(spans(6));
    const b = writer.write(spans(6));
    const c = writer.write(spans(6));
    const first = await nextCall(0);
    expect(first.batches).toHaveLength(1);
    first.finish(ok(6));
    expect(await a).toEqual(ok(6));
    const second = await nextCall(1);
    expect(second.batches).toHaveLength(1);
    second.finish(ok(6));
    const closing = writer.close();
    (await nextCall(2)).finish(ok(6));
    await closing;
    expect(await Promise.all([b, c])).toEqual([ok(6), ok(6)]);
  });

  it('refuses with a retry hint when the queue is full, then accepts again', async () => {
    const { store, nextCall } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 5, maxQueueRows: 10, maxBatchRows: 100 });
    const first = writer.write(spans(8));
    const refused = await writer.write(spans(5));
    expect(refused).toMatchObject({ status: 'retryable', reason: expect.stringContaining('queue full') });
    expect((refused as { afterMs: number }).afterMs).toBeGreaterThanOrEqual(5);
    expect(writer.stats()).toMatchObject({ queueRows: 8, rejectedRequests: 1, rejectedRows: 5 });
    (await nextCall(0)).finish(ok(8));
    expect(await first).toEqual(ok(8));
    const again = writer.write(spans(5));
    (await nextCall(1)).finish(ok(5));
    expect(await again).toEqual(ok(5));
    await writer.close();
  });

  it('takes a request larger than the queue bound when nothing else waits', async () => {
    const { store, nextCall } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 5, maxQueueRows: 4, maxBatchRows: 4 });
    const big = writer.write(spans(9));
    (await nextCall(0)).finish(ok(9));
    expect(await big).toEqual(ok(9));
    await writer.close();
  });

  it('answers failed to every request of a failed commit and keeps going', async () => {
    const { store, nextCall } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 5 });
    const a = writer.write(spans(1));
    const b = writer.write(spans(1));
    const boom = new Error('disk full');
    (await nextCall(0)).finish({ status: 'failed', error: boom });
    expect(await Promise.all([a, b])).toEqual([
      { status: 'failed', error: boom },
      { status: 'failed', error: boom },
    ]);
    const c = writer.write(spans(1));
    (await nextCall(1)).finish(new Error('store threw'));
    expect(await c).toMatchObject({ status: 'failed', error: { message: 'store threw' } });
    const d = writer.write(spans(1));
    (await nextCall(2)).finish(ok(1));
    expect(await d).toEqual(ok(1));
    expect(writer.stats()).toMatchObject({ commits: 3, failedCommits: 2, rowsWritten: 1, queueRows: 0 });
    await writer.close();
  });

  it('commits each signal on its own, side by side', async () => {
    const { store, nextCall } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 5 });
    const s = writer.write(spans(2));
    const l = writer.write(logs(3));
    const [c0, c1] = [await nextCall(0), await nextCall(1)];
    expect([c0.signal, c1.signal].sort()).toEqual(['logs', 'traces']);
    // logs commit while the traces commit is still open
    (c0.signal === 'logs' ? c0 : c1).finish(ok(3));
    expect(await l).toEqual(ok(3));
    (c0.signal === 'traces' ? c0 : c1).finish(ok(2));
    expect(await s).toEqual(ok(2));
    await writer.close();
  });

  it('commits metrics at their own interval while spans wait for theirs', async () => {
    const { store, calls, nextCall } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 60_000, metricsFlushIntervalMs: 5 });
    const up = (t: number) => sampleBatch('default', [{ series: series('up'), timeMs: t, value: 1 }]);
    // An idle lane commits at once; the next commit of each lane waits for its interval.
    const firstSpans = writer.write(spans(1));
    (await nextCall(0)).finish(ok(1));
    expect(await firstSpans).toEqual(ok(1));
    const firstSamples = writer.write(up(1_000));
    (await nextCall(1)).finish(ok(1));
    expect(await firstSamples).toEqual(ok(1));
    const pendingSpans = writer.write(spans(1));
    const samples = writer.write(up(2_000));
    const third = await nextCall(2);
    expect(third.signal).toBe('metrics');
    third.finish(ok(1));
    expect(await samples).toEqual(ok(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(3); // the span lane still waits for its 60 s interval
    const closing = writer.close();
    (await nextCall(3)).finish(ok(1));
    await closing;
    expect(await pendingSpans).toEqual(ok(1));
    expect(() => createWriter(store, { metricsFlushIntervalMs: 0 })).toThrow(/metricsFlushIntervalMs/);
  });

  it('keeps as many commits of a signal in flight as the store can run, never more', async () => {
    const { store, calls, nextCall } = scriptedStore((signal) => (signal === 'traces' ? 2 : 1));
    const writer = createWriter(store, { flushIntervalMs: 5, maxBatchRows: 10 });
    const first = writer.write(spans(10));
    const c0 = await nextCall(0);
    // The second commit starts while the first is still open ...
    const second = writer.write(spans(10));
    const c1 = await nextCall(1);
    // ... but a third waits for one of them.
    const third = writer.write(spans(10));
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toHaveLength(2);
    // Either may finish first; each request is answered by its own commit.
    c1.finish(ok(10));
    expect(await second).toEqual(ok(10));
    const c2 = await nextCall(2);
    expect(c2.batches).toHaveLength(1);
    c0.finish(ok(10));
    c2.finish(ok(10));
    expect(await Promise.all([first, third])).toEqual([ok(10), ok(10)]);
    // Logs stay one commit at a time.
    const l1 = writer.write(logs(10));
    const l2 = writer.write(logs(10));
    const c3 = await nextCall(3);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toHaveLength(4);
    c3.finish(ok(10));
    (await nextCall(4)).finish(ok(10));
    expect(await Promise.all([l1, l2])).toEqual([ok(10), ok(10)]);
    await writer.close();
  });

  it('with several commit slots starts a flush as soon as eagerFlushRows wait and a slot is free; one slot keeps the interval', async () => {
    const wait = () => new Promise((r) => setTimeout(r, 30));
    const { store, calls, nextCall } = scriptedStore((signal) => (signal === 'traces' ? 2 : 1));
    // An interval far beyond the test: any flush after the first comes from the eager rule.
    const writer = createWriter(store, { flushIntervalMs: 60_000, metricsFlushIntervalMs: 60_000, eagerFlushRows: 5 });
    const a = writer.write(spans(2));
    const c0 = await nextCall(0);
    const b = writer.write(spans(3));
    await wait();
    expect(calls).toHaveLength(1); // 3 rows: below the threshold, the interval holds them
    const c = writer.write(spans(3));
    const c1 = await nextCall(1); // 6 rows and a free slot: at once
    expect(c1.batches).toHaveLength(2);
    const d = writer.write(spans(5));
    await wait();
    expect(calls).toHaveLength(2); // both slots busy
    c0.finish(ok(2));
    const c2 = await nextCall(2); // a slot came free with 5 rows waiting
    expect(c2.batches).toHaveLength(1);
    c1.finish(ok(6));
    c2.finish(ok(5));
    expect(await Promise.all([a, b, c, d])).toEqual([ok(2), ok(3), ok(3), ok(5)]);
    // Logs have one slot: 10 rows waiting behind a commit still wait for the interval.
    const l1 = writer.write(logs(2));
    const c3 = await nextCall(3);
    const l2 = writer.write(logs(10));
    c3.finish(ok(2));
    await wait();
    expect(calls).toHaveLength(4);
    const closed = writer.close();
    (await nextCall(4)).finish(ok(10));
    await closed;
    expect(await Promise.all([l1, l2])).toEqual([ok(2), ok(10)]);
  });

  it('paces every flush by the interval when eagerFlushRows is 0', async () => {
    const { store, calls, nextCall } = scriptedStore(() => 2);
    const writer = createWriter(store, { flushIntervalMs: 60_000, eagerFlushRows: 0 });
    const a = writer.write(spans(2));
    (await nextCall(0)).finish(ok(2));
    const b = writer.write(spans(300));
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toHaveLength(1);
    const closed = writer.close();
    (await nextCall(1)).finish(ok(300));
    await closed;
    expect(await Promise.all([a, b])).toEqual([ok(2), ok(300)]);
  });

  it('flushes everything on close, then refuses new writes as retryable', async () => {
    const { store, calls, nextCall } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 60_000 });
    const pending = [writer.write(spans(1)), writer.write(logs(1))];
    const closing = writer.close();
    (await nextCall(0)).finish(ok(1));
    (await nextCall(1)).finish(ok(1));
    await closing;
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(calls).toHaveLength(2);
    expect(await writer.write(spans(1))).toMatchObject({ status: 'retryable' });
  });

  it('reports every commit to onCommit and keeps latency samples', async () => {
    const { store, nextCall } = scriptedStore();
    let now = 1_000;
    const seen: unknown[] = [];
    const writer = createWriter(store, { flushIntervalMs: 5, clock: () => now, onCommit: (...args) => seen.push(args) });
    const r = writer.write(spans(4));
    const call = await nextCall(0);
    now += 25;
    call.finish(ok(4));
    await r;
    expect(seen).toEqual([['traces', 4, 0.025, 'ok']]);
    expect(writer.stats().commitLatencyMs).toEqual([25]);
    await writer.close();
  });

  it('answers an empty batch at once without a commit', async () => {
    const { store, calls } = scriptedStore();
    const writer = createWriter(store, { flushIntervalMs: 5 });
    expect(await writer.write(spans(0))).toEqual(ok(0));
    expect(calls).toHaveLength(0);
    await writer.close();
  });

  it('rejects nonsensical options at construction', () => {
    const { store } = scriptedStore();
    expect(() => createWriter(store, { maxQueueRows: 0 })).toThrow(/maxQueueRows/);
    expect(() => createWriter(store, { flushIntervalMs: Number.NaN })).toThrow(/flushIntervalMs/);
    expect(() => createWriter(store, { eagerFlushRows: -1 })).toThrow(/eagerFlushRows/);
  });
});
