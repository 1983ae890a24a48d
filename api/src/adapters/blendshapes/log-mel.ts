/**
 * Log-mel features, the wav2arkit model's input: the same numbers as models/wav2arkit/features.py (a fixture
 * written by the Python side checks it). Frame m ends at sample (m+1)*HOP and sees the WINDOW samples before
 * it, so it needs no audio after its own end.
 */
export const FEATURE_SAMPLE_RATE = 24000;
export const WINDOW = 400;
export const HOP = 200;
export const FFT_SIZE = 512;
export const MEL_BINS = 40;
export const MEL_MIN_HZ = 50;
export const MEL_MAX_HZ = 8000;
export const LOG_FLOOR = 1e-6;
/** Feature frames per 30 fps output frame (800 samples at 24 kHz). */
export const FRAMES_PER_OUTPUT = 4;
/** The feature of digital silence, also what precedes the start of a stream. */
export const SILENCE_FEATURE = Math.log(LOG_FLOOR);

const hzToMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const melToHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);

/** [MEL_BINS][FFT_SIZE/2+1] triangular HTK-mel filters, stored sparsely as (first bin, weights). */
function melFilterbank(): { first: number; weights: Float64Array }[] {
  const lowMel = hzToMel(MEL_MIN_HZ);
  const step = (hzToMel(MEL_MAX_HZ) - lowMel) / (MEL_BINS + 1);
  const edges = Array.from({ length: MEL_BINS + 2 }, (_, i) => melToHz(lowMel + i * step));
  const bins = FFT_SIZE / 2 + 1;
  return Array.from({ length: MEL_BINS }, (_, m) => {
    const [low, centre, high] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const all = Float64Array.from({ length: bins }, (_, k) => {
      const hz = (k * FEATURE_SAMPLE_RATE) / FFT_SIZE;
      return Math.max(0, Math.min((hz - low) / (centre - low), (high - hz) / (high - centre)));
    });
    const first = all.findIndex((w) => w > 0);
    const last = all.findLastIndex((w) => w > 0);
    return { first, weights: all.slice(first, last + 1) };
  });
}

const FILTERBANK = melFilterbank();
const HANN = Float64Array.from(
  { length: WINDOW },
  (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / WINDOW),
);

/** In-place iterative radix-2 FFT over FFT_SIZE points with precomputed twiddles. */
class Fft {
  private readonly cos = new Float64Array(FFT_SIZE / 2);
  private readonly sin = new Float64Array(FFT_SIZE / 2);
  private readonly reversed = new Uint32Array(FFT_SIZE);

  constructor() {
    for (let i = 0; i < FFT_SIZE / 2; i++) {
      this.cos[i] = Math.cos((-2 * Math.PI * i) / FFT_SIZE);
      this.sin[i] = Math.sin((-2 * Math.PI * i) / FFT_SIZE);
    }
    const bits = Math.log2(FFT_SIZE);
    for (let i = 0; i < FFT_SIZE; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
  }

  transform(re: Float64Array, im: Float64Array): void {
    for (let i = 0; i < FFT_SIZE; i++) {
      const j = this.reversed[i]!;
      if (j > i) {
        [re[i], re[j]] = [re[j]!, re[i]!];
        [im[i], im[j]] = [im[j]!, im[i]!];
      }
    }
    for (let size = 2; size <= FFT_SIZE; size *= 2) {
      const half = size / 2;
      const stride = FFT_SIZE / size;
      for (let start = 0; start < FFT_SIZE; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * stride]!;
          const wi = this.sin[k * stride]!;
          const a = start + k;
          const b = a + half;
          const tr = re[b]! * wr - im[b]! * wi;
          const ti = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
        }
      }
    }
  }
}

/**
 * Streaming log-mel: push 24 kHz samples in any chunk sizes, read complete frames. Keeps the last
 * WINDOW-HOP samples between pushes; allocates nothing per frame.
 */
export class LogMelExtractor {
  private readonly history = new Float64Array(WINDOW);
  /** Samples of the current, incomplete hop (written at history[WINDOW-HOP+filled]). */
  private filled = 0;
  private readonly fft = new Fft();
  private readonly re = new Float64Array(FFT_SIZE);
  private readonly im = new Float64Array(FFT_SIZE);

  /** Calls `onFrame(features, hopEnergy)` for each completed frame; `features` is reused between calls. */
  push(samples: ArrayLike<number>, onFrame: (features: Float64Array, hopEnergy: number) => void): void {
    const features = new Float64Array(MEL_BINS);
    for (let i = 0; i < samples.length; i++) {
      this.history[WINDOW - HOP + this.filled] = samples[i]!;
      this.filled++;
      if (this.filled === HOP) {
        onFrame(this.compute(features), this.hopEnergy());
        this.history.copyWithin(0, HOP);
        this.filled = 0;
      }
    }
  }

  reset(): void {
    this.history.fill(0);
    this.filled = 0;
  }

  private hopEnergy(): number {
    let sum = 0;
    for (let i = WINDOW - HOP; i < WINDOW; i++) sum += this.history[i]! * this.history[i]!;
    return sum;
  }

  private compute(out: Float64Array): Float64Array {
    this.re.fill(0);
    this.im.fill(0);
    for (let n = 0; n < WINDOW; n++) this.re[n] = this.history[n]! * HANN[n]!;
    this.fft.transform(this.re, this.im);
    for (let m = 0; m < MEL_BINS; m++) {
      const { first, weights } = FILTERBANK[m]!;
      let energy = 0;
      for (let k = 0; k < weights.length; k++) {
        const re = this.re[first + k]!;
        const im = this.im[first + k]!;
        energy += weights[k]! * (re * re + im * im);
      }
      out[m] = Math.log(energy + LOG_FLOOR);
    }
    return out;
  }
}

/** Whole-signal log-mel, [frames][MEL_BINS]; a trailing partial hop is dropped (as in features.py). */
export function logMel(samples: ArrayLike<number>): Float64Array[] {
  const frames: Float64Array[] = [];
  new LogMelExtractor().push(samples, (features) => frames.push(features.slice()));
  return frames;
}
