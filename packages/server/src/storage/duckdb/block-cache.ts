// Decoded sealed sample blocks, kept in memory between queries (LRU, bounded by bytes).
//
// A sealed block (one row of `sample_blocks`: one series, one hour) never changes in place: the
// sealer rewrites a block only by merging late samples into it, which adds samples, so the row
// that comes back has a larger `count` (repeated times keep the sealed sample and are dropped).
// An entry is therefore keyed by (day partition, tenant, fingerprint, start_ms) and only used
// when the row's end_ms and count match too; a stale entry is never returned even if an
// invalidation was missed. Invalidation still frees memory early and covers what the key cannot
// see: a day file dropped by retention (a late write may create the same day afresh), a day file
// rewritten by compaction, and blocks re-sealed with late samples.
import type { BlockCacheStats } from '../store.js';

export type { BlockCacheStats };

export interface CachedBlock {
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
}

interface Entry extends CachedBlock {
  readonly day: number;
  readonly tenant: string;
  readonly fp: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly count: number;
  readonly bytes: number;
  prev: Entry | undefined;
  next: Entry | undefined;
}

/** What an entry costs beyond its two arrays (objects, map slots), roughly. */
const ENTRY_OVERHEAD = 200;

export class SampleBlockCache {
  /** day -> tenant -> fingerprint -> start_ms -> entry */
  private readonly index = new Map<number, Map<string, Map<number, Map<number, Entry>>>>();
  /** Least recently used first. */
  private head: Entry | undefined;
  private tail: Entry | undefined;
  private readonly s: BlockCacheStats;

  constructor(readonly maxBytes: number) {
    if (!(maxBytes >= 0) || !Number.isFinite(maxBytes)) throw new RangeError(`block cache size must be a finite number of bytes >= 0, got ${maxBytes}`);
    this.s = { hits: 0, misses: 0, evictions: 0, invalidations: 0, entries: 0, bytes: 0, maxBytes };
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  stats(): BlockCacheStats {
    return { ...this.s };
  }

  /**
   * The decoded block if cached with the same end and count. Counted as a hit or a miss unless
   * `tally` is false (then the caller counts what it ends up using, with record()).
   */
  get(day: number, tenant: string, fp: number, startMs: number, endMs: number, count: number, tally = true): CachedBlock | undefined {
    const e = this.index.get(day)?.get(tenant)?.get(fp)?.get(startMs);
    if (e && e.endMs === endMs && e.count === count) {
      if (tally) this.s.hits++;
      this.touch(e);
      return e;
    }
    if (e) this.remove(e, 'invalidations');
    if (tally) this.s.misses++;
    return undefined;
  }

  /** Whether any block of the series in that day is cached (no hit or miss counted). */
  hasSeries(day: number, tenant: string, fp: number): boolean {
    return this.index.get(day)?.get(tenant)?.has(fp) ?? false;
  }

  /** Blocks served from memory (hits) and read from disk (misses) by a caller of get(…, false). */
  record(hits: number, misses: number): void {
    this.s.hits += hits;
    this.s.misses += misses;
  }

  /** Keeps a decoded block (the arrays are owned by the cache from now on: never modify them). */
  put(day: number, tenant: string, fp: number, startMs: number, endMs: number, count: number, timestampsMs: Float64Array, values: Float64Array): void {
    const bytes = timestampsMs.byteLength + values.byteLength + ENTRY_OVERHEAD;
    if (bytes > this.maxBytes) return;
    // First, so the maps below are not ones its removal just emptied and dropped.
    const old = this.index.get(day)?.get(tenant)?.get(fp)?.get(startMs);
    if (old) this.remove(old, undefined);
    let byTenant = this.index.get(day);
    if (!byTenant) this.index.set(day, (byTenant = new Map()));
    let byFp = byTenant.get(tenant);
    if (!byFp) byTenant.set(tenant, (byFp = new Map()));
    let byStart = byFp.get(fp);
    if (!byStart) byFp.set(fp, (byStart = new Map()));
    const e: Entry = { day, tenant, fp, startMs, endMs, count, timestampsMs, values, bytes, prev: this.tail, next: undefined };
    byStart.set(startMs, e);
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    this.s.entries++;
    this.s.bytes += bytes;
    while (this.s.bytes > this.maxBytes && this.head) this.remove(this.head, 'evictions');
  }

  /** Forgets a day partition's blocks (the file was dropped or rewritten). */
  invalidateDay(day: number): void {
    const byTenant = this.index.get(day);
    if (!byTenant) return;
    for (const byFp of byTenant.values()) for (const byStart of byFp.values()) for (const e of [...byStart.values()]) this.remove(e, 'invalidations');
  }

  /** Forgets one tenant's blocks starting in [fromMs, toMs) of a day (re-sealed with late samples). */
  invalidateBlocks(day: number, tenant: string, fromMs: number, toMs: number): void {
    const byFp = this.index.get(day)?.get(tenant);
    if (!byFp) return;
    for (const byStart of [...byFp.values()]) {
      for (const e of [...byStart.values()]) if (e.startMs >= fromMs && e.startMs < toMs) this.remove(e, 'invalidations');
    }
  }

  clear(): void {
    while (this.head) this.remove(this.head, undefined);
  }

  private touch(e: Entry): void {
    if (this.tail === e) return;
    // Unlink, then append at the tail (most recently used).
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    e.next!.prev = e.prev;
    e.prev = this.tail;
    e.next = undefined;
    this.tail!.next = e;
    this.tail = e;
  }

  private remove(e: Entry, why: 'evictions' | 'invalidations' | undefined): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = undefined;
    this.s.entries--;
    this.s.bytes -= e.bytes;
    if (why) this.s[why]++;
    const byTenant = this.index.get(e.day)!;
    const byFp = byTenant.get(e.tenant)!;
    const byStart = byFp.get(e.fp)!;
    byStart.delete(e.startMs);
    if (byStart.size === 0) byFp.delete(e.fp);
    if (byFp.size === 0) byTenant.delete(e.tenant);
    if (byTenant.size === 0) this.index.delete(e.day);
  }
}
