import { describe, expect, it } from 'vitest';
import { xxhash64 } from '../../../src/query/promql/xxhash64.js';

// Reference values of XXH64 with seed 0 (xxhash spec test vectors / cespare/xxhash).
const CASES: Array<[string, bigint]> = [
  ['', 0xef46db3751d8e999n],
  ['a', 0xd24ec4f1a98c6e5bn],
  ['as', 0x1c330fb2d66be179n],
  ['asd', 0x631c37ce72a97393n],
  ['asdf', 0x415872f599cea71en],
  ['Call me Ishmael. Some years ago--never mind how long precisely-', 0x02a2e85470d6fd96n],
];

describe('xxhash64', () => {
  it.each(CASES)('hashes %j', (text, want) => {
    expect(xxhash64(new TextEncoder().encode(text))).toBe(want);
  });
});
