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
});
