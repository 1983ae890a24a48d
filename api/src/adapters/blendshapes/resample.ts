import libsamplerate from '@alexanderolsen/libsamplerate-js';

type Src = Awaited<ReturnType<typeof libsamplerate.create>>;

/**
 * Streaming mono resampler (libsamplerate, sinc). Output is time-aligned with input; libsamplerate holds back a
 * few samples until more input comes, which `drain` releases by feeding silence.
 */
export class StreamingResampler {
  private src: Src | null = null;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {}

  async process(samples: Float32Array): Promise<Float32Array> {
    if (this.fromRate === this.toRate) return samples;
    if (samples.length === 0) return samples;
    this.src ??= await libsamplerate.create(1, this.fromRate, this.toRate, {
      converterType: libsamplerate.ConverterType.SRC_SINC_FASTEST,
    });
    return this.src.full(samples);
  }

  /** The held-back tail (plus some silence, which callers trim by length). */
  async drain(): Promise<Float32Array> {
    if (this.fromRate === this.toRate || !this.src) return new Float32Array(0);
    const tail = this.src.full(new Float32Array(Math.ceil(this.fromRate / 50)));
    this.reset();
    return tail;
  }

  reset(): void {
    this.src?.destroy();
    this.src = null;
  }
}
