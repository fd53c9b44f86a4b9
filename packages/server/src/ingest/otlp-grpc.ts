// OTLP/gRPC receiver. grpc-js handles HTTP/2, framing and gzip; messages stay raw Buffers
// (identity (de)serializers) so our own decoder reads them straight into columnar batches.
import * as grpc from '@grpc/grpc-js';
import type { SelfMetrics, SignalName } from '../telemetry/self-metrics.js';
import type { ExportService } from './export-service.js';
import { encodeExportResponse } from './wire/index.js';
import { encodeRpcStatus, GRPC_CODE } from './rpc-status.js';

const SERVICES: Array<{ signal: SignalName; path: string }> = [
  { signal: 'traces', path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export' },
  { signal: 'metrics', path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export' },
  { signal: 'logs', path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export' },
];

const identity = (b: Buffer): Buffer => b;

export interface OtlpGrpcOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  service: ExportService;
  metrics: SelfMetrics;
}

export interface OtlpGrpcServer {
  readonly port: number;
  close(): Promise<void>;
}

function codeName(code: number): string {
  return (grpc.status as unknown as Record<number, string>)[code] ?? String(code);
}

export async function startOtlpGrpcServer(opts: OtlpGrpcOptions): Promise<OtlpGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  for (const { signal, path } of SERVICES) {
    const definition: grpc.ServiceDefinition = {
      Export: {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    const handler: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
      const started = process.hrtime.bigint();
      const done = (code: number) => {
        opts.metrics.requests.inc({ signal, transport: 'otlp_grpc', code: codeName(code) });
        opts.metrics.requestDuration.observe({ signal, transport: 'otlp_grpc' }, Number(process.hrtime.bigint() - started) / 1e9);
      };
      opts.service
        .handle(signal, call.request, 'protobuf', 'default', 'otlp_grpc')
        .then((outcome) => {
          switch (outcome.status) {
            case 'ok':
              done(GRPC_CODE.OK);
              callback(null, Buffer.from(encodeExportResponse(signal, outcome.rejected, outcome.message)));
              return;
            case 'invalid':
              done(GRPC_CODE.INVALID_ARGUMENT);
              callback({ code: grpc.status.INVALID_ARGUMENT, details: `${outcome.code}: ${outcome.message}` });
              return;
            case 'retryable': {
              done(GRPC_CODE.RESOURCE_EXHAUSTED);
              const metadata = new grpc.Metadata();
              const details = `SL_ERR_OVERLOADED: ${outcome.message}`;
              metadata.set('grpc-status-details-bin', Buffer.from(encodeRpcStatus(GRPC_CODE.RESOURCE_EXHAUSTED, details, outcome.afterMs)));
              callback({ code: grpc.status.RESOURCE_EXHAUSTED, details, metadata });
              return;
            }
            case 'failed':
              done(GRPC_CODE.UNAVAILABLE);
              callback({ code: grpc.status.UNAVAILABLE, details: `SL_ERR_STORAGE_FAILED: ${outcome.message}` });
              return;
          }
        })
        .catch((err: Error) => {
          done(GRPC_CODE.INTERNAL);
          callback({ code: grpc.status.INTERNAL, details: `SL_ERR_INTERNAL: ${err.message}` });
        });
    };
    server.addService(definition, { Export: handler });
  }
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
