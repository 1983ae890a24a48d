/**
 * How many concurrent 48 kHz microphone streams one process holds before the frame latency p95 passes 50 ms, two ways
 * in the same run:
 *
 * - In-process (the baseline, 16 kHz and 48 kHz): the real input path (resampler, 32 ms VAD windows, batched Silero
 *   VAD, turn detection) called directly, each session getting a 20 ms PCM chunk every 20 ms; latency is from the
 *   chunk's arrival to its VAD result. Conversations are no-ops; the audio socket is skipped.
 * - Through the audio socket (`capacity-socket.ts`): the real app, real ws clients in another process, latency
 *   measured by the server itself; the ratio of the two capacities is printed.
 *
 * Also the resampling cost per 32 ms frame of a 48 kHz microphone: the polyphase decimator against libsamplerate's
 * fastest sinc converter, in the same run.
 *
 * While iterating: BENCH_CAPACITY_STEPS=100,300 limits the stream counts, BENCH_CAPACITY_PARTS=socket (or
 * in-process) runs one part; the output says so.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { PolyphaseDecimator } from '../src/adapters/audio/polyphase-decimator';
import { ResamplerPool } from '../src/adapters/audio/resampler';
import { createSileroSession, SileroBatchRunner } from '../src/adapters/vad/silero';
import { MicrophoneInput } from '../src/realtime/microphone-input';
import { synthesizeSpeech } from '../test-support/speech';
import { PHASES } from './capacity-clients';
import { benchSocketCapacity } from './capacity-socket';
import { percentile } from './support';

const CHUNK_MS = 20;
const RUN_MS = 4000;
const P95_LIMIT_MS = 50;
/**
 * Stream counts tried in order by both parts, so their capacities are comparable; a part stops past its limit.
 * 250 because the socket path's limit on a 2-core machine lies between 200 and 300.
 */
