import { describe, expect, it } from 'vitest';
import { nsToMs } from '../../../src/ingest/wire/u64.js';

const split = (ns: bigint): [number, number] => [Number(ns & 0xffffffffn), Number(ns >> 32n)];
const exact = (ns: bigint): number => Number(ns / 1_000_000n);

describe('nsToMs', () => {
  it('is floor(ns / 1e6) exactly at multiples of a millisecond, one short of them, and at the ends of the range', () => {
    const cases: bigint[] = [0n, 1n, 999_999n, 1_000_000n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn, 0xfffffffffffffffen];
    // Around millisecond boundaries with every hi word shape: today, far future, hi just over 0.
    for (const ms of [1n, 4294n, 4295n, 1_795_000_000_000n, 18_446_744_073_709n, 9_000_000_000_000n]) {
      for (const d of [-1n, 0n, 1n, 999_999n]) cases.push(ms * 1_000_000n + d);
    }
    for (const ns of cases) {
      if (ns < 0n || ns > 0xffffffffffffffffn) continue;
      const [lo, hi] = split(ns);
      expect(nsToMs(lo, hi), String(ns)).toBe(exact(ns));
    }
  });

  it('matches BigInt division on random 64-bit times', () => {
    let x = 0x2545f4914f6cdd1dn;
    for (let i = 0; i < 50_000; i++) {
      // xorshift64*: a fixed sequence, so a failure reproduces.
      x ^= x >> 12n;
      x ^= (x << 25n) & 0xffffffffffffffffn;
      x ^= x >> 27n;
      const ns = (x * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
      // Every other value one short of a millisecond: the case rounding could get wrong.
      const short = ns - (ns % 1_000_000n) + 999_999n;
      const v = i % 2 === 0 || short > 0xffffffffffffffffn ? ns : short;
      const [lo, hi] = split(v);
      if (nsToMs(lo, hi) !== exact(v)) expect(nsToMs(lo, hi), String(v)).toBe(exact(v));
    }
  });
});
