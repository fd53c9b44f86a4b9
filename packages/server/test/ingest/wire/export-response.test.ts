import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { encodeExportResponse, exportResponseJson } from '../../../src/ingest/wire/index.js';

describe('Export*ServiceResponse encoders', () => {
  it('a fully accepted request gets an empty response', () => {
    for (const signal of ['traces', 'logs', 'metrics'] as const) {
      expect(encodeExportResponse(signal, 0, '')).toEqual(new Uint8Array(0));
      expect(exportResponseJson(signal, 0, '')).toEqual({});
    }
  });

  const cases = [
    { signal: 'traces' as const, field: 'rejectedSpans', deserialize: ProtobufTraceSerializer.deserializeResponse },
    { signal: 'logs' as const, field: 'rejectedLogRecords', deserialize: ProtobufLogsSerializer.deserializeResponse },
    { signal: 'metrics' as const, field: 'rejectedDataPoints', deserialize: ProtobufMetricsSerializer.deserializeResponse },
  ];
  for (const c of cases) {
    it(`${c.signal}: the official OTLP client reads rejected count and message back`, () => {
      const message = 'resource_spans[0].scope_spans[0].spans[3]: trace_id must be 16 bytes ✗';
      for (const rejected of [1, 300, 2 ** 40]) {
        const decoded = c.deserialize(encodeExportResponse(c.signal, rejected, message)) as { partialSuccess?: Record<string, unknown> };
        expect(Number(decoded.partialSuccess?.[c.field])).toBe(rejected);
        expect(decoded.partialSuccess?.errorMessage).toBe(message);
      }
      const warningOnly = c.deserialize(encodeExportResponse(c.signal, 0, 'slow down')) as { partialSuccess?: Record<string, unknown> };
      expect(warningOnly.partialSuccess?.errorMessage).toBe('slow down');
      expect(warningOnly.partialSuccess?.[c.field] ?? 0).toBe(0);
    });

    it(`${c.signal}: JSON form uses the OTLP/JSON field names`, () => {
      expect(exportResponseJson(c.signal, 2, 'bad ids')).toEqual({ partialSuccess: { [c.field]: '2', errorMessage: 'bad ids' } });
      expect(exportResponseJson(c.signal, 0, 'warn')).toEqual({ partialSuccess: { errorMessage: 'warn' } });
    });
  }
});
