// Reads over the day partitions a range touches: acquire the ones that exist (so retention
// cannot detach them mid-query), build one UNION ALL over them, release afterwards.
import type { Partition, PartitionSet } from './partitions.js';
import { dayOfMs, dayOfNs } from './time.js';

export async function withPartitions<T>(set: PartitionSet, days: readonly number[], empty: T, body: (parts: Partition[]) => Promise<T>): Promise<T> {
  const parts: Partition[] = [];
  try {
    for (const day of days) {
      const p = await set.acquire(day, false);
      if (p) parts.push(p);
    }
    return parts.length === 0 ? empty : await body(parts);
  } finally {
    for (const p of parts) set.release(p);
  }
}

/** Existing days overlapping [startNs, endNs). */
export function daysForNs(set: PartitionSet, startNs: bigint, endNs: bigint): number[] {
  if (endNs <= startNs) return [];
  return set.daysIn(dayOfNs(startNs), dayOfNs(endNs - 1n));
}

/** Existing days overlapping [startMs, endMs] (inclusive). */
export function daysForMs(set: PartitionSet, startMs: number, endMs: number): number[] {
  if (!(endMs >= startMs)) return [];
  return set.daysIn(dayOfMs(startMs), dayOfMs(endMs));
}

export function table(p: Partition, name: string): string {
  return `"${p.alias}".main.${name}`;
}

/** `select(from)` for each partition, glued with UNION ALL. */
export function unionAll(parts: readonly Partition[], name: string, select: (from: string) => string): string {
  return parts.map((p) => select(table(p, name))).join('\nUNION ALL\n');
}
