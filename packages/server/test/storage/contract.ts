// The storage contract: every Store backend runs this suite (DuckDB in contract.test.ts; a
// ClickHouse backend calls runStoreContract with its own factory). It speaks only through the
// Store and Writer interfaces and store.stats(), never through backend internals.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogRow, SpanRow, Store, TimeRangeNs } from '../../src/storage/store.js';
import { createWriter } from '../../src/storage/writer.js';
import { hex, logBatch, ns, sampleBatch, series, spanBatch, type LogInput, type SpanInput } from './batch-helpers.js';

export interface StoreHarness {
  /** Opens a store over this harness's data: the same data on every call. */
  open(clock: () => number): Promise<Store>;
  /** Deletes the data (the store is closed by then). */
  dispose(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreHarness>;

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Monday 2026-11-23 12:00 UTC. */
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

function rangeMs(startMs: number, endMs: number): TimeRangeNs {
  return { startNs: ns(startMs), endNs: ns(endMs) };
}

const around = (t: number, spanMs = HOUR) => rangeMs(t - spanMs, t + spanMs);

function traceId(n: number): string {
  return hex(n, 32);
}

function spanId(n: number): string {
  return hex(n, 16);
}

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    let now = T0;
    const clock = () => now;

    beforeEach(async () => {
      now = T0;
      harness = await factory();
      store = await harness.open(clock);
    });

    afterEach(async () => {
      await store.close();
      await harness.dispose();
    });

    async function writeSpans(tenant: string, spans: SpanInput[]) {
      expect(await store.writeSpans([spanBatch(tenant, spans)])).toMatchObject({ status: 'ok', rows: spans.length });
    }

    async function writeLogs(tenant: string, logs: LogInput[]) {
      expect(await store.writeLogs([logBatch(tenant, logs)])).toMatchObject({ status: 'ok', rows: logs.length });
    }

    describe('round trips', () => {
      it('keeps every span field, with JSON parsed back into values', async () => {
        const attributes = { 'http.request.method': 'GET', 'http.response.status_code': 503, retried: true, ratio: 0.25, tags: ['a', 'b'], nested: { k: 'v' }, 'a.b/c~d': 'odd key' };
        const events = [{ timeUnixNano: String(ns(T0 + 3)), name: 'exception', attributes: { 'exception.message': 'boom "quoted"\nnext line' }, droppedAttributesCount: 0 }];
        const links = [{ traceId: traceId(9), spanId: spanId(9), traceState: 'k=v', flags: 1, attributes: { why: 'follows' }, droppedAttributesCount: 2 }];
        const resource = { 'service.name': 'cärt ✓ 日本', 'host.name': 'h1', 'k8s.pod.uid': '🙂' };
        await writeSpans('default', [
          {
            traceId: traceId(1), spanId: spanId(1), parentSpanId: spanId(7), name: 'GET /cart/{id}', service: 'cärt ✓ 日本', startMs: T0, durationMs: 42,
            kind: 3, statusCode: 2, statusMessage: "it's\nbroken", attributes, events, links, resource, traceState: 'rojo=00f067aa0ba902b7', flags: 257,
            scopeName: '@opentelemetry/instrumentation-http', scopeVersion: '0.57.0', httpRoute: '/cart/{id}', httpStatusCode: 503, dbSystem: 'postgresql', dropped: [1, 2, 3],
          },
        ]);
        const spans = await store.getTrace('default', traceId(1), around(T0));
        expect(spans).toEqual<SpanRow[]>([
          {
            traceId: traceId(1), spanId: spanId(1), parentSpanId: spanId(7), traceState: 'rojo=00f067aa0ba902b7', flags: 257, name: 'GET /cart/{id}', kind: 3,
            startTimeUnixNano: String(ns(T0)), endTimeUnixNano: String(ns(T0 + 42)), durationNs: String(ns(42)), statusCode: 2, statusMessage: "it's\nbroken",
            attributes, events, links, droppedAttributesCount: 1, droppedEventsCount: 2, droppedLinksCount: 3, serviceName: 'cärt ✓ 日本',
            scopeName: '@opentelemetry/instrumentation-http', scopeVersion: '0.57.0', resourceAttributes: resource,
          },
        ]);
      });

      it('keeps every log field; string, structured and JSON-looking string bodies', async () => {
        const base: LogInput = {
          timeMs: T0, observedMs: T0 + 1, severityNumber: 17, severityText: 'ERROR', attributes: { user: 'ü', n: 3 }, traceId: traceId(5), spanId: spanId(5),
          flags: 1, eventName: 'checkout.failed', service: 'shop', scopeName: 'logger', scopeVersion: '2', resource: { 'service.name': 'shop', region: 'eu' }, droppedAttributes: 4,
        };
        const bodies: unknown[] = ['plain text\nwith a newline ✓', { message: 'structured', code: 7, list: [1, 'x'] }, [1, 2, 3], 42, true, '{"looks":"like json"}'];
        await writeLogs('default', bodies.map((body, i) => ({ ...base, timeMs: T0 + i, observedMs: T0 + i + 1, body })));
        const page = await store.searchLogs({ tenant: 'default', ...around(T0), limit: 100 });
        expect(page.nextCursor).toBeUndefined();
        const expected = (i: number): LogRow => ({
          timeUnixNano: String(ns(T0 + i)), observedTimeUnixNano: String(ns(T0 + i + 1)), severityNumber: 17, severityText: 'ERROR', body: bodies[i],
          attributes: { user: 'ü', n: 3 }, droppedAttributesCount: 4, traceId: traceId(5), spanId: spanId(5), flags: 1, eventName: 'checkout.failed',
          serviceName: 'shop', scopeName: 'logger', scopeVersion: '2', resourceAttributes: { 'service.name': 'shop', region: 'eu' },
        });
        expect(page.logs).toEqual(bodies.map((_, i) => expected(i)).reverse());
        expect(await store.logsForTrace('default', traceId(5), around(T0))).toEqual(bodies.map((_, i) => expected(i)));
      });

      it('gives a log without a time its observed time', async () => {
        await writeLogs('default', [{ timeMs: 0, timeNs: 0n, observedMs: T0 + 5, body: 'late' }]);
        const [log] = (await store.searchLogs({ tenant: 'default', ...around(T0), limit: 10 })).logs;
        expect(log).toMatchObject({ timeUnixNano: String(ns(T0 + 5)), observedTimeUnixNano: String(ns(T0 + 5)), body: 'late' });
      });

      it('keeps samples, series, metadata, exponential histograms and exemplars', async () => {
        const reqs = series('http_requests_total', { job: 'api', instance: 'a:1' });
        const bucket = series('latency_seconds_bucket', { job: 'api', le: '0.5' });
        const gauge = series('temperature', { room: 'kitchen' });
        const values = [0.1, -3, 1e308, Infinity, -Infinity, 0];
        const points = values.map((value, i) => ({ series: reqs, timeMs: T0 + i * 15_000, value }));
        const hist = {
          fingerprint: gauge.fingerprint, timeMs: T0, startTimeMs: T0 - 60_000, count: 12, sum: 34.5, min: 0.5, max: null, scale: 3, zeroCount: 1, zeroThreshold: 1e-9,
          positiveOffset: -2, positiveCounts: [1, 2, 3], negativeOffset: 0, negativeCounts: [], flags: 0,
        };
        const exemplar = { fingerprint: reqs.fingerprint, timeMs: T0 + 1, value: 0.7, traceId: traceId(3), spanId: spanId(3), attributes: JSON.stringify({ user: 'u1' }) };
        const batch = sampleBatch('default', [...points, { series: bucket, timeMs: T0, value: 4 }], {
          metadata: [
            { name: 'http_requests_total', type: 'counter', unit: '', help: 'Requests served.' },
            { name: 'latency_seconds', type: 'histogram', unit: 'seconds', help: 'Latency.' },
          ],
          expHistograms: [hist],
          exemplars: [exemplar],
          series: [gauge],
        });
        expect(await store.writeSamples([batch])).toEqual({ status: 'ok', rows: points.length + 2 });
        const span = { startMs: T0 - HOUR, endMs: T0 + HOUR };
        expect(await store.metricNames('default', span.startMs, span.endMs)).toEqual([
          { name: 'http_requests_total', type: 'counter', unit: '', help: 'Requests served.' },
          { name: 'latency_seconds_bucket', type: 'histogram', unit: 'seconds', help: 'Latency.' },
          { name: 'temperature', type: 'unknown', unit: '', help: '' },
        ]);
        expect(await store.findSeries({ tenant: 'default', name: 'http_requests_total', ...span, limit: 10 })).toEqual([{ fingerprint: reqs.fingerprint, labels: reqs.labels }]);
        const samples = await store.readSamples({ tenant: 'default', fingerprints: [reqs.fingerprint, bucket.fingerprint], ...span, limit: 1000 });
        const byFp = new Map(samples.map((s) => [s.fingerprint, s]));
        expect(byFp.get(reqs.fingerprint)).toEqual({ fingerprint: reqs.fingerprint, labels: reqs.labels, timestampsMs: points.map((p) => p.timeMs), values });
        expect(byFp.get(bucket.fingerprint)).toEqual({ fingerprint: bucket.fingerprint, labels: bucket.labels, timestampsMs: [T0], values: [4] });
        expect(await store.readExpHistograms({ tenant: 'default', fingerprints: [gauge.fingerprint], ...span, limit: 10 })).toEqual([{ ...hist, labels: gauge.labels }]);
        expect(await store.readExemplars({ tenant: 'default', fingerprints: [reqs.fingerprint], ...span, limit: 10 })).toEqual([
          { fingerprint: reqs.fingerprint, labels: reqs.labels, timeMs: T0 + 1, value: 0.7, traceId: traceId(3), spanId: spanId(3), attributes: { user: 'u1' } },
        ]);
      });

      it('reads samples series by series in fingerprint order up to the limit, across many series', async () => {
        const all = Array.from({ length: 150 }, (_, k) => series('many', { k: String(k) }));
        const points = all.flatMap((sr, k) => [0, 15_000, 30_000].map((dt) => ({ series: sr, timeMs: T0 + dt, value: k * 10 + dt / 15_000 })));
        expect(await store.writeSamples([sampleBatch('default', points)])).toMatchObject({ status: 'ok' });
        const sorted = [...all].sort((a, b) => a.fingerprint - b.fingerprint);
        const expectFor = (sr: (typeof all)[number], n = 3) => {
          const k = all.indexOf(sr);
          return { fingerprint: sr.fingerprint, labels: sr.labels, timestampsMs: [T0, T0 + 15_000, T0 + 30_000].slice(0, n), values: [k * 10, k * 10 + 1, k * 10 + 2].slice(0, n) };
        };
        // Asked for in any order, with repeats and an unknown series: answered in fingerprint order.
        const asked = [...all].reverse().map((sr) => sr.fingerprint).concat([all[3]!.fingerprint, 12345]);
        const span = { startMs: T0, endMs: T0 + 30_000 };
        const limited = await store.readSamples({ tenant: 'default', fingerprints: asked, ...span, limit: 200 });
        expect(limited).toEqual([...sorted.slice(0, 66).map((sr) => expectFor(sr)), expectFor(sorted[66]!, 2)]);
        const everything = await store.readSamples({ tenant: 'default', fingerprints: asked, ...span, limit: 1000 });
        expect(everything).toEqual(sorted.map((sr) => expectFor(sr)));
      });

      it('selects series by Prometheus label matchers, with their samples in the range', async () => {
        const a = series('up', { job: 'api', instance: 'a:1' });
        const b = series('up', { job: 'api', instance: 'b:1' });
        const web = series('up', { job: 'web' });
        const cpu = series('node_cpu_seconds_total', { mode: 'idle', job: 'node' });
        const points = [a, b, web, cpu].flatMap((sr, k) => [0, 15_000, 30_000].map((dt) => ({ series: sr, timeMs: T0 + dt, value: k + dt / 1000 })));
        expect(await store.writeSamples([sampleBatch('default', points)])).toMatchObject({ status: 'ok' });
        await store.writeSamples([sampleBatch('other', [{ series: a, timeMs: T0, value: 99 }])]);
        const select = async (matchers: { name: string; type: '=' | '!=' | '=~' | '!~'; value: string }[], startMs = T0, endMs = T0 + 30_000) =>
          (await store.selectSeries({ tenant: 'default', matchers, startMs, endMs, maxSamples: 1000 })).map((r) => r.labels);
        expect(await select([{ name: '__name__', type: '=', value: 'up' }, { name: 'job', type: '=', value: 'api' }])).toEqual(expect.arrayContaining([a.labels, b.labels]));
        expect(await select([{ name: '__name__', type: '=', value: 'up' }, { name: 'job', type: '=', value: 'api' }])).toHaveLength(2);
        // An absent label reads as '': {instance=""} is "has no instance", != and !~ keep such series.
        expect(await select([{ name: '__name__', type: '=', value: 'up' }, { name: 'instance', type: '=', value: '' }])).toEqual([web.labels]);
        expect(await select([{ name: '__name__', type: '=', value: 'up' }, { name: 'instance', type: '!=', value: 'a:1' }])).toHaveLength(2);
        // Regexes are fully anchored RE2.
        expect(await select([{ name: '__name__', type: '=~', value: 'node_.*|nothing' }])).toEqual([cpu.labels]);
        expect(await select([{ name: '__name__', type: '=~', value: 'node' }])).toEqual([]);
        expect(await select([{ name: '__name__', type: '=', value: 'up' }, { name: 'instance', type: '!~', value: '(a|b):1' }])).toEqual([web.labels]);
        // Go 1.22+ group names (?<name>...) are RE2 too (Prometheus 2.55 accepts them), escaped or in a class they are literals.
        expect(await select([{ name: '__name__', type: '=~', value: '(?<n>node)_.*' }])).toEqual([cpu.labels]);
        expect(await select([{ name: '__name__', type: '=~', value: '\\(?<n>node_.*' }])).toEqual([]);
        expect(await select([{ name: '__name__', type: '=~', value: '[(?<]*node_.*' }])).toEqual([cpu.labels]);
        // Matcher text is data, never SQL.
        expect(await select([{ name: "job') OR 1=1 --", type: '=', value: "x' OR '1'='1" }])).toEqual([]);
        const [got] = await store.selectSeries({ tenant: 'default', matchers: [{ name: 'instance', type: '=', value: 'b:1' }], startMs: T0 + 1, endMs: T0 + 30_000, maxSamples: 10 });
        expect({ ...got, timestampsMs: Array.from(got!.timestampsMs), values: Array.from(got!.values) }).toEqual({ fingerprint: b.fingerprint, labels: b.labels, timestampsMs: [T0 + 15_000, T0 + 30_000], values: [1 + 15, 1 + 30] });
        // Other tenants stay invisible; too many samples is an error, not a truncated answer.
        expect((await store.selectSeries({ tenant: 'other', matchers: [{ name: '__name__', type: '=', value: 'up' }], startMs: T0, endMs: T0, maxSamples: 10 })).map((r) => Array.from(r.values))).toEqual([[99]]);
        await expect(store.selectSeries({ tenant: 'default', matchers: [{ name: '__name__', type: '=~', value: '.+' }], startMs: T0, endMs: T0 + 30_000, maxSamples: 5 }))
          .rejects.toMatchObject({ code: 'SL_ERR_TOO_MANY_SAMPLES' });
      });

      it('selectSeries returns samples in time order, a repeated one once, whatever order the writes came in', async () => {
        const s = series('late_total', { job: 'x' });
        const other = series('late_total', { job: 'y' });
        // Late data (an earlier time after a later one), a retried sample, and a second day.
        await store.writeSamples([sampleBatch('default', [{ series: s, timeMs: T0 + 30_000, value: 3 }, { series: other, timeMs: T0, value: 7 }])]);
        await store.writeSamples([sampleBatch('default', [{ series: s, timeMs: T0, value: 1 }, { series: s, timeMs: T0 + 15_000, value: 2 }])]);
        await store.writeSamples([sampleBatch('default', [{ series: s, timeMs: T0 + 15_000, value: 2 }, { series: s, timeMs: T0 + DAY, value: 4 }])]);
        const got = await store.selectSeries({ tenant: 'default', matchers: [{ name: '__name__', type: '=', value: 'late_total' }], startMs: T0, endMs: T0 + DAY, maxSamples: 100 });
        const byJob = new Map(got.map((r) => [r.labels.job, { timestampsMs: Array.from(r.timestampsMs), values: Array.from(r.values) }]));
        expect(byJob.get('x')).toMatchObject({ timestampsMs: [T0, T0 + 15_000, T0 + 30_000, T0 + DAY], values: [1, 2, 3, 4] });
        expect(byJob.get('y')).toMatchObject({ timestampsMs: [T0], values: [7] });
        await expect(store.selectSeries({ tenant: 'default', matchers: [{ name: '__name__', type: '=', value: 'late_total' }], startMs: T0, endMs: T0 + DAY, maxSamples: 4 }))
          .rejects.toMatchObject({ code: 'SL_ERR_TOO_MANY_SAMPLES' });
      });

      it('returns a sample written twice (a retried request) once', async () => {
        const s = series('up', { job: 'x' });
        const batch = sampleBatch('default', [{ series: s, timeMs: T0, value: 1 }]);
        await store.writeSamples([batch]);
        await store.writeSamples([batch]);
        const [got] = await store.readSamples({ tenant: 'default', fingerprints: [s.fingerprint], startMs: T0, endMs: T0, limit: 10 });
        expect(got).toMatchObject({ timestampsMs: [T0], values: [1] });
      });
    });

    describe('isolation and bounds', () => {
      it('never shows one tenant the data of another', async () => {
        for (const tenant of ['acme', 'globex']) {
          await writeSpans(tenant, [{ traceId: traceId(1), spanId: spanId(1), service: `${tenant}-svc`, name: `${tenant}-op`, startMs: T0, attributes: { owner: tenant } }]);
          await writeLogs(tenant, [{ timeMs: T0, traceId: traceId(1), body: `${tenant} says hi`, service: `${tenant}-svc` }]);
          await store.writeSamples([sampleBatch(tenant, [{ series: series('up', { job: tenant }), timeMs: T0, value: 1 }], { metadata: [{ name: 'up', type: 'gauge', unit: '', help: tenant }] })]);
        }
        const r = around(T0);
        const span = { startMs: T0 - HOUR, endMs: T0 + HOUR };
        for (const [tenant, other] of [['acme', 'globex'], ['globex', 'acme']] as const) {
          const trace = await store.getTrace(tenant, traceId(1), r);
          expect(trace.map((s) => s.attributes.owner)).toEqual([tenant]);
          expect((await store.searchTraces({ tenant, ...r, limit: 10 })).map((t) => t.rootService)).toEqual([`${tenant}-svc`]);
          expect(await store.searchTraces({ tenant, ...r, service: `${other}-svc`, limit: 10 })).toEqual([]);
          expect(await store.listServices(tenant, r)).toEqual([`${tenant}-svc`]);
          expect(await store.listOperations(tenant, `${other}-svc`, r)).toEqual([]);
          expect((await store.serviceStats(tenant, r, 4)).map((s) => s.name)).toEqual([`${tenant}-svc`]);
          expect((await store.searchLogs({ tenant, ...r, limit: 10 })).logs.map((l) => l.body)).toEqual([`${tenant} says hi`]);
          expect((await store.searchLogs({ tenant, ...r, text: other, limit: 10 })).logs).toEqual([]);
          expect((await store.logsForTrace(tenant, traceId(1), r)).map((l) => l.body)).toEqual([`${tenant} says hi`]);
          expect((await store.logHistogram({ tenant, ...r, limit: 1 }, 1)).buckets[0]!.counts.info).toBe(1);
          expect(await store.metricNames(tenant, span.startMs, span.endMs)).toEqual([{ name: 'up', type: 'gauge', unit: '', help: tenant }]);
          const found = await store.findSeries({ tenant, name: 'up', ...span, limit: 10 });
          expect(found.map((s) => s.labels.job)).toEqual([tenant]);
          const foreign = series('up', { job: other }).fingerprint;
          expect(await store.readSamples({ tenant, fingerprints: [foreign], ...span, limit: 10 })).toEqual([]);
        }
      });

      it('bounds every read by its time range', async () => {
        const times = [T0 - 2 * DAY, T0 - HOUR, T0, T0 + HOUR, T0 + DAY];
        await writeSpans('default', times.map((t, i) => ({ traceId: traceId(i + 1), spanId: spanId(i + 1), startMs: t, service: `svc${i}` })));
        await writeLogs('default', times.map((t, i) => ({ timeMs: t, body: `log${i}`, traceId: traceId(i + 1) })));
        const s = series('g');
        await store.writeSamples([sampleBatch('default', times.map((t, i) => ({ series: s, timeMs: t, value: i })))]);
        // [T0 - 1h, T0 + 1h): start inclusive, end exclusive for ns ranges.
        const r = rangeMs(T0 - HOUR, T0 + HOUR);
        expect((await store.searchTraces({ tenant: 'default', ...r, limit: 10 })).map((t) => t.traceId)).toEqual([traceId(3), traceId(2)]);
        expect((await store.searchLogs({ tenant: 'default', ...r, limit: 10 })).logs.map((l) => l.body)).toEqual(['log2', 'log1']);
        expect(await store.getTrace('default', traceId(1), r)).toEqual([]);
        expect(await store.getTrace('default', traceId(5), r)).toEqual([]);
        expect(await store.logsForTrace('default', traceId(1), r)).toEqual([]);
        expect(await store.listServices('default', r)).toEqual(['svc1', 'svc2']);
        // Samples: both ends inclusive, like Prometheus.
        const [got] = await store.readSamples({ tenant: 'default', fingerprints: [s.fingerprint], startMs: T0 - HOUR, endMs: T0 + HOUR, limit: 10 });
        expect(got!.timestampsMs).toEqual([T0 - HOUR, T0, T0 + HOUR]);
        expect(await store.findSeries({ tenant: 'default', name: 'g', startMs: T0 + 2 * DAY, endMs: T0 + 3 * DAY, limit: 10 })).toEqual([]);
        // A lookup without a range covers the store's default look-back (days, not all time).
        expect((await store.getTrace('default', traceId(1))).map((x) => x.spanId)).toEqual([spanId(1)]);
        expect(await store.readSamples({ tenant: 'default', fingerprints: [s.fingerprint], startMs: T0 + 1, endMs: T0 + 2, limit: 10 })).toEqual([]);
      });

      it('stores a batch that spans midnight in both days', async () => {
        const midnight = Date.UTC(2026, 10, 24);
        await writeSpans('default', [
          { traceId: traceId(1), spanId: spanId(1), startMs: midnight - 5 },
          { traceId: traceId(1), spanId: spanId(2), parentSpanId: spanId(1), startMs: midnight + 5 },
        ]);
        await writeLogs('default', [{ timeMs: midnight - 1, body: 'before' }, { timeMs: midnight + 1, body: 'after' }]);
        expect((await store.getTrace('default', traceId(1), around(midnight))).map((s) => s.spanId)).toEqual([spanId(1), spanId(2)]);
        expect((await store.searchLogs({ tenant: 'default', ...around(midnight), limit: 10 })).logs.map((l) => l.body)).toEqual(['after', 'before']);
        const [summary] = await store.searchTraces({ tenant: 'default', ...around(midnight), limit: 10 });
        expect(summary).toMatchObject({ spanCount: 2, durationNs: String(ns(20)) });
      });
    });

    describe('trace search', () => {
      beforeEach(async () => {
        // t1: frontend -> cart (error), 300 ms, starts first
        // t2: no span without a parent (the earliest span is the root), checkout only, 50 ms
        // t3: frontend -> payments -> db, 1200 ms, newest
        await writeSpans('default', [
          { traceId: traceId(1), spanId: spanId(11), service: 'frontend', name: 'GET /cart', startMs: T0, durationMs: 300, kind: 2, attributes: { 'http.route': '/cart' } },
          { traceId: traceId(1), spanId: spanId(12), parentSpanId: spanId(11), service: 'cart', name: 'cart.get', startMs: T0 + 10, durationMs: 200, kind: 2, statusCode: 2, attributes: { 'user.id': 'u1' } },
          { traceId: traceId(2), spanId: spanId(21), parentSpanId: spanId(99), service: 'checkout', name: 'late-child', startMs: T0 + 1000, durationMs: 20, kind: 1 },
          { traceId: traceId(2), spanId: spanId(22), parentSpanId: spanId(98), service: 'checkout', name: 'checkout.run', startMs: T0 + 990, durationMs: 50, kind: 2 },
          { traceId: traceId(3), spanId: spanId(31), service: 'frontend', name: 'POST /pay', startMs: T0 + 2000, durationMs: 1200, kind: 2, resource: { 'service.name': 'frontend', 'deployment.environment': 'prod' } },
          { traceId: traceId(3), spanId: spanId(32), parentSpanId: spanId(31), service: 'payments', name: 'charge', startMs: T0 + 2100, durationMs: 900, kind: 2, attributes: { 'user.id': 'u1', amount: 20 } },
          { traceId: traceId(3), spanId: spanId(33), parentSpanId: spanId(32), service: 'payments', name: 'SELECT', startMs: T0 + 2200, durationMs: 100, kind: 3, dbSystem: 'postgresql' },
        ]);
      });
      const q = (extra: object = {}) => ({ tenant: 'default', ...around(T0), limit: 20, ...extra });
      const ids = async (extra: object = {}) => (await store.searchTraces(q(extra))).map((t) => t.traceId);

      it('summarises traces newest first', async () => {
        expect(await store.searchTraces(q())).toEqual([
          { traceId: traceId(3), rootService: 'frontend', rootOperation: 'POST /pay', startTimeUnixNano: String(ns(T0 + 2000)), durationNs: String(ns(1200)), spanCount: 3, errorCount: 0, services: ['frontend', 'payments'] },
          { traceId: traceId(2), rootService: 'checkout', rootOperation: 'checkout.run', startTimeUnixNano: String(ns(T0 + 990)), durationNs: String(ns(50)), spanCount: 2, errorCount: 0, services: ['checkout'] },
          { traceId: traceId(1), rootService: 'frontend', rootOperation: 'GET /cart', startTimeUnixNano: String(ns(T0)), durationNs: String(ns(300)), spanCount: 2, errorCount: 1, services: ['cart', 'frontend'] },
        ]);
      });

      it('filters by service, operation, duration, status and attributes', async () => {
        expect(await ids({ service: 'payments' })).toEqual([traceId(3)]);
        expect(await ids({ service: 'frontend' })).toEqual([traceId(3), traceId(1)]);
        expect(await ids({ operation: 'cart.get' })).toEqual([traceId(1)]);
        // service and operation describe the same span
        expect(await ids({ service: 'frontend', operation: 'cart.get' })).toEqual([]);
        expect(await ids({ minDurationNs: ns(300) })).toEqual([traceId(3), traceId(1)]);
        expect(await ids({ maxDurationNs: ns(300) })).toEqual([traceId(2), traceId(1)]);
        expect(await ids({ minDurationNs: ns(51), maxDurationNs: ns(1000) })).toEqual([traceId(1)]);
        expect(await ids({ minDurationNs: ns(50), maxDurationNs: ns(50) })).toEqual([traceId(2)]);
        expect(await ids({ status: 'error' })).toEqual([traceId(1)]);
        expect(await ids({ status: 'ok' })).toEqual([traceId(3), traceId(2)]);
        expect(await ids({ attributes: { 'user.id': 'u1' } })).toEqual([traceId(3), traceId(1)]);
        expect(await ids({ attributes: { 'user.id': 'u1', amount: '20' } })).toEqual([traceId(3)]);
        expect(await ids({ attributes: { 'user.id': 'u1', 'http.route': '/cart' } })).toEqual([]);
        expect(await ids({ attributes: { 'deployment.environment': 'prod' } })).toEqual([traceId(3)]);
        expect(await ids({ service: 'cart', attributes: { 'user.id': 'u1' }, status: 'error' })).toEqual([traceId(1)]);
        expect(await ids({ limit: 2 })).toEqual([traceId(3), traceId(2)]);
      });

      it('treats filter text as data, never as SQL or JSON path', async () => {
        const hostile = ["x' OR '1'='1", '"; DROP TABLE spans; --', '$.*', '\\', '%', '_'];
        for (const text of hostile) {
          expect(await ids({ service: text })).toEqual([]);
          expect(await ids({ attributes: { [text]: text } })).toEqual([]);
        }
        await writeSpans('default', [{ traceId: traceId(4), spanId: spanId(41), startMs: T0 + 3000, attributes: { "we'ird.key/with~chars\"": "va'lue" } }]);
        expect(await ids({ attributes: { "we'ird.key/with~chars\"": "va'lue" } })).toEqual([traceId(4)]);
        expect(await ids()).toHaveLength(4);
      });

      it('lists services, operations and service stats', async () => {
        const r = around(T0);
        expect(await store.listServices('default', r)).toEqual(['cart', 'checkout', 'frontend', 'payments']);
        expect(await store.listOperations('default', 'payments', r)).toEqual([
          { name: 'SELECT', spanKind: 3 },
          { name: 'charge', spanKind: 2 },
        ]);
        const stats = await store.serviceStats('default', rangeMs(T0, T0 + 4000), 4);
        expect(stats.map((s) => [s.name, s.spanCount, s.errorCount])).toEqual([
          ['cart', 1, 1],
          ['checkout', 1, 0],
          ['frontend', 2, 0],
          ['payments', 1, 0],
        ]);
        const frontend = stats.find((s) => s.name === 'frontend')!;
        expect(frontend.ratePerSec).toBeCloseTo(2 / 4, 6);
        expect(frontend.sparkline.t).toEqual([T0, T0 + 1000, T0 + 2000, T0 + 3000]);
        expect(frontend.sparkline.rate).toEqual([1, 0, 1, 0]);
        expect(frontend.p99Ms).toBeGreaterThanOrEqual(300);
        expect(stats.find((s) => s.name === 'cart')!.errorRatio).toBe(1);
      });
    });

    describe('log search', () => {
      beforeEach(async () => {
        await writeLogs('default', [
          { timeMs: T0, severityNumber: 5, severityText: 'DEBUG', body: 'cache warm', service: 'cart' },
          { timeMs: T0 + 1, severityNumber: 9, severityText: 'INFO', body: 'Order PLACED for 100% of items', service: 'checkout', attributes: { 'order.id': 'o-1' } },
          { timeMs: T0 + 2, severityNumber: 13, severityText: 'WARN', body: 'slow_query took 2s', service: 'cart', traceId: traceId(7) },
          { timeMs: T0 + 3, severityNumber: 17, severityText: 'ERROR', body: { error: 'payment declined', code: 51 }, service: 'payments', traceId: traceId(7), resource: { 'service.name': 'payments', region: 'eu-west' } },
          { timeMs: T0 + 4, severityNumber: 21, severityText: 'FATAL', body: 'out of memory', service: 'payments' },
        ]);
      });
      const bodies = async (extra: object) => (await store.searchLogs({ tenant: 'default', ...around(T0), limit: 50, ...extra })).logs.map((l) => (typeof l.body === 'string' ? l.body : JSON.stringify(l.body)));

      it('filters by service, severity, trace, text and attributes', async () => {
        expect(await bodies({ service: 'cart' })).toEqual(['slow_query took 2s', 'cache warm']);
        expect(await bodies({ severityMin: 17 })).toEqual(['out of memory', '{"error":"payment declined","code":51}']);
        expect(await bodies({ severityText: 'warn' })).toEqual(['slow_query took 2s']);
        expect(await bodies({ traceId: traceId(7).toUpperCase() })).toHaveLength(2);
        expect(await bodies({ text: 'order placed' })).toEqual(['Order PLACED for 100% of items']);
        expect(await bodies({ text: '100%' })).toEqual(['Order PLACED for 100% of items']);
        expect(await bodies({ text: 'slow_q' })).toEqual(['slow_query took 2s']);
        expect(await bodies({ text: 's_ow' })).toEqual([]);
        expect(await bodies({ text: 'DECLINED' })).toEqual(['{"error":"payment declined","code":51}']);
        expect(await bodies({ attributes: { 'order.id': 'o-1' } })).toEqual(['Order PLACED for 100% of items']);
        expect(await bodies({ attributes: { region: 'eu-west' } })).toEqual(['{"error":"payment declined","code":51}']);
        expect(await bodies({ service: 'payments', severityMin: 18 })).toEqual(['out of memory']);
        expect(await bodies({ text: "' OR 1=1 --" })).toEqual([]);
      });

      it('counts severities per bucket', async () => {
        const h = await store.logHistogram({ tenant: 'default', ...rangeMs(T0, T0 + 10), limit: 1 }, 2);
        expect(h.stepMs).toBe(5);
        expect(h.buckets).toEqual([
          { t: T0, counts: { trace: 0, debug: 1, info: 1, warn: 1, error: 1, fatal: 1, unspecified: 0 } },
          { t: T0 + 5, counts: { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unspecified: 0 } },
        ]);
        const cart = await store.logHistogram({ tenant: 'default', ...rangeMs(T0, T0 + 10), service: 'cart', limit: 1 }, 1);
        expect(cart.buckets[0]!.counts).toMatchObject({ debug: 1, warn: 1, info: 0 });
      });

      it('pages with a cursor that stays stable while rows keep arriving', async () => {
        const base = T0 + 10_000;
        // 25 records, several sharing one timestamp
        await writeLogs('default', Array.from({ length: 25 }, (_, i) => ({ timeMs: base + Math.floor(i / 3), body: `m${i}` })));
        const q = { tenant: 'default', ...rangeMs(base, base + HOUR), limit: 10 };
        const first = await store.searchLogs(q);
        expect(first.logs).toHaveLength(10);
        expect(first.nextCursor).toBeDefined();
        // Arrivals between pages: newer records, records sharing the cursor's timestamp, an old one.
        const cursorTime = Number(BigInt(first.logs[9]!.timeUnixNano) / 1_000_000n);
        await writeLogs('default', [
          { timeMs: base + 100, body: 'newer' },
          { timeMs: cursorTime, body: 'same-time-as-cursor' },
          { timeMs: base - 1, body: 'outside-range' },
        ]);
        const second = await store.searchLogs({ ...q, cursor: first.nextCursor });
        const third = await store.searchLogs({ ...q, cursor: second.nextCursor });
        expect(third.nextCursor).toBeUndefined();
        const seen = [...first.logs, ...second.logs, ...third.logs].map((l) => l.body as string);
        const original = seen.filter((b) => b.startsWith('m'));
        expect(new Set(original).size).toBe(25);
        expect(seen).not.toContain('newer');
        expect(seen.length).toBe(new Set(seen).size);
        const times = [...first.logs, ...second.logs, ...third.logs].map((l) => BigInt(l.timeUnixNano));
        expect(times).toEqual([...times].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
        await expect(store.searchLogs({ ...q, cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
      });
    });

    describe('retention', () => {
      it('drops whole expired days, keeps recent ones, and the data directory stops growing', async () => {
        const keep = { tracesDays: 3, logsDays: 3, metricsDays: 3 };
        const stable = series('requests_total', { job: 'api' });
        const disk: number[] = [];
        const start = Date.UTC(2026, 10, 1, 12);
        for (let day = 0; day < 21; day++) {
          now = start + day * DAY;
          const daily = series('churn', { pod: `pod-${day}` });
          const spans: SpanInput[] = [];
          const logs: LogInput[] = [];
          const points = [];
          for (let i = 0; i < 300; i++) {
            const t = now - HOUR + i * 1000;
            spans.push({ traceId: traceId(day * 1000 + Math.floor(i / 3) + 1), spanId: spanId(day * 1000 + i + 1), startMs: t, attributes: { i, day }, service: `svc-${i % 4}` });
            logs.push({ timeMs: t, body: `day ${day} line ${i}`, attributes: { i } });
            points.push({ series: i % 2 ? stable : daily, timeMs: t, value: i });
          }
          await writeSpans('default', spans);
          await writeLogs('default', logs);
          expect(await store.writeSamples([sampleBatch('default', points)])).toMatchObject({ status: 'ok' });
          const results = await store.applyRetention(keep, now);
          expect(results.map((r) => r.signal)).toEqual(['traces', 'logs', 'metrics']);
          if (day >= 4) for (const r of results) expect(r.droppedPartitions).toHaveLength(1);
          const stats = await store.stats();
          expect(stats.partitions).toBeLessThanOrEqual(3 * (keep.tracesDays + 1));
          disk.push(stats.diskBytes);
        }
        const stats = await store.stats();
        expect(stats).toMatchObject({ spans: 4 * 300, logs: 4 * 300, samples: 4 * 300 });
        // churned series of expired days left the catalog
        expect(stats.series).toBeLessThanOrEqual(keep.metricsDays + 2);
        // plateau: the last week is no bigger than the week before it (small slack for file layout)
        if (process.env.SL_DEBUG_DISK) console.log(disk.join(' '));
        const weekMax = (from: number) => Math.max(...disk.slice(from, from + 7));
        expect(weekMax(14)).toBeLessThanOrEqual(weekMax(7) * 1.2);
        // expired days are gone, recent ones remain
        const oldDay = start + 2 * DAY;
        const all = rangeMs(start - DAY, now + DAY);
        expect(await store.getTrace('default', traceId(2 * 1000 + 1), all)).toEqual([]);
        expect((await store.searchLogs({ tenant: 'default', ...around(oldDay, 2 * HOUR), limit: 10 })).logs).toEqual([]);
        expect(await store.readSamples({ tenant: 'default', fingerprints: [stable.fingerprint], startMs: oldDay - 2 * HOUR, endMs: oldDay + 2 * HOUR, limit: 10 })).toEqual([]);
        expect(await store.getTrace('default', traceId(20 * 1000 + 1), all)).toHaveLength(3);
        expect((await store.searchLogs({ tenant: 'default', ...around(now, 2 * HOUR), limit: 1000 })).logs).toHaveLength(300);
        const recent = await store.readSamples({ tenant: 'default', fingerprints: [stable.fingerprint], startMs: now - 3 * DAY - 2 * HOUR, endMs: now, limit: 10_000 });
        expect(recent[0]!.values).toHaveLength(4 * 150);
        expect(await store.findSeries({ tenant: 'default', name: 'churn', startMs: start, endMs: now + DAY, limit: 100 })).toHaveLength(4);
      }, 120_000);

      it('lets queries and writes run while retention drops days', async () => {
        now = T0 + 10 * DAY;
        await writeSpans('default', [{ traceId: traceId(1), spanId: spanId(1), startMs: T0 }]);
        await writeSpans('default', [{ traceId: traceId(2), spanId: spanId(2), startMs: now }]);
        const running = store.applyRetention({ tracesDays: 2, logsDays: 2, metricsDays: 2 }, now);
        const [write, read] = await Promise.all([
          store.writeSpans([spanBatch('default', [{ traceId: traceId(3), spanId: spanId(3), startMs: now + 1 }])]),
          store.searchTraces({ tenant: 'default', ...around(now), limit: 10 }),
        ]);
        expect(write.status).toBe('ok');
        expect(read.length).toBeGreaterThanOrEqual(1);
        expect((await running)[0]!.droppedPartitions).toHaveLength(1);
        expect(await store.getTrace('default', traceId(1), around(T0))).toEqual([]);
      });
    });

    describe('durability across restarts', () => {
      it('keeps data after close and reopen, and keeps ordering for new writes', async () => {
        await writeSpans('default', [{ traceId: traceId(1), spanId: spanId(1), startMs: T0, name: 'op1' }]);
        await writeLogs('default', [{ timeMs: T0, body: 'before-1' }, { timeMs: T0, body: 'before-2' }]);
        const s = series('up');
        await store.writeSamples([sampleBatch('default', [{ series: s, timeMs: T0, value: 1 }], { metadata: [{ name: 'up', type: 'gauge', unit: '', help: 'h' }] })]);
        await store.close();
        store = await harness.open(clock);
        expect((await store.getTrace('default', traceId(1), around(T0))).map((x) => x.name)).toEqual(['op1']);
        await writeSpans('default', [{ traceId: traceId(2), spanId: spanId(2), startMs: T0 + 1, name: 'op1' }]);
        await writeLogs('default', [{ timeMs: T0, body: 'after-1' }]);
        expect(await store.listOperations('default', 'svc', around(T0))).toEqual([{ name: 'op1', spanKind: 2 }]);
        const page1 = await store.searchLogs({ tenant: 'default', ...around(T0), limit: 1 });
        const page2 = await store.searchLogs({ tenant: 'default', ...around(T0), limit: 5, cursor: page1.nextCursor });
        expect([...page1.logs, ...page2.logs].map((l) => l.body)).toEqual(['after-1', 'before-2', 'before-1']);
        expect(await store.metricNames('default', T0 - HOUR, T0 + HOUR)).toEqual([{ name: 'up', type: 'gauge', unit: '', help: 'h' }]);
        expect((await store.readSamples({ tenant: 'default', fingerprints: [s.fingerprint], startMs: T0, endMs: T0, limit: 5 }))[0]!.values).toEqual([1]);
        expect(await store.stats()).toMatchObject({ spans: 2, logs: 3, samples: 1, series: 1 });
      });

      it('refuses writes after close with a failed result, not an exception', async () => {
        await store.close();
        const r = await store.writeSpans([spanBatch('default', [{ traceId: traceId(1), spanId: spanId(1), startMs: T0 }])]);
        expect(r.status).toBe('failed');
        store = await harness.open(clock);
      });
    });

    describe('group-commit writer on this store', () => {
      function counting(target: Store) {
        const calls = { spans: 0, batches: 0 };
        const proxy = new Proxy(target, {
          get(t, key) {
            if (key === 'writeSpans') {
              return (batches: Parameters<Store['writeSpans']>[0]) => {
                calls.spans++;
                calls.batches += batches.length;
                return t.writeSpans(batches);
              };
            }
            const v: unknown = Reflect.get(t, key);
            return typeof v === 'function' ? v.bind(t) : v;
          },
        });
        return { proxy, calls };
      }

      it('commits concurrent requests together and answers only after the commit', async () => {
        const { proxy, calls } = counting(store);
        const writer = createWriter(proxy, { flushIntervalMs: 30, maxQueueRows: 10_000, maxBatchRows: 10_000 });
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => writer.write(spanBatch('default', [{ traceId: traceId(i + 1), spanId: spanId(i + 1), startMs: T0 + i }]))),
        );
        expect(results).toEqual(Array.from({ length: 6 }, () => ({ status: 'ok', rows: 1 })));
        expect(calls).toEqual({ spans: 1, batches: 6 });
        // acknowledged means readable (committed)
        expect(await store.searchTraces({ tenant: 'default', ...around(T0), limit: 10 })).toHaveLength(6);
        expect(writer.stats()).toMatchObject({ commits: 1, rowsWritten: 6, queueRows: 0 });
        await writer.close();
      });

      it('answers retryable when the queue is full and recovers once it drains', async () => {
        const writer = createWriter(store, { flushIntervalMs: 20, maxQueueRows: 10, maxBatchRows: 1000 });
        const big = (id: number) => spanBatch('default', Array.from({ length: 8 }, (_, i) => ({ traceId: traceId(id), spanId: spanId(id * 100 + i), startMs: T0 + i })));
        const first = writer.write(big(1));
        const refused = await writer.write(big(2));
        expect(refused).toMatchObject({ status: 'retryable' });
        expect((refused as { afterMs: number }).afterMs).toBeGreaterThan(0);
        expect(await first).toEqual({ status: 'ok', rows: 8 });
        expect(await writer.write(big(2))).toEqual({ status: 'ok', rows: 8 });
        expect(writer.stats()).toMatchObject({ rejectedRequests: 1, rowsWritten: 16 });
        await writer.close();
      });

      it('commits everything queued on close', async () => {
        const writer = createWriter(store, { flushIntervalMs: 60_000, maxQueueRows: 10_000, maxBatchRows: 10_000 });
        const pending = [
          writer.write(spanBatch('default', [{ traceId: traceId(1), spanId: spanId(1), startMs: T0 }])),
          writer.write(logBatch('default', [{ timeMs: T0, body: 'queued' }])),
          writer.write(sampleBatch('default', [{ series: series('up'), timeMs: T0, value: 1 }])),
        ];
        await writer.close();
        expect((await Promise.all(pending)).map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
        expect(await store.stats()).toMatchObject({ spans: 1, logs: 1, samples: 1 });
        expect((await writer.write(spanBatch('default', [{ traceId: traceId(2), spanId: spanId(2), startMs: T0 }]))).status).toBe('retryable');
      });

      it('answers failed for every request of a failed commit', async () => {
        const writer = createWriter(store, { flushIntervalMs: 20, maxQueueRows: 10_000, maxBatchRows: 10_000 });
        await store.close();
        const results = await Promise.all([
          writer.write(spanBatch('default', [{ traceId: traceId(1), spanId: spanId(1), startMs: T0 }])),
          writer.write(spanBatch('default', [{ traceId: traceId(2), spanId: spanId(2), startMs: T0 }])),
        ]);
        expect(results.map((r) => r.status)).toEqual(['failed', 'failed']);
        expect(writer.stats()).toMatchObject({ failedCommits: 1, rowsWritten: 0, queueRows: 0 });
        await writer.close();
        store = await harness.open(clock);
      });
    });
  });
}
