import type { AnswerContract } from '../../domain/answer-contract';
import type { ModelToolCall, ToolSpec } from '../../domain/tools';
import type { CallContext } from '../../domain/tracing';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Images the user sent with this message, for a vision-capable model (others see the text only). */
  images?: readonly { mimeType: string; data: Buffer }[];
}

export interface LlmRequest {
  messages: ChatMessage[];
  signal: AbortSignal;
  maxTokens?: number;
  /** Ask the provider for a JSON object (response_format) when it supports it. */
  json?: boolean;
  /** The answer must satisfy the avatar's contract: a grammar-capable provider enforces it while decoding. */
  contract?: AnswerContract;
  /** A model other than the adapter's configured one (a persona's `llmModel`). */
  model?: string;
  /** The turn this call answers: its provider spans and failover log lines hang there. */
  context?: CallContext;
  /**
   * Tools the model may call, and how to run a call (never rejects; its JSON result is fed back). Providers that
   * cannot call tools answer without them.
   */
  tools?: readonly ToolSpec[];
  runTool?(call: ModelToolCall): Promise<string>;
}

export interface LlmCapabilities {
  /** Honours `json: true` with a JSON-object response format. */
  jsonMode: boolean;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

export type LlmChunk = { type: 'content'; text: string } | { type: 'usage'; usage: LlmUsage };

export interface LLMAdapter {
  readonly label: string;
  readonly capabilities: LlmCapabilities;
  /** Streams the raw assistant content; the avatar-response parser turns it into text/gesture/emotion. */
  stream(req: LlmRequest): AsyncIterable<LlmChunk>;
  /**
   * Gets ready for an answer that will start with these messages (the user's words still to come), so its first
   * token comes sooner: a local model compiles the contract's grammar and evaluates the prompt so far into its
   * cache while the user is still speaking. Best effort; never rejects.
   */
  prepare?(req: Pick<LlmRequest, 'messages' | 'contract'>): Promise<void>;
}
