import type { SpanNode, TraceModel } from './trace-model.js';

/** A piece of a span's time that lies on the critical path, relative ns. */
export interface CriticalSection {
  startNs: number;
  endNs: number;
}

/**
 * The critical path: the chain of work that determined the trace's end-to-end latency
 * (Jaeger's algorithm). Walking back from the end of a span, the time belongs to the child
 * that finished last before that point; time where no child was running belongs to the span
 * itself. Children are first clipped to their parent, since a child outliving its parent
 * (fire-and-forget) cannot have delayed it.
 *
 * Returns, per span id, the sections of that span on the path (latest first).
 */
export function computeCriticalPath(model: TraceModel): Map<string, CriticalSection[]> {
  const result = new Map<string, CriticalSection[]>();
  if (model.roots.length === 0) return result;
  // The root that ends last carries the trace's latency.
  let root = model.roots[0]!;
  for (const r of model.roots) if (r.endNs > root.endNs) root = r;

  const add = (node: SpanNode, startNs: number, endNs: number) => {
    if (endNs <= startNs) return;
    let list = result.get(node.id);
    if (!list) result.set(node.id, (list = []));
    list.push({ startNs, endNs });
  };

  // Explicit stack of (span, window end): a deep trace must not overflow the call stack.
  const stack: Array<{ node: SpanNode; lo: number; hi: number }> = [{ node: root, lo: root.startNs, hi: root.endNs }];
  while (stack.length) {
    const { node, lo, hi } = stack.pop()!;
    // Walk back from `hi`: the child that finished last before the cursor is the one the
    // span was waiting on. Children ending after the cursor ran concurrently with work
    // already on the path, so (as in Jaeger) they are not on it.
    let cursor = hi;
    const children = node.children
      .filter((c) => c.startNs < hi && c.endNs > lo)
      .map((c) => ({ c, s: Math.max(c.startNs, lo), e: Math.min(c.endNs, hi) }))
      .sort((a, b) => b.e - a.e || a.s - b.s);
    for (const child of children) {
      if (cursor <= lo) break;
      if (child.e > cursor || child.s >= cursor) continue;
      add(node, child.e, cursor);
      stack.push({ node: child.c, lo: child.s, hi: child.e });
      cursor = child.s;
    }
    add(node, lo, cursor);
  }
  return result;
}

/** Total critical-path time per span, for "on critical path: 120ms" in the details panel. */
export function criticalTimeNs(sections: CriticalSection[] | undefined): number {
  if (!sections) return 0;
  let total = 0;
  for (const s of sections) total += s.endNs - s.startNs;
  return total;
}
