import { describe, expect, it } from 'vitest';
import {
  concatFloat32,
  float32ToInt16,
  int16ToFloat32,
  ResamplerPool,
  StreamingResampler,
  WindowAssembler,
} from './resampler';

function tone(hz: number, rate: number, seconds: number, amplitude = 0.5): Int16Array {
  return float32ToInt16(
    new Float32Array(Math.round(rate * seconds)).map(
      (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate),
    ),
  );
}

/** Dominant frequency by counting zero crossings: enough to see a tone kept its pitch. */
function estimateHz(samples: Float32Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return (crossings / 2) * (rate / samples.length);
}

function rms(samples: Float32Array): number {
  return Math.sqrt(samples.reduce((s, x) => s + x * x, 0) / samples.length);
}

async function resampleInChunks(input: Int16Array, inputRate: number, outputRate: number, chunk: number) {
  const resampler = await StreamingResampler.create({ inputRate, outputRate });
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(resampler.push(input.subarray(i, i + chunk)));
  parts.push(resampler.flush());
  resampler.destroy();
  return concatFloat32(parts);
}

describe('StreamingResampler', () => {
  it.each([8000, 24_000, 48_000])(
    'streams %i Hz to 16 kHz with exact length and the same pitch',
    async (rate) => {
      const input = tone(440, rate, 1);
      // 20 ms chunks, like a browser mic over a socket.
      const out = await resampleInChunks(input, rate, 16_000, rate / 50);
      expect(out.length).toBe(16_000);
      expect(estimateHz(out.subarray(800, 15_200), 16_000)).toBeCloseTo(440, -1);
      expect(rms(out.subarray(800, 15_200))).toBeCloseTo(0.5 / Math.SQRT2, 1);
    },
  );

  it('upsamples 16 kHz to 24 kHz for stages that need it', async () => {
    const out = await resampleInChunks(tone(300, 16_000, 0.5), 16_000, 24_000, 333);
    expect(out.length).toBe(12_000);
    expect(estimateHz(out.subarray(1000, 11_000), 24_000)).toBeCloseTo(300, -1);
  });

  it('removes content above the new Nyquist frequency instead of aliasing it', async () => {
    // 11 kHz is above 8 kHz Nyquist of the 16 kHz output: a real low-pass filter drops it.
    const out = await resampleInChunks(tone(11_000, 48_000, 0.5), 48_000, 16_000, 960);
    expect(rms(out.subarray(400, 7600))).toBeLessThan(0.01);
  });

  it('chunk boundaries do not change the result', async () => {
    const input = tone(500, 48_000, 0.4);
    const whole = await resampleInChunks(input, 48_000, 16_000, input.length);
    const chunked = await resampleInChunks(input, 48_000, 16_000, 480);
    expect(chunked.length).toBe(whole.length);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole[i]! - chunked[i]!));
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it('reset() starts a new utterance with no tail of the previous one', async () => {
    const resampler = await StreamingResampler.create({ inputRate: 48_000, outputRate: 16_000 });
    resampler.push(tone(440, 48_000, 0.2, 0.9));
    resampler.reset();
    const out = concatFloat32([resampler.push(new Int16Array(4800)), resampler.flush()]);
    resampler.destroy();
    expect(out.length).toBe(1600);
    expect(Math.max(...out.map(Math.abs))).toBe(0);
  });

  it('passes equal rates through untouched', async () => {
    const resampler = await StreamingResampler.create({ inputRate: 16_000, outputRate: 16_000 });
    const input = tone(200, 16_000, 0.1);
    expect(resampler.push(input)).toEqual(int16ToFloat32(input));
    expect(resampler.flush().length).toBe(0);
  });

  it('rejects nonsense rates', async () => {
    await expect(StreamingResampler.create({ inputRate: 0, outputRate: 16_000 })).rejects.toThrow(
      /sample rate 0/,
    );
    await expect(StreamingResampler.create({ inputRate: 44_100.5, outputRate: 16_000 })).rejects.toThrow();
  });
});

describe('ResamplerPool', () => {
  it('hands back a released resampler, reset, for the same rates only', async () => {
    const pool = new ResamplerPool();
    const first = await pool.acquire(48_000, 16_000);
    first.push(tone(440, 48_000, 0.1, 0.9));
    pool.release(first);
    const again = await pool.acquire(48_000, 16_000);
    expect(again).toBe(first);
    // Reset: no tail of the earlier audio, fresh length accounting.
    const out = concatFloat32([again.push(new Int16Array(480)), again.flush()]);
    expect(out.length).toBe(160);
    expect(Math.max(...out.map(Math.abs))).toBe(0);
    const other = await pool.acquire(8000, 16_000);
    expect(other).not.toBe(first);
    pool.release(again);
    pool.release(other);
    pool.clear();
  });
});

describe('ResamplerPool stats', () => {
  it('adds up the chunks, samples and time of every resampler of a conversion, apart from other conversions', async () => {
    const pool = new ResamplerPool();
    const a = await pool.acquire(48_000, 16_000);
    const b = await pool.acquire(48_000, 16_000);
    const other = await pool.acquire(24_000, 16_000);
    const frame = tone(440, 48_000, 0.02);
    for (let i = 0; i < 10; i++) a.push(frame);
    b.push(frame);
    other.push(tone(440, 24_000, 0.02));
    const stats = pool.stats();
    expect(stats['48000>16000']).toMatchObject({ chunks: 11, inputSamples: 11 * 960 });
    expect(stats['48000>16000']!.busyMs).toBeGreaterThan(0);
    expect(stats['24000>16000']).toMatchObject({ chunks: 1, inputSamples: 480 });
    // A resampler handed back and taken again keeps counting into the same figures.
    pool.release(a);
    (await pool.acquire(48_000, 16_000)).push(frame);
    expect(pool.stats()['48000>16000']!.chunks).toBe(12);
    pool.clear();
  });
});

describe('PCM conversion', () => {
  it('clips instead of wrapping around', () => {
    expect(Array.from(float32ToInt16(Float32Array.from([1.5, -1.5, 0, 0.5])))).toEqual([
      32767, -32768, 0, 16384,
    ]);
    expect(Array.from(int16ToFloat32(Int16Array.from([-32768, 0, 16384])))).toEqual([-1, 0, 0.5]);
  });
});

describe('WindowAssembler', () => {
  it('cuts arbitrary chunks into fixed frames and keeps the remainder', () => {
    const assembler = new WindowAssembler(4);
    const first = assembler.push(Float32Array.from([1, 2, 3]));
    expect(first).toHaveLength(0);
    const next = assembler.push(Float32Array.from([4, 5, 6, 7, 8, 9, 10]));
    expect(next.map((f) => Array.from(f))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(assembler.buffered).toBe(2);
    assembler.reset();
    expect(assembler.push(Float32Array.from([0, 0, 0, 0]))).toHaveLength(1);
  });
});
