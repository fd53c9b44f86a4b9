// Differential test of the PromQL engine and the series APIs against Debian's Prometheus 2.42:
// the same samples (differential/dataset.ts) are remote-written into both, then every query of
// the corpus (differential/corpus.ts) runs as an instant and as a range query against both
// HTTP APIs (see requestsOf for which times and steps), and the answers must be the same (see
// differential/compare.ts for what "the same" means). Deliberate divergences are listed in
// differential/divergences.ts with their reason; each is checked too, so an entry that stops
// diverging (or diverges differently) fails the test. DIFFERENTIAL_FULL=1 runs every query at
// every time and step; DIFFERENTIAL_HOLD_S=<s> keeps both systems up for manual queries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusProcess } from '../../helpers/prometheus-process.js';
import { postRemoteWrite, snappy } from '../../helpers/remote-write-encoder.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { diffAnswers, labelsKey, type ApiAnswer } from './differential/compare.js';
import { CORPUS, expandTimes, SERIES_SELECTORS, type CorpusEntry } from './differential/corpus.js';
import { buildDataset, SPAN_MS, writeRequests } from './differential/dataset.js';
import { DIVERGENCES, RULES } from './differential/divergences.js';

const HOUR = 3_600_000;
const MIN = 60_000;
// A recent, hour-aligned base inside both systems' retention; the data ends 20m+ before now.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
const END = T0 + SPAN_MS;

const INSTANT_TIMES = [T0 + 70 * MIN, T0 + 100 * MIN + 37_500, END + 3 * MIN];
const RANGES = [
  { start: T0 + 55 * MIN, end: T0 + 115 * MIN, step: 60_000 },
  { start: T0, end: END + 10 * MIN, step: 7 * MIN + 13_000 },
];

let prometheus: PrometheusProcess | undefined;
let sightline: TestServer | undefined;

beforeAll(async () => {
  const started = Date.now();
  [prometheus, sightline] = await Promise.all([
    startPrometheus('global: { scrape_interval: 15s, evaluation_interval: 1m }\n', ['--web.enable-remote-write-receiver']),
    // Raw-sample semantics are what is compared with Prometheus. Rollup tiers answer long-range
    // queries at coarse steps approximately by design (docs/prometheus.md); their accuracy
    // against raw answers is tested in rollup-query.int.test.ts.
    startTestServer({ metrics: { rollups: { enabled: false } } }),
  ]);
  const data = buildDataset(T0);
  // Sequentially, window after window: both systems receive the samples in time order.
  for (const body of writeRequests(data, T0)) {
    const compressed = snappy(body);
    const [a, b] = await Promise.all([postRemoteWrite(prometheus.url, compressed), postRemoteWrite(sightline.httpUrl, compressed)]);
    if (a.status !== 204) throw new Error(`Prometheus refused the write: ${a.status} ${await a.text()}`);
    if (b.status !== 204) throw new Error(`Sightline refused the write: ${b.status} ${await b.text()}`);
  }
  // A 204 from either means the samples are committed and queryable; count them anyway
  // (stale markers are not samples to count_over_time).
  const expected = new Map<string, number>();
  for (const s of data) expected.set(s.labels.__name__!, (expected.get(s.labels.__name__!) ?? 0) + s.samples.filter((x) => !x.bits).length);
  for (const base of [prometheus.url, sightline.httpUrl]) {
    for (const [name, count] of expected) {
      const res = await call(base, '/api/v1/query', { query: `sum(count_over_time(${name}[${Math.ceil((SPAN_MS + 60_000) / 1000)}s]))`, time: String((END + 30_000) / 1000) });
      const loaded = Number(res.body.data?.result?.[0]?.value?.[1]);
      if (loaded !== count) throw new Error(`${base} holds ${loaded} samples of ${name}, expected ${count}: ${JSON.stringify(res.body)}`);
    }
  }
  console.log(`differential: ${data.length} series, ${[...expected.values()].reduce((a, b) => a + b, 0)} samples loaded into both in ${Date.now() - started} ms`);
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await sightline?.stop();
});

async function call(base: string, path: string, form: Record<string, string | string[]>, method: 'GET' | 'POST' = 'POST'): Promise<ApiAnswer> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  // Prometheus 2.42 serves /label/<name>/values by GET only.
  const res = method === 'GET'
    ? await fetch(`${base}${path}?${body.toString()}`)
    : await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { httpStatus: res.status, body: parsed };
}

interface Request {
  entry: CorpusEntry;
  label: string;
  path: string;
  form: Record<string, string>;
}

