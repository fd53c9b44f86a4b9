// A BatchWriter that keeps every batch in memory, for tests of code that writes samples.
import { isStaleMarker } from '../../src/ingest/wire/index.js';
import type { SampleBatch, TelemetryBatch } from '../../src/storage/batches.js';
import type { WriteResult } from '../../src/storage/store.js';

export interface CapturedSample {
  labels: Record<string, string>;
  timeMs: number;
  value: number;
  stale: boolean;
}

export class CaptureWriter {
  batches: SampleBatch[] = [];
  /** Answer for the next writes; 'ok' by default. */
  next: WriteResult = { status: 'ok', rows: 0 };

  async write(batch: TelemetryBatch): Promise<WriteResult> {
    if (batch.kind !== 'samples') throw new Error('expected samples');
    if (this.next.status !== 'ok') return this.next;
    this.batches.push(batch);
    return { status: 'ok', rows: batch.length };
  }

  samples(): CapturedSample[] {
    const out: CapturedSample[] = [];
    for (const b of this.batches) {
      const byFp = new Map(b.series.map((s) => [s.fingerprint, s.labels]));
      for (let i = 0; i < b.length; i++) out.push({ labels: byFp.get(b.fingerprint[i])!, timeMs: b.timeMs[i], value: b.value[i], stale: isStaleMarker(b.value, i) });
    }
    return out;
  }

  /** Samples of one metric name, as [labels-without-name, time, value | 'stale']. */
  of(name: string): Array<[Record<string, string>, number, number | 'stale']> {
    return this.samples()
      .filter((s) => s.labels.__name__ === name)
      .map((s) => {
        const { __name__: _n, ...rest } = s.labels;
        return [rest, s.timeMs, s.stale ? 'stale' : s.value];
      });
  }

  clear(): void {
    this.batches = [];
  }
}
