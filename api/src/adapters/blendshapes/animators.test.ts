import { beforeAll, describe, expect, it } from 'vitest';
import { ESPEAK_NATIVE_RATE, synthesizeSpeech } from '../../../test-support/speech';
import { ARKIT_BLENDSHAPES, ARKIT_INDEX } from '../../domain/arkit';
import type { BlendshapeFrame } from '../../domain/session-events';
import { EnergyBaselineAnimator } from './energy-baseline';
import type { BlendshapeAnimator } from './types';
import { Wav2ArkitAnimator } from './wav2arkit';
import { createWav2ArkitSession } from './wav2arkit-session';

const JAW = ARKIT_INDEX.get('jawOpen')!;
const SPEECH = await synthesizeSpeech(
  'Hello there. Bob bought a map of the moon, and it was perfect.',
  ESPEAK_NATIVE_RATE,
  'en-us+f3',
);

function expectValid(frames: BlendshapeFrame[]): void {
  for (const frame of frames) {
    expect(frame.weights).toHaveLength(ARKIT_BLENDSHAPES.length);
    for (const w of frame.weights) expect(Number.isFinite(w) && w >= 0 && w <= 1, `weight ${w}`).toBe(true);
  }
}

/** Frames must tile the audio exactly: consecutive indices, each range starting where the last ended. */
function expectTiling(frames: BlendshapeFrame[], totalSamples: number, sampleRate: number): void {
  expect(frames.length).toBe(Math.ceil((totalSamples * 30) / sampleRate));
  frames.forEach((frame, i) => {
    expect(frame.index).toBe(i);
    expect(frame.sampleStart).toBe(i === 0 ? 0 : frames[i - 1]!.sampleEnd);
    expect(frame.sampleEnd).toBeGreaterThan(frame.sampleStart);
  });
  expect(frames.at(-1)!.sampleEnd).toBe(totalSamples);
}

async function animate(
  animator: BlendshapeAnimator,
  samples: Int16Array | Float32Array,
  sampleRate: number,
  chunk = 0,
) {
  const warnings: string[] = [];
  const stream = animator.createStream(sampleRate, { onWarning: (m) => warnings.push(m) });
  const frames: BlendshapeFrame[] = [];
  const size = chunk || samples.length;
  for (let i = 0; i < samples.length; i += size)
    frames.push(...(await stream.push(samples.subarray(i, i + size))));
  frames.push(...(await stream.flush()));
  return { frames, warnings };
}

function resampleLinear(samples: Int16Array, from: number, to: number): Int16Array {
  // Test input only: a crude rate change to produce speech at another session rate.
  const out = new Int16Array(Math.floor((samples.length * to) / from));
  for (let i = 0; i < out.length; i++)
    out[i] = samples[Math.min(samples.length - 1, Math.round((i * from) / to))]!;
  return out;
}

const animators: [string, () => Promise<BlendshapeAnimator>][] = [
  ['wav2arkit', async () => new Wav2ArkitAnimator(await createWav2ArkitSession())],
  ['energy baseline', async () => new EnergyBaselineAnimator()],
];

