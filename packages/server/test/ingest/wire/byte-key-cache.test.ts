import { describe, expect, it } from 'vitest';
import { ByteKeyCache, hashBytes } from '../../../src/ingest/wire/byte-key-cache.js';

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `text` placed at `offset` inside a larger buffer, like a label block inside a request. */
function embedded(text: string, offset: number): { bytes: Uint8Array; v: DataView; s: number; e: number } {
  const body = Buffer.from(text);
  const bytes = new Uint8Array(offset + body.length + 3).fill(0xee);
  bytes.set(body, offset);
  return { bytes, v: view(bytes), s: offset, e: offset + body.length };
}

describe('ByteKeyCache', () => {
  it('finds a value by equal bytes wherever they sit, and nothing for bytes that differ anywhere', () => {
    const cache = new ByteKeyCache<string>({ maxEntries: 16 });
    const a = embedded('__name__=up,job=api,instance=10.0.0.1:9100', 5);
    cache.set(a.bytes, a.v, a.s, a.e, 'A');
    const same = embedded('__name__=up,job=api,instance=10.0.0.1:9100', 1);
    expect(cache.get(same.v, same.s, same.e)).toBe('A');
    // One byte different: first word, last word, the tail after the last whole word.
    for (const other of ['__name__=uq,job=api,instance=10.0.0.1:9100', 'x_name__=up,job=api,instance=10.0.0.1:9100', '__name__=up,job=api,instance=10.0.0.1:9101', '__name__=up,job=api,instance=10.0.0.1:910']) {
      const o = embedded(other, 2);
      expect(cache.get(o.v, o.s, o.e), other).toBeUndefined();
    }
    expect(cache.size).toBe(1);
  });

  it('keeps thousands of similar keys apart (probe runs over colliding slots)', () => {
    const cache = new ByteKeyCache<number>({ maxEntries: 5_000 });
    const keys = Array.from({ length: 5_000 }, (_, i) => Buffer.from(`m{pod="api-${i % 50}",zone="z${Math.floor(i / 50)}"}`));
    keys.forEach((k, i) => cache.set(k, view(k), 0, k.length, i));
    keys.forEach((k, i) => expect(cache.get(view(k), 0, k.length)).toBe(i));
    const unknown = Buffer.from('m{pod="api-1",zone="z999"}');
    expect(cache.get(view(unknown), 0, unknown.length)).toBeUndefined();
  });

  it('keeps key spaces apart: the same bytes in two spaces are two entries', () => {
    const cache = new ByteKeyCache<string>({ maxEntries: 8 });
    const k = Buffer.from('route=/a,code=200');
    cache.set(k, view(k), 0, k.length, 'job a', 1);
    expect(cache.get(view(k), 0, k.length, 2)).toBeUndefined();
    expect(cache.get(view(k), 0, k.length)).toBeUndefined();
    cache.set(k, view(k), 0, k.length, 'job b', 2);
    expect(cache.get(view(k), 0, k.length, 1)).toBe('job a');
    expect(cache.get(view(k), 0, k.length, 2)).toBe('job b');
  });

  it('tells apart keys of the same length whose hashes are equal (compares the bytes)', () => {
    // Birthday search for two 12-byte keys with one 32-bit hash.
    const seen = new Map<number, Buffer>();
    let pair: [Buffer, Buffer] | undefined;
    for (let i = 0; !pair; i++) {
      const k = Buffer.from(`k${i.toString(16).padStart(11, '0')}`);
      const h = hashBytes(view(k), 0, k.length);
      const other = seen.get(h);
      if (other) pair = [other, k];
      else seen.set(h, k);
    }
    const cache = new ByteKeyCache<string>({ maxEntries: 4 });
    cache.set(pair[0], view(pair[0]), 0, 12, 'first');
    expect(cache.get(view(pair[1]), 0, 12)).toBeUndefined();
    cache.set(pair[1], view(pair[1]), 0, 12, 'second');
    expect(cache.get(view(pair[0]), 0, 12)).toBe('first');
    expect(cache.get(view(pair[1]), 0, 12)).toBe('second');
  });

  it('clears itself when the entries or the key bytes reach their bounds, then fills again', () => {
    const byCount = new ByteKeyCache<number>({ maxEntries: 4 });
    const key = (i: number) => Buffer.from(`key-${i}`);
    for (let i = 0; i < 4; i++) byCount.set(key(i), view(key(i)), 0, key(i).length, i);
    expect(byCount.size).toBe(4);
    byCount.set(key(4), view(key(4)), 0, key(4).length, 4);
    expect(byCount.size).toBe(1);
    expect(byCount.get(view(key(0)), 0, key(0).length)).toBeUndefined();
    expect(byCount.get(view(key(4)), 0, key(4).length)).toBe(4);

    const byBytes = new ByteKeyCache<number>({ maxEntries: 1_000, maxArenaBytes: 64 });
    const long = (i: number) => Buffer.from(`${i}`.padEnd(30, '.'));
    byBytes.set(long(1), view(long(1)), 0, 30, 1);
    byBytes.set(long(2), view(long(2)), 0, 30, 2);
    byBytes.set(long(3), view(long(3)), 0, 30, 3);
    expect(byBytes.size).toBe(1);
    expect(byBytes.get(view(long(3)), 0, 30)).toBe(3);
    expect(byBytes.get(view(long(1)), 0, 30)).toBeUndefined();
  });

  it('grows its key storage past the first megabyte without losing entries', () => {
    const cache = new ByteKeyCache<number>({ maxEntries: 10_000 });
    const key = (i: number) => Buffer.from(`${i}:`.padEnd(400, 'x'));
    for (let i = 0; i < 5_000; i++) cache.set(key(i), view(key(i)), 0, 400, i);
    for (let i = 0; i < 5_000; i += 97) expect(cache.get(view(key(i)), 0, 400)).toBe(i);
  });

  it('does not cache keys longer than maxKeyBytes', () => {
    const cache = new ByteKeyCache<number>({ maxEntries: 8, maxKeyBytes: 8 });
    const k = Buffer.from('0123456789');
    cache.set(k, view(k), 0, k.length, 1);
    expect(cache.size).toBe(0);
    expect(cache.get(view(k), 0, k.length)).toBeUndefined();
  });

  describe('successor hints', () => {
    const keys = ['a{x="1"}', 'a{x="2"}', 'b{x="1"}', 'b{x="22"}'].map((t) => Buffer.from(t));
    const fill = (cache: ByteKeyCache<string>) => {
      let prev = -1;
      return keys.map((k, i) => (prev = cache.set(k, view(k), 0, k.length, `v${i}`, 0, prev)));
    };

    it('finds each key of a repeated sequence through the previous one, and the same entries as without hints', () => {
      const cache = new ByteKeyCache<string>({ maxEntries: 16 });
      const entries = fill(cache);
      expect(entries).toEqual([0, 1, 2, 3]);
      let prev = -1;
      for (let round = 0; round < 3; round++) {
        keys.forEach((k, i) => {
          const e = cache.find(view(k), 0, k.length, 0, prev);
          expect(e).toBe(entries[i]);
          expect(cache.value(e)).toBe(`v${i}`);
          expect(cache.find(view(k), 0, k.length, 0, -1)).toBe(e);
          prev = e;
        });
      }
    });

    it('falls back to the hashed lookup when the order changes or the guess has other bytes of the same length', () => {
      const cache = new ByteKeyCache<string>({ maxEntries: 16 });
      const [e0, e1, e2] = fill(cache);
      // After keys[0] the hint says keys[1]; keys[2] comes instead (same length, other bytes).
      expect(cache.find(view(keys[2]!), 0, keys[2]!.length, 0, e0!)).toBe(e2);
      // The hint learnt the new order; keys[1] after keys[0] still resolves, and the hint moves back.
      expect(cache.find(view(keys[1]!), 0, keys[1]!.length, 0, e0!)).toBe(e1);
      const unknown = Buffer.from('a{x="3"}');
      expect(cache.find(view(unknown), 0, unknown.length, 0, e0!)).toBe(-1);
      // A hint from another key space is not taken.
      expect(cache.find(view(keys[1]!), 0, keys[1]!.length, 7, e0!)).toBe(-1);
    });

    it('never answers from a hint that outlived a clear, and set() says which keys it cannot hold', () => {
      const cache = new ByteKeyCache<string>({ maxEntries: 4, maxKeyBytes: 16 });
      const [e0] = fill(cache);
      // A fifth key clears the cache: entry numbers start again, old hints point elsewhere.
      const fifth = Buffer.from('c{y="1"}');
      const f = cache.set(fifth, view(fifth), 0, fifth.length, 'v4', 0, 3);
      expect(f).toBe(0);
      expect(cache.size).toBe(1);
      expect(cache.find(view(keys[1]!), 0, keys[1]!.length, 0, e0!)).toBe(-1);
      // The old entries' bytes are still in the arena past the new ones: a stale hint must not reach them.
      expect(cache.find(view(keys[3]!), 0, keys[3]!.length, 0, 2)).toBe(-1);
      expect(cache.find(view(fifth), 0, fifth.length, 0, 3)).toBe(0);
      const long = Buffer.from('z'.repeat(17));
      expect(cache.set(long, view(long), 0, long.length, 'too long')).toBe(-1);
      expect(cache.find(view(long), 0, long.length, 0, -1)).toBe(-1);
    });
  });
});
