// Sightline's own metrics, exposed at /metrics in Prometheus text format. Labels stay
// low-cardinality (signal, reason, transport); detail belongs on logs and spans (habit 9).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerProcessMetrics } from './process-metrics.js';

export type SignalName = 'traces' | 'logs' | 'metrics';
export type Transport = 'otlp_http' | 'otlp_grpc' | 'remote_write' | 'scrape' | 'rules';

export interface SelfMetrics {
  readonly registry: Registry;
  readonly accepted: Counter<'signal' | 'transport'>;
  readonly rejected: Counter<'signal' | 'reason'>;
  readonly requests: Counter<'signal' | 'transport' | 'code'>;
  readonly requestDuration: Histogram<'signal' | 'transport'>;
  readonly receivedBytes: Counter<'signal' | 'transport'>;
  readonly queueRows: Gauge;
  readonly commitDuration: Histogram<'signal'>;
  readonly committedRows: Counter<'signal'>;
  readonly bytesWritten: Gauge;
  readonly retentionRuns: Counter<'result'>;
  readonly retentionDroppedPartitions: Counter<'signal'>;
  readonly rollupRuns: Counter<'result'>;
  readonly rollupRows: Counter<'tier'>;
  readonly rollupBuiltUntil: Gauge<'tier'>;
  readonly sealRuns: Counter<'result'>;
  readonly sealedSamples: Counter;
  readonly sealedBlocks: Counter;
  readonly sealCompactedFiles: Counter;
  readonly sealedUntil: Gauge;
  readonly queryDuration: Histogram<'endpoint'>;
  readonly scrapes: Counter<'job' | 'result'>;
  readonly ruleEvaluations: Counter<'result'>;
  readonly ruleGroupDuration: Histogram;
  readonly activeSeries: Gauge;
  /** Metric ingest requests given to the decode workers, by result (decoded there, or why they went inline). */
  readonly decodeWorkerRequests: Counter<'result'>;
  readonly decodeWorkerRestarts: Counter;
  readonly blockCacheRequests: Counter<'result'>;
  readonly blockCacheBytes: Gauge;
  readonly blockCacheEvictions: Counter<'reason'>;
  /** Connects gauges that are read at scrape time to their sources. */
  setSources(sources: MetricSources): void;
}

export interface MetricSources {
  queueRows: () => number;
  diskBytes: () => Promise<number>;
  /** Active series the cardinality guard tracks, all tenants together (absent: guard off). */
  activeSeries?: () => number;
  /** Counters of the decoded sealed-block cache (storage/duckdb/block-cache.ts). */
  blockCache?: () => { hits: number; misses: number; evictions: number; invalidations: number; bytes: number; maxBytes: number };
}

/**
 * Rejection reasons are a closed set so the label stays bounded:
 * malformed, invalid_id, invalid_utf8, too_large, unsupported_media_type, overloaded,
 * storage_failed, invalid_json, bad_encoding, and the cardinality limits cardinality_tenant,
 * cardinality_metric, cardinality_label_values (data points of new series over a limit).
 */
