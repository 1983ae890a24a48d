/**
 * Live 48 kHz microphone streams through the real audio socket: the real app in this process (fake STT/LLM/TTS), one
 * session per stream created through GraphQL, and real `ws` clients in a child process (`capacity-clients.ts`).
 * Streams are added step by step; each step is measured on the server from two `/health` reads: the frame latency
 * histogram (socket arrival to VAD result), the resample and VAD busy time, dropped frames; and this process's CPU.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConversionStats } from '../src/adapters/audio/resampler';
import { FakeLlm } from '../src/adapters/llm/testing/fake';
import { FakeStt } from '../src/adapters/stt/testing/fake';
import { FakeTts } from '../src/adapters/tts/testing/fake';
import type { AudioSocketStats } from '../src/transport/audio-socket';
import { CreatePersonaMutation, CreateSessionMutation } from '../test-support/operations';
import { scrapeMetrics } from '../test-support/prometheus';
import { type ClientCommand, type ClientReply, type ClientReport, STREAM_RATE } from './capacity-clients';
import { startBenchApp } from './support';

/** The part of `/health` this benchmark reads. */
interface AudioHealth {
  audioSockets: AudioSocketStats;
  audioInput: {
    resampling: Record<string, ConversionStats>;
    vad: { batches: number; windows: number; inferenceMs: number };
  };
}

/**
 * A histogram as Prometheus exposes it (cumulative count per upper bound `le`, plus sum and count), in ms; two
 * snapshots subtract into the histogram of the time between them.
 */
export interface HistogramSnapshot {
  /** Inclusive upper bounds, ascending. */
  bucketsMs: readonly number[];
  /** cumulativeCounts[i]: observations ≤ bucketsMs[i]. */
  cumulativeCounts: number[];
  count: number;
  sumMs: number;
}

/** The server's frame latency histogram, from its `/metrics`. */
async function frameLatency(url: string): Promise<HistogramSnapshot> {
  const histogram = (await scrapeMetrics(`${url}/metrics`)).get('avatar_audio_frame_latency_seconds')
    ?.metrics[0];
  if (!histogram?.buckets) throw new Error('/metrics has no avatar_audio_frame_latency_seconds');
  const bounds = Object.keys(histogram.buckets)
    .filter((le) => le !== '+Inf')
    .sort((a, b) => Number(a) - Number(b));
  return {
    bucketsMs: bounds.map((le) => Math.round(Number(le) * 1000)),
    cumulativeCounts: bounds.map((le) => Number(histogram.buckets![le])),
    count: Number(histogram.count),
    sumMs: Number(histogram.sum) * 1000,
  };
}

interface Snapshot {
  health: AudioHealth;
  latency: HistogramSnapshot;
  clients: ClientReport;
  cpuMicros: number;
  /** Of cpuMicros, the kernel's part: socket reads and writes, mostly. */
  systemMicros: number;
  /** CPU time of the whole machine (Linux), to see what other programs took during a step; null elsewhere. */
  machineBusyMs: number | null;
  atMs: number;
}

/** Busy CPU time of every core together since boot, from /proc/stat (ticks of 10 ms). */
function machineBusyMs(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = fields;
    return ((user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 1000) / 100;
  } catch {
    return null;
  }
}

export interface SocketStep {
  streams: number;
  /** Bucket upper bounds (ms) holding the 50th and 95th percentile frame; Infinity above the last bound. */
  p50Ms: number;
  p95Ms: number;
  shareWithinLimit: number;
  /** The step's frame latency histogram (its own frames only). */
  latency: HistogramSnapshot;
  framesDone: number;
  framesSent: number;
  droppedFrames: number;
  serverCores: number;
  /** Of serverCores, time in the kernel. */
  serverSystemCores: number;
  clientCores: number;
  /** Cores busy with anything else on the machine during the step (a shared machine skews the figures); NaN when unknown. */
  otherCores: number;
  clientLateTicks: number;
  clientMaxLateMs: number;
  turnsEnded: number;
  /** Per frame, ms: measured resampling, batched VAD time / frames, and the rest of the server's CPU time. */
  resampleMs: number;
  vadMs: number;
  socketAndRestMs: number;
}

