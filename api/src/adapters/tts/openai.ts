import OpenAI from 'openai';
import { ProviderError } from '../../errors';
import { pcm16Chunks } from '../audio/pcm';
import { toProviderError } from '../openai-errors';
import type { TTSAdapter, TtsChunk } from './types';

export interface OpenAITtsOptions {
  /** `gpt-4o-mini-tts`, `tts-1`, or whatever an OpenAI-compatible server names its model. */
  model?: string;
  /** Used when a call names no voice: `alloy`, `ash`, `coral`, `nova`, … */
  voice?: string;
  baseURL?: string;
  apiKey?: string;
  label?: string;
  /** 0.25–4.0. */
  speed?: number;
  /** Style instructions (`gpt-4o-mini-tts` only). */
  instructions?: string;
  /** Longest wait for the response headers. */
  timeoutMs?: number;
  /** Kept low: failing over to the next provider is faster than SDK back-offs in a live turn. */
  maxRetries?: number;
}

/** OpenAI's `pcm` response format: 24 kHz, 16-bit little-endian, mono. */
export const OPENAI_PCM_SAMPLE_RATE = 24_000;

/**
 * OpenAI (or compatible) speech, streamed as the body arrives. It gives no timings: the pipeline animates
 * the mouth from the audio itself (audio→blendshape model / alignment).
 */
export class OpenAITts implements TTSAdapter {
  readonly label: string;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAITtsOptions = {}) {
    this.label = options.label ?? `openai-tts:${options.model ?? 'gpt-4o-mini-tts'}`;
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey ?? 'not-needed',
      maxRetries: options.maxRetries ?? 1,
      timeout: options.timeoutMs ?? 15_000,
    });
  }

  async *synthesize(text: string, opts: { voice?: string; signal: AbortSignal }): AsyncGenerator<TtsChunk> {
    if (opts.signal.aborted) throw opts.signal.reason;
    if (text.trim() === '') return;
    try {
      const response = await this.client.audio.speech.create(
        {
          model: this.options.model ?? 'gpt-4o-mini-tts',
          voice: opts.voice ?? this.options.voice ?? 'alloy',
          input: text,
          response_format: 'pcm',
          ...(this.options.speed !== undefined ? { speed: this.options.speed } : {}),
          ...(this.options.instructions ? { instructions: this.options.instructions } : {}),
        },
        { signal: opts.signal },
      );
      if (!response.body) throw new ProviderError(this.label, 'response has no body');
      for await (const samples of pcm16Chunks(readBody(response.body))) {
        // Bytes already buffered when barge-in came must not be played.
        if (opts.signal.aborted) throw opts.signal.reason;
        yield { samples, sampleRate: OPENAI_PCM_SAMPLE_RATE };
      }
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason;
      throw toProviderError(this.label, err);
    }
  }
}

/** The body's bytes; stopping early (abort, consumer gone) cancels the body so the connection is released. */
async function* readBody(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
