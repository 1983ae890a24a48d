/**
 * Silero VAD cost per 32 ms window: one stream at a time, and batched across many concurrent streams;
 * plus the resampling step in front of it for clients that send 8 or 48 kHz.
 * Measures process CPU time (user + system) as well as wall time, since ONNX Runtime runs on its own
 * thread. Target: at most 0.2 ms of CPU per window.
 */

import { float32ToInt16, StreamingResampler } from '../src/adapters/audio/resampler';
import {
  createSileroSession,
  SILERO_WINDOW_SIZE,
  SileroBatchRunner,
  SileroVad,
} from '../src/adapters/vad/silero';

const WINDOWS_PER_STREAM = 300; // ~10 s of audio per stream
const WARMUP_WINDOWS = 30;

/** Speech-like noise: the model's cost does not depend on content, but real numbers avoid denormals. */
function makeWindows(count: number, seed: number): Float32Array[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  return Array.from({ length: count }, () => new Float32Array(SILERO_WINDOW_SIZE).map(() => next() * 0.3));
}

async function measure(
  windows: number,
  work: () => Promise<void>,
): Promise<{ cpuMs: number; wallMs: number }> {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await work();
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / windows, wallMs: wallMs / windows };
}

export async function benchVad(): Promise<Record<string, number | string>> {
  const session = await createSileroSession();
  const results: Record<string, number | string> = {};
  const round = (n: number) => Math.round(n * 1000) / 1000;

  const single = new SileroVad(session);
  const windows = makeWindows(WINDOWS_PER_STREAM, 1);
  for (const window of windows.slice(0, WARMUP_WINDOWS)) await single.process(window);
  const singleCost = await measure(windows.length, async () => {
    for (const window of windows) await single.process(window);
  });
  results['vad.single.cpu_ms_per_window'] = round(singleCost.cpuMs);
  results['vad.single.wall_ms_per_window'] = round(singleCost.wallMs);

  for (const streams of [50, 200]) {
    const runner = new SileroBatchRunner(session, { maxBatchSize: streams });
    const detectors = Array.from({ length: streams }, () => runner.createStream());
    const perStream = detectors.map((_, i) => makeWindows(WINDOWS_PER_STREAM / 3, i + 2));
    const tick = (index: number) =>
      Promise.all(detectors.map((vad, s) => vad.process(perStream[s]![index]!)));
    await tick(0);
    const ticks = perStream[0]!.length;
    const cost = await measure(ticks * streams, async () => {
      // Every stream delivers one window per tick, as live streams do every 32 ms.
      for (let t = 0; t < ticks; t++) await tick(t);
    });
    results[`vad.batched_${streams}.cpu_ms_per_window`] = round(cost.cpuMs);
    results[`vad.batched_${streams}.wall_ms_per_window`] = round(cost.wallMs);
    results[`vad.batched_${streams}.windows_per_inference`] = round(
      runner.stats.windows / runner.stats.batches,
    );
    // How much of one core a full set of live streams needs: each produces a window every 32 ms.
    results[`vad.batched_${streams}.core_share_live`] = round((cost.cpuMs * streams) / 32);
  }
  results['vad.target_cpu_ms_per_window'] = 0.2;

  // The step before VAD for clients that do not send 16 kHz: its cost per 32 ms of audio.
  for (const inputRate of [8000, 48_000]) {
    const resampler = await StreamingResampler.create({ inputRate, outputRate: 16_000 });
    const chunk = float32ToInt16(
      new Float32Array((inputRate * 32) / 1000).map(
        (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / inputRate),
      ),
    );
    for (let i = 0; i < WARMUP_WINDOWS; i++) resampler.push(chunk);
    const cost = await measure(WINDOWS_PER_STREAM, async () => {
      for (let i = 0; i < WINDOWS_PER_STREAM; i++) resampler.push(chunk);
    });
    resampler.destroy();
    results[`resample.${inputRate / 1000}k_to_16k.cpu_ms_per_window`] = round(cost.cpuMs);
  }
  await session.release();
  return results;
}
