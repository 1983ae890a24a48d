import type { BlendshapeFrame } from '../../domain/session-events';

export interface BlendshapeStreamOptions {
  /** Told about bad input and internal failures, which never throw. */
  onWarning?: (message: string) => void;
}

/**
 * Audio -> 30 fps ARKit-52 frames for any speech, phonemes or not (e.g. OpenAI TTS). One stream per response;
 * each frame carries the sample range [sampleStart, sampleEnd) it animates, at the stream's sample rate,
 * counted from the start of the stream.
 */
export interface BlendshapeAnimator {
  readonly label: string;
  createStream(sampleRate: number, options?: BlendshapeStreamOptions): BlendshapeStream;
}

export interface BlendshapeStream {
  /**
   * Feeds the next chunk (PCM16, or float in [-1, 1]) and returns every frame whose audio and look-ahead have
   * arrived. Never rejects: bad samples are sanitised and failures give neutral frames.
   */
  push(samples: Int16Array | Float32Array): Promise<BlendshapeFrame[]>;
  /** End of the audio: returns the remaining frames up to its last sample and resets the stream for reuse. */
  flush(): Promise<BlendshapeFrame[]>;
}
