import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addSpanEvent, injectContext, extractContext, linksFrom, traced, tracedFunction } from '../src/index.js';
import { installTestTelemetry, type TestTelemetry } from './helpers/telemetry.js';

let tel: TestTelemetry;
beforeAll(() => {
  tel = installTestTelemetry();
});
beforeEach(() => tel.reset());

describe('traced', () => {
  it('wraps sync functions, returns their value and ends the span', () => {
    const v = traced('sync', () => 42, { 'app.k': 'v' });
    expect(v).toBe(42);
    const [s] = tel.spans.getFinishedSpans();
    expect(s!.name).toBe('sync');
    expect(s!.attributes['app.k']).toBe('v');
    expect(s!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records sync exceptions, sets ERROR and rethrows', () => {
    expect(() => traced('boom', () => { throw new TypeError('bad'); })).toThrow('bad');
    const [s] = tel.spans.getFinishedSpans();
    expect(s!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad' });
    expect(s!.events[0]!.name).toBe('exception');
    expect(s!.events[0]!.attributes!['exception.type']).toBe('TypeError');
  });

  it('ends async spans when the promise settles, and nests children', async () => {
    await traced('parent', async () => {
      await new Promise((r) => setTimeout(r, 5));
      await traced('child', async () => addSpanEvent('thought', { step: 1 }));
    });
    const spans = tel.spans.getFinishedSpans();
    const parent = spans.find((s) => s.name === 'parent')!;
    const child = spans.find((s) => s.name === 'child')!;
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(child.events.map((e) => e.name)).toEqual(['thought']);
    const ms = (parent.duration[0] * 1e9 + parent.duration[1]) / 1e6;
    expect(ms).toBeGreaterThanOrEqual(4);
  });

  it('records rejections and non-Error throws', async () => {
    await expect(traced('rej', async () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    await expect(traced('str', async () => { throw 'plain'; })).rejects.toBe('plain');
    const [a, b] = tel.spans.getFinishedSpans();
    expect(a!.status.code).toBe(SpanStatusCode.ERROR);
    expect(b!.status.message).toBe('plain');
  });

  it('supports span kind, root spans and links for fan-in', () => {
    const sources = ['a', 'b', 'c'].map((n) => traced(`produce ${n}`, () => extractContext(injectContext<Record<string, string>>())));
    traced('outer', () =>
      traced('batch', () => undefined, { kind: SpanKind.CONSUMER, links: linksFrom(sources, { 'messaging.batch': true }), root: true }),
    );
    const batch = tel.spans.getFinishedSpans().find((s) => s.name === 'batch')!;
    expect(batch.kind).toBe(SpanKind.CONSUMER);
    expect(batch.parentSpanContext).toBeUndefined();
    expect(batch.links).toHaveLength(3);
    const producers = tel.spans.getFinishedSpans().filter((s) => s.name.startsWith('produce'));
    expect(batch.links.map((l) => l.context.traceId).sort()).toEqual(producers.map((p) => p.spanContext().traceId).sort());
  });

  it('tracedFunction keeps this and arguments', () => {
    const obj = { factor: 3, mul: tracedFunction('mul', function (this: { factor: number }, x: number) { return x * this.factor; }) };
    expect(obj.mul(2)).toBe(6);
    expect(tel.spans.getFinishedSpans()[0]!.name).toBe('mul');
  });

  it('addSpanEvent reports false outside a span', () => {
    expect(addSpanEvent('x')).toBe(false);
  });
});
