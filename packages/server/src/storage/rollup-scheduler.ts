// Builds the metric rollup tiers in the background: every interval, the buckets that closed
// (bucket end + grace <= now, on the injected clock) are rolled up from where the last build
// stopped. The store keeps the progress durably, so a restart resumes where it was.
import { PeriodicJob } from './periodic-job.js';
import type { RollupBuildResult, Store } from './store.js';

export interface RollupSchedulerOptions {
  store: Store;
  clock: () => number;
  intervalMs: number;
  /** Late samples are accepted into a bucket for this long after it ends. */
  graceMs: number;
  onRun?: (result: RollupBuildResult, error?: Error) => void;
}

export class RollupScheduler {
  private readonly job: PeriodicJob<RollupBuildResult>;

  constructor(opts: RollupSchedulerOptions) {
    this.job = new PeriodicJob<RollupBuildResult>({
      run: () => opts.store.buildRollups(opts.clock(), opts.graceMs),
      intervalMs: opts.intervalMs,
      firstDelayMs: 10_000,
      onFailure: { tiers: [] },
      onRun: opts.onRun,
    });
  }

  start(): void {
    this.job.start();
  }

  stop(): void {
    this.job.stop();
  }

  /** One build now (or the one in progress). */
  runOnce(): Promise<RollupBuildResult> {
    return this.job.runOnce();
  }
}
