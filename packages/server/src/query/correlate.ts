// Joins the two pillars that share a trace id: its spans and its logs, in one time-ordered
// stream, so a reader sees what happened in the order it happened.
import type { LogRow, SpanRow, Store, TimeRangeNs } from '../storage/store.js';

export type CorrelatedItem = ({ type: 'span' } & SpanRow) | ({ type: 'log' } & LogRow);

export interface CorrelatedTrace {
  traceId: string;
  items: CorrelatedItem[];
}

export async function correlateTrace(store: Store, tenant: string, traceId: string, range?: TimeRangeNs): Promise<CorrelatedTrace> {
  const [spans, logs] = await Promise.all([store.getTrace(tenant, traceId, range), store.logsForTrace(tenant, traceId, range)]);
  const items: CorrelatedItem[] = [];
  for (const s of spans) items.push({ type: 'span', ...s });
  for (const l of logs) items.push({ type: 'log', ...l });
  const timeOf = (i: CorrelatedItem) => BigInt(i.type === 'span' ? i.startTimeUnixNano : i.timeUnixNano !== '0' ? i.timeUnixNano : i.observedTimeUnixNano);
  // Stable: equal timestamps keep spans before the logs they emitted.
  items.sort((a, b) => {
    const ta = timeOf(a);
    const tb = timeOf(b);
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  });
  return { traceId, items };
}
