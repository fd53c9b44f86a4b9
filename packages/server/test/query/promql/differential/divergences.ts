// Deliberate divergences from Prometheus 2.42, by query (DIVERGENCES) and by kind (RULES).
// Sightline's engine follows Prometheus 2.55 (it passes 2.55's own PromQL test files); where
// 2.42 behaves differently and 2.55 changed that on purpose, we keep 2.55. Each entry says why
// and checks that our answer differs only in the documented way, so an entry that stops
// diverging, or diverges differently, fails the test. Documented in docs/prometheus.md
// ("Differences from Prometheus 2.42").
import { diffAnswers, labelsKey, valuesEqual, type ApiAnswer } from './compare.js';

export interface Divergence {
  reason: string;
  /** Undefined when `ours` is the documented answer given Prometheus 2.42's `theirs`. */
  check(ours: ApiAnswer, theirs: ApiAnswer, t0Ms: number): string | undefined;
}

type Row = { metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> };

function rows(a: ApiAnswer): Row[] | undefined {
  if (a.body?.status !== 'success') return undefined;
  const r = a.body.data.result;
  return a.body.data.resultType === 'scalar' ? [{ metric: {}, value: r }] : (r as Row[]);
}

/**
 * Same series and timestamps; values may differ only where `allowed(ours, theirs, t)` says so
 * (all other values must be equal).
 */
function pointwise(allowed: (ours: string, theirs: string, tMs: number, t0Ms: number) => boolean, what: string) {
  return (ours: ApiAnswer, theirs: ApiAnswer, t0Ms: number): string | undefined => {
    const o = rows(ours);
    const t = rows(theirs);
    if (!o || !t) return `expected success from both: ${JSON.stringify(ours.body).slice(0, 200)} / ${JSON.stringify(theirs.body).slice(0, 200)}`;
    const index = new Map(o.map((r) => [labelsKey(r.metric), r]));
    if (o.length !== t.length) return `${o.length} series vs ${t.length}`;
    for (const tr of t) {
      const or = index.get(labelsKey(tr.metric));
      if (!or) return `missing {${labelsKey(tr.metric)}}`;
      const op = or.values ?? [or.value!];
      const tp = tr.values ?? [tr.value!];
      if (op.length !== tp.length) return `{${labelsKey(tr.metric)}}: ${op.length} points vs ${tp.length}`;
      for (let i = 0; i < tp.length; i++) {
        if (op[i]![0] !== tp[i]![0]) return `timestamp ${op[i]![0]} vs ${tp[i]![0]}`;
        if (valuesEqual(op[i]![1], tp[i]![1])) continue;
        if (!allowed(op[i]![1], tp[i]![1], tp[i]![0] * 1000, t0Ms)) return `{${labelsKey(tr.metric)}} at ${tp[i]![0]}: ${op[i]![1]} vs ${tp[i]![1]} is not ${what}`;
      }
    }
    return undefined;
  };
}

/**
 * rate()/increase() extrapolation: 2.42 applies the counter zero-point limit before deciding
 * between "extrapolate to the window start" and "half an average interval", 2.55 after it
 * (promql/functions.go extrapolatedRate), so 2.55 never extrapolates a counter further back
 * than half an interval past its first sample. Differences appear only while the window
 * reaches back before a counter's first sample (`untilMs` after the data set's start), and
 * there 2.55's result is never larger (when `lower`).
 */
function zeroPointExtrapolation(untilMs: number, lower: boolean): Divergence {
  return {
    reason: 'rate()/increase() extrapolation toward a counter\'s zero point follows Prometheus 2.55 (limited to half an average sample interval), 2.42 extrapolates further back for counters that start inside the window',
    check: pointwise(
      (o, t, tMs, t0) => tMs <= t0 + untilMs && (!lower || Number(o) <= Number(t)),
      `an extrapolation difference near a counter's first sample`,
    ),
  };
}

const EXPERIMENTAL = (fn: string, since: string): Divergence => ({
  reason: `${fn} is a newer function (${since}); Sightline offers it, Prometheus 2.42 does not know it`,
  check: (ours, theirs) =>
    ours.body.status === 'success' && theirs.body.errorType === 'bad_data' && /unknown function|not enabled|experimental/.test(theirs.body.error) ? undefined : `expected our success and their unknown-function error, got ${JSON.stringify(ours.body).slice(0, 200)} / ${JSON.stringify(theirs.body).slice(0, 200)}`,
});

const KAHAN_INF: Divergence = {
  reason: 'stddev/stdvar_over_time of values whose squares overflow: 2.55\'s Kahan summation keeps +Inf (kahanSumInc resets the compensation on Inf), 2.42 turns it into NaN',
  check: pointwise((o, t) => o === '+Inf' && t === 'NaN', '+Inf (ours) where 2.42 has NaN'),
};

const DATE_OUT_OF_RANGE: Divergence = {
  reason: 'date functions of NaN, ±Inf or values beyond ±2^63 s: Prometheus returns whatever Go\'s overflowing int64 conversion and calendar arithmetic give (year 292277026596 on amd64, depending on the Go version); Sightline returns NaN',
  check: pointwise((o) => o === 'NaN', 'NaN (ours) for an out-of-range time'),
};

