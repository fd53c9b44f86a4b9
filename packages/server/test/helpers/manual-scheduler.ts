// A Scheduler whose time only moves when the test says so: timers fire in time order as
// advance() passes them, with now() reading the timer's due time.
import type { Scheduler } from '../../src/scheduler.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class ManualScheduler implements Scheduler {
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(public nowMs: number) {}

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const t = { id: this.nextId++, at: this.nowMs + Math.max(0, ms), fn };
    this.timers.push(t);
    return t.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  pending(): number[] {
    return this.timers.map((t) => t.at).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing every timer due on the way (including ones they set). */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    while (true) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.nowMs = due.at;
      due.fn();
    }
    this.nowMs = target;
  }
}
