import { describe, expect, it } from 'vitest';
import { computeCriticalPath, criticalTimeNs } from '../src/lib/critical-path.js';
import { buildTraceModel } from '../src/lib/trace-model.js';
import { MS, span } from './fixtures.js';

function path(spans: ReturnType<typeof span>[]) {
  const model = buildTraceModel('t', spans);
  const cp = computeCriticalPath(model);
  return Object.fromEntries([...cp].map(([id, sections]) => [id, sections.map((s) => [s.startNs / MS, s.endNs / MS])]));
}

describe('computeCriticalPath', () => {
  it('a lone span is entirely critical', () => {
    expect(path([span('a', '', 0, 10)])).toEqual({ a: [[0, 10]] });
  });

  it('sequential children split the parent', () => {
    // a [0..100]: b [10..40], c [50..90]
    expect(path([span('a', '', 0, 100), span('b', 'a', 10, 40), span('c', 'a', 50, 90)])).toEqual({
      a: [[90, 100], [40, 50], [0, 10]],
      c: [[50, 90]],
      b: [[10, 40]],
    });
  });

  it('of parallel children only the last to finish is critical', () => {
    // b and c run in parallel; c ends later, and b ended after c started (so b is skipped).
    expect(path([span('a', '', 0, 100), span('b', 'a', 10, 60), span('c', 'a', 20, 80)])).toEqual({
      a: [[80, 100], [0, 20]],
      c: [[20, 80]],
    });
  });

  it('clips children that outlive their parent', () => {
    expect(path([span('a', '', 0, 50), span('b', 'a', 10, 200)])).toEqual({ a: [[0, 10]], b: [[10, 50]] });
  });

  it('descends through grandchildren', () => {
    const result = path([span('a', '', 0, 100), span('b', 'a', 10, 90), span('c', 'b', 20, 30), span('d', 'b', 40, 80)]);
    expect(result).toEqual({ a: [[90, 100], [0, 10]], b: [[80, 90], [30, 40], [10, 20]], d: [[40, 80]], c: [[20, 30]] });
    const total = Object.values(result).flat().reduce((sum, [s, e]) => sum + (e! - s!), 0);
    expect(total).toBe(100); // the critical path covers the trace exactly once
  });

  it('sums the critical time of a span', () => {
    expect(criticalTimeNs([{ startNs: 0, endNs: 5 }, { startNs: 10, endNs: 12 }])).toBe(7);
    expect(criticalTimeNs(undefined)).toBe(0);
  });

  it('handles a deep chain iteratively', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : '', i * 0.001, 20 - i * 0.001));
    const cp = computeCriticalPath(buildTraceModel('t', chain));
    expect(cp.size).toBe(10_000);
  });
});
