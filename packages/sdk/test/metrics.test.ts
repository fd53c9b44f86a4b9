import { beforeAll, describe, expect, it } from 'vitest';
import { CardinalityGuard, counter, gauge, histogram, MemoryDestination, configureLogger } from '../src/index.js';
import { installTestTelemetry, pointsWith, type TestTelemetry } from './helpers/telemetry.js';

let tel: TestTelemetry;
const logs = new MemoryDestination();
beforeAll(() => {
  tel = installTestTelemetry();
  configureLogger({ destination: logs, otlp: false });
});

describe('business metrics', () => {
  it('counters, histograms and gauges record through the global MeterProvider', async () => {
    const orders = counter('shop.orders.placed', { unit: '{order}' });
    const value = histogram('shop.order.value', { unit: 'USD', buckets: [10, 50, 100] });
    const depth = gauge('shop.queue.depth');
    orders.add(1, { method: 'card' });
    orders.add(2, { method: 'card' });
    orders.add(1, { method: 'paypal' });
    value.record(42, { currency: 'USD' });
    value.record(120, { currency: 'USD' });
    depth.set(7);
    const placed = await tel.metric('shop.orders.placed');
    expect(pointsWith(placed, { method: 'card' })[0]!.value).toBe(3);
    expect(pointsWith(placed, { method: 'paypal' })[0]!.value).toBe(1);
    const hist = pointsWith(await tel.metric('shop.order.value'), { currency: 'USD' })[0]!.value as any;
    expect(hist.count).toBe(2);
    expect(hist.sum).toBe(162);
    expect(hist.buckets.boundaries).toEqual([10, 50, 100]);
    expect((await tel.metric('shop.queue.depth'))!.dataPoints[0]!.value).toBe(7);
  });

  it('caps label cardinality: drops new label sets past the limit, counts drops, warns once', async () => {
    const perUser = counter('shop.logins', { maxCardinality: 3 });
    for (let i = 0; i < 10; i++) perUser.add(1, { user: `u${i}` });
    perUser.add(1, { user: 'u1' }); // existing set still recorded
    const m = await tel.metric('shop.logins');
    expect(m!.dataPoints).toHaveLength(3);
    expect(pointsWith(m, { user: 'u1' })[0]!.value).toBe(2);
    expect(perUser.guard.dropped).toBe(7);
    const drops = pointsWith(await tel.metric('sightline.sdk.metric.cardinality.dropped'), { 'metric.name': 'shop.logins' });
    expect(drops[0]!.value).toBe(7);
    const warnings = logs.records().filter((r) => r.msg === 'metric label cardinality limit reached; new label sets are dropped');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ metric: 'shop.logins', limit: 3 });
  });

  it('treats attribute sets independent of key order', () => {
    const g = new CardinalityGuard('x', 1);
    expect(g.admit({ a: 1, b: 2 })).toBe(true);
    expect(g.admit({ b: 2, a: 1 })).toBe(true);
    expect(g.admit({ a: 2, b: 2 })).toBe(false);
    expect(g.size).toBe(1);
  });
});
