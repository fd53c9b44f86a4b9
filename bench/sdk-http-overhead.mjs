#!/usr/bin/env node
// Overhead of @sightline/sdk on a hello-world node:http server: requests/s without and with
// the SDK. Cases (all run the same handler code):
//   plain  no SDK
//   sdk    `--import @sightline/sdk/register`, nothing else: the default init() (server span
//          per request, RED metrics, logs, OTLP export of traces, metrics and logs to a local
//          sink that accepts everything)
//   mw     the same plus the `instrumentHttpHandler` wrapper naming the route
//   als    no SDK, but the handler runs inside AsyncLocalStorage.run (the floor of any
//          context propagation on this Node version)
//   before another build of the SDK (--before <package dir>, e.g. an older commit built
//          elsewhere) run like `mw`: register + wrapper, for before/after in one run
//   prev   the --before build run like `sdk`: register only, the same handler as plain
//   --build name:<package dir>  an extra case: that build of the SDK run like `sdk` (repeatable,
//          e.g. one build per change, side by side in the same rounds)
//   --variant name:K=V[;K2=V2]  an extra `sdk` case with extra environment, e.g.
//          --variant 'sampled:OTEL_TRACES_SAMPLER=parentbased_traceidratio;OTEL_TRACES_SAMPLER_ARG=0.1'
// Servers run in child processes; load comes from a bounded keep-alive client in this process.
// Every round runs each case once, in a rotating order, to spread machine noise; medians.
// --work-ms N adds about N ms of synchronous CPU work per request (a less trivial handler).
// Extra environment for the SDK cases (e.g. SIGHTLINE_REQUEST_LOG=all) passes through.
// Usage: node bench/sdk-http-overhead.mjs [--seconds 5] [--connections 32] [--rounds 3]
//          [--cases plain,sdk,mw,prev] [--work-ms 0] [--before <dir with dist/>]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    cases: { type: 'string', default: 'plain,sdk,mw' },
    'work-ms': { type: 'string', default: '0' },
    'work-iterations': { type: 'string', default: '0' },
    before: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    build: { type: 'string', multiple: true, default: [] },
    child: { type: 'string' },
  },
});

// The result goes to `sink` so the optimiser cannot drop the loop body.
let sink = 0;
const spin = (n) => {
  let x = sink;
  for (let i = 0; i < n; i++) x = (x * 31 + i) | 0;
  sink = x;
};

