// Trace and span ids as lowercase hex. Ids repeat a lot inside one request (every span of a
// trace shares its trace id; parent ids are other spans' ids), so a small direct-mapped cache
// returns the already built string instead of allocating a new one.

const HEX_CHARS = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const s = i.toString(16).padStart(2, '0');
  HEX_CHARS[2 * i] = s.charCodeAt(0);
  HEX_CHARS[2 * i + 1] = s.charCodeAt(1);
}

const fromCharCode = String.fromCharCode;

/** Lowercase hex of the 8 bytes at buf[s]; one flat string from a single call, no scratch copy. */
function hex8(buf: Uint8Array, s: number): string {
  const h = HEX_CHARS;
  const a = buf[s] << 1;
  const b = buf[s + 1] << 1;
  const c = buf[s + 2] << 1;
  const d = buf[s + 3] << 1;
  const e = buf[s + 4] << 1;
  const f = buf[s + 5] << 1;
  const g = buf[s + 6] << 1;
  const k = buf[s + 7] << 1;
  return fromCharCode(h[a], h[a + 1], h[b], h[b + 1], h[c], h[c + 1], h[d], h[d + 1], h[e], h[e + 1], h[f], h[f + 1], h[g], h[g + 1], h[k], h[k + 1]);
}

/** Lowercase hex of the 16 bytes at buf[s], flat (concatenating two halves would make a rope). */
function hex16(buf: Uint8Array, s: number): string {
  const h = HEX_CHARS;
  const a = buf[s] << 1;
  const b = buf[s + 1] << 1;
  const c = buf[s + 2] << 1;
  const d = buf[s + 3] << 1;
  const e = buf[s + 4] << 1;
  const f = buf[s + 5] << 1;
  const g = buf[s + 6] << 1;
  const k = buf[s + 7] << 1;
  const l = buf[s + 8] << 1;
  const m = buf[s + 9] << 1;
  const n = buf[s + 10] << 1;
  const o = buf[s + 11] << 1;
  const p = buf[s + 12] << 1;
  const q = buf[s + 13] << 1;
  const r = buf[s + 14] << 1;
  const t = buf[s + 15] << 1;
  return fromCharCode(
    h[a], h[a + 1], h[b], h[b + 1], h[c], h[c + 1], h[d], h[d + 1], h[e], h[e + 1], h[f], h[f + 1], h[g], h[g + 1], h[k], h[k + 1],
    h[l], h[l + 1], h[m], h[m + 1], h[n], h[n + 1], h[o], h[o + 1], h[p], h[p + 1], h[q], h[q + 1], h[r], h[r + 1], h[t], h[t + 1],
  );
}

/** Lowercase hex of an 8- or 16-byte id at buf[s]. */
export function hexOf(buf: Uint8Array, s: number, len: 8 | 16): string {
  return len === 8 ? hex8(buf, s) : hex16(buf, s);
}

export function isAllZero(buf: Uint8Array, s: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[s + i] !== 0) return false;
  return true;
}

const CACHE_BITS = 12;
const CACHE_MASK = (1 << CACHE_BITS) - 1;

class IdCache {
  private readonly keys: Uint8Array;
  private readonly strings: string[];

  constructor(private readonly width: 8 | 16) {
    this.keys = new Uint8Array(width << CACHE_BITS);
    this.strings = new Array<string>(1 << CACHE_BITS).fill('');
  }

  hex(buf: Uint8Array, s: number): string {
    const w = this.width;
    // The last bytes of generated ids are random; two of them index the cache.
    const slot = (buf[s + w - 1] | (buf[s + w - 2] << 8)) & CACHE_MASK;
    const keys = this.keys;
    const k = slot * w;
    const cached = this.strings[slot];
    if (cached !== '') {
      let same = true;
      for (let i = 0; i < w; i++) {
        if (keys[k + i] !== buf[s + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const str = hexOf(buf, s, w);
    for (let i = 0; i < w; i++) keys[k + i] = buf[s + i];
    this.strings[slot] = str;
    return str;
  }
}

const traceIds = new IdCache(16);
const spanIds = new IdCache(8);

/** Hex of a 16-byte trace id at buf[s]. */
export function traceIdHex(buf: Uint8Array, s: number): string {
  return traceIds.hex(buf, s);
}

/** Hex of an 8-byte span id at buf[s]. */
export function spanIdHex(buf: Uint8Array, s: number): string {
  return spanIds.hex(buf, s);
}

const ZEROS = /^0*$/;

export function isZeroHex(text: string): boolean {
  return ZEROS.test(text);
}
