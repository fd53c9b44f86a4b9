// Composition root: builds every room from the config and starts the listeners. Used by the
// CLI (`sightline start`) and by integration tests in-process.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { SightlineConfig } from './config/index.js';
import { buildApi } from './api/app.js';
import { createDuckDbStore, createWriter, RetentionScheduler, RollupScheduler, SealScheduler, type Store, type Writer } from './storage/index.js';
import { createSelfMetrics, type SelfMetrics } from './telemetry/index.js';
import {
  createOtlpHttpServer, DecodePool, ExportService, InflightBudget, labeledSampleSink, RemoteWriteService, ScrapeManager, startOtlpGrpcServer,
  type OtlpGrpcServer,
} from './ingest/index.js';
import { VERSION } from './version.js';
import { parsePromDuration } from './config/index.js';
import { createPromEngine, createStoreSeriesSource } from './query/promql/index.js';
import { loadRuleFiles, RuleManager } from './rules/index.js';
import { realScheduler, type Scheduler } from './scheduler.js';
import { CardinalityGuard, CardinalityGuardedWriter } from './pipeline/index.js';

export interface StartOptions {
  config: SightlineConfig;
  /** Injected clock (ms since epoch) for retention and default query ranges. */
  clock?: () => number;
  logger?: Logger;
  /** Where the built UI lives; defaults to packages/web/dist next to this package. */
  webRoot?: string;
  /** Timers of scrapes and rule evaluations; defaults to real timers on `clock`. */
  scheduler?: Scheduler;
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
  /** Prometheus scraping (scrape_configs) and rule evaluation (rule_files). */
  readonly scrape: ScrapeManager;
  readonly rules: RuleManager;
  /** Cardinality limits on metric series; undefined when metrics.cardinality.enabled is false. */
  readonly cardinality: CardinalityGuard | undefined;
  /** Background jobs, exposed so tests drive them with an injected clock. */
  readonly retention: RetentionScheduler;
  /** Absent when metrics.rollups.enabled is false. */
  readonly rollups: RollupScheduler | undefined;
  /** Absent when metrics.sealing.enabled is false. */
  readonly sealing: SealScheduler | undefined;
  /** Decode worker threads of metric ingest; absent when ingest.decodeWorkers is 0. */
  readonly decodePool: DecodePool | undefined;
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
  const store = await createDuckDbStore({
    dataDir,
    clock,
    blockCacheBytes: config.metrics.blockCache.maxBytes,
    traceWriteConnections: config.writer.tracesWriteConnections,
    logWriteConnections: config.writer.logsWriteConnections,
    metricWriteConnections: config.writer.metricsWriteConnections,
    stageDir: config.writer.stageDir === null ? undefined : resolve(config.writer.stageDir),
  });
  const writer = createWriter(store, {
    maxQueueRows: config.writer.maxQueueRows,
    flushIntervalMs: config.writer.flushIntervalMs,
    metricsFlushIntervalMs: config.writer.metricsFlushIntervalMs,
    maxBatchRows: config.writer.maxBatchRows,
    eagerFlushRows: config.writer.eagerFlushRows,
    onCommit: (signal, rows, seconds) => {
      metrics.commitDuration.observe({ signal }, seconds);
      metrics.committedRows.inc({ signal }, rows);
    },
  });
  const card = config.metrics.cardinality;
  const cardinalityWindowMs = card.activeWindowMinutes * 60_000;
  let guard: CardinalityGuard | undefined;
  if (card.enabled) {
    guard = new CardinalityGuard({
      limits: { maxSeriesPerTenant: card.maxSeriesPerTenant, maxSeriesPerMetric: card.maxSeriesPerMetric, maxLabelValuesPerLabel: card.maxLabelValuesPerLabel },
      metricOverrides: card.metricOverrides,
      tenantOverrides: card.tenantOverrides,
      activeWindowMs: cardinalityWindowMs,
      clock,
      onReject: (reason, points) => metrics.rejected.inc({ signal: 'metrics', reason }, points),
      onError: (err) => logger.error({ err: err.message }, 'cardinality guard failed; the batch passed unchecked'),
    });
    // Seeded before any listener opens, so a restart does not reset the counts.
    try {
      const now = clock();
      guard.seed(await store.activeSeries(now - cardinalityWindowMs, now));
    } catch (err) {
      await writer.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
  }
  const activeSeries = guard ? () => guard.totalActiveSeries() : undefined;
  metrics.setSources({ queueRows: () => writer.stats().queueRows, diskBytes: async () => (await store.stats()).diskBytes, activeSeries, blockCache: () => store.blockCacheStats() });
  // Scrapes and recording rules cannot tell a client: their rejections are counted and logged.
  const guardedWriter = (source: string) => (guard ? new CardinalityGuardedWriter(writer, guard, { source, clock, log: logger.child({ room: 'pipeline' }) }) : writer);

  let ready = false;
  // Metric decode threads (remote_write, OTLP metrics); every failure path below closes them.
  const decodePool = config.ingest.decodeWorkers > 0 ? new DecodePool({ size: config.ingest.decodeWorkers, log: logger, metrics }) : undefined;
  const service = new ExportService({ writer, metrics, log: logger, guard, pool: decodePool });
  const otlpHttp = createOtlpHttpServer({
    host: config.host,
    port: config.otlp.httpPort,
    maxBodyBytes: config.otlp.maxBodyBytes,
    budget: new InflightBudget(config.otlp.maxInflightBytes),
    service,
    metrics,
  });
  // Prometheus side: remote_write, PromQL, scrapes and rules. Rule files are read before any
  // listener opens, so an invalid file stops start-up with promtool-style messages.
  const scheduler = opts.scheduler ?? realScheduler(clock);
  const prom = config.prometheus;
  const engineOptions = {
    lookbackDeltaMs: parsePromDuration(prom.lookbackDelta)!,
    maxSamples: prom.maxSamples,
    timeoutMs: parsePromDuration(prom.queryTimeout)!,
    noStepSubqueryIntervalMs: parsePromDuration(prom.evaluationInterval)!,
  };
  const seriesSource = createStoreSeriesSource(store);
  const engine = createPromEngine(seriesSource, engineOptions);
  let ruleGroups;
  try {
    ruleGroups = loadRuleFiles(config.rule_files);
  } catch (err) {
    await decodePool?.close();
    await writer.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
  const rules = new RuleManager({
    groups: ruleGroups,
    defaultIntervalMs: parsePromDuration(prom.evaluationInterval)!,
    engine,
    sink: labeledSampleSink(guardedWriter('rules')),
    tenant: 'default',
    scheduler,
    metrics,
    log: logger.child({ room: 'rules' }),
  });
  const scrape = new ScrapeManager({
    jobs: config.scrape_configs,
    defaults: { scrapeIntervalMs: parsePromDuration(prom.scrapeInterval)!, scrapeTimeoutMs: parsePromDuration(prom.scrapeTimeout)! },
    writer: guardedWriter('scrape'),
    tenant: 'default',
    scheduler,
    userAgent: `Sightline/${VERSION}`,
    metrics,
    log: logger.child({ room: 'scrape' }),
  });
  const remoteWrite = new RemoteWriteService({ writer, metrics, maxDecompressedBytes: config.remoteWrite.maxDecompressedBytes, log: logger, guard, pool: decodePool });
  let grpcServer: OtlpGrpcServer | undefined;
  let api: Awaited<ReturnType<typeof buildApi>> | undefined;
  const retention = new RetentionScheduler({
    store,
    clock,
    policy: {
      tracesDays: config.retention.tracesDays,
      logsDays: config.retention.logsDays,
      metricsDays: config.retention.metricsDays,
      rollupDays: config.metrics.rollups.enabled
        ? { '1m': config.retention.metrics1mDays, '5m': config.retention.metrics5mDays, '1h': config.retention.metrics1hDays }
        : undefined,
    },
    intervalMs: config.retention.intervalMinutes * 60_000,
    onRun: (result, error) => {
      metrics.retentionRuns.inc({ result: error ? 'failed' : 'ok' });
      if (error) logger.warn({ err: error.message }, 'retention run failed');
      for (const r of result) if (r.droppedPartitions.length) metrics.retentionDroppedPartitions.inc({ signal: r.signal }, r.droppedPartitions.length);
    },
  });

  const rollups = config.metrics.rollups.enabled
    ? new RollupScheduler({
        store,
        clock,
        intervalMs: config.metrics.rollups.intervalSeconds * 1000,
        graceMs: config.metrics.rollups.graceSeconds * 1000,
        onRun: (result, error) => {
          metrics.rollupRuns.inc({ result: error ? 'failed' : 'ok' });
          if (error) logger.warn({ err: error.message }, 'rollup build failed');
          for (const t of result.tiers) {
            metrics.rollupRows.inc({ tier: t.tier }, t.rows);
            metrics.rollupBuiltUntil.set({ tier: t.tier }, t.toMs / 1000);
          }
        },
      })
    : undefined;

  const sealing = config.metrics.sealing.enabled
    ? new SealScheduler({
        store,
        clock,
        intervalMs: config.metrics.sealing.intervalSeconds * 1000,
        graceMs: config.metrics.sealing.graceSeconds * 1000,
        afterRollups: config.metrics.rollups.enabled,
        onRun: (result, error) => {
          metrics.sealRuns.inc({ result: error ? 'failed' : 'ok' });
          if (error) logger.warn({ err: error.message }, 'sealing samples failed');
          metrics.sealedSamples.inc(result.samples);
          metrics.sealedBlocks.inc(result.blocks);
          metrics.sealCompactedFiles.inc(result.compacted ?? 0);
          // Before the first rollup build there is nothing to seal yet (sealUntil far in the past).
          if (result.untilMs !== undefined && result.untilMs > 0) metrics.sealedUntil.set(result.untilMs / 1000);
        },
      })
    : undefined;

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
        cardinality: { guard, activeWindowMs: cardinalityWindowMs },
      },
      logger: logger.child({ room: 'api' }),
      webRoot: opts.webRoot ?? defaultWebRoot(),
      promApi: {
        store,
        tenant: 'default',
        clock,
        engine,
        engineWith: (o) => createPromEngine(seriesSource, { ...engineOptions, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) }),
        defaultTimeoutMs: engineOptions.timeoutMs,
        maxPointsPerSeries: prom.maxPointsPerSeries,
        defaultLookupRangeMs: config.retention.metricsDays * 86_400_000,
        buildInfo: { version: prom.compatVersion, revision: `sightline-${VERSION}`, branch: 'sightline', buildUser: 'sightline', buildDate: '', goVersion: `none (Sightline ${VERSION}, Node.js ${process.version})` },
        rules: (type) => rules.apiGroups(type),
        alerts: () => rules.apiAlerts(),
        targets: () =>
          scrape.activeTargets().map((t) => ({
            discoveredLabels: t.discoveredLabels,
            labels: t.labels,
            scrapePool: t.scrapePool,
            scrapeUrl: t.scrapeUrl,
            globalUrl: t.scrapeUrl,
            lastError: t.lastError,
            lastScrape: t.lastScrapeMs ? new Date(t.lastScrapeMs).toISOString() : '0001-01-01T00:00:00Z',
            lastScrapeDuration: t.lastScrapeDurationMs / 1000,
            health: t.health,
          })),
      },
      remoteWrite: config.remoteWrite.enabled ? { service: remoteWrite, metrics, maxBodyBytes: config.remoteWrite.maxBodyBytes, tenant: 'default' } : undefined,
    });
    await api.listen({ host: config.host, port: config.http.port });
    const httpPort = (api.server.address() as AddressInfo).port;
    retention.start();
    rollups?.start();
    sealing?.start();
    scrape.start();
    rules.start();
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
      scrape,
      rules,
      cardinality: guard,
      retention,
      rollups,
      sealing,
      decodePool,
      close: () =>
        (closing ??= (async () => {
          ready = false;
          // Stop taking new data first, then let in-flight requests finish their commits,
          // then flush whatever is queued and close the store.
          await Promise.all([closeHttp(otlpHttp), grpcServer!.close()]);
          // Scrapes and rule groups finish what is in flight and write their stale markers
          // while the writer still takes them.
          await Promise.all([scrape.stop(), rules.stop()]);
          retention.stop();
          rollups?.stop();
          sealing?.stop();
          await writer.close();
          await api!.close();
          await decodePool?.close();
          await store.close();
        })()),
    };
  } catch (err) {
    otlpHttp.close();
    await grpcServer?.close();
    await api?.close();
    await decodePool?.close();
    retention.stop();
    rollups?.stop();
    sealing?.stop();
    await Promise.all([scrape.stop(), rules.stop()]).catch(() => undefined);
    await writer.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}
