// An in-memory SeriesSource: the test-file runner and unit tests load series here, and it is
// the reference for how any source must apply matchers and time bounds.
import type { LabelMatcher } from './ast.js';
import type { SeriesSource } from './engine.js';
import { matchLabelValue } from './parser.js';

export interface MemorySeries {
  labels: Record<string, string>;
  timestampsMs: number[];
  values: number[];
}

export class MemorySeriesSource implements SeriesSource {
  private readonly byKey = new Map<string, MemorySeries>();

  /** Adds samples (kept sorted by time; a later sample at the same time replaces the earlier). */
  add(labels: Record<string, string>, points: Array<[number, number]>): void {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let s = this.byKey.get(key);
    if (!s) {
      s = { labels: { ...labels }, timestampsMs: [], values: [] };
      this.byKey.set(key, s);
    }
    const merged = new Map<number, number>();
    s.timestampsMs.forEach((t, i) => merged.set(t, s!.values[i]!));
    for (const [t, v] of points) merged.set(t, v);
    const ts = [...merged.keys()].sort((a, b) => a - b);
    s.timestampsMs = ts;
    s.values = ts.map((t) => merged.get(t)!);
  }

  clear(): void {
    this.byKey.clear();
  }

  async select(_tenant: string, matchers: LabelMatcher[], startMs: number, endMs: number) {
    const out: MemorySeries[] = [];
    for (const s of this.byKey.values()) {
      if (!matchers.every((m) => matchLabelValue(m, s.labels[m.name] ?? ''))) continue;
      const ts: number[] = [];
      const vs: number[] = [];
      s.timestampsMs.forEach((t, i) => {
        if (t >= startMs && t <= endMs) { ts.push(t); vs.push(s.values[i]!); }
      });
      if (ts.length > 0) out.push({ labels: s.labels, timestampsMs: ts, values: vs });
    }
    return out;
  }
}
