// The cardinality guard in front of a writer, for producers that cannot tell a client about
// rejected series: scrapes and recording rules. Rejections are counted by the guard
// (self-metrics) and logged at most once per interval, with what was rejected since the last
// line; the write itself goes on with the admitted rest, so a scrape target stays up.
import type { TelemetryBatch } from '../storage/batches.js';
import type { WriteResult } from '../storage/store.js';
import type { CardinalityGuard } from './cardinality-guard.js';

export interface GuardedWriterTarget {
  write(batch: TelemetryBatch): Promise<WriteResult>;
}

export interface CardinalityWriterOptions {
  /** Names the producer in the log line (scrape, rules). */
  source: string;
  log?: { warn(obj: object, msg: string): void };
  clock?: () => number;
  /** At most one log line per interval. Default 60 s. */
  logIntervalMs?: number;
}

export class CardinalityGuardedWriter implements GuardedWriterTarget {
  private lastLogMs = -Infinity;
  private pendingPoints = 0;
  private pendingMessage = '';
  private readonly clock: () => number;

  constructor(
    private readonly target: GuardedWriterTarget,
    private readonly guard: CardinalityGuard,
    private readonly opts: CardinalityWriterOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
  }

  write(batch: TelemetryBatch): Promise<WriteResult> {
    if (batch.kind !== 'samples') return this.target.write(batch);
    const admitted = this.guard.admit(batch);
    if (admitted.rejectedPoints > 0) this.note(admitted.rejectedPoints, admitted.message);
    return this.target.write(admitted.batch);
  }

  private note(points: number, message: string): void {
    this.pendingPoints += points;
    this.pendingMessage = message;
    const now = this.clock();
    if (now - this.lastLogMs < (this.opts.logIntervalMs ?? 60_000)) return;
    this.lastLogMs = now;
    this.opts.log?.warn({ source: this.opts.source, rejectedPoints: this.pendingPoints, latest: this.pendingMessage }, 'cardinality limit: data points of new series rejected');
    this.pendingPoints = 0;
  }
}
