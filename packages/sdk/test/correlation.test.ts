import { context, trace } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  captureJobContext,
  CORRELATION_HEADER,
  extractContext,
  getCorrelationId,
  injectContext,
  runWithJobContext,
  traced,
  withCorrelation,
  withExtractedContext,
} from '../src/index.js';
import { installTestTelemetry, type TestTelemetry } from './helpers/telemetry.js';

let tel: TestTelemetry;
beforeAll(() => {
  tel = installTestTelemetry();
});

describe('correlation', () => {
  it('binds an id for the duration of a function, across awaits, and nests', async () => {
    expect(getCorrelationId()).toBeUndefined();
    await withCorrelation('outer', async () => {
      await new Promise((r) => setTimeout(r, 2));
      expect(getCorrelationId()).toBe('outer');
      withCorrelation('inner', () => expect(getCorrelationId()).toBe('inner'));
      // no id given: keeps the current one
      withCorrelation(() => expect(getCorrelationId()).toBe('outer'));
      expect(getCorrelationId()).toBe('outer');
    });
    expect(getCorrelationId()).toBeUndefined();
  });

  it('creates a new id when none is given or the given one is invalid', () => {
    const a = withCorrelation(() => getCorrelationId());
    const b = withCorrelation('bad id with spaces\n', () => getCorrelationId());
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });

  it('round-trips trace context and correlation id through message headers (Kafka buffers too)', async () => {
    const { headers, producer } = await withCorrelation('msg-1', () =>
      traced('publish', (span) => ({ headers: injectContext(), producer: span.spanContext() })),
    );
    expect(headers[CORRELATION_HEADER]).toBe('msg-1');
    expect(headers.traceparent).toContain(producer.traceId);

    // Kafka delivers Buffers, some brokers upper-case keys
    const kafkaHeaders = { TraceParent: Buffer.from(headers.traceparent!), 'x-correlation-id': Buffer.from('msg-1') };
    const consumer = withExtractedContext(kafkaHeaders, () =>
      traced('consume', (span) => ({ sc: span.spanContext(), id: getCorrelationId() })),
    );
    expect(consumer.id).toBe('msg-1');
    expect(consumer.sc.traceId).toBe(producer.traceId);
    const consumeSpan = tel.spans.getFinishedSpans().find((s) => s.name === 'consume')!;
    expect(consumeSpan.parentSpanContext?.spanId).toBe(producer.spanId);
  });

  it('gives a consumer a fresh correlation id when the message has none', () => {
    const id = withExtractedContext({}, () => getCorrelationId());
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(trace.getSpanContext(extractContext(undefined, context.active()))).toBeUndefined();
  });

  it('captures and restores context for background jobs', () => {
    const job = withCorrelation('job-7', () => traced('enqueue', () => captureJobContext()));
    expect(job.correlationId).toBe('job-7');
    expect(job.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const stored = JSON.parse(JSON.stringify(job));
    const seen = runWithJobContext(stored, () => traced('job.run', (s) => ({ id: getCorrelationId(), traceId: s.spanContext().traceId })));
    expect(seen.id).toBe('job-7');
    expect(seen.traceId).toBe(job.traceparent!.split('-')[1]);
  });
});
