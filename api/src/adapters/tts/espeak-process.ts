import { fileURLToPath } from 'node:url';
import { WorkerProcess } from '../worker-process';

/** The GPL-3.0 worker program that links libespeak-ng; we only ever talk to it over pipes. */
export const ESPEAK_WORKER_PATH = fileURLToPath(
  new URL('./espeak-worker/espeak-worker.mjs', import.meta.url),
);

export interface EspeakRequest {
  text: string;
  voice: string;
  /** Words per minute (espeak-ng: 80–450). */
  rate: number;
  /** Base pitch 0–99 (espeak-ng default 50). */
  pitch: number;
}

export type EspeakEvent =
  | { type: 'phoneme'; name: string; ms: number }
  /** `textPosition` is 1-based in characters of the request text. */
  | { type: 'word'; ms: number; textPosition: number; length: number };

export interface EspeakOutput {
  samples: Int16Array;
  sampleRate: number;
  events: EspeakEvent[];
}

const LABEL = 'espeak-ng';

/**
 * One warm espeak-ng worker process with a request queue. espeak-ng holds global state (voice, rate), so
 * requests run one at a time; a sentence takes milliseconds, so the queue stays short. Aborting the
 * running request kills the worker (the library cannot be interrupted from outside its callback) and a
 * fresh one starts at once; a crash fails only the running request and the next request restarts it.
 */
export class EspeakProcess {
  private readonly worker: WorkerProcess<{ type: 'ready'; sampleRate: number }>;

  constructor(opts: { workerPath?: string; startTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {
    this.worker = new WorkerProcess({
      label: LABEL,
      command: process.execPath,
      args: [opts.workerPath ?? ESPEAK_WORKER_PATH],
      env: opts.env,
      startTimeoutMs: opts.startTimeoutMs,
      onAbort: 'kill',
    });
  }

  /** Worker processes started so far (the first one included), for /health and tests. */
  get starts(): number {
    return this.worker.starts;
  }

  /** The running worker's process id, if one is running. */
  get pid(): number | undefined {
    return this.worker.pid;
  }

  /** Starts the worker ahead of the first request; resolves to its sample rate. */
  async start(): Promise<number> {
    return (await this.worker.start()).sampleRate;
  }

  async synthesize(request: EspeakRequest, signal: AbortSignal): Promise<EspeakOutput> {
    const { sampleRate } = await this.worker.start();
    const pcm: Buffer[] = [];
    const events: EspeakEvent[] = [];
    return this.worker.request(request, signal, (message) => {
      if (message.type === 'audio') {
        const audio = message as unknown as { pcm: string; events: EspeakEvent[] };
        if (audio.pcm) pcm.push(Buffer.from(audio.pcm, 'base64'));
        events.push(...audio.events);
        return undefined;
      }
      if (message.type !== 'done') return undefined;
      const bytes = Buffer.concat(pcm);
      // Copy into a fresh buffer: Int16Array needs 2-byte alignment that a pooled Buffer may not have.
      const samples = new Int16Array(bytes.byteLength / 2);
      new Uint8Array(samples.buffer).set(bytes);
      return { samples, sampleRate, events };
    });
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
