import { describe, expect, it } from 'vitest';
import { decodeSamples, decodeSamplesInto, encodeSamples, sampleCount } from '../../src/storage/sample-codec.js';

/** The Prometheus staleness marker: a NaN with payload 0x7ff0000000000002. */
function staleNaN(): number {
  const b = new DataView(new ArrayBuffer(8));
  b.setUint32(0, 0x7ff00000);
  b.setUint32(4, 0x00000002);
  return b.getFloat64(0);
}

function bits(v: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return b.getBigUint64(0).toString(16);
}

function roundTrip(ts: number[], vs: number[]): Uint8Array {
  const data = encodeSamples(Float64Array.from(ts), Float64Array.from(vs));
  const got = decodeSamples(data);
  expect(Array.from(got.timestampsMs)).toEqual(ts);
  expect(Array.from(got.values).map(bits)).toEqual(vs.map(bits));
  expect(sampleCount(data)).toBe(ts.length);
  return data;
}

function regular(n: number, start = 1_763_900_000_000, step = 15_000): number[] {
  return Array.from({ length: n }, (_, i) => start + i * step);
}

// Deterministic pseudo-random numbers (no Math.random in tests).
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('sample codec', () => {
  it.each([
    ['empty', [], []],
    ['one sample', [1000], [42]],
    ['two samples', [1000, 2000], [1.5, -2.25]],
    ['constant', regular(120), Array(120).fill(7)],
    ['counter', regular(120), regular(120, 0, 3)],
    ['decimals', regular(5), [0.1, 0.25, 1.005, 3.14159, 2e-7]],
    ['negative and huge', regular(6), [-1e300, 1e300, -5, 2 ** 60, -(2 ** 53), Number.MAX_VALUE]],
    ['tiny', regular(3), [Number.MIN_VALUE, -Number.MIN_VALUE, 5e-324]],
    ['special values', regular(6), [NaN, Infinity, -Infinity, -0, 0, staleNaN()]],
    ['irregular timestamps', [0, 1, 5, 1000, 1001, 999_999_999, 1_000_000_000_000], [1, 2, 3, 4, 5, 6, 7]],
    ['negative timestamps', [-86_400_000, -1, 0, 3], [1, 2, 3, 4]],
  ])('round-trips %s', (_, ts, vs) => {
    roundTrip(ts as number[], vs as number[]);
  });

  it('keeps the staleness marker bits inside a decimal series', () => {
    const ts = regular(50);
    const vs = ts.map((_, i) => i * 10);
    vs[17] = staleNaN();
    vs[30] = NaN;
    roundTrip(ts, vs);
  });

  it('round-trips random doubles (XOR mode) and random decimals', () => {
    const r = rng(7);
    const ts = regular(1000);
    roundTrip(ts, ts.map(() => (r() - 0.5) * 1e6));
    roundTrip(ts, ts.map(() => Math.round(r() * 1e5) / 100));
    roundTrip(ts, ts.map((_, i) => (i % 3 === 0 ? r() : 0.5)));
  });

  it('round-trips jittery timestamps and large counts', () => {
    const r = rng(3);
    const n = 100_000;
    const ts: number[] = [];
    let t = 1_700_000_000_000;
    for (let i = 0; i < n; i++) {
      t += 10_000 + Math.floor(r() * 50) - 25;
      ts.push(t);
    }
    const vs = ts.map((_, i) => i * 0.5 + (i % 7));
    const data = roundTrip(ts, vs);
    // A regular-ish stream of short decimals is small: well under 3 bytes a sample.
    expect(data.length / n).toBeLessThan(3);
  });

  it('is compact for regular scrapes of counters and constants', () => {
    const ts = regular(240);
    expect(roundTrip(ts, ts.map((_, i) => 1000 + i * 5)).length).toBeLessThan(24);
    expect(roundTrip(ts, Array(240).fill(0.75)).length).toBeLessThan(24);
  });

  it('decodes into a larger buffer at an offset', () => {
    const data = encodeSamples([10, 20, 30], [1, 2, 3]);
    const ts = new Float64Array(5);
    const vs = new Float64Array(5);
    expect(decodeSamplesInto(data, ts, vs, 2)).toBe(3);
    expect(Array.from(ts)).toEqual([0, 0, 10, 20, 30]);
    expect(Array.from(vs)).toEqual([0, 0, 1, 2, 3]);
  });

  it('rejects truncated blocks', () => {
    const data = encodeSamples(regular(10), Array.from({ length: 10 }, (_, i) => i * 1.5));
    expect(() => decodeSamples(data.subarray(0, data.length - 3))).toThrow();
  });
});
