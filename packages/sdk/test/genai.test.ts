import { SpanKind } from '@opentelemetry/api';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  agentAction, agentObservation, agentThought, estimateCost, modelPrice, registerModelPrices, setGenAiContentCapture,
  traceAgent, traceModelCall, traceTool,
} from '../src/index.js';
import { installTestTelemetry, pointsWith, type TestTelemetry } from './helpers/telemetry.js';

let tel: TestTelemetry;
beforeAll(() => {
  tel = installTestTelemetry();
});
beforeEach(() => {
  tel.reset();
  setGenAiContentCapture(false);
});

describe('price table', () => {
  it('estimates cost with cached input and prefix lookup, and can be extended', () => {
    registerModelPrices({ 'acme-1': { input: 10, output: 20, cachedInput: 1 } });
    expect(estimateCost('acme-1', { inputTokens: 1_000_000, cachedInputTokens: 500_000, outputTokens: 100_000 })).toBeCloseTo(5 + 0.5 + 2, 6);
    expect(modelPrice('gpt-4o-mini-2024-07-18')).toEqual(modelPrice('gpt-4o-mini'));
    expect(estimateCost('unknown-model', { inputTokens: 1 })).toBeUndefined();
    registerModelPrices({ 'acme-r': { input: 1, output: 2, reasoning: 4 } });
    expect(estimateCost('acme-r', { outputTokens: 1_000_000, reasoningTokens: 250_000 })).toBeCloseTo(0.75 * 2 + 0.25 * 4, 6);
  });
});

describe('GenAI tracing', () => {
  it('traces an agent run with model and tool calls, events and metrics', async () => {
    registerModelPrices({ 'test-model': { input: 1, output: 2 } });
    const answer = await traceAgent('support-bot', async () => {
      agentThought('the user asks for an order status');
      const plan = await traceModelCall({ provider: 'openai', model: 'test-model', temperature: 0.2, streaming: true }, async (call) => {
        call.capturePrompt([{ role: 'user', content: 'where is order 1? my email is a@b.com' }]);
        await new Promise((r) => setTimeout(r, 5));
        call.chunk();
        call.chunk();
        call.setResponse({ id: 'resp-1', model: 'test-model-v2', finishReasons: ['tool_calls'] });
        call.setUsage({ inputTokens: 1000, outputTokens: 500, cachedInputTokens: 200, reasoningTokens: 100 });
        return 'lookup';
      });
      agentAction('call order_status', { 'gen_ai.tool.name': 'order_status' });
      const status = await traceTool('order_status', async () => 'shipped', { callId: 'call-1' });
      agentObservation(`order status: ${status}`);
      return `${plan}:${status}`;
    }, { agentId: 'agent-7' });
    expect(answer).toBe('lookup:shipped');

    const spans = tel.spans.getFinishedSpans();
    const agent = spans.find((s) => s.name === 'invoke_agent support-bot')!;
    const model = spans.find((s) => s.name === 'chat test-model')!;
    const tool = spans.find((s) => s.name === 'execute_tool order_status')!;
    expect(agent.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support-bot', 'gen_ai.agent.id': 'agent-7' });
    expect(model.kind).toBe(SpanKind.CLIENT);
    expect(model.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
    expect(tool.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
    expect(model.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'test-model', 'gen_ai.response.model': 'test-model-v2',
      'gen_ai.request.temperature': 0.2, 'gen_ai.request.stream': true, 'gen_ai.response.id': 'resp-1',
      'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 500, 'gen_ai.usage.cache_read.input_tokens': 200,
      'gen_ai.usage.reasoning.output_tokens': 100,
    });
    expect(model.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(model.attributes['gen_ai.usage.cost_usd']).toBeCloseTo((800 * 1 + 200 * 1 + 500 * 2) / 1e6, 9);
    expect(model.attributes['gen_ai.response.time_to_first_chunk'] as number).toBeGreaterThan(0.004);
    expect(model.attributes).not.toHaveProperty('gen_ai.input.messages'); // capture is off by default
    expect(tool.attributes).toMatchObject({ 'gen_ai.tool.name': 'order_status', 'gen_ai.tool.call.id': 'call-1' });
    expect(agent.events.map((e) => e.name)).toEqual(['gen_ai.agent.thought', 'gen_ai.agent.action', 'gen_ai.agent.observation']);
    expect(agent.events[0]!.attributes).not.toHaveProperty('gen_ai.agent.content');

    const tokens = await tel.metric('gen_ai.client.token.usage');
    expect((pointsWith(tokens, { 'gen_ai.token.type': 'input' })[0]!.value as any).sum).toBe(1000);
    expect((pointsWith(await tel.metric('gen_ai.client.operation.duration'), { 'gen_ai.request.model': 'test-model' })[0]!.value as any).count).toBe(1);
    expect(pointsWith(await tel.metric('gen_ai.client.cost'), { 'gen_ai.response.model': 'test-model-v2' })[0]!.value).toBeGreaterThan(0);
  });

  it('captures prompts and completions only when enabled, redacted', async () => {
    setGenAiContentCapture(true);
    await traceAgent('a', async () => {
      agentThought('email the customer at jane@shop.io');
      await traceModelCall({ provider: 'anthropic', model: 'claude-haiku-3.5' }, async (call) => {
        call.capturePrompt([{ role: 'user', content: 'my card is 4111 1111 1111 1111' }]);
        call.captureCompletion({ role: 'assistant', content: 'thanks' });
      });
    });
    const model = tel.spans.getFinishedSpans().find((s) => s.name === 'chat claude-haiku-3.5')!;
    expect(model.attributes['gen_ai.input.messages']).toBe('[{"role":"user","content":"my card is [REDACTED:card]"}]');
    expect(model.attributes['gen_ai.output.messages']).toBe('{"role":"assistant","content":"thanks"}');
    const agent = tel.spans.getFinishedSpans().find((s) => s.name === 'invoke_agent a')!;
    expect(agent.events[0]!.attributes!['gen_ai.agent.content']).toBe('email the customer at [REDACTED:email]');
  });

  it('marks failed model calls', async () => {
    await expect(traceModelCall({ provider: 'openai', model: 'gpt-4o' }, async () => { throw new RangeError('rate limited'); })).rejects.toThrow();
    const span = tel.spans.getFinishedSpans()[0]!;
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe('RangeError');
  });
});
