/** Anything that can run an async operation under a rule (retry, breaker, bulkhead, timeout). */
export interface Policy {
  execute<T>(fn: () => Promise<T>): Promise<T>;
}

/** A clock in milliseconds; injected in tests (house rule 7). */
export interface Clock {
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Errors raised by resilience policies carry a stable code. */
export class ResilienceError extends Error {
  constructor(
    message: string,
    readonly code: 'SL_ERR_CIRCUIT_OPEN' | 'SL_ERR_CALL_TIMEOUT' | 'SL_ERR_BULKHEAD_FULL' | 'SL_ERR_BULKHEAD_QUEUE_TIMEOUT',
    readonly policy: string,
  ) {
    super(message);
    this.name = 'ResilienceError';
  }
}

/**
 * Chains policies, outermost first: `compose(retry, breaker, bulkhead).execute(fn)` retries
 * calls that go through the breaker, which guards calls that wait for a bulkhead slot.
 *
 * @example
 * ```ts
 * const policy = compose(retryPolicy({ name: 'payments', maxAttempts: 3 }), breaker, bulkhead);
 * const receipt = await policy.execute(() => chargeCard(order));
 * ```
 */
export function compose(...policies: Policy[]): Policy {
  return {
    execute<T>(fn: () => Promise<T>): Promise<T> {
      const run = policies.reduceRight<() => Promise<T>>((next, policy) => () => policy.execute(next), fn);
      return run();
    },
  };
}

/** Runs `fn` with a deadline; rejects with `SL_ERR_CALL_TIMEOUT` when it passes. */
export function withTimeout<T>(fn: () => Promise<T>, ms: number, policy = 'timeout'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ResilienceError(`${policy}: call timed out after ${ms} ms`, 'SL_ERR_CALL_TIMEOUT', policy)), ms);
    fn().then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
