// Injected time for everything that runs on a schedule (scrapes, rule groups): tests drive a
// manual scheduler and get deterministic timestamps (habit 7).
export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers (unref'd: a schedule never keeps the process alive) with an injectable clock. */
export function realScheduler(clock: () => number = Date.now): Scheduler {
  return {
    now: clock,
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
}
