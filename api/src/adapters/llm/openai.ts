import OpenAI from 'openai';
import type { ModelToolCall, ToolSpec } from '../../domain/tools';
import { ProviderError } from '../../errors';
import { toProviderError } from '../openai-errors';
import type { ChatMessage, LLMAdapter, LlmCapabilities, LlmChunk, LlmRequest } from './types';

export interface OpenAILlmOptions {
  model: string;
  /** Any OpenAI-compatible endpoint: OpenAI, Ollama (`http://localhost:11434/v1`), vLLM, llama.cpp server. */
  baseURL?: string;
  /** Local servers ignore it, but the SDK insists on one. */
  apiKey?: string;
  label?: string;
  /** Whether the server honours `response_format: json_object` (OpenAI, Ollama, vLLM and llama.cpp do). */
  jsonMode?: boolean;
  temperature?: number;
  /** Longest wait for the response headers and then for each next chunk; a stalled stream fails over. */
  idleTimeoutMs?: number;
  /** Kept low: a live turn cannot wait through back-offs, failover to the next provider is faster. */
  maxRetries?: number;
}

export class OpenAILlm implements LLMAdapter {
  readonly label: string;
  readonly capabilities: LlmCapabilities;
  private readonly client: OpenAI;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: OpenAILlmOptions) {
    this.label = options.label ?? `openai:${options.model}`;
    this.capabilities = { jsonMode: options.jsonMode ?? true };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 20_000;
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey ?? 'not-needed',
      maxRetries: options.maxRetries ?? 1,
      timeout: this.idleTimeoutMs,
    });
  }

  async *stream(req: LlmRequest): AsyncIterable<LlmChunk> {
    // One controller for the request, aborted by the caller (barge-in) or by our idle watchdog.
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(req.signal.reason);
    if (req.signal.aborted) throw abortReason(req.signal);
    req.signal.addEventListener('abort', forwardAbort, { once: true });
    let stalled = false;
    let watchdog: NodeJS.Timeout | undefined;
    const armWatchdog = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, this.idleTimeoutMs);
    };

    const messages = req.messages.map(toOpenAIMessage);
    const runTool = req.runTool;
    const tools = runTool && req.tools?.length ? req.tools.map(toOpenAITool) : undefined;
    try {
      // Each round is one request; a round that ends in tool calls runs them and asks again with their results.
      for (let round = 1; ; round++) {
        armWatchdog();
        const stream = await this.client.chat.completions.create(
          {
            model: req.model ?? this.options.model,
            messages,
            stream: true,
            stream_options: { include_usage: true },
            max_tokens: req.maxTokens,
            temperature: this.options.temperature,
            ...(tools ? { tools } : {}),
            ...(req.json && this.capabilities.jsonMode
              ? { response_format: { type: 'json_object' as const } }
              : {}),
          },
          { signal: controller.signal },
        );
        const calls: ModelToolCall[] = [];
        let said = '';
        for await (const chunk of stream) {
          const delta = chunk.choices[0]?.delta;
          const text = delta?.content;
          const usage = chunk.usage;
          // The consumer's time between pulls is not the provider's stall.
          clearTimeout(watchdog);
          if (text) {
            said += text;
            yield { type: 'content', text };
          }
          // Tool calls stream in pieces, keyed by their index: the id and name first, the arguments in parts.
          for (const part of delta?.tool_calls ?? []) {
            calls[part.index] ??= { callId: '', name: '', arguments: '' };
            const call = calls[part.index]!;
            call.callId = part.id ?? call.callId;
            call.name += part.function?.name ?? '';
            call.arguments += part.function?.arguments ?? '';
          }
          if (usage) {
            yield {
              type: 'usage',
              usage: { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens },
            };
          }
          armWatchdog();
        }
        // The SDK ends an aborted stream quietly; a caller's abort or our watchdog must still surface.
        if (stalled) throw this.stallError();
        if (req.signal.aborted) throw abortReason(req.signal);
        if (calls.length === 0 || !runTool) return;
        if (round === MAX_TOOL_ROUNDS) {
          throw new ProviderError(
            this.label,
            `the model still called tools after ${MAX_TOOL_ROUNDS} rounds`,
            {
              retryable: false,
            },
          );
        }
        // Tools run within their own timeouts, not the provider's.
        clearTimeout(watchdog);
        messages.push({
          role: 'assistant',
          content: said || null,
          tool_calls: calls.map((call) => ({
            id: call.callId,
            type: 'function' as const,
            function: { name: call.name, arguments: call.arguments },
          })),
        });
        for (const call of calls) {
          messages.push({ role: 'tool', tool_call_id: call.callId, content: await runTool(call) });
        }
      }
    } catch (err) {
      if (req.signal.aborted) throw abortReason(req.signal);
      if (stalled) throw this.stallError(err);
      throw toProviderError(this.label, err);
    } finally {
      clearTimeout(watchdog);
      // Also closes the HTTP stream when the consumer stopped pulling early.
      controller.abort();
      req.signal.removeEventListener('abort', forwardAbort);
    }
  }

  private stallError(cause?: unknown): ProviderError {
    return new ProviderError(this.label, `no response for ${this.idleTimeoutMs} ms`, {
      timeout: true,
      retryable: true,
      cause,
    });
  }
}

/** Rounds of tool calls one answer may take before it must answer (a model calling tools forever is cut off). */
const MAX_TOOL_ROUNDS = 4;

function toOpenAITool(tool: ToolSpec): OpenAI.ChatCompletionTool {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  };
}

/** A message with images becomes OpenAI's content parts: the text, then each image as a data URL. */
function toOpenAIMessage({ role, content, images }: ChatMessage): OpenAI.ChatCompletionMessageParam {
  if (role !== 'user' || !images?.length) return { role, content };
  return {
    role,
    content: [
      { type: 'text', text: content },
      ...images.map((image) => ({
        type: 'image_url' as const,
        image_url: { url: `data:${image.mimeType};base64,${image.data.toString('base64')}` },
      })),
    ],
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
