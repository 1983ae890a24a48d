import { protos, v1beta1 } from '@google-cloud/text-to-speech';
import type { WordTiming } from '../../domain/audio';
import { ProviderError } from '../../errors';
import { pcm16FromWav } from '../audio/pcm';
import type { TTSAdapter, TtsChunk } from './types';
import { spokenWord, textWords } from './words';

/** Time points (SSML marks) are only in the v1beta1 API. */
type GoogleTtsClient = Pick<v1beta1.TextToSpeechClient, 'synthesizeSpeech'>;

export interface GoogleTtsOptions {
  /** A Google voice name such as `en-US-Neural2-F`; its language code is taken from the name. */
  voice?: string;
  sampleRate?: number;
  /** 0.25–4.0. */
  speakingRate?: number;
  label?: string;
  /** Deadline for the whole call. */
  timeoutMs?: number;
  /** Defaults to a client using Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS). */
  client?: GoogleTtsClient;
}

const END_MARK = 'end';
const wordMark = (index: number) => `w${index}`;

/**
 * Google Cloud Text-to-Speech with word timings: a `<mark>` before every word (and one at the end) comes
 * back as a time point, from which each word's start and end follow.
 */
export class GoogleTts implements TTSAdapter {
  readonly label: string;
  private readonly sampleRate: number;
  private readonly client: GoogleTtsClient;

  constructor(private readonly options: GoogleTtsOptions = {}) {
    this.label = options.label ?? 'google-tts';
    this.sampleRate = options.sampleRate ?? 24_000;
    this.client = options.client ?? new v1beta1.TextToSpeechClient();
  }

  async *synthesize(text: string, opts: { voice?: string; signal: AbortSignal }): AsyncGenerator<TtsChunk> {
    if (opts.signal.aborted) throw opts.signal.reason;
    if (text.trim() === '') return;
    const voice = opts.voice ?? this.options.voice ?? 'en-US-Neural2-F';
    let response: protos.google.cloud.texttospeech.v1beta1.ISynthesizeSpeechResponse;
    try {
      [response] = await this.client.synthesizeSpeech(
        {
          input: { ssml: markedSsml(text) },
          voice: { name: voice, languageCode: languageOf(voice) },
          audioConfig: {
            audioEncoding: 'LINEAR16',
            sampleRateHertz: this.sampleRate,
            ...(this.options.speakingRate ? { speakingRate: this.options.speakingRate } : {}),
          },
          enableTimePointing: [
            protos.google.cloud.texttospeech.v1beta1.SynthesizeSpeechRequest.TimepointType.SSML_MARK,
          ],
        },
        // No SDK retries: in a live turn the next provider is a faster way out than a back-off.
        { timeout: this.options.timeoutMs ?? 10_000, retry: null, signal: opts.signal },
      );
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason;
      throw toGoogleProviderError(this.label, err);
    }
    const audio = response.audioContent;
    const bytes = typeof audio === 'string' ? Buffer.from(audio, 'base64') : (audio ?? new Uint8Array(0));
    const { samples, sampleRate } = pcm16FromWav(bytes);
    if (samples.length === 0) return;
    const rate = sampleRate ?? this.sampleRate;
    yield {
      samples,
      sampleRate: rate,
      words: wordTimingsFromTimepoints(text, response.timepoints ?? [], (samples.length * 1000) / rate),
    };
  }
}

/** `en-US-Neural2-F` → `en-US`. */
export function languageOf(voice: string): string {
  return voice.split('-').slice(0, 2).join('-');
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  );
}

/** SSML that speaks `text` verbatim with `<mark name="wN"/>` before word N and `<mark name="end"/>` after the last. */
export function markedSsml(text: string): string {
  let ssml = '<speak>';
  let cursor = 0;
  for (const { token, index, offset } of textWords(text)) {
    ssml += `${escapeXml(text.slice(cursor, offset))}<mark name="${wordMark(index)}"/>${escapeXml(token)}`;
    cursor = offset + token.length;
  }
  return `${ssml}<mark name="${END_MARK}"/>${escapeXml(text.slice(cursor))}</speak>`;
}

/**
 * Word N runs from its mark to the next mark that came back (the next word's, or the end mark); marks the
 * service dropped leave their word out rather than guessing its time.
 */
export function wordTimingsFromTimepoints(
  text: string,
  timepoints: readonly { markName?: string | null; timeSeconds?: number | null }[],
  durationMs: number,
): WordTiming[] {
  const words = textWords(text);
  const markMs = new Map<string, number>();
  for (const point of timepoints) {
    if (point.markName && typeof point.timeSeconds === 'number')
      markMs.set(point.markName, point.timeSeconds * 1000);
  }
  const timings: WordTiming[] = [];
  for (const { token, index } of words) {
    const startMs = markMs.get(wordMark(index));
    if (startMs === undefined) continue;
    const later = [...words.slice(index + 1).map((w) => wordMark(w.index)), END_MARK];
    const nextMs = later.map((mark) => markMs.get(mark)).find((ms) => ms !== undefined) ?? durationMs;
    const endMs = Math.min(durationMs, nextMs);
    if (endMs > startMs) timings.push({ word: spokenWord(token), index, startMs, endMs });
  }
  return timings;
}

/** gRPC status codes worth trying again or failing over on: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL. */
const RETRYABLE_GRPC_CODES = new Set([14, 4, 8, 10, 13]);

function toGoogleProviderError(label: string, err: unknown): ProviderError {
  const code =
    typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError(label, message, {
    retryable: typeof code === 'number' ? RETRYABLE_GRPC_CODES.has(code) : true,
    timeout: code === 4,
    cause: err,
  });
}
