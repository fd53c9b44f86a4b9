#!/usr/bin/env node
// Shares of a server's non-idle CPU by category, from a .cpuprofile of bench/sdk-http-profile.mjs:
// the innermost SDK/OpenTelemetry frame of each sample decides; time spent in Node's own code
// below the SDK's pass-through wrappers (server emit, res.write/end/emit, context.with) counts
// as Node's. Usage: node bench/sdk-profile-categories.mjs <file.cpuprofile>
import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfT = new Map(); let total = 0, idle = 0;
for (let i = 0; i < p.samples.length; i++) { const id = p.samples[i]; const d = p.timeDeltas[i] ?? 0; selfT.set(id, (selfT.get(id) ?? 0) + d); }
const cats = new Map();
const add = (k, t) => cats.set(k, (cats.get(k) ?? 0) + t);
for (const [id, t] of selfT) {
  const leaf = byId.get(id).callFrame;
  if (leaf.functionName === '(idle)') { idle += t; continue; }
  total += t;
  // startup (module loading) excluded
  let cur = id, stack = [];
  while (cur !== undefined) { stack.push(byId.get(cur).callFrame); cur = parent.get(cur); }
  if (stack.some(f => /loader|esm\/|compileForInternalLoader|wrapSafe|waitForWorker/.test(f.url + f.functionName) && /modules|bootstrap/.test(f.url))) { add('startup (module loading)', t); continue; }
  const isSdk = f => /packages\/sdk\/dist\/|\.sdk-[a-z]+\/packages\/sdk\/dist\/|node_modules\/@opentelemetry\//.test(f.url);
  const idx = stack.findIndex(isSdk);
  const asyncHook = stack.slice(0, idx === -1 ? stack.length : idx).some(f => /async_hooks/.test(f.url) && /emitInit|init|_propagate|lookupPublicResource|executionAsyncResource|emitBefore|emitAfter|run|getStore/.test(f.functionName));
  if (idx === -1) { add(asyncHook ? 'AsyncLocalStorage hooks (context propagation)' : stack[0].functionName === '(garbage collector)' || stack[0].functionName === '(program)' ? 'GC and (program)' : 'Node, handler (no SDK frame)', t); continue; }
  const f = stack[idx];
  const u = f.url, fn = f.functionName;
  const passThrough = (/http-server-instrumentation/.test(u) && (fn === 'emit' || fn === 'emitOn')) || (/request-observer/.test(u) && /^(write|end|emit)$/.test(fn)) || (/context\.js|AsyncLocalStorageContextManager/.test(u) && fn === 'with');
  if (passThrough && idx > 0) { add(asyncHook ? 'AsyncLocalStorage hooks (context propagation)' : 'Node, handler (under SDK wrappers)', t); continue; }
  const all = stack.map(s => s.functionName + ' ' + s.url).join('|');
  let k;
  if (/serializ|encodeTraceExportRequest|otlp-exporter-base|otlp-transformer|doExport|_flushOneBatch/.test(all)) k = 'span export (encode + send)';
  else if (/startSpan|startServerSpan|ServerSpan .*server-span\.js/.test(all)) k = 'startSpan (ids, sampler, span object)';
  else if (/SpanImpl.*end|Span\.js.*|BatchSpanProcessor|MultiSpanProcessor|server-span\.js/.test(fn + ' ' + u) || / end .*Span\.js/.test(all)) k = 'span end, attributes';
  else if (/http-red|local-histogram|sdk-metrics|cardinality/.test(all)) k = 'RED metrics';
  else if (/propagation|composite|W3C|correlation|randomUUID/.test(all)) k = 'propagation extract, correlation id';
  else if (/context\.js|context-utils|rpc-metadata|AsyncLocalStorageContextManager/.test(u)) k = 'contexts (set span, metadata, with)';
  else if (/request-observer|http-server-instrumentation/.test(u)) k = 'request bookkeeping (observer, wrappers)';
  else k = 'other SDK/OTel: ' + (fn || '(anon)') + ' ' + u.replace(/.*node_modules\//, '').replace(/.*dist\//, 'sdk/');
  add(k, t);
}
console.log(`non-idle ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`);
const rows = [...cats].sort((a, b) => b[1] - a[1]);
let other = 0;
for (const [k, t] of rows) { if (k.startsWith('other SDK') && t / total < 0.004) { other += t; continue; } console.log(`${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`); }
console.log(`${(100 * other / total).toFixed(1).padStart(5)}%  other SDK/OTel (small items)`);
