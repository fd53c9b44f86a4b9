// Seals raw samples into compact per-series blocks in the background (see
// duckdb/sample-sealer.ts): every interval, the hour blocks that ended at least `graceMs` ago
// are sealed. With rollups on, only behind the 1m tier's watermark: the tier builder reads raw
// rows in SQL, sealed blocks through JavaScript, so sealing after the build keeps builds fast.
import { PeriodicJob } from './periodic-job.js';
import { closedUntil } from './rollup-tiers.js';
import type { SealResult, Store } from './store.js';

/** Sealed rows hold an hour of one series (duckdb/sample-sealer.ts BLOCK_MS). */
export const SEAL_BLOCK_MS = 3_600_000;

export interface SealSchedulerOptions {
  store: Store;
  clock: () => number;
  intervalMs: number;
  /** A block is sealed once its end is this far in the past. */
  graceMs: number;
  /** Wait for the 1m rollup tier to be built past a block before sealing it. */
  afterRollups: boolean;
  onRun?: (result: SealRun, error?: Error) => void;
}

/** A run's result, with the end of the hours it sealed (absent when the run failed). */
export interface SealRun extends SealResult {
  untilMs?: number;
}

export class SealScheduler {
  private readonly job: PeriodicJob<SealRun>;

  constructor(opts: SealSchedulerOptions) {
    this.job = new PeriodicJob<SealRun>({
      run: async () => {
        const untilMs = await sealUntil(opts);
        return { ...(await opts.store.sealSamples(untilMs)), untilMs };
      },
      intervalMs: opts.intervalMs,
      firstDelayMs: 30_000,
      onFailure: { partitions: 0, blocks: 0, samples: 0, compacted: 0 },
      onRun: opts.onRun,
    });
  }

  start(): void {
    this.job.start();
  }

  stop(): void {
    this.job.stop();
  }

  runOnce(): Promise<SealRun> {
    return this.job.runOnce();
  }
}

/** End of the last block that may be sealed now. */
export async function sealUntil(opts: Pick<SealSchedulerOptions, 'store' | 'clock' | 'graceMs' | 'afterRollups'>): Promise<number> {
  let until = closedUntil(opts.clock(), SEAL_BLOCK_MS, opts.graceMs);
  if (opts.afterRollups) {
    const built = (await opts.store.rollupStatus()).tiers.find((t) => t.name === '1m')?.builtUntilMs ?? -Infinity;
    until = Math.min(until, Math.floor(built / SEAL_BLOCK_MS) * SEAL_BLOCK_MS);
  }
  return Number.isFinite(until) ? until : -8.64e15;
}
