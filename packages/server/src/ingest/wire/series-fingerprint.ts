// Series identity: a 53-bit fingerprint of name + labels, an exact JS number and a valid
// BIGINT alike. Everything that names series (OTLP decoder, remote_write, scrape, rules) must
// derive fingerprints through seriesFingerprint so the same series gets the same number.
//
// Each label (name, value) is hashed on its own into two 32-bit lanes (multiply-xorshift over
// UTF-16 code units, the cyrb53 construction, seeded with both lengths so the name/value split
// is unambiguous); a label set is the lane-wise sum of its labels, finished with one more
// avalanche round into 21 + 32 bits. Summing makes the result independent of label order, so
// nobody has to sort, and lets the decoder hash a data point's labels once and reuse that for
// every series the point expands into (histogram buckets, _sum, _count).
// Labels with empty values do not exist in Prometheus and do not count.

/** Lanes of one label, written into `out`. */
export function labelLanes(name: string, value: string, out: { a: number; b: number }): void {
  let a = 0x9e3779b9 ^ name.length;
  let b = 0x85ebca6b ^ value.length;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507);
  a ^= Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507);
  b ^= Math.imul(a ^ (a >>> 13), 3266489909);
  out.a = a >>> 0;
  out.b = b >>> 0;
}

/** The fingerprint of a label set whose lanes sum (mod 2^32 each) to a and b. */
export function finishLanes(a: number, b: number): number {
  let x = a | 0;
  let y = b | 0;
  x = Math.imul(x ^ (x >>> 15), 0x85ebca6b);
  y = Math.imul(y ^ (y >>> 13), 0xc2b2ae35);
  x ^= Math.imul(y ^ (y >>> 16), 2246822507);
  y ^= Math.imul(x ^ (x >>> 16), 3266489909);
  return 4294967296 * (y & 0x1fffff) + (x >>> 0);
}

const lanes = { a: 0, b: 0 };

/** Fingerprint of a series given all its labels, `__name__` included. */
export function seriesFingerprint(labels: Readonly<Record<string, string>>): number {
  let a = 0;
  let b = 0;
  for (const name in labels) {
    const value = labels[name];
    if (value === '') continue;
    labelLanes(name, value, lanes);
    a = (a + lanes.a) >>> 0;
    b = (b + lanes.b) >>> 0;
  }
  return finishLanes(a, b);
}
