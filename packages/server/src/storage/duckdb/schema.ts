// Table layouts. One list per table drives both the DDL and the column order the chunk
// appender fills, so the two cannot drift apart.
//
// JSON payloads (attributes, events, links, resource attributes, bodies) are VARCHAR holding
// JSON text: DuckDB's JSON functions read VARCHAR directly, and a JSON-typed column would
// re-parse every value on insert to validate it (measured: 25-65% slower appends for spans).
// Promoted hot keys are real columns so filters on them never touch JSON.

/**
 * `traceid` and `spanid` take ids as the batches carry them (lowercase hex text) and store them
 * as numbers: a 16-byte BLOB and a UBIGINT ('' is an empty BLOB and 0). DuckDB handles those
 * for less than text (no UTF-8 checks, string statistics or heap) and the writer stages them
 * as bytes.
 */
export type ColumnKind = 'varchar' | 'utinyint' | 'usmallint' | 'uinteger' | 'integer' | 'bigint' | 'double' | 'blob' | 'traceid' | 'spanid';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable?: boolean;
  /**
   * Compress the column with ZSTD instead of letting DuckDB choose (it picks FSST or
   * dictionaries for text, never ZSTD). Only for long, varied text: span attributes went from
   * 123 to 29 bytes a row and cost less CPU to write, but DuckDB's ZSTD keeps ~4-5 bytes a
   * row of its own, so short or repetitive columns (resource attributes, ids, a few log
   * attributes) are smaller as DuckDB chooses (docs/storage.md, Compression). Needs the
   * storage version of STORAGE_VERSION; in an older file DuckDB would store it uncompressed.
   */
  readonly zstd?: boolean;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
}

const SQL_TYPE: Record<ColumnKind, string> = {
  varchar: 'VARCHAR',
  utinyint: 'UTINYINT',
  usmallint: 'USMALLINT',
  uinteger: 'UINTEGER',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  blob: 'BLOB',
  traceid: 'BLOB',
  spanid: 'UBIGINT',
};

export function table(name: string, cols: string): TableSpec {
  const columns = cols
    .trim()
    .split(/\s*,\s*/)
    .map((c) => {
      const [colName, kind, ...flags] = c.split(/\s+/) as [string, ColumnKind, ...string[]];
      if (!(kind in SQL_TYPE)) throw new Error(`unknown column kind ${kind}`);
      for (const f of flags) if (f !== 'null' && f !== 'zstd') throw new Error(`unknown column flag ${f}`);
      return { name: colName, kind, nullable: flags.includes('null'), zstd: flags.includes('zstd') };
    });
  return { name, columns };
}

/**
 * Span rows. Ids are numbers (a root span's parent is 0). The fields that are nearly always
 * empty or zero (trace state, status message,
 * links, the three dropped counts, the scope version) share one column, `extra`: '' when all
 * of them are, else a JSON object of those that are not (`{"traceState":"k=v","links":[...]}`;
 * see spanExtra in span-writer.ts). DuckDB's cost of a row grows with its columns whatever
 * they hold (~0.1-0.2 µs each: appends, statistics, the write-ahead log, the checkpoint), and
 * the trace API is the only reader of these fields. Day files written by earlier versions keep
 * SPANS_V1; the writer and getTrace follow the day's layout (Partition.columns).
 */
export const SPANS = table(
  'spans',
  `tenant varchar, trace_id traceid, span_id spanid, parent_span_id spanid,
   flags uinteger, name varchar, kind utinyint, start_ns bigint, end_ns bigint, duration_ns bigint,
   status_code utinyint, attributes varchar zstd, events varchar zstd,
   service_name varchar, scope_name varchar, resource_attributes varchar, resource_id bigint, extra varchar`,
);

/**
 * The span layout of day files written by earlier versions (to 2026-11-24): every field its own
 * column, plus `http_route`, `http_status_code` and `db_system`, which no query read (filters on
 * those keys read the attributes, as for any other key).
 */
export const SPANS_V1 = table(
  'spans',
  `tenant varchar, trace_id varchar, span_id varchar, parent_span_id varchar, trace_state varchar,
   flags uinteger, name varchar, kind utinyint, start_ns bigint, end_ns bigint, duration_ns bigint,
   status_code utinyint, status_message varchar, attributes varchar zstd, events varchar zstd, links varchar,
   dropped_attributes_count uinteger, dropped_events_count uinteger, dropped_links_count uinteger,
   service_name varchar, http_route varchar, http_status_code usmallint, db_system varchar,
   scope_name varchar, scope_version varchar, resource_attributes varchar, resource_id bigint`,
);

