import { ARKIT_BLENDSHAPES, frameCountFor, frameSampleRange, neutralWeights } from '../../domain/arkit';
import type { BlendshapeFrame } from '../../domain/session-events';
import type { ResamplerPool, StreamingResampler } from '../audio/resampler';
import { FEATURE_SAMPLE_RATE, FRAMES_PER_OUTPUT, HOP, LogMelExtractor, MEL_BINS } from './log-mel';
import type { BlendshapeStream, BlendshapeStreamOptions } from './types';

const WEIGHTS = ARKIT_BLENDSHAPES.length;
const SAMPLES_PER_OUTPUT = HOP * FRAMES_PER_OUTPUT;
/** Mean square below this (-80 dBFS) over a frame's audio is digital silence: the face is neutral, exactly. */
const SILENCE_POWER = 1e-8;
/** Largest block of outputs per inference call; longer pushes are split. */
export const MAX_BLOCK_OUTPUTS = 32;
const MIN_SAMPLE_RATE = 4000;
const MAX_SAMPLE_RATE = 384000;

/**
 * What differs between animators: given log-mel features for n outputs (bin-major [MEL_BINS][4n]), weights for
 * those outputs ([52][n]). Output q animates frame q - lookaheadFrames. Implementations keep their own state.
 */
export interface FrameModel {
  readonly lookaheadFrames: number;
  infer(features: Float32Array, outputs: number): Promise<Float32Array>;
  reset(): void;
}

/**
 * The shared streaming front end: sanitise -> resample to 24 kHz -> log-mel -> model blocks -> frames tied to
 * sample ranges at the session rate. Pushes run one at a time in arrival order.
 */
export class FrameStream implements BlendshapeStream {
  /** Borrowed from the pool on the first push, handed back at the end of the stream. */
  private resampler: StreamingResampler | null = null;
  private readonly extractor = new LogMelExtractor();
  /** Pending feature frames, frame-major, and the energy of each one's hop. */
  private pending = new Float32Array(MEL_BINS * FRAMES_PER_OUTPUT * MAX_BLOCK_OUTPUTS);
  private pendingEnergy = new Float64Array(FRAMES_PER_OUTPUT * MAX_BLOCK_OUTPUTS);
  private pendingFrames = 0;
  private readonly block = new Float32Array(MEL_BINS * FRAMES_PER_OUTPUT * MAX_BLOCK_OUTPUTS);
  /** Mean square of each output's own audio (outputPower[j] is output powerBase + j), kept until its frame is out. */
  private readonly outputPower: number[] = [];
  private powerBase = 0;
  private inputSamples = 0;
  private featureSamples = 0;
  private outputs = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly validRate: boolean;

  constructor(
    private readonly model: FrameModel,
    readonly sampleRate: number,
    private readonly options: BlendshapeStreamOptions,
    private readonly resamplers: ResamplerPool,
  ) {
    this.validRate =
      Number.isInteger(sampleRate) && sampleRate >= MIN_SAMPLE_RATE && sampleRate <= MAX_SAMPLE_RATE;
    if (!this.validRate) this.warn(`sample rate ${sampleRate} is not usable; this stream gives no frames`);
  }

  push(samples: Int16Array | Float32Array): Promise<BlendshapeFrame[]> {
    return this.serialised(() => this.pushNow(samples));
  }

  flush(): Promise<BlendshapeFrame[]> {
    return this.serialised(() => this.flushNow());
  }

