// Compact encoding of one series' samples (a sealed block, see duckdb/sample-sealer.ts).
//
// Layout (all integers LEB128 varints, signed ones zigzag-encoded):
//   count
//   t0, then (count >= 2) the first delta, then delta-of-deltas as a zero-run stream
//   value mode byte, then the values:
//     DECIMAL_DELTA / DECIMAL_DOD: scale k (values are m / 10^k with integer m), the exceptions
//       (values that are not such decimals: NaN with any payload, ±Inf, -0, too many digits)
//       as (index gap, 8 raw bytes), then m0 and the deltas (or delta-of-deltas) of m as a
//       zero-run stream. An exception keeps the previous m, so it does not disturb the deltas.
//     XOR: Gorilla's XOR bit stream (Pelkonen et al., 2015) over the raw 64-bit patterns.
//
// Why this and not Gorilla alone: real metric values are mostly integers or short decimals
// (counters, gauges of bytes, ratios with few digits); as VictoriaMetrics found, integer deltas
// of those cost 1-2 bytes where XOR costs 2-5. The zero-run stream makes a regular scrape
// interval (delta-of-delta 0) and a constant or linearly growing value almost free. Byte-aligned
// varints instead of Gorilla's bit fields cost a little density on jittery timestamps and keep
// the decoder simple and fast in JavaScript. Bit patterns survive exactly: NaN payloads (the
// Prometheus staleness marker is one) go through the exception list or XOR untouched.

const DECIMAL_DELTA = 0;
const DECIMAL_DOD = 1;
const XOR = 2;

const MAX_SCALE = 15;
const POW10 = Array.from({ length: MAX_SCALE + 1 }, (_, k) => 10 ** k);
/** Mantissas stay below this so deltas of deltas stay exact doubles. */
const MAX_MANTISSA = 2 ** 50;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts (every platform Node supports in practice): u32[0] is the low word.
const LO = 0;
const HI = 1;

