// Reads over the day partitions a range touches: acquire the ones that exist (so retention
// cannot detach them mid-query), build one UNION ALL over them, release afterwards.
import type { Partition, PartitionSet } from './partitions.js';
import { dayOfMs, dayOfNs } from './time.js';

export async function withPartitions<T>(set: PartitionSet, days: readonly number[], empty: T, body: (parts: Partition[]) => Promise<T>): Promise<T> {
  const held: HeldPartitions = [];
  try {
    const parts = await acquireExisting(set, days, held);
    return parts.length === 0 ? empty : await body(parts);
  } finally {
    releaseAll(held);
  }
}

/** Partitions acquired from possibly several sets, to give back with releaseAll. */
export type HeldPartitions = Array<[PartitionSet, Partition]>;

/** Acquires the existing partitions of `days` (never creating one), recording them in `held`. */
export async function acquireExisting(set: PartitionSet, days: readonly number[], held: HeldPartitions): Promise<Partition[]> {
  const parts: Partition[] = [];
  for (const day of days) {
    const p = await set.acquire(day, false);
    if (p) {
      held.push([set, p]);
      parts.push(p);
    }
  }
  return parts;
}

export function releaseAll(held: HeldPartitions): void {
  for (const [set, p] of held.splice(0)) set.release(p);
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

/** `select(from, k)` for each partition (k its index in `parts`), glued with UNION ALL. */
export function unionAll(parts: readonly Partition[], name: string, select: (from: string, k: number) => string): string {
  return parts.map((p, k) => select(table(p, name), k)).join('\nUNION ALL\n');
}
