import type { LLMAdapter, LlmCapabilities, LlmChunk, LlmRequest } from '../types';

/** One scripted answer: the content (split into `chunks`, or 8-character tokens), pacing and failure. */
export interface FakeLlmTurn {
  content?: string;
  chunks?: string[];
  /** Delay before each chunk; aborting the request interrupts it at once. */
  chunkDelayMs?: number;
  /** Thrown after `failAfterChunks` chunks (default: before the first). */
  error?: Error;
  failAfterChunks?: number;
}

/**
 * Scriptable LLM for pipeline tests. Turns are consumed one per `stream()` call, the last one repeating;
 * every request is kept in `requests` so tests can inspect the prompt.
 */
export class FakeLlm implements LLMAdapter {
  readonly label: string;
  readonly capabilities: LlmCapabilities = { jsonMode: true };
  readonly requests: LlmRequest[] = [];
  /** What `prepare` was asked to get ready for. */
  readonly prepared: Pick<LlmRequest, 'messages' | 'contract'>[] = [];
  private turns: FakeLlmTurn[];

  constructor(turns: FakeLlmTurn | FakeLlmTurn[] = {}, label = 'fake-llm') {
    this.turns = Array.isArray(turns) ? turns : [turns];
    this.label = label;
  }

  async prepare(req: Pick<LlmRequest, 'messages' | 'contract'>): Promise<void> {
    this.prepared.push(req);
  }

  setTurns(turns: FakeLlmTurn | FakeLlmTurn[]): void {
    this.turns = Array.isArray(turns) ? turns : [turns];
    this.requests.length = 0;
  }

  async *stream(req: LlmRequest): AsyncIterable<LlmChunk> {
    const turn = this.turns[Math.min(this.requests.length, this.turns.length - 1)] ?? {};
    this.requests.push(req);
    const content = turn.content ?? '{"text":"ok","gesture_plan":[],"emotion":"neutral","actions":[]}';
    const chunks = turn.chunks ?? content.match(/[\s\S]{1,8}/g) ?? [];
    for (const [i, text] of chunks.entries()) {
      if (turn.error && i === (turn.failAfterChunks ?? 0)) throw turn.error;
      if (turn.chunkDelayMs) await abortableDelay(turn.chunkDelayMs, req.signal);
      req.signal.throwIfAborted();
      yield { type: 'content', text };
    }
    if (turn.error && (turn.failAfterChunks ?? 0) >= chunks.length) throw turn.error;
    yield { type: 'usage', usage: { promptTokens: 10, completionTokens: chunks.length } };
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
