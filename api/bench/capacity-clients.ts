/**
 * The microphones of the socket capacity benchmark, in their own process (`capacity.bench.ts` forks it), so the
 * server's CPU figures hold only the server. Each stream is a real `ws` client on the audio socket: `audio.start` at
 * 48 kHz, then one 20 ms PCM16 frame every 20 ms, each stream at its own place in a loop of continuous synthetic
 * speech. Streams are spread over PHASES phases of the 20 ms period, as microphones on many devices are not in
 * step with each other. Controlled over the IPC channel; see `ClientCommand` and `ClientReport`.
 */
import WebSocket from 'ws';
import { synthesizeSpeech } from '../test-support/speech';

export const STREAM_RATE = 48_000;
export const FRAME_MS = 20;
const FRAME_SAMPLES = (STREAM_RATE * FRAME_MS) / 1000;
/** A tick this late counts as late: the server then got that frame from us late, not from its own backlog. */
const LATE_TICK_MS = 10;
/** Stream i sends at (i mod PHASES) × FRAME_MS / PHASES into each period. */
export const PHASES = 4;
const TICK_MS = FRAME_MS / PHASES;

export type ClientCommand =
  | { type: 'open'; streams: { audioUrl: string; token: string }[] }
  | { type: 'report' }
  | { type: 'stop' };

/** Cumulative since the process started; the parent diffs two of them. */
export interface ClientReport {
  type: 'report';
  cpuMicros: number;
  framesSent: number;
  ticks: number;
  lateTicks: number;
  /** The worst lateness since the previous report. */
  maxLateMs: number;
  /** speech.ended with endOfTurn: the session answered a turn (fake STT/LLM/TTS, and the avatar renderer). */
  turnsEnded: number;
  errorMessages: number;
  closedSockets: number;
}

export type ClientReply =
  | ClientReport
  | { type: 'opened'; streams: number }
  | { type: 'failed'; message: string };

/**
 * Speech without pauses long enough to end a turn (no full stops), its leading and trailing silence cut so the loop
 * does not pause either.
 */
async function continuousSpeech(): Promise<Buffer[]> {
  const text =
    'the quick brown fox jumps over the lazy dog and runs around the garden while the cat watches from the ' +
    'window and the bird sings in the tall green tree and the children laugh and play by the river';
  const { samples } = await synthesizeSpeech(text, STREAM_RATE);
  const loud = (s: number) => Math.abs(s) > 300;
  const first = samples.findIndex(loud);
  const last = samples.findLastIndex(loud);
  const speech = samples.slice(first, last + 1);
  const bytes = Buffer.from(speech.buffer, speech.byteOffset, speech.byteLength);
  const frames: Buffer[] = [];
  for (let at = 0; at + FRAME_SAMPLES * 2 <= bytes.length; at += FRAME_SAMPLES * 2) {
    frames.push(bytes.subarray(at, at + FRAME_SAMPLES * 2));
  }
  return frames;
}

async function main() {
  const send = (reply: ClientReply) => process.send?.(reply);
  const frames = await continuousSpeech();
  const sockets: WebSocket[] = [];
  const counts = { framesSent: 0, ticks: 0, lateTicks: 0, maxLateMs: 0, turnsEnded: 0, errorMessages: 0 };
  let closedSockets = 0;

  async function open(stream: { audioUrl: string; token: string }): Promise<WebSocket> {
    const ws = new WebSocket(`${stream.audioUrl}?token=${stream.token}`);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(String(data)) as { type: string; endOfTurn?: boolean };
      if (message.type === 'speech.ended' && message.endOfTurn) counts.turnsEnded++;
      if (message.type === 'error') counts.errorMessages++;
    });
    ws.on('close', () => closedSockets++);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'audio.start', sampleRate: STREAM_RATE, encoding: 'pcm16' }));
    return ws;
  }

  // One timer ticking each phase; ticks missed while busy are caught up, so the server still gets real-time audio
  // and the lateness is reported.
  const started = performance.now();
  const tick = () => {
    const now = performance.now();
    let due = Math.floor((now - started) / TICK_MS);
    for (; counts.ticks <= due; counts.ticks++) {
      const lateMs = now - (started + counts.ticks * TICK_MS);
      if (lateMs > LATE_TICK_MS) counts.lateTicks++;
      counts.maxLateMs = Math.max(counts.maxLateMs, lateMs);
      const frame = Math.floor(counts.ticks / PHASES);
      for (let i = counts.ticks % PHASES; i < sockets.length; i += PHASES) {
        const ws = sockets[i]!;
        if (ws.readyState !== WebSocket.OPEN) continue;
        // Streams 7 frames apart in the loop: they are not all saying the same thing at once.
        ws.send(frames[(frame + i * 7) % frames.length]!);
        counts.framesSent++;
      }
      due = Math.floor((performance.now() - started) / TICK_MS);
    }
    setTimeout(tick, Math.max(0, started + counts.ticks * TICK_MS - performance.now()));
  };
  tick();

  // The bench died without saying stop: no orphaned process keeps streaming.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (command: ClientCommand) => {
    if (command.type === 'open') {
      Promise.all(command.streams.map(open)).then(
        (opened) => {
          sockets.push(...opened);
          send({ type: 'opened', streams: sockets.length });
        },
        (err: unknown) => send({ type: 'failed', message: String(err) }),
      );
    } else if (command.type === 'report') {
      const cpu = process.cpuUsage();
      send({ type: 'report', cpuMicros: cpu.user + cpu.system, ...counts, closedSockets });
      counts.maxLateMs = 0;
    } else {
      for (const ws of sockets) ws.close();
      process.exit(0);
    }
  });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'failed', message: String(err) } satisfies ClientReply);
  process.exit(1);
});
