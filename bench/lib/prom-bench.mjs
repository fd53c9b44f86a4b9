// Shared pieces of the Sightline-vs-Prometheus benchmarks (bench/prom-remote-write.mjs,
// bench/prom-query.mjs): a realistic series layout with a deterministic value generator, a
// fast prometheus.WriteRequest encoder, and starting/stopping/measuring both servers as child
// processes that are always killed (by pid) when the script exits or fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seeded } from './otlp-proto-encoder.mjs';

// ---------------------------------------------------------------------------------------------
// Series layout: 5 jobs x N instances, 100 series per instance (so 100 instances = 10,000 series):
//   http_requests_total{job,instance,method,status}                 4 methods x 5 statuses = 20
//   http_request_duration_seconds_bucket{job,instance,method,le}    4 methods x 12 le       = 48
//   http_request_duration_seconds_sum / _count{job,instance,method} 4 + 4                   =  8
//   http_requests_in_flight{job,instance,method}                    4
//   queue_depth{job,instance,queue}                                 15
//   process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds, go_goroutines, up = 5
// ---------------------------------------------------------------------------------------------
export const JOBS = ['api', 'web', 'worker', 'auth', 'billing'];
export const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
export const STATUSES = ['200', '201', '404', '500', '503'];
export const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const LE_NUM = LE.map(Number);
export const SERIES_PER_INSTANCE = 100;

// kind: 0 counter (int increments), 1 bucket (cumulative, driven by the histogram), 2 float
// counter (_sum, cpu seconds), 3 gauge int random walk, 4 gauge constant (up), 5 histogram count
function instanceLabel(j, i) {
  return `10.${j}.${Math.floor(i / 250)}.${(i % 250) + 1}:9100`;
}

/** Series in a fixed order; each: { labels: [[name, value], ...] (sorted by name), kind, ... }. */
export function buildSeries(totalSeries) {
  const instancesPerJob = Math.max(1, Math.ceil(totalSeries / SERIES_PER_INSTANCE / JOBS.length));
  const out = [];
  for (let i = 0; i < instancesPerJob; i++) {
    for (let j = 0; j < JOBS.length; j++) {
      const base = { job: JOBS[j], instance: instanceLabel(j, i) };
      const add = (name, extra, kind, info = {}) => out.push({ name, labels: sortLabels({ __name__: name, ...base, ...extra }), kind, ...info });
      for (const method of METHODS) for (const status of STATUSES) add('http_requests_total', { method, status }, 0, { rate: rateFor(j, method, status) });
      for (let m = 0; m < METHODS.length; m++) {
        const h = { hist: out.length }; // index of the first bucket: the group shares one draw per step
        for (let b = 0; b < LE.length; b++) add('http_request_duration_seconds_bucket', { method: METHODS[m], le: LE[b] }, 1, { ...h, bucket: b });
        add('http_request_duration_seconds_sum', { method: METHODS[m] }, 2, { ...h, bucket: -1 });
        add('http_request_duration_seconds_count', { method: METHODS[m] }, 5, { ...h, bucket: -2 });
      }
      for (const method of METHODS) add('http_requests_in_flight', { method }, 3, { scale: 1, max: 40 });
      for (let q = 0; q < 15; q++) add('queue_depth', { queue: `q${q}` }, 3, { scale: 1, max: 500 });
      add('process_cpu_seconds_total', {}, 2, { bucket: -3 });
      add('process_resident_memory_bytes', {}, 3, { scale: 4096, max: 1e6, start: 60000 });
      add('process_open_fds', {}, 3, { scale: 1, max: 1000, start: 40 });
      add('go_goroutines', {}, 3, { scale: 1, max: 5000, start: 200 });
      add('up', {}, 4);
    }
  }
  return out.slice(0, totalSeries);
}

