import type { PcmAudio } from '../domain/audio';
import type { CallContext } from '../domain/tracing';
import { AppError, ProviderError } from '../errors';
import type { LLMAdapter, LlmChunk, LlmRequest } from './llm/types';
import type { STTAdapter, SttResult } from './stt/types';
import type { TTSAdapter, TtsChunk } from './tts/types';

/** What every capability adapter has in common: the failover logic needs nothing else. */
export interface LabelledProvider {
  readonly label: string;
}

export interface ProviderMetricsSnapshot {
  label: string;
  calls: number;
  /** Calls that delivered all their output. */
  successes: number;
  /** Calls that threw (timeouts included), before or after their first chunk. */
  failures: number;
  timeouts: number;
  /** Calls the caller cancelled (barge-in, client gone): not the provider's fault. */
  aborts: number;
  /** Latency from the call to its first chunk, over the last `LATENCY_WINDOW` calls that produced one. */
  firstChunkMs: {
    count: number;
    last: number | null;
    p50: number | null;
    p95: number | null;
    max: number | null;
  };
  lastError: { message: string; code: string; at: string } | null;
}

/** `log`: the fields of the turn the call worked for (session, response, trace ids), for its log line. */
export type FailoverEvent =
  | { type: 'failover'; from: string; to: string; error: Error; log?: Readonly<Record<string, string>> }
  | { type: 'exhausted'; providers: string[]; error: Error; log?: Readonly<Record<string, string>> };

export interface ProviderChainOptions {
  /** A provider that has not yielded its first chunk after this long is abandoned for the next one. */
  firstChunkTimeoutMs: number;
  /** For logs: every failover and every call that ran out of providers. */
  onEvent?: (event: FailoverEvent) => void;
}

const LATENCY_WINDOW = 200;

/** Per-provider counters, keyed by label and shared by every chain derived from the same root. */
class MetricsRegistry {
  private readonly byLabel = new Map<string, ProviderMetricsSnapshot & { latencies: number[] }>();

  entry(label: string) {
    let entry = this.byLabel.get(label);
    if (!entry) {
      entry = {
        label,
        calls: 0,
        successes: 0,
        failures: 0,
        timeouts: 0,
        aborts: 0,
        firstChunkMs: { count: 0, last: null, p50: null, p95: null, max: null },
        lastError: null,
        latencies: [],
      };
      this.byLabel.set(label, entry);
    }
    return entry;
  }

  recordFirstChunk(label: string, ms: number): void {
    const entry = this.entry(label);
    entry.latencies.push(ms);
    if (entry.latencies.length > LATENCY_WINDOW) entry.latencies.shift();
    entry.firstChunkMs.count++;
    entry.firstChunkMs.last = ms;
  }

  recordFailure(label: string, err: Error): void {
    const entry = this.entry(label);
    entry.failures++;
    if (err instanceof ProviderError && err.code === 'PROVIDER_TIMEOUT') entry.timeouts++;
    entry.lastError = {
      message: err.message,
      code: err instanceof AppError ? err.code : 'INTERNAL',
      at: new Date().toISOString(),
    };
  }

  snapshot(): ProviderMetricsSnapshot[] {
    return [...this.byLabel.values()].map(({ latencies, ...rest }) => {
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) =>
        sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null) : null;
      return {
        ...rest,
        firstChunkMs: { ...rest.firstChunkMs, p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? null },
        lastError: rest.lastError && { ...rest.lastError },
      };
    });
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('The operation was aborted', 'AbortError');
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

type NextResult<T> = { kind: 'item'; result: IteratorResult<T> } | { kind: 'timeout' } | { kind: 'aborted' };

/**
 * An ordered list of interchangeable providers of one capability. A call goes to the first provider; a
 * retryable error or a first-chunk timeout BEFORE anything was yielded moves it to the next one. Once
 * output has started, errors propagate: audio already played cannot be taken back, and a half-answer
 * from a second LLM would not continue the first one.
 */
export class ProviderChain<P extends LabelledProvider> {
  readonly providers: readonly P[];

  private constructor(
    providers: readonly P[],
    private readonly options: ProviderChainOptions,
    private readonly registry: MetricsRegistry,
  ) {
    if (providers.length === 0) throw new Error('A provider chain needs at least one provider');
    this.providers = [...providers];
  }

  static create<P extends LabelledProvider>(
    providers: readonly P[],
    options: ProviderChainOptions,
  ): ProviderChain<P> {
    return new ProviderChain(providers, options, new MetricsRegistry());
  }

