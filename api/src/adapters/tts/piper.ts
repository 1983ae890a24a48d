import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import type { PhonemeTiming, WordTiming } from '../../domain/audio';
import { AppError } from '../../errors';
import type { TTSAdapter, TtsChunk } from './types';
import { spokenWord, textWords } from './words';

/** Installed by scripts/install-piper.sh, with its durations output added. */
export const DEFAULT_PIPER_VOICE_PATH = fileURLToPath(
  new URL('../../../../.tools/piper/en_US-joe-medium.timed.onnx', import.meta.url),
);

/** Piper's decoder makes 256 audio samples per spectrogram frame. */
const SAMPLES_PER_FRAME = 256;
/** The graph output scripts/piper-add-durations.py exposes: frames per phoneme id. */
const DURATIONS_OUTPUT = '/Ceil_output_0';
/** Stress marks are said with the phoneme after them; length marks lengthen the one before. */
const STRESS = new Set(['ˈ', 'ˌ']);
const LENGTH = new Set(['ː', 'ˑ']);
/** Clause punctuation Piper voices were trained with after each clause's phonemes. */
const CLAUSE = /([^,;:.!?]+)([,;:.!?]*)/g;

const run = promisify(execFile);

interface PiperConfig {
  audio: { sample_rate: number };
  espeak: { voice: string };
  inference: { noise_scale: number; length_scale: number; noise_w: number };
  phoneme_id_map: Record<string, number[]>;
}

interface PiperSymbol {
  /** The IPA character, or a pad/boundary id that is not a phoneme. */
  text: string;
  ids: number[];
  phoneme: boolean;
  /** Index of the sentence's word this symbol belongs to, when it does. */
  word: number | null;
}

/**
 * A neural voice (Piper, VITS) in onnxruntime-node, with exact phoneme timings: espeak-ng turns each clause into
 * IPA, the voice's map turns that into ids, and the model's own durations (frames per id) place every phoneme in
 * the audio, so its chunks carry visemes like espeak-ng's do. One sentence is synthesized whole (about a
 * twentieth of real time here) and yielded as one chunk.
 */
export class PiperTts implements TTSAdapter {
  readonly label: string;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly config: PiperConfig,
    voicePath: string,
  ) {
    this.label = `piper:${path.basename(voicePath).replace(/(\.timed)?\.onnx$/, '')}`;
  }

  /** Loads the voice; a missing or unusable file fails here, naming its path. */
  static async create(voicePath = DEFAULT_PIPER_VOICE_PATH): Promise<PiperTts> {
    const fail = (reason: string, cause?: unknown): never => {
      throw new AppError('UNAVAILABLE', `Piper voice ${voicePath}: ${reason}`, {
        details: { path: voicePath },
        cause,
      });
    };
    if (!existsSync(voicePath)) fail('file not found (run scripts/setup.sh, or set PIPER_VOICE_PATH)');
    if (!existsSync(`${voicePath}.json`)) fail(`no voice config beside it (${voicePath}.json)`);
    let config: PiperConfig;
    try {
      config = JSON.parse(readFileSync(`${voicePath}.json`, 'utf8')) as PiperConfig;
    } catch (error) {
      return fail(`its config ${voicePath}.json is not JSON`, error);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(voicePath, { intraOpNumThreads: 2, interOpNumThreads: 1 });
    } catch (error) {
      return fail(`cannot be loaded, the file is corrupted or not an ONNX model (${String(error)})`, error);
    }
    if (!session.outputNames.includes(DURATIONS_OUTPUT)) {
      fail(
        'has no phoneme durations output; add it with scripts/piper-add-durations.py (see install-piper.sh)',
      );
    }
    return new PiperTts(session, config, voicePath);
  }

  async *synthesize(text: string, opts: { voice?: string; signal: AbortSignal }): AsyncGenerator<TtsChunk> {
    opts.signal.throwIfAborted();
    const symbols = await this.phonemize(text, opts.signal);
    if (!symbols.some((s) => s.phoneme)) return;
    const ids = symbols.flatMap((s) => s.ids);
    const { noise_scale, length_scale, noise_w } = this.config.inference;
    const out = await this.session.run({
      input: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      input_lengths: new ort.Tensor('int64', BigInt64Array.from([BigInt(ids.length)]), [1]),
      scales: new ort.Tensor('float32', Float32Array.from([noise_scale, length_scale, noise_w]), [3]),
    });
    opts.signal.throwIfAborted();
    const audio = out.output?.data as Float32Array;
    const frames = out[DURATIONS_OUTPUT]?.data as Float32Array;
    const sampleRate = this.config.audio.sample_rate;
    const { phonemes, words } = timings(symbols, frames, (SAMPLES_PER_FRAME * 1000) / sampleRate);
    yield {
      samples: toPcm16(audio),
      sampleRate,
      phonemes,
      phonemeAlphabet: 'ipa',
      words: wordTimings(text, words),
    };
  }

  /**
   * The sentence as Piper's symbols: BOS, then each clause's IPA (from the espeak-ng program, one call per
   * clause) followed by its punctuation, every symbol followed by the pad, then EOS.
   */
  private async phonemize(text: string, signal: AbortSignal): Promise<PiperSymbol[]> {
    const map = this.config.phoneme_id_map;
    const pad = map._ ?? [0];
    const clauses = [...text.matchAll(CLAUSE)].filter((m) => m[1]?.trim());
    const ipa = await Promise.all(
      clauses.map(async (m) => {
        const { stdout } = await run(
          'espeak-ng',
          // `--`: the model's text is never read as an option, even when it starts with a dash.
          ['-q', '--ipa', '-v', this.config.espeak.voice, '--', m[1] as string],
          {
            signal,
          },
        );
        return stdout.trim().split(/\s+/).filter(Boolean);
      }),
    );
    const symbols: PiperSymbol[] = [
      { text: '^', ids: [...(map['^'] ?? [1]), ...pad], phoneme: false, word: null },
    ];
    const add = (text: string, phoneme: boolean, word: number | null) => {
      const ids = map[text];
      // A character the voice was not trained on is left out, as Piper itself does.
      if (ids) symbols.push({ text, ids: [...ids, ...pad], phoneme, word });
    };
    let word = 0;
    clauses.forEach((clause, c) => {
      for (const [w, spoken] of (ipa[c] ?? []).entries()) {
        if (w > 0) add(' ', false, null);
        for (const char of spoken) add(char, true, word);
        word++;
      }
      for (const mark of clause[2] ?? '') add(mark, false, null);
      if (c < clauses.length - 1) add(' ', false, null);
    });
    symbols.push({ text: '$', ids: map.$ ?? [2], phoneme: false, word: null });
    return symbols;
  }
}

