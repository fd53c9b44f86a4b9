import { describe, expect, it } from 'vitest';
import { formatPromFloat } from '../../../src/query/promql/format.js';

// Expected strings are what Go's strconv.FormatFloat(f, 'f', -1, 64) prints.
const CASES: Array<[number, string]> = [
  [0, '0'],
  [-0, '-0'],
  [1, '1'],
  [-2.5, '-2.5'],
  [0.1, '0.1'],
  [1 / 3, '0.3333333333333333'],
  [1e21, '1000000000000000000000'],
  [1.5e300, '15' + '0'.repeat(299)],
  [1e-7, '0.0000001'],
  [-1.234e-10, '-0.0000000001234'],
  [123456789012345680000, '123456789012345680000'],
  [5e-324, '0.' + '0'.repeat(323) + '5'],
  [NaN, 'NaN'],
  [Infinity, '+Inf'],
  [-Infinity, '-Inf'],
];

describe('formatPromFloat', () => {
  it.each(CASES)('formats %s as %s', (v, want) => {
    expect(formatPromFloat(v)).toBe(want);
  });
});
