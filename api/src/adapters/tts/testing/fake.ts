import type { PhonemeTiming, WordTiming } from '../../../domain/audio';
import { ProviderError } from '../../../errors';
import { sleep } from '../../testing/sleep';
import type { TTSAdapter, TtsChunk } from '../types';
import { spokenWord, textWords } from '../words';

export interface FakeTtsScript {
  /** Milliseconds of audio per character of text (whitespace included). */
  msPerChar: number;
  /** Size of each yielded chunk. */
  chunkMs: number;
  /** Delay before the first chunk. */
  latencyMs: number;
  /** Delay between later chunks (0: as fast as the consumer pulls). */
  interChunkDelayMs: number;
  /** Throw this before the first chunk (a function can decide per call, by 0-based call number). */
  fail?: Error | ((call: number) => Error | undefined);
  /** Throw `ProviderError('…', 'stream broke')` after this many chunks. */
  failAfterChunks?: number;
}

export interface FakeTtsCall {
  text: string;
  voice?: string;
  signal: AbortSignal;
}

const DEFAULT_SCRIPT: FakeTtsScript = { msPerChar: 60, chunkMs: 200, latencyMs: 0, interChunkDelayMs: 0 };

/**
 * A scriptable TTS for pipeline tests: a 220 Hz tone whose length follows the text, one phoneme per letter
 * (named after the letter) and word timings spread over the audio in proportion to word length.
 */
export interface FakeTtsVoice {
  sampleRate: number;
  /** Phoneme and word timings with each chunk, like espeak-ng; off like OpenAI TTS. */
  timings: boolean;
}

export class FakeTts implements TTSAdapter {
  readonly label: string;
  readonly voice: FakeTtsVoice;
  script: FakeTtsScript;
  readonly calls: FakeTtsCall[] = [];

  constructor(opts: { label?: string; script?: Partial<FakeTtsScript>; voice?: Partial<FakeTtsVoice> } = {}) {
    this.label = opts.label ?? 'fake-tts';
    this.voice = { sampleRate: 16_000, timings: true, ...opts.voice };
    this.script = { ...DEFAULT_SCRIPT, ...opts.script };
  }

  async *synthesize(text: string, opts: { voice?: string; signal: AbortSignal }): AsyncGenerator<TtsChunk> {
    const callNumber = this.calls.push({ text, voice: opts.voice, signal: opts.signal }) - 1;
    const script = this.script;
    await sleep(script.latencyMs, opts.signal);
    const failure = typeof script.fail === 'function' ? script.fail(callNumber) : script.fail;
    if (failure) throw failure;

    const { sampleRate, timings } = this.voice;
    const totalMs = text.length * script.msPerChar;
    const phonemes = letterPhonemes(text, script.msPerChar);
    const words = proportionalWords(text, script.msPerChar);
    let chunkIndex = 0;
    for (let startMs = 0; startMs < totalMs; startMs += script.chunkMs, chunkIndex++) {
      if (chunkIndex > 0) await sleep(script.interChunkDelayMs, opts.signal);
      if (opts.signal.aborted) throw opts.signal.reason;
      if (script.failAfterChunks !== undefined && chunkIndex >= script.failAfterChunks) {
        throw new ProviderError(this.label, 'stream broke');
      }
      const endMs = Math.min(totalMs, startMs + script.chunkMs);
      const firstSample = Math.round((startMs * sampleRate) / 1000);
      const samples = tone(firstSample, Math.round((endMs * sampleRate) / 1000) - firstSample, sampleRate);
      const inChunk = <T extends { startMs: number; endMs: number }>(items: T[]) =>
        items
          .filter((item) => item.startMs >= startMs && item.startMs < endMs)
          .map((item) => ({ ...item, startMs: item.startMs - startMs, endMs: item.endMs - startMs }));
      yield {
        samples,
        sampleRate,
        ...(timings ? { phonemes: inChunk(phonemes), words: inChunk(words) } : {}),
      };
    }
  }
}

function tone(firstSample: number, count: number, sampleRate: number): Int16Array {
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i++) {
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * (firstSample + i)) / sampleRate));
  }
  return samples;
}

function letterPhonemes(text: string, msPerChar: number): PhonemeTiming[] {
  const phonemes: PhonemeTiming[] = [];
  [...text].forEach((char, i) => {
    if (/\p{L}/u.test(char)) {
      phonemes.push({ phoneme: char.toLowerCase(), startMs: i * msPerChar, endMs: (i + 1) * msPerChar });
    }
  });
  return phonemes;
}

function proportionalWords(text: string, msPerChar: number): WordTiming[] {
  return textWords(text).map(({ token, index, offset }) => ({
    word: spokenWord(token),
    index,
    startMs: offset * msPerChar,
    endMs: (offset + token.length) * msPerChar,
  }));
}
