import type { Span } from '@sightline/client';

/**
 * The span tree of one trace, with times relative to the trace start as plain numbers
 * (ns fit a double exactly for ~104 days), so layout code never touches bigint or strings.
 */
export interface SpanNode {
  span: Span;
  id: string;
  /** Position in preorder over the full tree (stable row key). */
  order: number;
  parent: SpanNode | null;
  children: SpanNode[];
  depth: number;
  /** Relative to the trace start, ns. */
  startNs: number;
  endNs: number;
  durationNs: number;
  /** Time not covered by any child (children clipped to this span), ns. */
  selfNs: number;
  isError: boolean;
  /** The parent id points at a span that is not in the trace (still arriving or dropped). */
  orphan: boolean;
  /** Number of spans in the subtree, excluding this one. */
  descendants: number;
}

export interface TraceModel {
  traceId: string;
  /** Absolute start of the trace, Unix ns. */
  startUnixNs: bigint;
  durationNs: number;
  roots: SpanNode[];
  /** Preorder: parents before children, siblings by start time. */
  nodes: SpanNode[];
  byId: Map<string, SpanNode>;
  services: string[];
  maxDepth: number;
  errorCount: number;
}

export function buildTraceModel(traceId: string, spans: Span[]): TraceModel {
  if (spans.length === 0) {
    return { traceId, startUnixNs: 0n, durationNs: 0, roots: [], nodes: [], byId: new Map(), services: [], maxDepth: 0, errorCount: 0 };
  }
  let minStart = BigInt(spans[0]!.startTimeUnixNano);
  const starts: bigint[] = new Array(spans.length);
  const ends: bigint[] = new Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    const start = BigInt(s.startTimeUnixNano);
    let end = BigInt(s.endTimeUnixNano);
    if (end < start) end = start; // clock skew or unfinished span: treat as instant
    starts[i] = start;
    ends[i] = end;
    if (start < minStart) minStart = start;
  }

  const byId = new Map<string, SpanNode>();
  const unordered: SpanNode[] = new Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const startNs = Number(starts[i]! - minStart);
    const endNs = Number(ends[i]! - minStart);
    const node: SpanNode = {
      span,
      id: span.spanId,
      order: -1,
      parent: null,
      children: [],
      depth: 0,
      startNs,
      endNs,
      durationNs: endNs - startNs,
      selfNs: 0,
      isError: span.statusCode === 2,
      orphan: false,
      descendants: 0,
    };
    unordered[i] = node;
    // Duplicate span ids (a retried export) keep the first copy.
    if (!byId.has(span.spanId)) byId.set(span.spanId, node);
  }

  const roots: SpanNode[] = [];
  for (const node of unordered) {
    if (byId.get(node.id) !== node) continue;
    const parentId = node.span.parentSpanId;
    const parent = parentId ? byId.get(parentId) : undefined;
    if (parent && parent !== node) {
      node.parent = parent;
      parent.children.push(node);
    } else {
      node.orphan = Boolean(parentId);
      roots.push(node);
    }
  }
  const byStart = (a: SpanNode, b: SpanNode) => a.startNs - b.startNs || a.endNs - b.endNs;
  roots.sort(byStart);

  // Iterative preorder: a 10,000-span chain must not overflow the stack. A visited set cuts
  // parent cycles, whose members are then attached as roots.
  const nodes: SpanNode[] = [];
  const visited = new Set<SpanNode>();
  let maxDepth = 0;
  let errorCount = 0;
  const walk = (root: SpanNode) => {
    const stack: SpanNode[] = [root];
    root.depth = 0;
    while (stack.length) {
      const node = stack.pop()!;
      if (visited.has(node)) continue;
      visited.add(node);
      node.order = nodes.length;
      nodes.push(node);
      if (node.depth > maxDepth) maxDepth = node.depth;
      if (node.isError) errorCount++;
      node.children.sort(byStart);
      for (let i = node.children.length - 1; i >= 0; i--) {
        const child = node.children[i]!;
        child.depth = node.depth + 1;
        stack.push(child);
      }
    }
  };
  for (const root of roots) walk(root);
  for (const node of byId.values()) {
    if (!visited.has(node)) {
      node.parent?.children.splice(node.parent.children.indexOf(node), 1);
      node.parent = null;
      node.orphan = true;
      roots.push(node);
      walk(node);
    }
  }

  // Self time and subtree sizes, children before parents (reverse preorder).
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    node.selfNs = node.durationNs - coveredByChildren(node);
    let count = 0;
    for (const child of node.children) count += 1 + child.descendants;
    node.descendants = count;
  }

  let traceEnd = 0;
  for (const node of nodes) if (node.endNs > traceEnd) traceEnd = node.endNs;
  const services: string[] = [];
  const seen = new Set<string>();
  for (const node of nodes) {
    if (!seen.has(node.span.serviceName)) {
      seen.add(node.span.serviceName);
      services.push(node.span.serviceName);
    }
  }
  return { traceId, startUnixNs: minStart, durationNs: traceEnd, roots, nodes, byId, services, maxDepth, errorCount };
}

