import type { protos, SpeechClient } from '@google-cloud/speech';
import type { PcmAudio } from '../../domain/audio';
import type { TranscriptAlternative } from '../../domain/session-events';
import { sttFailure } from './provider-error';
import type { STTAdapter, SttResult } from './types';

type RecognizeResponse = protos.google.cloud.speech.v1.IRecognizeResponse;

export interface GoogleSttOptions {
  /** BCP-47 code used when the caller names none. */
  languageCode?: string;
  maxAlternatives?: number;
  /** e.g. 'latest_short' (good for conversational turns) or 'default'. */
  model?: string;
  timeoutMs?: number;
  /** A ready client; otherwise one is created with Application Default Credentials. */
  client?: Pick<SpeechClient, 'recognize'>;
}

/** gRPC status codes that mean the request itself is wrong: the same audio would fail anywhere. */
const NON_RETRYABLE_GRPC = new Set([3 /* INVALID_ARGUMENT */, 11 /* OUT_OF_RANGE */]);
const DEADLINE_EXCEEDED = 4;

/**
 * Google Cloud Speech-to-Text v1 `recognize` (synchronous, up to one minute of audio) with n-best
 * alternatives. Not exercised against Google in this repository (no network or credentials here):
 * the response mapping and error classification are unit-tested; the call itself is compile-checked.
 */
export class GoogleStt implements STTAdapter {
  readonly label = 'google';
  readonly #client: Pick<SpeechClient, 'recognize'>;
  readonly #opts: GoogleSttOptions;

  constructor(client: Pick<SpeechClient, 'recognize'>, opts: GoogleSttOptions = {}) {
    this.#client = client;
    this.#opts = opts;
  }

  async *transcribe(
    audio: PcmAudio,
    opts: { signal: AbortSignal; language?: string },
  ): AsyncIterable<SttResult> {
    opts.signal.throwIfAborted();
    const request: protos.google.cloud.speech.v1.IRecognizeRequest = {
      config: {
        encoding: 'LINEAR16',
        sampleRateHertz: audio.sampleRate,
        languageCode: opts.language ?? this.#opts.languageCode ?? 'en-US',
        maxAlternatives: this.#opts.maxAlternatives ?? 5,
        enableAutomaticPunctuation: true,
        model: this.#opts.model,
      },
      audio: {
        content: Buffer.from(audio.samples.buffer, audio.samples.byteOffset, audio.samples.byteLength),
      },
    };
    // gax takes no AbortSignal: on abort stop waiting (the call itself finishes or times out on its own).
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(opts.signal.reason);
      opts.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const call = this.#client.recognize(request, { timeout: this.#opts.timeoutMs ?? 15_000 });
      // Nobody awaits the call once an abort won the race: keep its late failure from going unhandled.
      call.catch(() => {});
      const [response] = await Promise.race([call, aborted]);
      yield mapRecognizeResponse(response);
    } catch (err) {
      throw sttFailure(this.label, err, opts.signal, classifyGrpcError);
    } finally {
      opts.signal.removeEventListener('abort', onAbort);
    }
  }
}

/** Creates the client lazily: the Google SDK takes about a second to load and is not needed otherwise. */
export async function createGoogleStt(opts: GoogleSttOptions = {}): Promise<GoogleStt> {
  if (opts.client) return new GoogleStt(opts.client, opts);
  const { SpeechClient } = await import('@google-cloud/speech');
  return new GoogleStt(new SpeechClient(), opts);
}

/**
 * Google splits a long utterance into consecutive results, each with its own n-best list. The text is
 * the best alternative of each result joined; n-best variants come from the results' alternatives
 * (ranked by Google), each completed with the best of the other results.
 */
export function mapRecognizeResponse(response: RecognizeResponse): SttResult {
  const results = (response.results ?? []).filter((r) => (r.alternatives ?? []).length > 0);
  const best = results.map((r) => r.alternatives![0]!);
  const text = joinText(best.map((a) => a.transcript ?? ''));
  const confidence = best.length ? best.reduce((sum, a) => sum + (a.confidence ?? 0), 0) / best.length : 0;
  const alternatives: TranscriptAlternative[] = [];
  results.forEach((result, index) => {
    for (const alt of result.alternatives!) {
      const parts = best.map((b, i) => (i === index ? alt.transcript : b.transcript) ?? '');
      const variant = joinText(parts);
      if (!alternatives.some((a) => a.text === variant)) {
        // Google only scores the top alternative; the others carry 0 and keep Google's order.
        alternatives.push({ text: variant, confidence: alt.confidence ?? 0 });
      }
    }
  });
  return { text, isFinal: true, confidence, alternatives };
}

function joinText(parts: string[]): string {
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

export function classifyGrpcError(err: unknown): { message: string; retryable: boolean; timeout?: boolean } {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === DEADLINE_EXCEEDED) return { message, retryable: true, timeout: true };
  return { message, retryable: !(typeof code === 'number' && NON_RETRYABLE_GRPC.has(code)) };
}
