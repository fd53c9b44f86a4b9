import { trace } from '@opentelemetry/api';
import { lazyInstruments } from '../metrics/meter.js';
import { ResilienceError, type Policy } from './policy.js';

/** Options of {@link bulkhead}. */
export interface BulkheadOptions {
  /** Name for metrics (the dependency or resource it protects). */
  name: string;
  /** Calls running at once (default 10). */
  maxConcurrent?: number;
  /** Calls waiting for a slot; beyond this they are rejected at once (default 0). */
  maxQueue?: number;
  /** Longest wait in the queue before rejection (default: unlimited). */
  queueTimeoutMs?: number;
}

const bulkheads = new Set<Bulkhead>();
const instruments = lazyInstruments((meter) => {
  const active = meter.createObservableGauge('bulkhead.active', { description: 'Calls running inside a bulkhead.', unit: '{call}' });
  const queued = meter.createObservableGauge('bulkhead.queued', { description: 'Calls waiting for a bulkhead slot.', unit: '{call}' });
  meter.addBatchObservableCallback((r) => {
    for (const b of bulkheads) {
      r.observe(active, b.active, { 'bulkhead.name': b.name });
      r.observe(queued, b.queued, { 'bulkhead.name': b.name });
    }
  }, [active, queued]);
  return {
    rejections: meter.createCounter('bulkhead.rejections', {
      description: 'Calls rejected by a bulkhead, by reason (queue_full, queue_timeout).',
      unit: '{call}',
    }),
  };
});

/**
 * Limits concurrent calls to a dependency so one slow dependency cannot take every socket
 * and every bit of memory. Calls past `maxConcurrent` wait in a queue of `maxQueue`; past
 * that they are rejected with `SL_ERR_BULKHEAD_FULL` and counted in `bulkhead.rejections`.
 */
export class Bulkhead implements Policy {
  readonly name: string;
  active = 0;
  private readonly waiting: Array<{ resolve: () => void; reject: (e: unknown) => void; timer?: NodeJS.Timeout }> = [];
  private readonly maxConcurrent: number;
  private readonly maxQueue: number;

  constructor(private readonly options: BulkheadOptions) {
    this.name = options.name;
    this.maxConcurrent = options.maxConcurrent ?? 10;
    this.maxQueue = options.maxQueue ?? 0;
    bulkheads.add(this);
    instruments();
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async execute<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxConcurrent) await this.enqueue();
    else this.active++;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Removes the bulkhead from the gauges. */
  dispose(): void {
    bulkheads.delete(this);
  }

  private enqueue(): Promise<void> {
    if (this.waiting.length >= this.maxQueue) {
      this.reject('queue_full');
      return Promise.reject(new ResilienceError(`bulkhead "${this.name}" is full (${this.maxConcurrent} running, ${this.maxQueue} queued)`, 'SL_ERR_BULKHEAD_FULL', this.name));
    }
    return new Promise<void>((resolve, reject) => {
      const entry: (typeof this.waiting)[number] = { resolve, reject };
      if (this.options.queueTimeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          const i = this.waiting.indexOf(entry);
          if (i !== -1) this.waiting.splice(i, 1);
          this.reject('queue_timeout');
          reject(new ResilienceError(`bulkhead "${this.name}": waited ${this.options.queueTimeoutMs} ms for a slot`, 'SL_ERR_BULKHEAD_QUEUE_TIMEOUT', this.name));
        }, this.options.queueTimeoutMs);
      }
      this.waiting.push(entry);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) {
      if (next.timer) clearTimeout(next.timer);
      next.resolve(); // the slot passes straight to the waiter; `active` is unchanged
    } else {
      this.active--;
    }
  }

  private reject(reason: 'queue_full' | 'queue_timeout'): void {
    instruments().rejections.add(1, { 'bulkhead.name': this.name, reason });
    trace.getActiveSpan()?.addEvent('bulkhead.rejected', { 'bulkhead.name': this.name, reason });
  }
}

/**
 * Creates a {@link Bulkhead}.
 *
 * @example
 * ```ts
 * const db = bulkhead({ name: 'inventory-db', maxConcurrent: 8, maxQueue: 50, queueTimeoutMs: 1000 });
 * const rows = await db.execute(() => pool.query(sql));
 * ```
 */
export function bulkhead(options: BulkheadOptions): Bulkhead {
  return new Bulkhead(options);
}