/**
 * Times each phoneme from the frames the model gave its ids: a stress mark's time goes to the phoneme after it,
 * a length mark's to the one before, pads to their symbol; spaces, punctuation and the boundaries are silence.
 */
function timings(symbols: PiperSymbol[], frames: Float32Array, msPerFrame: number) {
  const phonemes: PhonemeTiming[] = [];
  const words = new Map<number, { startMs: number; endMs: number }>();
  let frame = 0;
  let id = 0;
  let stressFrom: number | null = null;
  for (const symbol of symbols) {
    const start = frame;
    for (let i = 0; i < symbol.ids.length; i++) frame += frames[id++] ?? 0;
    if (!symbol.phoneme) continue;
    const startMs = (stressFrom ?? start) * msPerFrame;
    const endMs = frame * msPerFrame;
    if (STRESS.has(symbol.text)) {
      stressFrom ??= start;
      continue;
    }
    stressFrom = null;
    const last = phonemes.at(-1);
    if (LENGTH.has(symbol.text) && last) last.endMs = endMs;
    else phonemes.push({ phoneme: symbol.text, startMs, endMs });
    if (symbol.word !== null) {
      const known = words.get(symbol.word);
      words.set(symbol.word, { startMs: known?.startMs ?? startMs, endMs });
    }
  }
  return { phonemes, words };
}

/** Spoken words to the sentence's tokens, when espeak-ng said one word per token (no "3.5" → three words). */
function wordTimings(text: string, spoken: Map<number, { startMs: number; endMs: number }>): WordTiming[] {
  const tokens = textWords(text).filter((t) => /[\p{L}\p{N}]/u.test(t.token));
  if (tokens.length !== spoken.size) return [];
  return tokens.map((t, i) => ({
    word: spokenWord(t.token),
    index: t.index,
    ...(spoken.get(i) as { startMs: number; endMs: number }),
  }));
}

/** Piper's float audio at the peak level Piper itself uses, as PCM16. */
function toPcm16(audio: Float32Array): Int16Array {
  let peak = 0.01;
  for (const x of audio) peak = Math.max(peak, Math.abs(x));
  const scale = 32_767 / peak;
  return Int16Array.from(audio, (x) => Math.round(x * scale));
}
