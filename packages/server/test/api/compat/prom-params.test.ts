import { describe, expect, it } from 'vitest';
import { parseDurationParam, parseTimeParam, PromApiError } from '../../../src/api/compat/prom-params.js';

describe('Prometheus API parameters', () => {
  it.each([
    ['1700000000', 1_700_000_000_000],
    ['1700000000.123', 1_700_000_000_123],
    ['1700000000.1234', 1_700_000_000_123],
    ['-1', -1000],
    ['1e3', 1_000_000],
    ['2026-01-02T15:04:05Z', Date.UTC(2026, 0, 2, 15, 4, 5)],
    ['2026-01-02T15:04:05.5+01:00', Date.UTC(2026, 0, 2, 14, 4, 5, 500)],
    ['-292273086-05-16T16:47:06Z', -9223372036854],
    ['292277025-08-18T07:12:54.999999999Z', 9223372036854],
  ])('time %s', (raw, ms) => {
    expect(parseTimeParam(raw, 'time')).toBe(ms);
  });

  it.each(['', 'now', '2026-01-02', '2026-01-02 15:04:05', 'NaN', 'Inf'])('rejects time %j like Prometheus', (raw) => {
    expect(() => parseTimeParam(raw, 'start')).toThrow(`invalid parameter "start": cannot parse ${JSON.stringify(raw)} to a valid timestamp`);
    expect(() => parseTimeParam(raw, 'start')).toThrow(PromApiError);
  });

  it.each([
    ['15', 15_000],
    ['0.5', 500],
    ['15s', 15_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
  ])('duration %s', (raw, ms) => {
    expect(parseDurationParam(raw, 'step')).toBe(ms);
  });

  it.each(['', 'x', '1.5m', '1e400'])('rejects duration %j', (raw) => {
    expect(() => parseDurationParam(raw, 'step')).toThrow(/^invalid parameter "step": cannot parse/);
  });
});
