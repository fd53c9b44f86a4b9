export { ExportService, type ExportOutcome, type BatchWriter, type WireFormat } from './export-service.js';
export { createOtlpHttpServer, type OtlpHttpOptions } from './otlp-http.js';
export { startOtlpGrpcServer, type OtlpGrpcServer, type OtlpGrpcOptions } from './otlp-grpc.js';
export { RemoteWriteService, snappyDeclaredLength, type RemoteWriteOptions, type RemoteWriteOutcome } from './remote-write.js';
export { ScrapeManager, type ScrapeManagerOptions, type ActiveTarget } from './scrape/index.js';
export { InflightBudget } from './inflight-budget.js';
export { labeledSampleSink } from './wire/labeled-sample-builder.js';

export { DecodePool, type DecodePoolOptions } from './decode-pool.js';
