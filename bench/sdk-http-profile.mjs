#!/usr/bin/env node
// CPU profile of the `sdk` (or `plain`) server of bench/sdk-http-overhead.mjs under the same
// load: a warm-up run, then a measured run; the child writes a .cpuprofile (V8 sampling,
// 250 µs) on exit. Read it with bench/sdk-profile-categories.mjs.
// Usage: node bench/sdk-http-profile.mjs <seconds> <sdk|plain> [K=V;K2=V2 extra env] [SDK package dir, default this one] [profile dir, default $TMPDIR/sdk-profiles]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const root = new URL('..', import.meta.url).pathname;
const seconds = Number(process.argv[2] ?? 6);
const mode = process.argv[3] ?? 'sdk';
const reg = process.argv[5] ? pathToFileURL(join(resolve(process.argv[5]), 'dist/register.js')).href : '@sightline/sdk/register';
const profDir = resolve(process.argv[6] ?? join(tmpdir(), 'sdk-profiles'));
console.log(`profile directory: ${profDir}`);
const extraEnv = Object.fromEntries((process.argv[4] ?? '').split(';').filter(Boolean).map(kv => kv.split('=')));
const sink = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200); res.end(); }); });
await new Promise(r => sink.listen(0, '127.0.0.1', r));
const args = ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', profDir, ...(mode==='plain'?[]:['--import', reg]), 'bench/sdk-http-overhead.mjs', '--child', mode==='plain'?'plain':'sdk'];
const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore','ignore','inherit','ipc'], env: { ...process.env, OTEL_SERVICE_NAME: 'bench-hello', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}`, OTEL_METRIC_EXPORT_INTERVAL: '5000', ...extraEnv } });
const port = await new Promise(r => child.once('message', m => r(m.port)));
const load = async () => { const agent = new http.Agent({ keepAlive: true, maxSockets: 32 }); const deadline = Date.now() + seconds*1000; let done = 0;
  await Promise.all(Array.from({length:32}, async () => { while (Date.now() < deadline) await new Promise(res => { http.get({host:'127.0.0.1',port,path:'/',agent}, r => { r.resume(); r.on('end', () => { done++; res(); }); }).on('error', res); }); }));
  agent.destroy(); return done/seconds; };
await load();
child.send('mark');
console.log('rps', await load());
const rep = new Promise(r => child.once('message', r)); child.send('stop'); console.log(await rep);
await new Promise(r => child.once('exit', r)); sink.close();
