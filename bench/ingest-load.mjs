#!/usr/bin/env node
// Ingest load generator. Starts the built server as a child process (fresh data dir), sends
// pre-encoded OTLP/HTTP protobuf requests over keep-alive connections for a fixed time, and
// counts only acknowledged (durable) items. Prints items/s, request latency percentiles, the
// server's peak RSS and bytes on disk per item.
//
//   node bench/ingest-load.mjs --signal traces --duration 60 --connections 8
//   node bench/ingest-load.mjs --signal logs --duration 60
//   node bench/ingest-load.mjs --signal metrics --duration 60
//   node bench/ingest-load.mjs --signal traces --url http://127.0.0.1:4318   (an already running server)
//   node bench/ingest-load.mjs --signal metrics --duration 20 --cardinality both --rounds 3
//     (cardinality guard off and on, alternating rounds on fresh servers; prints the ratio)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeLogsRequest, encodeMetricsRequest, encodeTraceRequest } from './lib/otlp-proto-encoder.mjs';

const { values: args } = parseArgs({
  options: {
    signal: { type: 'string', default: 'traces' },
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '8' },
    url: { type: 'string' },
    requests: { type: 'string', default: '24' },
    'per-request': { type: 'string' },
    keep: { type: 'boolean', default: false },
    /** on | off | both: metrics.cardinality.enabled of the started server; both alternates. */
    cardinality: { type: 'string' },
    rounds: { type: 'string', default: '1' },
  },
});
const signal = args.signal;
const durationMs = Number(args.duration) * 1000;
const connections = Number(args.connections);
const perRequest = Number(args['per-request'] ?? (signal === 'traces' ? 500 : signal === 'logs' ? 1000 : 1000));

function dirBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

async function startServer(cardinality) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sightline-bench-'));
  // SIGHTLINE_DIST: another build of packages/server/dist to run (relative to the repository root,
  // e.g. bench/.cache/dist-base for A/B runs; it must live inside the repository).
  const main = join(resolve(new URL('../', import.meta.url).pathname, process.env.SIGHTLINE_DIST ?? 'packages/server/dist'), 'main.js');
  const env = { ...process.env };
  if (cardinality) env.SIGHTLINE_METRICS_CARDINALITY_ENABLED = cardinality === 'on' ? 'true' : 'false';
  // SIGHTLINE_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p".
  const nodeArgs = process.env.SIGHTLINE_NODE_ARGS ? process.env.SIGHTLINE_NODE_ARGS.split(' ') : [];
  const proc = spawn(process.execPath, [...nodeArgs, main, 'start', '--data-dir', dataDir, '--http-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!/OTLP\/gRPC/.test(out)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('server did not start:\n' + out);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, dataDir, otlpUrl: /OTLP\/HTTP\s+(\S+)/.exec(out)[1], httpUrl: /UI and API\s+(\S+?)\/?\s/.exec(out)[1] };
}

/** User + system CPU seconds of a process, all threads (utime, stime in USER_HZ = 100). */
function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const encode = signal === 'traces' ? encodeTraceRequest : signal === 'logs' ? encodeLogsRequest : encodeMetricsRequest;
const sizeKey = signal === 'traces' ? 'spans' : signal === 'logs' ? 'records' : 'series';
const bodies = [];
const t0 = Date.now();
for (let i = 0; i < Number(args.requests); i++) bodies.push(encode({ [sizeKey]: perRequest, seed: i + 1, step: i, timeNs: BigInt(Date.now() + i * 10_000) * 1_000_000n }));
const encodeMs = Date.now() - t0;

async function runOnce(cardinality) {
  const server = args.url ? { otlpUrl: args.url } : await startServer(cardinality);
  const target = new URL(`${server.otlpUrl}/v1/${signal}`);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });

  let acked = 0;
  let rejected = 0;
  let errors = 0;
  const latencies = [];
  let peakRss = 0;
  const rssTimer = server.proc ? setInterval(() => (peakRss = Math.max(peakRss, rssOf(server.proc.pid))), 250) : undefined;

  function send(body) {
    return new Promise((resolve) => {
      const started = process.hrtime.bigint();
      const req = request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          resolve(res.statusCode);
        });
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });
  }

  const cpuBefore = server.proc ? cpuSecondsOf(server.proc.pid) : undefined;
  const startAt = Date.now();
  const endAt = startAt + durationMs;
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < endAt) {
        const status = await send(bodies[next++ % bodies.length]);
        if (status === 200) acked += perRequest;
        else if (status === 429 || status === 503) {
          rejected += perRequest;
          await new Promise((r) => setTimeout(r, 50));
        } else errors++;
      }
    }),
  );
  const elapsed = (Date.now() - startAt) / 1000;
  const serverCpuS = server.proc ? cpuSecondsOf(server.proc.pid) - cpuBefore : undefined;
  if (rssTimer) clearInterval(rssTimer);
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]?.toFixed(1);

  let diskBytes;
  if (server.proc) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.on('exit', r));
    diskBytes = dirBytes(server.dataDir);
    if (!args.keep) rmSync(server.dataDir, { recursive: true, force: true });
  }
  const result = {
    signal,
    durationS: elapsed,
    connections,
    itemsPerRequest: perRequest,
    requestBytes: bodies[0].length,
    ackedItems: acked,
    ackedPerSec: Math.round(acked / elapsed),
    rejectedItems: rejected,
    errors,
    latencyMs: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: latencies.at(-1)?.toFixed(1) },
    serverCpuS: serverCpuS !== undefined ? +serverCpuS.toFixed(2) : undefined,
    serverCpuUsPerItem: serverCpuS !== undefined && acked ? +((serverCpuS * 1e6) / acked).toFixed(2) : undefined,
    serverPeakRssMiB: server.proc ? Math.round(peakRss / 1048576) : undefined,
    diskBytes,
    diskBytesPerItem: diskBytes !== undefined && acked ? +(diskBytes / acked).toFixed(1) : undefined,
    encodeMs,
  };
  agent.destroy();
  return result;
}

const modes = args.cardinality === 'both' ? ['off', 'on'] : [args.cardinality];
const runs = [];
for (let round = 0; round < Number(args.rounds); round++) {
  for (const mode of modes) {
    const result = { cardinality: mode, ...(await runOnce(mode)) };
    runs.push(result);
    console.log(JSON.stringify(result, null, 2));
  }
}
if (args.cardinality === 'both') {
  const rate = (mode) => runs.filter((r) => r.cardinality === mode).reduce((n, r) => n + r.ackedPerSec, 0) / Number(args.rounds);
  const on = rate('on');
  const off = rate('off');
  console.log(JSON.stringify({ cardinalityComparison: { rounds: Number(args.rounds), offAckedPerSec: Math.round(off), onAckedPerSec: Math.round(on), onOverOff: +(on / off).toFixed(3) } }, null, 2));
}

