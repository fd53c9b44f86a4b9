// The one configuration schema. Every default lives here, documented once (habit 5), and
// docs/configuration.md mirrors it. Values come from sightline.yaml, then SIGHTLINE_* env
// vars, then CLI flags (later wins).
import { z } from 'zod';
import { PROMETHEUS_DEFAULTS, REMOTE_WRITE_DEFAULTS, prometheusSettingsSchema, remoteWriteSchema, scrapeConfigsSchema } from './prometheus-schema.js';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
/** A limit: a positive integer, or null for none. */
const limit = positiveInt.nullable();

const CARDINALITY_CONFIG_DEFAULTS = {
  enabled: true,
  activeWindowMinutes: 60,
  maxSeriesPerTenant: 1_000_000 as number | null,
  maxSeriesPerMetric: 100_000 as number | null,
  maxLabelValuesPerLabel: 10_000 as number | null,
  metricOverrides: {} as Record<string, { maxSeriesPerMetric?: number | null; maxLabelValuesPerLabel?: number | null }>,
  tenantOverrides: {} as Record<string, { maxSeriesPerTenant?: number | null; maxSeriesPerMetric?: number | null; maxLabelValuesPerLabel?: number | null }>,
};

const cardinalitySchema = z
  .object({
    /** false: no guard at all (no limits, no active-series tracking; the explorer counts from the store). */
    enabled: z.boolean().default(true),
    /** A series is active while it had a sample within this many minutes; limits count active series. */
    activeWindowMinutes: positiveInt.default(60),
    /** Active series of one tenant. null: no limit. */
    maxSeriesPerTenant: limit.default(1_000_000),
    /** Active series of one metric name (per tenant). null: no limit. */
    maxSeriesPerMetric: limit.default(100_000),
    /** Distinct values of one label among a metric's active series. null: no limit. */
    maxLabelValuesPerLabel: limit.default(10_000),
    /** Per metric name: maxSeriesPerMetric, maxLabelValuesPerLabel (win over tenant and global limits). */
    metricOverrides: z.record(z.string().min(1), z.object({ maxSeriesPerMetric: limit.optional(), maxLabelValuesPerLabel: limit.optional() }).strict()).default({}),
    /** Per tenant: any of the three limits (win over the global limits). */
    tenantOverrides: z
      .record(z.string().min(1), z.object({ maxSeriesPerTenant: limit.optional(), maxSeriesPerMetric: limit.optional(), maxLabelValuesPerLabel: limit.optional() }).strict())
      .default({}),
  })
  .strict();

