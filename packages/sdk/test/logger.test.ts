import { context, trace } from '@opentelemetry/api';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, MemoryDestination, withCorrelation, traced } from '../src/index.js';
import { installTestTelemetry, type TestTelemetry } from './helpers/telemetry.js';

let tel: TestTelemetry;
beforeAll(() => {
  tel = installTestTelemetry();
});
beforeEach(() => tel.reset());

function setup(options: Parameters<typeof createLogger>[0] = {}) {
  const dest = new MemoryDestination();
  const log = createLogger({ serviceName: 'svc', destination: dest, otlp: false, now: () => 1000, ...options });
  return { dest, log };
}

describe('logger', () => {
  it('writes one JSON line per call with level, service, message and fields', () => {
    const { dest, log } = setup();
    log.info('order placed', { orderId: 'o-1', amount: 12.5, paid: true, missing: undefined });
    log.warn({ sku: 'A' }, 'low stock');
    expect(dest.records()).toEqual([
      { time: 1000, level: 'info', service: 'svc', msg: 'order placed', orderId: 'o-1', amount: 12.5, paid: true },
      { time: 1000, level: 'warn', service: 'svc', msg: 'low stock', sku: 'A' },
    ]);
    expect(dest.lines.every((l) => l.endsWith('}\n'))).toBe(true);
  });

  it('filters by level and can change level at run time', () => {
    const { dest, log } = setup({ level: 'warn' });
    log.info('hidden');
    log.debug('hidden');
    log.error('shown');
    expect(dest.records().map((r) => r.msg)).toEqual(['shown']);
    log.level = 'debug';
    log.debug('now shown');
    expect(dest.records().map((r) => r.msg)).toEqual(['shown', 'now shown']);
    expect(log.isLevelEnabled('trace')).toBe(false);
  });

  it('child loggers add bindings and share configuration', () => {
    const { dest, log } = setup();
    const child = log.child({ component: 'payments' }).child({ attempt: 2 });
    child.info('charging');
    expect(dest.records()[0]).toMatchObject({ component: 'payments', attempt: 2, msg: 'charging' });
    log.level = 'error';
    child.info('dropped');
    expect(dest.lines).toHaveLength(1);
  });

  it('injects trace id, span id and correlation id from the async context', async () => {
    const { dest, log } = setup();
    await withCorrelation('corr-123', () =>
      traced('op', async (span) => {
        await new Promise((r) => setTimeout(r, 1));
        log.info('inside');
        return span.spanContext();
      }),
    ).then((sc) => {
      const rec = dest.records()[0]!;
      expect(rec.trace_id).toBe(sc.traceId);
      expect(rec.span_id).toBe(sc.spanId);
      expect(rec.correlation_id).toBe('corr-123');
    });
    log.info('outside');
    expect(dest.records()[1]).not.toHaveProperty('trace_id');
    expect(dest.records()[1]).not.toHaveProperty('correlation_id');
  });

  it('serialises errors with stack and cause chain', () => {
    const { dest, log } = setup();
    const root = Object.assign(new Error('ECONNRESET'), { code: 'ECONNRESET' });
    const err = new Error('charge failed', { cause: new TypeError('bad response', { cause: root }) });
    log.error('payment error', { err });
    log.error(new RangeError('direct'));
    const [a, b] = dest.records() as any[];
    expect(a.err.type).toBe('Error');
    expect(a.err.message).toBe('charge failed');
    expect(a.err.stack).toContain('charge failed');
    expect(a.err.cause.type).toBe('TypeError');
    expect(a.err.cause.cause).toMatchObject({ message: 'ECONNRESET', code: 'ECONNRESET' });
    expect(b.msg).toBe('direct');
    expect(b.err.type).toBe('RangeError');
  });

  it('survives circular errors', () => {
    const { dest, log } = setup();
    const e1: any = new Error('one');
    const e2: any = new Error('two', { cause: e1 });
    e1.cause = e2;
    log.error('loop', { err: e2 });
    expect((dest.records()[0] as any).err.cause.cause).toEqual({ type: 'Circular', value: '[Circular]' });
  });

  it('redacts sensitive keys and value patterns in messages, fields, bindings and nested objects', () => {
    const { dest, log } = setup({ redaction: { keys: ['iban'] } });
    log.child({ apiKey: 'k', token: 'abc', tenant: 'acme' }).info('login by alice@example.com', {
      password: 'hunter2',
      iban: 'DE89370400440532013000',
      note: 'card 4111 1111 1111 1111 and order 1234567890123',
      headers: { Authorization: 'Bearer abc.def.ghi', accept: 'json' },
      url: '/login?user=bob&password=secret1',
    });
    const rec = dest.records()[0] as any;
    expect(rec.msg).toBe('login by [REDACTED:email]');
    expect(rec.password).toBe('[REDACTED]');
    expect(rec.token).toBe('[REDACTED]');
    expect(rec.apiKey).toBe('[REDACTED]'); // keys match case-insensitively
    expect(rec.tenant).toBe('acme');
    expect(rec.iban).toBe('[REDACTED]');
    expect(rec.note).toBe('card [REDACTED:card] and order 1234567890123'); // fails Luhn: kept
    expect(rec.headers).toEqual({ Authorization: '[REDACTED]', accept: 'json' });
    expect(rec.url).toBe('/login?user=bob&password=[REDACTED]');
  });

  it('samples info and debug but keeps every warn and error', () => {
    let i = 0;
    const randoms = [0.05, 0.5, 0.95, 0.05];
    const { dest, log } = setup({ level: 'debug', sampling: { info: 0.1, debug: 0.1 }, random: () => randoms[i++ % randoms.length]! });
    for (let n = 0; n < 4; n++) log.info('i');
    for (let n = 0; n < 5; n++) log.warn('w');
    log.error('e');
    const msgs = dest.records().map((r) => r.msg);
    expect(msgs.filter((m) => m === 'i')).toHaveLength(2);
    expect(msgs.filter((m) => m === 'w')).toHaveLength(5);
    expect(msgs.filter((m) => m === 'e')).toHaveLength(1);
    expect(log.stats().sampledOut).toBe(2);
  });

  it('rate-limits per message key and reports the suppressed count', () => {
    let now = 0;
    const { dest, log } = setup({ rateLimit: { max: 3, windowMs: 60_000 }, now: () => now });
    for (let n = 0; n < 10; n++) log.warn('db timeout', { n });
    log.warn('other message');
    expect(dest.records().filter((r) => r.msg === 'db timeout')).toHaveLength(3);
    now = 60_000;
    log.warn('db timeout', { n: 99 });
    const last = dest.records().at(-1)!;
    expect(last).toMatchObject({ msg: 'db timeout', n: 99, suppressed: 7 });
    expect(log.stats().rateLimited).toBe(7);
    // explicit keys group different texts
    log.info('user 1 failed', { logKey: 'user-failed' });
    log.info('user 2 failed', { logKey: 'user-failed' });
    log.info('user 3 failed', { logKey: 'user-failed' });
    log.info('user 4 failed', { logKey: 'user-failed' });
    expect(dest.records().filter((r) => String(r.msg).startsWith('user'))).toHaveLength(3);
    expect(dest.lines.join('')).not.toContain('logKey');
  });

  it('emits OTLP log records with severity, attributes, correlation and span context', async () => {
    const dest = new MemoryDestination();
    const log = createLogger({ serviceName: 'svc', destination: dest, otlp: true });
    await withCorrelation('c-9', () =>
      traced('work', () => log.warn('careful', { userEmail: 'x@y.io', err: new Error('boom') })),
    );
    const records = tel.logRecords.getFinishedLogRecords();
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r.severityText).toBe('WARN');
    expect(r.body).toBe('careful');
    expect(r.attributes['userEmail']).toBe('[REDACTED:email]');
    expect(r.attributes['correlation.id']).toBe('c-9');
    expect(r.attributes['exception.type']).toBe('Error');
    expect(r.attributes['exception.message']).toBe('boom');
    const span = tel.spans.getFinishedSpans()[0]!;
    expect(r.spanContext?.traceId).toBe(span.spanContext().traceId);
    expect(r.spanContext?.spanId).toBe(span.spanContext().spanId);
    expect(trace.getSpan(context.active())).toBeUndefined();
  });

  it('never throws on unserialisable values', () => {
    const { dest, log } = setup();
    const circular: any = { a: 1 };
    circular.self = circular;
    expect(() => log.info('x', { circular, big: 10n, fn: () => 1, nan: Number.NaN })).not.toThrow();
    const rec = dest.records()[0] as any;
    expect(rec.big).toBe('10');
    expect(rec.nan).toBe('NaN');
    expect(rec).not.toHaveProperty('fn');
  });
});