const CONVERSION = `${STREAM_RATE}>16000`;

/** The smallest bucket bound holding the q-quantile: what fixed buckets can honestly say about it. */
export function bucketQuantile(h: HistogramSnapshot, q: number): number {
  const rank = q * h.count;
  const i = h.cumulativeCounts.findIndex((n) => n >= rank);
  return i < 0 ? Number.POSITIVE_INFINITY : h.bucketsMs[i]!;
}

/** The histogram of what was observed between two snapshots. */
export function histogramDelta(before: HistogramSnapshot, after: HistogramSnapshot): HistogramSnapshot {
  return {
    bucketsMs: after.bucketsMs,
    cumulativeCounts: after.cumulativeCounts.map((n, i) => n - before.cumulativeCounts[i]!),
    count: after.count - before.count,
    sumMs: after.sumMs - before.sumMs,
  };
}

/** The client process, driven over IPC: one request, one reply at a time. */
class Clients {
  readonly #child: ChildProcess;
  #waiting: { resolve: (reply: ClientReply) => void; reject: (err: Error) => void } | null = null;

  constructor() {
    this.#child = fork(fileURLToPath(new URL('./capacity-clients.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: ClientReply) => this.#settle()?.resolve(reply));
    this.#child.on('exit', (code) => this.#settle()?.reject(new Error(`capacity clients exited (${code})`)));
  }

  #settle() {
    const waiting = this.#waiting;
    this.#waiting = null;
    return waiting;
  }

  async #ask<T extends ClientReply['type']>(
    command: ClientCommand,
    expected: T,
  ): Promise<Extract<ClientReply, { type: T }>> {
    const reply = await new Promise<ClientReply>((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#child.send(command);
    });
    if (reply.type !== expected) {
      throw new Error(`capacity clients: ${reply.type === 'failed' ? reply.message : `got ${reply.type}`}`);
    }
    return reply as Extract<ClientReply, { type: T }>;
  }

  open(streams: { audioUrl: string; token: string }[]) {
    return this.#ask({ type: 'open', streams }, 'opened');
  }

  report() {
    return this.#ask({ type: 'report' }, 'report');
  }

  stop(): void {
    if (this.#child.connected) this.#child.send({ type: 'stop' } satisfies ClientCommand);
  }
}

