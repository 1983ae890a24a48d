import type { TtsChunk } from '../adapters/tts/types';
import type { PhonemeTiming, WordTiming } from '../domain/audio';

/** A fixed-size piece of a response's speech, with timings in response time (ms from the response's first sample). */
export interface SpeechPiece {
  /** Running number across the response, from 0. */
  seq: number;
  samples: Int16Array;
  sampleRate: number;
  startMs: number;
  durationMs: number;
  /** Phonemes and words that START inside this piece; one may end after it (each appears exactly once). */
  phonemes: PhonemeTiming[];
  words: WordTiming[];
}

export interface SpeechChunkerOptions {
  /** Target piece length; the last piece of each sentence is shorter. Default 240 ms. */
  chunkMs?: number;
}

export const DEFAULT_CHUNK_MS = 240;

/**
 * Cuts the TTS output of a response, sentence by sentence, into pieces of equal length with a running
 * offset. Feed each TTS chunk to `push` and call `flush` at the end of each sentence (or use `sentence`),
 * so that a sentence's tail is not held back waiting for the next sentence's audio. Pure: no I/O, no timers.
 */
export class SpeechChunker {
  private readonly chunkMs: number;
  private seq = 0;
  private emittedMs = 0;
  private sampleRate: number | null = null;
  private buffered: Int16Array[] = [];
  private bufferedSamples = 0;
  private pendingPhonemes: PhonemeTiming[] = [];
  private pendingWords: WordTiming[] = [];

  constructor(opts: SpeechChunkerOptions = {}) {
    const chunkMs = opts.chunkMs ?? DEFAULT_CHUNK_MS;
    if (!Number.isFinite(chunkMs) || chunkMs < 10 || chunkMs > 5_000) {
      throw new RangeError(`chunkMs must be between 10 and 5000 (got ${chunkMs})`);
    }
    this.chunkMs = chunkMs;
  }

  /** Milliseconds of audio handed out so far in this response. */
  get offsetMs(): number {
    return this.emittedMs;
  }

  /** Milliseconds of audio received so far (handed out plus buffered). */
  private get receivedMs(): number {
    return this.emittedMs + (this.sampleRate ? (this.bufferedSamples * 1000) / this.sampleRate : 0);
  }

  push(chunk: TtsChunk): SpeechPiece[] {
    const pieces = this.sampleRate !== null && chunk.sampleRate !== this.sampleRate ? this.flush() : [];
    if (this.bufferedSamples === 0) this.sampleRate = chunk.sampleRate;
    const chunkStartMs = this.receivedMs;
    const rebase = <T extends { startMs: number; endMs: number }>(t: T): T => ({
      ...t,
      startMs: t.startMs + chunkStartMs,
      endMs: t.endMs + chunkStartMs,
    });
    this.pendingPhonemes.push(...(chunk.phonemes ?? []).map(rebase));
    this.pendingWords.push(...(chunk.words ?? []).map(rebase));
    if (chunk.samples.length > 0) {
      this.buffered.push(chunk.samples);
      this.bufferedSamples += chunk.samples.length;
    }
    const pieceSamples = Math.max(1, Math.round((this.chunkMs * chunk.sampleRate) / 1000));
    while (this.bufferedSamples >= pieceSamples) pieces.push(this.emit(pieceSamples));
    return pieces;
  }

  /** Hands out what is buffered as a shorter piece; timings that start after the audio join it. */
  flush(): SpeechPiece[] {
    if (this.bufferedSamples === 0) {
      // Timings without audio cannot be shown: nothing would play under them.
      this.pendingPhonemes = [];
      this.pendingWords = [];
      return [];
    }
    return [this.emit(this.bufferedSamples, true)];
  }

  /** Chunks one sentence's TTS stream and flushes its tail. */
  async *sentence(stream: AsyncIterable<TtsChunk>): AsyncGenerator<SpeechPiece> {
    for await (const chunk of stream) yield* this.push(chunk);
    yield* this.flush();
  }

  private emit(count: number, takeAllTimings = false): SpeechPiece {
    const sampleRate = this.sampleRate!;
    const samples = this.take(count);
    const startMs = this.emittedMs;
    const durationMs = (count * 1000) / sampleRate;
    const endMs = startMs + durationMs;
    const split = <T extends { startMs: number }>(pending: T[]): [T[], T[]] =>
      takeAllTimings
        ? [pending, []]
        : [pending.filter((t) => t.startMs < endMs), pending.filter((t) => t.startMs >= endMs)];
    const [phonemes, laterPhonemes] = split(this.pendingPhonemes);
    const [words, laterWords] = split(this.pendingWords);
    this.pendingPhonemes = laterPhonemes;
    this.pendingWords = laterWords;
    this.emittedMs = endMs;
    return { seq: this.seq++, samples, sampleRate, startMs, durationMs, phonemes, words };
  }

  private take(count: number): Int16Array {
    const out = new Int16Array(count);
    let filled = 0;
    while (filled < count) {
      const head = this.buffered[0]!;
      const used = Math.min(head.length, count - filled);
      out.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.length) this.buffered.shift();
      else this.buffered[0] = head.subarray(used);
    }
    this.bufferedSamples -= count;
    return out;
  }
}
