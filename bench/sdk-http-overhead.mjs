#!/usr/bin/env node
// Overhead of @sightline/sdk on a hello-world node:http server: requests/s without and with
// the SDK (auto-instrumentation + middleware + canonical log line + OTLP export of traces,
// metrics and logs to a local sink). Servers run in child processes; load comes from a
// bounded keep-alive client in this process. Rounds alternate to spread machine noise.
// Usage: node bench/sdk-http-overhead.mjs [--seconds 5] [--connections 32] [--rounds 3]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    child: { type: 'string' },
  },
});

if (values.child) {
  // Child mode: the server under test.
  const withSdk = values.child === 'sdk';
  let handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello world');
  };
  if (withSdk) {
    const sdk = await import('../packages/sdk/dist/index.js');
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

  const startServer = (mode) =>
    new Promise((resolve) => {
      const args = mode === 'sdk' ? ['--import', '@sightline/sdk/register', self, '--child', 'sdk'] : [self, '--child', 'plain'];
      const child = spawn(process.execPath, args, {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: {
          ...process.env,
          OTEL_SERVICE_NAME: 'bench-hello',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}`,
          OTEL_METRIC_EXPORT_INTERVAL: '5000',
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

  const results = { plain: [], sdk: [] };
  const cpu = { plain: [], sdk: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? ['plain', 'sdk'] : ['sdk', 'plain']) {
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
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const plain = median(results.plain);
  const withSdk = median(results.sdk);
  console.log(`node ${process.version}, ${connections} connections, ${seconds}s per run (after a ${seconds}s warm-up), ${rounds} rounds`);
  console.log(`without SDK: ${Math.round(plain).toLocaleString('en-US')} req/s (median)`);
  console.log(`with SDK:    ${Math.round(withSdk).toLocaleString('en-US')} req/s (median)`);
  console.log(`throughput loss: ${((1 - withSdk / plain) * 100).toFixed(1)}%   (OTLP exports received by the sink: ${exports})`);
  const cpuPlain = median(cpu.plain);
  const cpuSdk = median(cpu.sdk);
  // CPU per request is steadier than req/s on a shared machine; it bounds the loss at saturation.
  console.log(`server CPU per request: ${cpuPlain.toFixed(1)} µs without, ${cpuSdk.toFixed(1)} µs with (+${(cpuSdk - cpuPlain).toFixed(1)} µs, ${((cpuSdk / cpuPlain - 1) * 100).toFixed(0)}%)`);
  sink.close();
}