/**
 * Resource attribute sets, stored once per day partition instead of on every span or log
 * record (a 9-key resource is ~400 bytes of JSON that every row of the service repeats; taking
 * it off the row made span inserts 1.6x faster in bench/store-insert.mjs). A span or record
 * with resource_id 0 keeps its resource in resource_attributes (rows written before this
 * table existed, or a resource the writer would not index); any other id names a row here,
 * and resource_attributes is ''. resource_id is a content hash (storage/duckdb/resources.ts).
 */
export const RESOURCES = table('resources', `tenant varchar, resource_id bigint, attributes varchar`);

/** (service, operation, kind) seen per hour: answers listServices/listOperations without scanning spans. */
export const OPERATIONS = table('operations', `tenant varchar, service_name varchar, name varchar, kind utinyint, hour bigint`);

/**
 * body_kind says where the body lives, so string bodies (the common case) are stored once:
 * 0 = the body is the string body_text, 1 = the body is the JSON in body_text,
 * 2 = the body is the JSON in extra's `body` (LOGS_V1: the body column; body_text holds its
 * search rendering).
 * seq is unique per partition and breaks time ties for the keyset cursor.
 */
export const LOGS = table(
  'logs',
  `tenant varchar, time_ns bigint, observed_time_ns bigint, seq bigint, severity_number utinyint,
   severity_text varchar, body_kind utinyint, body_text varchar, attributes varchar,
   trace_id traceid, span_id spanid, flags uinteger, service_name varchar, scope_name varchar,
   resource_attributes varchar, resource_id bigint, extra varchar`,
);

/**
 * The log layout of day files written by earlier versions (to 2026-11-24). Now ids are numbers
 * (an empty BLOB and 0 without trace context), and the body of kind 2, the dropped attributes
 * count, the event name and the scope version share `extra` as in SPANS: '' when none is set,
 * else a JSON object of those that are (logExtra in log-writer.ts).
 */
export const LOGS_V1 = table(
  'logs',
  `tenant varchar, time_ns bigint, observed_time_ns bigint, seq bigint, severity_number utinyint,
   severity_text varchar, body_kind utinyint, body varchar, body_text varchar, attributes varchar,
   dropped_attributes_count uinteger, trace_id varchar, span_id varchar, flags uinteger,
   event_name varchar, service_name varchar, scope_name varchar, scope_version varchar,
   resource_attributes varchar, resource_id bigint`,
);

/**
 * Raw samples (the head). The tenant is its id in the catalog's `tenants` table (tenants.ts): a
 * name on every row cost ~40% of a sample's insert. Last, where day files written before the
 * ids existed get it when migrated.
 */
export const SAMPLES = table('samples', `fingerprint bigint, t_ms bigint, value double, tenant_id uinteger`);

/**
 * Sealed samples: one row per (tenant, series, block of BLOCK_MS), `data` holding the block's
 * samples in the sample-codec encoding; start_ms/end_ms are its first and last sample times.
 * Written by duckdb/sample-sealer.ts, which moves the rows out of `samples` (the head).
 */
export const SAMPLE_BLOCKS = table('sample_blocks', `tenant varchar, fingerprint bigint, start_ms bigint, end_ms bigint, count uinteger, data blob`);

/** Series with data per hour: findSeries/metricNames read this instead of scanning samples. */
export const SERIES_HOURS = table('series_hours', `tenant varchar, fingerprint bigint, hour bigint`);

export const EXP_HISTOGRAMS = table(
  'exp_histograms',
  `tenant varchar, fingerprint bigint, t_ms bigint, start_ms bigint, count double, sum double,
   min double null, max double null, scale integer, zero_count double, zero_threshold double,
   positive_offset integer, positive_counts varchar, negative_offset integer, negative_counts varchar,
   flags uinteger`,
);

export const EXEMPLARS = table(
  'exemplars',
  `tenant varchar, fingerprint bigint, t_ms bigint, value double, trace_id varchar, span_id varchar, attributes varchar`,
);

/**
 * One row per series per bucket of a rollup tier (see storage/rollup-tiers.ts for the meaning
 * of each column); `tier_series` lists the series with rows in the partition, the tiers'
 * counterpart of series_hours.
 */
export const ROLLUPS = table(
  'rollups',
  `tenant varchar, fingerprint bigint, bucket_ms bigint, count double, sum double, min double, max double,
   last double, last_ms bigint, stale_ms bigint`,
);

export const TIER_SERIES = table('tier_series', `tenant varchar, fingerprint bigint`);

/** New series on their way into the catalog (a temporary table of the metrics writer). */
export const SERIES_STAGE = table('series_stage', `tenant varchar, fingerprint bigint, name varchar, labels varchar, created_ms bigint`);

