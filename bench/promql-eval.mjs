// PromQL evaluation cost over an in-memory source (no storage): 1000 counter series scraped
// every 15s for 6h, range queries over the last 5h at a 1m step (301 steps). Prints wall time
// and the engine's stats per query. The label caches in query/promql/labels.ts (labels key and
// name-dropped labels per label object) and the per-pair result-label cache of vector
// matching were kept because of this benchmark (binary matching went from ~1.7s to ~0.46s),
// as was the per-call memo of label_replace/label_join/histogram_quantile (the
// histogram_quantile query went from ~2.9s to ~0.5s).
//
//   npx tsc -p packages/server/tsconfig.build.json && node bench/promql-eval.mjs [series]
import { createPromEngine, MemorySeriesSource } from '../packages/server/dist/query/promql/index.js';

const SERIES = Number(process.argv[2] ?? 1000);
const H = 3_600_000;

const source = new MemorySeriesSource();
for (let i = 0; i < SERIES; i++) {
  const pts = [];
  for (let t = 0; t <= 6 * H; t += 15_000) pts.push([t, (t / 1000) * ((i % 7) + 1)]);
  source.add({ __name__: 'http_requests_total', instance: `i${i}`, job: `j${i % 10}` }, pts);
}
const engine = createPromEngine(source);
const queries = [
  'http_requests_total',
  'sum by (job) (rate(http_requests_total[5m]))',
  'http_requests_total / ignoring(instance) group_left sum by (job) (http_requests_total)',
  'topk(5, rate(http_requests_total[5m]))',
  'max_over_time(rate(http_requests_total[5m])[30m:1m])',
  'histogram_quantile(0.9, sum by (le) (label_replace(rate(http_requests_total[5m]), "le", "$1", "job", "j(.*)")))',
];
console.log(`promql-eval: ${SERIES} series x ${6 * 240 + 1} samples, range 5h step 1m`);
for (const q of queries) {
  const t0 = performance.now();
  const r = await engine.range('default', q, H, 6 * H, 60_000);
  const ms = performance.now() - t0;
  console.log(`${ms.toFixed(0).padStart(6)} ms  ${String(r.result.length).padStart(5)} series  peak ${r.stats.peakSamples}  ${q}`);
}
