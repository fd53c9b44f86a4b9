// orders: reserves stock, charges payment through retry + circuit breaker, publishes
// order.placed. The order-logic fault marks paid orders as failed while every HTTP call succeeds.
import { circuitBreaker, compose, counter, injectContext, retryPolicy, traced } from '@sightline/sdk';
import { callJson, HttpError, startService } from '../lib/service.mjs';
import { urlOf } from '../lib/topology.mjs';

const ordersCounter = counter('shop.orders', { description: 'Orders by final status.', unit: '{order}' });
const paymentsBreaker = circuitBreaker({ name: 'payments', failureThreshold: 5, resetTimeoutMs: 5000, callTimeoutMs: 2000 });
const paymentPolicy = compose(
  retryPolicy({ name: 'payments.charge', maxAttempts: 3, baseDelayMs: 50, retryable: (e) => e.status >= 500 || e.code === 'SL_ERR_CALL_TIMEOUT' }),
  paymentsBreaker,
);
let sequence = 0;

await startService({
  name: 'orders',
  faults: { 'order-logic': false },
  routes: {
    'POST /orders': async ({ body, faults, log }) => {
      const orderId = `o-${process.pid}-${++sequence}`;
      const amount = Math.round(body.price * body.qty * 100) / 100;
      await callJson(`${urlOf('inventory')}/reserve`, { method: 'POST', body: { sku: body.sku, qty: body.qty } });
      let payment;
      try {
        payment = await paymentPolicy.execute(() =>
          callJson(`${urlOf('payments')}/charge`, { method: 'POST', body: { orderId, amount, card: '4111 1111 1111 1111' } }),
        );
      } catch (err) {
        await callJson(`${urlOf('inventory')}/release`, { method: 'POST', body: { sku: body.sku, qty: body.qty } }).catch(() => {});
        ordersCounter.add(1, { status: 'payment_failed' });
        log.warn('order not paid', { orderId, err });
        throw new HttpError(err.code === 'SL_ERR_CIRCUIT_OPEN' ? 503 : 502, err.code ?? 'SL_ERR_PAYMENT', `payment failed: ${err.message}`);
      }
      // The business-logic bug: status computed from a flag the payment response never sets.
      const status = faults['order-logic'] && payment.status === 'captured' ? 'failed' : 'confirmed';
      ordersCounter.add(1, { status });
      await traced('orders.publish', () =>
        callJson(`${urlOf('broker')}/publish/order.placed`, {
          method: 'POST',
          body: { headers: injectContext(), payload: { orderId, userId: body.userId, sku: body.sku, qty: body.qty, amount, status } },
        }),
      { 'messaging.destination.name': 'order.placed', 'messaging.operation.type': 'send', 'messaging.system': 'shop-broker' });
      log.info(`order ${status}`, { orderId, amount, status, paymentId: payment.paymentId });
      return { orderId, status, amount };
    },
  },
});
