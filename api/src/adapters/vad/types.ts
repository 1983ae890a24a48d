/** Voice activity detection over fixed-size 16 kHz float frames. */
export interface VoiceActivityDetector {
  readonly label: string;
  readonly sampleRate: number;
  /** Samples per frame the model expects (512 at 16 kHz for Silero v5 = 32 ms). */
  readonly frameSize: number;
  /** Speech probability 0..1 for one frame; keeps recurrent state between calls. */
  process(frame: Float32Array): Promise<number>;
  reset(): void;
}
