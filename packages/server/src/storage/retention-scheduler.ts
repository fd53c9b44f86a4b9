// Runs the store's retention on a timer. Runs never overlap, and a failing run is reported,
// not thrown: retention must never take ingest down with it.
import { PeriodicJob } from './periodic-job.js';
import type { RetentionPolicy, RetentionResult, Store } from './store.js';

export interface RetentionSchedulerOptions {
  store: Store;
  clock: () => number;
  policy: RetentionPolicy;
  intervalMs: number;
  onRun?: (result: RetentionResult[], error?: Error) => void;
}

export class RetentionScheduler {
  private readonly job: PeriodicJob<RetentionResult[]>;

  constructor(opts: RetentionSchedulerOptions) {
    this.job = new PeriodicJob<RetentionResult[]>({
      run: () => opts.store.applyRetention(opts.policy, opts.clock()),
      intervalMs: opts.intervalMs,
      firstDelayMs: 5_000,
      onFailure: [],
      onRun: opts.onRun,
    });
  }

  start(): void {
    this.job.start();
  }

  stop(): void {
    this.job.stop();
  }

  /** One run now (or the one in progress). Resolves with what was dropped. */
  runOnce(): Promise<RetentionResult[]> {
    return this.job.runOnce();
  }
}
