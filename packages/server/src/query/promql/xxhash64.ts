// XXH64 (seed 0), the hash behind Prometheus' labels.Hash(). Only limit_ratio needs it: its
// sample selection is defined by the label hash, so matching Prometheus means the same hash.
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;
const MASK = 0xffffffffffffffffn;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const mul = (a: bigint, b: bigint): bigint => (a * b) & MASK;
const add = (a: bigint, b: bigint): bigint => (a + b) & MASK;

function round(acc: bigint, input: bigint): bigint {
  return mul(rotl(add(acc, mul(input, P2)), 31n), P1);
}

function mergeRound(acc: bigint, val: bigint): bigint {
  return add(mul(acc ^ round(0n, val), P1), P4);
}

export function xxhash64(data: Uint8Array): bigint {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.length;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = add(P1, P2), v2 = P2, v3 = 0n, v4 = (0n - P1) & MASK;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, view.getBigUint64(i, true));
      v2 = round(v2, view.getBigUint64(i + 8, true));
      v3 = round(v3, view.getBigUint64(i + 16, true));
      v4 = round(v4, view.getBigUint64(i + 24, true));
    }
    h = add(add(rotl(v1, 1n), rotl(v2, 7n)), add(rotl(v3, 12n), rotl(v4, 18n)));
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = P5;
  }
  h = add(h, BigInt(len));
  for (; i + 8 <= len; i += 8) {
    h ^= round(0n, view.getBigUint64(i, true));
    h = add(mul(rotl(h, 27n), P1), P4);
  }
  if (i + 4 <= len) {
    h ^= mul(BigInt(view.getUint32(i, true)), P1);
    h = add(mul(rotl(h, 23n), P2), P3);
    i += 4;
  }
  for (; i < len; i++) {
    h ^= mul(BigInt(data[i]!), P5);
    h = mul(rotl(h, 11n), P1);
  }
  h ^= h >> 33n;
  h = mul(h, P2);
  h ^= h >> 29n;
  h = mul(h, P3);
  h ^= h >> 32n;
  return h;
}
