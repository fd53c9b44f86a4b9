// Several writer connections for one signal, each with its own queue: a write runs on the
// least busy one, so one batch's appends overlap another's COMMIT. Per-connection state (the
// appenders, which buffer and yield while appending) lives in the slot; what the writes share
// is the caller's to keep consistent.
import type { DuckDBConnection } from '@duckdb/node-api';
import { SerialQueue } from './serial-queue.js';

export class WriteSlot<S> {
  readonly queue = new SerialQueue();
  /** Writes queued or running here. */
  busy = 0;
  constructor(
    readonly conn: DuckDBConnection,
    readonly state: S,
  ) {}
}

export class WriteSlots<S> {
  private readonly slots: WriteSlot<S>[];

  constructor(conns: readonly DuckDBConnection[], state: () => S) {
    if (conns.length === 0) throw new Error('a writer needs a connection');
    this.slots = conns.map((c) => new WriteSlot(c, state()));
  }

  /** Writes that can run at once. */
  get size(): number {
    return this.slots.length;
  }

  /** Runs `task` on the least busy connection (ties: the first, so a lone writer keeps one). */
  run<T>(task: (slot: WriteSlot<S>) => Promise<T>): Promise<T> {
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.busy < slot.busy) slot = s;
    slot.busy++;
    return slot.queue.run(() => task(slot)).finally(() => {
      slot.busy--;
    });
  }

  /** Resolves once every write queued so far has finished. */
  async drain(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.queue.drain()));
  }
}

/** A writer whose writes run on WriteSlots; a subclass says how one write runs on one slot. */
export abstract class SlottedWriter<S, B> {
  private readonly slots: WriteSlots<S>;

  constructor(conns: readonly DuckDBConnection[], state: () => S) {
    this.slots = new WriteSlots(conns, state);
  }

  /** Writes that can run at once. */
  get concurrency(): number {
    return this.slots.size;
  }

  /** Resolves once every write queued so far has finished. */
  drain(): Promise<void> {
    return this.slots.drain();
  }

  /** Commits the batches on the least busy connection; resolves to the rows written. */
  write(batches: readonly B[]): Promise<number> {
    return this.slots.run((slot) => this.writeOn(slot, batches));
  }

  protected abstract writeOn(slot: WriteSlot<S>, batches: readonly B[]): Promise<number>;
}
