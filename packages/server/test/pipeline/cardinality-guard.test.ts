import { describe, expect, it } from 'vitest';
import { CardinalityGuard, type CardinalityGuardOptions, type CardinalityReason } from '../../src/pipeline/cardinality-guard.js';
import { CardinalityGuardedWriter } from '../../src/pipeline/cardinality-writer.js';
import { rememberedSeries, type SampleBatch, type SeriesDef, type TelemetryBatch } from '../../src/storage/batches.js';
import { sampleBatch, series } from '../storage/batch-helpers.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1, 12);

function guardWith(opts: Partial<CardinalityGuardOptions> = {}, clock = { now: T0 }) {
  const counted: Array<[CardinalityReason, number]> = [];
  const guard = new CardinalityGuard({
    limits: { maxSeriesPerTenant: null, maxSeriesPerMetric: null, maxLabelValuesPerLabel: null },
    clock: () => clock.now,
    onReject: (reason, points) => counted.push([reason, points]),
    ...opts,
  });
  return { guard, counted, clock };
}

/** `count` series of `name` (label i=0..count-1, offset by `from`), `points` samples each. */
function batch(name: string, count: number, opts: { from?: number; points?: number; tenant?: string; label?: string } = {}): SampleBatch {
  const points = [];
  for (let i = 0; i < count; i++) {
    const s = series(name, { [opts.label ?? 'i']: String((opts.from ?? 0) + i) });
    for (let k = 0; k < (opts.points ?? 1); k++) points.push({ series: s, timeMs: T0 + k, value: k });
  }
  return sampleBatch(opts.tenant ?? 'default', points);
}

function names(b: SampleBatch): string[] {
  return b.series.map((s) => Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',')).sort();
}

