#!/usr/bin/env node
// Cost of the cardinality guard on one thread, from the built server (packages/server/dist):
// admitting a batch whose series are all known (the hot path: one map lookup per series), a
// batch of new series that fit (labels counted), and a batch over a limit (rows filtered).
//
//   npm run build -w sightline && node bench/cardinality-guard.mjs [seriesPerBatch=1000] [iterations=2000]
import { CardinalityGuard } from '../packages/server/dist/pipeline/cardinality-guard.js';

const perBatch = Number(process.argv[2] ?? 1000);
const iterations = Number(process.argv[3] ?? 2000);

function batch(offset, n) {
  const series = [];
  for (let i = 0; i < n; i++) {
    const id = offset + i;
    const labels = { __name__: `app_requests_m${id % 10}_total`, method: 'GET', pod: `pod-${id}`, route: `/r${id % 7}` };
    series.push({ fingerprint: 1_000_000 + id, name: labels.__name__, labels });
  }
  return {
    kind: 'samples',
    tenant: 'default',
    length: n,
    fingerprint: Float64Array.from(series, (s) => s.fingerprint),
    timeMs: new Float64Array(n).fill(Date.now()),
    value: new Float64Array(n).fill(1),
    series,
    metadata: [],
    expHistograms: [],
    exemplars: [],
  };
}

const limits = { maxSeriesPerTenant: 1_000_000, maxSeriesPerMetric: 100_000, maxLabelValuesPerLabel: 1_000_000 };
function time(label, guard, make, count) {
  const batches = Array.from({ length: count }, (_, i) => make(i));
  const t0 = process.hrtime.bigint();
  let rejected = 0;
  for (const b of batches) rejected += guard.admit(b).rejectedPoints;
  const ns = Number(process.hrtime.bigint() - t0);
  const series = count * perBatch;
  console.log(JSON.stringify({ case: label, batches: count, seriesPerBatch: perBatch, nsPerSeries: +(ns / series).toFixed(1), millionSeriesPerSec: +(series / ns * 1e3).toFixed(2), rejected }));
}

{
  const guard = new CardinalityGuard({ limits });
  const known = batch(0, perBatch);
  guard.admit(known);
  for (let i = 0; i < 200; i++) guard.admit(known); // warm-up
  time('known series', guard, () => known, iterations);
}
{
  const guard = new CardinalityGuard({ limits });
  time('new series admitted', guard, (i) => batch(i * perBatch, perBatch), Math.min(iterations, Math.floor(900_000 / perBatch)));
  console.log(JSON.stringify({ activeSeries: guard.totalActiveSeries(), heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 1048576) }));
}
{
  const guard = new CardinalityGuard({ limits: { ...limits, maxSeriesPerMetric: 10 } });
  guard.admit(batch(0, perBatch));
  time('new series rejected (over maxSeriesPerMetric)', guard, (i) => batch((i + 1) * perBatch, perBatch), Math.min(iterations, 500));
}
