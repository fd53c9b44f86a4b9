// payments: charges cards; the payment-errors fault answers 503 to most requests.
import { counter, histogram } from '@sightline/sdk';
import { HttpError, sleep, startService } from '../lib/service.mjs';

const captured = counter('shop.payments.captured', { unit: '{payment}' });
const amounts = histogram('shop.payments.amount', { unit: 'USD', buckets: [5, 10, 25, 50, 100, 250, 500] });

await startService({
  name: 'payments',
  faults: { 'payment-errors': false },
  routes: {
    'POST /charge': async ({ body, faults, log }) => {
      await sleep(10 + Math.random() * 30);
      // The card number is logged on purpose: the Luhn-checked pattern redacts it.
      log.info(`charging card ${body.card}`, { orderId: body.orderId, amount: body.amount });
      if (faults['payment-errors'] && Math.random() < 0.7) {
        captured.add(1, { outcome: 'error' });
        throw new HttpError(503, 'SL_ERR_PROVIDER_DOWN', 'card processor unavailable');
      }
      captured.add(1, { outcome: 'ok' });
      amounts.record(body.amount, { currency: 'USD' });
      return { paymentId: `pay-${body.orderId}`, status: 'captured' };
    },
  },
});