  /** The provider a call tries first. */
  get primary(): P {
    return this.providers[0]!;
  }

  /**
   * A chain over the named providers in the given order (e.g. a persona that prefers another voice
   * engine), sharing this chain's metrics and options. Unknown labels are an error, not silently skipped.
   */
  withOrder(labels: readonly string[]): ProviderChain<P> {
    const picked = labels.map((label) => {
      const provider = this.providers.find((p) => p.label === label);
      if (!provider)
        throw new Error(
          `Unknown provider "${label}" (known: ${this.providers.map((p) => p.label).join(', ')})`,
        );
      return provider;
    });
    return new ProviderChain(picked, this.options, this.registry);
  }

  /** Per-provider call counts and first-chunk latencies, shared by every chain derived from this one. */
  metrics(): ProviderMetricsSnapshot[] {
    return this.registry.snapshot();
  }

  /**
   * Runs `invoke` against the providers in order. `invoke` must pass the signal it is given (not the
   * caller's) to the provider: it is also aborted when the chain abandons that provider. Each attempt is a
   * span (`provider.<capability>`) under the call's context, with its provider, attempt and failover.
   */
  async *stream<T>(
    signal: AbortSignal,
    invoke: (provider: P, signal: AbortSignal) => AsyncIterable<T>,
    call: { capability: string; context?: CallContext },
  ): AsyncGenerator<T> {
    const providers = this.providers;
    const errors: Error[] = [];
    const log = call.context?.log;
    for (const [index, provider] of providers.entries()) {
      if (signal.aborted) throw abortReason(signal);
      const span = call.context?.trace.child(`provider.${call.capability}`, {
        'provider.label': provider.label,
        'provider.attempt': index + 1,
      });
      const metrics = this.registry.entry(provider.label);
      metrics.calls++;
      const attempt = new AbortController();
      const onCallerAbort = () => attempt.abort(signal.reason);
      signal.addEventListener('abort', onCallerAbort, { once: true });
      const startedAt = performance.now();
      let iterator: AsyncIterator<T> | undefined;
      let yielded = false;
      let finished = false;
      try {
        iterator = invoke(provider, attempt.signal)[Symbol.asyncIterator]();
        while (true) {
          const next = await this.nextOrStop(
            iterator,
            signal,
            yielded ? null : this.options.firstChunkTimeoutMs,
          );
          if (next.kind === 'aborted') throw abortReason(signal);
          if (next.kind === 'timeout') {
            throw new ProviderError(
              provider.label,
              `no output within ${this.options.firstChunkTimeoutMs} ms`,
              {
                timeout: true,
              },
            );
          }
          if (next.result.done) break;
          if (!yielded) {
            yielded = true;
            this.registry.recordFirstChunk(provider.label, performance.now() - startedAt);
            span?.mark('first_chunk');
          }
          yield next.result.value;
        }
        finished = true;
        metrics.successes++;
        return;
      } catch (caught) {
        const err = asError(caught);
        if (signal.aborted) {
          metrics.aborts++;
          span?.set({ 'provider.cancelled': true });
          throw abortReason(signal);
        }
        span?.fail(err);
        this.registry.recordFailure(provider.label, err);
        errors.push(err);
        const retryable = err instanceof AppError && err.retryable;
        const nextProvider = providers[index + 1];
        if (yielded || !retryable) throw err;
        if (nextProvider) {
          span?.set({ 'provider.failover_to': nextProvider.label });
          this.options.onEvent?.({
            type: 'failover',
            from: provider.label,
            to: nextProvider.label,
            error: err,
            log,
          });
        }
      } finally {
        span?.end();
        signal.removeEventListener('abort', onCallerAbort);
        if (!finished) {
          // Stop the abandoned (or cancelled) provider's work; its return() may never settle if it ignores the signal.
          attempt.abort(signal.aborted ? signal.reason : new Error('provider abandoned'));
          iterator?.return?.().catch(() => undefined);
        }
      }
    }
    const labels = providers.map((p) => p.label);
    const exhausted = new ProviderError(
      labels.join(' > '),
      `all providers failed: ${errors.map((e) => e.message).join('; ')}`,
      { retryable: true, cause: new AggregateError(errors), timeout: errors.every(isTimeout) },
    );
    this.options.onEvent?.({ type: 'exhausted', providers: labels, error: exhausted, log });
    throw exhausted;
  }

