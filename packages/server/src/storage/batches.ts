// Columnar batches: the unit that flows ingest -> pipeline -> storage.
// A decoder writes a request straight into one of these (struct of arrays), so the hot
// path never builds a per-span object tree. Strings that repeat (service, names) stay JS
// strings; the engine interns them. Attributes, events and links are pre-serialised JSON
// text produced by the decoder (see docs/data-model.md for the JSON shape), because the
// store keeps them as JSON columns and the API returns them as JSON: serialising once at
// decode time is the cheapest path end to end.

/** One span per row. Ids are lowercase hex; a missing parent is ''. Times are Unix ns. */
export interface SpanBatch {
  readonly kind: 'spans';
  tenant: string;
  length: number;
  traceId: string[];
  spanId: string[];
  parentSpanId: string[];
  traceState: string[];
  flags: Uint32Array;
  name: string[];
  /** OTLP SpanKind enum value (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  spanKind: Uint8Array;
  startNs: BigInt64Array;
  endNs: BigInt64Array;
  /** end - start, in ns (non-negative; clamped to 0 when end < start). */
  durationNs: BigInt64Array;
  /** OTLP StatusCode (0 unset, 1 ok, 2 error). */
  statusCode: Uint8Array;
  statusMessage: string[];
  /** JSON object text of span attributes, e.g. {"http.method":"GET","retries":3}. */
  attributes: string[];
  /** JSON array text: [{"timeUnixNano":"...","name":"...","attributes":{...},"droppedAttributesCount":0}] */
  events: string[];
  /** JSON array text: [{"traceId":"..","spanId":"..","traceState":"","flags":0,"attributes":{...},"droppedAttributesCount":0}] */
  links: string[];
  droppedAttributesCount: Uint32Array;
  droppedEventsCount: Uint32Array;
  droppedLinksCount: Uint32Array;
  // Promoted columns (hot keys) for fast filtering.
  serviceName: string[];
  httpRoute: string[];
  /** 0 when absent. */
  httpStatusCode: Uint16Array;
  dbSystem: string[];
  scopeName: string[];
  scopeVersion: string[];
  /** JSON object text of resource attributes. */
  resourceAttributes: string[];
}

/** One log record per row. Times are Unix ns (0 when absent in the request). */
export interface LogBatch {
  readonly kind: 'logs';
  tenant: string;
  length: number;
  timeNs: BigInt64Array;
  observedTimeNs: BigInt64Array;
  severityNumber: Uint8Array;
  severityText: string[];
  /** Body as JSON text of the AnyValue (a string body is a JSON string, maps are objects, ...). */
  body: string[];
  /** Body rendered for full-text search: string bodies as-is, others as their JSON text. */
  bodyText: string[];
  attributes: string[];
  droppedAttributesCount: Uint32Array;
  traceId: string[];
  spanId: string[];
  flags: Uint32Array;
  eventName: string[];
  serviceName: string[];
  scopeName: string[];
  scopeVersion: string[];
  resourceAttributes: string[];
}

/** Prometheus metric type as stored in metadata. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'unknown' | 'exponentialhistogram';

/** A series is name + sorted labels, identified by a 53-bit fingerprint (safe as a JS number). */
export interface SeriesDef {
  fingerprint: number;
  name: string;
  /** Labels including __name__, sorted by key. */
  labels: Record<string, string>;
  /**
   * Scratch for the rooms a batch passes through, set by producers that keep a SeriesDef
   * across requests (nearly every series repeats in every request). See SeriesMemo.
   */
  memo?: SeriesMemo;
}

/**
 * What the rooms after ingest remember about a series between requests, so a series that keeps
 * reporting is recognised by one field read instead of a hash lookup by fingerprint (with
 * 10,000 series a request, those lookups miss the CPU caches and cost ~0.2-0.3 µs each).
 * Each room reads and writes only its own fields, and only trusts a value it can check against
 * its own state: a memo may be stale (a cache was cleared) or written for another tenant (two
 * tenants sending the same labels share the SeriesDef). A SeriesDef without a memo takes the
 * lookups. A memo never changes what the series is.
 */
export class SeriesMemo {
  /** Ingest builders: the id of the last batch that listed the series. */
  batch = 0;
  /** Cardinality guard: its entry for the series. */
  guard: object | undefined = undefined;
  /** Store: the catalog generation known to hold the series. */
  stored: object | undefined = undefined;
  /** Store: the activity index, and the hour in it, the series was last recorded in. */
  active: object | undefined = undefined;
  activeHour = -1;
}

/**
 * The SeriesDef producers keep across requests: with its memo, as a non-enumerable property so
 * comparisons, JSON and structured clones (worker messages) see only what the series is.
 */
export function rememberedSeries(fingerprint: number, name: string, labels: Record<string, string>): SeriesDef {
  const def: SeriesDef = { fingerprint, name, labels };
  Object.defineProperty(def, 'memo', { value: new SeriesMemo(), enumerable: false, writable: false });
  return def;
}

export interface MetricMetadata {
  name: string;
  type: MetricType;
  unit: string;
  help: string;
}

/**
 * Metric samples in the Prometheus model: one (series, ms, value) per row, plus the series
 * definitions first seen in this request (the store upserts them) and metadata.
 * Exponential histograms are kept in their own rows (expHistograms) as well as exemplars.
 */
export interface SampleBatch {
  readonly kind: 'samples';
  tenant: string;
  length: number;
  fingerprint: Float64Array;
  timeMs: Float64Array;
  value: Float64Array;
  /** Every series referenced by fingerprint above (deduplicated within the batch). */
  series: SeriesDef[];
  metadata: MetricMetadata[];
  expHistograms: ExpHistogramPoint[];
  exemplars: ExemplarPoint[];
}

export interface ExpHistogramPoint {
  fingerprint: number;
  timeMs: number;
  startTimeMs: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positiveOffset: number;
  positiveCounts: number[];
  negativeOffset: number;
  negativeCounts: number[];
  flags: number;
}

export interface ExemplarPoint {
  fingerprint: number;
  timeMs: number;
  value: number;
  traceId: string;
  spanId: string;
  /** JSON object text of filtered attributes. */
  attributes: string;
}

export type TelemetryBatch = SpanBatch | LogBatch | SampleBatch;

export function rowCount(b: TelemetryBatch): number {
  return b.length + (b.kind === 'samples' ? b.expHistograms.length : 0);
}