  private serialised(work: () => Promise<BlendshapeFrame[]>): Promise<BlendshapeFrame[]> {
    const run = this.queue.then(work).catch((error: unknown) => {
      this.warn(`blendshape stream failed: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    });
    this.queue = run;
    return run;
  }

  private async pushNow(samples: Int16Array | Float32Array): Promise<BlendshapeFrame[]> {
    if (!this.validRate || samples.length === 0) return [];
    this.resampler ??= await this.resamplers.acquire(this.sampleRate, FEATURE_SAMPLE_RATE);
    this.inputSamples += samples.length;
    this.addFeatures(this.resampler.pushFloat(this.sanitise(samples)));
    return this.run(Number.POSITIVE_INFINITY);
  }

  private async flushNow(): Promise<BlendshapeFrame[]> {
    if (!this.validRate || !this.resampler || this.inputSamples === 0) return this.resetNow([]);
    const expected = Math.round((this.inputSamples * FEATURE_SAMPLE_RATE) / this.sampleRate);
    const tail = this.resampler.flush();
    this.addFeatures(tail.subarray(0, Math.max(0, expected - this.featureSamples)));
    const frameCount = frameCountFor(this.inputSamples, this.sampleRate);
    // Silence after the end lets the model see its look-ahead for the last frames.
    const needed = (frameCount + this.model.lookaheadFrames) * SAMPLES_PER_OUTPUT;
    this.addFeatures(new Float32Array(Math.max(0, needed - this.featureSamples)));
    return this.resetNow(await this.run(frameCount));
  }

  private resetNow(frames: BlendshapeFrame[]): BlendshapeFrame[] {
    if (this.resampler) this.resamplers.release(this.resampler);
    this.resampler = null;
    this.extractor.reset();
    this.model.reset();
    this.pendingFrames = 0;
    this.outputPower.length = 0;
    this.powerBase = 0;
    this.inputSamples = this.featureSamples = this.outputs = 0;
    return frames;
  }

  private sanitise(samples: Int16Array | Float32Array): Float32Array {
    const out = new Float32Array(samples.length);
    const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
    let bad = 0;
    for (let i = 0; i < samples.length; i++) {
      const value = samples[i]! * scale;
      if (Number.isFinite(value)) out[i] = Math.min(1, Math.max(-1, value));
      else bad++;
    }
    if (bad > 0) this.warn(`${bad} non-finite samples replaced by silence`);
    return out;
  }

  private addFeatures(samples: Float32Array): void {
    this.featureSamples += samples.length;
    this.extractor.push(samples, (features, energy) => {
      if ((this.pendingFrames + 1) * MEL_BINS > this.pending.length) this.grow();
      for (let b = 0; b < MEL_BINS; b++) this.pending[this.pendingFrames * MEL_BINS + b] = features[b]!;
      this.pendingEnergy[this.pendingFrames] = energy;
      this.pendingFrames++;
    });
  }

  private grow(): void {
    const pending = new Float32Array(this.pending.length * 2);
    pending.set(this.pending);
    const energy = new Float64Array(this.pendingEnergy.length * 2);
    energy.set(this.pendingEnergy);
    this.pending = pending;
    this.pendingEnergy = energy;
  }

  /** Runs every complete output through the model and returns the frames (below `frameLimit`) they release. */
  private async run(frameLimit: number): Promise<BlendshapeFrame[]> {
    const frames: BlendshapeFrame[] = [];
    let consumed = 0;
    while (this.pendingFrames - consumed >= FRAMES_PER_OUTPUT) {
      const n = Math.min(MAX_BLOCK_OUTPUTS, Math.floor((this.pendingFrames - consumed) / FRAMES_PER_OUTPUT));
      const span = n * FRAMES_PER_OUTPUT;
      const features = this.block.subarray(0, MEL_BINS * span);
      for (let t = 0; t < span; t++) {
        for (let b = 0; b < MEL_BINS; b++)
          features[b * span + t] = this.pending[(consumed + t) * MEL_BINS + b]!;
      }
      for (let q = 0; q < n; q++) {
        let energy = 0;
        for (let h = 0; h < FRAMES_PER_OUTPUT; h++)
          energy += this.pendingEnergy[consumed + q * FRAMES_PER_OUTPUT + h]!;
        this.outputPower.push(energy / SAMPLES_PER_OUTPUT);
      }
      const weights = await this.infer(features, n);
      for (let q = 0; q < n; q++) {
        const index = this.outputs + q - this.model.lookaheadFrames;
        if (index < 0 || index >= frameLimit) continue;
        frames.push(this.frame(index, weights, q, n, this.outputPower[index - this.powerBase] ?? 0));
      }
      this.outputs += n;
      const done = Math.max(0, this.outputs - this.model.lookaheadFrames - this.powerBase);
      this.outputPower.splice(0, done);
      this.powerBase += done;
      consumed += span;
    }
    this.pending.copyWithin(0, consumed * MEL_BINS, this.pendingFrames * MEL_BINS);
    this.pendingEnergy.copyWithin(0, consumed, this.pendingFrames);
    this.pendingFrames -= consumed;
    return frames;
  }

  private async infer(features: Float32Array, n: number): Promise<Float32Array | null> {
    try {
      return await this.model.infer(features, n);
    } catch (error) {
      this.warn(
        `blendshape inference failed, neutral frames instead: ${error instanceof Error ? error.message : error}`,
      );
      return null;
    }
  }

  private frame(
    index: number,
    weights: Float32Array | null,
    q: number,
    n: number,
    power: number,
  ): BlendshapeFrame {
    const range = frameSampleRange(index, this.sampleRate);
    const frame = {
      index,
      ...range,
      sampleEnd: Math.min(range.sampleEnd, this.inputSamples),
      weights: neutralWeights(),
    };
    if (!weights || power < SILENCE_POWER) return frame;
    for (let k = 0; k < WEIGHTS; k++) {
      const w = weights[k * n + q]!;
      frame.weights[k] = Number.isFinite(w) ? Math.min(1, Math.max(0, w)) : 0;
    }
    return frame;
  }

  private warn(message: string): void {
    this.options.onWarning?.(message);
  }
}
