// An acknowledged write survives kill -9. A child process runs the real store and writer,
// prints each acknowledgement, and is killed without warning mid-stream; the test then opens
// the same data directory and finds every acknowledged row.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { prepareStorageChild, runUntilKilled } from '../helpers/storage-child.js';
import { createDuckDbStore } from '../../src/storage/index.js';
import { hex, ns, series } from './batch-helpers.js';

const T0 = Date.UTC(2026, 10, 23, 12);
let work: string | undefined;

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const CHILD = `
import { createDuckDbStore, createWriter } from './build/storage/index.js';
const [dataDir, t0, fp] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const store = await createDuckDbStore({ dataDir, clock: () => t0 });
const writer = createWriter(store, { flushIntervalMs: 10 });
const hex = (n, w) => n.toString(16).padStart(w, '0');
function spans(i) {
  const n = 20;
  const b = { kind: 'spans', tenant: 'default', length: n, traceId: [], spanId: [], parentSpanId: [], traceState: [], flags: new Uint32Array(n), name: [],
    spanKind: new Uint8Array(n), startNs: new BigInt64Array(n), endNs: new BigInt64Array(n), durationNs: new BigInt64Array(n), statusCode: new Uint8Array(n),
    statusMessage: [], attributes: [], events: [], links: [], droppedAttributesCount: new Uint32Array(n), droppedEventsCount: new Uint32Array(n),
    droppedLinksCount: new Uint32Array(n), serviceName: [], httpRoute: [], httpStatusCode: new Uint16Array(n), dbSystem: [], scopeName: [], scopeVersion: [], resourceAttributes: [] };
  for (let k = 0; k < n; k++) {
    b.traceId.push(hex(i + 1, 32)); b.spanId.push(hex(i * 100 + k + 1, 16)); b.parentSpanId.push(''); b.traceState.push(''); b.name.push('op');
    b.startNs[k] = BigInt(t0 + i) * 1000000n; b.endNs[k] = b.startNs[k] + 5n; b.durationNs[k] = 5n; b.statusMessage.push('');
    b.attributes.push('{"i":' + i + '}'); b.events.push('[]'); b.links.push('[]'); b.serviceName.push('crash'); b.httpRoute.push(''); b.dbSystem.push('');
    b.scopeName.push(''); b.scopeVersion.push(''); b.resourceAttributes.push('{}');
  }
  return b;
}
function log(i) {
  return { kind: 'logs', tenant: 'default', length: 1, timeNs: BigInt64Array.of(BigInt(t0 + i) * 1000000n), observedTimeNs: BigInt64Array.of(0n),
    severityNumber: Uint8Array.of(9), severityText: ['INFO'], body: [JSON.stringify('ack ' + i)], bodyText: ['ack ' + i], attributes: ['{}'],
    droppedAttributesCount: Uint32Array.of(0), traceId: [''], spanId: [''], flags: Uint32Array.of(0), eventName: [''], serviceName: ['crash'],
    scopeName: [''], scopeVersion: [''], resourceAttributes: ['{}'] };
}
function sample(i) {
  return { kind: 'samples', tenant: 'default', length: 1, fingerprint: Float64Array.of(fp), timeMs: Float64Array.of(t0 + i), value: Float64Array.of(i),
    series: [{ fingerprint: fp, name: 'crash', labels: { __name__: 'crash' } }], metadata: [], expHistograms: [], exemplars: [] };
}
let next = 0;
async function loop() {
  for (;;) {
    const i = next++;
    const results = await Promise.all([writer.write(spans(i)), writer.write(log(i)), writer.write(sample(i))]);
    if (results.every((r) => r.status === 'ok')) process.stdout.write('ACK ' + i + '\\n');
  }
}
for (let k = 0; k < 8; k++) void loop();
`;

it('keeps every acknowledged write after kill -9', async () => {
  work = await mkdtemp(join(tmpdir(), 'sightline-crash-'));
  const dataDir = join(work, 'data');
  const childScript = await prepareStorageChild(work, CHILD);

  const fp = series('crash').fingerprint;
  const acked = new Set<number>();
  await runUntilKilled(childScript, [dataDir, String(T0), String(fp)], (line, child) => {
    if (line.startsWith('ACK ')) acked.add(Number(line.slice(4)));
    // Kill while commits are in flight: 8 loops keep writing.
    if (acked.size >= 200) child.kill('SIGKILL');
  });

  const store = await createDuckDbStore({ dataDir, clock: () => T0 });
  try {
    // Stage files of the writes the kill interrupted are gone once the store opened again.
    expect(readdirSync(join(dataDir, '.stage'))).toEqual([]);
    const range = { startNs: ns(T0 - 1000), endNs: ns(T0 + 3_600_000) };
    const logs = await store.searchLogs({ tenant: 'default', ...range, limit: 100_000 });
    const loggedAcks = new Set(logs.logs.map((l) => Number(String(l.body).slice(4))));
    const [samples] = await store.readSamples({ tenant: 'default', fingerprints: [fp], startMs: T0, endMs: T0 + 3_600_000, limit: 1_000_000 });
    const sampled = new Set(samples?.values);
    const missing: string[] = [];
    for (const i of acked) {
      if (!loggedAcks.has(i)) missing.push(`log ${i}`);
      if (!sampled.has(i)) missing.push(`sample ${i}`);
    }
    // Spans: every acknowledged trace holds all 20 of its spans.
    for (const i of [...acked].slice(-25)) {
      const trace = await store.getTrace('default', hex(i + 1, 32), range);
      if (trace.length !== 20) missing.push(`trace ${i} has ${trace.length} spans`);
    }
    expect(missing).toEqual([]);
    expect((await store.stats()).spans).toBeGreaterThanOrEqual(acked.size * 20);
  } finally {
    await store.close();
  }
});
