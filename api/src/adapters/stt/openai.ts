import OpenAI, { toFile } from 'openai';
import type { PcmAudio } from '../../domain/audio';
import { encodeWav } from '../audio/wav';
import { classifyOpenAIError } from '../openai-errors';
import { sttFailure } from './provider-error';
import type { STTAdapter, SttResult } from './types';

export interface OpenAiSttOptions {
  /** Defaults to the SDK's own environment lookup (OPENAI_API_KEY) when neither client nor key is given. */
  apiKey?: string;
  /** Any OpenAI-compatible server (a local whisper server, a proxy, the test fake). */
  baseURL?: string;
  model?: string;
  /**
   * Stream partial transcripts (`stream: true`, server-sent events). The gpt-4o transcribe models do;
   * `whisper-1` and many compatible servers do not, so it defaults to off for them.
   */
  stream?: boolean;
  timeoutMs?: number;
  maxRetries?: number;
  /** A ready client (tests, shared connection pool); apiKey/baseURL/timeout are then ignored. */
  client?: OpenAI;
}

interface Logprob {
  logprob?: number;
}

/** OpenAI (or compatible) `audio.transcriptions` over a WAV upload of the finished utterance. */
export class OpenAiStt implements STTAdapter {
  readonly label: string;
  readonly #client: OpenAI;
  readonly #model: string;
  readonly #stream: boolean;

  constructor(opts: OpenAiSttOptions = {}) {
    this.#model = opts.model ?? 'gpt-4o-mini-transcribe';
    this.#stream = opts.stream ?? this.#model.startsWith('gpt-4o');
    this.label = `openai:${this.#model}`;
    this.#client =
      opts.client ??
      new OpenAI({
        apiKey: opts.apiKey,
        baseURL: opts.baseURL,
        timeout: opts.timeoutMs ?? 30_000,
        // The failover wrapper decides about retries across providers; one quick retry here is enough.
        maxRetries: opts.maxRetries ?? 1,
      });
  }

  async *transcribe(
    audio: PcmAudio,
    opts: { signal: AbortSignal; language?: string },
  ): AsyncIterable<SttResult> {
    opts.signal.throwIfAborted();
    const file = await toFile(encodeWav(audio), 'utterance.wav', { type: 'audio/wav' });
    const request = { file, model: this.#model, language: opts.language };
    try {
      if (!this.#stream) {
        const result = await this.#client.audio.transcriptions.create(
          { ...request, response_format: 'json' },
          { signal: opts.signal },
        );
        yield finalResult(result.text, result.logprobs);
        return;
      }
      const events = await this.#client.audio.transcriptions.create(
        { ...request, stream: true, include: ['logprobs'] },
        { signal: opts.signal },
      );
      let partial = '';
      for await (const event of events) {
        if (event.type === 'transcript.text.delta') {
          partial += event.delta;
          yield { text: partial, isFinal: false, confidence: 0, alternatives: [] };
        } else if (event.type === 'transcript.text.done') {
          yield finalResult(event.text, event.logprobs);
          return;
        }
      }
      throw new Error('transcription stream ended without a final transcript');
    } catch (err) {
      throw sttFailure(this.label, err, opts.signal, classifyOpenAIError);
    }
  }
}

/**
 * Confidence from token log-probabilities (geometric mean of token probabilities) where the model gives
 * them; without them the provider expressed no doubt, so 1.
 */
function finalResult(text: string, logprobs: Logprob[] | undefined): SttResult {
  const values = (logprobs ?? []).map((l) => l.logprob).filter((l): l is number => typeof l === 'number');
  const confidence = values.length ? Math.exp(values.reduce((a, b) => a + b, 0) / values.length) : 1;
  return { text: text.trim(), isFinal: true, confidence, alternatives: [] };
}
