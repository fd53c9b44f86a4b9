import type { Span } from '@sightline/client';

const BASE = 1_700_000_000_000_000_000n;

/** A span with times in ms relative to a fixed base; the rest of the fields are defaults. */
export function span(id: string, parent: string, startMs: number, endMs: number, extra: Partial<Span> = {}): Span {
  const start = BASE + BigInt(Math.round(startMs * 1e6));
  const end = BASE + BigInt(Math.round(endMs * 1e6));
  return {
    traceId: 't1',
    spanId: id,
    parentSpanId: parent,
    traceState: '',
    flags: 1,
    name: extra.name ?? `op-${id}`,
    kind: 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(end),
    durationNs: String(end - start),
    statusCode: 0,
    statusMessage: '',
    attributes: {},
    events: [],
    links: [],
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    serviceName: 'svc',
    scopeName: '',
    scopeVersion: '',
    resourceAttributes: {},
    ...extra,
  };
}

export const MS = 1e6;
