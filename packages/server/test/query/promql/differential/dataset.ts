// The data set of the differential test: deterministic series with the shapes PromQL meets in
// practice (counters with resets, gauges, classic histograms, series that stop with and
// without a stale marker, NaN and ±Inf, label values that stress regex matching), placed at
// fixed offsets from an aligned base time so the corpus can name evaluation times.
import { encodeWriteRequest, type TestSeries } from '../../../helpers/remote-write-encoder.js';

export const STEP_MS = 15_000;
/** Length of the data set: under 3h so Prometheus' head does not compact while the test runs. */
export const SPAN_MS = 2 * 3_600_000 + 40 * 60_000;

/** Prometheus' staleness marker as written by scrapes (value bits 0x7ff0000000000002). */
export const STALE_BITS: [number, number] = [0x00000002, 0x7ff00000];

export interface DataSample {
  timestamp: number;
  value: number;
  bits?: [number, number];
}

export interface DataSeries {
  labels: Record<string, string>;
  samples: DataSample[];
}

/** Small deterministic PRNG (mulberry32) so both systems get the very same numbers. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function times(t0: number, fromMs: number, toMs: number, everyMs: number): number[] {
  const out: number[] = [];
  for (let t = fromMs; t <= toMs; t += everyMs) out.push(t0 + t);
  return out;
}

const MIN = 60_000;
const HOUR = 3_600_000;

/** Builds every series of the data set; `t0` is the first sample time (aligned to the hour). */
export function buildDataset(t0: number): DataSeries[] {
  const out: DataSeries[] = [];
  const add = (labels: Record<string, string>, samples: DataSample[]) => out.push({ labels, samples });
  const r = rng(42);

  // Counters: two jobs, several instances, methods and codes; resets on one instance.
  const apiInstances = ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080'];
  for (const instance of apiInstances) {
    for (const method of ['GET', 'POST']) {
      for (const code of ['200', '404', '500']) {
        let v = Math.floor(r() * 1000);
        const rate = code === '200' ? 20 : code === '404' ? 2 : 0.5;
        const samples: DataSample[] = [];
        for (const t of times(t0, 0, SPAN_MS, STEP_MS)) {
          // Instance 2 restarts twice: the counter drops to a small value.
          if (instance === '10.0.0.2:8080' && (t === t0 + 40 * MIN || t === t0 + 100 * MIN + 30_000)) v = Math.floor(r() * 5);
          else v += Math.floor(r() * rate * 30);
          samples.push({ timestamp: t, value: v });
        }
        add({ __name__: 'http_requests_total', job: 'api', instance, method, code }, samples);
      }
    }
  }
  for (const instance of ['web-1', 'web-2']) {
    let v = 0;
    const samples: DataSample[] = [];
    for (const t of times(t0, 0, SPAN_MS, 30_000)) {
      v += r() * 10; // non-integer counter
      samples.push({ timestamp: t, value: v });
    }
    add({ __name__: 'http_requests_total', job: 'web', instance, method: 'GET', code: '200' }, samples);
  }
  // A counter that appears 30 minutes in (rate() extrapolation at the series start).
  {
    let v = 5;
    add({ __name__: 'jobs_processed_total', job: 'worker', instance: 'w1' }, times(t0, 30 * MIN, SPAN_MS, STEP_MS).map((t) => ({ timestamp: t, value: (v += Math.floor(r() * 4)) })));
    let w = 0;
    add({ __name__: 'jobs_processed_total', job: 'worker', instance: 'w2' }, times(t0, 0, SPAN_MS, STEP_MS).map((t, i) => ({ timestamp: t, value: i % 80 === 79 ? (w = 0) : (w += 3) })));
  }

  // CPU counters (node exporter shape).
  for (const instance of ['node-a', 'node-b']) {
    for (const cpu of ['0', '1']) {
      for (const mode of ['idle', 'user', 'system']) {
        let v = r() * 1e5;
        const share = mode === 'idle' ? 0.8 : mode === 'user' ? 0.15 : 0.05;
        add({ __name__: 'node_cpu_seconds_total', job: 'node', instance, cpu, mode }, times(t0, 0, SPAN_MS, 30_000).map((t) => ({ timestamp: t, value: (v += 30 * share * (0.8 + 0.4 * r())) })));
      }
    }
  }

  // Gauges.
  for (const instance of ['node-a', 'node-b']) {
    add({ __name__: 'node_memory_available_bytes', job: 'node', instance }, times(t0, 0, SPAN_MS, 30_000).map((t, i) => ({ timestamp: t, value: Math.round(4e9 + 1e9 * Math.sin(i / 20) + r() * 1e8) })));
    add({ __name__: 'node_load1', job: 'node', instance }, times(t0, 0, SPAN_MS, 30_000).map((t, i) => ({ timestamp: t, value: Math.round((1 + Math.cos(i / 15) + r()) * 100) / 100 })));
  }
  // Temperatures with negative values and label values that stress regex matching.
  const rooms = ['a.b', 'a+b', 'ABC', 'abc', 'Abc', 'x|y', '[bracket]', '/srv/data', 'with space', 'ünïcødé', 'a.b.c', 'line\nbreak', '42', '-'];
  rooms.forEach((room, k) => {
    add({ __name__: 'room_temperature_celsius', room, site: k % 2 === 0 ? 'north' : 'south' }, times(t0, 0, SPAN_MS, 60_000).map((t, i) => ({ timestamp: t, value: Math.round((-5 + k * 2 + 10 * Math.sin(i / 10 + k)) * 10) / 10 })));
  });
  // An empty label value is the same as an absent label: one series has no `site`.
  add({ __name__: 'room_temperature_celsius', room: 'cellar' }, times(t0, 0, SPAN_MS, 60_000).map((t, i) => ({ timestamp: t, value: 12 + (i % 7) / 4 })));

  // up: mostly 1, one target flapping.
  for (const [job, instance] of [['api', '10.0.0.1:8080'], ['api', '10.0.0.2:8080'], ['api', '10.0.0.3:8080'], ['node', 'node-a'], ['node', 'node-b'], ['web', 'web-1']] as const) {
    add({ __name__: 'up', job, instance }, times(t0, 0, SPAN_MS, STEP_MS).map((t, i) => ({ timestamp: t, value: instance === 'node-b' && i % 40 >= 35 ? 0 : 1 })));
  }
  // Info metric for joins (group_left).
  for (const [instance, version] of [['10.0.0.1:8080', '1.2.3'], ['10.0.0.2:8080', '1.2.4'], ['10.0.0.3:8080', '1.2.4']] as const) {
    add({ __name__: 'app_build_info', job: 'api', instance, version, goversion: 'go1.21.5' }, times(t0, 0, SPAN_MS, 60_000).map((t) => ({ timestamp: t, value: 1 })));
  }

  // Classic histograms: api (two instances), plus a degenerate one.
  const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
  for (const instance of ['10.0.0.1:8080', '10.0.0.2:8080']) {
    for (const handler of ['/api/users', '/api/orders']) {
      const counts = new Array<number>(bounds.length).fill(0);
      let sum = 0;
      const series = bounds.map(() => [] as DataSample[]);
      const sums: DataSample[] = [];
      const cnts: DataSample[] = [];
      for (const t of times(t0, 0, SPAN_MS, STEP_MS)) {
        const n = Math.floor(r() * 20);
        for (let j = 0; j < n; j++) {
          const x = -Math.log(1 - r()) * (handler === '/api/users' ? 0.08 : 0.6);
          sum += x;
          for (let b = 0; b < bounds.length; b++) if (b === bounds.length - 1 || x <= Number(bounds[b])) counts[b]++;
        }
        bounds.forEach((_, b) => series[b]!.push({ timestamp: t, value: counts[b]! }));
        sums.push({ timestamp: t, value: sum });
        cnts.push({ timestamp: t, value: counts[bounds.length - 1]! });
      }
      const base = { job: 'api', instance, handler };
      bounds.forEach((le, b) => add({ __name__: 'http_request_duration_seconds_bucket', ...base, le }, series[b]!));
      add({ __name__: 'http_request_duration_seconds_sum', ...base }, sums);
      add({ __name__: 'http_request_duration_seconds_count', ...base }, cnts);
    }
  }
  {
    // Edge buckets: everything in the first bucket / only +Inf / a bucket set without +Inf.
    const edge = (kind: string, les: string[], f: (i: number, b: number) => number) => {
      les.forEach((le, b) => add({ __name__: 'edge_duration_seconds_bucket', kind, le }, times(t0, 0, SPAN_MS, STEP_MS).map((t, i) => ({ timestamp: t, value: f(i, b) }))));
    };
    edge('first', ['0.1', '1', '+Inf'], (i) => i * 2);
    edge('inf_only', ['+Inf'], (i) => i);
    edge('no_inf', ['0.1', '1'], (i, b) => i * (b + 1));
    edge('uneven', ['0.5', '1', '2', '+Inf'], (i, b) => i * [1, 1, 3, 4][b]!);
    edge('zero', ['0.1', '1', '+Inf'], () => 0);
  }

  // Special values.
  add({ __name__: 'special_value', kind: 'nan' }, times(t0, 0, SPAN_MS, STEP_MS).map((t) => ({ timestamp: t, value: NaN })));
  add({ __name__: 'special_value', kind: 'inf' }, times(t0, 0, SPAN_MS, STEP_MS).map((t) => ({ timestamp: t, value: Infinity })));
  add({ __name__: 'special_value', kind: 'neg_inf' }, times(t0, 0, SPAN_MS, STEP_MS).map((t) => ({ timestamp: t, value: -Infinity })));
  const cycle = [1, NaN, 3, Infinity, -2, -Infinity, 0, -0, 5];
  add({ __name__: 'special_value', kind: 'mixed' }, times(t0, 0, SPAN_MS, STEP_MS).map((t, i) => ({ timestamp: t, value: cycle[i % cycle.length]! })));
  add({ __name__: 'special_value', kind: 'zero' }, times(t0, 0, SPAN_MS, STEP_MS).map((t) => ({ timestamp: t, value: 0 })));
  add({ __name__: 'special_value', kind: 'big' }, times(t0, 0, SPAN_MS, STEP_MS).map((t, i) => ({ timestamp: t, value: 1e300 * (1 + i) })));
  add({ __name__: 'special_value', kind: 'tiny' }, times(t0, 0, SPAN_MS, STEP_MS).map((t, i) => ({ timestamp: t, value: 1e-300 * (1 + (i % 5)) })));

  // Series that stop: one simply ends (lookback), one ends with a stale marker, one has a gap.
  add({ __name__: 'batch_last_success_timestamp_seconds', job: 'batch', mode: 'ends' }, times(t0, 0, HOUR, STEP_MS).map((t) => ({ timestamp: t, value: Math.floor(t / 1000) })));
  add(
    { __name__: 'batch_last_success_timestamp_seconds', job: 'batch', mode: 'stale' },
    [...times(t0, 0, 90 * MIN, STEP_MS).map((t) => ({ timestamp: t, value: Math.floor(t / 1000) })), { timestamp: t0 + 90 * MIN + STEP_MS, value: NaN, bits: STALE_BITS }],
  );
  add(
    { __name__: 'sparse_gauge', job: 'batch' },
    [...times(t0, 0, 60 * MIN, 2 * MIN), ...times(t0, 75 * MIN, SPAN_MS, 2 * MIN)].map((t, i) => ({ timestamp: t, value: (i * 7) % 11 })),
  );
  // Irregular timestamps (not on the 15s grid).
  {
    let t = t0 + 1_234;
    const samples: DataSample[] = [];
    let v = 0;
    while (t <= t0 + SPAN_MS) {
      samples.push({ timestamp: t, value: (v += 1 + Math.floor(r() * 3)) });
      t += 5_000 + Math.floor(r() * 40_000);
    }
    add({ __name__: 'irregular_total', job: 'batch' }, samples);
  }
  // Two metrics that differ only in name, for name-dropping collisions and __name__ regexes.
  for (const name of ['queue_depth', 'queue_depth_max']) {
    for (const queue of ['q1', 'q2']) {
      add({ __name__: name, job: 'worker', queue }, times(t0, 0, SPAN_MS, 30_000).map((t, i) => ({ timestamp: t, value: ((i * (name === 'queue_depth' ? 3 : 5)) % 17) + (queue === 'q2' ? 0.5 : 0) })));
    }
  }
  return out;
}

/**
 * Remote-write bodies in time order: every request holds all series' samples of one window.
 * Prometheus' head refuses samples more than half a block (1h) behind its newest sample, so
 * writing series by series would lose data.
 */
export function writeRequests(data: DataSeries[], t0: number, windowMs = 10 * MIN): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let from = t0; from <= t0 + SPAN_MS + STEP_MS; from += windowMs) {
    const batch: TestSeries[] = [];
    for (const s of data) {
      const samples = s.samples.filter((x) => x.timestamp >= from && x.timestamp < from + windowMs);
      // Sorted label names, as Prometheus' TSDB expects them.
      if (samples.length > 0) batch.push({ labels: Object.fromEntries(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), samples });
    }
    if (batch.length > 0) out.push(encodeWriteRequest(batch));
  }
  return out;
}
