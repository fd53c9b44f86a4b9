import { SightlineApiError } from './errors.js';
import type {
  CorrelateResponse,
  InfoResponse,
  LogFilterParams,
  LogHistogramParams,
  LogHistogramResponse,
  LogSearchParams,
  LogsResponse,
  MetricCardinalityParams,
  MetricCardinalityResponse,
  MetricNamesResponse,
  MetricSamplesParams,
  MetricSamplesResponse,
  MetricSeriesParams,
  MetricSeriesResponse,
  OperationsResponse,
  ServicesResponse,
  TimeRangeMs,
  TraceResponse,
  TraceSearchParams,
  TracesResponse,
} from './types.js';

export interface SightlineClientOptions {
  /**
   * Origin and path prefix of the server, e.g. `http://127.0.0.1:4000`. Empty string (the
   * default) means same-origin relative URLs, which is what the web UI uses.
   */
  baseUrl?: string;
  /** Defaults to the global `fetch`; inject one for tests or custom agents. */
  fetch?: typeof fetch;
  /** Extra headers on every request (e.g. `authorization`). */
  headers?: Record<string, string>;
}

/** Per-call options. */
export interface RequestOptions {
  signal?: AbortSignal;
}

type ParamValue = string | number | boolean | undefined | null;

/** Builds a query string, skipping undefined/null/empty values so defaults stay server-side. */
export function buildQuery(params: Record<string, ParamValue>, prefixed?: Record<string, Record<string, string> | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.append(key, String(value));
  }
  if (prefixed) {
    for (const [prefix, map] of Object.entries(prefixed)) {
      if (!map) continue;
      for (const [k, v] of Object.entries(map)) search.append(`${prefix}.${k}`, v);
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function rangeParams(range: TimeRangeMs): { start: number; end: number } {
  // The API takes integer milliseconds; charts can produce fractions when zooming.
  return { start: Math.floor(range.start), end: Math.ceil(range.end) };
}

function logFilterParams(p: LogFilterParams): Record<string, ParamValue> {
  return { service: p.service, severity: p.severity, traceId: p.traceId, q: p.q, ...rangeParams(p) };
}

/** Typed client of the Sightline HTTP API. Every method throws {@link SightlineApiError}. */
export class SightlineClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Record<string, string>;

  constructor(options: SightlineClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    // Bound so that calling it as a method does not lose `this` in browsers ("Illegal invocation").
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.headers = { accept: 'application/json', ...options.headers };
  }

  /** GETs `path` (starting with `/api/`) and returns the decoded JSON body. */
  async get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, { headers: this.headers, signal: options.signal });
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      throw new SightlineApiError(0, 'SL_ERR_NETWORK', `Cannot reach the Sightline server: ${(err as Error)?.message ?? String(err)}`);
    }
    const text = await response.text();
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        if (response.ok) throw new SightlineApiError(response.status, 'SL_ERR_BAD_RESPONSE', `Expected JSON from ${path}`);
      }
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new SightlineApiError(
        response.status,
        error?.code ?? `SL_ERR_HTTP_${response.status}`,
        error?.message ?? (text.slice(0, 200) || `HTTP ${response.status} from ${path}`),
      );
    }
    return body as T;
  }

  /** Server version, OTLP endpoints and whether any telemetry has arrived yet. */
  info(options?: RequestOptions): Promise<InfoResponse> {
    return this.get('/api/info', options);
  }

  /** Every service with RED stats and sparklines over the range. */
  services(range: TimeRangeMs, options?: RequestOptions): Promise<ServicesResponse> {
    return this.get(`/api/services${buildQuery(rangeParams(range))}`, options);
  }

  /** Span names (operations) of one service. */
  operations(service: string, range: TimeRangeMs, options?: RequestOptions): Promise<OperationsResponse> {
    return this.get(`/api/services/${encodeURIComponent(service)}/operations${buildQuery(rangeParams(range))}`, options);
  }

  /** Trace search; newest first. */
  searchTraces(p: TraceSearchParams, options?: RequestOptions): Promise<TracesResponse> {
    const query = buildQuery(
      {
        service: p.service,
        operation: p.operation,
        minDuration: p.minDuration,
        maxDuration: p.maxDuration,
        status: p.status,
        limit: p.limit,
        ...rangeParams(p),
      },
      { attr: p.attributes },
    );
    return this.get(`/api/traces${query}`, options);
  }

  /** All spans of one trace; throws `SL_ERR_TRACE_NOT_FOUND` (404) when unknown. */
  trace(traceId: string, options?: RequestOptions): Promise<TraceResponse> {
    return this.get(`/api/traces/${encodeURIComponent(traceId)}`, options);
  }

  /** One page of log records, newest first; pass `nextCursor` back as `cursor` for the next. */
  searchLogs(p: LogSearchParams, options?: RequestOptions): Promise<LogsResponse> {
    const query = buildQuery({ ...logFilterParams(p), limit: p.limit, cursor: p.cursor }, { attr: p.attributes });
    return this.get(`/api/logs${query}`, options);
  }

  /** Log counts per time bucket and severity, with the same filters as {@link searchLogs}. */
  logHistogram(p: LogHistogramParams, options?: RequestOptions): Promise<LogHistogramResponse> {
    const query = buildQuery({ ...logFilterParams(p), buckets: p.buckets }, { attr: p.attributes });
    return this.get(`/api/logs/histogram${query}`, options);
  }

  /** Metric names seen in the range, with type, unit and help. */
  metricNames(range: TimeRangeMs, options?: RequestOptions): Promise<MetricNamesResponse> {
    return this.get(`/api/metrics/names${buildQuery(rangeParams(range))}`, options);
  }

  /** Series of one metric, optionally narrowed by exact label values. */
  metricSeries(p: MetricSeriesParams, options?: RequestOptions): Promise<MetricSeriesResponse> {
    const query = buildQuery({ match: p.match, limit: p.limit, ...rangeParams(p) }, { label: p.labels });
    return this.get(`/api/metrics/series${query}`, options);
  }

  /** Raw samples of the given series fingerprints. */
  metricSamples(p: MetricSamplesParams, options?: RequestOptions): Promise<MetricSamplesResponse> {
    const query = buildQuery({ series: p.series.join(','), ...rangeParams(p) });
    return this.get(`/api/metrics/samples${query}`, options);
  }

  /**
   * Series cardinality: top metrics by series, top labels by distinct values, top label pairs,
   * hourly growth, the limits in force and the rejections since start.
   */
  metricCardinality(p: MetricCardinalityParams = {}, options?: RequestOptions): Promise<MetricCardinalityResponse> {
    // Either end may be left to the server (default: the last 24 hours).
    const start = p.start === undefined ? undefined : Math.floor(p.start);
    const end = p.end === undefined ? undefined : Math.ceil(p.end);
    const query = buildQuery({ start, end, limit: p.limit, metric: p.metric });
    return this.get(`/api/metrics/cardinality${query}`, options);
  }

  /** Spans and logs of one trace in time order. */
  correlate(traceId: string, options?: RequestOptions): Promise<CorrelateResponse> {
    return this.get(`/api/correlate/${encodeURIComponent(traceId)}`, options);
  }
}

/** Creates a {@link SightlineClient}. */
export function createSightlineClient(options?: SightlineClientOptions): SightlineClient {
  return new SightlineClient(options);
}