describe('CardinalityGuard', () => {
  it('lets everything through when no limit is set, returning the same batch', () => {
    const { guard } = guardWith();
    const b = batch('m', 50);
    const r = guard.admit(b);
    expect(r.batch).toBe(b);
    expect(r.rejectedPoints).toBe(0);
    expect(r.message).toBe('');
    expect(guard.activeSeries('default')).toBe(50);
    expect(guard.activeSeries('default', 'm')).toBe(50);
  });

  it('maxSeriesPerTenant: rejects new series over the limit, keeps active ones flowing', () => {
    const { guard, counted } = guardWith({ limits: { maxSeriesPerTenant: 3, maxSeriesPerMetric: null, maxLabelValuesPerLabel: null } });
    expect(guard.admit(batch('a', 2)).rejectedPoints).toBe(0);
    const r = guard.admit(batch('b', 3, { points: 2 }));
    // One of b's series fits (3rd series of the tenant), the other two are refused with their points.
    expect(r.rejectedSeries).toBe(2);
    expect(r.rejectedPoints).toBe(4);
    expect(r.batch.length).toBe(2);
    expect(r.batch.series).toHaveLength(1);
    expect([...r.batch.fingerprint]).toEqual([r.batch.series[0]!.fingerprint, r.batch.series[0]!.fingerprint]);
    expect(r.message).toMatch(/^SL_ERR_CARDINALITY_LIMIT: 4 data point\(s\) of 2 new series rejected: tenant 'default' has 3 active series, its limit \(maxSeriesPerTenant 3\); new series of metric 'b'/);
    expect(counted).toEqual([['cardinality_tenant', 4]]);
    // Known series still go through, a new one does not.
    const again = guard.admit(batch('a', 3));
    expect(again.rejectedSeries).toBe(1);
    expect(names(again.batch)).toEqual(['__name__=a,i=0', '__name__=a,i=1']);
    expect(guard.rejections('default')).toEqual([
      { reason: 'cardinality_tenant', metric: 'b', count: 4 },
      { reason: 'cardinality_tenant', metric: 'a', count: 1 },
    ]);
  });

  it('maxSeriesPerMetric counts per metric name and per tenant', () => {
    const { guard } = guardWith({ limits: { maxSeriesPerTenant: null, maxSeriesPerMetric: 2, maxLabelValuesPerLabel: null } });
    expect(guard.admit(batch('a', 3)).rejectedSeries).toBe(1);
    expect(guard.admit(batch('b', 2)).rejectedSeries).toBe(0);
    expect(guard.admit(batch('a', 2, { tenant: 'other' })).rejectedSeries).toBe(0);
    const r = guard.admit(batch('a', 1, { from: 10 }));
    expect(r.rejectedSeries).toBe(1);
    expect(r.batch.length).toBe(0);
    expect(r.message).toContain("metric 'a' has 2 active series, its limit (maxSeriesPerMetric 2)");
    expect(guard.rejections('default', 'a')).toEqual([{ reason: 'cardinality_metric', metric: 'a', count: 2 }]);
    expect(guard.rejections('other')).toEqual([]);
  });

  it('maxLabelValuesPerLabel: a new value of a full label is refused, known values still make new series', () => {
    const { guard, counted } = guardWith({ limits: { maxSeriesPerTenant: null, maxSeriesPerMetric: null, maxLabelValuesPerLabel: 2 } });
    const s = (user: string, method: string) => series('req', { user, method });
    const mk = (...defs: ReturnType<typeof s>[]) => sampleBatch('default', defs.map((d) => ({ series: d, timeMs: T0, value: 1 })));
    expect(guard.admit(mk(s('u1', 'GET'), s('u2', 'GET'))).rejectedSeries).toBe(0);
    expect(guard.labelValues('default', 'req', 'user')).toBe(2);
    // u3 is a third value of `user`: refused. (u1, POST) is new but both values are known or fit.
    const r = guard.admit(mk(s('u3', 'GET'), s('u1', 'POST')));
    expect(r.rejectedSeries).toBe(1);
    expect(names(r.batch)).toEqual(['__name__=req,method=POST,user=u1']);
    expect(r.message).toContain("label 'user' of metric 'req' has 2 distinct values, its limit (maxLabelValuesPerLabel 2)");
    expect(counted).toEqual([['cardinality_label_values', 1]]);
    // The limit is per metric: another metric has its own values.
    expect(guard.admit(sampleBatch('default', [{ series: series('other', { user: 'u9' }), timeMs: T0, value: 1 }])).rejectedSeries).toBe(0);
  });

  it('per-metric overrides win over tenant overrides, which win over the defaults; null lifts a limit', () => {
    const { guard } = guardWith({
      limits: { maxSeriesPerTenant: 100, maxSeriesPerMetric: 2, maxLabelValuesPerLabel: null },
      metricOverrides: { big: { maxSeriesPerMetric: 5 }, free: { maxSeriesPerMetric: null } },
      tenantOverrides: { gold: { maxSeriesPerMetric: 4, maxSeriesPerTenant: 6 } },
    });
    expect(guard.admit(batch('small', 4)).rejectedSeries).toBe(2);
    expect(guard.admit(batch('big', 7)).rejectedSeries).toBe(2);
    expect(guard.admit(batch('free', 50)).rejectedSeries).toBe(0);
    expect(guard.admit(batch('small', 5, { tenant: 'gold' })).rejectedSeries).toBe(1);
    // gold: 4 active; the tenant limit 6 stops `big` (own limit 5) at 2 more.
    expect(guard.admit(batch('big', 5, { tenant: 'gold' })).rejectedSeries).toBe(3);
    expect(guard.limitsFor('gold', 'big')).toEqual({ maxSeriesPerTenant: 6, maxSeriesPerMetric: 5, maxLabelValuesPerLabel: null });
    expect(guard.limitsFor('default')).toEqual({ maxSeriesPerTenant: 100, maxSeriesPerMetric: 2, maxLabelValuesPerLabel: null });
  });

  it('series expire after the active window, freeing room (and label values) for new ones', () => {
    const clock = { now: T0 };
    const { guard } = guardWith({ limits: { maxSeriesPerTenant: null, maxSeriesPerMetric: 2, maxLabelValuesPerLabel: 3 }, activeWindowMs: HOUR }, clock);
    guard.admit(batch('a', 2));
    clock.now += 30 * 60_000;
    // Series 0 keeps sending; series 1 goes quiet.
    guard.admit(batch('a', 1));
    expect(guard.admit(batch('a', 1, { from: 5 })).rejectedSeries).toBe(1);
    clock.now += 31 * 60_000;
    // Series 1 was last seen 61 minutes ago: expired; series 0 30 minutes later: still active.
    expect(guard.activeSeries('default', 'a')).toBe(1);
    expect(guard.labelValues('default', 'a', 'i')).toBe(1);
    expect(guard.admit(batch('a', 1, { from: 5 })).rejectedSeries).toBe(0);
    clock.now += 2 * HOUR;
    expect(guard.activeSeries('default')).toBe(0);
    expect(guard.labelValues('default', 'a', 'i')).toBe(0);
  });

  it('counts series that repeat with their memos like any other: expiry, limits, and a second tenant', () => {
    const clock = { now: T0 };
    const { guard } = guardWith({ limits: { maxSeriesPerTenant: null, maxSeriesPerMetric: 2, maxLabelValuesPerLabel: null }, activeWindowMs: HOUR }, clock);
    // The same SeriesDef objects in every batch, as the ingest caches hand them out.
    const defs: SeriesDef[] = [0, 1, 2].map((i) => {
      const s = series('m', { i: String(i) });
      return rememberedSeries(s.fingerprint, s.name, s.labels);
    });
    const send = (tenant: string, ...which: number[]) => guard.admit(sampleBatch(tenant, which.map((i) => ({ series: defs[i]!, timeMs: clock.now, value: 1 }))));
    expect(send('default', 0, 1).rejectedSeries).toBe(0);
    expect(send('default', 0, 1, 2).rejectedSeries).toBe(1);
    // Another tenant sends the same objects: its own count and limit.
    expect(send('other', 0, 2).rejectedSeries).toBe(0);
    expect(guard.activeSeries('other', 'm')).toBe(2);
    // Series 0 keeps sending; series 1 goes quiet and expires, so series 2 fits.
    clock.now += 40 * 60_000;
    send('default', 0);
    clock.now += 30 * 60_000;
    expect(send('default', 0, 2).rejectedSeries).toBe(0);
    expect(guard.activeSeries('default', 'm')).toBe(2);
    // Series 1 was swept: coming back it is new again, and over the limit.
    expect(send('default', 1).rejectedSeries).toBe(1);
    clock.now += 2 * HOUR;
    expect(guard.activeSeries('default')).toBe(0);
    expect(send('default', 1, 2).rejectedSeries).toBe(0);
    expect(guard.activeSeries('default', 'm')).toBe(2);
  });

  it('seeds from stored series without applying limits, and ignores series outside the window', () => {
    const { guard } = guardWith({ limits: { maxSeriesPerTenant: null, maxSeriesPerMetric: 3, maxLabelValuesPerLabel: null }, activeWindowMs: HOUR });
    const seeded = [0, 1, 2, 3].map((i) => ({ tenant: 'default', ...series('a', { i: String(i) }), lastSeenMs: T0 - 10 * 60_000 }));
    const old = { tenant: 'default', ...series('a', { i: 'old' }), lastSeenMs: T0 - 2 * HOUR };
    expect(guard.seed([...seeded, old])).toBe(4);
    expect(guard.activeSeries('default', 'a')).toBe(4);
    // Seeded series are known: they flow. A new one is over the limit (4 >= 3).
    expect(guard.admit(batch('a', 4)).rejectedSeries).toBe(0);
    expect(guard.admit(batch('a', 1, { from: 9 })).rejectedSeries).toBe(1);
  });

  it('filters exponential histograms and exemplars of rejected series too, and keeps metadata', () => {
    const { guard } = guardWith({ limits: { maxSeriesPerTenant: 1, maxSeriesPerMetric: null, maxLabelValuesPerLabel: null } });
    const a = series('h', { i: '0' });
    const b = series('h', { i: '1' });
    const hist = (fp: number) => ({ fingerprint: fp, timeMs: T0, startTimeMs: 0, count: 1, sum: 1, min: null, max: null, scale: 0, zeroCount: 0, zeroThreshold: 0, positiveOffset: 0, positiveCounts: [1], negativeOffset: 0, negativeCounts: [], flags: 0 });
    const ex = (fp: number) => ({ fingerprint: fp, timeMs: T0, value: 1, traceId: '', spanId: '', attributes: '{}' });
    const input = sampleBatch('default', [{ series: a, timeMs: T0, value: 1 }], {
      series: [b],
      expHistograms: [hist(a.fingerprint), hist(b.fingerprint)],
      exemplars: [ex(a.fingerprint), ex(b.fingerprint)],
      metadata: [{ name: 'h', type: 'exponentialhistogram', unit: '', help: 'x' }],
    });
    const r = guard.admit(input);
    expect(r.rejectedPoints).toBe(1);
    expect(r.batch.expHistograms.map((h) => h.fingerprint)).toEqual([a.fingerprint]);
    expect(r.batch.exemplars.map((e) => e.fingerprint)).toEqual([a.fingerprint]);
    expect(r.batch.metadata).toHaveLength(1);
  });

  it('checks per batch in O(series): a big batch of known series costs no allocation of a new batch', () => {
    const { guard } = guardWith({ limits: { maxSeriesPerTenant: 10_000, maxSeriesPerMetric: 10_000, maxLabelValuesPerLabel: 10_000 } });
    const b = batch('m', 2_000, { points: 5 });
    guard.admit(b);
    const r = guard.admit(b);
    expect(r.batch).toBe(b);
    expect(guard.activeSeries('default')).toBe(2_000);
  });
});

