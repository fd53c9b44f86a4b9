/**
 * The Prometheus query API of the server (`/api/v1/query`, `/api/v1/query_range`), as the
 * workbench uses it. Kept apart from `@sightline/client` because these routes answer in
 * Prometheus' envelope (`{status, data | errorType+error}`), not Sightline's `{error:{code}}`.
 */

/** `[unix seconds, "value as text"]`, as Prometheus encodes a sample. */
export type PromSample = [number, string];

export interface PromVectorSeries {
  metric: Record<string, string>;
  value: PromSample;
}

export interface PromMatrixSeries {
  metric: Record<string, string>;
  values: PromSample[];
}

export type PromResultData =
  | { resultType: 'vector'; result: PromVectorSeries[] }
  | { resultType: 'matrix'; result: PromMatrixSeries[] }
  | { resultType: 'scalar'; result: PromSample }
  | { resultType: 'string'; result: PromSample };

export type PromQueryData = PromResultData & { stats?: unknown };

export interface PromQueryResponse {
  data: PromQueryData;
  warnings: string[];
}

/** A failed query: Prometheus' `errorType` (`bad_data`, `execution`, `timeout`, …) and message. */
export class PromQueryError extends Error {
  override readonly name = 'PromQueryError';
  readonly errorType: string;
  /** HTTP status; 0 when the server was not reached. */
  readonly status: number;
  constructor(errorType: string, message: string, status: number) {
    super(message);
    this.errorType = errorType;
    this.status = status;
  }
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

async function post(fetchFn: Fetch, path: string, form: Record<string, string>, signal?: AbortSignal): Promise<PromQueryResponse> {
  let response: Response;
  try {
    // POST form: long expressions do not hit URL length limits (Prometheus' UI does the same).
    response = await fetchFn(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal,
    });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw new PromQueryError('network', `Cannot reach the Sightline server: ${(err as Error)?.message ?? String(err)}`, 0);
  }
  const text = await response.text();
  let body: { status?: string; data?: PromQueryData; warnings?: string[]; errorType?: string; error?: string } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PromQueryError('bad_response', `HTTP ${response.status} from ${path}: ${text.slice(0, 200) || 'empty body'}`, response.status);
  }
  if (!response.ok || body?.status !== 'success' || !body.data) {
    throw new PromQueryError(body?.errorType ?? `http_${response.status}`, body?.error ?? `HTTP ${response.status} from ${path}`, response.status);
  }
  return { data: body.data, warnings: body.warnings ?? [] };
}

const seconds = (ms: number) => String(ms / 1000);

export interface RangeQuery {
  expr: string;
  startMs: number;
  endMs: number;
  stepMs: number;
}

/** `query_range`; asks for stats so a rollup tier, when the server reports one, can be shown. */
export function queryRange(q: RangeQuery, options: { signal?: AbortSignal; fetch?: Fetch } = {}): Promise<PromQueryResponse> {
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return post(fetchFn, '/api/v1/query_range', { query: q.expr, start: seconds(q.startMs), end: seconds(q.endMs), step: seconds(q.stepMs), stats: 'all' }, options.signal);
}

/** Instant `query` at `timeMs`. */
export function queryInstant(expr: string, timeMs: number, options: { signal?: AbortSignal; fetch?: Fetch } = {}): Promise<PromQueryResponse> {
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return post(fetchFn, '/api/v1/query', { query: expr, time: seconds(timeMs), stats: 'all' }, options.signal);
}
