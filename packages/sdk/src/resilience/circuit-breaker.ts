import { EventEmitter } from 'node:events';
import { trace } from '@opentelemetry/api';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { lazyInstruments } from '../metrics/meter.js';
import { ResilienceError, systemClock, withTimeout, type Clock, type Policy } from './policy.js';

/** Breaker states. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Name in metrics, logs and span events (low cardinality: the dependency, e.g. `payments`). */
  name: string;
  /** Consecutive failures that open the circuit (default 5). */
  failureThreshold?: number;
  /** Time the circuit stays open before a trial call (default 30000 ms). */
  resetTimeoutMs?: number;
  /** Per-call deadline; a timeout counts as a failure (default: none). */
  callTimeoutMs?: number;
  /** Trial calls allowed at once in half-open (default 1). */
  halfOpenMaxCalls?: number;
  /** Decides whether an error counts as a failure (default: every error). A 404 usually should not. */
  isFailure?: (err: unknown) => boolean;
  clock?: Clock;
  logger?: Logger;
}

/** Events emitted by a {@link CircuitBreaker}. */
export interface CircuitBreakerEvents {
  state: [to: CircuitState, from: CircuitState];
  open: [];
  half_open: [];
  close: [];
  success: [durationMs: number];
  failure: [err: unknown];
  reject: [];
  timeout: [];
}

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, open: 1, half_open: 2 };
const breakers = new Set<CircuitBreaker>();

const instruments = lazyInstruments((meter) => {
  const state = meter.createObservableGauge('circuit_breaker.state', {
    description: 'Circuit breaker state: 1 for the current state of each breaker, 0 for the others.',
    unit: '1',
  });
  state.addCallback((result) => {
    for (const b of breakers) {
      for (const s of ['closed', 'open', 'half_open'] as const) {
        result.observe(b.state === s ? 1 : 0, { 'circuit_breaker.name': b.name, 'circuit_breaker.state': s });
      }
    }
  });
  return {
    calls: meter.createCounter('circuit_breaker.calls', {
      description: 'Calls through a circuit breaker by outcome (success, failure, timeout, rejected).',
      unit: '{call}',
    }),
    transitions: meter.createCounter('circuit_breaker.transitions', {
      description: 'Circuit breaker state changes.',
      unit: '{transition}',
    }),
  };
});

/**
 * A circuit breaker: closed (calls pass, consecutive failures counted) → open after
 * `failureThreshold` failures (calls rejected immediately with `SL_ERR_CIRCUIT_OPEN`) →
 * half-open after `resetTimeoutMs` (trial calls) → closed on success, open again on failure.
 *
 * Telemetry: `circuit_breaker.state` gauge, `circuit_breaker.calls{outcome}` and
 * `circuit_breaker.transitions{from,to}` counters, a log line per transition (warn on open),
 * and span events (`circuit_breaker.rejected`, `circuit_breaker.state_change`) on the active span.
 */
export class CircuitBreaker extends EventEmitter<CircuitBreakerEvents> implements Policy {
  readonly name: string;
  private _state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trials = 0;
  private readonly failureThreshold: number;
  private readonly resetTimeoutMs: number;
  private readonly halfOpenMaxCalls: number;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly options: CircuitBreakerOptions) {
    super();
    this.name = options.name;
    this.failureThreshold = options.failureThreshold ?? 5;
    this.resetTimeoutMs = options.resetTimeoutMs ?? 30_000;
    this.halfOpenMaxCalls = options.halfOpenMaxCalls ?? 1;
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? sharedLogger).child({ 'circuit_breaker.name': this.name });
    breakers.add(this);
    instruments();
  }

  /** Current state, moving open → half-open when the reset timeout has passed. */
  get state(): CircuitState {
    if (this._state === 'open' && this.clock.now() - this.openedAt >= this.resetTimeoutMs) this.transition('half_open');
    return this._state;
  }

  /** Runs `fn` through the breaker. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const inst = instruments();
    const state = this.state;
    if (state === 'open' || (state === 'half_open' && this.trials >= this.halfOpenMaxCalls)) {
      inst.calls.add(1, { 'circuit_breaker.name': this.name, outcome: 'rejected' });
      trace.getActiveSpan()?.addEvent('circuit_breaker.rejected', { 'circuit_breaker.name': this.name, 'circuit_breaker.state': state });
      this.emit('reject');
      throw new ResilienceError(`circuit "${this.name}" is ${state}; call rejected without trying`, 'SL_ERR_CIRCUIT_OPEN', this.name);
    }
    const trial = state === 'half_open';
    if (trial) this.trials++;
    const started = this.clock.now();
    try {
      const result = this.options.callTimeoutMs ? await withTimeout(fn, this.options.callTimeoutMs, `circuit "${this.name}"`) : await fn();
      this.onSuccess(this.clock.now() - started);
      return result;
    } catch (err) {
      const counts = !(err instanceof ResilienceError && err.code === 'SL_ERR_CALL_TIMEOUT') && this.options.isFailure ? this.options.isFailure(err) : true;
      if (counts) this.onFailure(err);
      else this.onSuccess(this.clock.now() - started);
      throw err;
    } finally {
      if (trial) this.trials--;
    }
  }

  /** Forces the breaker to a state (operations tooling, tests). */
  force(state: CircuitState): void {
    this.transition(state);
  }

  /** Removes the breaker from the state gauge. */
  dispose(): void {
    breakers.delete(this);
  }

  private onSuccess(durationMs: number): void {
    instruments().calls.add(1, { 'circuit_breaker.name': this.name, outcome: 'success' });
    this.emit('success', durationMs);
    this.failures = 0;
    if (this._state === 'half_open') this.transition('closed');
  }

  private onFailure(err: unknown): void {
    const timeout = err instanceof ResilienceError && err.code === 'SL_ERR_CALL_TIMEOUT';
    instruments().calls.add(1, { 'circuit_breaker.name': this.name, outcome: timeout ? 'timeout' : 'failure' });
    if (timeout) this.emit('timeout');
    this.emit('failure', err);
    this.failures++;
    if (this._state === 'half_open' || (this._state === 'closed' && this.failures >= this.failureThreshold)) {
      this.transition('open');
    }
  }

  private transition(to: CircuitState): void {
    const from = this._state;
    if (from === to) return;
    this._state = to;
    if (to === 'open') this.openedAt = this.clock.now();
    if (to === 'closed') this.failures = 0;
    if (to !== 'half_open') this.trials = 0;
    instruments().transitions.add(1, { 'circuit_breaker.name': this.name, from, to });
    trace.getActiveSpan()?.addEvent('circuit_breaker.state_change', { 'circuit_breaker.name': this.name, from, to });
    const fields = { from, to, 'circuit_breaker.failures': this.failures, 'circuit_breaker.state_value': STATE_VALUE[to] };
    if (to === 'open') this.log.warn(`circuit breaker ${this.name} opened`, fields);
    else this.log.info(`circuit breaker ${this.name} ${to === 'closed' ? 'closed' : 'half-open'}`, fields);
    this.emit('state', to, from);
    (this.emit as (event: CircuitState) => boolean)(to);
  }
}

/**
 * Creates a {@link CircuitBreaker}.
 *
 * @example
 * ```ts
 * const breaker = circuitBreaker({ name: 'payments', failureThreshold: 5, resetTimeoutMs: 10_000, callTimeoutMs: 2_000 });
 * const receipt = await breaker.execute(() => fetch(paymentsUrl).then((r) => r.json()));
 * ```
 */
export function circuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  return new CircuitBreaker(options);
}
