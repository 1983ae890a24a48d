import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silence, synthesizeSpeech } from '../../../test-support/speech';
import { AppError } from '../../errors';
import { int16ToFloat32, WindowAssembler } from '../audio/resampler';
import {
  createSileroSession,
  resolveSileroModelPath,
  SILERO_WINDOW_SIZE,
  SileroBatchRunner,
  SileroVad,
} from './silero';

function framesOf(samples: Int16Array): Float32Array[] {
  return new WindowAssembler(SILERO_WINDOW_SIZE).push(int16ToFloat32(samples));
}

function concatInt16(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

let session: InferenceSession;
let speechFrames: Float32Array[];
let dir: string;

beforeAll(async () => {
  session = await createSileroSession();
  const speech = await synthesizeSpeech('hello, how are you today? the weather is lovely');
  speechFrames = framesOf(concatInt16(silence(640), speech.samples, silence(960)));
  dir = await mkdtemp(join(tmpdir(), 'silero-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runSingle(frames: Float32Array[]): Promise<number[]> {
  const vad = new SileroVad(session);
  const out: number[] = [];
  for (const frame of frames) out.push(await vad.process(frame));
  return out;
}

describe('Silero VAD', () => {
  it('tells real speech from the silence around it', async () => {
    const probs = await runSingle(speechFrames);
    const leadingSilence = probs.slice(0, 18);
    const trailingSilence = probs.slice(-10);
    expect(Math.max(...leadingSilence)).toBeLessThan(0.2);
    expect(Math.max(...trailingSilence)).toBeLessThan(0.3);
    expect(probs.filter((p) => p > 0.8).length).toBeGreaterThan(20);
  });

  it('reset() forgets the recurrent state, so the same audio scores the same again', async () => {
    const vad = new SileroVad(session);
    const first: number[] = [];
    for (const frame of speechFrames.slice(20, 40)) first.push(await vad.process(frame));
    vad.reset();
    const again: number[] = [];
    for (const frame of speechFrames.slice(20, 40)) again.push(await vad.process(frame));
    expect(again).toEqual(first);
  });

  it('keeps frames in order when the caller does not await each one', async () => {
    const frames = speechFrames.slice(10, 40);
    const expected = await runSingle(frames);
    const vad = new SileroVad(session);
    const got = await Promise.all(frames.map((frame) => vad.process(frame)));
    expect(got).toEqual(expected);
  });

  it('rejects frames that are not 512 samples', async () => {
    const vad = new SileroVad(session);
    await expect(vad.process(new Float32Array(480))).rejects.toThrow(/512-sample windows, got 480/);
    const batched = new SileroBatchRunner(session).createStream();
    await expect(batched.process(new Float32Array(1024))).rejects.toThrow(/got 1024/);
  });

  it('runs many streams in one [N,512] batch with the same results as one stream at a time', async () => {
    // Streams start at different points of the recording and one is noise, so states really differ.
    const noise = Array.from({ length: 40 }, () =>
      new Float32Array(SILERO_WINDOW_SIZE).map(() => Math.random() - 0.5),
    );
    const inputs = [
      speechFrames,
      speechFrames.slice(15),
      speechFrames.slice(30),
      noise,
      speechFrames.slice(5, 45),
    ];
    const expected = await Promise.all(inputs.map((frames) => runSingle(frames)));

    const runner = new SileroBatchRunner(session);
    const streams = inputs.map(() => runner.createStream());
    const got = await Promise.all(
      inputs.map(async (frames, s) => {
        const out: number[] = [];
        for (const frame of frames) out.push(await streams[s]!.process(frame));
        return out;
      }),
    );

    for (let s = 0; s < inputs.length; s++) {
      expect(got[s]!.length).toBe(expected[s]!.length);
      got[s]!.forEach((p, i) => {
        expect(p).toBeCloseTo(expected[s]![i]!, 5);
      });
    }
    // Proof it really batched: far fewer inferences than frames.
    expect(runner.stats.windows).toBe(inputs.reduce((n, f) => n + f.length, 0));
    expect(runner.stats.batches).toBeLessThan(runner.stats.windows / 3);
  });

  it('keeps one stream in order when it queues several frames before a batch runs', async () => {
    const frames = speechFrames.slice(10, 30);
    const expected = await runSingle(frames);
    const runner = new SileroBatchRunner(session);
    const stream = runner.createStream();
    const got = await Promise.all(frames.map((frame) => stream.process(frame)));
    got.forEach((p, i) => {
      expect(p).toBeCloseTo(expected[i]!, 5);
    });
  });

  it('books inference time without the wait for the event loop that others spend', async () => {
    const runner = new SileroBatchRunner(session);
    const stream = runner.createStream();
    await stream.process(speechFrames[0]!);
    const before = runner.stats.inferenceMs;
    const result = stream.process(speechFrames[1]!);
    // Queued behind the batch's flush, so it runs after the inference was asked for and before it starts: other
    // sockets' work at the same moment under load.
    setImmediate(() => {
      const until = performance.now() + 100;
      while (performance.now() < until);
    });
    await result;
    const booked = runner.stats.inferenceMs - before;
    expect(booked).toBeGreaterThan(0);
    expect(booked).toBeLessThan(50);
  });

  it('fails at creation with the path when the model file is missing', async () => {
    const missing = join(dir, 'nope.onnx');
    await expect(createSileroSession(missing)).rejects.toThrow(AppError);
    await expect(createSileroSession(missing)).rejects.toThrow(missing);
  });

  it('fails at creation with the path when the model file is corrupt', async () => {
    const corrupt = join(dir, 'corrupt.onnx');
    await writeFile(corrupt, Buffer.from('definitely not an onnx graph'));
    await expect(createSileroSession(corrupt)).rejects.toThrow(corrupt);
    const truncated = join(dir, 'truncated.onnx');
    await writeFile(truncated, (await readFile(resolveSileroModelPath())).subarray(0, 10_000));
    await expect(createSileroSession(truncated)).rejects.toThrow(/could not be loaded/);
  });
});
