import { describe, expect, it } from 'vitest';
import { parseKeyValueList, resolveConfig } from '../src/index.js';

describe('resolveConfig', () => {
  it('uses defaults with an empty environment', () => {
    const c = resolveConfig({}, {});
    expect(c).toMatchObject({
      serviceName: 'unknown_service:node', endpoint: 'http://localhost:4318', protocol: 'http/protobuf',
      sampling: { ratio: 1, parentBased: true }, traces: true, metrics: true, logs: true, metricExportIntervalMs: 10000,
    });
  });

  it('reads the standard OTEL_* variables', () => {
    const c = resolveConfig({}, {
      OTEL_SERVICE_NAME: 'orders',
      OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.2.3,deployment.environment.name=staging,team=shop%20core',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20k1,x-tenant=acme',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_SDK_DISABLED: 'true',
    });
    expect(c).toMatchObject({
      serviceName: 'orders', serviceVersion: '1.2.3', environment: 'staging', endpoint: 'http://collector:4318', protocol: 'http/json',
      headers: { authorization: 'Bearer k1', 'x-tenant': 'acme' }, resourceAttributes: { team: 'shop core' },
      sampling: { ratio: 0.25, parentBased: true }, logs: false, traces: true, metricExportIntervalMs: 5000, disabled: true,
    });
    expect(c.batch.scheduledDelayMillis).toBe(200);
  });

  it('lets explicit options win over the environment', () => {
    const c = resolveConfig({ serviceName: 'a', endpoint: 'http://x:1', sampling: { ratio: 0.5 }, headers: { k: 'v' } }, {
      OTEL_SERVICE_NAME: 'b', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://y:2', OTEL_TRACES_SAMPLER_ARG: '0.1', OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_EXPORTER_OTLP_HEADERS: 'k=env,j=env',
    });
    expect(c).toMatchObject({ serviceName: 'a', endpoint: 'http://x:1', sampling: { ratio: 0.5, parentBased: false }, headers: { k: 'v', j: 'env' } });
  });

  it('reads the server span attribute set from the option or SIGHTLINE_HTTP_SERVER_SPAN_ATTRIBUTES', () => {
    expect(resolveConfig({}, {}).httpServerSpanAttributes).toBe('default');
    expect(resolveConfig({}, { SIGHTLINE_HTTP_SERVER_SPAN_ATTRIBUTES: 'FULL' }).httpServerSpanAttributes).toBe('full');
    expect(resolveConfig({ httpServerSpanAttributes: 'default' }, { SIGHTLINE_HTTP_SERVER_SPAN_ATTRIBUTES: 'full' }).httpServerSpanAttributes).toBe('default');
    expect(() => resolveConfig({}, { SIGHTLINE_HTTP_SERVER_SPAN_ATTRIBUTES: 'most' })).toThrow(/httpServerSpanAttributes "most" is not one of default, full/);
  });

  it('rejects invalid values with a clear message and code', () => {
    expect(() => resolveConfig({ protocol: 'udp' as never }, {})).toThrow(/protocol "udp"/);
    expect(() => resolveConfig({ endpoint: 'not a url' }, {})).toThrow(/not a URL/);
    expect(() => resolveConfig({ sampling: { ratio: 2 } }, {})).toThrow(/between 0 and 1/);
    try {
      resolveConfig({ batch: { maxQueueSize: 10, maxExportBatchSize: 20 } }, {});
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('SL_ERR_SDK_CONFIG');
    }
  });

  it('parses key=value lists leniently', () => {
    expect(parseKeyValueList(' a=1 , b=x%3Dy,broken,=v')).toEqual({ a: '1', b: 'x=y' });
  });
});
