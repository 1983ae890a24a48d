import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { AppError } from '../../errors';
import { FRAMES_PER_OUTPUT, MEL_BINS, SILENCE_FEATURE } from './log-mel';

export const DEFAULT_WAV2ARKIT_PATH = fileURLToPath(
  new URL('../../../../models/wav2arkit/wav2arkit.onnx', import.meta.url),
);

/** Must equal LOOKAHEAD_FRAMES in models/wav2arkit/model.py: output q animates 30 fps frame q - 2. */
const WAV2ARKIT_LOOKAHEAD_FRAMES = 2;
/** Longer than the model's receptive field (74 feature frames): warming up on silence makes states exact. */
const WARMUP_OUTPUTS = 24;

export interface StateSpec {
  name: string;
  dims: readonly number[];
}

/**
 * A loaded wav2arkit model, shared by every stream: the ONNX session (single-threaded) and the recurrent state
 * the model has after digital silence, which each stream starts from.
 */
export interface Wav2ArkitSession {
  readonly path: string;
  readonly session: ort.InferenceSession;
  readonly states: readonly StateSpec[];
  readonly initialStates: readonly Float32Array[];
}

function fail(path: string, reason: string, cause?: unknown): never {
  throw new AppError('UNAVAILABLE', `wav2arkit model ${path}: ${reason}`, { details: { path }, cause });
}

/**
 * Loads and checks the model at start-up, so a missing or corrupted file fails here, naming the path, and never
 * at the first turn.
 */
export async function createWav2ArkitSession(path = DEFAULT_WAV2ARKIT_PATH): Promise<Wav2ArkitSession> {
  if (!existsSync(path)) fail(path, 'file not found (retrain with `npm run train:wav2arkit`)');
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    fail(path, `cannot be loaded, the file is corrupted or not an ONNX model (${String(error)})`, error);
  }
  const states: StateSpec[] = [];
  for (const input of session.inputMetadata) {
    if (input.name === 'mel') continue;
    const dims = input.isTensor ? input.shape : [];
    if (!input.name.startsWith('state') || !dims.every((d) => typeof d === 'number')) {
      fail(path, `unexpected input "${input.name}"; expected mel and fixed-size state inputs`);
    }
    if (!session.outputNames.includes(`next_${input.name}`)) fail(path, `no output next_${input.name}`);
    states.push({ name: input.name, dims: dims as number[] });
  }
  const mel = session.inputMetadata.find((i) => i.name === 'mel');
  if (!mel?.isTensor || mel.shape[1] !== MEL_BINS || !session.outputNames.includes('weights')) {
    fail(path, `expected input mel [1, ${MEL_BINS}, frames] and output weights`);
  }
  const zeros = states.map((s) => new Float32Array(s.dims.reduce((a, b) => a * b, 1)));
  const loaded = { path, session, states, initialStates: zeros };
  const model = new Wav2ArkitModel(loaded);
  await model.infer(
    new Float32Array(MEL_BINS * FRAMES_PER_OUTPUT * WARMUP_OUTPUTS).fill(SILENCE_FEATURE),
    WARMUP_OUTPUTS,
  );
  return { ...loaded, initialStates: model.snapshot() };
}

/** One stream's view of the model: preallocated state tensors carried from call to call. */
export class Wav2ArkitModel {
  readonly lookaheadFrames = WAV2ARKIT_LOOKAHEAD_FRAMES;
  private readonly stateTensors: ort.Tensor[];
  private readonly feeds: Record<string, ort.Tensor> = {};
  /** Input tensors by number of outputs, created once each on a shared buffer. */
  private readonly melTensors = new Map<number, ort.Tensor>();

  constructor(private readonly loaded: Wav2ArkitSession) {
    this.stateTensors = loaded.states.map(
      (spec, i) => new ort.Tensor('float32', Float32Array.from(loaded.initialStates[i]!), spec.dims),
    );
    loaded.states.forEach((spec, i) => {
      this.feeds[spec.name] = this.stateTensors[i]!;
    });
  }

  async infer(features: Float32Array, outputs: number): Promise<Float32Array> {
    const frames = outputs * FRAMES_PER_OUTPUT;
    let mel = this.melTensors.get(outputs);
    if (!mel) {
      mel = new ort.Tensor('float32', new Float32Array(MEL_BINS * frames), [1, MEL_BINS, frames]);
      this.melTensors.set(outputs, mel);
    }
    (mel.data as Float32Array).set(features.subarray(0, MEL_BINS * frames));
    this.feeds.mel = mel;
    const result = await this.loaded.session.run(this.feeds);
    this.loaded.states.forEach((spec, i) => {
      (this.stateTensors[i]!.data as Float32Array).set(result[`next_${spec.name}`]!.data as Float32Array);
    });
    return result.weights!.data as Float32Array;
  }

  reset(): void {
    this.stateTensors.forEach((tensor, i) => {
      (tensor.data as Float32Array).set(this.loaded.initialStates[i]!);
    });
  }

  snapshot(): Float32Array[] {
    return this.stateTensors.map((t) => Float32Array.from(t.data as Float32Array));
  }
}
