import type { PhonemeTiming, WordTiming } from '../../domain/audio';
import { BadInputError } from '../../errors';
import { type EspeakEvent, EspeakProcess } from './espeak-process';
import type { TTSAdapter, TtsChunk } from './types';
import { spokenWord, textWords } from './words';

export interface EspeakTtsOptions {
  /** espeak-ng voice, optionally with a variant: `en-us`, `en-gb`, `en-us+f3`. */
  voice?: string;
  /** Words per minute, 80–450 (espeak-ng default 175). */
  rate?: number;
  /** Base pitch, 0–99 (espeak-ng default 50). */
  pitch?: number;
  label?: string;
  /** The worker to use; defaults to the one shared by the whole process. */
  process?: EspeakProcess;
}

export const ESPEAK_SAMPLE_RATE = 22_050;

let sharedProcess: EspeakProcess | null = null;

/** One warm worker per server process; close it from the app's `stop()`. */
export function sharedEspeakProcess(): EspeakProcess {
  sharedProcess ??= new EspeakProcess();
  return sharedProcess;
}

/**
 * Local speech from espeak-ng with the engine's own phoneme and word timings. The engine runs in a
 * separate GPL-licensed worker process (see espeak-worker/README.md). espeak-ng speaks a sentence in a
 * few milliseconds, so each sentence is synthesised whole and yielded as one chunk with exact timings
 * (no phoneme ever has to be cut at a chunk edge before its end is known).
 */
export class EspeakTts implements TTSAdapter {
  readonly label: string;
  private readonly voice: string;
  private readonly rate: number;
  private readonly pitch: number;
  private readonly process: EspeakProcess;

  constructor(opts: EspeakTtsOptions = {}) {
    this.label = opts.label ?? 'espeak-ng';
    this.voice = opts.voice ?? 'en-us';
    this.rate = checkedRange('rate', opts.rate ?? 175, 80, 450);
    this.pitch = checkedRange('pitch', opts.pitch ?? 50, 0, 99);
    this.process = opts.process ?? sharedEspeakProcess();
  }

  async *synthesize(text: string, opts: { voice?: string; signal: AbortSignal }): AsyncGenerator<TtsChunk> {
    if (opts.signal.aborted) throw opts.signal.reason;
    if (text.trim() === '') return;
    const output = await this.process.synthesize(
      { text, voice: opts.voice ?? this.voice, rate: this.rate, pitch: this.pitch },
      opts.signal,
    );
    if (output.samples.length === 0) return;
    const durationMs = (output.samples.length * 1000) / output.sampleRate;
    yield {
      samples: output.samples,
      sampleRate: output.sampleRate,
      phonemes: phonemeTimings(output.events, durationMs),
      phonemeAlphabet: 'espeak',
      words: wordTimings(text, output.events, durationMs),
    };
  }
}

function checkedRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new BadInputError(`espeak-ng ${field} must be between ${min} and ${max}`, { field, value });
  }
  return value;
}

/** Each phoneme lasts until the next one starts (the last until the audio ends); zero-length ones are dropped. */
export function phonemeTimings(events: readonly EspeakEvent[], durationMs: number): PhonemeTiming[] {
  const starts = events.flatMap((e) => (e.type === 'phoneme' ? [{ phoneme: e.name, startMs: e.ms }] : []));
  return starts
    .map((p, i) => ({ ...p, endMs: Math.min(durationMs, starts[i + 1]?.startMs ?? durationMs) }))
    .filter((p) => p.endMs > p.startMs);
}

/**
 * Word timings indexed by whitespace-separated token of `text` (the numbering gesture plans use). espeak-ng
 * may speak one token as several words ("3.5" → "three point five"): they merge into that token. A word
 * ends where the next word starts or at the first pause (`_` phonemes) after it, whichever comes first.
 */
export function wordTimings(text: string, events: readonly EspeakEvent[], durationMs: number): WordTiming[] {
  const chars = [...text];
  // espeak-ng counts characters in code points.
  const tokens = textWords(text).map(({ token, index, offset }) => {
    const start = [...text.slice(0, offset)].length;
    return { token, index, start, end: start + [...token].length };
  });
  const pauses = events.flatMap((e) => (e.type === 'phoneme' && e.name.startsWith('_') ? [e.ms] : []));
  const spoken = events.flatMap((e) => (e.type === 'word' && e.length > 0 ? [e] : []));
  const timings = new Map<number, WordTiming>();
  spoken.forEach((word, i) => {
    const position = Math.min(word.textPosition - 1, chars.length - 1);
    const token = tokens.find((t) => position >= t.start && position < t.end);
    if (!token) return;
    const nextStart = spoken[i + 1]?.ms ?? durationMs;
    const pause = pauses.find((ms) => ms > word.ms && ms < nextStart);
    const endMs = Math.min(durationMs, pause ?? nextStart);
    const known = timings.get(token.index);
    if (known) {
      known.endMs = Math.max(known.endMs, endMs);
    } else {
      timings.set(token.index, {
        word: spokenWord(token.token),
        index: token.index,
        startMs: word.ms,
        endMs,
      });
    }
  });
  return [...timings.values()].filter((w) => w.endMs > w.startMs);
}