const ATAN2_DROPS_NAME: Divergence = {
  reason: 'atan2 between vectors drops the metric name like the other arithmetic operators since Prometheus 2.47 (engine.go shouldDropMetricName); 2.42 keeps it',
  check: (ours, theirs) => {
    const o = rows(ours);
    const t = rows(theirs);
    if (!o || !t) return 'expected success from both';
    if (o.some((r) => '__name__' in r.metric)) return 'our result keeps a metric name';
    const stripped = structuredClone(theirs);
    for (const r of rows(stripped)!) delete r.metric.__name__;
    const d = diffAnswers(ours, stripped, 'set');
    return d && `beyond the metric name: ${d}`;
  },
};

export const DIVERGENCES = new Map<string, Divergence>([
  ...[
    'node_load1 atan2 2',
    '2 atan2 node_load1',
    'node_load1 atan2 node_load1',
    'room_temperature_celsius atan2 on() group_left vector(-1)',
    'special_value atan2 special_value{kind="mixed"}',
    'special_value atan2 on() group_left special_value{kind="mixed"}',
  ].map((q) => [q, ATAN2_DROPS_NAME] as [string, Divergence]),
  ['rate(http_requests_total[1h])', zeroPointExtrapolation(60 * 60_000, true)],
  ['rate(http_requests_total[5m] offset 5m)', zeroPointExtrapolation(10 * 60_000, true)],
  ['increase(jobs_processed_total[1h])', zeroPointExtrapolation(90 * 60_000, true)],
  ['rate(jobs_processed_total[10m])', zeroPointExtrapolation(40 * 60_000, true)],
  ['min_over_time(rate(http_requests_total[5m])[30m:1m])', zeroPointExtrapolation(36 * 60_000, true)],
  ['rate(http_requests_total{job="web"}[10m:1m])', zeroPointExtrapolation(11 * 60_000, true)],
  ['histogram_quantile(0.95, sum by (le, job) (rate(http_request_duration_seconds_bucket[10m]))) > 0.1', zeroPointExtrapolation(10 * 60_000, false)],
  ['holt_winters(rate(http_requests_total{job="web"}[5m])[20m:1m], 0.5, 0.5)', zeroPointExtrapolation(25 * 60_000, false)],
  ['max_over_time(rate(http_requests_total{code="200"}[5m])[10m:1m] offset 3m)', zeroPointExtrapolation(20 * 60_000, true)],
  ['deriv(rate(http_requests_total{job="web"}[5m])[30m:1m])', zeroPointExtrapolation(36 * 60_000, false)],
  ['stddev_over_time(special_value[1m])', KAHAN_INF],
  ['stdvar_over_time(special_value[1m])', KAHAN_INF],
  ['year(special_value)', DATE_OUT_OF_RANGE],
  [
    'topk(scalar(count(up)) - 4, up)',
    {
      reason: 'a topk/bottomk/quantile parameter that changes over a range query: Prometheus 2.55 uses its value at the first step (engine.go rangeEvalAgg), 2.42 evaluates it at every step and fails where it is NaN',
      check: (ours, theirs) =>
        ours.body.status === 'success' && theirs.body.error === 'Scalar value NaN overflows int64' ? undefined : `expected our success and their NaN error, got ${JSON.stringify(ours.body).slice(0, 200)} / ${JSON.stringify(theirs.body).slice(0, 200)}`,
    },
  ],
  ['sort_by_label(up, "instance")', EXPERIMENTAL('sort_by_label', 'Prometheus 2.49, experimental')],
  ['limitk(1, up)', EXPERIMENTAL('limitk', 'Prometheus 2.54, experimental')],
  ['mad_over_time(node_load1[5m])', EXPERIMENTAL('mad_over_time', 'Prometheus 2.49, experimental')],
  ['histogram_avg(http_request_duration_seconds_bucket)', EXPERIMENTAL('histogram_avg', 'Prometheus 2.52')],
  [
    'up{job=~"(?<name>x)"}',
    {
      reason: 'the regex group syntax (?<name>...) is valid RE2 since Go 1.22 (Prometheus 2.55); Prometheus 2.42 (Go 1.19) only knows (?P<name>...)',
      check: (ours, theirs) =>
        ours.body.status === 'success' && /invalid or unsupported Perl syntax: `\(\?<`/.test(theirs.body.error ?? '') ? undefined : `expected our success and their regexp error, got ${JSON.stringify(ours.body).slice(0, 200)} / ${JSON.stringify(theirs.body).slice(0, 200)}`,
    },
  ],
]);

export interface DivergenceRule {
  name: string;
  reason: string;
  applies(path: string, ours: ApiAnswer, theirs: ApiAnswer): boolean;
}

/** Divergences by kind, for every query of the corpus. */
export const RULES: DivergenceRule[] = [
  {
    name: 'range-query-error-prefix',
    reason: 'Prometheus 2.55 reports a query that does not parse as `invalid parameter "query": <error>` for /api/v1/query_range too (web/api/v1/api.go queryRange uses invalidParamError); 2.42 leaves the prefix out there',
    applies: (path, ours, theirs) =>
      path === '/api/v1/query_range' && ours.httpStatus === 400 && theirs.httpStatus === 400 && theirs.body.errorType === 'bad_data' && ours.body.errorType === 'bad_data' && ours.body.error === `invalid parameter "query": ${theirs.body.error}`,
  },
];
