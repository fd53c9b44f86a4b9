import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counter, getCorrelationId, init, instrumentHttpHandler, logger, shutdown, traced, withCorrelation, type SightlineSdk } from '../src/index.js';
import { attrs, startOtlpReceiver } from './helpers/otlp-receiver.js';

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

  it('exports http.server.request.duration from the local aggregation as a cumulative OTLP histogram', async () => {
    const server = http.createServer(
      instrumentHttpHandler(
        async (req, res) => {
          if (req.url === '/slow') await new Promise((r) => setTimeout(r, 30));
          res.statusCode = req.url === '/bad' ? 502 : 200;
          res.end();
        },
        { route: (req) => req.url },
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ['/fast', '/fast', '/slow', '/bad']) await (await fetch(base + path)).text();
      await sdk.forceFlush();
    } finally {
      server.close();
    }
    const exported = receiver.requests
      .filter((r) => r.path === '/v1/metrics')
      .flatMap((r) => r.body.resourceMetrics.flatMap((rm: any) => rm.scopeMetrics.map((sm: any) => ({ rm, sm }))))
      .flatMap(({ rm, sm }: any) => sm.metrics.filter((m: any) => m.name === 'http.server.request.duration').map((m: any) => ({ m, scope: sm.scope, resource: attrs(rm.resource.attributes) })));
    const last = exported.at(-1)!;
    expect(last.scope.name).toBe('@sightline/sdk');
    expect(last.resource['service.name']).toBe('checkout');
    expect(last.m.unit).toBe('s');
    expect(last.m.histogram.aggregationTemporality).toBe(2); // CUMULATIVE
    const point = (route: string) => last.m.histogram.dataPoints.find((p: any) => attrs(p.attributes)['http.route'] === route);
    const fast = point('/fast');
    expect(Number(fast.count)).toBe(2);
    expect(attrs(fast.attributes)).toEqual({ 'http.request.method': 'GET', 'http.route': '/fast', 'http.response.status_code': 200, 'url.scheme': 'http' });
    expect(fast.explicitBounds).toEqual([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
    expect(fast.bucketCounts.map(Number).reduce((a: number, b: number) => a + b, 0)).toBe(2);
    const slow = point('/slow');
    expect(slow.min).toBeGreaterThanOrEqual(0.025);
    // 30 ms lands above the 0.025 boundary: the first three buckets are empty.
    expect(slow.bucketCounts.slice(0, 3).map(Number)).toEqual([0, 0, 0]);
    expect(attrs(point('/bad').attributes)['error.type']).toBe('502');
  });

  it('returns the running SDK when called twice', () => {
    expect(init({ serviceName: 'other' })).toBe(sdk);
  });
});