  /** The next item, unless the caller aborts or (before the first chunk) the timeout fires first. */
  private nextOrStop<T>(
    iterator: AsyncIterator<T>,
    signal: AbortSignal,
    timeoutMs: number | null,
  ): Promise<NextResult<T>> {
    // The caller may have aborted while we were suspended at `yield`: its abort event has already fired.
    if (signal.aborted) return Promise.resolve({ kind: 'aborted' });
    return new Promise<NextResult<T>>((resolve, reject) => {
      const timer = timeoutMs === null ? undefined : setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
      const onAbort = () => settle({ kind: 'aborted' });
      const settle = (result: NextResult<T>) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      iterator.next().then(
        (result) => settle({ kind: 'item', result }),
        (err: unknown) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }
}

function isTimeout(err: Error): boolean {
  return err instanceof ProviderError && err.code === 'PROVIDER_TIMEOUT';
}

/**
 * Each capability exposes its chain as an adapter of the same interface, so the pipeline cannot tell a
 * chain from a single provider. Only the way the signal is threaded into the call differs per capability.
 */
abstract class ChainAdapter<P extends LabelledProvider> {
  /** Names the chain's provider spans. */
  protected abstract readonly capability: 'stt' | 'llm' | 'tts';

  constructor(readonly chain: ProviderChain<P>) {}

  get label(): string {
    return `failover(${this.chain.providers.map((p) => p.label).join(',')})`;
  }
}

/**
 * Voice names belong to one engine (`en-us+f3` means nothing to OpenAI): by default the caller's voice goes
 * to the chain's first provider only and a fallback speaks in its own configured default voice.
 */
export type VoiceForProvider = (
  provider: TTSAdapter,
  voice: string | undefined,
  isPrimary: boolean,
) => string | undefined;

const primaryVoiceOnly: VoiceForProvider = (_provider, voice, isPrimary) => (isPrimary ? voice : undefined);

export class FailoverTts extends ChainAdapter<TTSAdapter> implements TTSAdapter {
  constructor(
    chain: ProviderChain<TTSAdapter>,
    private readonly voiceFor: VoiceForProvider = primaryVoiceOnly,
  ) {
    super(chain);
  }

  protected readonly capability = 'tts';

  synthesize(text: string, opts: Parameters<TTSAdapter['synthesize']>[1]): AsyncIterable<TtsChunk> {
    const primary = this.chain.primary;
    return this.chain.stream(
      opts.signal,
      (provider, signal) =>
        provider.synthesize(text, {
          voice: this.voiceFor(provider, opts.voice, provider === primary),
          signal,
        }),
      { capability: this.capability, context: opts.context },
    );
  }
}

export class FailoverStt extends ChainAdapter<STTAdapter> implements STTAdapter {
  protected readonly capability = 'stt';

  transcribe(audio: PcmAudio, opts: Parameters<STTAdapter['transcribe']>[1]): AsyncIterable<SttResult> {
    const { context, ...rest } = opts;
    return this.chain.stream(
      opts.signal,
      (provider, signal) => provider.transcribe(audio, { ...rest, signal }),
      {
        capability: this.capability,
        context,
      },
    );
  }

  /** Whether the provider asked first runs on this machine (see STTAdapter.local). */
  get local(): boolean {
    return this.chain.primary.local === true;
  }

  /** The primary's partials only: a partial is optional, so a failing one is skipped, never failed over. */
  async partial(
    audio: PcmAudio,
    opts: { signal: AbortSignal; language?: string },
  ): Promise<SttResult | null> {
    return (await this.chain.primary.partial?.(audio, opts).catch(() => null)) ?? null;
  }
}

/** Like voices, model names belong to one provider: a requested model goes to the chain's first provider only. */
export class FailoverLlm extends ChainAdapter<LLMAdapter> implements LLMAdapter {
  /** The primary's: a call that failed over may answer without JSON mode (the parser copes). */
  get capabilities(): LLMAdapter['capabilities'] {
    return this.chain.primary.capabilities;
  }

  protected readonly capability = 'llm';

  /** The first provider's preparation, when it has one (absent otherwise, so callers skip building a prompt). */
  get prepare(): LLMAdapter['prepare'] {
    const prepare = this.chain.primary.prepare?.bind(this.chain.primary);
    if (!prepare) return undefined;
    return (req) => prepare(req).catch(() => undefined);
  }

  stream(req: LlmRequest): AsyncIterable<LlmChunk> {
    const primary = this.chain.primary;
    const { context, ...rest } = req;
    return this.chain.stream(
      req.signal,
      (provider, signal) =>
        provider.stream({ ...rest, model: provider === primary ? req.model : undefined, signal }),
      { capability: this.capability, context },
    );
  }
}
