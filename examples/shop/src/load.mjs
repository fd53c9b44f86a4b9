// Load generator: steady traffic against the gateway. Bounded by --duration (seconds) and
// --rps, with at most --concurrency requests in flight.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    gateway: { type: 'string', default: process.env.SHOP_GATEWAY_URL ?? 'http://127.0.0.1:8080' },
    rps: { type: 'string', default: '10' },
    duration: { type: 'string', default: '3600' },
    concurrency: { type: 'string', default: '20' },
  },
});
const rps = Math.max(0.1, Number(values.rps));
const deadline = Date.now() + Number(values.duration) * 1000;
const maxInFlight = Math.max(1, Number(values.concurrency));
const SKUS = ['TEA-01', 'COF-02', 'MUG-03', 'KET-04', 'CUP-05'];
const USERS = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret'];
const stats = { sent: 0, ok: 0, failed: 0, skipped: 0 };
let inFlight = 0;
let stopping = false;

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

async function one() {
  const r = Math.random();
  const user = pick(USERS);
  let url = `${values.gateway}/api/checkout`;
  let init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${r < 0.02 ? 'expired' : `demo-token-${user}`}` },
    body: JSON.stringify({ sku: pick(SKUS), qty: 1 + Math.floor(Math.random() * 3) }),
  };
  if (r > 0.97) {
    url = `${values.gateway}/api/assistant?q=${encodeURIComponent('which coffee do you recommend?')}`;
    init = {};
  } else if (r > 0.75) {
    url = `${values.gateway}/api/products`;
    init = {};
  }
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  await res.arrayBuffer();
  return res.ok;
}

process.on('SIGTERM', () => (stopping = true));
process.on('SIGINT', () => (stopping = true));
const interval = 1000 / rps;
let next = Date.now();
const report = setInterval(() => console.log(`load: ${JSON.stringify(stats)} in-flight=${inFlight}`), 10_000);
while (!stopping && Date.now() < deadline) {
  if (inFlight < maxInFlight) {
    inFlight++;
    stats.sent++;
    one()
      .then((ok) => (ok ? stats.ok++ : stats.failed++), () => stats.failed++)
      .finally(() => inFlight--);
  } else {
    stats.skipped++;
  }
  next += interval;
  await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
}
clearInterval(report);
console.log(`load: done ${JSON.stringify(stats)}`);
