// A background job on a timer: a first run soon after start (to catch up on what happened
// while the server was down), then one per interval. Runs never overlap, and a failing run is
// reported, not thrown: background work must never take ingest down with it.
export interface PeriodicJobOptions<T> {
  run: () => Promise<T>;
  intervalMs: number;
  /** Delay of the first run after start() (capped at the interval). */
  firstDelayMs: number;
  /** Value a failed run resolves with. */
  onFailure: T;
  onRun?: (result: T, error?: Error) => void;
}

export class PeriodicJob<T> {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;

  constructor(private readonly opts: PeriodicJobOptions<T>) {}

  start(): void {
    if (this.timer) return;
    this.first = setTimeout(() => void this.runOnce(), Math.min(this.opts.firstDelayMs, this.opts.intervalMs));
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

  /** One run now (or the one in progress). */
  runOnce(): Promise<T> {
    if (this.running) return this.running;
    this.running = this.opts
      .run()
      .then(
        (result) => {
          this.opts.onRun?.(result);
          return result;
        },
        (err: Error) => {
          this.opts.onRun?.(this.opts.onFailure, err);
          return this.opts.onFailure;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