describe('CardinalityGuard failure', () => {
  it('passes the batch unchecked and reports the error instead of throwing into ingest', () => {
    const errors: Error[] = [];
    let broken = false;
    const guard = new CardinalityGuard({
      limits: { maxSeriesPerTenant: 1, maxSeriesPerMetric: null, maxLabelValuesPerLabel: null },
      clock: () => {
        if (broken) throw new Error('clock broke');
        return T0;
      },
      onError: (e) => errors.push(e),
    });
    broken = true;
    const b = batch('m', 3);
    expect(guard.admit(b)).toEqual({ batch: b, rejectedPoints: 0, rejectedSeries: 0, message: '' });
    expect(errors.map((e) => e.message)).toEqual(['clock broke']);
  });
});

describe('CardinalityGuardedWriter', () => {
  it('writes the admitted part, counts and logs rejections at most once per interval', async () => {
    const clock = { now: T0 };
    const { guard, counted } = guardWith({ limits: { maxSeriesPerTenant: null, maxSeriesPerMetric: 1, maxLabelValuesPerLabel: null } }, clock);
    const written: TelemetryBatch[] = [];
    const warnings: object[] = [];
    const writer = new CardinalityGuardedWriter(
      { write: async (b) => (written.push(b), { status: 'ok', rows: b.length }) },
      guard,
      { source: 'scrape', clock: () => clock.now, logIntervalMs: 60_000, log: { warn: (o) => warnings.push(o) } },
    );
    expect(await writer.write(batch('m', 3))).toEqual({ status: 'ok', rows: 1 });
    expect(await writer.write(batch('m', 3))).toEqual({ status: 'ok', rows: 1 });
    expect(written.map((b) => b.length)).toEqual([1, 1]);
    expect(counted).toEqual([['cardinality_metric', 2], ['cardinality_metric', 2]]);
    expect(warnings).toHaveLength(1);
    clock.now += 61_000;
    await writer.write(batch('m', 2));
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ source: 'scrape', rejectedPoints: 3 });
  });
});
