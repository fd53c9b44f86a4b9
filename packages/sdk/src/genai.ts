import { performance } from 'node:perf_hooks';
import { SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { getRedactor } from './init.js';
import { lazyInstruments } from './metrics/meter.js';
import { traced } from './tracing.js';

/** Price of a model in USD per one million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Cached input tokens (default: the input price). */
  cachedInput?: number;
  /** Reasoning tokens (default: the output price). */
  reasoning?: number;
}

/** Token usage of one model call. */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens served from the provider's prompt cache (a subset of inputTokens). */
  cachedInputTokens?: number;
  /** Reasoning tokens (a subset of outputTokens for most providers). */
  reasoningTokens?: number;
}

// Illustrative list prices; users extend or override them with registerModelPrices().
const prices = new Map<string, ModelPrice>([
  ['gpt-4o', { input: 2.5, output: 10, cachedInput: 1.25 }],
  ['gpt-4o-mini', { input: 0.15, output: 0.6, cachedInput: 0.075 }],
  ['o3-mini', { input: 1.1, output: 4.4, cachedInput: 0.55 }],
  ['claude-sonnet-4', { input: 3, output: 15, cachedInput: 0.3 }],
  ['claude-haiku-3.5', { input: 0.8, output: 4, cachedInput: 0.08 }],
  ['llama-3.1-8b', { input: 0.05, output: 0.08 }],
]);

/** Adds or replaces model prices (USD per million tokens). Longest matching prefix wins on lookup. */
export function registerModelPrices(table: Record<string, ModelPrice>): void {
  for (const [model, price] of Object.entries(table)) prices.set(model, price);
}

/** Looks a model up by exact name, then by longest prefix (`gpt-4o-2024-08-06` -> `gpt-4o`). */
export function modelPrice(model: string): ModelPrice | undefined {
  const exact = prices.get(model);
  if (exact) return exact;
  let best: [string, ModelPrice] | undefined;
  for (const entry of prices) if (model.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  return best?.[1];
}

/**
 * Cost in USD of a call: uncached input at the input price, cached input at the cached price,
 * output at the output price. Reasoning tokens are part of output tokens and priced with them
 * unless the table gives a separate reasoning price. Undefined when the model has no price.
 */
export function estimateCost(model: string, usage: TokenUsage): number | undefined {
  const p = modelPrice(model);
  if (!p) return undefined;
  const input = usage.inputTokens ?? 0;
  const cached = Math.min(usage.cachedInputTokens ?? 0, input);
  const output = usage.outputTokens ?? 0;
  const reasoning = p.reasoning !== undefined ? Math.min(usage.reasoningTokens ?? 0, output) : 0;
  const usd =
    (input - cached) * p.input + cached * (p.cachedInput ?? p.input) + (output - reasoning) * p.output + reasoning * (p.reasoning ?? p.output);
  return usd / 1_000_000;
}

let captureContent =
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT === 'true' || process.env.SIGHTLINE_GENAI_CAPTURE_CONTENT === 'true';

/** Turns prompt/completion capture on or off (off by default; when on, content is redacted). */
export function setGenAiContentCapture(enabled: boolean): void {
  captureContent = enabled;
}

const instruments = lazyInstruments((meter) => ({
  tokens: meter.createHistogram('gen_ai.client.token.usage', {
    description: 'Tokens used per model call, by gen_ai.token.type.',
    unit: '{token}',
    advice: { explicitBucketBoundaries: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576] },
  }),
  duration: meter.createHistogram('gen_ai.client.operation.duration', {
    description: 'Duration of model calls.',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.04, 0.16, 0.64, 2.56, 10.24, 40.96, 81.92] },
  }),
  ttft: meter.createHistogram('gen_ai.client.operation.time_to_first_chunk', {
    description: 'Time to the first streamed chunk of a model call.',
    unit: 's',
  }),
  cost: meter.createCounter('gen_ai.client.cost', { description: 'Estimated cost of model calls.', unit: 'USD' }),
}));

function capture(value: unknown): string {
  const redactor = getRedactor();
  return JSON.stringify(redactor.redactValue(value));
}

/** Handle passed to a model call callback to report what happened. */
export interface ModelCall {
  readonly span: Span;
  /** Token usage; sets `gen_ai.usage.*` attributes, the token histogram and the cost. */
  setUsage(usage: TokenUsage): void;
  /** Response metadata. */
  setResponse(response: { id?: string; model?: string; finishReasons?: string[] }): void;
  /** Call for each streamed chunk; the first one records time to first chunk. */
  chunk(): void;
  /** Records the prompt when capture is on (redacted). */
  capturePrompt(messages: unknown): void;
  /** Records the completion when capture is on (redacted). */
  captureCompletion(output: unknown): void;
}

/** Description of a model call (GenAI semantic conventions). */
export interface ModelCallOptions {
  /** `gen_ai.provider.name`, e.g. `openai`, `anthropic`. */
  provider: string;
  /** `gen_ai.request.model`. */
  model: string;
  /** `gen_ai.operation.name` (default `chat`). */
  operation?: 'chat' | 'text_completion' | 'embeddings' | 'generate_content';
  temperature?: number;
  maxTokens?: number;
  streaming?: boolean;
  attributes?: Attributes;
}

/**
 * Traces one model call as a CLIENT span `<operation> <model>` with the GenAI semantic
 * conventions: provider, request and response model, token usage (input, output, cached,
 * reasoning), estimated cost from the price table, latency and time to first chunk when
 * streaming. Prompt and completion are captured only when capture is on, and redacted.
 *
 * @example
 * ```ts
 * const answer = await traceModelCall({ provider: 'openai', model: 'gpt-4o-mini' }, async (call) => {
 *   const res = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 *   call.setUsage({ inputTokens: res.usage.prompt_tokens, outputTokens: res.usage.completion_tokens });
 *   return res.choices[0].message.content;
 * });
 * ```
 */