export const configSchema = z
  .object({
    /** Directory for the embedded store and other state. */
    dataDir: z.string().min(1).default('./data'),
    /** Address every listener binds to. 127.0.0.1 keeps a laptop install private. */
    host: z.string().min(1).default('127.0.0.1'),
    http: z
      .object({
        /** Port of the query API, the web UI, /metrics and health endpoints. */
        port: port.default(4000),
      })
      .strict()
      .default({ port: 4000 }),
    otlp: z
      .object({
        /** OTLP/gRPC receiver port (the OTLP default). */
        grpcPort: port.default(4317),
        /** OTLP/HTTP receiver port (the OTLP default). */
        httpPort: port.default(4318),
        /** Largest accepted request body after decompression, in bytes (16 MiB). */
        maxBodyBytes: positiveInt.default(16 * 1024 * 1024),
        /** Request bytes all concurrent OTLP/HTTP uploads may hold in memory (256 MiB); over it: 429. */
        maxInflightBytes: positiveInt.default(256 * 1024 * 1024),
      })
      .strict()
      .default({ grpcPort: 4317, httpPort: 4318, maxBodyBytes: 16 * 1024 * 1024, maxInflightBytes: 256 * 1024 * 1024 }),
    ingest: z
      .object({
        /**
         * Worker threads that decode metric ingest requests (remote_write, OTLP metrics) off the
         * main thread. 0 (default): decode on the main thread. Off by default because on the
         * shared 2-core benchmark box it gave no reliable throughput gain and costs ~20% more CPU
         * per decoded sample (docs/benchmarks.md, "Decode on worker threads"); try it with idle cores.
         */
        decodeWorkers: z.number().int().min(0).max(64).default(0),
      })
      .strict()
      .default({ decodeWorkers: 0 }),
    writer: z
      .object({
        /** Rows waiting for commit before ingest answers 429 / RESOURCE_EXHAUSTED. */
        maxQueueRows: positiveInt.default(500_000),
        /** Group commit interval: one transaction per signal at most this often. */
        flushIntervalMs: positiveInt.default(50),
        /** The same for metrics: sample commits are short, so a longer interval would cap senders with few connections. */
        metricsFlushIntervalMs: positiveInt.default(10),
        /** Span commits in flight at once, each on its own DuckDB connection: one batch appends while another commits. */
        tracesWriteConnections: positiveInt.default(2),
        /** The same for log records: one batch's appends and commit overlap the next one's. */
        logsWriteConnections: positiveInt.default(2),
        /**
         * The same for metric samples: one batch's appends and commit overlap the next one's
         * (catalog writes of new series still go one at a time).
         */
        metricsWriteConnections: positiveInt.default(2),
        /** A flush starts early once this many rows are queued for a signal. */
        maxBatchRows: positiveInt.default(200_000),
        /**
         * Signals with several write connections (traces, logs): a flush starts as soon as this many
         * rows wait and a connection is free, instead of at the interval. 0 turns it off.
         */
        eagerFlushRows: z.number().int().min(0).default(2_000),
        /**
         * Directory for the Parquet files that carry each write's rows into DuckDB (read once,
         * deleted after the statement). null: <dataDir>/.stage. A tmpfs (e.g. /dev/shm) keeps
         * them off a slow disk; the files of this data directory go to a subdirectory of it.
         */
        stageDir: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default({ maxQueueRows: 500_000, flushIntervalMs: 50, metricsFlushIntervalMs: 10, tracesWriteConnections: 2, logsWriteConnections: 2, metricsWriteConnections: 2, maxBatchRows: 200_000, eagerFlushRows: 2_000, stageDir: null }),
    retention: z
      .object({
        tracesDays: positiveInt.default(7),
        logsDays: positiveInt.default(7),
        /** Raw metric samples. Longer ranges are answered from the rollup tiers below. */
        metricsDays: positiveInt.default(15),
        /** Rollup tiers (when metrics.rollups.enabled): 1-minute, 5-minute and 1-hour buckets. */
        metrics1mDays: positiveInt.default(30),
        metrics5mDays: positiveInt.default(90),
        metrics1hDays: positiveInt.default(365),
        /** How often the retention job runs. */
        intervalMinutes: positiveInt.default(60),
      })
      .strict()
      .default({ tracesDays: 7, logsDays: 7, metricsDays: 15, metrics1mDays: 30, metrics5mDays: 90, metrics1hDays: 365, intervalMinutes: 60 }),
    query: z
      .object({
        /** Default look-back for queries without start/end. */
        defaultRangeMinutes: positiveInt.default(60),
        /** Upper bound on `limit` for searches. */
        maxLimit: positiveInt.default(10_000),
      })
      .strict()
      .default({ defaultRangeMinutes: 60, maxLimit: 10_000 }),
    metrics: z
      .object({
        /**
         * Cardinality limits on metric series, applied to every producer (OTLP, remote_write,
         * scrapes, recording rules). On by default with limits no healthy single-node workload
         * reaches: they stop a runaway label (a user id, a URL with ids) from filling the store
         * and the series catalog, without ever refusing a series that is already active.
         */
        cardinality: cardinalitySchema.default(CARDINALITY_CONFIG_DEFAULTS),
        rollups: z
          .object({
            /** Build 1m/5m/1h rollup tiers in the background; PromQL reads them for coarse steps. */
            enabled: z.boolean().default(true),
            /** How often the rollup job looks for closed buckets. */
            intervalSeconds: positiveInt.default(60),
            /** A bucket is rolled up once its end is this far in the past (late samples after that miss the tiers). */
            graceSeconds: z.number().int().min(0).default(300),
          })
          .strict()
          .default({ enabled: true, intervalSeconds: 60, graceSeconds: 300 }),
        sealing: z
          .object({
            /**
             * Seal raw samples of closed hours into compact per-series blocks (~1-2 bytes a
             * sample on disk instead of ~10). Readers see the same samples either way.
             */
            enabled: z.boolean().default(true),
            /** How often the sealing job looks for closed hours. */
            intervalSeconds: positiveInt.default(300),
            /**
             * An hour is sealed once its end is this far in the past (and, with rollups on, once
             * the 1m tier is built past it). Later samples still count: they stay raw and are
             * merged into the block by the next run.
             */
            graceSeconds: z.number().int().min(0).default(600),
          })
          .strict()
          .default({ enabled: true, intervalSeconds: 300, graceSeconds: 600 }),
        blockCache: z
          .object({
            /**
             * Memory for decoded sealed sample blocks kept between queries (LRU), in bytes
             * (default 256 MiB); 0 turns the cache off. A decoded sample costs 16 bytes: 256 MiB
             * hold ~15M samples, e.g. 10,000 series at 60 s for a day. Sealed blocks never
             * change in place, so the cache cannot serve stale samples.
             */
            maxBytes: z.number().int().min(0).max(2 ** 50).default(256 * 2 ** 20),
          })
          .strict()
          .default({ maxBytes: 256 * 2 ** 20 }),
      })
      .strict()
      .default({
        cardinality: CARDINALITY_CONFIG_DEFAULTS,
        rollups: { enabled: true, intervalSeconds: 60, graceSeconds: 300 },
        sealing: { enabled: true, intervalSeconds: 300, graceSeconds: 600 },
        blockCache: { maxBytes: 256 * 2 ** 20 },
      }),
    /** Prometheus remote_write receiver (POST /api/v1/write on the HTTP port). */
    remoteWrite: remoteWriteSchema.default(REMOTE_WRITE_DEFAULTS),
    /** Prometheus-wide defaults: scrape/evaluation intervals, PromQL limits, API version. */
    prometheus: prometheusSettingsSchema.default(PROMETHEUS_DEFAULTS),
    /** Scrape jobs, exactly as in prometheus.yml (snake_case keys). Empty: no scraping. */
    scrape_configs: scrapeConfigsSchema.default([]),
    /** Prometheus rule files (globs in the last path segment), loaded unchanged. Relative paths resolve against the working directory. */
    rule_files: z.array(z.string().min(1)).default([]),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type SightlineConfig = z.infer<typeof configSchema>;
