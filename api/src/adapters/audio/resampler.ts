import { createRequire } from 'node:module';
import { AppError } from '../../errors';
import { PolyphaseDecimator } from './polyphase-decimator';

// The package is CommonJS without named ESM exports; require() keeps its real types.
const require = createRequire(import.meta.url);
const libsamplerate =
  require('@alexanderolsen/libsamplerate-js') as typeof import('@alexanderolsen/libsamplerate-js');
type ConverterTypeValue = NonNullable<Parameters<typeof libsamplerate.create>[3]>['converterType'];

export type ResamplerQuality = 'fastest' | 'medium' | 'best';

const CONVERTER: Record<ResamplerQuality, ConverterTypeValue> = {
  best: libsamplerate.ConverterType.SRC_SINC_BEST_QUALITY,
  medium: libsamplerate.ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fastest: libsamplerate.ConverterType.SRC_SINC_FASTEST,
};

export interface ResamplerOptions {
  inputRate: number;
  outputRate: number;
  /** Band-limited sinc in every case; 'fastest' (the default) keeps hundreds of streams affordable. */
  quality?: ResamplerQuality;
}

/** Int16 PCM to floats in [-1, 1), the form VAD models and libsamplerate take. */
export function int16ToFloat32(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i]! / 32768;
  return out;
}

/** Floats to Int16 PCM, clipping instead of wrapping around when a resampler overshoots. */
export function float32ToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    out[i] = Math.round(s < 0 ? s * 32768 : s * 32767);
  }
  return out;
}

/** Work done by the resamplers of one conversion (`48000>16000`), since start: the capacity figures' resample stage. */
export interface ConversionStats {
  chunks: number;
  inputSamples: number;
  /** Wall time inside push(), Int16 conversion included. */
  busyMs: number;
}

/** The filter behind a StreamingResampler: libsamplerate, or an exact decimator for integer ratios down. */
interface Converter {
  /** Converts the next chunk; the result is the caller's to keep. */
  process(samples: Float32Array): Float32Array;
  /** The same from PCM16, where the filter can take it without a Float32 copy first. */
  processInt16?(pcm: Int16Array): Float32Array;
  reset(): void;
  destroy(): void;
}

/**
 * Streaming sample-rate conversion for one utterance at a time: push chunks as they arrive, flush at the
 * end of the utterance, reset() before the next one. Filter state carries across pushes, so chunk
 * boundaries leave no clicks. Equal rates pass through untouched; integer ratios down (48 → 16 kHz) use the
 * polyphase decimator, every other ratio libsamplerate.
 */
export class StreamingResampler {
  readonly inputRate: number;
  readonly outputRate: number;
  readonly #converter: Converter | null;
  readonly #stats: ConversionStats | undefined;
  #inputSamples = 0;
  #outputSamples = 0;

  private constructor(opts: ResamplerOptions, converter: Converter | null, stats?: ConversionStats) {
    this.inputRate = opts.inputRate;
    this.outputRate = opts.outputRate;
    this.#converter = converter;
    this.#stats = stats;
  }

  /** `stats`, when given, is shared by many resamplers and accumulates what push() costs them. */
  static async create(opts: ResamplerOptions, stats?: ConversionStats): Promise<StreamingResampler> {
    for (const rate of [opts.inputRate, opts.outputRate]) {
      if (!Number.isInteger(rate) || rate < 1000 || rate > 192_000) {
        throw new AppError('BAD_INPUT', `Unsupported sample rate ${rate}`);
      }
    }
    if (opts.inputRate === opts.outputRate) return new StreamingResampler(opts, null, stats);
    if (opts.inputRate % opts.outputRate === 0) {
      const decimator = new PolyphaseDecimator(opts.inputRate / opts.outputRate);
      return new StreamingResampler(
        opts,
        {
          process: (samples) => decimator.process(samples),
          processInt16: (pcm) => decimator.processInt16(pcm),
          reset: () => decimator.reset(),
          destroy: () => undefined,
        },
        stats,
      );
    }
    const src = await libsamplerate.create(1, opts.inputRate, opts.outputRate, {
      converterType: CONVERTER[opts.quality ?? 'fastest'],
    });
    return new StreamingResampler(
      opts,
      {
        // full() returns a view into WASM memory that the next call overwrites: copy it out.
        process: (samples) => src.full(samples).slice(),
        // The setter re-initialises libsamplerate's state for the same rates.
        reset: () => {
          src.inputSampleRate = opts.inputRate;
        },
        destroy: () => src.destroy(),
      },
      stats,
    );
  }

