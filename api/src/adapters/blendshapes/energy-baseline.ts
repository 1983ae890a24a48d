import { ARKIT_BLENDSHAPES, ARKIT_INDEX } from '../../domain/arkit';
import { ResamplerPool } from '../audio/resampler';
import { type FrameModel, FrameStream } from './frame-stream';
import { FRAMES_PER_OUTPUT, MEL_BINS, MEL_MAX_HZ, MEL_MIN_HZ } from './log-mel';
import type { BlendshapeAnimator, BlendshapeStreamOptions } from './types';

const index = (name: string) => ARKIT_INDEX.get(name)!;
const JAW = index('jawOpen');
const STRETCH = [index('mouthStretchLeft'), index('mouthStretchRight')];
const FUNNEL = index('mouthFunnel');
const PUCKER = index('mouthPucker');
const LOWER_DOWN = [index('mouthLowerDownLeft'), index('mouthLowerDownRight')];

/** Mel bin centre frequencies, to split the spectrum into bands. */
const CENTRES = (() => {
  const toMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
  const step = (toMel(MEL_MAX_HZ) - toMel(MEL_MIN_HZ)) / (MEL_BINS + 1);
  return Array.from(
    { length: MEL_BINS },
    (_, m) => 700 * (10 ** ((toMel(MEL_MIN_HZ) + (m + 1) * step) / 2595) - 1),
  );
})();
const LOW_HZ = 900;
const HIGH_HZ = 3500;
/** Dynamic range mapped onto jaw opening, below the loudest recent level. */
const RANGE_DB = 35;
/** Per-output smoothing: the jaw opens faster than it closes, like speech does. */
const ATTACK = 0.6;
const RELEASE = 0.35;
/** The reference level decays so a quieter talker still moves the jaw. */
const PEAK_DECAY_DB_PER_OUTPUT = 0.05;

/**
 * The baseline animator: loudness opens the jaw, high-band energy (fricatives, /i/) stretches the lips, a
 * low-band-dominated spectrum (/o/, /u/) rounds them. No look-ahead, no model; the yardstick wav2arkit is
 * compared against.
 */
class EnergyBandModel implements FrameModel {
  readonly lookaheadFrames = 0;
  private peakDb = -Infinity;
  private readonly smoothed = new Float32Array(ARKIT_BLENDSHAPES.length);

  async infer(features: Float32Array, outputs: number): Promise<Float32Array> {
    const weights = new Float32Array(ARKIT_BLENDSHAPES.length * outputs);
    const span = outputs * FRAMES_PER_OUTPUT;
    for (let q = 0; q < outputs; q++) {
      let low = 0;
      let mid = 0;
      let high = 0;
      for (let t = q * FRAMES_PER_OUTPUT; t < (q + 1) * FRAMES_PER_OUTPUT; t++) {
        for (let b = 0; b < MEL_BINS; b++) {
          const energy = Math.exp(features[b * span + t]!);
          const hz = CENTRES[b]!;
          if (hz < LOW_HZ) low += energy;
          else if (hz < HIGH_HZ) mid += energy;
          else high += energy;
        }
      }
      const total = low + mid + high;
      const levelDb = 10 * Math.log10(total / FRAMES_PER_OUTPUT + 1e-12);
      this.peakDb = Math.max(levelDb, this.peakDb - PEAK_DECAY_DB_PER_OUTPUT);
      const openness = Math.min(1, Math.max(0, (levelDb - (this.peakDb - RANGE_DB)) / RANGE_DB)) ** 1.5;
      const target = new Float32Array(ARKIT_BLENDSHAPES.length);
      target[JAW] = 0.7 * openness;
      const highShare = high / (total + 1e-12);
      const lowShare = low / (total + 1e-12);
      for (const k of STRETCH) target[k] = 0.5 * openness * Math.min(1, 2 * highShare);
      target[FUNNEL] = 0.5 * openness * Math.max(0, lowShare - 0.6) * 2.5;
      target[PUCKER] = 0.8 * target[FUNNEL]!;
      for (const k of LOWER_DOWN) target[k] = 0.3 * openness;
      for (let k = 0; k < target.length; k++) {
        const previous = this.smoothed[k]!;
        const rate = target[k]! > previous ? ATTACK : RELEASE;
        this.smoothed[k] = previous + rate * (target[k]! - previous);
        weights[k * outputs + q] = this.smoothed[k]!;
      }
    }
    return weights;
  }

  reset(): void {
    this.peakDb = -Infinity;
    this.smoothed.fill(0);
  }
}

export class EnergyBaselineAnimator implements BlendshapeAnimator {
  readonly label = 'energy-baseline';
  constructor(private readonly resamplers = new ResamplerPool()) {}

  createStream(sampleRate: number, options?: BlendshapeStreamOptions): FrameStream {
    return new FrameStream(new EnergyBandModel(), sampleRate, options ?? {}, this.resamplers);
  }
}
