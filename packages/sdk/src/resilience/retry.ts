import { trace } from '@opentelemetry/api';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { lazyInstruments } from '../metrics/meter.js';
import { traced } from '../tracing.js';
import type { Policy } from './policy.js';

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Operation name for spans, metrics and logs. */
  name: string;
  /** Total attempts including the first (default 3). */
  maxAttempts?: number;
  /** Delay growth (default `exponential`). */
  backoff?: 'exponential' | 'linear' | 'constant';
  /** First retry delay (default 100 ms). */
  baseDelayMs?: number;
  /** Cap on a single delay (default 10000 ms). */
  maxDelayMs?: number;
  /** Randomisation: `full` = uniform in [0, d], `equal` = d/2 + uniform [0, d/2], `none` (default `full`). */
  jitter?: 'full' | 'equal' | 'none';
  /** Whether an error is worth retrying (default: every error except `SL_ERR_CIRCUIT_OPEN`). */
  retryable?: (err: unknown, attempt: number) => boolean;
  /** Called before each wait. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

const instruments = lazyInstruments((meter) => ({
  attempts: meter.createCounter('retry.attempts', {
    description: 'Attempts made by retry policies, by outcome (success, retry, exhausted, not_retryable).',
    unit: '{attempt}',
  }),
}));

/** The delay before retry number `attempt` (1 = first retry), before jitter. */
export function backoffDelay(attempt: number, o: Pick<RetryOptions, 'backoff' | 'baseDelayMs' | 'maxDelayMs'>): number {
  const base = o.baseDelayMs ?? 100;
  const raw = o.backoff === 'constant' ? base : o.backoff === 'linear' ? base * attempt : base * 2 ** (attempt - 1);
  return Math.min(raw, o.maxDelayMs ?? 10_000);
}

function applyJitter(delay: number, jitter: RetryOptions['jitter'], random: () => number): number {
  if (jitter === 'none') return delay;
  if (jitter === 'equal') return delay / 2 + random() * (delay / 2);
  return random() * delay;
}

const defaultRetryable = (err: unknown): boolean => (err as { code?: string })?.code !== 'SL_ERR_CIRCUIT_OPEN';

/**
 * Runs `fn` until it succeeds, an error is not retryable, or `maxAttempts` is reached. Every
 * attempt runs in its own span (`<name> attempt`, with `retry.attempt`), retries are counted
 * in `retry.attempts{outcome}` and logged at warn.
 *
 * @example
 * ```ts
 * const stock = await retry((attempt) => inventory.reserve(sku), {
 *   name: 'inventory.reserve', maxAttempts: 4, backoff: 'exponential', baseDelayMs: 50,
 *   retryable: (err) => (err as any).status >= 500,
 * });
 * ```
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const retryable = options.retryable ?? defaultRetryable;
  const log = options.logger ?? sharedLogger;
  const attrsBase = { 'retry.operation': options.name };
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await traced(`${options.name} attempt`, () => fn(attempt), { 'retry.attempt': attempt, 'retry.max_attempts': maxAttempts });
      instruments().attempts.add(1, { ...attrsBase, outcome: 'success' });
      return result;
    } catch (err) {
      const canRetry = retryable(err, attempt);
      if (!canRetry || attempt >= maxAttempts) {
        instruments().attempts.add(1, { ...attrsBase, outcome: canRetry ? 'exhausted' : 'not_retryable' });
        trace.getActiveSpan()?.addEvent('retry.gave_up', { ...attrsBase, 'retry.attempt': attempt });
        throw err;
      }
      const delay = Math.round(applyJitter(backoffDelay(attempt, options), options.jitter, random));
      instruments().attempts.add(1, { ...attrsBase, outcome: 'retry' });
      log.warn(`retrying ${options.name}`, {
        'retry.attempt': attempt,
        'retry.delay_ms': delay,
        error: err instanceof Error ? err.message : String(err),
        logKey: `retry:${options.name}`,
      });
      options.onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}

/** {@link retry} as a composable {@link Policy}. */
export function retryPolicy(options: RetryOptions): Policy {
  return { execute: <T>(fn: () => Promise<T>) => retry(() => fn(), options) };
}
