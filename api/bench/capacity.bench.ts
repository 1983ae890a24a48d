/**
 * How many concurrent sessions one process holds with microphone audio streaming in real time through the real
 * input path (resampler, 32 ms VAD windows, batched Silero VAD, turn detection), before the per-chunk latency p95
 * passes 50 ms, for 16 kHz and 48 kHz microphones. Each session gets a 20 ms PCM chunk every 20 ms, like a client;
 * latency is from the chunk's arrival to its VAD result. Conversations are no-ops: this measures the always-on
 * part of each session. The audio socket is skipped (the input path is called in-process), and the output says so.
 * Also the resampling cost per 32 ms frame of a 48 kHz microphone: the polyphase decimator against libsamplerate's
 * fastest sinc converter, in the same run.
 */
import { createRequire } from 'node:module';
import { PolyphaseDecimator } from '../src/adapters/audio/polyphase-decimator';
import { ResamplerPool } from '../src/adapters/audio/resampler';
import { createSileroSession, SileroBatchRunner } from '../src/adapters/vad/silero';
import { MicrophoneInput } from '../src/realtime/microphone-input';
import { synthesizeSpeech } from '../test-support/speech';
import { percentile } from './support';

const CHUNK_MS = 20;
const RUN_MS = 4000;
const P95_LIMIT_MS = 50;

async function run(
  sessions: number,
  rate: number,
  speech: Int16Array,
  runner: SileroBatchRunner,
  pool: ResamplerPool,
) {
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
      await input.start(`u${i}`, rate as 16_000 | 48_000);
      return input;
    }),
  );
  const chunk = (rate * CHUNK_MS) / 1000;
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

/** Milliseconds per 32 ms frame of 48 kHz audio resampled to 16 kHz, by each converter over the same frames. */
async function resampleCost(speech: Int16Array): Promise<{ polyphase: number; libsamplerate: number }> {
  const require = createRequire(import.meta.url);
  const libsamplerate =
    require('@alexanderolsen/libsamplerate-js') as typeof import('@alexanderolsen/libsamplerate-js');
  const src = await libsamplerate.create(1, 48_000, 16_000, {
    converterType: libsamplerate.ConverterType.SRC_SINC_FASTEST,
  });
  const decimator = new PolyphaseDecimator(3);
  const frame = 1536;
  const frames = Array.from({ length: 300 }, (_, i) => {
    const at = (i * frame) % (speech.length - frame);
    return Float32Array.from(speech.subarray(at, at + frame), (v) => v / 32768);
  });
  const time = (convert: (samples: Float32Array) => unknown) => {
    for (const f of frames.slice(0, 50)) convert(f);
    const started = performance.now();
    for (const f of frames) convert(f);
    return (performance.now() - started) / frames.length;
  };
  const result = {
    libsamplerate: time((f) => src.full(f).slice()),
    polyphase: time((f) => decimator.process(f)),
  };
  src.destroy();
  return result;
}

export async function benchCapacity(): Promise<Record<string, number | string>> {
  const text = 'The quick brown fox jumps over the lazy dog, again and again.';
  const runner = new SileroBatchRunner(await createSileroSession(), { maxWaitMs: 4 });
  const pool = new ResamplerPool();
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const results: Record<string, number | string> = {
    'capacity.skipped': 'the audio socket (chunks enter the input path in-process)',
  };
  for (const rate of [16_000, 48_000]) {
    const speech = (await synthesizeSpeech(text, rate)).samples;
    const key = `capacity.${rate / 1000}k`;
    let held = 0;
    for (const sessions of [50, 100, 200, 300, 400, 600]) {
      const r = await run(sessions, rate, speech, runner, pool);
      results[`${key}.${sessions}.chunk_latency_p50_p95_ms`] = `${round(r.p50)} / ${round(r.p95)}`;
      results[`${key}.${sessions}.cpu_cores_used`] = round(r.cpuShare);
      if (r.p95 > P95_LIMIT_MS) break;
      held = sessions;
    }
    results[`${key}.sessions_within_p95_50ms`] = held;
  }
  const cost = await resampleCost((await synthesizeSpeech(text, 48_000)).samples);
  results['capacity.resample_48k_frame_ms'] =
    `${round(cost.polyphase)} polyphase, ${round(cost.libsamplerate)} libsamplerate`;
  results['capacity.resample_cost_ratio'] = round(cost.polyphase / cost.libsamplerate);
  pool.clear();
  return results;
}
