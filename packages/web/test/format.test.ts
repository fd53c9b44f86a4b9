import { describe, expect, it } from 'vitest';
import { formatCompact, formatDurationNs, formatPercent, nanosToMs, parseDuration } from '../src/lib/format.js';

describe('formatDurationNs', () => {
  it.each([
    [850, '850ns'],
    [120_400, '120µs'],
    [45_600_000, '45.6ms'],
    [1_234_000_000, '1.23s'],
    [125e9, '2m 5s'],
    [3_720e9, '1h 2m'],
  ])('%d → %s', (ns, text) => expect(formatDurationNs(ns)).toBe(text));
});

describe('parseDuration', () => {
  it.each([
    ['250ms', 250e6],
    ['1.5s', 1.5e9],
    ['2m', 120e9],
    ['1h30m', 5400e9],
    ['10us', 10e3],
    ['10µs', 10e3],
    ['1234', 1234],
  ])('%s', (text, ns) => expect(parseDuration(text)).toBe(ns));
  it.each(['', 'fast', '10 parsecs', '5ms3'])('rejects %j', (text) => expect(parseDuration(text)).toBeNull());
});

describe('numbers', () => {
  it('compacts', () => {
    expect(formatCompact(1234.5)).toBe('1.23k');
    expect(formatCompact(0.5)).toBe('0.5');
    expect(formatCompact(2_500_000)).toBe('2.5M');
  });
  it('formats ratios', () => {
    expect(formatPercent(0.123)).toBe('12%');
    expect(formatPercent(0.0123)).toBe('1.2%');
    expect(formatPercent(0)).toBe('0%');
  });
  it('converts unix nanos strings without losing milliseconds', () => {
    expect(nanosToMs('1700000000123456789')).toBeCloseTo(1700000000123.4568, 3);
    expect(nanosToMs('5000000')).toBe(5);
  });
});