export function createSelfMetrics(opts: { defaultMetrics?: boolean } = {}): SelfMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) registerProcessMetrics(registry);
  const registers = [registry];
  let sources: MetricSources | undefined;
  return {
    setSources(s) {
      sources = s;
    },
    registry,
    accepted: new Counter({
      name: 'sightline_ingest_accepted_items_total',
      help: 'Items (spans, log records, metric data points) durably stored, by signal and transport.',
      labelNames: ['signal', 'transport'],
      registers,
    }),
    rejected: new Counter({
      name: 'sightline_ingest_rejected_items_total',
      help: 'Items or requests rejected at ingest, by signal and reason. Whole rejected requests count once.',
      labelNames: ['signal', 'reason'],
      registers,
    }),
    requests: new Counter({
      name: 'sightline_ingest_requests_total',
      help: 'Export requests answered, by signal, transport and status code (HTTP status or gRPC code name).',
      labelNames: ['signal', 'transport', 'code'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'sightline_ingest_request_duration_seconds',
      help: 'Time from receiving an export request to answering it (includes the durable commit).',
      labelNames: ['signal', 'transport'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    receivedBytes: new Counter({
      name: 'sightline_ingest_received_bytes_total',
      help: 'Request body bytes received after decompression.',
      labelNames: ['signal', 'transport'],
      registers,
    }),
    decodeWorkerRequests: new Counter({
      name: 'sightline_ingest_decode_worker_requests_total',
      help: 'Metric ingest requests offered to the decode worker threads, by result: decoded (on a worker), or decoded on the main thread because the workers were saturated, the worker exited, a series was unknown to the main thread, or the request had delta points.',
      labelNames: ['result'],
      registers,
    }),
    decodeWorkerRestarts: new Counter({
      name: 'sightline_ingest_decode_worker_restarts_total',
      help: 'Decode worker threads that exited unexpectedly and were replaced.',
      registers,
    }),
    queueRows: new Gauge({
      name: 'sightline_writer_queue_rows',
      help: 'Rows queued in the group-commit writer, waiting to be committed.',
      registers,
      collect() {
        if (sources) this.set(sources.queueRows());
      },
    }),
    commitDuration: new Histogram({
      name: 'sightline_writer_commit_duration_seconds',
      help: 'Duration of one group commit transaction, by signal.',
      labelNames: ['signal'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    committedRows: new Counter({
      name: 'sightline_writer_committed_rows_total',
      help: 'Rows committed by the writer, by signal.',
      labelNames: ['signal'],
      registers,
    }),
    bytesWritten: new Gauge({
      name: 'sightline_storage_disk_bytes',
      help: 'Bytes of the embedded store on disk.',
      registers,
      async collect() {
        if (sources) this.set(await sources.diskBytes());
      },
    }),
    retentionRuns: new Counter({
      name: 'sightline_retention_runs_total',
      help: 'Retention job runs, by result (ok or failed).',
      labelNames: ['result'],
      registers,
    }),
    retentionDroppedPartitions: new Counter({
      name: 'sightline_retention_dropped_partitions_total',
      help: 'Day partitions dropped by retention, by signal.',
      labelNames: ['signal'],
      registers,
    }),
    rollupRuns: new Counter({
      name: 'sightline_rollup_runs_total',
      help: 'Metric rollup build runs, by result (ok or failed).',
      labelNames: ['result'],
      registers,
    }),
    rollupRows: new Counter({
      name: 'sightline_rollup_rows_total',
      help: 'Rows written to the metric rollup tiers, by tier (1m, 5m, 1h).',
      labelNames: ['tier'],
      registers,
    }),
    rollupBuiltUntil: new Gauge({
      name: 'sightline_rollup_built_until_seconds',
      help: 'End of the last built bucket of each rollup tier (Unix seconds); now minus this is the lag.',
      labelNames: ['tier'],
      registers,
    }),
    sealRuns: new Counter({
      name: 'sightline_seal_runs_total',
      help: 'Runs of the job that seals closed hours of raw samples into compact blocks, by result (ok or failed).',
      labelNames: ['result'],
      registers,
    }),
    sealedSamples: new Counter({
      name: 'sightline_sealed_samples_total',
      help: 'Raw samples moved into sealed per-series blocks.',
      registers,
    }),
    sealedBlocks: new Counter({
      name: 'sightline_sealed_blocks_total',
      help: 'Sealed block rows written (one per tenant, series and hour; re-written when late samples merge in).',
      registers,
    }),
    sealCompactedFiles: new Counter({
      name: 'sightline_seal_compacted_files_total',
      help: 'Closed metric day files rewritten after sealing to give the raw rows\' space back.',
      registers,
    }),
    sealedUntil: new Gauge({
      name: 'sightline_sealed_until_seconds',
      help: 'End of the last sealed hour (Unix seconds) after the last successful sealing run; now minus this is the lag.',
      registers,
    }),
    queryDuration: new Histogram({
      name: 'sightline_query_duration_seconds',
      help: 'Query API latency, by endpoint.',
      labelNames: ['endpoint'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    // job comes from scrape_configs, so it is bounded by the operator's config.
    scrapes: new Counter({
      name: 'sightline_scrapes_total',
      help: 'Scrapes of Prometheus targets, by job and result (ok, failed, overloaded).',
      labelNames: ['job', 'result'],
      registers,
    }),
    ruleEvaluations: new Counter({
      name: 'sightline_rule_evaluations_total',
      help: 'Rule evaluations, by result (ok, failed).',
      labelNames: ['result'],
      registers,
    }),
    activeSeries: new Gauge({
      name: 'sightline_cardinality_active_series',
      help: 'Metric series with a sample within the active window (metrics.cardinality.activeWindowMinutes), all tenants; what the cardinality limits count.',
      registers,
      collect() {
        if (sources?.activeSeries) this.set(sources.activeSeries());
      },
    }),
    blockCacheRequests: new Counter({
      name: 'sightline_block_cache_requests_total',
      help: 'Lookups of decoded sealed sample blocks in the in-memory cache (metrics.blockCache.maxBytes), by result (hit or miss).',
      labelNames: ['result'],
      registers,
      collect() {
        const st = sources?.blockCache?.();
        if (!st) return;
        this.reset();
        this.inc({ result: 'hit' }, st.hits);
        this.inc({ result: 'miss' }, st.misses);
      },
    }),
    blockCacheBytes: new Gauge({
      name: 'sightline_block_cache_bytes',
      help: 'Bytes of decoded sealed sample blocks held in memory (bounded by metrics.blockCache.maxBytes).',
      registers,
      collect() {
        const st = sources?.blockCache?.();
        if (st) this.set(st.bytes);
      },
    }),
    blockCacheEvictions: new Counter({
      name: 'sightline_block_cache_removed_total',
      help: 'Decoded sealed blocks removed from the cache, by reason (evicted: over the size bound; invalidated: day dropped or rewritten, block re-sealed).',
      labelNames: ['reason'],
      registers,
      collect() {
        const st = sources?.blockCache?.();
        if (!st) return;
        this.reset();
        this.inc({ reason: 'evicted' }, st.evictions);
        this.inc({ reason: 'invalidated' }, st.invalidations);
      },
    }),
    ruleGroupDuration: new Histogram({
      name: 'sightline_rule_group_duration_seconds',
      help: 'Time to evaluate one rule group and write its results.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
