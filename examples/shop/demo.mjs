#!/usr/bin/env node
// `npm run demo`: starts Sightline, the shop services (each a separate Node process
// instrumented with @sightline/sdk) and a load generator. Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { values: opts } = parseArgs({
  options: {
    'http-port': { type: 'string', default: '4000' },
    'otlp-http-port': { type: 'string', default: '4318' },
    'otlp-grpc-port': { type: 'string', default: '4317' },
    'gateway-port': { type: 'string', default: '8080' },
    'base-port': { type: 'string', default: '7100' },
    'data-dir': { type: 'string', default: join(here, '.demo-data') },
    'no-server': { type: 'boolean', default: false },
    endpoint: { type: 'string' },
    rps: { type: 'string', default: '10' },
    duration: { type: 'string', default: '3600' },
    'no-load': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const say = (msg) => opts.quiet || console.log(`[demo] ${msg}`);
const SERVICES = ['auth', 'catalog', 'inventory', 'payments', 'broker', 'orders', 'worker', 'gateway'];
const logDir = join(opts['data-dir'], 'logs');
mkdirSync(logDir, { recursive: true });
const children = new Map();
let stopping = false;

function ensureBuilt(pkg, entry) {
  if (existsSync(join(root, 'packages', pkg, entry))) return;
  say(`building packages/${pkg} (first run)...`);
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'packages', pkg, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`build of packages/${pkg} failed; run npm install at the repository root first`);
}

function start(name, args, env = {}) {
  const out = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`[demo] ${name} exited (code ${code}, signal ${signal}); see ${join(logDir, `${name}.log`)}`);
      if (name !== 'load') void stopAll(1);
    }
  });
  children.set(name, child);
  return child;
}

async function waitReady(name, url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!children.has(name) && name !== 'external') throw new Error(`${name} exited during start; see ${join(logDir, `${name}.log`)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} was not ready at ${url} within ${timeoutMs} ms; see ${join(logDir, `${name}.log`)}`);
}

async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  const order = ['load', ...[...SERVICES].reverse(), 'sightline'];
  for (const name of order) {
    const child = children.get(name);
    if (!child) continue;
    child.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        r();
      }, 5000);
      child.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  ensureBuilt('sdk', 'dist/index.js');
  let endpoint = opts.endpoint ?? `http://127.0.0.1:${opts['otlp-http-port']}`;
  const ui = `http://127.0.0.1:${opts['http-port']}`;
  if (!opts['no-server']) {
    // SIGHTLINE_SERVER_MAIN runs another build of the server (e.g. an installed `sightline`).
    const serverMain = process.env.SIGHTLINE_SERVER_MAIN ?? join(root, 'packages/server/dist/main.js');
    if (!process.env.SIGHTLINE_SERVER_MAIN) ensureBuilt('server', 'dist/main.js');
    start('sightline', [
      serverMain, 'start',
      '--data-dir', join(opts['data-dir'], 'sightline'),
      '--http-port', opts['http-port'],
      '--otlp-http-port', opts['otlp-http-port'],
      '--otlp-grpc-port', opts['otlp-grpc-port'],
    ]);
    await waitReady('sightline', `${ui}/readyz`, 60_000);
    say(`Sightline is up: ${ui}`);
  } else {
    endpoint = opts.endpoint ?? endpoint;
  }

  const base = Number(opts['base-port']);
  const ports = Object.fromEntries(SERVICES.map((s, i) => [s, s === 'gateway' ? Number(opts['gateway-port']) : base + 1 + i]));
  const shopEnv = {};
  for (const s of SERVICES) {
    shopEnv[`SHOP_${s.toUpperCase()}_PORT`] = String(ports[s]);
    shopEnv[`SHOP_${s.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[s]}`;
  }
  for (const name of SERVICES) {
    start(name, ['--import', '@sightline/sdk/register', join(here, 'src/services', `${name}.mjs`)], {
      ...shopEnv,
      OTEL_SERVICE_NAME: name,
      OTEL_SERVICE_VERSION: '0.1.0',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=demo,service.namespace=shop',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
      OTEL_METRIC_EXPORT_INTERVAL: process.env.OTEL_METRIC_EXPORT_INTERVAL ?? '5000',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      // The demo shows the canonical line of every request (the SDK default logs errors and slow ones).
      SIGHTLINE_REQUEST_LOG: process.env.SIGHTLINE_REQUEST_LOG ?? 'all',
    });
  }
  await Promise.all(SERVICES.map((name) => waitReady(name, `http://127.0.0.1:${ports[name]}/readyz`, 30_000)));
  say(`shop is up: gateway http://127.0.0.1:${ports.gateway} (services on ${base + 1}-${base + SERVICES.length - 1})`);

  if (!opts['no-load']) {
    start('load', [join(here, 'src/load.mjs'), '--gateway', `http://127.0.0.1:${ports.gateway}`, '--rps', opts.rps, '--duration', opts.duration]);
    say(`load generator: ${opts.rps} requests/s for ${opts.duration} s`);
  }
  say(`logs of every process: ${logDir}`);
  say('switch faults at run time:');
  say(`  SHOP_GATEWAY_URL=http://127.0.0.1:${ports.gateway} node examples/shop/fault.mjs slow-db on        (inventory database slow)`);
  say('  ... payment-errors on | memory-leak on | order-logic on   (see docs/demo.md)');
  say('Ctrl-C stops everything.');
  console.log(`DEMO_READY gateway=http://127.0.0.1:${ports.gateway} sightline=${ui}`);
} catch (err) {
  console.error(`[demo] ${err.message}`);
  await stopAll(1);
}
