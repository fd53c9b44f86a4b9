// catalog: product data, a simulated shopping assistant (GenAI tracing) and the memory-leak fault.
import {
  agentAction, agentObservation, agentThought, gauge, traceAgent, traceModelCall, traceTool,
} from '@sightline/sdk';
import { HttpError, sleep, startService } from '../lib/service.mjs';

export const PRODUCTS = [
  { sku: 'TEA-01', name: 'Green tea', price: 6.5 },
  { sku: 'COF-02', name: 'Coffee beans', price: 14 },
  { sku: 'MUG-03', name: 'Mug', price: 9.9 },
  { sku: 'KET-04', name: 'Kettle', price: 39 },
  { sku: 'CUP-05', name: 'Espresso cups', price: 18 },
];

// The leak: a "cache" of rendered views that is never evicted while the fault is on.
class CachedProductView {
  constructor(product) {
    this.product = product;
    this.rendered = JSON.stringify(product).repeat(2000);
    this.createdAt = Date.now();
  }
}
const leakedViews = [];
const leakGauge = gauge('shop.catalog.cache.entries', { unit: '{entry}' });

// A deterministic stand-in for a model: no network, plausible latency and token counts.
async function simulatedModel(prompt, stream) {
  const words = `Our ${prompt.includes('coffee') ? 'Coffee beans (COF-02)' : 'Green tea (TEA-01)'} is a customer favourite.`.split(' ');
  let out = '';
  for (const w of words) {
    await sleep(5 + Math.random() * 10);
    out += `${w} `;
    stream?.();
  }
  return { text: out.trim(), inputTokens: 40 + prompt.length, outputTokens: words.length * 2, cached: 24, reasoning: 6 };
}

await startService({
  name: 'catalog',
  faults: { 'memory-leak': false },
  routes: {
    'GET /products': async () => ({ products: PRODUCTS }),
    'GET /products/:sku': async ({ params, faults }) => {
      await sleep(1 + Math.random() * 4);
      const product = PRODUCTS.find((p) => p.sku === params.sku);
      if (!product) throw new HttpError(404, 'SL_ERR_UNKNOWN_SKU', `no product ${params.sku}`);
      if (faults['memory-leak']) {
        leakedViews.push(new CachedProductView(product));
        leakGauge.set(leakedViews.length);
      }
      return product;
    },
    'GET /assistant': async ({ query }) => {
      const question = query.get('q') ?? 'what should I buy?';
      return traceAgent('shop-assistant', async () => {
        agentThought('find products matching the question');
        agentAction('search_catalog', { 'gen_ai.tool.name': 'search_catalog' });
        const matches = await traceTool('search_catalog', () => PRODUCTS.filter((p) => question.toLowerCase().includes(p.name.split(' ')[0].toLowerCase())), { callId: `call-${Date.now()}` });
        agentObservation(`${matches.length} matching products`);
        const answer = await traceModelCall({ provider: 'simulated', model: 'gpt-4o-mini', streaming: true, temperature: 0.3 }, async (call) => {
          call.capturePrompt([{ role: 'user', content: question }]);
          const r = await simulatedModel(question, () => call.chunk());
          call.setResponse({ id: `sim-${Date.now()}`, model: 'gpt-4o-mini', finishReasons: ['stop'] });
          call.setUsage({ inputTokens: r.inputTokens, outputTokens: r.outputTokens, cachedInputTokens: r.cached, reasoningTokens: r.reasoning });
          call.captureCompletion({ role: 'assistant', content: r.text });
          return r.text;
        });
        return { answer, matches: matches.map((p) => p.sku), simulated: true };
      });
    },
  },
});
