/**
 * Silero VAD cost per 32 ms frame: one stream at a time, and batched across many concurrent streams;
 * plus the resampling step in front of it for clients that send 8 or 48 kHz.
 * Measures process CPU time (user + system) as well as wall time, since ONNX Runtime runs on its own
 * thread. Target: at most 0.2 ms of CPU per frame.
 */

import { float32ToInt16, StreamingResampler } from '../src/adapters/audio/resampler';
import {
  createSileroSession,
  SILERO_FRAME_SIZE,
  SileroBatchRunner,
  SileroVad,
} from '../src/adapters/vad/silero';

const FRAMES_PER_STREAM = 300; // ~10 s of audio per stream
const WARMUP_FRAMES = 30;

/** Speech-like noise: the model's cost does not depend on content, but real numbers avoid denormals. */
function makeFrames(count: number, seed: number): Float32Array[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  return Array.from({ length: count }, () => new Float32Array(SILERO_FRAME_SIZE).map(() => next() * 0.3));
}

async function measure(
  frames: number,
  work: () => Promise<void>,
): Promise<{ cpuMs: number; wallMs: number }> {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await work();
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / frames, wallMs: wallMs / frames };
}

export async function benchVad(): Promise<Record<string, number | string>> {
  const session = await createSileroSession();
  const results: Record<string, number | string> = {};
  const round = (n: number) => Math.round(n * 1000) / 1000;

  const single = new SileroVad(session);
  const frames = makeFrames(FRAMES_PER_STREAM, 1);
  for (const frame of frames.slice(0, WARMUP_FRAMES)) await single.process(frame);
  const singleCost = await measure(frames.length, async () => {
    for (const frame of frames) await single.process(frame);
  });
  results['vad.single.cpu_ms_per_frame'] = round(singleCost.cpuMs);
  results['vad.single.wall_ms_per_frame'] = round(singleCost.wallMs);

  for (const streams of [50, 200]) {
    const runner = new SileroBatchRunner(session, { maxBatchSize: streams });
    const detectors = Array.from({ length: streams }, () => runner.createStream());
    const perStream = detectors.map((_, i) => makeFrames(FRAMES_PER_STREAM / 3, i + 2));
    const tick = (index: number) =>
      Promise.all(detectors.map((vad, s) => vad.process(perStream[s]![index]!)));
    await tick(0);
    const ticks = perStream[0]!.length;
    const cost = await measure(ticks * streams, async () => {
      // Every stream delivers one frame per tick, as live streams do every 32 ms.
      for (let t = 0; t < ticks; t++) await tick(t);
    });
    results[`vad.batched_${streams}.cpu_ms_per_frame`] = round(cost.cpuMs);
    results[`vad.batched_${streams}.wall_ms_per_frame`] = round(cost.wallMs);
    results[`vad.batched_${streams}.frames_per_inference`] = round(
      runner.stats.frames / runner.stats.batches,
    );
    // How much of one core a full set of live streams needs: each produces a frame every 32 ms.
    results[`vad.batched_${streams}.core_share_live`] = round((cost.cpuMs * streams) / 32);
  }
  results['vad.target_cpu_ms_per_frame'] = 0.2;

  // The step before VAD for clients that do not send 16 kHz: its cost per 32 ms of audio.
  for (const inputRate of [8000, 48_000]) {
    const resampler = await StreamingResampler.create({ inputRate, outputRate: 16_000 });
    const chunk = float32ToInt16(
      new Float32Array((inputRate * 32) / 1000).map(
        (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / inputRate),
      ),
    );
    for (let i = 0; i < WARMUP_FRAMES; i++) resampler.push(chunk);
    const cost = await measure(FRAMES_PER_STREAM, async () => {
      for (let i = 0; i < FRAMES_PER_STREAM; i++) resampler.push(chunk);
    });
    resampler.destroy();
    results[`resample.${inputRate / 1000}k_to_16k.cpu_ms_per_frame`] = round(cost.cpuMs);
  }
  await session.release();
  return results;
}