/**
 * The requests of one corpus entry: an instant query and a range query. To stay within the
 * test's time budget on a shared machine, the instant time (on the step grid, off it in the
 * middle of the data, after its end) and the range (fine steps over resets, coarse steps over
 * the whole data set and past its end) rotate over the corpus; documented divergences, and
 * every query with DIFFERENTIAL_FULL=1, run at all of them.
 */
const FULL = process.env.DIFFERENTIAL_FULL === '1';

function requestsOf(entry: CorpusEntry, index: number): Request[] {
  const out: Request[] = [];
  const query = expandTimes(entry.q, T0);
  const all = FULL || DIVERGENCES.has(entry.q);
  INSTANT_TIMES.forEach((t, k) => {
    if (!all && k !== index % INSTANT_TIMES.length) return;
    out.push({ entry, label: `instant @${(t - T0) / 1000}s`, path: '/api/v1/query', form: { query, time: String(t / 1000) } });
  });
  RANGES.forEach((r, k) => {
    if (!all && k !== index % RANGES.length) return;
    out.push({ entry, label: `range ${(r.start - T0) / 1000}..${(r.end - T0) / 1000}s/${r.step / 1000}s`, path: '/api/v1/query_range', form: { query, start: String(r.start / 1000), end: String(r.end / 1000), step: String(r.step / 1000) } });
  });
  return out;
}

async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