function sortLabels(obj) {
  return Object.entries(obj).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function rateFor(j, method, status) {
  const m = { GET: 20, POST: 6, PUT: 2, DELETE: 1 }[method];
  const s = { '200': 1, '201': 0.2, '404': 0.05, '500': 0.01, '503': 0.005 }[status];
  return m * s * (1 + j * 0.3);
}

/**
 * Values step by step: `next(intervalS)` advances every series by one scrape interval and
 * returns the Float64Array of current values (the same array each time).
 */
export function valueGenerator(series, seed = 42) {
  const r = seeded(seed);
  const v = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    if (s.kind === 3) v[i] = s.start ?? Math.floor(r() * s.max);
    else if (s.kind === 4) v[i] = 1;
    else v[i] = Math.floor(r() * 1000);
  }
  const draws = new Float64Array(LE.length);
  return {
    values: v,
    next(intervalS) {
      for (let i = 0; i < series.length; i++) {
        const s = series[i];
        switch (s.kind) {
          case 0: {
            v[i] += Math.floor(r() * 2 * s.rate * intervalS);
            break;
          }
          case 1: {
            if (s.bucket === 0) {
              // one draw of n requests for the histogram group, spread over the buckets
              const n = Math.floor(r() * 40 * intervalS);
              draws.fill(0);
              let sum = 0;
              for (let k = 0; k < n; k++) {
                const lat = Math.exp(-4.5 + 1.2 * (r() + r() + r() - 1.5));
                sum += lat;
                let b = 0;
                while (LE_NUM[b] < lat) b++;
                draws[b]++;
              }
              let cum = 0;
              for (let b = 0; b < LE.length; b++) {
                cum += draws[b];
                v[i + b] += cum;
              }
              v[i + LE.length] += Math.round(sum * 1e6) / 1e6; // _sum
              v[i + LE.length + 1] += n; // _count
            }
            break;
          }
          case 2: {
            if (s.bucket === -3) v[i] = Math.round((v[i] + r() * 0.4 * intervalS) * 100) / 100;
            break; // _sum is advanced with its buckets
          }
          case 3: {
            const step = Math.round((r() - 0.5) * 10) * s.scale;
            v[i] = Math.min(s.max * s.scale, Math.max(0, v[i] + step));
            break;
          }
          default:
            break;
        }
      }
      return v;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// prometheus.WriteRequest encoding (remote_write 1.0), one TimeSeries per sample as Prometheus'
// queue manager sends them. Each series' label bytes are encoded once.
// ---------------------------------------------------------------------------------------------
function varintLen(v) {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
function putVarint(buf, pos, v) {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

export function encodeLabelBlocks(series) {
  return series.map((s) => {
    const parts = [];
    for (const [k, v] of s.labels) {
      const kb = Buffer.from(k);
      const vb = Buffer.from(v);
      const inner = Buffer.alloc(1 + varintLen(kb.length) + kb.length + 1 + varintLen(vb.length) + vb.length);
      let p = 0;
      inner[p++] = 0x0a;
      p = putVarint(inner, p, kb.length);
      kb.copy(inner, p);
      p += kb.length;
      inner[p++] = 0x12;
      p = putVarint(inner, p, vb.length);
      vb.copy(inner, p);
      const head = Buffer.alloc(1 + varintLen(inner.length));
      head[0] = 0x0a; // TimeSeries.labels = 1
      putVarint(head, 1, inner.length);
      parts.push(head, inner);
    }
    return Buffer.concat(parts);
  });
}

/** entries: [seriesIndex, timestampMs, value][] -> raw (uncompressed) WriteRequest bytes. */
export function encodeWriteRequest(labelBlocks, idx, ts, vals, n) {
  let size = 0;
  const tsLen = new Array(n);
  for (let k = 0; k < n; k++) {
    const sampleLen = 1 + 8 + 1 + varintLen(ts[k]);
    const l = labelBlocks[idx[k]].length + 1 + varintLen(sampleLen) + sampleLen;
    tsLen[k] = l;
    size += 1 + varintLen(l) + l;
  }
  const buf = Buffer.allocUnsafe(size);
  let p = 0;
  for (let k = 0; k < n; k++) {
    buf[p++] = 0x0a; // WriteRequest.timeseries = 1
    p = putVarint(buf, p, tsLen[k]);
    const lb = labelBlocks[idx[k]];
    lb.copy(buf, p);
    p += lb.length;
    buf[p++] = 0x12; // TimeSeries.samples = 2
    p = putVarint(buf, p, 1 + 8 + 1 + varintLen(ts[k]));
    buf[p++] = 0x09; // Sample.value = 1 (double)
    buf.writeDoubleLE(vals[k], p);
    p += 8;
    buf[p++] = 0x10; // Sample.timestamp = 2 (int64)
    p = putVarint(buf, p, ts[k]);
  }
  if (p !== size) throw new Error(`encoder size mismatch ${p} != ${size}`);
  return buf;
}

/**
 * The remote_write stream of `series` scraped `steps` times every `intervalS` from `firstMs`,
 * split as Prometheus' queue manager does: series i belongs to shard i % shards, each shard's
 * samples in time order, cut into WriteRequests of `perRequest` samples, snappy-compressed.
 */
export function buildStream({ series, steps, intervalS, firstMs, shards: shardCount, perRequest, compress }) {
  const labelBlocks = encodeLabelBlocks(series);
  const gen = valueGenerator(series);
  const samplesIn = new Map();
  const shards = Array.from({ length: shardCount }, () => []);
  const cur = Array.from({ length: shardCount }, () => ({ idx: new Int32Array(perRequest), ts: new Array(perRequest), vals: new Float64Array(perRequest), n: 0 }));
  let rawBytes = 0;
  let compressedBytes = 0;
  const flush = (s) => {
    const c = cur[s];
    if (c.n === 0) return;
    const raw = encodeWriteRequest(labelBlocks, c.idx, c.ts, c.vals, c.n);
    const body = compress(raw);
    rawBytes += raw.length;
    compressedBytes += body.length;
    samplesIn.set(body, c.n);
    shards[s].push(body);
    c.n = 0;
  };
  for (let k = 0; k < steps; k++) {
    const v = gen.next(intervalS);
    const t = firstMs + k * intervalS * 1000;
    for (let i = 0; i < series.length; i++) {
      const s = i % shardCount;
      const c = cur[s];
      c.idx[c.n] = i;
      c.ts[c.n] = t;
      c.vals[c.n] = v[i];
      if (++c.n === perRequest) flush(s);
    }
  }
  for (let s = 0; s < shardCount; s++) flush(s);
  return { shards, samplesOf: (b) => samplesIn.get(b), rawBytes, compressedBytes, requests: shards.reduce((a, s) => a + s.length, 0) };
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------
const children = new Set();
const tempDirs = new Set();
let cleanupInstalled = false;
function installCleanup() {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.pid) try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });
  process.on('uncaughtException', (e) => { console.error(e); killAll(); process.exit(1); });
  process.on('unhandledRejection', (e) => { console.error(e); killAll(); process.exit(1); });
}

/** A temporary directory that is removed when the script exits, however it exits. */
export function tempDir(prefix) {
  installCleanup();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function track(proc) {
  installCleanup();
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  return proc;
}

async function stopProc(proc, timeoutMs = 60_000) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  process.kill(proc.pid, 'SIGTERM');
  const timer = setTimeout(() => proc.exitCode === null && process.kill(proc.pid, 'SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Prometheus 2.42 with the remote_write receiver and the admin API (for TSDB snapshots). */
export async function startPrometheus({ dataDir, extraArgs = [] } = {}) {
  const dir = tempDir('promperf-prom-');
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, 'global:\n  scrape_interval: 1m\n');
  const ownData = !dataDir;
  dataDir ??= join(dir, 'data');
  const port = await freePort();
  const proc = track(
    spawn('/usr/bin/prometheus', [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--web.enable-admin-api', '--log.level=warn', ...extraArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let output = '';
  proc.stderr.on('data', (d) => (output = (output + d).slice(-20000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (true) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`prometheus did not become ready:\n${output}`);
    await sleep(100);
  }
  return {
    name: 'prometheus', url, proc, dataDir, output: () => output,
    async stop({ keep = false } = {}) {
      await stopProc(proc);
      if (!keep || !ownData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The built Sightline server (`npm run build` first), defaults except ports and data dir. */
export async function startSightline({ dataDir, extraArgs = [], nodeArgs = [], dist } = {}) {
  const own = !dataDir;
  dataDir ??= tempDir('promperf-sl-');
  // `dist`: another build of packages/server/dist (A/B); it must sit inside the repository so its imports resolve.
  const main = dist ? resolve(dist, 'main.js') : new URL('../../packages/server/dist/main.js', import.meta.url).pathname;
  const proc = track(
    spawn(process.execPath, [...nodeArgs, main, 'start', '--data-dir', dataDir, '--http-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--log-level', 'warn', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out = (out + d).slice(-20000)));
  const deadline = Date.now() + 120_000;
  while (!/Prometheus API/.test(out)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('sightline did not start:\n' + out);
    await sleep(50);
  }
  const url = /UI and API\s+(\S+?)\/?\s/.exec(out)[1];
  return {
    name: 'sightline', url, proc, dataDir, output: () => out,
    async stop({ keep = false } = {}) {
      await stopProc(proc, 300_000);
      if (own && !keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds (user+system, all threads) and peak RSS (VmHWM) of a live process. */
export function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(f[11]) + Number(f[12])) / 100; // utime, stime in USER_HZ (100)
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  return { cpuS, peakRssBytes: hwm, rssBytes: rss };
}

export function dirBytes(dir, filter = () => true) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p, filter);
    else if (filter(p)) total += statSync(p).size;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------
export function makeAgent(connections) {
  return new Agent({ keepAlive: true, maxSockets: connections });
}

/** POST one snappy body to <url>/api/v1/write; resolves with the status code (0 on a socket error). */
export function postWrite(agent, url, body) {
  const u = new URL(`${url}/api/v1/write`);
  return new Promise((resolve) => {
    const req = request(
      { agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', 'content-length': body.length } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text.length < 2000 ? (text += d) : undefined));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, text: String(e) }));
    req.end(body);
  });
}

/**
 * Sends every shard's requests in order, one in flight per shard (Prometheus' queue manager:
 * a shard owns a fixed subset of the series, so each series' samples arrive in time order).
 * 429/5xx are retried after a back-off. Returns acked samples and counts per status.
 */
export async function sendShards(url, shards, { samplesOf }) {
  const agent = makeAgent(shards.length);
  const statuses = {};
  let acked = 0;
  let firstError = '';
  await Promise.all(
    shards.map(async (bodies) => {
      for (const body of bodies) {
        for (let attempt = 0; ; attempt++) {
          const { status, text } = await postWrite(agent, url, body);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status >= 200 && status < 300) {
            acked += samplesOf(body);
            break;
          }
          if ((status === 429 || status >= 500 || status === 0) && attempt < 100) {
            await sleep(Math.min(2000, 30 * 2 ** attempt));
            continue;
          }
          firstError ||= `${status} ${text}`;
          break;
        }
      }
    }),
  );
  agent.destroy();
  return { acked, statuses, firstError };
}

export async function promQuery(url, path, params) {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${url}${path} ${res.status}: ${text.slice(0, 500)}`);
  }
  if (json.status !== 'success') throw new Error(`${url}${path} ${JSON.stringify(params)}: ${res.status} ${text.slice(0, 500)}`);
  return json.data;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export { sleep };
