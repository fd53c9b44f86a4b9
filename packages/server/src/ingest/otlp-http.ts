// OTLP/HTTP receiver (POST /v1/traces, /v1/metrics, /v1/logs) on plain node:http: four
// routes do not need a framework, and owning the body stream lets us stop a gzip bomb at the
// decompressed-size limit and answer 413 without buffering the rest.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import type { SelfMetrics, SignalName } from '../telemetry/self-metrics.js';
import type { ExportService, WireFormat } from './export-service.js';
import { encodeExportResponse, exportResponseJson } from './wire/index.js';
import { encodeRpcStatus, GRPC_CODE } from './rpc-status.js';
import type { InflightBudget } from './inflight-budget.js';

const ROUTES: Record<string, SignalName> = {
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
  '/v1/logs': 'logs',
};

export interface OtlpHttpOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Shared bound on request bytes held in memory by all uploads at once. */
  budget?: InflightBudget;
  service: ExportService;
  metrics: SelfMetrics;
  tenant?: (req: IncomingMessage) => string;
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the whole body, decompressing gzip/deflate, stopping at `maxBytes` of decompressed
 * data. With a budget, the bytes are taken from it as they arrive; on success the caller owns
 * `body.byteLength` bytes of the budget and must release them when done with the body.
 */
export function readBody(req: IncomingMessage, maxBytes: number, budget?: InflightBudget): Promise<Uint8Array> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  let source: NodeJS.ReadableStream = req;
  let inflater: Gunzip | Inflate | undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') inflater = createGunzip();
  else if (encoding === 'deflate') inflater = createInflate();
  else if (encoding !== 'identity' && encoding !== '') {
    return Promise.reject(new BodyError(415, 'SL_ERR_UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Encoding '${encoding}': send gzip, deflate or none`));
  }
  const declared = Number(req.headers['content-length']);
  if (!inflater && Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new BodyError(413, 'SL_ERR_PAYLOAD_TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes (otlp.maxBodyBytes)`));
  }
  if (inflater) source = req.pipe(inflater);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      budget?.release(size);
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      // Drain the rest of the upload so the connection can answer and stay reusable.
      req.resume();
      reject(err);
    };
    source.on('data', (chunk: Buffer) => {
      if (done) return;
      if (size + chunk.length > maxBytes) {
        fail(new BodyError(413, 'SL_ERR_PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${maxBytes} bytes after decompression (otlp.maxBodyBytes)`));
        return;
      }
      if (budget && !budget.tryAcquire(chunk.length)) {
        fail(new BodyError(429, 'SL_ERR_OVERLOADED', `Sightline is holding ${budget.limitBytes} bytes of uploads already (otlp.maxInflightBytes); retry shortly`));
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    });
    source.on('error', (err: Error) =>
      fail(inflater ? new BodyError(400, 'SL_ERR_BAD_ENCODING', `body is not valid ${encoding} data: ${err.message}`) : err),
    );
    source.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
  });
}

function formatOf(contentType: string | undefined): WireFormat | undefined {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'protobuf';
  if (ct === 'application/json') return 'json';
  return undefined;
}

/** Errors use google.rpc.Status as the OTLP/HTTP spec requires, encoded like the request. */
function sendStatus(res: ServerResponse, format: WireFormat, httpStatus: number, grpcCode: number, code: string, message: string, retryAfterMs?: number): void {
  const text = `${code}: ${message}`;
  if (retryAfterMs !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  if (format === 'protobuf') {
    const body = encodeRpcStatus(grpcCode, text, retryAfterMs);
    res.writeHead(httpStatus, { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.byteLength });
    res.end(body);
  } else {
    const body = JSON.stringify({ code: grpcCode, message: text, error: { code, message } });
    res.writeHead(httpStatus, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}

export function createOtlpHttpServer(opts: OtlpHttpOptions): Server {
  const { service, metrics } = opts;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const signal = ROUTES[path];
    if (!signal) {
      sendStatus(res, 'json', 404, GRPC_CODE.NOT_FOUND, 'SL_ERR_NOT_FOUND', `no OTLP endpoint at ${path}; use /v1/traces, /v1/metrics or /v1/logs`);
      req.resume();
      return;
    }
    const started = process.hrtime.bigint();
    const finish = (code: number) => {
      metrics.requests.inc({ signal, transport: 'otlp_http', code: String(code) });
      metrics.requestDuration.observe({ signal, transport: 'otlp_http' }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendStatus(res, 'json', 405, GRPC_CODE.UNIMPLEMENTED, 'SL_ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; OTLP exports use POST`);
      req.resume();
      finish(405);
      return;
    }
    const format = formatOf(req.headers['content-type']);
    if (!format) {
      metrics.rejected.inc({ signal, reason: 'unsupported_media_type' });
      sendStatus(res, 'json', 415, GRPC_CODE.INVALID_ARGUMENT, 'SL_ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Type '${req.headers['content-type'] ?? ''}' is not supported; send application/x-protobuf or application/json`);
      req.resume();
      finish(415);
      return;
    }
    const tenant = opts.tenant ? opts.tenant(req) : 'default';
    let held = 0;
    readBody(req, opts.maxBodyBytes, opts.budget)
      .then(async (body) => {
        held = body.byteLength;
        const outcome = await service.handle(signal, body, format, tenant, 'otlp_http').finally(() => {
          opts.budget?.release(held);
          held = 0;
        });
        switch (outcome.status) {
          case 'ok': {
            if (format === 'protobuf') {
              const out = encodeExportResponse(signal, outcome.rejected, outcome.message);
              res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': out.byteLength });
              res.end(out);
            } else {
              const out = JSON.stringify(exportResponseJson(signal, outcome.rejected, outcome.message));
              res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
              res.end(out);
            }
            finish(200);
            return;
          }
          case 'invalid':
            sendStatus(res, format, 400, GRPC_CODE.INVALID_ARGUMENT, outcome.code, outcome.message);
            finish(400);
            return;
          case 'retryable':
            sendStatus(res, format, 429, GRPC_CODE.RESOURCE_EXHAUSTED, 'SL_ERR_OVERLOADED', outcome.message, outcome.afterMs);
            finish(429);
            return;
          case 'failed':
            sendStatus(res, format, 503, GRPC_CODE.UNAVAILABLE, 'SL_ERR_STORAGE_FAILED', outcome.message, 1000);
            finish(503);
            return;
        }
      })
      .catch((err: unknown) => {
        if (err instanceof BodyError) {
          metrics.rejected.inc({ signal, reason: err.status === 413 ? 'too_large' : err.status === 415 ? 'unsupported_media_type' : err.status === 429 ? 'overloaded' : 'bad_encoding' });
          if (err.status === 413) res.setHeader('Connection', 'close');
          if (err.status === 429) sendStatus(res, format, 429, GRPC_CODE.RESOURCE_EXHAUSTED, err.code, err.message, 1000);
          else sendStatus(res, format, err.status, GRPC_CODE.INVALID_ARGUMENT, err.code, err.message);
          finish(err.status);
          return;
        }
        // Client went away mid-upload or similar: nothing to answer, nothing was acknowledged.
        if (!res.headersSent && !res.destroyed) {
          sendStatus(res, format, 400, GRPC_CODE.INVALID_ARGUMENT, 'SL_ERR_BAD_REQUEST', `could not read request body: ${(err as Error).message}`);
          finish(400);
        }
      });
  });
  // Keep-alive connections from exporters are long-lived; make the idle timeout generous.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  return server;
}
