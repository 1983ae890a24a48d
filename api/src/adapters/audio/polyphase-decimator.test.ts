import { describe, expect, it } from 'vitest';
import { PolyphaseDecimator } from './polyphase-decimator';
import { int16ToFloat32 } from './resampler';

const tone = (hz: number, rate: number, seconds: number) =>
  Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate),
  );
/** RMS away from the edges, where the filter is still filling. */
const rms = (x: Float32Array) => {
  const middle = x.subarray(Math.floor(x.length / 4), Math.floor((3 * x.length) / 4));
  return Math.sqrt(middle.reduce((sum, v) => sum + v * v, 0) / middle.length);
};

describe('polyphase decimator', () => {
  it('keeps speech-band tones at their level and takes exactly one sample in three (48 → 16 kHz)', () => {
    for (const hz of [200, 1_000, 4_000]) {
      const input = tone(hz, 48_000, 0.5);
      const out = new PolyphaseDecimator(3).process(input);
      expect(out.length).toBe(8_000);
      expect(rms(out) / rms(input)).toBeCloseTo(1, 2);
    }
  });

  it('removes what would fold back into the speech band (aliasing) by more than 60 dB', () => {
    for (const hz of [9_000, 12_000, 20_000]) {
      const input = tone(hz, 48_000, 0.5);
      const out = new PolyphaseDecimator(3).process(input);
      expect(20 * Math.log10(rms(out) / rms(input))).toBeLessThan(-60);
    }
  });

  it('gives the same samples whatever the chunking (a microphone sends 10 or 20 ms, or odd sizes)', () => {
    const input = tone(440, 48_000, 0.3).map((v, i) => v + 0.1 * Math.sin(i / 7));
    const whole = new PolyphaseDecimator(3).process(input);
    const chunked = new PolyphaseDecimator(3);
    const parts: number[] = [];
    for (let at = 0, size = 1; at < input.length; at += size, size = (size * 7 + 3) % 997 || 1) {
      parts.push(...chunked.process(input.subarray(at, at + size)));
    }
    expect(parts.length).toBe(whole.length);
    expect(Math.max(...parts.map((v, i) => Math.abs(v - whole[i]!)))).toBeLessThan(1e-6);
  });

  it('takes PCM16 directly with exactly the samples of converting it to floats first, chunk after chunk', () => {
    const pcm = Int16Array.from(tone(440, 48_000, 0.2), (v, i) =>
      Math.round(v * 30_000 + 2000 * Math.sin(i / 3)),
    );
    const viaFloats = new PolyphaseDecimator(3);
    const direct = new PolyphaseDecimator(3);
    // 20 ms chunks, then a chunk bigger than any before (the reused buffer grows, keeping the history), then odd ones.
    for (const size of [960, 960, 960, 4801, 7, 960, 1]) {
      const chunk = pcm.slice(0, size);
      expect(direct.processInt16(chunk)).toEqual(viaFloats.process(int16ToFloat32(chunk)));
    }
  });

  it('starts afresh after reset(), and refuses a factor that is not an integer ≥ 2', () => {
    const decimator = new PolyphaseDecimator(2);
    const first = decimator.process(tone(300, 16_000, 0.1));
    decimator.process(tone(900, 16_000, 0.05));
    decimator.reset();
    expect(decimator.process(tone(300, 16_000, 0.1))).toEqual(first);
    expect(() => new PolyphaseDecimator(1.5)).toThrow(/integer/);
    expect(() => new PolyphaseDecimator(1)).toThrow(/integer/);
  });
});