export function traceModelCall<T>(options: ModelCallOptions, fn: (call: ModelCall) => Promise<T>): Promise<T> {
  const operation = options.operation ?? 'chat';
  const attributes: Attributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': options.provider,
    'gen_ai.request.model': options.model,
    ...options.attributes,
  };
  if (options.temperature !== undefined) attributes['gen_ai.request.temperature'] = options.temperature;
  if (options.maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = options.maxTokens;
  if (options.streaming !== undefined) attributes['gen_ai.request.stream'] = options.streaming;
  const started = performance.now();
  let responseModel = options.model;
  let firstChunkAt: number | undefined;
  const metricAttrs = (): Attributes => ({
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': options.provider,
    'gen_ai.request.model': options.model,
    'gen_ai.response.model': responseModel,
  });
  return traced(
    `${operation} ${options.model}`,
    async (span) => {
      const call: ModelCall = {
        span,
        setUsage(usage) {
          if (usage.inputTokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', usage.inputTokens);
          if (usage.outputTokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', usage.outputTokens);
          if (usage.cachedInputTokens !== undefined) span.setAttribute('gen_ai.usage.cache_read.input_tokens', usage.cachedInputTokens);
          if (usage.reasoningTokens !== undefined) span.setAttribute('gen_ai.usage.reasoning.output_tokens', usage.reasoningTokens);
          const inst = instruments();
          if (usage.inputTokens !== undefined) inst.tokens.record(usage.inputTokens, { ...metricAttrs(), 'gen_ai.token.type': 'input' });
          if (usage.outputTokens !== undefined) inst.tokens.record(usage.outputTokens, { ...metricAttrs(), 'gen_ai.token.type': 'output' });
          const cost = estimateCost(responseModel, usage) ?? estimateCost(options.model, usage);
          if (cost !== undefined) {
            span.setAttribute('gen_ai.usage.cost_usd', cost);
            inst.cost.add(cost, metricAttrs());
          }
        },
        setResponse(response) {
          if (response.id) span.setAttribute('gen_ai.response.id', response.id);
          if (response.model) {
            responseModel = response.model;
            span.setAttribute('gen_ai.response.model', response.model);
          }
          if (response.finishReasons) span.setAttribute('gen_ai.response.finish_reasons', response.finishReasons);
        },
        chunk() {
          if (firstChunkAt !== undefined) return;
          firstChunkAt = performance.now();
          const seconds = (firstChunkAt - started) / 1000;
          span.setAttribute('gen_ai.response.time_to_first_chunk', seconds);
          instruments().ttft.record(seconds, metricAttrs());
        },
        capturePrompt(messages) {
          if (captureContent) span.setAttribute('gen_ai.input.messages', capture(messages));
        },
        captureCompletion(output) {
          if (captureContent) span.setAttribute('gen_ai.output.messages', capture(output));
        },
      };
      try {
        return await fn(call);
      } catch (err) {
        span.setAttribute('error.type', (err as Error)?.name ?? 'Error');
        throw err;
      } finally {
        instruments().duration.record((performance.now() - started) / 1000, metricAttrs());
      }
    },
    { kind: SpanKind.CLIENT, attributes },
  );
}

/**
 * Traces an agent run: span `invoke_agent <name>` (`gen_ai.operation.name=invoke_agent`).
 * Model calls, tool calls, thoughts, actions and observations inside `fn` attach to it.
 */
export function traceAgent<T>(name: string, fn: (span: Span) => Promise<T>, options: { agentId?: string; description?: string; attributes?: Attributes } = {}): Promise<T> {
  const attributes: Attributes = { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': name, ...options.attributes };
  if (options.agentId) attributes['gen_ai.agent.id'] = options.agentId;
  if (options.description) attributes['gen_ai.agent.description'] = options.description;
  return traced(`invoke_agent ${name}`, fn, { kind: SpanKind.INTERNAL, attributes });
}

/** Traces a tool call: span `execute_tool <name>` with `gen_ai.tool.*` attributes. */
export function traceTool<T>(name: string, fn: (span: Span) => Promise<T> | T, options: { callId?: string; description?: string; type?: string } = {}): Promise<T> {
  const attributes: Attributes = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.type': options.type ?? 'function' };
  if (options.callId) attributes['gen_ai.tool.call.id'] = options.callId;
  if (options.description) attributes['gen_ai.tool.description'] = options.description;
  return traced(`execute_tool ${name}`, async (span) => fn(span), { kind: SpanKind.INTERNAL, attributes });
}

function agentEvent(kind: 'thought' | 'action' | 'observation', text: string, attributes?: Attributes): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  const attrs: Attributes = { 'gen_ai.agent.step': kind, ...attributes };
  // The event is always recorded (the step structure is useful); its text only with capture on.
  if (captureContent) attrs['gen_ai.agent.content'] = getRedactor().redactString(text);
  span.addEvent(`gen_ai.agent.${kind}`, attrs);
}

/** Records a reasoning step ("thought") on the active span. */
export function agentThought(text: string, attributes?: Attributes): void {
  agentEvent('thought', text, attributes);
}
/** Records an action the agent decided on (usually a tool and its input). */
export function agentAction(text: string, attributes?: Attributes): void {
  agentEvent('action', text, attributes);
}
/** Records what the agent observed (a tool result). */
export function agentObservation(text: string, attributes?: Attributes): void {
  agentEvent('observation', text, attributes);
}
