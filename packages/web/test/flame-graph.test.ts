import { describe, expect, it } from 'vitest';
import { buildFlameGraph } from '../src/lib/flame-graph.js';
import { buildTraceModel } from '../src/lib/trace-model.js';
import { MS, span } from './fixtures.js';

describe('buildFlameGraph', () => {
  it('merges repeated calls under the same path and sizes by total time', () => {
    // root [0..100] calls db 3x (10ms each) and cache once (20ms)
    const model = buildTraceModel('t', [
      span('r', '', 0, 100, { name: 'GET /', serviceName: 'web' }),
      span('d1', 'r', 0, 10, { name: 'SELECT', serviceName: 'db' }),
      span('d2', 'r', 10, 20, { name: 'SELECT', serviceName: 'db', statusCode: 2 }),
      span('d3', 'r', 20, 30, { name: 'SELECT', serviceName: 'db' }),
      span('c', 'r', 30, 50, { name: 'GET', serviceName: 'cache' }),
    ]);
    const g = buildFlameGraph(model);
    expect(g.maxDepth).toBe(1);
    const byName = Object.fromEntries(g.frames.map((f) => [f.name, f]));
    expect(byName['GET /']).toMatchObject({ x0: 0, x1: 1, depth: 0, count: 1, totalNs: 100 * MS, selfNs: 50 * MS });
    expect(byName['SELECT']).toMatchObject({ depth: 1, count: 3, errorCount: 1, totalNs: 30 * MS, spanIds: ['d1', 'd2', 'd3'] });
    expect(byName['SELECT']!.x0).toBe(0);
    expect(byName['SELECT']!.x1).toBeCloseTo(0.3);
    expect(byName['GET']!.x0).toBeCloseTo(0.3); // widest first, then packed
    expect(byName['GET']!.x1).toBeCloseTo(0.5);
  });

  it('squeezes concurrent children that add up to more than the parent', () => {
    const model = buildTraceModel('t', [span('r', '', 0, 10), span('a', 'r', 0, 10), span('b', 'r', 0, 10, { name: 'other' })]);
    const g = buildFlameGraph(model);
    const kids = g.frames.filter((f) => f.depth === 1);
    expect(kids.map((k) => k.x1 - k.x0)).toEqual([0.5, 0.5]);
  });

  it('places several roots side by side', () => {
    const g = buildFlameGraph(buildTraceModel('t', [span('a', '', 0, 30), span('b', '', 40, 50, { name: 'b' })]));
    const roots = g.frames.filter((f) => f.depth === 0);
    expect(roots.map((f) => [f.x0, f.x1])).toEqual([[0, 0.75], [0.75, 1]]);
  });
});
