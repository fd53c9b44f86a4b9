#!/usr/bin/env node
// Switch demo faults at run time: node examples/shop/fault.mjs <fault> on|off
//   faults: slow-db, payment-errors, memory-leak, order-logic     (no arguments: show state)
const gateway = process.env.SHOP_GATEWAY_URL ?? 'http://127.0.0.1:8080';
const [fault, state] = process.argv.slice(2);
try {
  if (!fault) {
    console.log(await (await fetch(`${gateway}/admin/faults`)).json());
  } else {
    if (state !== 'on' && state !== 'off') {
      console.error('usage: fault.mjs <slow-db|payment-errors|memory-leak|order-logic> on|off');
      process.exit(2);
    }
    const res = await fetch(`${gateway}/admin/faults/${fault}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: state === 'on' }),
    });
    console.log(res.status, await res.json());
    process.exit(res.ok ? 0 : 1);
  }
} catch (err) {
  console.error(`could not reach the gateway at ${gateway} (is the demo running?): ${err.message}`);
  process.exit(1);
}