if (values.child) {
  // Child mode: the server under test.
  // Handler work: a fixed number of loop iterations, the same for every case (calibrated once
  // in the parent, in CPU time: a wall-clock wait would burn however much CPU the scheduler
  // happens to give it on a busy machine).
  const iterations = Number(values['work-iterations']);
  let handler = (_req, res) => {
    if (iterations > 0) spin(iterations);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello world');
  };
  if (values.child === 'als') {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const als = new AsyncLocalStorage();
    const inner = handler;
    handler = (req, res) => als.run({ req }, inner, req, res);
  }
  if (values.child === 'mw' || values.child === 'before') {
    const dist = values.child === 'before' ? pathToFileURL(`${values.before}/dist/index.js`).href : '../packages/sdk/dist/index.js';
    const sdk = await import(dist);
    handler = sdk.instrumentHttpHandler(handler, { route: () => '/' });
  }
  const server = http.createServer(handler);
  let served = 0;
  server.on('request', () => served++);
  let cpuAtMark = process.cpuUsage();
  let servedAtMark = 0;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    // 'mark' after warm-up; 'stop' reports CPU spent per request since the mark.
    if (m === 'mark') {
      cpuAtMark = process.cpuUsage();
      servedAtMark = served;
    } else if (m === 'stop') {
      const cpu = process.cpuUsage(cpuAtMark);
      process.send({ cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, served - servedAtMark) });
      server.close(() => process.exit(0));
    }
  });
} else {
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  const self = fileURLToPath(import.meta.url);
  let workIterations = 0;
  if (Number(values['work-ms']) > 0) {
    spin(2e7); // warm up the loop first
    const calibration = 2e7;
    const before = process.cpuUsage();
    spin(calibration);
    const used = process.cpuUsage(before);
    workIterations = Math.round((calibration / ((used.user + used.system) / 1000)) * Number(values['work-ms']));
  }

  // OTLP sink: accepts and discards exports, like a fast collector would.
  let exports = 0;
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));

  // name -> extra environment of an `sdk` case
  const variants = new Map(
    values.variant.map((v) => {
      const [name, spec] = [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)];
      return [name, Object.fromEntries(spec.split(';').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))];
    }),
  );
  // name -> package dir of an extra build run like `sdk`
  const builds = new Map(values.build.map((b) => [b.slice(0, b.indexOf(':')), resolvePath(b.slice(b.indexOf(':') + 1))]));
  const startServer = (mode) =>
    new Promise((resolve) => {
      const before = values.before ? resolvePath(values.before) : undefined;
      const childArgs = [self, '--child', variants.has(mode) || builds.has(mode) || mode === 'prev' ? 'sdk' : mode, '--work-iterations', String(workIterations), ...(before ? ['--before', before] : [])];
      const register = builds.has(mode)
        ? pathToFileURL(`${builds.get(mode)}/dist/register.js`).href
        : mode === 'before' || mode === 'prev'
          ? pathToFileURL(`${before}/dist/register.js`).href
          : '@sightline/sdk/register';
      const args = mode === 'plain' || mode === 'als' ? childArgs : ['--import', register, ...childArgs];
      const child = spawn(process.execPath, args, {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: {
          ...process.env,
          OTEL_SERVICE_NAME: 'bench-hello',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}`,
          OTEL_METRIC_EXPORT_INTERVAL: '5000',
          ...variants.get(mode),
        },
      });
      child.once('message', (m) => resolve({ child, port: m.port }));
    });

  const load = async (port) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    const deadline = Date.now() + seconds * 1000;
    let done = 0;
    let errors = 0;
    const worker = async () => {
      while (Date.now() < deadline) {
        await new Promise((resolve) => {
          const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            res.resume();
            res.on('end', () => {
              done++;
              resolve();
            });
          });
          req.on('error', () => {
            errors++;
            resolve();
          });
        });
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: connections }, worker));
    agent.destroy();
    return { rps: done / ((Date.now() - t0) / 1000), errors };
  };

  const cases = [...values.cases.split(','), ...builds.keys(), ...variants.keys()];
  const results = Object.fromEntries(cases.map((c) => [c, []]));
  const cpu = Object.fromEntries(cases.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    const order = cases.map((_, i) => cases[(i + r) % cases.length]);
    for (const mode of r % 2 === 0 ? order : order.reverse()) {
      const { child, port } = await startServer(mode);
      await load(port).then(() => undefined); // warm-up run, same length
      child.send('mark');
      const { rps, errors } = await load(port);
      results[mode].push(rps);
      const report = new Promise((res) => child.once('message', res));
      child.send('stop');
      const { cpuUsPerRequest } = await report;
      cpu[mode].push(cpuUsPerRequest);
      console.log(`round ${r + 1} ${mode.padEnd(5)} ${Math.round(rps).toLocaleString('en-US').padStart(8)} req/s  server CPU ${cpuUsPerRequest.toFixed(1)} µs/request${errors ? ` (${errors} errors)` : ''}`);
      await new Promise((res) => child.once('exit', res));
    }
  }
  const fmtSigned = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`node ${process.version}, ${connections} connections, ${seconds}s per run (after a ${seconds}s warm-up), ${rounds} rounds, handler work ${values['work-ms']} ms`);
  const base = results.plain ? median(results.plain) : undefined;
  const baseCpu = cpu.plain ? median(cpu.plain) : undefined;
  for (const c of cases) {
    const rps = median(results[c]);
    const us = median(cpu[c]);
    const usMin = Math.min(...cpu[c]);
    // Loss per round (each round's plain run is its baseline) is steadier than a ratio of medians.
    const perRound = base === undefined ? [] : results[c].map((v, i) => 1 - v / results.plain[i]);
    const loss = base === undefined || c === 'plain' ? '' : `  loss ${((1 - rps / base) * 100).toFixed(1)}% (median of per-round losses ${(median(perRound) * 100).toFixed(1)}%)`;
    const cpuNote = baseCpu === undefined || c === 'plain' ? '' : ` (+${(us - baseCpu).toFixed(1)} µs, saturation bound ${((1 - baseCpu / us) * 100).toFixed(1)}% loss)`;
    console.log(`${c.padEnd(5)} ${Math.round(rps).toLocaleString('en-US').padStart(8)} req/s${loss}   server CPU ${us.toFixed(1)} (min ${usMin.toFixed(1)}) µs/request${cpuNote}`);
  }
  // CPU per request against the same round's plain and prev runs: each round's cases ran
  // back to back, so these ratios carry less of the machine's drift than the medians above.
  const perRoundLines = [];
  for (const c of cases) {
    if (c === 'plain') continue;
    const parts = [];
    if (cpu.plain) parts.push(`extra CPU vs plain per round ${fmtSigned(median(cpu[c].map((v, i) => v - cpu.plain[i])))} µs`);
    if (cpu.prev && c !== 'prev') {
      const ratios = cpu[c].map((v, i) => v / cpu.prev[i]);
      parts.push(`CPU ÷ prev per round: median ${median(ratios).toFixed(3)} [${ratios.map((x) => x.toFixed(2)).join(' ')}]`);
    }
    if (parts.length) perRoundLines.push(`${c.padEnd(5)} ${parts.join(';  ')}`);
  }
  if (perRoundLines.length) console.log(perRoundLines.join('\n'));
  console.log(`OTLP exports received by the sink: ${exports}`);
  sink.close();
}
