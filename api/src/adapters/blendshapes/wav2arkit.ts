import { ResamplerPool } from '../audio/resampler';
import { FrameStream } from './frame-stream';
import type { BlendshapeAnimator, BlendshapeStreamOptions } from './types';
import { Wav2ArkitModel, type Wav2ArkitSession } from './wav2arkit-session';

/** ARKit-52 from audio with the wav2arkit ONNX model (models/wav2arkit), streaming, on CPU. */
export class Wav2ArkitAnimator implements BlendshapeAnimator {
  readonly label = 'wav2arkit';
  /** Takes a session from `createWav2ArkitSession`, made once at start-up and shared by all streams. */
  constructor(
    private readonly session: Wav2ArkitSession,
    /** Resamplers are costly to create (a WASM instance each): streams borrow them from here. */
    private readonly resamplers = new ResamplerPool(),
  ) {}

  createStream(sampleRate: number, options?: BlendshapeStreamOptions): FrameStream {
    return new FrameStream(new Wav2ArkitModel(this.session), sampleRate, options ?? {}, this.resamplers);
  }
}
