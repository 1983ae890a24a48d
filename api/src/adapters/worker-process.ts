import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ProviderError } from '../errors';

/** What a worker says first, once it is ready for requests. */
export type ReadyMessage = { type: 'ready' } & Record<string, unknown>;
/** What a worker says about a request: its `id`, and `type: 'error'` with a `message` when it failed. */
export type JobMessage = { id: number | null; type: string } & Record<string, unknown>;

/** Reads a request's messages as they come: the request's result once it is complete, undefined until then. */
export type Collect<T> = (message: JobMessage) => T | undefined;

export interface WorkerProcessOptions {
  /** Names the provider in errors. */
  label: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  /** Requests that may wait behind the running one; more are refused with a retryable error (the chain fails over). */
  maxQueued?: number;
  /**
   * The running request's caller gave up: `kill` the worker (it cannot be interrupted otherwise; a fresh one
   * starts at once), or `drop` the request's answer when it comes (the worker is costly to start).
   */
  onAbort: 'kill' | 'drop';
}

interface Job {
  id: number;
  payload: object;
  collect: Collect<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  /** Its caller gave up while it ran: its answer is read and thrown away. */
  dropped: boolean;
  worker?: Worker;
}

interface Worker {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<ReadyMessage>;
  stderrTail: string;
}

const STDERR_TAIL_CHARS = 2_000;

/**
 * A warm helper process spoken to in JSON lines, one request at a time, with a bounded queue: the espeak-ng
 * worker, the Whisper helper. A crash fails only the running request, with a retryable `ProviderError` that
 * names the worker's last words on stderr; the next request starts a fresh worker.
 */
export class WorkerProcess<Ready extends ReadyMessage = ReadyMessage> {
  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private active: Job | null = null;
  private nextId = 1;
  private closed = false;
  private startCount = 0;

  constructor(private readonly opts: WorkerProcessOptions) {}

  /** Worker processes started so far (the first one included), for /health and tests. */
  get starts(): number {
    return this.startCount;
  }

  /** The running worker's process id, if one is running. */
  get pid(): number | undefined {
    return this.worker?.child.pid;
  }

  /** Requests waiting behind the running one. */
  get queued(): number {
    return this.queue.length;
  }

  /** Nothing running and nothing waiting: a request now starts at once. */
  get idle(): boolean {
    return !this.closed && this.active === null && this.queue.length === 0;
  }

  /** Starts the worker ahead of the first request; resolves with its ready message. */
  start(): Promise<Ready> {
    if (this.closed) return Promise.reject(this.closedError());
    return this.ensureWorker().ready as Promise<Ready>;
  }

  /** Sends `payload` (its `id` is added) and resolves with what `collect` makes of the answer. */
  request<T>(payload: object, signal: AbortSignal, collect: Collect<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.active && this.queue.length >= (this.opts.maxQueued ?? Number.POSITIVE_INFINITY)) {
      return Promise.reject(
        new ProviderError(this.opts.label, `busy: ${this.queue.length} requests already wait`, {
          retryable: true,
        }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        payload,
        collect,
        dropped: false,
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value as T);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => this.cancel(job, signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = this.closedError();
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

  private cancel(job: Job, reason: unknown): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
    } else if (this.active === job) {
      if (this.opts.onAbort === 'drop') {
        // The worker finishes it anyway; the next request waits for that answer, which is thrown away.
        job.dropped = true;
        job.reject(reason instanceof Error ? reason : new Error(String(reason)));
        return;
      }
      this.active = null;
      this.killWorker();
      // Barge-in is usually followed by a new request: have the next worker warm by then.
      this.ensureWorker().ready.catch(() => undefined);
    }
    job.reject(reason instanceof Error ? reason : new Error(String(reason)));
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
        worker.child.stdin.write(`${JSON.stringify({ id: job.id, ...job.payload })}\n`);
      },
      (err: Error) => this.finish(job, () => job.reject(err)),
    );
  }

  private finish(job: Job, settle: () => void): void {
    if (this.active !== job) return;
    this.active = null;
    if (!job.dropped) settle();
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
    const { label } = this.opts;
    const child = spawn(this.opts.command, [...this.opts.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: this.opts.env ?? process.env,
    });
    this.startCount++;
    let markReady: (message: ReadyMessage) => void = () => undefined;
    let failStart: (err: Error) => void = () => undefined;
    const worker: Worker = {
      child,
      stderrTail: '',
      ready: new Promise<ReadyMessage>((resolve, reject) => {
        markReady = resolve;
        failStart = reject;
      }),
    };
    // Handled where it matters (pump); this keeps an early rejection from being reported as unhandled.
    worker.ready.catch(() => undefined);
    const startTimer = setTimeout(() => {
      failStart(new ProviderError(label, 'worker did not start in time'));
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
      let message: JobMessage | ReadyMessage;
      try {
        message = JSON.parse(line) as JobMessage | ReadyMessage;
      } catch {
        worker.stderrTail = `${worker.stderrTail}${line}\n`.slice(-STDERR_TAIL_CHARS);
        return;
      }
      if (message.type === 'ready') {
        clearTimeout(startTimer);
        markReady(message as ReadyMessage);
        if (!this.active) this.setBusy(false);
      } else {
        this.onJobMessage(worker, message as JobMessage);
      }
    });
    child.on('error', (err) => {
      clearTimeout(startTimer);
      failStart(new ProviderError(label, `cannot start worker: ${err.message}`, { cause: err }));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      const tail = worker.stderrTail.trim();
      const err = new ProviderError(
        label,
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

  private onJobMessage(worker: Worker, message: JobMessage): void {
    const job = this.active;
    if (!job || job.worker !== worker || message.id !== job.id) return;
    if (message.type === 'error') {
      const err = new ProviderError(this.opts.label, String(message.message), { retryable: false });
      this.finish(job, () => job.reject(err));
      return;
    }
    let result: unknown;
    try {
      result = job.collect(message);
    } catch (err) {
      this.finish(job, () => job.reject(err instanceof Error ? err : new Error(String(err))));
      return;
    }
    if (result !== undefined) this.finish(job, () => job.resolve(result));
  }

  private closedError(): ProviderError {
    return new ProviderError(this.opts.label, 'worker is closed', { retryable: false });
  }
}

function isRefCounted(handle: unknown): handle is { ref(): void; unref(): void } {
  return typeof (handle as { unref?: unknown }).unref === 'function';
}