export async function benchSocketCapacity(opts: {
  steps: readonly number[];
  warmupMs: number;
  stepMs: number;
  p95LimitMs: number;
}): Promise<{ steps: SocketStep[]; held: number; sessionSetupMs: number }> {
  const most = Math.max(...opts.steps);
  const bench = await startBenchApp({
    env: {
      // Every stream is a session of the one bench user, on one address.
      MAX_OPEN_SESSIONS_PER_USER: String(most),
      MAX_SOCKETS_PER_USER: String(most),
      CONNECTIONS_PER_MINUTE_PER_IP: String(10 * most),
    },
    providers: {
      stt: [new FakeStt({ transcript: 'hello there' })],
      llm: [new FakeLlm({ content: JSON.stringify({ text: 'Hi.', emotion: 'neutral' }) })],
      tts: [new FakeTts({ script: { msPerChar: 60, chunkMs: 200, latencyMs: 0, interChunkDelayMs: 0 } })],
    },
  });
  const clients = new Clients();
  try {
    const persona = await bench.gql<{ createPersona: { id: string } }>(CreatePersonaMutation, {
      input: { name: 'Capacity', systemPrompt: 'x' },
    });
    const health = async (): Promise<AudioHealth> => (await fetch(`${bench.url}/health`)).json() as never;
    const snapshot = async (): Promise<Snapshot> => {
      const [h, latency, c] = await Promise.all([health(), frameLatency(bench.url), clients.report()]);
      const cpu = process.cpuUsage();
      return {
        health: h,
        latency,
        clients: c,
        cpuMicros: cpu.user + cpu.system,
        systemMicros: cpu.system,
        machineBusyMs: machineBusyMs(),
        atMs: performance.now(),
      };
    };

    const steps: SocketStep[] = [];
    let held = 0;
    let sessionSetupMs = 0;
    let open = 0;
    for (const streams of opts.steps) {
      const setupStarted = performance.now();
      const created = await Promise.all(
        Array.from({ length: streams - open }, () =>
          bench.gql<{ createSession: { sessionToken: string; audioUrl: string } }>(CreateSessionMutation, {
            input: { personaId: persona.createPersona.id },
          }),
        ),
      );
      sessionSetupMs += performance.now() - setupStarted;
      await clients.open(
        created.map(({ createSession }) => ({
          audioUrl: createSession.audioUrl,
          token: createSession.sessionToken,
        })),
      );
      open = streams;
      await new Promise((resolve) => setTimeout(resolve, opts.warmupMs));
      const before = await snapshot();
      await new Promise((resolve) => setTimeout(resolve, opts.stepMs));
      const after = await snapshot();
      const step = measure(streams, before, after, opts.p95LimitMs);
      steps.push(step);
      if (step.p95Ms > opts.p95LimitMs || step.droppedFrames > 0) break;
      held = streams;
    }
    return { steps, held, sessionSetupMs };
  } finally {
    clients.stop();
    await bench.stop();
  }
}

function measure(streams: number, before: Snapshot, after: Snapshot, limitMs: number): SocketStep {
  const wallMs = after.atMs - before.atMs;
  const latency = histogramDelta(before.latency, after.latency);
  const frames = latency.count;
  const resampling = (s: Snapshot) =>
    s.health.audioInput.resampling[CONVERSION] ?? { chunks: 0, inputSamples: 0, busyMs: 0 };
  const resampled = resampling(after).chunks - resampling(before).chunks;
  const resampleMs = (resampling(after).busyMs - resampling(before).busyMs) / resampled;
  const vadMs = (after.health.audioInput.vad.inferenceMs - before.health.audioInput.vad.inferenceMs) / frames;
  const serverCpuMs = (after.cpuMicros - before.cpuMicros) / 1000;
  const serverCores = serverCpuMs / wallMs;
  const clientCores = (after.clients.cpuMicros - before.clients.cpuMicros) / 1000 / wallMs;
  const limitBucket = latency.bucketsMs.indexOf(limitMs);
  if (limitBucket < 0) throw new Error(`no frame latency bucket ends at ${limitMs} ms`);
  return {
    streams,
    p50Ms: bucketQuantile(latency, 0.5),
    p95Ms: bucketQuantile(latency, 0.95),
    shareWithinLimit: latency.cumulativeCounts[limitBucket]! / frames,
    latency,
    framesDone: frames,
    framesSent: after.clients.framesSent - before.clients.framesSent,
    droppedFrames:
      after.health.audioSockets.droppedInboundFrames - before.health.audioSockets.droppedInboundFrames,
    serverCores,
    serverSystemCores: (after.systemMicros - before.systemMicros) / 1000 / wallMs,
    clientCores,
    otherCores:
      after.machineBusyMs === null || before.machineBusyMs === null
        ? Number.NaN
        : Math.max(0, (after.machineBusyMs - before.machineBusyMs) / wallMs - serverCores - clientCores),
    clientLateTicks: after.clients.lateTicks - before.clients.lateTicks,
    // Reset by each report: the worst tick between the two.
    clientMaxLateMs: after.clients.maxLateMs,
    turnsEnded: after.clients.turnsEnded - before.clients.turnsEnded,
    resampleMs,
    vadMs,
    socketAndRestMs: serverCpuMs / frames - resampleMs - vadMs,
  };
}
