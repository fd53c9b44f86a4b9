import { describe, expect, it } from 'vitest';
import {
  describeRange,
  niceStepMs,
  parseRefreshInterval,
  parseTimeExpression,
  resolveRange,
  shiftRange,
  zoomOut,
  zoomTo,
} from '../src/lib/time-range.js';

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);

describe('parseTimeExpression', () => {
  it.each([
    ['now', NOW],
    ['now-15m', NOW - 15 * 60_000],
    ['now - 2h', NOW - 2 * 3_600_000],
    ['now-1.5h', NOW - 1.5 * 3_600_000],
    ['now-7d', NOW - 7 * 86_400_000],
    ['now-1w', NOW - 7 * 86_400_000],
    ['now+30s', NOW + 30_000],
    ['1769860800000', 1769860800000],
    ['2026-01-31T10:00:00Z', Date.UTC(2026, 0, 31, 10)],
    ['2026-01-31 10:00:00.250Z', Date.UTC(2026, 0, 31, 10, 0, 0, 250)],
  ])('%s', (text, expected) => {
    expect(parseTimeExpression(text, NOW)).toBe(expected);
  });

  it('reads dates without zone as local time', () => {
    expect(parseTimeExpression('2026-01-31 10:20', NOW)).toBe(new Date(2026, 0, 31, 10, 20).getTime());
    expect(parseTimeExpression('2026-01-31', NOW)).toBe(new Date(2026, 0, 31).getTime());
  });

  it.each(['', 'yesterday', 'now-', 'now-5x', '12', '2026-13-45'])('rejects %j', (text) => {
    expect(parseTimeExpression(text, NOW)).toBeNull();
  });
});

describe('resolveRange', () => {
  it('resolves relative ranges against now', () => {
    expect(resolveRange({ from: 'now-1h', to: 'now' }, NOW)).toEqual({ ok: true, range: { start: NOW - 3_600_000, end: NOW } });
  });
  it('explains bad input', () => {
    const r = resolveRange({ from: 'soon', to: 'now' }, NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain('"soon"');
    expect(resolveRange({ from: 'now', to: 'now-1h' }, NOW)).toMatchObject({ ok: false, error: expect.stringContaining('after') });
  });
});

describe('describeRange', () => {
  it('names quick and custom relative ranges', () => {
    expect(describeRange({ from: 'now-15m', to: 'now' }, NOW)).toBe('Last 15 minutes');
    expect(describeRange({ from: 'now-90m', to: 'now' }, NOW)).toBe('Last 90 minutes');
    expect(describeRange({ from: 'now-1d', to: 'now' }, NOW)).toBe('Last 1 day');
  });
  it('shows absolute ranges on one day compactly', () => {
    const a = new Date(2026, 0, 31, 10, 0, 0).getTime();
    const b = new Date(2026, 0, 31, 11, 30, 0).getTime();
    expect(describeRange({ from: String(a), to: String(b) }, NOW)).toBe('2026-01-31 10:00:00 → 11:30:00');
  });
});

describe('zoom and shift', () => {
  it('zoomTo orders, rounds and never yields an empty range', () => {
    expect(zoomTo(200.7, 100.2)).toEqual({ from: '100', to: '201' });
    expect(zoomTo(5, 5)).toEqual({ from: '5', to: '6' });
  });
  it('zoomOut doubles the span without going past now', () => {
    expect(zoomOut({ start: 1000, end: 2000 }, 10_000)).toEqual({ from: '500', to: '2500' });
    expect(zoomOut({ start: 1000, end: 2000 }, 2000)).toEqual({ from: '0', to: '2000' });
  });
  it('shiftRange moves by a fraction of the span', () => {
    expect(shiftRange({ start: 1000, end: 2000 }, -0.5)).toEqual({ from: '500', to: '1500' });
  });
});

describe('refresh and steps', () => {
  it('parses refresh intervals with a 5s floor', () => {
    expect(parseRefreshInterval('30s')).toBe(30_000);
    expect(parseRefreshInterval('1m')).toBe(60_000);
    expect(parseRefreshInterval('off')).toBe(0);
    expect(parseRefreshInterval('1s')).toBe(0);
    expect(parseRefreshInterval(null)).toBe(0);
  });
  it('picks round bucket steps', () => {
    expect(niceStepMs(3_600_000, 60)).toBe(60_000);
    expect(niceStepMs(15 * 60_000, 60)).toBe(15_000);
  });
});
