// A bounded map from byte ranges to values, for caches keyed by raw wire bytes (a series' label
// block in remote_write). Keying a Map by a string made of the bytes costs a native slice, a
// string allocation and V8's hash of every character: ~0.5-0.6 µs for a 200-byte label block.
// This hashes the bytes four at a time through a DataView, probes an open-addressing table of
// entry numbers and confirms a hit by comparing the stored copy word by word: ~0.2 µs, and no
// garbage (bench/remote-write-decode.mjs). A key may carry a 32-bit `space` besides its bytes
// (the OTLP decoder keys point attributes per job/instance/scope context), so one cache serves
// many small key spaces. Entries are never removed one by one; when the entries or the key
// bytes reach their bound the whole cache is cleared.
//
// Senders repeat their keys in the same order request after request (a Prometheus shard sends
// its series in scrape order, an OTLP exporter its data points in collection order), so each
// entry remembers the entry looked up right after it last time. find() with the previous
// lookup's entry as `after` tries that successor first: when the order holds, a hit costs one
// comparison of the bytes and no hashing. A wrong guess costs a length check or a comparison
// that stops at the first differing word, then the hashed lookup.

const EMPTY = -1;

export class ByteKeyCache<V> {
  private readonly maxEntries: number;
  private readonly maxKeyBytes: number;
  private readonly maxArenaBytes: number;
  private readonly mask: number;
  /** Open addressing: entry number per slot, EMPTY when free. */
  private readonly slots: Int32Array;
  private readonly hashes: Int32Array;
  private readonly spaces: Int32Array;
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  /** Per entry: the entry found right after it last time (EMPTY: none yet). */
  private readonly successors: Int32Array;
  private values: V[] = [];
  private arena: Uint8Array;
  private arenaView: DataView;
  private used = 0;
  private count = 0;

  constructor(opts: { maxEntries: number; maxKeyBytes?: number; maxArenaBytes?: number }) {
    this.maxEntries = opts.maxEntries;
    this.maxKeyBytes = opts.maxKeyBytes ?? 4096;
    this.maxArenaBytes = opts.maxArenaBytes ?? 64 * 1024 * 1024;
    // At most half full, so probe runs stay short.
    let size = 16;
    while (size < this.maxEntries * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size).fill(EMPTY);
    this.hashes = new Int32Array(this.maxEntries);
    this.spaces = new Int32Array(this.maxEntries);
    this.offsets = new Int32Array(this.maxEntries);
    this.lengths = new Int32Array(this.maxEntries);
    this.successors = new Int32Array(this.maxEntries).fill(EMPTY);
    this.arena = new Uint8Array(Math.min(this.maxArenaBytes, 1 << 20));
    this.arenaView = new DataView(this.arena.buffer);
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for bytes [s, e) of `view` (in key space `space`), if any. */
  get(view: DataView, s: number, e: number, space = 0): V | undefined {
    const k = this.find(view, s, e, space, EMPTY);
    return k === EMPTY ? undefined : this.values[k];
  }

  /**
   * The entry number holding bytes [s, e) (in key space `space`), or -1. `after`: the entry of
   * the previous lookup in the same sequence (or -1), whose remembered successor is tried first.
   */
  find(view: DataView, s: number, e: number, space: number, after: number): number {
    const n = e - s;
    if (n > this.maxKeyBytes) return EMPTY;
    const known = after >= 0 && after < this.count;
    if (known) {
      const k = this.successors[after]!;
      if (k !== EMPTY && this.lengths[k] === n && this.spaces[k] === space && this.sameBytes(view, s, e, this.offsets[k]!)) return k;
    }
    const h = hashBytes(view, s, e, space);
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = slots[i]!;
      if (k === EMPTY) return EMPTY;
      if (this.hashes[k] === h && this.lengths[k] === n && this.spaces[k] === space && this.sameBytes(view, s, e, this.offsets[k]!)) {
        if (known) this.successors[after] = k;
        return k;
      }
    }
  }

  /** The value of entry k (from find() or set(), before the next clear). */
  value(k: number): V {
    return this.values[k]!;
  }

  /**
   * Stores a value for bytes [s, e) of `bytes` (viewed by `view`); the caller checked find()
   * missed. Returns the entry number (-1 when the key is too long to cache). `after` as in find().
   */
  set(bytes: Uint8Array, view: DataView, s: number, e: number, value: V, space = 0, after = EMPTY): number {
    const n = e - s;
    if (n > this.maxKeyBytes) return EMPTY;
    if (this.count >= this.maxEntries || this.used + n > this.maxArenaBytes) {
      this.clear();
      after = EMPTY;
    }
    if (this.used + n > this.arena.length) this.growArena(this.used + n);
    const k = this.count++;
    const h = hashBytes(view, s, e, space);
    this.hashes[k] = h;
    this.spaces[k] = space;
    this.lengths[k] = n;
    this.offsets[k] = this.used;
    this.successors[k] = EMPTY;
    this.arena.set(bytes.subarray(s, e), this.used);
    this.used += n;
    this.values[k] = value;
    let i = h & this.mask;
    while (this.slots[i] !== EMPTY) i = (i + 1) & this.mask;
    this.slots[i] = k;
    if (after >= 0 && after < k) this.successors[after] = k;
    return k;
  }

  clear(): void {
    this.slots.fill(EMPTY);
    this.values = [];
    this.used = 0;
    this.count = 0;
  }

  private sameBytes(view: DataView, s: number, e: number, at: number): boolean {
    const arena = this.arenaView;
    let p = s;
    let q = at;
    // Eight bytes a step, both words compared at once: half the loop overhead of four.
    for (; p + 8 <= e; p += 8, q += 8) {
      if (((view.getUint32(p, true) ^ arena.getUint32(q, true)) | (view.getUint32(p + 4, true) ^ arena.getUint32(q + 4, true))) !== 0) return false;
    }
    for (; p < e; p++, q++) if (view.getUint8(p) !== arena.getUint8(q)) return false;
    return true;
  }

  private growArena(needed: number): void {
    let size = this.arena.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(Math.min(size, this.maxArenaBytes));
    next.set(this.arena.subarray(0, this.used));
    this.arena = next;
    this.arenaView = new DataView(next.buffer);
  }
}

/**
 * 32-bit hash of bytes [s, e): eight bytes a step into two independent multiply chains (so the
 * multiplications of one step do not wait for the other's), then murmur3's finaliser (low bits
 * index the table).
 */
export function hashBytes(view: DataView, s: number, e: number, seed = 0): number {
  let h = Math.imul(seed, 0x85ebca6b) ^ (e - s);
  let g = 0x27d4eb2f;
  let p = s;
  for (; p + 8 <= e; p += 8) {
    h = Math.imul(h ^ view.getUint32(p, true), 0x9e3779b1);
    g = Math.imul(g ^ view.getUint32(p + 4, true), 0x85ebca77);
  }
  for (; p < e; p++) h = Math.imul(h ^ view.getUint8(p), 0x9e3779b1);
  h ^= Math.imul(g ^ (g >>> 15), 0xc2b2ae3d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
