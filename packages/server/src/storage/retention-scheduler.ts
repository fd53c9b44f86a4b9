// Runs the store's retention on a timer. Runs never overlap, and a failing run is reported,
// not thrown: retention must never take ingest down with it.
import type { RetentionPolicy, RetentionResult, Store } from './store.js';

export interface RetentionSchedulerOptions {
  store: Store;
  clock: () => number;
  policy: RetentionPolicy;
  intervalMs: number;
  onRun?: (result: RetentionResult[], error?: Error) => void;
}

export class RetentionScheduler {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private running: Promise<RetentionResult[]> | undefined;

  constructor(private readonly opts: RetentionSchedulerOptions) {}

  start(): void {
    if (this.timer) return;
    // A first run soon after start clears what expired while the server was down.
    this.first = setTimeout(() => void this.runOnce(), Math.min(5_000, this.opts.intervalMs));
    this.first.unref();
    this.timer = setInterval(() => void this.runOnce(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    // The first run too: a run after stop() would reach a store that is closing.
    if (this.first) clearTimeout(this.first);
    if (this.timer) clearInterval(this.timer);
    this.first = undefined;
    this.timer = undefined;
  }

  /** One run now (or the one in progress). Resolves with what was dropped. */
  runOnce(): Promise<RetentionResult[]> {
    if (this.running) return this.running;
    this.running = this.opts.store
      .applyRetention(this.opts.policy, this.opts.clock())
      .then(
        (result) => {
          this.opts.onRun?.(result);
          return result;
        },
        (err: Error) => {
          this.opts.onRun?.([], err);
          return [];
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
