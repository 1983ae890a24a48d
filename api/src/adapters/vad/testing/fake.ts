import { AppError } from '../../../errors';
import type { VoiceActivityDetector } from '../types';

export interface FakeVadOptions {
  /** Probability for window i (counted from the last reset); past the end, `after` is used. */
  probabilities?: number[] | ((windowIndex: number, window: Float32Array) => number);
  after?: number;
  /** Delay before each result, to exercise slow consumers. */
  latencyMs?: number;
  /** Throw this from process() (e.g. to test how the pipeline reports VAD failure). */
  failWith?: Error;
}

/** Scriptable VAD for pipeline tests: no model, deterministic probabilities. */
export class FakeVad implements VoiceActivityDetector {
  readonly label = 'fake-vad';
  readonly sampleRate = 16_000;
  readonly windowSize = 512;
  /** Windows seen since construction, across resets. */
  readonly windows: Float32Array[] = [];
  resets = 0;
  #index = 0;
  readonly #opts: FakeVadOptions;

  constructor(opts: FakeVadOptions = {}) {
    this.#opts = opts;
  }

  async process(window: Float32Array): Promise<number> {
    if (window.length !== this.windowSize) {
      throw new AppError('BAD_INPUT', `VAD needs ${this.windowSize}-sample windows, got ${window.length}`);
    }
    if (this.#opts.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.#opts.latencyMs));
    if (this.#opts.failWith) throw this.#opts.failWith;
    this.windows.push(window.slice());
    const index = this.#index++;
    const script = this.#opts.probabilities;
    if (typeof script === 'function') return script(index, window);
    return script?.[index] ?? this.#opts.after ?? 0;
  }

  reset(): void {
    this.#index = 0;
    this.resets++;
  }
}