/** DDL for `spec` in the attached database `alias`, or as a connection-local TEMP table. */
export function createTableSql(alias: string | 'temp', spec: TableSpec): string {
  const cols = spec.columns
    .map((c) => `${c.name} ${SQL_TYPE[c.kind]}${c.nullable ? '' : ' NOT NULL'}${c.zstd && alias !== 'temp' ? ' USING COMPRESSION zstd' : ''}`)
    .join(', ');
  return alias === 'temp' ? `CREATE TEMP TABLE IF NOT EXISTS ${spec.name} (${cols})` : `CREATE TABLE IF NOT EXISTS "${alias}".main.${spec.name} (${cols})`;
}

/**
 * Storage format of new database files. DuckDB writes its oldest readable format unless told
 * otherwise; v1.2.0 is the first with ZSTD-compressed text. Files written before keep their
 * format (DuckDB ignores the option for an existing file), and their tables exist already, so
 * no column of an older file is ever declared with a compression it cannot store. A table added
 * to an existing kind of partition later must not use `zstd` columns for that reason.
 */
export const STORAGE_VERSION = 'v1.2.0';

export type RollupPartitionKind = 'metrics_1m' | 'metrics_5m' | 'metrics_1h';
export type PartitionKind = 'traces' | 'logs' | 'metrics' | RollupPartitionKind;

export const PARTITION_TABLES: Record<PartitionKind, readonly TableSpec[]> = {
  traces: [SPANS, OPERATIONS, RESOURCES],
  logs: [LOGS, RESOURCES],
  metrics: [SAMPLES, SAMPLE_BLOCKS, SERIES_HOURS, EXP_HISTOGRAMS, EXEMPLARS],
  metrics_1m: [ROLLUPS, TIER_SERIES],
  metrics_5m: [ROLLUPS, TIER_SERIES],
  metrics_1h: [ROLLUPS, TIER_SERIES],
};

/**
 * Changes to tables of day files written by an earlier version, run on every attach (each is a
 * no-op once applied). Columns added here go last, where the table specs above list them.
 */
const addResourceId = (spec: TableSpec) => (alias: string) => `ALTER TABLE "${alias}".main.${spec.name} ADD COLUMN IF NOT EXISTS resource_id BIGINT DEFAULT 0`;

export const PARTITION_MIGRATIONS: Record<PartitionKind, readonly ((alias: string) => string)[]> = {
  traces: [addResourceId(SPANS)],
  logs: [addResourceId(LOGS)],
  metrics: [],
  metrics_1m: [],
  metrics_5m: [],
  metrics_1h: [],
};

export const CATALOG_ALIAS = 'catalog';

/** Series and metadata live outside the day partitions: they outlive any one day. */
export const CATALOG_DDL = [
  `CREATE TABLE IF NOT EXISTS "${CATALOG_ALIAS}".main.series (tenant VARCHAR NOT NULL, fingerprint BIGINT NOT NULL,
     name VARCHAR NOT NULL, labels VARCHAR NOT NULL, created_ms BIGINT NOT NULL, PRIMARY KEY (tenant, fingerprint))`,
  `CREATE TABLE IF NOT EXISTS "${CATALOG_ALIAS}".main.metric_metadata (tenant VARCHAR NOT NULL, name VARCHAR NOT NULL,
     type VARCHAR NOT NULL, unit VARCHAR NOT NULL, help VARCHAR NOT NULL, PRIMARY KEY (tenant, name))`,
  `CREATE TABLE IF NOT EXISTS "${CATALOG_ALIAS}".main.sightline_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `INSERT INTO "${CATALOG_ALIAS}".main.sightline_info VALUES ('schema_version', '1') ON CONFLICT DO NOTHING`,
  // Rollup progress: every bucket of the tier that starts before watermark_ms is built.
  `CREATE TABLE IF NOT EXISTS "${CATALOG_ALIAS}".main.rollup_watermarks (tier VARCHAR PRIMARY KEY, watermark_ms BIGINT NOT NULL)`,
  // What retention removed: data of `name` ('raw', '1m', ...) before before_ms is gone.
  `CREATE TABLE IF NOT EXISTS "${CATALOG_ALIAS}".main.retention_horizons (name VARCHAR PRIMARY KEY, before_ms BIGINT NOT NULL)`,
  // Tenant ids of the samples table (tenants.ts); 'default' is 0, which migrated day files assume.
  `CREATE TABLE IF NOT EXISTS "${CATALOG_ALIAS}".main.tenants (tenant VARCHAR PRIMARY KEY, id UINTEGER NOT NULL UNIQUE)`,
  `INSERT INTO "${CATALOG_ALIAS}".main.tenants VALUES ('default', 0) ON CONFLICT DO NOTHING`,
];
