import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counter, getCorrelationId, init, logger, shutdown, traced, withCorrelation, type SightlineSdk } from '../src/index.js';
import { startOtlpReceiver } from './helpers/otlp-receiver.js';

// One real SDK per file: the real OTLP/HTTP JSON exporters send to an in-test receiver.
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let sdk: SightlineSdk;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  sdk = init({
    serviceName: 'checkout',
    serviceVersion: '2.0.1',
    environment: 'test',
    endpoint: receiver.url,
    protocol: 'http/json',
    headers: { 'x-api-key': 'secret-key' },
    resourceAttributes: { 'team.name': 'shop' },
    logger: { stdout: false },
    instrumentations: false,
    batch: { scheduledDelayMillis: 50 },
  });
});
afterAll(async () => {
  await shutdown();
  await receiver.close();
});

describe('init', () => {
  it('exports traces, metrics and logs over OTLP with resource attributes and headers', async () => {
    await withCorrelation('init-corr', () =>
      traced('checkout.submit', async (span) => {
        span.setAttribute('app.items', 3);
        logger.info('submitted', { customerEmail: 'c@d.ef', items: 3 });
        counter('checkout.submissions').add(1, { channel: 'web' });
        expect(getCorrelationId()).toBe('init-corr');
      }),
    );
    await sdk.forceFlush();

    const span = receiver.spans().find((s: any) => s.name === 'checkout.submit');
    expect(span).toBeDefined();
    expect(span.attributes['app.items']).toBe(3);
    expect(span.resource).toMatchObject({
      'service.name': 'checkout', 'service.version': '2.0.1', 'deployment.environment.name': 'test', 'team.name': 'shop',
      'telemetry.sdk.language': 'nodejs', 'telemetry.distro.name': '@sightline/sdk',
    });
    expect(span.resource['process.pid']).toBe(process.pid);
    expect(span.resource['host.name']).toBeTypeOf('string');

    const log = receiver.logs().find((l: any) => l.body?.stringValue === 'submitted');
    expect(log).toBeDefined();
    expect(log.traceId).toBe(span.traceId);
    expect(log.spanId).toBe(span.spanId);
    expect(log.severityText).toBe('INFO');
    expect(log.attributes).toMatchObject({ customerEmail: '[REDACTED:email]', items: 3, 'correlation.id': 'init-corr' });

    const names = receiver.metricNames();
    expect(names).toContain('checkout.submissions');
    expect(names).toContain('process.cpu.time');
    expect(names).toContain('nodejs.eventloop.utilization');
    expect(receiver.requests.every((r) => r.headers['x-api-key'] === 'secret-key')).toBe(true);
  });

  it('returns the running SDK when called twice', () => {
    expect(init({ serviceName: 'other' })).toBe(sdk);
  });
});