/** Length of the union of the children's intervals clipped to the node. Children are sorted by start. */
function coveredByChildren(node: SpanNode): number {
  let covered = 0;
  let cursor = node.startNs;
  for (const child of node.children) {
    const a = Math.max(child.startNs, cursor);
    const b = Math.min(child.endNs, node.endNs);
    if (b > a) {
      covered += b - a;
      cursor = b;
    }
  }
  return covered;
}

/** The rows to draw: preorder, skipping the subtrees of collapsed spans. */
export function visibleRows(model: TraceModel, collapsed: ReadonlySet<string>): SpanNode[] {
  if (collapsed.size === 0) return model.nodes;
  const rows: SpanNode[] = [];
  const nodes = model.nodes;
  for (let i = 0; i < nodes.length; ) {
    const node = nodes[i]!;
    rows.push(node);
    // Preorder puts a subtree right after its root, so skipping it is an index jump.
    i += collapsed.has(node.id) ? node.descendants + 1 : 1;
  }
  return rows;
}

/** Ids of all ancestors, nearest first; used to expand the path to a deep-linked span. */
export function ancestorIds(node: SpanNode): string[] {
  const ids: string[] = [];
  for (let p = node.parent; p; p = p.parent) ids.push(p.id);
  return ids;
}

/** Collapses every span deeper than `depth` that has children (the "collapse to level" action). */
export function collapseBelowDepth(model: TraceModel, depth: number): Set<string> {
  const ids = new Set<string>();
  for (const node of model.nodes) if (node.depth >= depth && node.children.length > 0) ids.add(node.id);
  return ids;
}

function valueMatches(value: unknown, needle: string): boolean {
  if (value === null || value === undefined) return false;
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.toLowerCase().includes(needle);
}

/**
 * Spans matching a search text in their name, service, ids, status message, attribute keys
 * or values, or event names; in row order. Empty text matches nothing.
 */
export function searchSpans(model: TraceModel, text: string): SpanNode[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return [];
  return model.nodes.filter((node) => {
    const s = node.span;
    if (s.name.toLowerCase().includes(needle) || s.serviceName.toLowerCase().includes(needle)) return true;
    if (s.spanId.startsWith(needle) || s.statusMessage.toLowerCase().includes(needle)) return true;
    for (const [k, v] of Object.entries(s.attributes)) if (k.toLowerCase().includes(needle) || valueMatches(v, needle)) return true;
    for (const e of s.events) if (e.name.toLowerCase().includes(needle)) return true;
    return false;
  });
}

/** Tick positions (ns, relative) for a time axis of `durationNs`, about `target` ticks. */
export function axisTicks(durationNs: number, target = 5): number[] {
  if (durationNs <= 0) return [0];
  const raw = durationNs / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = 0; t <= durationNs + step * 1e-9; t += step) ticks.push(t);
  return ticks;
}

export const SPAN_KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
