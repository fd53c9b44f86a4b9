import type { SpanNode, TraceModel } from './trace-model.js';

/**
 * A flame graph of one trace: spans with the same service and name under the same stack
 * path merge into one frame, the way a profiler merges samples, so repeated calls (an N+1
 * query loop) show as one wide frame. Width is total time; frames are ordered widest first.
 */
export interface FlameFrame {
  /** `service\u0000name` path from the root, unique per frame. */
  key: string;
  service: string;
  name: string;
  depth: number;
  /** Horizontal extent as fractions 0..1 of the root width. */
  x0: number;
  x1: number;
  /** Summed duration of merged spans, ns. */
  totalNs: number;
  /** Summed self time, ns. */
  selfNs: number;
  /** Number of spans merged into the frame. */
  count: number;
  errorCount: number;
  /** Span ids merged into the frame (the first is used for "open in waterfall"). */
  spanIds: string[];
  parentKey: string | null;
}

export interface FlameGraph {
  frames: FlameFrame[];
  maxDepth: number;
  totalNs: number;
}

interface Agg {
  key: string;
  service: string;
  name: string;
  depth: number;
  totalNs: number;
  selfNs: number;
  count: number;
  errorCount: number;
  spanIds: string[];
  children: Map<string, Agg>;
  parentKey: string | null;
}

export function buildFlameGraph(model: TraceModel): FlameGraph {
  const top = new Map<string, Agg>();
  // Preorder guarantees a parent's aggregate exists before its children are merged.
  const aggOf = new Map<SpanNode, Agg>();
  for (const node of model.nodes) {
    const parentAgg = node.parent ? aggOf.get(node.parent) : undefined;
    const siblings = parentAgg ? parentAgg.children : top;
    const local = `${node.span.serviceName}\u0000${node.span.name}`;
    let agg = siblings.get(local);
    if (!agg) {
      agg = {
        key: parentAgg ? `${parentAgg.key}\u0001${local}` : local,
        service: node.span.serviceName,
        name: node.span.name,
        depth: parentAgg ? parentAgg.depth + 1 : 0,
        totalNs: 0,
        selfNs: 0,
        count: 0,
        errorCount: 0,
        spanIds: [],
        children: new Map(),
        parentKey: parentAgg ? parentAgg.key : null,
      };
      siblings.set(local, agg);
    }
    agg.totalNs += node.durationNs;
    agg.selfNs += node.selfNs;
    agg.count++;
    if (node.isError) agg.errorCount++;
    agg.spanIds.push(node.id);
    aggOf.set(node, agg);
  }

  const frames: FlameFrame[] = [];
  let maxDepth = 0;
  let totalNs = 0;
  for (const a of top.values()) totalNs += a.totalNs;
  if (totalNs <= 0) totalNs = 1;

  const place = (level: Map<string, Agg>, x0: number, width: number, parentTotal: number) => {
    const items = [...level.values()].sort((a, b) => b.totalNs - a.totalNs || a.name.localeCompare(b.name));
    let sum = 0;
    for (const a of items) sum += a.totalNs;
    // Concurrent children can add up to more than their parent; squeeze them to fit.
    const scale = sum > parentTotal && sum > 0 ? parentTotal / sum : 1;
    let x = x0;
    for (const a of items) {
      const w = parentTotal > 0 ? (a.totalNs * scale * width) / parentTotal : 0;
      frames.push({
        key: a.key,
        service: a.service,
        name: a.name,
        depth: a.depth,
        x0: x,
        x1: x + w,
        totalNs: a.totalNs,
        selfNs: a.selfNs,
        count: a.count,
        errorCount: a.errorCount,
        spanIds: a.spanIds,
        parentKey: a.parentKey,
      });
      if (a.depth > maxDepth) maxDepth = a.depth;
      if (a.children.size) stack.push({ level: a.children, x0: x, width: w, total: a.totalNs });
      x += w;
    }
  };
  const stack: Array<{ level: Map<string, Agg>; x0: number; width: number; total: number }> = [];
  place(top, 0, 1, totalNs);
  while (stack.length) {
    const next = stack.pop()!;
    place(next.level, next.x0, next.width, next.total);
  }
  return { frames, maxDepth, totalNs };
}
