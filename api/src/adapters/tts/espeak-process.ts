import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ProviderError } from '../../errors';

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

type WorkerMessage =
  | { type: 'ready'; sampleRate: number }
  | { id: number; type: 'audio'; pcm: string; events: EspeakEvent[] }
  | { id: number; type: 'done'; samples: number }
  | { id: number | null; type: 'error'; message: string };

interface Job {
  id: number;
  request: EspeakRequest;
  signal: AbortSignal;
  resolve: (output: EspeakOutput) => void;
  reject: (err: Error) => void;
  pcm: Buffer[];
  events: EspeakEvent[];
  worker?: Worker;
}

interface Worker {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<number>;
  sampleRate: number;
  stderrTail: string;
}

const LABEL = 'espeak-ng';
const STDERR_TAIL_CHARS = 2_000;

/**
 * One warm espeak-ng worker process with a request queue. espeak-ng holds global state (voice, rate), so
 * requests run one at a time; a sentence takes milliseconds, so the queue stays short. Aborting the
 * running request kills the worker (the library cannot be interrupted from outside its callback) and a
 * fresh one starts at once; a crash fails only the running request and the next request restarts it.
 */
export class EspeakProcess {
  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private active: Job | null = null;
  private nextId = 1;
  private closed = false;
  private startCount = 0;

  constructor(
    private readonly opts: { workerPath?: string; startTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
  ) {}

  /** Worker processes started so far (the first one included), for /health and tests. */
  get starts(): number {
    return this.startCount;
  }

  /** The running worker's process id, if one is running. */
  get pid(): number | undefined {
    return this.worker?.child.pid;
  }

  /** Starts the worker ahead of the first request; resolves to its sample rate. */
  start(): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    return this.ensureWorker().ready;
  }

  synthesize(request: EspeakRequest, signal: AbortSignal): Promise<EspeakOutput> {
    if (this.closed) return Promise.reject(closedError());
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<EspeakOutput>((resolve, reject) => {
      const job: Job = { id: this.nextId++, request, signal, resolve, reject, pcm: [], events: [] };
      const onAbort = () => this.cancel(job);
      signal.addEventListener('abort', onAbort, { once: true });
      job.resolve = (output) => {
        signal.removeEventListener('abort', onAbort);
        resolve(output);
      };
      job.reject = (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      };
      this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = closedError();
    for (const job of this.queue.splice(0)) job.reject(closing);
    this.active?.reject(closing);
    this.active = null;
    const worker = this.worker;
    this.worker = null;
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      const exited = new Promise((resolve) => worker.child.once('exit', resolve));
      worker.child.kill('SIGKILL');
      await exited;
    }
  }

  private cancel(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
    } else if (this.active === job) {
      this.active = null;
      this.killWorker();
      // Barge-in is usually followed by a new response: have the next worker warm by then.
      this.ensureWorker().ready.catch(() => undefined);
    }
    job.reject(job.signal.reason);
    this.pump();
  }

  private killWorker(): void {
    const worker = this.worker;
    this.worker = null;
    worker?.child.kill('SIGKILL');
  }

  private pump(): void {
    if (this.active || this.closed) return;
    const job = this.queue.shift();
    if (!job) {
      this.setBusy(false);
      return;
    }
    const worker = this.ensureWorker();
    this.active = job;
    job.worker = worker;
    this.setBusy(true);
    worker.ready.then(
      () => {
        if (this.active !== job) return;
        worker.child.stdin.write(`${JSON.stringify({ id: job.id, ...job.request })}\n`);
      },
      (err: Error) => this.finish(job, () => job.reject(err)),
    );
  }

  private finish(job: Job, settle: () => void): void {
    if (this.active !== job) return;
    this.active = null;
    settle();
    this.pump();
  }

  /** An idle worker must not keep the server's process alive on its own; a busy one must. */
  private setBusy(busy: boolean): void {
    const child = this.worker?.child;
    if (!child) return;
    // The pipes are sockets at run time, though typed as plain streams.
    for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown[]) {
      if (!isRefCounted(handle)) continue;
      if (busy) handle.ref();
      else handle.unref();
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const child = spawn(process.execPath, [this.opts.workerPath ?? ESPEAK_WORKER_PATH], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: this.opts.env ?? process.env,
    });
    this.startCount++;
    let markReady: (sampleRate: number) => void = () => undefined;
    let failStart: (err: Error) => void = () => undefined;
    const worker: Worker = {
      child,
      sampleRate: 0,
      stderrTail: '',
      ready: new Promise<number>((resolve, reject) => {
        markReady = resolve;
        failStart = reject;
      }),
    };
    // Handled where it matters (pump); this keeps an early rejection from being reported as unhandled.
    worker.ready.catch(() => undefined);
    const startTimer = setTimeout(() => {
      failStart(new ProviderError(LABEL, 'worker did not start in time'));
      child.kill('SIGKILL');
    }, this.opts.startTimeoutMs ?? 10_000);
    startTimer.unref();

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      worker.stderrTail = (worker.stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    // A write racing the worker's death fails with EPIPE; the 'exit' handler reports it.
    child.stdin.on('error', () => undefined);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let message: WorkerMessage;
      try {
        message = JSON.parse(line) as WorkerMessage;
      } catch {
        worker.stderrTail = `${worker.stderrTail}${line}\n`.slice(-STDERR_TAIL_CHARS);
        return;
      }
      if (message.type === 'ready') {
        clearTimeout(startTimer);
        worker.sampleRate = message.sampleRate;
        markReady(message.sampleRate);
        if (!this.active) this.setBusy(false);
      } else {
        this.onJobMessage(worker, message);
      }
    });
    child.on('error', (err) => {
      clearTimeout(startTimer);
      failStart(new ProviderError(LABEL, `cannot start worker: ${err.message}`, { cause: err }));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      const tail = worker.stderrTail.trim();
      const err = new ProviderError(
        LABEL,
        `worker exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`,
      );
      failStart(err);
      if (this.worker === worker) this.worker = null;
      const job = this.active;
      if (job?.worker === worker) this.finish(job, () => job.reject(err));
    });
    this.worker = worker;
    return worker;
  }

  private onJobMessage(worker: Worker, message: Exclude<WorkerMessage, { type: 'ready' }>): void {
    const job = this.active;
    if (!job || job.worker !== worker || message.id !== job.id) return;
    if (message.type === 'audio') {
      if (message.pcm) job.pcm.push(Buffer.from(message.pcm, 'base64'));
      job.events.push(...message.events);
    } else if (message.type === 'done') {
      const bytes = Buffer.concat(job.pcm);
      // Copy into a fresh buffer: Int16Array needs 2-byte alignment that a pooled Buffer may not have.
      const samples = new Int16Array(bytes.byteLength / 2);
      new Uint8Array(samples.buffer).set(bytes);
      this.finish(job, () => job.resolve({ samples, sampleRate: worker.sampleRate, events: job.events }));
    } else {
      this.finish(job, () => job.reject(new ProviderError(LABEL, message.message, { retryable: false })));
    }
  }
}

function isRefCounted(handle: unknown): handle is { ref(): void; unref(): void } {
  return typeof (handle as { unref?: unknown }).unref === 'function';
}

function closedError(): ProviderError {
  return new ProviderError(LABEL, 'worker pool is closed', { retryable: false });
}
