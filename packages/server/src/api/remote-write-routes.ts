// POST /api/v1/write: Prometheus remote_write 1.0 on the HTTP API port, where Prometheus,
// Grafana Agent and friends expect it next to the query API.
import type { FastifyPluginAsync } from 'fastify';
import { errorBody } from '../errors.js';
import type { RemoteWriteService } from '../ingest/remote-write.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';

export interface RemoteWriteRoutesOptions {
  service: RemoteWriteService;
  metrics: SelfMetrics;
  /** Largest accepted (compressed) body. */
  maxBodyBytes: number;
  tenant: string;
}

export const remoteWriteRoutes: FastifyPluginAsync<RemoteWriteRoutesOptions> = async (app, opts) => {
  // Encapsulated: only this plugin takes raw protobuf bodies. Senders use x-protobuf; some
  // older agents send octet-stream or nothing useful, so those are accepted too.
  app.addContentTypeParser(['application/x-protobuf', 'application/protobuf', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => done(null, body));

  const count = (code: number) => opts.metrics.requests.inc({ signal: 'metrics', transport: 'remote_write', code: String(code) });

  app.setErrorHandler((err, _req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) {
      opts.metrics.rejected.inc({ signal: 'metrics', reason: 'too_large' });
      count(413);
      return reply.status(413).send(errorBody('SL_ERR_PAYLOAD_TOO_LARGE', `remote_write body exceeds the limit of ${opts.maxBodyBytes} bytes (remoteWrite.maxBodyBytes); lower queue_config.max_samples_per_send`));
    }
    if (status === 415) {
      opts.metrics.rejected.inc({ signal: 'metrics', reason: 'unsupported_media_type' });
      count(415);
      return reply.status(415).send(errorBody('SL_ERR_UNSUPPORTED_MEDIA_TYPE', `${(err as Error).message}; remote_write needs Content-Type: application/x-protobuf`));
    }
    count(status);
    return reply.status(status >= 400 && status < 600 ? status : 500).send(errorBody(status < 500 ? "SL_ERR_BAD_REQUEST" : "SL_ERR_INTERNAL", (err as Error).message));
  });

  app.post('/api/v1/write', async (req, reply) => {
    const started = process.hrtime.bigint();
    const encoding = String(req.headers['content-encoding'] ?? 'snappy').toLowerCase().trim();
    if (encoding !== 'snappy') {
      count(415);
      return reply.status(415).send(errorBody('SL_ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding '${encoding}' is not supported: remote_write 1.0 bodies are snappy-compressed`));
    }
    // Remote-Write 2.0 senders name the message; only 1.0's prometheus.WriteRequest is
    // understood, and the 2.0 spec asks for 415 so the sender can fall back to 1.0.
    const proto = /;\s*proto=([^;\s]+)/i.exec(String(req.headers['content-type'] ?? ''))?.[1];
    if (proto !== undefined && proto !== 'prometheus.WriteRequest') {
      count(415);
      return reply.status(415).send(errorBody('SL_ERR_UNSUPPORTED_MEDIA_TYPE', `remote write message ${proto} is not supported; send prometheus.WriteRequest (remote write 1.0)`));
    }
    const body = req.body;
    if (!(body instanceof Uint8Array)) {
      count(400);
      return reply.status(400).send(errorBody('SL_ERR_BAD_REQUEST', 'remote_write needs a snappy-compressed protobuf body with Content-Type: application/x-protobuf'));
    }
    const outcome = await opts.service.handle(body, opts.tenant);
    opts.metrics.requestDuration.observe({ signal: 'metrics', transport: 'remote_write' }, Number(process.hrtime.bigint() - started) / 1e9);
    switch (outcome.status) {
      case 'ok':
        if (outcome.rejected > 0) {
          // Part of the request is stored; the rest was refused for good (a cardinality limit).
          count(400);
          return reply.status(400).send(errorBody(outcome.code ?? 'SL_ERR_BAD_REQUEST', outcome.message));
        }
        count(204);
        return reply.status(204).send();
      case 'invalid':
        count(400);
        return reply.status(400).send(errorBody(outcome.code, outcome.message));
      case 'too_large':
        count(413);
        return reply.status(413).send(errorBody('SL_ERR_PAYLOAD_TOO_LARGE', outcome.message));
      case 'retryable':
        count(429);
        reply.header('Retry-After', String(Math.max(1, Math.ceil(outcome.afterMs / 1000))));
        return reply.status(429).send(errorBody('SL_ERR_OVERLOADED', outcome.message));
      case 'failed':
        count(503);
        reply.header('Retry-After', '1');
        return reply.status(503).send(errorBody('SL_ERR_STORAGE_FAILED', outcome.message));
    }
  });
};
