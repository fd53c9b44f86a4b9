// Composition root: builds every room from the config and starts the listeners. Used by the
// CLI (`sightline start`) and by integration tests in-process.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { SightlineConfig } from './config/schema.js';
import { buildApi } from './api/app.js';
import { createDuckDbStore, createWriter, type Writer } from './storage/index.js';
import type { Store } from './storage/store.js';
import { createSelfMetrics, type SelfMetrics } from './telemetry/self-metrics.js';
import { ExportService } from './ingest/export-service.js';
import { createOtlpHttpServer } from './ingest/otlp-http.js';
import { startOtlpGrpcServer, type OtlpGrpcServer } from './ingest/otlp-grpc.js';
import { RetentionScheduler } from './storage/retention-scheduler.js';
import { VERSION } from './version.js';

export interface StartOptions {
  config: SightlineConfig;
  /** Injected clock (ms since epoch) for retention and default query ranges. */
  clock?: () => number;
  logger?: Logger;
  /** Where the built UI lives; defaults to packages/web/dist next to this package. */
  webRoot?: string;
}

export interface RunningSightline {
  readonly config: SightlineConfig;
  readonly store: Store;
  readonly writer: Writer;
  readonly metrics: SelfMetrics;
  readonly httpUrl: string;
  readonly otlpHttpUrl: string;
  readonly otlpGrpcAddress: string;
  readonly ports: { http: number; otlpHttp: number; otlpGrpc: number };
  close(): Promise<void>;
}

function defaultWebRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/server.js or src/server.ts -> packages/server -> packages/web/dist
  return resolve(here, '..', '..', 'web', 'dist');
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen((server.address() as AddressInfo).port);
    });
  });
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((res) => {
    server.close(() => res());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}

export async function startSightline(opts: StartOptions): Promise<RunningSightline> {
  const { config } = opts;
  const clock = opts.clock ?? Date.now;
  const logger = opts.logger ?? pino({ level: config.log.level });
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });

  const metrics = createSelfMetrics();
  const store = await createDuckDbStore({ dataDir, clock });
  const writer = createWriter(store, {
    maxQueueRows: config.writer.maxQueueRows,
    flushIntervalMs: config.writer.flushIntervalMs,
    maxBatchRows: config.writer.maxBatchRows,
    onCommit: (signal, rows, seconds) => {
      metrics.commitDuration.observe({ signal }, seconds);
      metrics.committedRows.inc({ signal }, rows);
    },
  });
  metrics.setSources({ queueRows: () => writer.stats().queueRows, diskBytes: async () => (await store.stats()).diskBytes });

  let ready = false;
  const service = new ExportService({ writer, metrics, log: logger });
  const otlpHttp = createOtlpHttpServer({ host: config.host, port: config.otlp.httpPort, maxBodyBytes: config.otlp.maxBodyBytes, service, metrics });
  let grpcServer: OtlpGrpcServer | undefined;
  let api: Awaited<ReturnType<typeof buildApi>> | undefined;
  const retention = new RetentionScheduler({
    store,
    clock,
    policy: { tracesDays: config.retention.tracesDays, logsDays: config.retention.logsDays, metricsDays: config.retention.metricsDays },
    intervalMs: config.retention.intervalMinutes * 60_000,
    onRun: (result, error) => {
      metrics.retentionRuns.inc({ result: error ? 'failed' : 'ok' });
      if (error) logger.warn({ err: error.message }, 'retention run failed');
      for (const r of result) if (r.droppedPartitions.length) metrics.retentionDroppedPartitions.inc({ signal: r.signal }, r.droppedPartitions.length);
    },
  });

  try {
    const otlpHttpPort = await listen(otlpHttp, config.host, config.otlp.httpPort);
    grpcServer = await startOtlpGrpcServer({ host: config.host, port: config.otlp.grpcPort, maxBodyBytes: config.otlp.maxBodyBytes, service, metrics });
    const grpcPort = grpcServer.port;
    const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
    const otlpInfo = { grpcEndpoint: `http://${hostForUrl}:${grpcPort}`, httpEndpoint: `http://${hostForUrl}:${otlpHttpPort}` };
    api = await buildApi({
      ctx: {
        store,
        metrics,
        clock,
        defaultRangeMs: config.query.defaultRangeMinutes * 60_000,
        maxLimit: config.query.maxLimit,
        tenant: 'default',
        isReady: () => ready,
        info: () => ({ version: VERSION, otlp: otlpInfo }),
      },
      logger: logger.child({ room: 'api' }),
      webRoot: opts.webRoot ?? defaultWebRoot(),
    });
    await api.listen({ host: config.host, port: config.http.port });
    const httpPort = (api.server.address() as AddressInfo).port;
    retention.start();
    ready = true;

    let closing: Promise<void> | undefined;
    return {
      config,
      store,
      writer,
      metrics,
      httpUrl: `http://${hostForUrl}:${httpPort}`,
      otlpHttpUrl: otlpInfo.httpEndpoint,
      otlpGrpcAddress: `${hostForUrl}:${grpcPort}`,
      ports: { http: httpPort, otlpHttp: otlpHttpPort, otlpGrpc: grpcPort },
      close: () =>
        (closing ??= (async () => {
          ready = false;
          // Stop taking new data first, then let in-flight requests finish their commits,
          // then flush whatever is queued and close the store.
          await Promise.all([closeHttp(otlpHttp), grpcServer!.close()]);
          retention.stop();
          await writer.close();
          await api!.close();
          await store.close();
        })()),
    };
  } catch (err) {
    otlpHttp.close();
    await grpcServer?.close();
    await api?.close();
    retention.stop();
    await writer.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}
