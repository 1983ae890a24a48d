import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PcmAudio } from '../../domain/audio';
import { BadInputError, ProviderError } from '../../errors';
import { encodeWav } from '../audio/wav';
import { sttFailure } from './provider-error';
import type { STTAdapter, SttResult } from './types';

/** The acoustic model's rate: the microphone path already delivers utterances at it. */
const POCKETSPHINX_SAMPLE_RATE = 16_000;

export interface PocketsphinxOptions {
  /** Debian's `pocketsphinx` package binary. */
  binary?: string;
  /** Debian's `pocketsphinx-en-us` model folder. */
  modelDir?: string;
  /** A runaway decode is killed after this long. */
  timeoutMs?: number;
}

const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
/** `-time yes` word lines: word, start s, end s, posterior probability. */
const WORD_LINE = /^(\S+) (\d+\.\d+) (\d+\.\d+) (\d+(?:\.\d+)?)$/;
const FILLER = /^(<s>|<\/s>|<sil>|\[.*\]|\+\+.*\+\+)$/;

/**
 * Offline, local speech recognition: one `pocketsphinx_continuous` process per utterance, fed a WAV file.
 * Rough accuracy, no network, no keys: the default that always works.
 */
export class PocketsphinxStt implements STTAdapter {
  readonly label = 'pocketsphinx';
  readonly local = true;
  readonly #binary: string;
  readonly #modelDir: string;
  readonly #timeoutMs: number;

  constructor(opts: PocketsphinxOptions = {}) {
    this.#binary = opts.binary ?? 'pocketsphinx_continuous';
    this.#modelDir = opts.modelDir ?? DEFAULT_MODEL_DIR;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async *transcribe(
    audio: PcmAudio,
    opts: { signal: AbortSignal; language?: string },
  ): AsyncIterable<SttResult> {
    if (audio.sampleRate !== POCKETSPHINX_SAMPLE_RATE) {
      throw new BadInputError(
        `pocketsphinx needs ${POCKETSPHINX_SAMPLE_RATE} Hz audio, got ${audio.sampleRate}`,
      );
    }
    if (opts.language && !opts.language.toLowerCase().startsWith('en')) {
      throw new ProviderError(this.label, `only English is installed, not ${opts.language}`, {
        retryable: true,
      });
    }
    opts.signal.throwIfAborted();
    const dir = await mkdtemp(join(tmpdir(), 'pocketsphinx-'));
    try {
      const wavPath = join(dir, 'utterance.wav');
      await writeFile(wavPath, encodeWav(audio));
      const stdout = await this.#run(wavPath, opts.signal);
      yield parseOutput(stdout);
    } catch (err) {
      throw sttFailure(this.label, err, opts.signal, (cause) => ({
        message: cause instanceof Error ? cause.message : String(cause),
        // A local engine failing says nothing about the next provider: let it try.
        retryable: true,
      }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  #run(wavPath: string, signal: AbortSignal): Promise<string> {
    const args = [
      ['-infile', wavPath],
      ['-hmm', join(this.#modelDir, 'en-us')],
      ['-lm', join(this.#modelDir, 'en-us.lm.bin')],
      ['-dict', join(this.#modelDir, 'cmudict-en-us.dict')],
      ['-time', 'yes'],
      ['-logfn', '/dev/null'],
    ].flat();
    return new Promise((resolve, reject) => {
      const child = spawn(this.#binary, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        signal,
        killSignal: 'SIGKILL',
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#timeoutMs);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-2000);
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, killedBy) => {
        clearTimeout(timer);
        if (code === 0) resolve(stdout);
        else if (killedBy === 'SIGKILL' && !signal.aborted) {
          reject(new ProviderError(this.label, `timed out after ${this.#timeoutMs} ms`, { timeout: true }));
        } else
          reject(new Error(`${this.#binary} exited with ${code ?? killedBy}: ${stderr.trim().slice(-300)}`));
      });
    });
  }
}

/** Hypothesis lines are the text; word lines give each word's posterior, averaged into a confidence. */
export function parseOutput(stdout: string): SttResult {
  const hypotheses: string[] = [];
  const posteriors: number[] = [];
  for (const line of stdout.split('\n').map((l) => l.trim())) {
    if (!line) continue;
    const word = WORD_LINE.exec(line);
    if (!word) hypotheses.push(line);
    else if (!FILLER.test(word[1]!)) posteriors.push(Math.min(1, Number(word[4])));
  }
  const text = hypotheses.join(' ').replace(/\s+/g, ' ').trim();
  const confidence = posteriors.length ? posteriors.reduce((a, b) => a + b, 0) / posteriors.length : 0;
  return { text, isFinal: true, confidence, alternatives: [] };
}
