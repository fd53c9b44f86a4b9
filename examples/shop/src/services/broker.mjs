// broker: a minimal in-memory message queue over HTTP. Messages keep the producer's headers
// (traceparent, baggage, x-correlation-id) so consumers continue the trace.
import { gauge } from '@sightline/sdk';
import { startService } from '../lib/service.mjs';

const MAX_DEPTH = 10_000;
const topics = new Map();
const depth = gauge('shop.queue.depth', { unit: '{message}' });

await startService({
  name: 'broker',
  routes: {
    'POST /publish/:topic': async ({ params, body }) => {
      const q = topics.get(params.topic) ?? [];
      topics.set(params.topic, q);
      if (q.length >= MAX_DEPTH) return { status: 429, body: { error: 'SL_ERR_QUEUE_FULL', message: 'topic is full; retry later' } };
      q.push({ headers: body.headers ?? {}, payload: body.payload, publishedAt: Date.now() });
      depth.set(q.length, { topic: params.topic });
      return { queued: q.length };
    },
    'POST /poll/:topic': async ({ params, query }) => {
      const q = topics.get(params.topic) ?? [];
      const max = Math.min(Number(query.get('max') ?? 10), 100);
      const messages = q.splice(0, max);
      depth.set(q.length, { topic: params.topic });
      return { messages };
    },
  },
});
