#!/usr/bin/env node
// Logger throughput: @sightline/sdk logger vs pino, same log line, same process, same sink.
// Usage: node bench/sdk-logger.mjs [--iterations N] [--rounds R]
// Needs: npm run build -w @sightline/sdk (or npx tsc -p packages/sdk/tsconfig.build.json).
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { openSync } from 'node:fs';
import { createLogger, FdDestination, withCorrelation } from '../packages/sdk/dist/index.js';

const require = createRequire(new URL('../packages/sdk/package.json', import.meta.url));
const pino = require('pino');

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
const N = Number(values.iterations);
const ROUNDS = Number(values.rounds);

// Both loggers write into the same kind of sink: a counting no-op, so the benchmark measures
// formatting and logger overhead, not the disk.
let bytes = 0;
const sink = { write: (s) => { bytes += s.length; return true; } };
const pinoLogger = pino({ base: { service: 'bench' } }, new Writable({ write(chunk, _e, cb) { bytes += chunk.length; cb(); } }));
pinoLogger[pino.symbols.streamSym] = sink; // pino calls stream.write(line); bypass Writable overhead
const sdkDefault = createLogger({ serviceName: 'bench', destination: sink, otlp: false });
const sdkNoRedact = createLogger({ serviceName: 'bench', destination: sink, otlp: false, redaction: { enabled: false } });

// Real file descriptor output (/dev/null): pino's sonic-boom vs the SDK's batched fd writer.
const pinoFd = pino({ base: { service: 'bench' } }, pino.destination({ dest: '/dev/null', sync: true, minLength: 4096 }));
const sdkFd = createLogger({ serviceName: 'bench', destination: new FdDestination(openSync('/dev/null', 'w')), otlp: false });

const fields = { userId: 42, path: '/api/orders', durationMs: 12.5, ok: true };
const cases = {
  'pino': () => pinoLogger.info(fields, 'request completed'),
  'sdk (redaction on)': () => sdkDefault.info('request completed', fields),
  'sdk (redaction off)': () => sdkNoRedact.info('request completed', fields),
  'pino child': (() => { const c = pinoLogger.child({ component: 'orders' }); return () => c.info(fields, 'request completed'); })(),
  'sdk child (redaction on)': (() => { const c = sdkDefault.child({ component: 'orders' }); return () => c.info('request completed', fields); })(),
  'pino -> /dev/null': () => pinoFd.info(fields, 'request completed'),
  'sdk -> /dev/null': () => sdkFd.info('request completed', fields),
  // The SDK also reads correlation/trace ids from AsyncLocalStorage; this case runs with one bound.
  'sdk in correlation ctx': () => sdkDefault.info('request completed', fields),
};

function run(fn) {
  for (let i = 0; i < 20_000; i++) fn(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0);
  return (N / ns) * 1e9;
}

// Sanity: both produce a line with the same content.
let sample = '';
const capture = { write: (s) => { sample = s; } };
createLogger({ serviceName: 'bench', destination: capture, otlp: false }).info('request completed', fields);
console.log(`sdk line:  ${sample.trim()}`);
const pinoSample = pino({ base: { service: 'bench' } }, capture);
pinoSample.info(fields, 'request completed');
console.log(`pino line: ${sample.trim()}`);
console.log(`node ${process.version}, ${N} lines x ${ROUNDS} rounds, interleaved; median ops/s:`);

const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(cases)) {
    results[name].push(name === 'sdk in correlation ctx' ? withCorrelation('c-123', () => run(fn)) : run(fn));
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const pinoOps = median(results.pino);
const pinoChildOps = median(results['pino child']);
for (const [name, list] of Object.entries(results)) {
  const m = median(list);
  const ref = name.includes('child') ? pinoChildOps : name.includes('/dev/null') ? median(results['pino -> /dev/null']) : pinoOps;
  console.log(`${name.padEnd(26)} ${Math.round(m).toLocaleString('en-US').padStart(12)} ops/s   ${(m / ref).toFixed(2)}x pino`);
}
if (bytes === 0) throw new Error('nothing written');