  /** Resamples the next chunk; may return fewer samples than the ratio suggests until the filter fills. */
  push(pcm: Int16Array): Float32Array {
    const started = this.#stats ? performance.now() : 0;
    let out: Float32Array;
    if (this.#converter?.processInt16) {
      this.#inputSamples += pcm.length;
      out = this.#take(this.#converter.processInt16(pcm));
    } else {
      out = this.pushFloat(int16ToFloat32(pcm));
    }
    if (!this.#stats) return out;
    this.#stats.chunks++;
    this.#stats.inputSamples += pcm.length;
    this.#stats.busyMs += performance.now() - started;
    return out;
  }

  pushFloat(samples: Float32Array): Float32Array {
    this.#inputSamples += samples.length;
    if (!this.#converter) {
      this.#outputSamples += samples.length;
      return samples;
    }
    return this.#take(this.#converter.process(samples));
  }

  /** Drains what the filter still holds so the utterance's output has exactly the expected length. */
  flush(): Float32Array {
    if (!this.#converter) return new Float32Array(0);
    const expected = Math.round((this.#inputSamples * this.outputRate) / this.inputRate);
    const parts: Float32Array[] = [];
    // Neither filter has an end-of-input call: feeding silence pushes the delayed tail out.
    const silence = new Float32Array(Math.max(64, Math.ceil(this.inputRate / 100)));
    for (let guard = 0; this.#outputSamples < expected && guard < 100; guard++) {
      parts.push(this.#take(this.#converter.process(silence)));
    }
    return concatFloat32(parts);
  }

  /** Forgets the previous utterance (filter state and counters) without reloading the WASM module. */
  reset(): void {
    this.#inputSamples = 0;
    this.#outputSamples = 0;
    this.#converter?.reset();
  }

  destroy(): void {
    this.#converter?.destroy();
  }

  /** Never hands out more than the input duration justifies, so the padding from flush() is cut. */
  #take(out: Float32Array): Float32Array {
    const expected = Math.round((this.#inputSamples * this.outputRate) / this.inputRate);
    const room = Math.max(0, expected - this.#outputSamples);
    const taken = out.length > room ? out.subarray(0, room) : out;
    this.#outputSamples += taken.length;
    return taken;
  }
}

/**
 * Reuses resamplers across utterances and sessions. Each libsamplerate-js instance loads its own WASM
 * module (about 20 ms and a 26 MB memory reservation), so creating one per utterance for hundreds of
 * streams would cost more than the resampling itself.
 */
export class ResamplerPool {
  readonly #idle = new Map<string, StreamingResampler[]>();
  readonly #maxIdlePerRate: number;
  readonly #quality: ResamplerQuality | undefined;
  readonly #stats = new Map<string, ConversionStats>();

  constructor(opts: { maxIdlePerRate?: number; quality?: ResamplerQuality } = {}) {
    this.#maxIdlePerRate = opts.maxIdlePerRate ?? 64;
    this.#quality = opts.quality;
  }

  async acquire(inputRate: number, outputRate: number): Promise<StreamingResampler> {
    const key = `${inputRate}>${outputRate}`;
    const idle = this.#idle.get(key)?.pop();
    if (idle) return idle;
    let stats = this.#stats.get(key);
    if (!stats) {
      stats = { chunks: 0, inputSamples: 0, busyMs: 0 };
      this.#stats.set(key, stats);
    }
    return StreamingResampler.create({ inputRate, outputRate, quality: this.#quality }, stats);
  }

  /**
   * What this pool's resamplers cost per conversion (`48000>16000`) since start. Microphone input and speech output
   * share the pool; keyed by conversion, a 48 kHz microphone's cost stays apart from speech arriving at 22.05/24 kHz.
   */
  stats(): Record<string, ConversionStats> {
    return Object.fromEntries([...this.#stats].map(([key, stats]) => [key, { ...stats }]));
  }

  /** Hands a resampler back, reset for its next utterance. */
  release(resampler: StreamingResampler): void {
    const key = `${resampler.inputRate}>${resampler.outputRate}`;
    const idle = this.#idle.get(key) ?? [];
    if (idle.length >= this.#maxIdlePerRate) {
      resampler.destroy();
      return;
    }
    resampler.reset();
    idle.push(resampler);
    this.#idle.set(key, idle);
  }

  /** Frees every idle resampler (at shutdown). */
  clear(): void {
    for (const idle of this.#idle.values()) for (const resampler of idle) resampler.destroy();
    this.#idle.clear();
  }
}

export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Cuts a stream of samples into fixed-size windows (e.g. 512 samples for Silero at 16 kHz), keeping the
 * remainder for the next push.
 */
export class WindowAssembler {
  readonly windowSize: number;
  readonly #pending: Float32Array;
  #filled = 0;

  constructor(windowSize: number) {
    this.windowSize = windowSize;
    this.#pending = new Float32Array(windowSize);
  }

  push(samples: Float32Array): Float32Array[] {
    const windows: Float32Array[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const n = Math.min(this.windowSize - this.#filled, samples.length - offset);
      this.#pending.set(samples.subarray(offset, offset + n), this.#filled);
      this.#filled += n;
      offset += n;
      if (this.#filled === this.windowSize) {
        windows.push(this.#pending.slice());
        this.#filled = 0;
      }
    }
    return windows;
  }

  /** Samples waiting for a full window. */
  get buffered(): number {
    return this.#filled;
  }

  reset(): void {
    this.#filled = 0;
  }
}

/** A whole clip at another rate (a finished utterance handed to a provider that hears at its own rate). */
export async function resampleClip(
  pool: ResamplerPool,
  samples: Int16Array,
  inputRate: number,
  outputRate: number,
): Promise<Int16Array> {
  if (inputRate === outputRate) return samples;
  const resampler = await pool.acquire(inputRate, outputRate);
  try {
    return float32ToInt16(concatFloat32([resampler.push(samples), resampler.flush()]));
  } finally {
    pool.release(resampler);
  }
}
