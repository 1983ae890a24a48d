/**
 * How many concurrent sessions one process holds with microphone audio streaming in real time through the real
 * input path (resampler, 32 ms VAD windows, batched Silero VAD, turn detection), before the per-chunk latency p95
 * passes 50 ms. Each session gets a 20 ms PCM chunk every 20 ms, like a client; latency is from the chunk's
 * arrival to its VAD result. Conversations are no-ops: this measures the always-on part of each session.
 */

import { ResamplerPool } from '../src/adapters/audio/resampler';
import { createSileroSession, SileroBatchRunner } from '../src/adapters/vad/silero';
import { MicrophoneInput } from '../src/realtime/microphone-input';
import { synthesizeSpeech } from '../test-support/speech';
import { percentile } from './support';

const CHUNK_MS = 20;
const RUN_MS = 4000;
const P95_LIMIT_MS = 50;

async function run(sessions: number, speech: Int16Array, runner: SileroBatchRunner, pool: ResamplerPool) {
  const noop = {
    userUtterance: () => undefined,
    userSpeechStarted: () => undefined,
    interrupt: () => undefined,
  };
  const inputs = await Promise.all(
    Array.from({ length: sessions }, async (_, i) => {
      const input = new MicrophoneInput({
        conversation: noop,
        vad: runner.createStream(),
        resamplers: pool,
        client: { speechStarted: () => true, speechEnded: () => true, sessionEnded: () => true },
        endOfTurnSilenceMs: 600,
      });
      await input.start(`u${i}`, 16_000);
      return input;
    }),
  );
  const chunk = (16_000 * CHUNK_MS) / 1000;
  const latencies: number[] = [];
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let tick = 0;
  const pending: Promise<void>[] = [];
  while (performance.now() - started < RUN_MS) {
    const due = started + tick * CHUNK_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    inputs.forEach((input, i) => {
      // Sessions are offset in the sample so they are not all speaking in unison.
      const offset = ((tick + i * 7) * chunk) % (speech.length - chunk);
      const arrived = performance.now();
      pending.push(
        Promise.resolve(input.audio(speech.subarray(offset, offset + chunk))).then(() => {
          latencies.push(performance.now() - arrived);
        }),
      );
    });
    tick++;
  }
  await Promise.all(pending);
  const cpu = process.cpuUsage(cpuStart);
  for (const input of inputs) input.close();
  return {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    cpuShare: (cpu.user + cpu.system) / 1000 / (performance.now() - started),
  };
}

export async function benchCapacity(): Promise<Record<string, number | string>> {
  const speech = (await synthesizeSpeech('The quick brown fox jumps over the lazy dog, again and again.'))
    .samples;
  const runner = new SileroBatchRunner(await createSileroSession(), { maxWaitMs: 4 });
  const pool = new ResamplerPool();
  const results: Record<string, number | string> = {};
  let held = 0;
  for (const sessions of [50, 100, 200, 300, 400, 600]) {
    const r = await run(sessions, speech, runner, pool);
    const round = (n: number) => Math.round(n * 100) / 100;
    results[`capacity.${sessions}.chunk_latency_p50_ms`] = round(r.p50);
    results[`capacity.${sessions}.chunk_latency_p95_ms`] = round(r.p95);
    results[`capacity.${sessions}.cpu_cores_used`] = round(r.cpuShare);
    if (r.p95 > P95_LIMIT_MS) break;
    held = sessions;
  }
  results['capacity.sessions_within_p95_50ms'] = held;
  pool.clear();
  return results;
}
