import { describe, expect, it } from 'vitest';
import { formatGoFloat, formatPromFloat } from '../../../src/query/promql/format.js';

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

// What Go's fmt %v (strconv.FormatFloat(f, 'g', -1, 64)) prints.
const GO_V: Array<[number, string]> = [
  [0, '0'],
  [1, '1'],
  [123456, '123456'],
  [1234567, '1.234567e+06'],
  [1e20, '1e+20'],
  [-1e19, '-1e+19'],
  [0.0001, '0.0001'],
  [0.00001, '1e-05'],
  [1.5e-300, '1.5e-300'],
  [0.1 + 0.2, '0.30000000000000004'],
  [NaN, 'NaN'],
  [Infinity, '+Inf'],
];

describe('formatGoFloat', () => {
  it.each(GO_V)('formats %s as %s', (v, want) => {
    expect(formatGoFloat(v)).toBe(want);
  });
});
