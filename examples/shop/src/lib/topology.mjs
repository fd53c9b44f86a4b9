// Where every shop service listens. demo.mjs sets SHOP_*_URL for each child; the defaults
// let a single service be started by hand.
const base = Number(process.env.SHOP_BASE_PORT ?? 7100);

export const SERVICES = ['auth', 'catalog', 'inventory', 'payments', 'orders', 'broker', 'worker', 'gateway'];

/** Port of a service, from SHOP_<NAME>_PORT or the base port. */
export function portOf(name) {
  const explicit = process.env[`SHOP_${name.toUpperCase()}_PORT`];
  if (explicit) return Number(explicit);
  if (name === 'gateway') return Number(process.env.SHOP_GATEWAY_PORT ?? 8080);
  return base + 1 + SERVICES.indexOf(name);
}

/** Base URL of a service. */
export function urlOf(name) {
  return process.env[`SHOP_${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${portOf(name)}`;
}

/** Which service owns each fault switch. */
export const FAULT_OWNERS = {
  'slow-db': 'inventory',
  'payment-errors': 'payments',
  'memory-leak': 'catalog',
  'order-logic': 'orders',
};
