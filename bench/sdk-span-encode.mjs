#!/usr/bin/env node
// OTLP/protobuf encoding of a batch of server spans like the SDK's (hello-world attributes),
// side by side: @opentelemetry/otlp-transformer's ProtobufTraceSerializer vs the SDK's
// encoder (packages/sdk/src/export/otlp-trace-serializer.ts). Both must give the same bytes.
// Interleaved rounds; prints µs per span (CPU time of this process) per round and the median.
// Usage: node bench/sdk-span-encode.mjs [--batch 512] [--rounds 7] [--ms 1000]
import { parseArgs } from 'node:util';
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { encodeTraceExportRequest } from '../packages/sdk/dist/export/otlp-trace-serializer.js';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '512' }, rounds: { type: 'string', default: '7' }, ms: { type: 'string', default: '1000' } } });
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'bench-hello', 'host.name': 'box', 'process.pid': 1234, 'process.runtime.name': 'nodejs', 'telemetry.sdk.language': 'nodejs' }),
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
const tracer = provider.getTracer('@sightline/sdk', '0.1.0');
const attrs = (full) => ({
  'http.response.status_code': 200,
  'network.protocol.version': '1.1',
  'correlation.id': crypto.randomUUID(),
  'server.address': '127.0.0.1',
  'server.port': 41234,
  ...(full ? { 'user_agent.original': 'node', 'network.peer.address': '127.0.0.1', 'client.address': '127.0.0.1', 'network.peer.port': 51234 } : {}),
});
const make = (full) => {
  exporter.reset();
  for (let i = 0; i < Number(values.batch); i++) {
    const s = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.scheme': 'http', 'url.path': '/' } });
    s.setAttributes(attrs(full));
    s.end();
  }
  return exporter.getFinishedSpans();
};
const sets = { full: make(true), lean: make(false) };
for (const spans of Object.values(sets)) {
  if (!Buffer.from(encodeTraceExportRequest(spans)).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)))) throw new Error('encoders disagree');
}
const cases = {
  'official, 12 attributes': () => ProtobufTraceSerializer.serializeRequest(sets.full),
  'sdk, 12 attributes': () => encodeTraceExportRequest(sets.full),
  'official, 8 attributes': () => ProtobufTraceSerializer.serializeRequest(sets.lean),
  'sdk, 8 attributes': () => encodeTraceExportRequest(sets.lean),
};
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < Number(values.rounds); r++) {
  for (const [name, fn] of Object.entries(cases)) {
    for (let i = 0; i < 20; i++) fn(); // warm
    const t0 = process.cpuUsage();
    const deadline = Date.now() + Number(values.ms);
    let n = 0;
    while (Date.now() < deadline) {
      fn();
      n++;
    }
    const cpu = process.cpuUsage(t0);
    results[name].push((cpu.user + cpu.system) / (n * Number(values.batch)));
  }
  console.log(`round ${r + 1} ` + Object.entries(results).map(([k, v]) => `${k}: ${v.at(-1).toFixed(3)}`).join('  '));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`node ${process.version}, batch ${values.batch} spans, CPU µs per span, median (min) of ${values.rounds} rounds:`);
for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(26)} ${median(v).toFixed(3)} (${Math.min(...v).toFixed(3)})`);
