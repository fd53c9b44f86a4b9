export { ExportService, type ExportOutcome, type BatchWriter, type WireFormat } from './export-service.js';
export { createOtlpHttpServer, type OtlpHttpOptions } from './otlp-http.js';
export { startOtlpGrpcServer, type OtlpGrpcServer, type OtlpGrpcOptions } from './otlp-grpc.js';