describe('PromQL against Prometheus 2.42 (differential)', () => {
  // For investigating a difference by hand: DIFFERENTIAL_HOLD_S=600 keeps both running.
  const hold = Number(process.env.DIFFERENTIAL_HOLD_S ?? 0);
  if (hold > 0) {
    it('holds both systems for manual queries', async () => {
      console.log(`T0=${T0 / 1000} prometheus=${prometheus!.url} sightline=${sightline!.httpUrl}`);
      await new Promise((r) => setTimeout(r, hold * 1000));
    }, hold * 1000 + 10_000);
    return;
  }
  it('answers the corpus like Prometheus', async () => {
    const requests = CORPUS.flatMap((e, i) => requestsOf(e, i));
    const started = Date.now();
    let oursMs = 0;
    let theirsMs = 0;
    const timed = async (f: Promise<ApiAnswer>, add: (ms: number) => void) => {
      const t = Date.now();
      const a = await f;
      add(Date.now() - t);
      return a;
    };
    const unexpected: string[] = [];
    const divergent = new Map<string, string[]>();
    let equal = 0;
    await pool(requests, 6, async (r) => {
      const [ours, theirs] = await Promise.all([
        timed(call(sightline!.httpUrl, r.path, r.form), (ms) => (oursMs += ms)),
        timed(call(prometheus!.url, r.path, r.form), (ms) => (theirsMs += ms)),
      ]);
      const div = DIVERGENCES.get(r.entry.q);
      const ordering = /\b(topk|bottomk)\b/.test(r.entry.q) ? 'ties' : r.entry.ordered ? 'ordered' : 'set';
      const diff = diffAnswers(ours, theirs, ordering);
      if (!diff) {
        equal++;
        return;
      }
      const rule = RULES.find((x) => x.applies(r.path, ours, theirs));
      if (rule) {
        (divergent.get(rule.name) ?? divergent.set(rule.name, []).get(rule.name)!).push(`${r.entry.q} [${r.label}]`);
        return;
      }
      if (div) {
        // A documented divergence: our answer must differ only in the documented way.
        const d = div.check(ours, theirs, T0);
        if (d) unexpected.push(`${r.entry.q} [${r.label}] (documented divergence, but not as documented): ${d}`);
        else (divergent.get(r.entry.q) ?? divergent.set(r.entry.q, []).get(r.entry.q)!).push(r.label);
        return;
      }
      unexpected.push(`${r.entry.q} [${r.label}]: ${diff}`);
    });
    const divergentRequests = [...divergent.values()].reduce((n, l) => n + l.length, 0);
    console.log(
      `differential: ${CORPUS.length} queries, ${requests.length} requests; ${equal} equal, ` +
        `${divergentRequests} documented divergences (${divergent.size} queries or rules), ${unexpected.length} unexpected differences`,
    );
    console.log(`  ${Date.now() - started} ms (request time summed: Sightline ${oursMs} ms, Prometheus ${theirsMs} ms)`);
    for (const [what, where] of divergent) console.log(`  divergence ${what}: ${where.length} requests`);
    for (const u of unexpected.slice(0, 400)) console.log('  ' + u);
    expect(unexpected).toEqual([]);
    // Every documented divergence still diverges (a stale entry would hide a regression).
    expect([...DIVERGENCES.keys()].filter((q) => !divergent.has(q))).toEqual([]);
  }, 120_000);

  it('refuses bad range-query parameters like Prometheus', async () => {
    const s = String((T0 + 60 * MIN) / 1000);
    const e = String((T0 + 70 * MIN) / 1000);
    const cases: Array<Record<string, string>> = [
      { query: 'up', start: s, end: e, step: '0' },
      { query: 'up', start: s, end: e, step: '-15' },
      { query: 'up', start: s, end: e, step: 'x' },
      { query: 'up', start: s, end: e, step: '0.0001' },
      { query: 'up', start: e, end: s, step: '15' },
      { query: 'up', start: s, end: e },
      { query: 'up[5m]', start: s, end: e, step: '15' },
      { query: '"text"', start: s, end: e, step: '15' },
      { query: 'up', start: s, end: e, step: '1m' },
      { query: 'up', start: s, end: e, step: '1.5' },
      { query: 'up', start: s, end: e, step: '15', timeout: 'x' },
      { query: 'up', start: s, end: e, step: '15', lookback_delta: '1m' },
    ];
    const unexpected: string[] = [];
    for (const form of cases) {
      const [ours, theirs] = await Promise.all([call(sightline!.httpUrl, '/api/v1/query_range', form), call(prometheus!.url, '/api/v1/query_range', form)]);
      const d = diffAnswers(ours, theirs, 'set');
      if (d) unexpected.push(`${JSON.stringify(form)}: ${d}`);
    }
    for (const u of unexpected) console.log('  ' + u);
    expect(unexpected).toEqual([]);
  });

  it('answers /api/v1/series, /labels and /label/<name>/values like Prometheus', async () => {
    // The whole data set, and a late window that the series which stopped early do not reach.
    const ranges = [
      { start: String(T0 / 1000), end: String((END + 10 * MIN) / 1000) },
      { start: String((T0 + 2 * 60 * MIN) / 1000), end: String(END / 1000) },
    ];
    const unexpected: string[] = [];
    const norm = (a: ApiAnswer, kind: 'series' | 'names') => {
      if (a.body.status !== 'success') return { httpStatus: a.httpStatus, status: a.body.status, errorType: a.body.errorType, error: a.body.error };
      const data = a.body.data as unknown[];
      return { httpStatus: a.httpStatus, data: kind === 'series' ? (data as Array<Record<string, string>>).map(labelsKey).sort() : data };
    };
    let n = 0;
    let divergent = 0;
    for (const range of ranges) for (const sel of SERIES_SELECTORS) {
      const match = Array.isArray(sel) ? sel : [sel];
      let theirSeries: Array<Record<string, string>> | undefined;
      for (const [path, kind] of [['/api/v1/series', 'series'], ['/api/v1/labels', 'names'], ['/api/v1/label/instance/values', 'names'], ['/api/v1/label/__name__/values', 'names']] as const) {
        const form = { ...range, 'match[]': match };
        const method = path.startsWith('/api/v1/label/') ? 'GET' : 'POST';
        const [ours, theirs] = await Promise.all([call(sightline!.httpUrl, path, form, method), call(prometheus!.url, path, form, method)]);
        n++;
        if (kind === 'series' && theirs.body.status === 'success') theirSeries = theirs.body.data;
        const o = norm(ours, kind);
        const t = norm(theirs, kind);
        if (JSON.stringify(o) === JSON.stringify(t)) continue;
        // Documented divergence: Prometheus answers /labels and /label/<name>/values with
        // match[] from whole TSDB blocks (the head block spans hours), so series without a
        // sample in [start, end] still contribute; Sightline answers from the series that
        // have samples in the range, i.e. exactly what Prometheus' own /series returns.
        if (theirSeries && kind === 'names') {
          const name = path === '/api/v1/labels' ? undefined : path.split('/')[4]!;
          const expected = [...new Set(theirSeries.flatMap((l) => (name === undefined ? Object.keys(l) : l[name] !== undefined ? [l[name]!] : [])))].sort();
          if (JSON.stringify(o) === JSON.stringify({ httpStatus: 200, data: expected })) {
            divergent++;
            continue;
          }
        }
        unexpected.push(`${path} ${JSON.stringify(match)} ${range.start}..${range.end}: ${JSON.stringify(o).slice(0, 400)} vs ${JSON.stringify(t).slice(0, 400)}`);
      }
    }
    console.log(`series APIs: ${SERIES_SELECTORS.length} selectors, ${n} requests, ${divergent} documented divergences (block-granular /labels, /label/<name>/values), ${unexpected.length} unexpected differences`);
    for (const u of unexpected) console.log('  ' + u);
    expect(unexpected).toEqual([]);
  }, 60_000);
});