class ByteWriter {
  buf = new Uint8Array(256);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned integer up to 2^53. */
  uvarint(v: number): void {
    this.ensure(8);
    while (v >= 128) {
      this.buf[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  svarint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  raw64(v: number): void {
    this.ensure(8);
    f64[0] = v;
    const lo = u32[LO]!;
    const hi = u32[HI]!;
    const b = this.buf;
    const p = this.pos;
    b[p] = lo & 255; b[p + 1] = (lo >>> 8) & 255; b[p + 2] = (lo >>> 16) & 255; b[p + 3] = lo >>> 24;
    b[p + 4] = hi & 255; b[p + 5] = (hi >>> 8) & 255; b[p + 6] = (hi >>> 16) & 255; b[p + 7] = hi >>> 24;
    this.pos += 8;
  }

  /** Integers with runs of zeros: a 0 token is followed by the run's length. */
  zeroRuns(xs: Float64Array | number[], from: number, to: number): void {
    let i = from;
    while (i < to) {
      const x = xs[i]!;
      if (x === 0) {
        let j = i + 1;
        while (j < to && xs[j] === 0) j++;
        this.byte(0);
        this.uvarint(j - i);
        i = j;
      } else {
        this.svarint(x);
        i++;
      }
    }
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

class ByteReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('sample block truncated');
    return this.buf[this.pos++]!;
  }

  uvarint(): number {
    let b = this.byte();
    if (b < 128) return b;
    let v = b & 127;
    let mul = 128;
    for (;;) {
      b = this.byte();
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
    }
  }

  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  raw64(): number {
    const b = this.buf;
    const p = this.pos;
    if (p + 8 > b.length) throw new Error('sample block truncated');
    u32[LO] = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    u32[HI] = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
    this.pos += 8;
    return f64[0]!;
  }

  /** Reads `n` integers of a zero-run stream into out[at..at+n). */
  zeroRuns(out: Float64Array, at: number, n: number): void {
    const end = at + n;
    while (at < end) {
      const z = this.uvarint();
      if (z === 0) {
        const run = this.uvarint();
        if (at + run > end) throw new Error('sample block corrupt');
        out.fill(0, at, at + run);
        at += run;
      } else {
        out[at++] = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
    }
  }
}

class BitWriter {
  buf = new Uint8Array(64);
  bit = 0;

  /** The low `n` bits of `v` (n <= 32), most significant first. */
  write(v: number, n: number): void {
    if (((this.bit + n) >> 3) + 1 > this.buf.length) {
      const b = new Uint8Array(this.buf.length * 2 + 8);
      b.set(this.buf);
      this.buf = b;
    }
    while (n > 0) {
      const free = 8 - (this.bit & 7);
      const take = free < n ? free : n;
      const bits = (v >>> (n - take)) & ((1 << take) - 1);
      this.buf[this.bit >> 3]! |= bits << (free - take);
      this.bit += take;
      n -= take;
    }
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, (this.bit + 7) >> 3);
  }
}

class BitReader {
  bit: number;
  constructor(readonly buf: Uint8Array, bytePos: number) {
    this.bit = bytePos * 8;
  }

  read(n: number): number {
    let v = 0;
    while (n > 0) {
      const byte = this.buf[this.bit >> 3];
      if (byte === undefined) throw new Error('sample block truncated');
      const free = 8 - (this.bit & 7);
      const take = free < n ? free : n;
      v = ((v << take) | ((byte >>> (free - take)) & ((1 << take) - 1))) >>> 0;
      this.bit += take;
      n -= take;
    }
    return v;
  }
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

/** Smallest k with v = round(v * 10^k) / 10^k exactly, or -1. */
function scaleOf(v: number): number {
  for (let k = 0; k <= MAX_SCALE; k++) {
    const m = Math.round(v * POW10[k]!);
    if (m / POW10[k]! === v) return Math.abs(m) < MAX_MANTISSA ? k : -1;
  }
  return -1;
}

/**
 * Encodes samples of one series; `ts` must be strictly increasing integers (milliseconds).
 */
export function encodeSamples(ts: Float64Array | number[], vs: Float64Array | number[], n: number = ts.length): Uint8Array {
  const w = new ByteWriter();
  w.uvarint(n);
  if (n === 0) return w.bytes();
  w.svarint(ts[0]!);
  if (n >= 2) {
    w.svarint(ts[1]! - ts[0]!);
    const dod = new Float64Array(n);
    for (let i = 2; i < n; i++) dod[i] = ts[i]! - ts[i - 1]! - (ts[i - 1]! - ts[i - 2]!);
    w.zeroRuns(dod, 2, n);
  }
  encodeValues(w, vs, n);
  return w.bytes();
}

function encodeValues(w: ByteWriter, vs: Float64Array | number[], n: number): void {
  // Decimal mode when at most 1 in 8 values are exceptions.
  let scale = 0;
  let exceptions = 0;
  const ks = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const v = vs[i]!;
    const k = Number.isFinite(v) && !Object.is(v, -0) ? scaleOf(v) : -1;
    ks[i] = k;
    if (k < 0) exceptions++;
    else if (k > scale) scale = k;
  }
  const m = new Float64Array(n);
  const isException = new Uint8Array(n);
  if (exceptions * 8 <= n) {
    const p = POW10[scale]!;
    let prev = 0;
    exceptions = 0;
    for (let i = 0; i < n; i++) {
      const v = vs[i]!;
      let x = ks[i]! >= 0 ? Math.round(v * p) : NaN;
      if (!(x / p === v && Math.abs(x) < MAX_MANTISSA)) {
        isException[i] = 1;
        exceptions++;
        x = prev;
      }
      m[i] = x;
      prev = x;
    }
  }
  if (exceptions * 8 > n) {
    w.byte(XOR);
    encodeXor(w, vs, n);
    return;
  }
  // Deltas, and delta-of-deltas for steadily growing counters: whichever has more zeros.
  const d = new Float64Array(n);
  const dd = new Float64Array(n);
  let zd = 0;
  let zdd = 0;
  for (let i = 1; i < n; i++) {
    d[i] = m[i]! - m[i - 1]!;
    if (d[i] === 0) zd++;
    dd[i] = i === 1 ? d[1]! : d[i]! - d[i - 1]!;
    if (dd[i] === 0) zdd++;
  }
  const useDod = zdd > zd;
  w.byte(useDod ? DECIMAL_DOD : DECIMAL_DELTA);
  w.byte(scale);
  w.uvarint(exceptions);
  let last = 0;
  for (let i = 0; i < n; i++) {
    if (!isException[i]) continue;
    w.uvarint(i - last);
    w.raw64(vs[i]!);
    last = i;
  }
  w.svarint(m[0]!);
  w.zeroRuns(useDod ? dd : d, 1, n);
}

function encodeXor(w: ByteWriter, vs: Float64Array | number[], n: number): void {
  const bw = new BitWriter();
  f64[0] = vs[0]!;
  let prevHi = u32[HI]!;
  let prevLo = u32[LO]!;
  bw.write(prevHi, 32);
  bw.write(prevLo, 32);
  let lead = -1;
  let trail = 0;
  for (let i = 1; i < n; i++) {
    f64[0] = vs[i]!;
    const hi = u32[HI]!;
    const lo = u32[LO]!;
    const xh = (hi ^ prevHi) >>> 0;
    const xl = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xh === 0 && xl === 0) {
      bw.write(0, 1);
      continue;
    }
    let lz = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const tz = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (lz > 31) lz = 31;
    if (lead >= 0 && lz >= lead && tz >= trail) {
      bw.write(0b10, 2);
      writeMeaningful(bw, xh, xl, trail, 64 - lead - trail);
    } else {
      lead = lz;
      trail = tz;
      const len = 64 - lz - tz;
      bw.write(0b11, 2);
      bw.write(lz, 5);
      bw.write(len - 1, 6);
      writeMeaningful(bw, xh, xl, tz, len);
    }
  }
  const bytes = bw.bytes();
  for (let i = 0; i < bytes.length; i++) w.byte(bytes[i]!);
}

function writeMeaningful(bw: BitWriter, xh: number, xl: number, shift: number, len: number): void {
  let h: number;
  let l: number;
  if (shift >= 32) {
    h = 0;
    l = xh >>> (shift - 32);
  } else if (shift > 0) {
    l = ((xl >>> shift) | (xh << (32 - shift))) >>> 0;
    h = xh >>> shift;
  } else {
    h = xh;
    l = xl;
  }
  if (len > 32) {
    bw.write(h, len - 32);
    bw.write(l, 32);
  } else {
    bw.write(l, len);
  }
}

/** Number of samples in an encoded block. */
export function sampleCount(data: Uint8Array): number {
  return new ByteReader(data).uvarint();
}

/** Decodes a block into ts/vs from `at`; returns the number of samples written. */
export function decodeSamplesInto(data: Uint8Array, ts: Float64Array, vs: Float64Array, at: number): number {
  const r = new ByteReader(data);
  const n = r.uvarint();
  if (n === 0) return 0;
  if (at + n > ts.length || at + n > vs.length) throw new Error('sample block larger than its target');
  ts[at] = r.svarint();
  if (n >= 2) {
    const d1 = r.svarint();
    ts[at + 1] = ts[at]! + d1;
    // The delta-of-deltas land in ts first and are integrated in place.
    r.zeroRuns(ts, at + 2, n - 2);
    let delta = d1;
    for (let i = at + 2; i < at + n; i++) {
      delta += ts[i]!;
      ts[i] = ts[i - 1]! + delta;
    }
  }
  const mode = r.byte();
  if (mode === XOR) {
    decodeXor(data, r.pos, vs, at, n);
    return n;
  }
  if (mode !== DECIMAL_DELTA && mode !== DECIMAL_DOD) throw new Error(`unknown sample value mode ${mode}`);
  const p = POW10[r.byte()]!;
  if (p === undefined) throw new Error('sample block corrupt');
  const nex = r.uvarint();
  const exIdx = new Int32Array(nex);
  const exVal = new Float64Array(nex);
  let last = 0;
  for (let j = 0; j < nex; j++) {
    last += r.uvarint();
    exIdx[j] = last;
    exVal[j] = r.raw64();
  }
  vs[at] = r.svarint();
  r.zeroRuns(vs, at + 1, n - 1);
  if (mode === DECIMAL_DOD) {
    let d = 0;
    for (let i = at + 1; i < at + n; i++) {
      d += vs[i]!;
      vs[i] = vs[i - 1]! + d;
    }
  } else {
    for (let i = at + 1; i < at + n; i++) vs[i] = vs[i - 1]! + vs[i]!;
  }
  if (p !== 1) for (let i = at; i < at + n; i++) vs[i] = vs[i]! / p;
  for (let j = 0; j < nex; j++) vs[at + exIdx[j]!] = exVal[j]!;
  return n;
}

function decodeXor(data: Uint8Array, bytePos: number, vs: Float64Array, at: number, n: number): void {
  const br = new BitReader(data, bytePos);
  let hi = br.read(32);
  let lo = br.read(32);
  u32[HI] = hi;
  u32[LO] = lo;
  vs[at] = f64[0]!;
  let lead = 0;
  let len = 0;
  let trail = 0;
  for (let i = 1; i < n; i++) {
    if (br.read(1) === 1) {
      if (br.read(1) === 1) {
        lead = br.read(5);
        len = br.read(6) + 1;
        trail = 64 - lead - len;
      }
      let h = 0;
      let l: number;
      if (len > 32) {
        h = br.read(len - 32);
        l = br.read(32);
      } else {
        l = br.read(len);
      }
      // Shift the meaningful bits back up by `trail`.
      let xh: number;
      let xl: number;
      if (trail >= 32) {
        xh = (l << (trail - 32)) >>> 0;
        xl = 0;
      } else if (trail > 0) {
        xh = ((h << trail) | (l >>> (32 - trail))) >>> 0;
        xl = (l << trail) >>> 0;
      } else {
        xh = h;
        xl = l;
      }
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
    }
    u32[HI] = hi;
    u32[LO] = lo;
    vs[at + i] = f64[0]!;
  }
}

/** Convenience for tests and small reads. */
export function decodeSamples(data: Uint8Array): { timestampsMs: Float64Array; values: Float64Array } {
  const n = sampleCount(data);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  decodeSamplesInto(data, ts, vs, 0);
  return { timestampsMs: ts, values: vs };
}
