// worker: consumes order.placed from the broker. Each message continues its producer's trace
// (headers extracted); each poll batch is one span linked to every message (fan-in).
import { counter, SpanKind, extractContext, linksFrom, logger, traced, withExtractedContext } from '@sightline/sdk';
import { callJson, sleep, startService } from '../lib/service.mjs';
import { urlOf } from '../lib/topology.mjs';

const processed = counter('shop.worker.messages', { unit: '{message}' });
const svc = await startService({ name: 'worker', routes: {} });

async function handle(message) {
  await withExtractedContext(message.headers, () =>
    traced('order.placed process', async () => {
      await sleep(5 + Math.random() * 10);
      const { orderId, status } = message.payload;
      if (status === 'failed') logger.error('order marked failed after payment; customer was charged', { orderId, status });
      else logger.info('order fulfilled', { orderId, 'queue.lag_ms': Date.now() - message.publishedAt });
      processed.add(1, { status });
    }, { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'shop-broker', 'messaging.destination.name': 'order.placed', 'messaging.operation.type': 'process' } }),
  );
}

// Bounded by the process lifetime: stops when the service is asked to stop.
while (!svc.isStopping()) {
  let messages = [];
  try {
    ({ messages } = await callJson(`${urlOf('broker')}/poll/order.placed?max=20`, { method: 'POST', body: {} }));
  } catch (err) {
    logger.warn('poll failed', { err, logKey: 'worker.poll' });
    await sleep(1000);
    continue;
  }
  if (messages.length === 0) {
    await sleep(250);
    continue;
  }
  await traced('order.placed batch', () => Promise.all(messages.map(handle)), {
    kind: SpanKind.CONSUMER,
    root: true,
    links: linksFrom(messages.map((m) => extractContext(m.headers))),
    attributes: { 'messaging.batch.message_count': messages.length },
  });
}