const STEPS = [50, 100, 200, 250, 300, 400, 600, 800];
/** Each socket step: new streams settle (JIT, resamplers, session runtimes) before the figures are taken. */
const SOCKET_WARMUP_MS = 1500;

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
        client: {
          speechStarted: () => true,
          speechEnded: () => true,
          sessionEnded: () => true,
          reconnect: () => true,
        },
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
  const steps = process.env.BENCH_CAPACITY_STEPS?.split(',').map(Number) ?? STEPS;
  const parts = process.env.BENCH_CAPACITY_PARTS?.split(',') ?? ['in-process', 'socket'];
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const results: Record<string, number | string> = {};
  if (process.env.BENCH_CAPACITY_STEPS || process.env.BENCH_CAPACITY_PARTS)
    results['capacity.limited_to'] = `steps ${steps.join(', ')}; parts ${parts.join(', ')}`;
  const held: Record<string, number> = {};
  if (parts.includes('in-process')) Object.assign(held, await inProcess(steps, results, round));
  if (parts.includes('socket')) {
    const socket = await benchSocketCapacity({
      steps,
      warmupMs: SOCKET_WARMUP_MS,
      stepMs: RUN_MS,
      p95LimitMs: P95_LIMIT_MS,
    });
    const key = 'capacity.socket.48k';
    results['capacity.socket.includes'] =
      `real ws clients in a child process, a 20 ms frame every 20 ms per stream (streams in ${PHASES} phases of ` +
      'the period, as separate devices are) -> audio socket -> microphone input ' +
      '(48->16 kHz decimator, 32 ms windows, batched Silero VAD, turn detection) in the real app, one GraphQL-' +
      'created session per stream; turns that end are answered by fake STT/LLM/TTS (counted below)';
    results['capacity.socket.skips'] =
      'real STT/LLM/TTS, graphql-ws subscribers; frame latency starts when ws hands the frame to the app';
    results['capacity.socket.session_setup_s'] = round(socket.sessionSetupMs / 1000);
    const fmt = (ms: number) => (Number.isFinite(ms) ? `<=${ms}` : '>1000');
    for (const step of socket.steps) {
      const at = `${key}.${step.streams}`;
      results[`${at}.frame_p50_p95_ms`] = `${fmt(step.p50Ms)} / ${fmt(step.p95Ms)}`;
      results[`${at}.frames_within_50ms`] = `${round(step.shareWithinLimit * 100)}%`;
      results[`${at}.frames_within_ms`] = step.latency.bucketsMs
        .map((bound, i) => [bound, step.latency.cumulativeCounts[i]! / step.latency.count] as const)
        .filter(([bound, share]) => bound >= 5 && bound <= 200 && share < 1)
        .map(([bound, share]) => `<=${bound}: ${Math.round(share * 1000) / 10}%`)
        .join(', ');
      results[`${at}.server_cores_of_which_kernel`] =
        `${round(step.serverCores)} / ${round(step.serverSystemCores)}`;
      results[`${at}.client_cores`] = round(step.clientCores);
      results[`${at}.other_programs_cores`] = round(step.otherCores);
      results[`${at}.frames_done_of_sent_dropped`] =
        `${step.framesDone} / ${step.framesSent} / ${step.droppedFrames}`;
      results[`${at}.client_late_ticks_max_late_ms`] =
        `${step.clientLateTicks} / ${round(step.clientMaxLateMs)}`;
      results[`${at}.turns_ended`] = step.turnsEnded;
      results[`${at}.per_frame_ms_resample_vad_socket_rest`] =
        `${round(step.resampleMs)} / ${round(step.vadMs)} / ${round(step.socketAndRestMs)}`;
    }
    const atHeld = socket.steps.find((step) => step.streams === socket.held);
    results[`${key}.streams_within_p95_50ms`] = socket.held;
    results[`${key}.streams_per_core`] = atHeld ? Math.round(socket.held / atHeld.serverCores) : 0;
    results['capacity.socket.cores'] =
      `${os.cpus().length} on this machine; the client process used ${round(atHeld?.clientCores ?? Number.NaN)} at ` +
      `${socket.held} streams, so the server had at most the rest`;
    if (held['48k']) results['capacity.socket_vs_in_process_48k'] = round(socket.held / held['48k']);
  }
  return results;
}

async function inProcess(
  steps: readonly number[],
  results: Record<string, number | string>,
  round: (n: number) => number,
): Promise<Record<string, number>> {
  const text = 'The quick brown fox jumps over the lazy dog, again and again.';
  const runner = new SileroBatchRunner(await createSileroSession(), { maxWaitMs: 4 });
  const pool = new ResamplerPool();
  results['capacity.in_process.skipped'] = 'the audio socket (chunks enter the input path in-process)';
  const held: Record<string, number> = {};
  for (const rate of [16_000, 48_000]) {
    const speech = (await synthesizeSpeech(text, rate)).samples;
    const key = `capacity.${rate / 1000}k`;
    held[`${rate / 1000}k`] = 0;
    for (const sessions of steps) {
      const r = await run(sessions, rate, speech, runner, pool);
      results[`${key}.${sessions}.chunk_latency_p50_p95_ms`] = `${round(r.p50)} / ${round(r.p95)}`;
      results[`${key}.${sessions}.cpu_cores_used`] = round(r.cpuShare);
      if (r.p95 > P95_LIMIT_MS) break;
      held[`${rate / 1000}k`] = sessions;
    }
    results[`${key}.sessions_within_p95_50ms`] = held[`${rate / 1000}k`]!;
  }
  const cost = await resampleCost((await synthesizeSpeech(text, 48_000)).samples);
  results['capacity.resample_48k_frame_ms'] =
    `${round(cost.polyphase)} polyphase, ${round(cost.libsamplerate)} libsamplerate`;
  results['capacity.resample_cost_ratio'] = round(cost.polyphase / cost.libsamplerate);
  pool.clear();
  return held;
}
