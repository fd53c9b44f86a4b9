import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  backoffDelay,
  bulkhead,
  circuitBreaker,
  compose,
  configureLogger,
  MemoryDestination,
  retry,
  retryPolicy,
  traced,
  type CircuitState,
} from '../src/index.js';
import { installTestTelemetry, pointsWith, type TestTelemetry } from './helpers/telemetry.js';

let tel: TestTelemetry;
const logs = new MemoryDestination();
beforeAll(() => {
  tel = installTestTelemetry();
  configureLogger({ destination: logs, otlp: false });
});
beforeEach(() => {
  tel.reset();
  logs.clear();
});

const fail = () => Promise.reject(new Error('down'));
const ok = () => Promise.resolve('ok');

describe('circuitBreaker', () => {
  it('goes closed -> open -> half-open -> closed with metrics, logs and events', async () => {
    let now = 0;
    const b = circuitBreaker({ name: 'payments', failureThreshold: 3, resetTimeoutMs: 1000, clock: { now: () => now } });
    const changes: Array<[CircuitState, CircuitState]> = [];
    b.on('state', (to, from) => changes.push([from, to]));
    for (let i = 0; i < 2; i++) await expect(b.execute(fail)).rejects.toThrow('down');
    expect(b.state).toBe('closed');
    await expect(b.execute(fail)).rejects.toThrow('down');
    expect(b.state).toBe('open');
    await traced('caller', () => expect(b.execute(ok)).rejects.toMatchObject({ code: 'SL_ERR_CIRCUIT_OPEN' }));
    const caller = tel.spans.getFinishedSpans().find((s) => s.name === 'caller')!;
    expect(caller.events.map((e) => e.name)).toContain('circuit_breaker.rejected');

    now = 1000;
    expect(b.state).toBe('half_open');
    await expect(b.execute(ok)).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    expect(changes).toEqual([['closed', 'open'], ['open', 'half_open'], ['half_open', 'closed']]);

    const state = await tel.metric('circuit_breaker.state');
    expect(pointsWith(state, { 'circuit_breaker.name': 'payments', 'circuit_breaker.state': 'closed' })[0]!.value).toBe(1);
    expect(pointsWith(state, { 'circuit_breaker.name': 'payments', 'circuit_breaker.state': 'open' })[0]!.value).toBe(0);
    const calls = await tel.metric('circuit_breaker.calls');
    expect(pointsWith(calls, { outcome: 'failure' })[0]!.value).toBe(3);
    expect(pointsWith(calls, { outcome: 'rejected' })[0]!.value).toBe(1);
    expect(pointsWith(calls, { outcome: 'success' })[0]!.value).toBe(1);
    const transitions = await tel.metric('circuit_breaker.transitions');
    expect(pointsWith(transitions, { from: 'closed', to: 'open' })[0]!.value).toBe(1);
    const lines = logs.records();
    expect(lines.find((l) => l.msg === 'circuit breaker payments opened')).toMatchObject({ level: 'warn', 'circuit_breaker.name': 'payments' });
    expect(lines.find((l) => l.msg === 'circuit breaker payments closed')).toMatchObject({ level: 'info' });
    b.dispose();
  });

  it('reopens when the half-open trial fails and limits concurrent trials', async () => {
    let now = 0;
    const b = circuitBreaker({ name: 'inv', failureThreshold: 1, resetTimeoutMs: 10, clock: { now: () => now } });
    await expect(b.execute(fail)).rejects.toThrow();
    now = 10;
    let release!: () => void;
    const slow = b.execute(() => new Promise<string>((r) => (release = () => r('late'))));
    await expect(b.execute(ok)).rejects.toMatchObject({ code: 'SL_ERR_CIRCUIT_OPEN' });
    release();
    await expect(slow).resolves.toBe('late');
    expect(b.state).toBe('closed');
    await expect(b.execute(fail)).rejects.toThrow();
    now = 20;
    await expect(b.execute(fail)).rejects.toThrow();
    expect(b.state).toBe('open');
    b.dispose();
  });

  it('times out slow calls (counted as failures) and ignores errors isFailure rejects', async () => {
    const b = circuitBreaker({ name: 'slow', failureThreshold: 2, callTimeoutMs: 20, isFailure: (e) => (e as Error).message !== 'not found' });
    await expect(b.execute(() => new Promise((r) => setTimeout(r, 200)))).rejects.toMatchObject({ code: 'SL_ERR_CALL_TIMEOUT' });
    await expect(b.execute(() => Promise.reject(new Error('not found')))).rejects.toThrow('not found');
    expect(b.state).toBe('closed');
    await expect(b.execute(() => new Promise((r) => setTimeout(r, 200)))).rejects.toMatchObject({ code: 'SL_ERR_CALL_TIMEOUT' });
    // the not-found call reset the consecutive count, so two timeouts in a row are needed
    expect(b.state).toBe('closed');
    await expect(b.execute(() => new Promise((r) => setTimeout(r, 200)))).rejects.toMatchObject({ code: 'SL_ERR_CALL_TIMEOUT' });
    expect(b.state).toBe('open');
    expect(pointsWith(await tel.metric('circuit_breaker.calls'), { 'circuit_breaker.name': 'slow', outcome: 'timeout' })[0]!.value).toBe(3);
    b.dispose();
  });
});