describe.each(animators)('%s animator', (_name, make) => {
  let animator: BlendshapeAnimator;
  beforeAll(async () => {
    animator = await make();
  });

  it('gives 30 fps frames that tile real speech audio exactly, in valid ranges', async () => {
    const { frames, warnings } = await animate(animator, SPEECH.samples, SPEECH.sampleRate, 2205);
    expect(warnings).toEqual([]);
    expectTiling(frames, SPEECH.samples.length, SPEECH.sampleRate);
    expectValid(frames);
    expect(Math.max(...frames.map((f) => f.weights[JAW]!))).toBeGreaterThan(0.3);
  });

  it('gives a frame with the first speech chunk', async () => {
    const stream = animator.createStream(SPEECH.sampleRate);
    const first = await stream.push(SPEECH.samples.subarray(0, Math.round(SPEECH.sampleRate * 0.15)));
    expect(first.length).toBeGreaterThan(0);
    expect(first[0]!.index).toBe(0);
  });

  it('gives the same frames whatever the chunk sizes', async () => {
    const whole = await animate(animator, SPEECH.samples, SPEECH.sampleRate);
    const chunked = await animate(animator, SPEECH.samples, SPEECH.sampleRate, 777);
    expect(chunked.frames.map((f) => [f.sampleStart, f.sampleEnd])).toEqual(
      whole.frames.map((f) => [f.sampleStart, f.sampleEnd]),
    );
    let worst = 0;
    chunked.frames.forEach((f, i) => {
      f.weights.forEach((w, k) => {
        worst = Math.max(worst, Math.abs(w - whole.frames[i]!.weights[k]!));
      });
    });
    expect(worst).toBeLessThan(1e-3);
  });

  it('keeps a neutral face on silence', async () => {
    const { frames } = await animate(animator, new Int16Array(24000), 24000, 4000);
    expect(frames).toHaveLength(30);
    for (const frame of frames) expect(frame.weights.every((w) => w === 0)).toBe(true);
  });

  it('survives clipping and DC offset with valid weights and a moving jaw', async () => {
    const clipped = Float32Array.from(SPEECH.samples, (s) => Math.max(-1, Math.min(1, (s / 32768) * 20)));
    const offset = Float32Array.from(SPEECH.samples, (s) => s / 32768 + 0.3);
    for (const samples of [clipped, offset]) {
      const { frames } = await animate(animator, samples, SPEECH.sampleRate, 4410);
      expectTiling(frames, samples.length, SPEECH.sampleRate);
      expectValid(frames);
      expect(Math.max(...frames.map((f) => f.weights[JAW]!))).toBeGreaterThan(0.2);
    }
  });

  it('replaces NaN and infinite samples with silence and warns', async () => {
    const samples = Float32Array.from(SPEECH.samples, (s, i) =>
      i % 50 === 0 ? Number.NaN : i % 77 === 0 ? Infinity : s / 32768,
    );
    const { frames, warnings } = await animate(animator, samples, SPEECH.sampleRate, 3000);
    expectTiling(frames, samples.length, SPEECH.sampleRate);
    expectValid(frames);
    expect(warnings.some((w) => w.includes('non-finite'))).toBe(true);
  });

  it('animates extremely short input: one frame for ten samples', async () => {
    const { frames } = await animate(
      animator,
      Int16Array.from([1000, -1000, 500, 0, 0, 20, 30, -40, 50, 60]),
      16000,
    );
    expectTiling(frames, 10, 16000);
    expectValid(frames);
    const stream = animator.createStream(16000);
    expect(await stream.flush()).toEqual([]);
  });

  it('works at other session rates, with sample ranges at that rate', async () => {
    for (const rate of [8000, 16000, 44100, 48000]) {
      const samples = resampleLinear(SPEECH.samples, SPEECH.sampleRate, rate);
      const { frames } = await animate(animator, samples, rate, Math.round(rate / 10));
      expectTiling(frames, samples.length, rate);
      expectValid(frames);
      expect(Math.max(...frames.map((f) => f.weights[JAW]!))).toBeGreaterThan(0.2);
    }
  });

  it('gives no frames and a warning, never an exception, for an unusable sample rate', async () => {
    for (const rate of [0, -16000, Number.NaN, 16000.5, 1e9]) {
      const { frames, warnings } = await animate(animator, SPEECH.samples.subarray(0, 4000), rate, 1000);
      expect(frames).toEqual([]);
      expect(warnings.length).toBeGreaterThan(0);
    }
  });

  it('is reusable after flush, starting again from frame 0', async () => {
    const stream = animator.createStream(SPEECH.sampleRate);
    await stream.push(SPEECH.samples.subarray(0, 5000));
    await stream.flush();
    const again = await stream.push(SPEECH.samples.subarray(0, 5000));
    expect(again[0]?.index).toBe(0);
  });
});
