import { describe, expect, it } from 'vitest';
import { SightlineError } from '../../src/errors.js';
import { parseDurationNs, parseTimeMs, prefixed, severityParam, timeRange, traceIdParam } from '../../src/api/params.js';

describe('api params', () => {
  it.each([
    ['250ms', 250_000_000n],
    ['1.5s', 1_500_000_000n],
    ['1m30s', 90_000_000_000n],
    ['2h', 7_200_000_000_000n],
    ['100us', 100_000n],
    ['12345', 12_345n],
  ])('duration %s', (raw, ns) => expect(parseDurationNs(raw, 'd')).toBe(ns));

  it.each(['', 'abc', '10x', '1s2', '-5s'])('rejects duration %j', (raw) => {
    expect(() => parseDurationNs(raw, 'minDuration')).toThrow(SightlineError);
  });

  it('parses times as ms, s or RFC 3339', () => {
    expect(parseTimeMs('1700000000000', 'start')).toBe(1_700_000_000_000);
    expect(parseTimeMs('1700000000', 'start')).toBe(1_700_000_000_000);
    expect(parseTimeMs('1700000000.5', 'start')).toBe(1_700_000_000_500);
    expect(parseTimeMs('2023-11-14T22:13:20Z', 'start')).toBe(1_700_000_000_000);
    expect(() => parseTimeMs('yesterday', 'start')).toThrow(/not a time/);
  });

  it('builds a range with an exclusive ns end and rejects start > end', () => {
    const r = timeRange({ start: '1000000000000', end: '1000000001000' }, 0, 1);
    expect(r.startNs).toBe(1_000_000_000_000_000_000n);
    expect(r.endNs).toBe(1_000_000_001_001_000_000n);
    expect(timeRange({}, 10_000, 1_000)).toMatchObject({ startMs: 9_000, endMs: 10_000 });
    expect(() => timeRange({ start: '2000000000000', end: '1000000000000' }, 0, 1)).toThrow(/after 'end'/);
  });

  it('collects attr.* filters, keeping dotted keys', () => {
    expect(prefixed({ 'attr.http.route': '/a', service: 'x', 'attr.k': ['1', '2'] }, 'attr.')).toEqual({ 'http.route': '/a', k: '2' });
    expect(prefixed({ service: 'x' }, 'attr.')).toBeUndefined();
    expect(() => prefixed({ 'attr.': 'x' }, 'attr.')).toThrow(SightlineError);
  });

  it('validates trace ids and severities', () => {
    expect(traceIdParam('0AF7651916CD43DD8448EB211C80319C')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(() => traceIdParam('abc')).toThrow(/32 hex/);
    expect(severityParam('warn')).toBe(13);
    expect(severityParam('17')).toBe(17);
    expect(() => severityParam('25')).toThrow(SightlineError);
  });
});