describe('retry', () => {
  it('computes exponential, linear and constant delays with a cap', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, { backoff: 'exponential', baseDelayMs: 100, maxDelayMs: 500 }))).toEqual([100, 200, 400, 500]);
    expect([1, 2, 3].map((a) => backoffDelay(a, { backoff: 'linear', baseDelayMs: 50 }))).toEqual([50, 100, 150]);
    expect([1, 2].map((a) => backoffDelay(a, { backoff: 'constant', baseDelayMs: 70 }))).toEqual([70, 70]);
  });

  it('retries with jitter, one span per attempt, until success', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await traced('op', () =>
      retry(
        async (attempt) => {
          calls++;
          if (attempt < 3) throw new Error(`try ${attempt}`);
          return 'done';
        },
        { name: 'reserve', maxAttempts: 5, baseDelayMs: 100, jitter: 'equal', random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
      ),
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([75, 150]);
    const attempts = tel.spans.getFinishedSpans().filter((s) => s.name === 'reserve attempt');
    expect(attempts.map((s) => s.attributes['retry.attempt'])).toEqual([1, 2, 3]);
    expect(attempts.map((s) => s.status.code)).toEqual([2, 2, 0]);
    const op = tel.spans.getFinishedSpans().find((s) => s.name === 'op')!;
    expect(attempts.every((s) => s.parentSpanContext?.spanId === op.spanContext().spanId)).toBe(true);
    const counts = await tel.metric('retry.attempts');
    expect(pointsWith(counts, { 'retry.operation': 'reserve', outcome: 'retry' })[0]!.value).toBe(2);
    expect(logs.records().filter((r) => r.msg === 'retrying reserve')).toHaveLength(2);
  });

  it('stops at maxAttempts and on non-retryable errors', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw new Error('x'); }, { name: 'a', maxAttempts: 3, sleep: async () => {} })).rejects.toThrow('x');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retry(async () => { calls++; throw Object.assign(new Error('bad request'), { status: 400 }); }, {
        name: 'b', maxAttempts: 3, sleep: async () => {}, retryable: (e) => (e as { status: number }).status >= 500,
      }),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });
});

describe('bulkhead', () => {
  it('limits concurrency, queues up to maxQueue, rejects and counts the rest', async () => {
    const bh = bulkhead({ name: 'db', maxConcurrent: 2, maxQueue: 1 });
    const gates: Array<() => void> = [];
    let running = 0;
    let peak = 0;
    const task = () =>
      bh.execute(
        () =>
          new Promise<void>((r) => {
            running++;
            peak = Math.max(peak, running);
            gates.push(() => {
              running--;
              r();
            });
          }),
      );
    const p = [task(), task(), task()];
    await expect(task()).rejects.toMatchObject({ code: 'SL_ERR_BULKHEAD_FULL' });
    expect(bh.active).toBe(2);
    expect(bh.queued).toBe(1);
    gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(bh.queued).toBe(0);
    while (gates.length) {
      gates.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    }
    await Promise.all(p);
    expect(peak).toBe(2);
    expect(bh.active).toBe(0);
    expect(pointsWith(await tel.metric('bulkhead.rejections'), { 'bulkhead.name': 'db', reason: 'queue_full' })[0]!.value).toBe(1);
    bh.dispose();
  });

  it('rejects queued calls after queueTimeoutMs', async () => {
    vi.useFakeTimers();
    try {
      const bh = bulkhead({ name: 'q', maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 100 });
      const hold = bh.execute(() => new Promise((r) => setTimeout(r, 1000)));
      const waiting = bh.execute(ok);
      const assertion = expect(waiting).rejects.toMatchObject({ code: 'SL_ERR_BULKHEAD_QUEUE_TIMEOUT' });
      await vi.advanceTimersByTimeAsync(150);
      await assertion;
      await vi.advanceTimersByTimeAsync(1000);
      await hold;
      bh.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('compose', () => {
  it('retries through a breaker and bulkhead, and the breaker stops the retries once open', async () => {
    const breaker = circuitBreaker({ name: 'composed', failureThreshold: 2, resetTimeoutMs: 60_000 });
    const bh = bulkhead({ name: 'composed', maxConcurrent: 1, maxQueue: 0 });
    let calls = 0;
    const policy = compose(retryPolicy({ name: 'composed', maxAttempts: 5, sleep: async () => {} }), breaker, bh);
    await expect(policy.execute(async () => { calls++; throw new Error('down'); })).rejects.toMatchObject({ code: 'SL_ERR_CIRCUIT_OPEN' });
    expect(calls).toBe(2); // third attempt hit the open breaker, which is not retryable
    expect(breaker.state).toBe('open');
    breaker.dispose();
    bh.dispose();
  });
});
