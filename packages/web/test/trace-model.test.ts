import { describe, expect, it } from 'vitest';
import { axisTicks, buildTraceModel, collapseBelowDepth, searchSpans, visibleRows } from '../src/lib/trace-model.js';
import { MS, span } from './fixtures.js';

//  a [0..100]
//  ├─ b [10..40]
//  │   └─ d [20..30]
//  └─ c [30..90]   (overlaps b: self time of a counts the union once)
const spans = [span('c', 'a', 30, 90), span('d', 'b', 20, 30), span('a', '', 0, 100), span('b', 'a', 10, 40, { statusCode: 2 })];

describe('buildTraceModel', () => {
  const model = buildTraceModel('t1', spans);

  it('orders rows in preorder with siblings by start', () => {
    expect(model.nodes.map((n) => n.id)).toEqual(['a', 'b', 'd', 'c']);
    expect(model.nodes.map((n) => n.depth)).toEqual([0, 1, 2, 1]);
    expect(model.durationNs).toBe(100 * MS);
    expect(model.maxDepth).toBe(2);
    expect(model.errorCount).toBe(1);
  });

  it('computes self time over the union of children', () => {
    const a = model.byId.get('a')!;
    expect(a.selfNs).toBe(20 * MS); // 100 - union(10..40, 30..90) = 100 - 80
    expect(model.byId.get('b')!.selfNs).toBe(20 * MS);
    expect(model.byId.get('d')!.selfNs).toBe(10 * MS);
    expect(a.descendants).toBe(3);
  });

  it('makes spans with missing parents orphan roots', () => {
    const m = buildTraceModel('t', [span('x', 'missing', 5, 6), span('r', '', 0, 10)]);
    expect(m.roots.map((r) => r.id)).toEqual(['r', 'x']);
    expect(m.byId.get('x')!.orphan).toBe(true);
  });

  it('survives parent cycles and duplicate ids', () => {
    const m = buildTraceModel('t', [span('p', 'q', 0, 10), span('q', 'p', 1, 5), span('q', 'p', 1, 5)]);
    expect(m.nodes).toHaveLength(2);
    expect(new Set(m.nodes.map((n) => n.id))).toEqual(new Set(['p', 'q']));
  });

  it('handles a 10,000-span chain without recursion limits', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : '', i * 0.001, 20 - i * 0.001));
    const m = buildTraceModel('t', chain);
    expect(m.maxDepth).toBe(9_999);
    expect(m.nodes[9_999]!.id).toBe('s9999');
  });
});

describe('visibleRows', () => {
  const model = buildTraceModel('t1', spans);
  it('skips collapsed subtrees', () => {
    expect(visibleRows(model, new Set(['b'])).map((n) => n.id)).toEqual(['a', 'b', 'c']);
    expect(visibleRows(model, new Set(['a'])).map((n) => n.id)).toEqual(['a']);
    expect(visibleRows(model, new Set()).length).toBe(4);
  });
  it('collapses below a depth', () => {
    expect([...collapseBelowDepth(model, 1)]).toEqual(['b']);
  });
});

describe('searchSpans', () => {
  it('matches names, services, attributes and events', () => {
    const m = buildTraceModel('t', [
      span('a', '', 0, 10, { name: 'GET /cart', serviceName: 'frontend' }),
      span('b', 'a', 1, 2, { attributes: { 'db.statement': 'SELECT * FROM carts' } }),
      span('c', 'a', 2, 3, { events: [{ name: 'exception', timeUnixNano: '0', attributes: {}, droppedAttributesCount: 0 }] }),
    ]);
    expect(searchSpans(m, 'cart').map((n) => n.id)).toEqual(['a', 'b']);
    expect(searchSpans(m, 'FRONTEND').map((n) => n.id)).toEqual(['a']);
    expect(searchSpans(m, 'exception').map((n) => n.id)).toEqual(['c']);
    expect(searchSpans(m, '  ')).toEqual([]);
  });
});

describe('axisTicks', () => {
  it('uses round steps', () => {
    expect(axisTicks(100 * MS, 5)).toEqual([0, 20, 40, 60, 80, 100].map((x) => x * MS));
    expect(axisTicks(0)).toEqual([0]);
  });
});
