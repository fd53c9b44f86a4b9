import { TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { PooledIdGenerator } from '../src/id-generator.js';

describe('PooledIdGenerator', () => {
  it('makes valid, distinct W3C ids across many pool refills', () => {
    const gen = new PooledIdGenerator();
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = gen.generateTraceId();
      const s = gen.generateSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      expect(t).not.toBe('0'.repeat(32));
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(5000);
    expect(spans.size).toBe(5000);
  });

  it('never returns an all-zero id, even when the random source yields zeros', () => {
    const gen = new PooledIdGenerator();
    // Force the next 8 bytes of the pool to zero: the generator must skip them.
    gen.generateSpanId();
    const internal = gen as unknown as { pool: Buffer; offset: number };
    internal.pool.fill(0, internal.offset, internal.offset + 8);
    const id = gen.generateSpanId();
    expect(id).not.toBe('0'.repeat(16));
    expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is accepted by the official TracerProvider', () => {
    const provider = new TracerProvider({ idGenerator: new PooledIdGenerator() });
    const span = provider.getTracer('t').startSpan('s');
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.isRecording()).toBe(true);
    span.end();
  });
});
